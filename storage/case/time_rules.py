"""The rules that turn a stored time into something a view may draw: plausible, bounded.

Two rules of the case format live here, because every reader must apply them the same way
(the columnar read, the inspector, ``info``, the value checks):

- **Plausible times.** ``ts`` is microseconds since 1970 UTC. ``0`` and ``NULL`` mean "not
  set"; a value outside :data:`PLAUSIBLE_FROM_US` … :data:`PLAUSIBLE_UNTIL_US` is not a time
  of this kind of case either (typically seconds or milliseconds written where microseconds
  belong, which land in January 1970). Such events are kept and listed but have no place on
  a time axis: a single ``ts = 0`` would otherwise stretch a 2024 case from 1967 to 2027.
- **Bounds implied by a precision.** An event of precision ``day`` without ``ts_min`` /
  ``ts_max`` happened some time during the calendar day that holds ``ts`` *in the case's time
  zone*, not in the 24 hours after ``ts``. :func:`implied_bounds` gives that day (hour, month,
  year) as ``[start, next start)`` in UTC microseconds, DST days (23 or 25 hours) included.

No Qt, no SQL: numpy and :mod:`zoneinfo` only, so storage and app share one definition.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

US = 1_000_000
HOUR_US = 3600 * US
DAY_US = 86_400 * US

PLAUSIBLE_FROM_US = 315_532_800 * US
"""1980-01-01T00:00:00Z: earlier times in a trafficking case are placeholders or unit errors."""
PLAUSIBLE_UNTIL_US = 4_102_444_800 * US
"""2100-01-01T00:00:00Z (exclusive)."""

CALENDAR_PRECISIONS = ("minute", "hour", "day", "month", "year")
"""Precisions whose bounds are a calendar unit. ``microsecond`` and ``second`` (the default)
count as exact: a whisker of one second on every event would only add noise. ``range``
needs explicit ``ts_min``/``ts_max``."""

_FIXED_US = {"minute": 60 * US, "hour": HOUR_US}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def plausible(ts: np.ndarray) -> np.ndarray:
    """Mask of the times a timeline can place (see the module docstring)."""
    ts = np.asarray(ts)
    return (ts >= PLAUSIBLE_FROM_US) & (ts < PLAUSIBLE_UNTIL_US)


def is_plausible(ts: object) -> bool:
    """Whether one stored ``ts`` value is a time a timeline can place."""
    return (isinstance(ts, int | np.integer) and not isinstance(ts, bool)
            and PLAUSIBLE_FROM_US <= int(ts) < PLAUSIBLE_UNTIL_US)


def unit_guess(ts: int) -> str | None:
    """The unit an implausible integer time was most likely written in, if any.

    A time of 1980–2100 written in seconds is 3.2e8…4.1e9, in milliseconds 3.2e11…4.1e12,
    in nanoseconds 3.2e17…4.1e18: far apart, so the guess is safe enough for a warning.
    """
    for unit, factor in (("seconds", US), ("milliseconds", 1000)):
        if PLAUSIBLE_FROM_US <= ts * factor < PLAUSIBLE_UNTIL_US:
            return unit
    if PLAUSIBLE_FROM_US <= ts // 1000 < PLAUSIBLE_UNTIL_US:
        return "nanoseconds"
    return None


def _offset_at(ts_us: int, zone: ZoneInfo) -> int:
    at = _EPOCH + timedelta(microseconds=ts_us)
    return int((at.astimezone(zone).utcoffset() or timedelta(0)).total_seconds()) * US


def _offsets_us(ts: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """UTC offset in µs at each instant, looked up once per distinct UTC hour.

    An hour whose offset differs at its start and its end holds a change (at :30 in a few
    zones): its events are looked up one by one, so the result is exact and costs a few ms
    for a year of events.
    """
    hours, inverse = np.unique(ts // HOUR_US, return_inverse=True)
    offsets = np.empty(len(hours), dtype=np.int64)
    changing: list[int] = []
    for i, hour in enumerate(hours.tolist()):
        offsets[i] = _offset_at(hour * HOUR_US, zone)
        if _offset_at(hour * HOUR_US + HOUR_US - 1, zone) != offsets[i]:
            changing.append(i)
    out = offsets[inverse]
    for i in changing:
        for j in np.flatnonzero(inverse == i).tolist():
            out[j] = _offset_at(int(ts[j]), zone)
    return out


def _local_midnight_us(days: np.ndarray, zone: ZoneInfo) -> dict[int, int]:
    """UTC µs of the local midnight starting each local day number (days since 1970-01-01).

    A midnight that the DST change skips (a few zones change at 00:00) starts the day at the
    first instant that exists: ``fold=0`` of a missing time maps forward in :mod:`zoneinfo`.
    """
    out: dict[int, int] = {}
    for day in np.unique(days).tolist():
        local = datetime(1970, 1, 1) + timedelta(days=int(day))
        aware = local.replace(tzinfo=zone)
        out[int(day)] = int((aware - _EPOCH) // timedelta(microseconds=1))
    return out


def _month_number(year: int, month: int) -> int:
    return year * 12 + month - 1


def _month_start_us(number: int, zone: ZoneInfo) -> int:
    year, month0 = divmod(number, 12)
    aware = datetime(year, month0 + 1, 1, tzinfo=zone)
    return int((aware - _EPOCH) // timedelta(microseconds=1))


def implied_bounds(
    ts: np.ndarray, precision: str, zone_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """``[start, next start)`` of the calendar unit ``precision`` holding each ``ts``.

    The unit is taken in the case zone ``zone_name``: a ``day`` is the local calendar day
    (23 or 25 hours long on DST days), a ``month`` the local month. Implausible times are
    returned unchanged (``start == end == ts``): their calendar is meaningless.
    """
    ts = np.asarray(ts, dtype=np.int64)
    lo, hi = ts.copy(), ts.copy()
    ok = plausible(ts)
    if precision not in CALENDAR_PRECISIONS or not ok.any():
        return lo, hi
    zone = _zone(zone_name)
    t = ts[ok]
    offset = _offsets_us(t, zone)
    local = t + offset
    if precision in _FIXED_US:
        unit = _FIXED_US[precision]
        start = local - local % unit - offset
        end = start + unit
    elif precision == "day":
        days = local // DAY_US
        midnights = _local_midnight_us(np.concatenate([days, days + 1]), zone)
        start = np.fromiter((midnights[d] for d in days.tolist()), np.int64, len(days))
        end = np.fromiter((midnights[d + 1] for d in days.tolist()), np.int64, len(days))
    else:
        dates = local.astype("datetime64[us]")
        months = dates.astype("datetime64[M]").astype(np.int64) + 1970 * 12
        if precision == "year":
            months = months - months % 12
        step = 12 if precision == "year" else 1
        starts = {int(m): _month_start_us(int(m), zone)
                  for m in np.unique(np.concatenate([months, months + step])).tolist()}
        start = np.fromiter((starts[m] for m in months.tolist()), np.int64, len(months))
        end = np.fromiter((starts[m + step] for m in months.tolist()), np.int64, len(months))
    lo[ok], hi[ok] = start, end
    return lo, hi


def implied_bounds_one(ts: int, precision: str, zone_name: str) -> tuple[int, int] | None:
    """:func:`implied_bounds` of one time, or None when the precision implies none."""
    if precision not in CALENDAR_PRECISIONS or not is_plausible(ts):
        return None
    lo, hi = implied_bounds(np.asarray([ts], dtype=np.int64), precision, zone_name)
    return int(lo[0]), int(hi[0])


def iso(ts_us: int | None, zone_name: str = "UTC") -> str | None:
    """ISO 8601 with offset (``2024-05-01T12:00:00+02:00``, UTC as ``…Z``); None if unset.

    Microseconds appear only when present. Out of the calendar's range: None.
    """
    if not isinstance(ts_us, int) or isinstance(ts_us, bool) or ts_us == 0:
        return None
    try:
        dt = (_EPOCH + timedelta(microseconds=ts_us)).astimezone(_zone(zone_name))
    except (OverflowError, ValueError):
        return None
    text = dt.isoformat(timespec="microseconds" if dt.microsecond else "seconds")
    return text.replace("+00:00", "Z") if zone_name == "UTC" else text
