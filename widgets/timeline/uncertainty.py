"""Where a lane's uncertain events may lie, as merged spans: the whiskers of a busy lane.

A lane in detail draws each event's uncertainty whisker; a busy lane draws count bars, which
sit at the events' best estimates. For 1,504 listings known only as "July 2017" that is one
bar on 1 July, a reading of the evidence it does not support. So a busy lane also draws the
union of its events' uncertainty intervals, merged once per lane when the data arrives
(overlapping intervals are one span: a month of listings is one whisker, however many), and
each frame shows the spans of its window that are wide enough to see at its bin width and
reach over bins mostly without events (elsewhere the bars already show where events are).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from widgets.timeline.data import TimelineData

_NONE = np.zeros((0, 2), dtype=np.int64)
_FAR = 1 << 60  # µs: ~36,000 years from 1970


class LaneSpans:
    """Per lane, the disjoint spans (sorted) covered by its events' uncertainty intervals."""

    def __init__(self, data: TimelineData, n_lanes: int) -> None:
        self._starts: dict[int, np.ndarray] = {}
        self._ends: dict[int, np.ndarray] = {}
        lo, hi, ts = data.lo, data.hi, data.ts
        uncertain = np.flatnonzero(((lo < ts) | (hi > ts)) & (data.lane >= 0)
                                   & (data.lane < n_lanes))
        if not len(uncertain):
            return
        lane = data.lane[uncertain].astype(np.int64)
        # bounds a hostile case set to the int64 limits stay far off-screen, never wrap
        start = np.clip(np.minimum(lo[uncertain], ts[uncertain]), -_FAR, _FAR)
        end = np.clip(np.maximum(hi[uncertain], ts[uncertain]), -_FAR, _FAR)
        order = np.lexsort((start, lane))
        lane, start, end = lane[order], start[order], end[order]
        bounds = np.flatnonzero(np.diff(lane)) + 1
        for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(lane)], strict=True):
            s, e = _merged(start[a:b], end[a:b])
            self._starts[int(lane[a])], self._ends[int(lane[a])] = s, e

    def __bool__(self) -> bool:
        return bool(self._starts)

    def lanes(self) -> list[int]:
        """The lanes that have uncertain events."""
        return sorted(self._starts)

    def within(self, lane: int, start_us: int, end_us: int, min_width_us: int) -> np.ndarray:
        """``(k, 2)`` spans of ``lane`` that overlap the window and are at least that wide.

        Narrower spans say nothing a count bar does not: the bar is within a bin of them.
        """
        starts = self._starts.get(lane)
        if starts is None:
            return _NONE
        ends = self._ends[lane]
        a = int(np.searchsorted(ends, start_us, side="left"))  # disjoint and sorted: ends too
        b = int(np.searchsorted(starts, end_us, side="right"))
        if b <= a:
            return _NONE
        s, e = starts[a:b], ends[a:b]
        wide = (e - s) >= min_width_us
        return np.column_stack([s[wide], e[wide]]) if wide.any() else _NONE


def beyond_bars(spans: np.ndarray, edges: np.ndarray, totals: np.ndarray,
                most: float = 0.5) -> np.ndarray:
    """The ``spans`` over bins mostly without events: where the bars alone mislead.

    Where events are dense, their count bars already cover their uncertainty; a whisker
    across a year of daily activity adds only clutter. A span is kept when fewer than
    ``most`` of the bins it covers hold one of the lane's events.
    """
    if not len(spans) or not len(totals):
        return spans
    last = len(totals) - 1
    b0 = np.clip(np.searchsorted(edges, spans[:, 0], side="right") - 1, 0, last)
    b1 = np.clip(np.searchsorted(edges, spans[:, 1], side="right") - 1, 0, last)
    occupied = np.concatenate(([0], np.cumsum(totals > 0)))
    share = (occupied[b1 + 1] - occupied[b0]) / (b1 - b0 + 1)
    return spans[share < most]


def _merged(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals sorted by start, as disjoint sorted ``(starts, ends)``."""
    reach = np.maximum.accumulate(end)
    new = np.ones(len(start), dtype=bool)
    new[1:] = start[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(start) - 1]
    return start[first].astype(np.int64), reach[last].astype(np.int64)
