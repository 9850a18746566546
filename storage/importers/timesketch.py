"""Read Timesketch timelines (CSV and JSON lines) into validated event chunks.

The format (docs/guides/user/import-from-json-csv.md in Timesketch): ``message``, ``datetime``
(ISO 8601) and ``timestamp_desc`` are required (``timestamp`` alone may stand in for
``datetime``); ``timestamp`` is an epoch number; ``tag`` a JSON list, a comma-separated string
or "-"; every other column is an attribute. Times follow :mod:`storage.importers.row_times`.

**CSV** records come from :mod:`storage.importers.csv_records` (pandas' C parser in chunks,
the line where each record starts, wrong field counts as bad rows).

**JSON lines** are read line by line (a bad line is a bad row with its line number) and
gathered into chunks; numbers keep the digits the file wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.importers.csv_records import csv_header, csv_records
from storage.importers.plaso import read_plaso_jsonl
from storage.importers.row_times import resolve_times
from storage.importers.rows import (
    BadRow,
    ImportRefused,
    ReadSummary,
    ZoneRequired,
    build_chunk,
    kept_fields,
    long_tags,
)
from storage.importers.sources import (
    DEFAULT_CHUNK_ROWS,
    JSON_CHUNK_ROWS,
    Encoding,
    TimelineRead,
    first_object,
    json_batches,
    json_columns,
    required_columns,
    sniff_encoding,
    unique_names,
)
from storage.importers.times import zone_from_name

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from zoneinfo import ZoneInfo

    from storage.importers.csv_records import RecordChunk
    from storage.importers.row_times import RowTimes
    from storage.importers.rows import EventChunk
    from storage.importers.times import FoldPolicy

__all__ = ["read_plaso_jsonl", "read_timesketch", "read_timesketch_csv",
           "read_timesketch_jsonl"]


def read_timesketch(path: str | Path, *, zone: str | None = None,
                    fold: FoldPolicy | None = None, columns: Mapping[str, str] | None = None,
                    chunk_rows: int | None = None) -> TimelineRead:
    """Open a Timesketch ``.csv`` or ``.jsonl`` file (by its suffix, as Timesketch does).

    ``zone`` (an IANA name) is the zone of times written without an offset; without it such a
    file is refused (:class:`~storage.importers.rows.ZoneRequired`). ``fold`` reads a wall
    time the clocks show twice; ``columns`` maps required names to the file's columns;
    ``chunk_rows`` bounds the rows per chunk (default: the format's, see ``sources``).
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return read_timesketch_csv(path, zone=zone, fold=fold, columns=columns,
                                   chunk_rows=chunk_rows or DEFAULT_CHUNK_ROWS)
    if suffix == ".jsonl":
        return read_timesketch_jsonl(path, zone=zone, fold=fold, columns=columns,
                                     chunk_rows=chunk_rows or JSON_CHUNK_ROWS)
    raise ImportRefused(str(path), "a Timesketch timeline ends with .csv or .jsonl")


def read_timesketch_csv(path: str | Path, *, zone: str | None = None,
                        fold: FoldPolicy | None = None,
                        columns: Mapping[str, str] | None = None,
                        chunk_rows: int = DEFAULT_CHUNK_ROWS) -> TimelineRead:
    """Open a Timesketch CSV: encoding sniffed, header checked (refusals raised here)."""
    path = Path(path)
    file = str(path)
    tz = zone_from_name(zone) if zone is not None else None
    enc = sniff_encoding(path, file)
    sep, names, notes = _delimited_header(path, enc, file, columns)
    req = required_columns(file, names, columns)
    summary = ReadSummary(file, "timesketch_csv", enc.label,
                          enc.note, tuple(names), notes=notes,
                          bytes_total=path.stat().st_size)
    _note_no_datetime(summary, req)
    spec = _Spec(file, names, req, dict(columns or {}), tz, fold, summary)
    return TimelineRead(summary, _csv_chunks(path, enc, spec, chunk_rows, sep))


OTHER_DELIMITERS = (";", "\t", "|")
"""Tried, in order, when a header read with commas lacks the required columns: a timeline
re-saved by a French Excel comes with semicolons."""


def _delimited_header(path: Path, enc: Encoding, file: str,
                      columns: Mapping[str, str] | None) -> tuple[str, list[str], list[str]]:
    """The delimiter (a comma unless only another gives the required columns), the header."""
    names, notes = unique_names(csv_header(path, enc, file))
    try:
        required_columns(file, names, columns)
    except ImportRefused:
        if len(names) == 1:
            for sep in OTHER_DELIMITERS:
                if sep not in names[0]:
                    continue
                other, other_notes = unique_names(csv_header(path, enc, file, sep))
                try:
                    required_columns(file, other, columns)
                except ImportRefused:
                    continue
                shown = {"\t": "tabs"}.get(sep, repr(sep))
                return sep, other, [*other_notes, f"fields separated by {shown}, not commas"]
    return ",", names, notes


def read_timesketch_jsonl(path: str | Path, *, zone: str | None = None,
                          fold: FoldPolicy | None = None,
                          columns: Mapping[str, str] | None = None,
                          chunk_rows: int = JSON_CHUNK_ROWS) -> TimelineRead:
    """Open a Timesketch JSON-lines file; its first object's keys act as the header."""
    path = Path(path)
    file = str(path)
    tz = zone_from_name(zone) if zone is not None else None
    enc = sniff_encoding(path, file)
    keys = list(first_object(path, enc, file))
    req = required_columns(file, keys, columns)
    summary = ReadSummary(file, "timesketch_jsonl", enc.label,
                          enc.note, tuple(keys), bytes_total=path.stat().st_size)
    _note_no_datetime(summary, req)
    spec = _Spec(file, keys, req, dict(columns or {}), tz, fold, summary)
    return TimelineRead(summary, _jsonl_chunks(path, enc, spec, chunk_rows))


def _note_no_datetime(summary: ReadSummary, req: dict[str, str | None]) -> None:
    if req["datetime"] is None:
        summary.notes.append("no 'datetime' column: every time comes from 'timestamp', its "
                             "unit guessed by magnitude row by row (see ts_raw and the flags)")


class _Spec:
    """What a chunk builder needs to know about the file (columns, zone, where to count)."""

    def __init__(self, file: str, names: list[str], req: dict[str, str | None],
                 mapping: dict[str, str], zone: ZoneInfo | None, fold: FoldPolicy | None,
                 summary: ReadSummary) -> None:
        self.file, self.names, self.zone, self.fold, self.summary = (file, names, zone, fold,
                                                                     summary)
        self.message = req["message"] or "message"
        self.desc = req["timestamp_desc"] or "timestamp_desc"
        self.datetime = req["datetime"]
        self.timestamp = mapping.get("timestamp", "timestamp")
        self.tag = mapping.get("tag", "tag")
        self.consumed = {self.message, self.desc, self.datetime}

    def times(self, line: np.ndarray, dt: np.ndarray | None,
              ts: np.ndarray | None) -> RowTimes:
        times = resolve_times(dt, ts, zone=self.zone, fold=self.fold)
        if len(times.needs_zone):
            i = int(times.needs_zone[0])
            raise ZoneRequired(self.file, int(line[i]), str(dt[i]) if dt is not None else "")
        return times

    def emit(self, chunk: EventChunk, times: RowTimes) -> EventChunk:
        self.summary.add(chunk, times)
        return chunk


# --- CSV -------------------------------------------------------------------------------------


def _csv_chunks(path: Path, enc: Encoding, spec: _Spec, chunk_rows: int,
                sep: str = ",") -> Iterator[EventChunk]:
    for records in csv_records(path, enc, spec.file, spec.names, chunk_rows, spec.summary,
                               sep=sep):
        yield _csv_chunk(spec, records)


def _csv_chunk(spec: _Spec, records: RecordChunk) -> EventChunk:
    by_name, line = records.columns, records.line
    dt = by_name[spec.datetime] if spec.datetime is not None else None
    times = spec.times(line, dt, by_name.get(spec.timestamp))
    attrs = kept_fields(((name, col) for name, col in by_name.items()
                         if name not in spec.consumed), times.ok)
    tags = (long_tags(by_name[spec.tag], times.ok) if spec.tag in by_name
            else (np.zeros(0, np.int64), np.zeros(0, object)))
    chunk = build_chunk(spec.file, line, times, by_name[spec.message], by_name[spec.desc],
                        attrs, tags, records.bad)
    return spec.emit(chunk, times)


# --- JSON lines ------------------------------------------------------------------------------


def _jsonl_chunks(path: Path, enc: Encoding, spec: _Spec,
                  chunk_rows: int) -> Iterator[EventChunk]:
    for batch in json_batches(path, enc, chunk_rows):
        spec.summary.blank_records += len(batch.blank)
        bad = [BadRow(spec.file, no, why) for no, why in batch.bad]
        spec.summary.bytes_done = batch.end_byte
        yield _jsonl_chunk(spec, batch.lines, batch.objs, bad)


def _jsonl_chunk(spec: _Spec, lines: list[int], objs: list[dict[str, Any]],
                 bad: list[BadRow]) -> EventChunk:
    line = np.asarray(lines, dtype=np.int64)
    keys, text, has = json_columns(objs)
    n = len(objs)

    def present(key: str | None) -> np.ndarray:
        return has[key] if key in has else np.zeros(n, bool)

    has_time = present(spec.datetime) | present(spec.timestamp)
    complete = present(spec.message) & present(spec.desc) & has_time
    if not complete.all():
        for i in np.flatnonzero(~complete).tolist():
            missing = [k for k in (spec.message, spec.desc) if not present(k)[i]]
            if not has_time[i]:
                missing.append(spec.datetime or spec.timestamp)
            bad.append(BadRow(spec.file, int(line[i]), f"missing key(s): {', '.join(missing)}"))
        text = {k: v[complete] for k, v in text.items()}
        line = line[complete]
    blank = np.full(len(line), "", dtype=object)

    def column(key: str | None) -> np.ndarray | None:
        return None if key is None else text.get(key, blank)

    times = spec.times(line, column(spec.datetime), column(spec.timestamp))
    attrs = kept_fields(((k, text[k]) for k in keys if k not in spec.consumed), times.ok)
    tags = (long_tags(text[spec.tag], times.ok) if spec.tag in text  # a list as its JSON text
            else (np.zeros(0, np.int64), np.zeros(0, object)))
    chunk = build_chunk(spec.file, line, times, column(spec.message), column(spec.desc),
                        attrs, tags, bad)
    return spec.emit(chunk, times)
