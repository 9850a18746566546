"""Records of a delimited text file (CSV, TSV) in bounded chunks, each with the line it starts on.

Every delimited reader (Timesketch CSV, a spreadsheet read through a mapping profile) needs the
same things from a file: its cells as text, chunk by chunk, and for each record the physical
line where it starts, so that a bad row is reported where a user finds it in an editor.

The file goes through pandas' C parser in chunks (``dtype=str``, no NA conversion: a cell is
the text the file holds, ``""`` when empty), which handles CRLF and quoted fields spanning
lines. pandas does not say where a record starts, so the line of each record is counted here:
a record takes one line plus the line breaks inside its fields, and the records pandas skips
(too many fields) are placed from the record numbers in its warnings. A sentinel column after
the header's catches the records with one field too many without losing their place. Blank
lines are skipped and counted. pandas cannot tell a record with missing trailing fields from
one whose trailing fields are empty: such a record is read with those fields blank.
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from storage.importers.rows import BadRow, ImportRefused
from storage.importers.sources import open_binary

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from storage.importers.rows import ReadSummary
    from storage.importers.sources import Encoding

_EXTRA = "\x00extra"
_SKIPPED = re.compile(r"Skipping line (\d+): expected \d+ fields, saw (\d+)")


@dataclass(slots=True, eq=False)
class RecordChunk:
    """Consecutive non-blank records, and the ones refused in the same stretch.

    ``columns`` holds the cells by header name, ``line`` where each record starts, ``bad`` the
    records with the wrong number of fields.
    """

    columns: dict[str, np.ndarray]
    line: np.ndarray
    bad: list[BadRow]

    def __len__(self) -> int:
        return len(self.line)


def _read_csv(f: Any, enc: Encoding, sep: str, quoting: int, **kw: Any) -> Any:
    return pd.read_csv(f, header=None, dtype=str, na_filter=False, skip_blank_lines=False,
                       encoding=enc.name, index_col=False, engine="c", sep=sep,
                       quoting=quoting, **kw)


def csv_header(path: Path, enc: Encoding, file: str, sep: str = ",",
               quoting: int = csv.QUOTE_MINIMAL) -> list[str]:
    """The first record's cells: the header (refused when missing or blank)."""
    with open_binary(path, enc) as f:
        try:
            head = _read_csv(f, enc, sep, quoting, nrows=1)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ImportRefused(file, f"no header: {exc}") from exc
    names = [str(v) for v in head.iloc[0].tolist()] if len(head) else []
    if not any(names):
        raise ImportRefused(file, "the first line is blank: the file must start with its "
                                  "header")
    return names


class _Lines:
    """Where each record starts, carried from chunk to chunk.

    ``record`` is pandas' record number of the next record (the header is 1; blank lines
    count), ``line`` the physical line where it starts; ``pending`` the records pandas
    skipped that are not placed yet (record → fields seen).
    """

    def __init__(self) -> None:
        self.record = 1
        self.line = 1
        self.pending: dict[int, int] = {}

    def place(self, cols: list[np.ndarray],
              skipped: dict[int, int]) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Start lines of a chunk's rows, and ``(line, fields)`` of the skipped records."""
        n = len(cols[0])
        breaks = np.zeros(n, np.int64)
        for col in cols:
            joined = "".join(col)
            if "\n" in joined or "\r" in joined:
                breaks += _breaks(col, joined)
        step = 1 + breaks
        self.pending.update(skipped)
        if not self.pending:
            starts = self.line + np.concatenate(([0], np.cumsum(step)[:-1])).astype(np.int64)
            self.line += int(step.sum())
            self.record += n
            return starts, []
        starts = np.empty(n, np.int64)
        placed: list[tuple[int, int]] = []
        i = 0
        while i < n or self.record in self.pending:
            if self.record in self.pending:
                placed.append((self.line, self.pending.pop(self.record)))
                self.line += 1  # its own line breaks are unknown: pandas dropped its fields
            else:
                starts[i] = self.line
                self.line += int(step[i])
                i += 1
            self.record += 1
        return starts, placed


