"""Formatting UTC-microsecond instants for people, always with the offset.

Times are stored as integers (microseconds since the epoch, UTC). A view shows them in the
case's zone *with* the UTC offset, because a court reading "02:30" on 27 October 2024 in
Paris must know which of the two 02:30s is meant. ``0``/``None`` mean "not set", never 1970.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOT_SET = "not set"


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """A cached ``ZoneInfo``; unknown names fall back to UTC (the opener warns about them)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_datetime(ts_us: int, zone_name: str) -> datetime | None:
    """The aware datetime of ``ts_us`` in ``zone_name``; None when outside year 1..9999."""
    try:
        return (_EPOCH + timedelta(microseconds=int(ts_us))).astimezone(zone(zone_name))
    except (OverflowError, ValueError):
        return None


def offset_text(dt: datetime) -> str:
    """``UTC+02:00`` style offset of an aware datetime."""
    off = dt.utcoffset() or timedelta(0)
    sign = "+" if off >= timedelta(0) else "-"
    minutes = abs(int(off.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_instant(ts_us: int | None, zone_name: str, *, micro: bool = False) -> str:
    """``2024-10-27 02:30:00 CET (UTC+01:00)``; "not set" for NULL/0; raw integer if huge."""
    if ts_us is None or ts_us == 0:
        return NOT_SET
    dt = to_datetime(ts_us, zone_name)
    if dt is None:
        return f"{ts_us} µs (out of calendar range)"
    stamp = dt.strftime("%Y-%m-%d %H:%M:%S")
    if micro and dt.microsecond:
        stamp += f".{dt.microsecond:06d}"
    abbrev = dt.tzname() or ""
    if abbrev and not abbrev.startswith(("+", "-")) and abbrev != "UTC":
        return f"{stamp} {abbrev} ({offset_text(dt)})"
    return f"{stamp} ({offset_text(dt)})"


def format_both(ts_us: int | None, zone_name: str, *, micro: bool = False) -> str:
    """The instant in the case zone, then in UTC: what tooltips and the inspector show."""
    local = format_instant(ts_us, zone_name, micro=micro)
    if local == NOT_SET or zone_name == "UTC":
        return local
    return f"{local} = {format_instant(ts_us, 'UTC', micro=micro)}"


def format_duration(us: int) -> str:
    """Human duration: ``3 d 4 h``, ``12 min 5 s``, ``250 ms``."""
    us = abs(int(us))
    if us < 1_000_000:
        return f"{us / 1000:.0f} ms" if us >= 1000 else f"{us} µs"
    seconds = us // 1_000_000
    days, rem = divmod(seconds, 86_400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{v} {u}" for v, u in parts if v][:2]
    return " ".join(shown)
