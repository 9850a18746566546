"""The time of each spreadsheet row, read the way its profile says it is written.

Platform and carrier returns write times every way there is (``03/07/2024 14:05``,
``2024-07-03``, an epoch in milliseconds, a bare month for a scrape). The profile names the
format; nothing is guessed. A pattern is read with pandas' vectorised ``strptime`` (exact
match: ``03/07/2024`` under ``%d/%m/%Y`` is 3 July, never 7 March), rows outside pandas'
1677–2262 range with Python's own ``strptime``; what neither accepts is a bad row that quotes
the text and the format.

Precision is what the pattern writes (``%H:%M`` → minute) unless the profile says coarser. A
day, month or year is kept as one, with its bounds: ``2017-07`` is "July 2017", stored from the
first to the last microsecond of July in the zone, not as 1 July at midnight. Wall times are
localized in the profile's zone with the DST rules of every reader (:func:`~storage.importers
.times.localize`): a gap is a bad row, an overlap follows the fold policy.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from storage.importers.profile import EPOCH_FORMATS, format_precision
from storage.importers.row_times import RowTimes, resolve_times
from storage.importers.time_scalar import P_MIN, P_MS, P_S, P_US, US, days_from_civil
from storage.importers.times import OK, TimeFlag, localize, precision_names

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from storage.importers.profile import TimeSpec
    from storage.importers.times import FoldPolicy

_FINE_CODE = {"microsecond": P_US, "millisecond": P_MS, "second": P_S, "minute": P_MIN}
_UNIT_CODE = {"epoch_s": P_S, "epoch_ms": P_MS, "epoch_us": P_US}


def needs_zone(spec: TimeSpec) -> bool:
    """Whether the format writes wall times (no offset): then a zone must be named."""
    if spec.format in EPOCH_FORMATS:
        return False
    if spec.format == "iso":
        return False  # decided row by row: an ISO text may carry its offset
    return "%z" not in spec.format and "%Z" not in spec.format


def read_times(spec: TimeSpec, text: np.ndarray, zone: ZoneInfo | None,
               fold: FoldPolicy | None, column: str) -> RowTimes:
    """One :class:`RowTimes` for a chunk's time texts (``column`` names them in messages)."""
    if spec.format == "iso":
        times = resolve_times(text, None, zone=zone, fold=fold)
        for i in list(times.errors):
            if text[i] == "":
                times.errors[i] = f"no time: {column} is blank"
        return times
    if spec.format in EPOCH_FORMATS:
        return _epoch(text, EPOCH_FORMATS[spec.format], _UNIT_CODE[spec.format], column)
    return _pattern(spec, text, zone, fold, column)


def _empty(n: int) -> dict[str, np.ndarray]:
    return {"ts": np.zeros(n, np.int64), "lo": np.zeros(n, np.int64),
            "hi": np.zeros(n, np.int64), "flags": np.zeros(n, np.uint16)}


def _epoch(text: np.ndarray, scale: int, code: int, column: str) -> RowTimes:
    n = len(text)
    a = _empty(n)
    ok = np.zeros(n, bool)
    errors: dict[int, str] = {}
    seen: dict[str, int | str] = {}
    for i, value in enumerate(text.tolist()):
        got = seen.get(value)
        if got is None:
            got = seen[value] = _epoch_one(value, scale, column)
        if isinstance(got, str):
            errors[i] = got
        else:
            a["ts"][i] = got
            ok[i] = True
    a["lo"][:] = a["hi"][:] = a["ts"]
    a["flags"][ok & (a["ts"] == 0)] |= int(TimeFlag.PROBABLE_NULL)
    raw = text.copy()
    zone = np.full(n, "UTC", dtype=object)
    return RowTimes(ok, a["ts"], precision_names(np.full(n, code, np.uint8)), a["flags"],
                    a["lo"], a["hi"], np.zeros(n, bool), raw, zone, errors,
                    np.zeros(0, np.int64), [], {})


def _epoch_one(value: str, scale: int, column: str) -> int | str:
    if not value.strip():
        return f"no time: {column} is blank"
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return f"{column} {value!r} is not a number"
    if not number.is_finite():
        return f"{column} {value!r} is not a number"
    us = number * scale
    if us != us.to_integral_value():
        return f"{column} {value!r} is finer than a microsecond"
    us_int = int(us)
    if not -62_135_596_800 * US <= us_int < 253_402_300_800 * US:
        return f"{column} {value!r} is outside the years 1–9999"
    return us_int


