"""Read Plaso's ``psort -o json_line`` output into the same event chunks as Timesketch files.

Each line is one event with no ``datetime`` text: the time is a nested ``date_time`` object
(dfdatetime's serialisation: ``__class_name__`` and either ``timestamp`` in the class's unit
and epoch or ``time_elements_tuple``), and a top-level ``timestamp`` that Plaso computed in µs.
For ``is_local_time: true`` that top-level number assumed whatever zone psort was told (UTC by
default): the wall clock is in the tuple, and like a zone-less text it needs the zone the
user gives, or the file is refused. Without ``is_local_time`` the instant is Plaso's and the
two must agree (a disagreement is noted, the ``date_time`` reading is kept).

``pathspec`` (nested: the file inside the image inside…) and every other field become
attributes, nested values as compact JSON; ``__type__``/``__container_type__`` are Plaso's
serialisation markers and are left out.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.importers.row_times import RowTimes
from storage.importers.rows import (
    BadRow,
    ImportRefused,
    ReadSummary,
    ZoneRequired,
    build_chunk,
    json_text,
    kept_fields,
    parse_tags,
)
from storage.importers.sources import (
    JSON_CHUNK_ROWS,
    TimelineRead,
    first_object,
    json_batches,
    json_columns,
    sniff_encoding,
)
from storage.importers.time_scalar import (
    FILETIME_ZERO_US,
    MINUTE_US,
    P_MS,
    P_S,
    P_US,
    US,
    civil_us,
    offset_text,
    utc_text,
)
from storage.importers.times import (
    TimeFlag,
    localize,
    precision_names,
    span_us,
    zone_from_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from zoneinfo import ZoneInfo

    from storage.importers.rows import EventChunk
    from storage.importers.times import FoldPolicy

_COCOA_EPOCH_US = 978_307_200 * US  # 2001-01-01T00:00:00Z
_EPOCHS = {
    # class: (µs per unit as a Decimal, epoch in µs since 1970, precision)
    "PosixTime": (Decimal(US), 0, P_S),
    "PosixTimeInMilliseconds": (Decimal(1000), 0, P_MS),
    "JavaTime": (Decimal(1000), 0, P_MS),
    "PosixTimeInMicroseconds": (Decimal(1), 0, P_US),
    "PosixTimeInNanoseconds": (Decimal("0.001"), 0, P_US),
    "APFSTime": (Decimal("0.001"), 0, P_US),
    "Filetime": (Decimal("0.1"), FILETIME_ZERO_US, P_US),
    "WebKitTime": (Decimal(1), FILETIME_ZERO_US, P_US),
    "CocoaTime": (Decimal(US), _COCOA_EPOCH_US, P_US),
}
_ELEMENTS = {
    # class: (µs per unit of the tuple's 7th field, precision); no 7th field for None
    "TimeElements": (None, P_S),
    "TimeElementsInMilliseconds": (Decimal(1000), P_MS),
    "TimeElementsInMicroseconds": (Decimal(1), P_US),
    "TimeElementsInNanoseconds": (Decimal("0.001"), P_US),
}
_NO_TIME = {"SemanticTime", "NotSet", "Never", "InvalidTime"}
_MARKERS = {"__type__", "__container_type__"}
_OWN = {"message", "timestamp_desc", "date_time"} | _MARKERS


def read_plaso_jsonl(path: str | Path, *, zone: str | None = None,
                     fold: FoldPolicy | None = None,
                     chunk_rows: int = JSON_CHUNK_ROWS) -> TimelineRead:
    """Open a Plaso ``json_line`` file; ``zone`` reads its ``is_local_time`` events."""
    path = Path(path)
    file = str(path)
    tz = zone_from_name(zone) if zone is not None else None
    enc = sniff_encoding(path, file)
    first = first_object(path, enc, file)
    if "date_time" not in first and "timestamp" not in first:
        raise ImportRefused(file, "not Plaso json_line output: the first event has neither "
                                  "'date_time' nor 'timestamp'")
    summary = ReadSummary(file, "plaso_jsonl", enc.label,
                          enc.note, tuple(first), bytes_total=path.stat().st_size)

    def chunks() -> Iterator[EventChunk]:
        for batch in json_batches(path, enc, chunk_rows):
            summary.blank_records += len(batch.blank)
            bad = [BadRow(file, no, why) for no, why in batch.bad]
            summary.bytes_done = batch.end_byte
            yield _chunk(file, list(zip(batch.lines, batch.objs, strict=True)), bad, tz, fold,
                         summary)

    return TimelineRead(summary, chunks())


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return None


def _time(obj: dict[str, Any]) -> tuple[int, int, int, bool, int | None] | str:
    """``(µs, precision, flags, is_local, offset_minutes)`` of an event, or why not.

    µs count on the clock the source used: UTC, or the wall clock when ``is_local``.
    """
    dt = obj.get("date_time")
    if not isinstance(dt, dict):
        top = _int(obj.get("timestamp"))
        if top is None:
            return "no date_time and no integer timestamp"
        return top, P_US, 0, False, None
    cls = str(dt.get("__class_name__", ""))
    local = dt.get("is_local_time") is True
    offset = _int(dt.get("time_zone_offset"))
    if cls in _NO_TIME:
        return f"no time: Plaso {cls} {json_text(dt.get('string', ''))!r}".rstrip()
    if cls in _ELEMENTS:
        per_unit, prec = _ELEMENTS[cls]
        tup = dt.get("time_elements_tuple")
        n = 6 if per_unit is None else 7
        parts = [p for p in map(_int, tup) if p is not None] if isinstance(tup, list) else []
        if len(parts) != n or len(tup) != n:  # type: ignore[arg-type]
            return f"{cls}: time_elements_tuple {json_text(tup)} is not {n} integers"
        exact = Decimal(parts[6]) * per_unit if per_unit is not None else Decimal(0)
        us = int(exact.to_integral_value(rounding="ROUND_FLOOR"))
        flags = int(TimeFlag.SUB_MICROSECOND_DROPPED) if exact != us else 0
        wall = civil_us(*parts[:6], us)
        if isinstance(wall, str):
            return f"{cls}: {wall}"
        return wall, prec, flags, local, offset
    if cls in _EPOCHS:
        per, epoch, prec = _EPOCHS[cls]
        raw = dt.get("timestamp")
        if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
            return f"{cls}: timestamp {json_text(raw)!r} is not a number"
        exact = Decimal(raw) * per
        us = int(exact.to_integral_value(rounding="ROUND_FLOOR"))
        flags = int(TimeFlag.SUB_MICROSECOND_DROPPED) if exact != us else 0
        if cls == "Filetime" and raw == 0:
            flags |= int(TimeFlag.PROBABLE_NULL)
        return epoch + us, prec, flags, local, offset
    top = _int(obj.get("timestamp"))
    if local or top is None:
        return f"date_time class {cls!r} is not known" + (
            " and is in local time" if local else "")
    return top, P_US, int(TimeFlag.FROM_TIMESTAMP), False, None


def _chunk(file: str, batch: list[tuple[int, dict[str, Any]]], bad: list[BadRow],
           zone: ZoneInfo | None, fold: FoldPolicy | None, summary: ReadSummary) -> EventChunk:
    n = len(batch)
    line = np.fromiter((no for no, _ in batch), np.int64, n)
    ok = np.zeros(n, bool)
    ts = np.zeros(n, np.int64)
    prec = np.zeros(n, np.uint8)
    flags = np.zeros(n, np.uint16)
    raw = np.full(n, "", dtype=object)
    zone_col = np.full(n, "", dtype=object)
    errors: dict[int, str] = {}
    notes: list[tuple[int, str]] = []
    local_rows: list[int] = []
    for i, (_, obj) in enumerate(batch):
        got = _time(obj)
        if isinstance(got, str):
            errors[i] = got
            continue
        us, p, f, local, offset = got
        ok[i], ts[i], prec[i], flags[i] = True, us, p, f
        raw[i] = json_text(obj.get("date_time", obj.get("timestamp")))
        if local:
            local_rows.append(i)
        elif offset:
            ts[i] = us - offset * MINUTE_US
            zone_col[i] = offset_text(offset)
        else:
            zone_col[i] = "UTC"
    lo, hi = ts.copy(), ts.copy()
    if local_rows:
        if zone is None:
            i = local_rows[0]
            raise ZoneRequired(file, int(line[i]), f"date_time {raw[i]} (is_local_time)")
        rows = np.asarray(local_rows)
        got = localize(ts[rows], zone, fold, prec[rows])
        for j, why in got.errors.items():
            ok[rows[j]] = False
            errors[int(rows[j])] = f"date_time {raw[rows[j]]}: {why}"
        ts[rows], lo[rows], hi[rows] = got.ts_us, got.ts_min, got.ts_max
        prec[rows] = got.precision
        flags[rows] |= got.flags
        zone_col[rows] = zone.key
        for j, choice in got.choices.items():
            raw[rows[j]] = f"{raw[rows[j]]} {choice}"
        if not any(note.startswith("is_local_time") for note in summary.notes):
            summary.notes.append(f"is_local_time events read in {zone.key}; Plaso's own "
                                 "'timestamp' for them assumed psort's zone and is not used")
    _check_top(batch, ok, ts, prec, flags, local_rows, notes)
    null = ok & ((ts == 0) | (ts == FILETIME_ZERO_US))
    flags[null] |= int(TimeFlag.PROBABLE_NULL)
    for i in np.flatnonzero(ok & ((flags & int(TimeFlag.PROBABLE_NULL)) != 0)).tolist():
        notes.append((i, "probable null date (FILETIME zero or Unix epoch): kept as written"))
    times = RowTimes(ok, ts, precision_names(prec), flags, lo, hi, ok & (lo != hi), raw,
                     zone_col, errors, np.zeros(0, np.int64), notes, {})
    keys, text, _ = json_columns([obj for _, obj in batch])
    blank = np.full(n, "", dtype=object)
    message, desc = text.get("message", blank), text.get("timestamp_desc", blank)
    attrs = kept_fields(((k, text[k]) for k in keys if k not in _OWN), ok)
    index = np.cumsum(ok) - 1
    t_row: list[int] = []
    t_val: list[str] = []
    for i in (np.flatnonzero(ok & (text["tag"] != "")).tolist() if "tag" in text else []):
        value = batch[i][1]["tag"]  # Plaso's EventTag: {"labels": [...]}
        for tag in parse_tags(value.get("labels", []) if isinstance(value, dict) else value):
            t_row.append(int(index[i]))
            t_val.append(tag)
    tags = np.empty(len(t_val), dtype=object)
    tags[:] = t_val
    chunk = build_chunk(file, line, times, message, desc, attrs,
                        (np.asarray(t_row, np.int64), tags), bad)
    summary.add(chunk, times)
    return chunk


def _check_top(batch: list[tuple[int, dict[str, Any]]], ok: np.ndarray, ts: np.ndarray,
               prec: np.ndarray, flags: np.ndarray, local_rows: list[int],
               notes: list[tuple[int, str]]) -> None:
    """Note the UTC events whose top-level ``timestamp`` names another time than ``date_time``."""
    local = set(local_rows)
    end = ts + span_us(prec)
    for i, (_, obj) in enumerate(batch):
        if not ok[i] or i in local or flags[i] & int(TimeFlag.FROM_TIMESTAMP):
            continue
        top = _int(obj.get("timestamp"))
        if top is not None and not ts[i] <= top < end[i]:
            flags[i] |= int(TimeFlag.TIMESTAMP_DISAGREES)
            notes.append((i, f"date_time kept ({utc_text(int(ts[i]))}); Plaso's timestamp "
                             f"{top} ({utc_text(top)}) names another time"))