def _breaks(col: np.ndarray, joined: str) -> np.ndarray:
    r"""Line breaks inside each cell of ``col`` (``joined`` is its cells end to end).

    A break is ``\n``, ``\r`` or ``\r\n`` within one cell. Found in ``joined`` with
    ``str.find`` and placed by the cells' ends: a column with a few multi-line cells costs
    a few finds, not a count per cell.
    """
    ends = np.cumsum(np.fromiter(map(len, col), np.int64, len(col)))
    newline, cr = _found(joined, "\n"), _found(joined, "\r")
    if len(cr):  # "\r\n" inside one cell is one break
        pair = np.isin(cr + 1, newline) & (
            np.searchsorted(ends, cr, side="right") == np.searchsorted(ends, cr + 1, side="right"))
        cr = cr[~pair]
    cells = np.searchsorted(ends, np.concatenate((newline, cr)), side="right")
    return np.bincount(cells, minlength=len(col)).astype(np.int64)


def _found(text: str, char: str) -> np.ndarray:
    out: list[int] = []
    at = text.find(char)
    while at >= 0:
        out.append(at)
        at = text.find(char, at + 1)
    return np.asarray(out, dtype=np.int64)


def csv_records(path: Path, enc: Encoding, file: str, names: list[str], chunk_rows: int,
                summary: ReadSummary, sep: str = ",",
                quoting: int = csv.QUOTE_MINIMAL) -> Iterator[RecordChunk]:
    """The records after the header, ``chunk_rows`` at a time (see the module doc).

    ``names`` are the header's (made unique) names; blank records are counted into
    ``summary.blank_records`` and ``summary.bytes_done`` follows the file. ``quoting`` is
    ``csv.QUOTE_NONE`` for a TSV whose quotes are text.
    """
    k = len(names)
    positional = [f"c{i}" for i in range(k)] + [_EXTRA]
    lines = _Lines()
    first = True
    with open_binary(path, enc) as f:
        reader = _read_csv(f, enc, sep, quoting, names=positional, on_bad_lines="warn",
                           chunksize=chunk_rows)
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                try:
                    df = next(reader)
                except StopIteration:
                    break
                except pd.errors.ParserError as exc:
                    raise ImportRefused(file, f"unreadable after line {lines.line}: "
                                              f"{exc}") from exc
            skipped: dict[int, int] = {}
            for w in caught:
                if issubclass(w.category, pd.errors.ParserWarning):
                    skipped.update({int(a): int(b) for a, b in _SKIPPED.findall(str(w.message))})
                else:  # pragma: no cover - pandas' other warnings are not ours to drop
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            cols = [df[c].to_numpy(dtype=object) for c in positional]
            starts, placed = lines.place(cols, skipped)
            bad = [BadRow(file, line, f"{fields} fields where the header has {k}")
                   for line, fields in placed]
            if first:
                cols = [c[1:] for c in cols]
                starts = starts[1:]
                first = False
            chunk = _records(file, names, cols, starts, bad, summary)
            summary.bytes_done = f.tell()
            del df, cols, starts  # hold one chunk between yields, not the frame behind it too
            yield chunk
            del chunk
        tail = [BadRow(file, line, f"{fields} fields where the header has {k}")
                for line, fields in lines.place([np.zeros(0, object)], {})[1]]
        if tail:  # pragma: no cover - pandas reports skipped records with their chunk
            yield RecordChunk({n: np.zeros(0, object) for n in names},
                              np.zeros(0, np.int64), tail)


def _records(file: str, names: list[str], cols: list[np.ndarray], line: np.ndarray,
             bad: list[BadRow], summary: ReadSummary) -> RecordChunk:
    k = len(names)
    too_long = cols[k] != ""
    blank = ~too_long
    for col in cols[:k]:
        blank &= col == ""
        if not blank.any():
            break
    for i in np.flatnonzero(too_long).tolist():
        bad.append(BadRow(file, int(line[i]), f"more fields than the header's {k}"))
    summary.blank_records += int(blank.sum())
    keep = ~too_long & ~blank
    if not keep.all():
        cols = [c[keep] for c in cols]
        line = line[keep]
    return RecordChunk(dict(zip(names, cols[:k], strict=True)), line, bad)
