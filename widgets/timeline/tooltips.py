"""Hover texts of the timeline, as plain strings (the view escapes them for ``QToolTip``).

Times always appear in the case zone *and* in UTC (:func:`widgets.timefmt.format_both`), so an
investigator reading "02:30" on the night clocks go back knows which 02:30 is meant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from widgets.labels import vocab_label
from widgets.plain_text import visible
from widgets.timefmt import format_both, format_duration, format_instant

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy as np

    from widgets.timeline.data import TimelineData


def kind_name(kind_names: Sequence[str], k: int) -> str:
    """A kind's name, or a marker for an index outside the vocabulary."""
    return vocab_label(kind_names[k]) if 0 <= k < len(kind_names) else f"(unknown kind {k})"


def event_text(data: TimelineData, pos: int, zone_name: str,
               detail: Callable[[int], str] | None) -> str:
    """One event: the app's one-liner, kind and lane, time in both zones, extent, id."""
    lines: list[str] = []
    event_id = int(data.ids[pos])
    if detail is not None and event_id >= 0:
        lines.append(visible(detail(event_id), limit=300))
    lane = int(data.lane[pos])
    lane_label = data.lanes[lane].label if 0 <= lane < len(data.lanes) else "?"
    lines.append(f"{visible(kind_name(data.kind_names, int(data.kind[pos])), limit=80)}"
                 f" · {visible(lane_label, limit=120)}")
    ts, end = int(data.ts[pos]), int(data.end[pos])
    lo, hi = int(data.lo[pos]), int(data.hi[pos])
    lines.append(format_both(ts, zone_name, micro=True))
    if end > ts:
        lines.append(f"until {format_both(end, zone_name, micro=True)} "
                     f"({format_duration(end - ts)})")
    if lo < ts or hi > ts:
        lines.append(f"uncertain: {format_instant(lo, zone_name)} … "
                     f"{format_instant(hi, zone_name)} "
                     f"(−{format_duration(ts - lo)} / +{format_duration(hi - ts)})")
    lines.append(f"event {event_id}" if event_id >= 0 else "event id not loaded yet")
    return "\n".join(lines)


def bin_text(lane_label: str, start_us: int, end_us: int, kinds: np.ndarray,
             counts: np.ndarray, kind_names: Sequence[str], zone_name: str,
             selectable: bool) -> str:
    """One bin: exact total, its span in both zones, exact count per kind."""
    total = int(counts.sum())
    lines = [visible(lane_label, limit=120),
             f"{total:,} events, {format_instant(start_us, zone_name)} → "
             f"{format_instant(end_us, zone_name)}"]
    if zone_name != "UTC":
        lines.append(f"= {format_instant(start_us, 'UTC')} → {format_instant(end_us, 'UTC')}")
    order = sorted(range(len(kinds)), key=lambda i: -int(counts[i]))
    for i in order:
        if counts[i]:
            name = visible(kind_name(kind_names, int(kinds[i])), limit=80)
            lines.append(f"  {name}: {int(counts[i]):,}")
    lines.append("click selects these events" if selectable
                 else "zoom in to select single events")
    return "\n".join(lines)
