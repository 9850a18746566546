"""Calendar-aware axis ticks in a time zone (pure Python and zoneinfo, no Qt).

Ticks sit where a local clock or calendar turns over: whole seconds/minutes/hours of the
local clock, local midnights, Mondays, first days of months and years. They are computed in
local time and converted to UTC, so across a daylight-saving change a daily tick is 23 h or
25 h after the previous one, a local time that never happened (Paris, 2024-03-31 02:30) gets
no tick, and a local time that happened twice (Paris, 2024-10-27 02:30) gets two ticks whose
labels carry the zone abbreviation so that they differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from widgets.timefmt import offset_text, to_datetime, zone

if TYPE_CHECKING:
    from collections.abc import Callable

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_S = 1_000_000
_DAY = 86_400 * _S
#: Never generate more ticks than this for one level (a guard, not a layout rule).
MAX_TICKS = 2_000


@dataclass(frozen=True, slots=True)
class TickStep:
    """One rung of the tick ladder.

    Attributes
    ----------
    unit : str
        ``ms``, ``s``, ``min``, ``h`` (fixed lengths on the local clock), ``d``, ``w`` (Mondays),
        ``mo`` or ``y`` (calendar lengths).
    count : int
        Multiple of the unit.
    approx_us : int
        Nominal length, only used to decide how dense ticks would be.
    """

    unit: str
    count: int
    approx_us: int

    @property
    def fixed_us(self) -> int | None:
        """Exact length for clock units (they divide a day), None for calendar units."""
        per = {"ms": 1_000, "s": _S, "min": 60 * _S, "h": 3600 * _S}.get(self.unit)
        return None if per is None else per * self.count


def _steps() -> tuple[TickStep, ...]:
    out: list[TickStep] = []
    for c in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        out.append(TickStep("ms", c, c * 1_000))
    for c in (1, 2, 5, 10, 15, 30):
        out.append(TickStep("s", c, c * _S))
    for c in (1, 2, 5, 10, 15, 30):
        out.append(TickStep("min", c, c * 60 * _S))
    for c in (1, 2, 3, 6, 12):
        out.append(TickStep("h", c, c * 3600 * _S))
    out += [TickStep("d", 1, _DAY), TickStep("d", 2, 2 * _DAY), TickStep("w", 1, 7 * _DAY)]
    for c in (1, 2, 3, 6):
        out.append(TickStep("mo", c, c * 30 * _DAY + c * _DAY * 44 // 100))
    for c in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        out.append(TickStep("y", c, c * 365 * _DAY + c * _DAY // 4))
    return tuple(out)


STEPS = _steps()
_BY_KEY = {(s.unit, s.count): s for s in STEPS}
#: The minor step under each major step (ticks without labels); calendar-consistent pairs.
_MINOR = {
    ("ms", 2): ("ms", 1), ("ms", 5): ("ms", 1), ("ms", 10): ("ms", 2), ("ms", 20): ("ms", 5),
    ("ms", 50): ("ms", 10), ("ms", 100): ("ms", 20), ("ms", 200): ("ms", 50),
    ("ms", 500): ("ms", 100), ("s", 1): ("ms", 200), ("s", 2): ("ms", 500), ("s", 5): ("s", 1),
    ("s", 10): ("s", 2), ("s", 15): ("s", 5), ("s", 30): ("s", 5), ("min", 1): ("s", 15),
    ("min", 2): ("s", 30), ("min", 5): ("min", 1), ("min", 10): ("min", 2),
    ("min", 15): ("min", 5), ("min", 30): ("min", 5), ("h", 1): ("min", 15),
    ("h", 2): ("min", 30), ("h", 3): ("h", 1), ("h", 6): ("h", 1), ("h", 12): ("h", 3),
    ("d", 1): ("h", 6), ("d", 2): ("d", 1), ("w", 1): ("d", 1), ("mo", 1): ("d", 1),
    ("mo", 2): ("mo", 1), ("mo", 3): ("mo", 1), ("mo", 6): ("mo", 1), ("y", 1): ("mo", 1),
    ("y", 2): ("y", 1), ("y", 5): ("y", 1), ("y", 10): ("y", 2), ("y", 20): ("y", 5),
    ("y", 50): ("y", 10), ("y", 100): ("y", 20), ("y", 200): ("y", 50),
    ("y", 500): ("y", 100), ("y", 1000): ("y", 200),
}
#: Sample labels, measured by the axis to know how wide a label of each unit is.
SAMPLE_LABELS = {
    "ms": "00:00:00.000", "s": "00:00:00", "min": "00:00 CEST", "h": "00:00 CEST",
    "d": "Wed 30 Sep", "w": "Wed 30 Sep", "mo": "Sep 2024", "y": "2024",
}


def choose_steps(span_us: float, width_px: float,
                 label_px: Callable[[TickStep], float] | None = None,
                 gap_px: float = 18.0, minor_px: float = 6.0,
                 ) -> tuple[TickStep, TickStep | None]:
    """The major step whose labels fit ``width_px``, and a minor step (None when too dense).

    Parameters
    ----------
    span_us : float
        Visible span.
    width_px : float
        Axis length in pixels.
    label_px : callable, optional
        Width of a label of a step, in pixels; a rough default when None (no font at hand).
    gap_px : float
        Free space wanted between labels.
    minor_px : float
        Minor ticks closer than this are dropped.
    """
    px_per_us = max(float(width_px), 1.0) / max(float(span_us), 1.0)
    width_of = label_px or (lambda st: 7.0 * len(SAMPLE_LABELS[st.unit]))
    major = STEPS[-1]
    for step in STEPS:
        if step.approx_us * px_per_us >= width_of(step) + gap_px:
            major = step
            break
    key = _MINOR.get((major.unit, major.count))
    minor = _BY_KEY[key] if key else None
    if minor is not None and minor.approx_us * px_per_us < minor_px:
        minor = None
    return major, minor


def _utc_us(dt: datetime) -> int:
    return (dt - _EPOCH) // _US


def _offset_us(ts_us: int, zone_name: str) -> int | None:
    dt = to_datetime(ts_us, zone_name)
    if dt is None:
        return None
    off = dt.utcoffset() or timedelta(0)
    return off // _US


def offset_segments(start_us: int, end_us: int, zone_name: str,
                    samples: int = 64) -> list[tuple[int, int, int]]:
    """``(from_us, to_us, offset_us)`` pieces of [start, end] with one UTC offset each.

    Offsets are sampled, then each change is bisected to the exact microsecond. A piece
    shorter than the sample spacing could be missed; zones change at most a few times a year,
    and the clock-unit ticks that need exactness only span days.
    """
    start_us, end_us = int(start_us), int(end_us)
    if end_us <= start_us:
        end_us = start_us + 1
    points = sorted({start_us + (end_us - start_us) * i // samples for i in range(samples + 1)})
    offs = [_offset_us(p, zone_name) for p in points]
    if any(o is None for o in offs):
        return []
    out: list[tuple[int, int, int]] = []
    seg_start, cur = points[0], offs[0]
    for p_prev, p, o in zip(points, points[1:], offs[1:], strict=False):
        if o == cur:
            continue
        lo, hi = p_prev, p  # offset(lo) == cur, offset(hi) != cur
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset_us(mid, zone_name) == cur:
                lo = mid
            else:
                hi = mid
        out.append((seg_start, hi, int(cur)))  # type: ignore[arg-type]
        seg_start, cur = hi, _offset_us(hi, zone_name)
    out.append((seg_start, end_us, int(cur)))  # type: ignore[arg-type]
    return out


def _clock_ticks(start_us: int, end_us: int, step_us: int, zone_name: str) -> list[int]:
    """Instants whose local clock reading is a multiple of ``step_us`` (step divides a day)."""
    out: list[int] = []
    for seg_start, seg_end, off in offset_segments(start_us, end_us, zone_name):
        local = seg_start + off
        t = -(-local // step_us) * step_us - off
        if (end_us - t) // step_us > MAX_TICKS:
            return []
        while t <= min(seg_end, end_us):
            if t >= seg_start and (t < seg_end or seg_end == end_us):
                out.append(t)
            t += step_us
    return sorted(set(out))


def _local_midnight_us(d: date, zone_name: str) -> int:
    """UTC instant of local midnight starting ``d`` (a skipped midnight maps to the day's start)."""
    return _utc_us(datetime(d.year, d.month, d.day, tzinfo=zone(zone_name)))


def _calendar_ticks(start_us: int, end_us: int, step: TickStep, zone_name: str) -> list[int]:
    first = to_datetime(start_us, zone_name)
    last = to_datetime(end_us, zone_name)
    if first is None or last is None:
        return []
    out: list[int] = []
    if step.unit in ("d", "w"):
        if (last.date() - first.date()).days > MAX_TICKS * step.approx_us // _DAY:
            return []
        d = first.date() - timedelta(days=1)
        while d <= last.date():
            keep = ((step.unit == "d" and (step.count == 1 or (d.day - 1) % step.count == 0)
                     and (step.count == 1 or d.day < 31))
                    or (step.unit == "w" and d.weekday() == 0))
            if keep:
                out.append(_local_midnight_us(d, zone_name))
            d += timedelta(days=1)
    elif step.unit == "mo":
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            if (m - 1) % step.count == 0:
                out.append(_local_midnight_us(date(y, m, 1), zone_name))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        y = first.year - first.year % step.count
        while y <= last.year:
            if y >= 1:
                out.append(_local_midnight_us(date(y, 1, 1), zone_name))
            y += step.count
    return sorted({t for t in out if start_us <= t <= end_us})


def tick_instants(start_us: int, end_us: int, step: TickStep, zone_name: str) -> list[int]:
    """Tick instants (int µs UTC) of ``step`` inside [start, end], in ``zone_name``."""
    try:
        fixed = step.fixed_us
        if fixed is not None:
            return _clock_ticks(int(start_us), int(end_us), fixed, zone_name)
        return _calendar_ticks(int(start_us), int(end_us), step, zone_name)
    except (OverflowError, ValueError):
        return []  # beyond year 1..9999: no ticks rather than a crash


def zone_tag(dt: datetime) -> str:
    """``CEST``, or ``UTC+05:30`` where the zone has no letter abbreviation."""
    abbrev = dt.tzname() or ""
    if abbrev and not abbrev.startswith(("+", "-")) and abbrev != "UTC":
        return abbrev
    return offset_text(dt)


def is_ambiguous(dt: datetime) -> bool:
    """True when the wall-clock time of ``dt`` happened twice (a clock set back)."""
    other = dt.replace(fold=1 - dt.fold)
    return other.utcoffset() != dt.utcoffset()


def tick_labels(instants: list[int], step: TickStep, zone_name: str) -> list[str]:
    """Labels for ticks of ``step``: clock times, dates at local midnight, months, years.

    A clock label gets the zone abbreviation when its wall time is ambiguous or when the
    offset differs from the previous tick's: the two 02:00s of a night when clocks go back
    read ``02:00 CEST`` and ``02:00 CET``.
    """
    out: list[str] = []
    prev_off: timedelta | None = None
    for t in instants:
        dt = to_datetime(t, zone_name)
        if dt is None:
            out.append("")
            continue
        if step.unit == "y":
            out.append(f"{dt.year}")
        elif step.unit == "mo":
            out.append(f"{dt:%b} {dt.year}")
        elif step.unit in ("d", "w"):
            out.append(f"{dt:%a} {dt.day} {dt:%b}")
        else:
            midnight = dt.hour == 0 and dt.minute == 0 and dt.second == 0 and not dt.microsecond
            if midnight and step.unit in ("h", "min"):
                text = f"{dt:%a} {dt.day} {dt:%b}"
            elif step.unit == "ms":
                text = f"{dt:%H:%M:%S}.{dt.microsecond // 1000:03d}"
            elif step.unit == "s":
                text = f"{dt:%H:%M:%S}"
            else:
                text = f"{dt:%H:%M}"
            off = dt.utcoffset()
            if is_ambiguous(dt) or (prev_off is not None and off != prev_off):
                text += f" {zone_tag(dt)}"
            prev_off = off
            out.append(text)
    return out


def offsets_caption(start_us: int, end_us: int, zone_name: str) -> str:
    """``UTC+01:00``, ``UTC+02:00 → UTC+01:00``, or a list when several changes are in view."""
    segs = offset_segments(start_us, end_us, zone_name)
    if not segs:
        return ""
    texts: list[str] = []
    for seg_start, _end, _off in segs:
        dt = to_datetime(seg_start, zone_name)
        if dt is not None:
            texts.append(offset_text(dt))
    if len(texts) <= 3:
        return " → ".join(texts)
    return " / ".join(sorted(set(texts))) + " (changes in view)"


def zone_caption(start_us: int, end_us: int, zone_name: str, show_utc: bool) -> str:
    """The axis caption: zone, offset(s) in view, and the visible range in the axis's zone.

    ``Europe/Paris (UTC+01:00) · 2024-03-05 10:00:00 → …``, or with the UTC toggle
    ``axis in UTC (UTC+00:00) · case zone Europe/Paris (UTC+01:00) · …``: the case zone's
    offset stays visible either way.
    """
    offs = offsets_caption(start_us, end_us, zone_name)
    text = f"{zone_name} {offs}" if "→" in offs else f"{zone_name} ({offs})"
    if zone(zone_name).key != zone_name:  # a case file naming a zone this system lacks
        text = f"{zone_name} (unknown zone: times shown in UTC)"
    if show_utc and zone_name != "UTC":
        text = f"axis in UTC (UTC+00:00) · case zone {text}"
    axis_zone = "UTC" if show_utc else zone_name
    a, b = to_datetime(start_us, axis_zone), to_datetime(end_us, axis_zone)
    if a is not None and b is not None:
        text += f" · {a:%Y-%m-%d %H:%M:%S} → {b:%Y-%m-%d %H:%M:%S}"
    return text
