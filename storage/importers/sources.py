"""What every timeline reader does with a file before its rows: encoding, columns, chunks.

- **Encoding, decided per file.** The whole file is decoded as UTF-8 once (incrementally, 4 MB
  at a time, ~0.2 s for 200 MB); a byte-order mark means ``utf-8-sig``; the first invalid
  byte makes the file Latin-1, with the offset and line of that byte in the note. Deciding
  from the first kilobytes would misread an export whose first accented name is on line
  500,000. UTF-16 (Excel's "Unicode text") is refused rather than read as Latin-1 garbage.
- **Columns.** The required names, a mapping profile (``{"datetime": "DT"}``: the file's
  ``DT`` stands for ``datetime``), the columns that may stand in (``timestamp`` for
  ``datetime``), and a refusal naming what is missing.
- **One pass.** :class:`TimelineRead` has checked the header when it is returned, so a
  refusal comes before any chunk; iterating it yields the chunks once.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from storage.importers.rows import ImportRefused, MissingColumns, json_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    from storage.importers.rows import EventChunk, ReadSummary

DEFAULT_CHUNK_ROWS = 50_000
"""CSV rows per chunk. A read holds about two chunks (the one the writer has, the one being
built): ~70 MB over the interpreter for Timesketch-like rows, whatever the file's size;
larger chunks are no faster."""
JSON_CHUNK_ROWS = 20_000
"""JSON-lines rows per chunk: a parsed line is a dict (~1 KB), 5× a CSV row's cells."""

REQUIRED = ("message", "datetime", "timestamp_desc")
STANDS_IN = {"datetime": "timestamp"}
"""A required column that another may replace: Timesketch files with ``timestamp`` alone."""
MAPPABLE = (*REQUIRED, "timestamp", "tag")
"""The names a column mapping may point at one of the file's columns."""

_BOM = codecs.BOM_UTF8


@dataclass(frozen=True, slots=True)
class Encoding:
    """The codec a file is read with, whether a UTF-8 BOM starts it, and why."""

    name: str
    bom: bool
    note: str

    @property
    def label(self) -> str:
        """The codec as reported: ``utf-8-sig`` for UTF-8 behind a byte-order mark."""
        return "utf-8-sig" if self.bom and self.name == "utf-8" else self.name