def _pattern(spec: TimeSpec, text: np.ndarray, zone: ZoneInfo | None,
             fold: FoldPolicy | None, column: str) -> RowTimes:
    n = len(text)
    fmt = spec.format
    precision = spec.precision or format_precision(fmt)
    aware = "%z" in fmt or "%Z" in fmt
    parsed = pd.to_datetime(pd.Series(text, dtype=object), format=fmt, errors="coerce",
                            utc=aware)
    ts = np.asarray(parsed.dt.as_unit("us").array.asi8, dtype=np.int64)
    good = ~np.asarray(parsed.isna())
    errors: dict[int, str] = {}
    for i in np.flatnonzero(~good).tolist():  # blank, malformed, or outside 1677–2262
        got = _strptime_one(str(text[i]), fmt, aware, column)
        if isinstance(got, str):
            errors[i] = got
        else:
            ts[i] = got
            good[i] = True
    a = _empty(n)
    if aware:  # the text carried its offset: the instant is known
        a["ts"][good] = a["lo"][good] = a["hi"][good] = ts[good]
        labels = np.full(n, "", dtype=object)
        labels[good] = "offset as written"
        return _finish(good, a, precision, text, labels, errors, [], fold)
    if zone is None:
        raise ValueError("a wall-time format needs a zone (the caller refuses the file)")
    code = _FINE_CODE.get(precision, P_S)
    rows = np.flatnonzero(good)
    start = localize(ts[rows], zone, fold, np.full(len(rows), code, np.uint8))
    notes: list[tuple[int, str]] = []
    keep = np.zeros(n, bool)
    for j, i in enumerate(rows.tolist()):
        if start.status[j] != OK:
            errors[i] = f"{column} {text[i]!r} read as {fmt!r}: {start.errors.get(j, 'refused')}"
    taken = rows[start.status == OK]
    sel = start.status == OK
    keep[taken] = True
    a["ts"][taken], a["lo"][taken], a["hi"][taken] = (start.ts_us[sel], start.ts_min[sel],
                                                      start.ts_max[sel])
    a["flags"][taken] = start.flags[sel]
    for j, choice in start.choices.items():
        notes.append((int(rows[j]), f"ambiguous in {zone.key} (DST overlap): {choice}"))
    if precision in ("hour", "day", "month", "year"):
        ends = _period_end(ts[taken], precision)
        end = localize(ends, zone, "later", np.full(len(taken), P_US, np.uint8))
        a["hi"][taken] = np.where(end.status == OK, end.ts_us - 1, a["hi"][taken])
    labels = np.full(n, "", dtype=object)
    labels[keep] = zone.key
    return _finish(keep, a, precision, text, labels, errors, notes, fold)


def _finish(ok: np.ndarray, a: dict[str, np.ndarray], precision: str, text: np.ndarray,
            labels: np.ndarray, errors: dict[int, str], notes: list[tuple[int, str]],
            fold: FoldPolicy | None) -> RowTimes:
    n = len(ok)
    names = np.empty(n, dtype=object)
    names[:] = precision
    ranged = ok & (a["lo"] != a["hi"])
    if precision in _FINE_CODE:  # an overlap read as a range keeps its bounds
        names[ranged] = "range"
    return RowTimes(ok, a["ts"], names, a["flags"], a["lo"], a["hi"], ranged, text.copy(),
                    labels, errors, np.zeros(0, np.int64), notes, {})


def _strptime_one(value: str, fmt: str, aware: bool, column: str) -> int | str:
    if not value.strip():
        return f"no time: {column} is blank"
    try:
        dt = datetime.strptime(value, fmt)  # naive: the zone is applied later
    except ValueError:
        return f"{column} {value!r} does not match the profile's format {fmt!r}"
    wall = (((days_from_civil(dt.year, dt.month, dt.day) * 24 + dt.hour) * 60 + dt.minute) * 60
            + dt.second) * US + dt.microsecond
    if aware:
        offset = dt.utcoffset()
        if offset is None:
            return f"{column} {value!r}: no offset where the format expects one"
        wall -= int(offset.total_seconds()) * US
    return wall


def _period_end(wall: np.ndarray, precision: str) -> np.ndarray:
    """The wall time where each hour, day, month or year that starts at ``wall`` ends."""
    if precision == "hour":
        return wall + 3600 * US
    if precision == "day":
        return wall + 86_400 * US
    days = wall // (86_400 * US)
    dates = (np.datetime64("1970-01-01", "D") + days.astype("timedelta64[D]"))
    if precision == "month":
        months = dates.astype("datetime64[M]") + np.timedelta64(1, "M")
        nxt = months.astype("datetime64[D]")
    else:
        years = dates.astype("datetime64[Y]") + np.timedelta64(1, "Y")
        nxt = years.astype("datetime64[D]")
    return (nxt - np.datetime64("1970-01-01", "D")).astype(np.int64) * 86_400 * US