def sniff_encoding(path: Path, file: str) -> Encoding:
    """UTF-8 (with or without BOM) if the whole file decodes, else Latin-1 (see module doc)."""
    with path.open("rb") as f:
        head = f.read(4)
        if not head:
            raise ImportRefused(file, "the file is empty")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportRefused(file, "the file is UTF-16 text: save it as UTF-8 and import "
                                      "that copy")
        bom = head.startswith(_BOM)
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        while block := f.read(1 << 22):
            # An ASCII block with nothing pending is valid UTF-8: skip the decode (3× faster).
            if not (block.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    at = offset + max(exc.start - (len(exc.object) - len(block)), 0)
                    return Encoding("latin-1", bom, f"not UTF-8 ({_where(path, at)}): read as "
                                    "Latin-1" + (" after its UTF-8 byte-order mark" if bom
                                                 else ""))
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return Encoding("latin-1", bom, "not UTF-8 (a truncated sequence at the end): "
                                            "read as Latin-1")
    if bom:
        return Encoding("utf-8", True, "UTF-8 with a byte-order mark")
    return Encoding("utf-8", False, "UTF-8")


def _where(path: Path, at: int) -> str:
    """``byte 0xE9 at offset 123, line 5``: where the first non-UTF-8 byte is."""
    line, done = 1, 0
    with path.open("rb") as f:
        while done < at:
            block = f.read(min(1 << 22, at - done))
            line += block.count(b"\n")
            done += len(block)
        byte = f.read(1)
    return f"byte 0x{byte.hex().upper()} at offset {at}, line {line}"


def required_columns(file: str, found: Sequence[str],
                     mapping: Mapping[str, str] | None) -> dict[str, str | None]:
    """Required name → the file's column that holds it (None: absent but stood in for).

    ``mapping`` names the file's column for a required one. Refuses, naming them, the
    required columns that are neither there, mapped, nor stood in for, and mappings to
    columns the file lacks.
    """
    mapping = dict(mapping or {})
    odd = sorted(set(mapping) - set(MAPPABLE))
    if odd:
        raise ImportRefused(file, f"a column mapping names {', '.join(odd)}: only "
                                  f"{', '.join(MAPPABLE)} can be mapped")
    unknown = [f"{k} → {v}" for k, v in mapping.items() if v not in found]
    if unknown:
        raise ImportRefused(file, f"mapped column(s) not in the file: {', '.join(unknown)}")
    out: dict[str, str | None] = {}
    missing = []
    for name in REQUIRED:
        source = mapping.get(name, name)
        stand_in = STANDS_IN.get(name)
        if source in found:
            out[name] = source
        elif stand_in is not None and mapping.get(stand_in, stand_in) in found:
            out[name] = None
        else:
            missing.append(name)
    if missing:
        hint = ("; a 'timestamp' column may stand in for 'datetime'"
                if "datetime" in missing else "")
        raise MissingColumns(file, missing, list(found), hint)
    return out


def unique_names(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Header names made unique (``tag``, ``tag#2``; a blank one ``column N``).

    Each renamed column gets a note, for the import's report.
    """
    seen: dict[str, int] = {}
    out, notes = [], []
    for i, given in enumerate(names, 1):
        name = given
        if not given.strip():  # a spreadsheet's unnamed index column
            name = f"column {i}"
            notes.append(f"column {i} has no name in the header: kept as {name!r}")
        k = seen.get(name, 0) + 1
        seen[name] = k
        out.append(name if k == 1 else f"{name}#{k}")
        if k > 1:
            notes.append(f"column {name!r} appears {k} times: the copy is kept as "
                         f"{name}#{k}")
    return out, notes


class TimelineRead:
    """An opened timeline: header checked, encoding decided. Iterate once for its chunks.

    ``summary`` fills in as the chunks are read (events, bad rows, guessed units…).
    """

    def __init__(self, summary: ReadSummary, chunks: Iterator[EventChunk]) -> None:
        self.summary = summary
        self._chunks: Iterator[EventChunk] | None = chunks
        self._used: Iterator[EventChunk] | None = None

    def __iter__(self) -> Iterator[EventChunk]:
        if self._chunks is None:
            raise RuntimeError("a timeline is read once: open it again")
        self._used, self._chunks = self._chunks, None
        return self._used

    def close(self) -> None:
        """Stop reading (closes the file): for a writer that gives up before the end."""
        for chunks in (self._chunks, self._used):
            if chunks is not None and hasattr(chunks, "close"):
                chunks.close()
        self._chunks = None

    def __enter__(self) -> TimelineRead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_binary(path: Path, enc: Encoding) -> BinaryIO:
    """The file opened for reading, past its UTF-8 byte-order mark if it has one."""
    f = path.open("rb")
    if enc.bom:
        f.seek(len(_BOM))
    return f


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)
"""One decoder for every line: ``json.loads`` with hooks builds a new one per call (25×
slower on a 10⁶-line file)."""


def _json_line(text: str) -> dict[str, Any] | str | None:
    """One line the fast path did not take: its object, why it is bad, or None if blank."""
    if not text.strip():
        return None
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return f"not valid JSON: {exc.msg} (column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return f"not valid JSON: {exc}"
    return obj if isinstance(obj, dict) else "not a JSON object"


def json_lines(path: Path, enc: Encoding) -> Iterator[tuple[int, dict[str, Any] | str | None]]:
    """``(line, object)`` for each line of a JSON-lines file; a str says why a line is bad.

    None marks a blank line. Floats arrive as :class:`~decimal.Decimal` (the digits written);
    ``NaN``/``Infinity`` (accepted by Python's parser, not by JSON) make a bad line.
    """
    for batch in json_batches(path, enc, 1000):
        out: list[tuple[int, dict[str, Any] | str | None]] = list(
            zip(batch.lines, batch.objs, strict=True))
        out += batch.bad
        out += [(no, None) for no in batch.blank]
        yield from sorted(out, key=lambda item: item[0])


@dataclass(slots=True)
class JsonBatch:
    """Consecutive lines of a JSON-lines file.

    The objects with their line numbers, the bad lines as ``(line, reason)``, the blank lines.
    """

    lines: list[int]
    objs: list[dict[str, Any]]
    bad: list[tuple[int, str]]
    blank: list[int]
    end_byte: int = 0
    """How far into the file the batch reaches (for a progress bar)."""


def json_batches(path: Path, enc: Encoding, size: int) -> Iterator[JsonBatch]:
    """The file's lines parsed, ``size`` objects a batch.

    The per-line loop is the cost of a JSON-lines import (a dict per line is Python's price),
    so it does the least: ``raw_decode`` (no whitespace regex) and a type check; a line that
    fails that path (blank, padded, bad, not an object, trailing data) is redone by
    :func:`_json_line` for its reason.
    """
    raw_decode = _DECODER.raw_decode
    name = enc.name
    batch = JsonBatch([], [], [], [])
    with open_binary(path, enc) as f:
        for no, raw in enumerate(f, 1):
            text = raw.decode(name)
            try:
                obj, end = raw_decode(text)
                fast = type(obj) is dict and (end == len(text) or text[end:].isspace())
            except (ValueError, RecursionError):
                fast = False
            if not fast:
                slow = _json_line(text)
                if slow is None:
                    batch.blank.append(no)
                    continue
                if isinstance(slow, str):
                    batch.bad.append((no, slow))
                    continue
                obj = slow
            batch.lines.append(no)
            batch.objs.append(obj)
            if len(batch.objs) >= size:
                batch.end_byte = f.tell()
                yield batch
                batch = JsonBatch([], [], [], [])
        batch.end_byte = f.tell()
    if batch.objs or batch.bad or batch.blank:
        yield batch


def first_object(path: Path, enc: Encoding, file: str, within: int = 1000) -> dict[str, Any]:
    """The first JSON object of a JSON-lines file (its keys act as the header)."""
    for no, obj in json_lines(path, enc):
        if isinstance(obj, dict):
            return obj
        if no >= within:
            break
    raise ImportRefused(file, f"no JSON object in the first {within} lines: not JSON lines")


def json_columns(objs: list[dict[str, Any]]) -> tuple[list[str], dict[str, np.ndarray],
                                                       dict[str, np.ndarray]]:
    """The objects' fields as text columns ("" where absent or null), and presence masks.

    Keys are in the order of the first object, then the others sorted. When every object has
    the first one's keys (the usual case) each dict is visited once (an ``itemgetter`` of all
    keys: the dicts are scattered in memory, so one pass per key cost 3× more) and the tuples
    are split by column; only values that are not already ``str`` (numbers, nulls, nested
    values) go through :func:`~storage.importers.rows.json_text`.
    """
    n = len(objs)
    if not n:
        return [], {}, {}
    keys = list(objs[0])
    try:  # the usual case: every object has the first one's keys; one pass over the dicts
        rows = list(map(itemgetter(*keys), objs)) if len(keys) > 1 else None
        uniform = rows is not None and set(map(len, objs)) == {len(keys)}
    except KeyError:
        uniform = False
    if uniform:
        assert rows is not None
        raw = [list(map(itemgetter(j), rows)) for j in range(len(keys))]
        has = dict.fromkeys(keys, np.ones(n, bool))
    else:
        keys += sorted(set().union(*objs) - set(keys))
        raw = [list(map(dict.get, objs, repeat(k))) for k in keys]
        has = {k: np.fromiter(map(dict.__contains__, objs, repeat(k)), bool, n) for k in keys}
    text: dict[str, np.ndarray] = {}
    for key, values in zip(keys, raw, strict=True):
        col = np.empty(n, dtype=object)
        types = set(map(type, values))
        if types == {str}:
            col[:] = values
        elif types == {int}:  # epoch numbers: digits as written
            col[:] = list(map(str, values))
        else:
            col[:] = [v if type(v) is str else json_text(v) for v in values]
        text[key] = col
    return keys, text, has
