"""What one picture of the timeline contains, as numpy arrays (pure numpy, no Qt).

A *frame* covers a window wider than the visible range (one visible span on each side), with
bins of one ladder width. While the user pans inside the window, or zooms without leaving the
2–4 px-per-bin band, the frame and its cached picture are reused: most pan/zoom steps cost a
picture replay only.

Level of detail is decided per lane: a lane whose window holds few events (the caller passes
``detail_max``, about a third of the plot width per visible span) is drawn as individual
markers, interval bars and uncertainty whiskers; a busier lane as one bar per bin whose height
grows with the square root of the count, coloured by the bin's most frequent kind (stacking
every kind would multiply the bars by the number of kinds; the hover tooltip gives the exact
count per kind instead). Either way a frame holds O(lanes × width) items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from widgets.timeline.binning import aligned_edges
from widgets.timeline.uncertainty import beyond_bars

if TYPE_CHECKING:
    from collections.abc import Sequence

    from widgets.timeline.binning import LaneIndex
    from widgets.timeline.data import TimelineData
    from widgets.timeline.rows import LaneLayout


@dataclass(slots=True)
class LaneFrame:
    """One lane's content in a frame.

    Attributes
    ----------
    detail : bool
        Markers (True) or count bars (False).
    count : int
        Events with ``ts`` inside the frame window.
    kinds : numpy.ndarray
        Kind indices present in the lane, one per row of ``kind_counts``.
    kind_counts : numpy.ndarray
        ``(len(kinds), bins)`` exact counts: what the hover tooltip reports.
    totals : numpy.ndarray
        Events per bin.
    events : numpy.ndarray
        Detail lanes: positions (into the data's columns) of the events drawn.
    spans : numpy.ndarray
        Busy lanes: ``(k, 2)`` µs spans where the lane's uncertain events may lie, those of
        the window at least two bins wide over bins mostly without events
        (:mod:`widgets.timeline.uncertainty`).
    """

    detail: bool
    count: int
    kinds: np.ndarray
    kind_counts: np.ndarray
    totals: np.ndarray
    events: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    spans: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    def dominant(self) -> np.ndarray:
        """Most frequent kind per bin (meaningful where ``totals > 0``)."""
        if len(self.kinds) == 0:
            return np.zeros(self.totals.shape, dtype=np.int64)
        return self.kinds[np.argmax(self.kind_counts, axis=0)]


@dataclass(slots=True)
class Frame:
    """Bins and per-lane content of the window ``[start_us, end_us)``."""

    start_us: int
    end_us: int
    bin_us: int
    edges: np.ndarray
    lanes: dict[int, LaneFrame]
    max_count: int

    def bin_at(self, t_us: float) -> int | None:
        """Index of the bin containing ``t_us``, None outside the window."""
        b = int(np.searchsorted(self.edges, t_us, side="right")) - 1
        return b if 0 <= b < len(self.edges) - 1 else None

    def covers(self, start_us: float, end_us: float) -> bool:
        """True when [start, end] lies inside the window."""
        return self.start_us <= start_us and end_us <= self.end_us


def compute_frame(index: LaneIndex, lanes: Sequence[int], start_us: int, end_us: int,
                  bin_us: int, detail_max: int) -> Frame:
    """Count the lanes' events per bin and gather the events of quiet lanes.

    Parameters
    ----------
    index : LaneIndex
        The pre-split events.
    lanes : sequence of int
        Lane indices to compute (the rows in view); others are left out of the frame.
    start_us, end_us : int
        Window; widened to whole bins.
    bin_us : int
        Bin width from the ladder.
    detail_max : int
        A lane with at most this many events in the window is drawn in detail.
    """
    edges = aligned_edges(start_us, end_us, bin_us)
    n_bins = len(edges) - 1
    lanes = [int(lane) for lane in lanes]
    group_lists = [index.lane_groups(lane) for lane in lanes]
    all_groups = (np.concatenate(group_lists) if group_lists
                  else np.zeros(0, dtype=np.int64))
    counts = index.counts(all_groups, edges)
    # Per-kind counts of every lane in one reduceat: a lane's groups are sorted by kind, then
    # extent class, so same-kind rows are adjacent (a loop per lane cost ~10 numpy calls each).
    sizes = np.array([len(g) for g in group_lists], dtype=np.int64)
    lane_of_row = np.repeat(np.arange(len(lanes)), sizes)
    kind_of_row = index.g_kind[all_groups] if len(all_groups) else np.zeros(0, dtype=np.int64)
    if len(all_groups):
        new_run = np.ones(len(all_groups), dtype=bool)
        new_run[1:] = (lane_of_row[1:] != lane_of_row[:-1]) | (kind_of_row[1:] != kind_of_row[:-1])
        run_starts = np.flatnonzero(new_run)
        all_kind_counts = np.add.reduceat(counts, run_starts, axis=0)
        run_lane = lane_of_row[run_starts]
        run_kind = kind_of_row[run_starts]
        lane_runs = np.searchsorted(run_lane, np.arange(len(lanes) + 1))
    else:
        all_kind_counts = np.zeros((0, n_bins), dtype=np.int64)
        run_kind = np.zeros(0, dtype=np.int64)
        lane_runs = np.zeros(len(lanes) + 1, dtype=np.int64)
    all_totals = np.zeros((len(lanes), n_bins), dtype=np.int64)
    if len(all_kind_counts):
        np.add.at(all_totals, run_lane, all_kind_counts)
    lane_totals = all_totals.sum(axis=1) if n_bins else np.zeros(len(lanes), dtype=np.int64)
    out: dict[int, LaneFrame] = {}
    max_count = 0
    for i, (lane, groups) in enumerate(zip(lanes, group_lists, strict=True)):
        a, b = int(lane_runs[i]), int(lane_runs[i + 1])
        kinds, kind_counts, totals = run_kind[a:b], all_kind_counts[a:b], all_totals[i]
        total = int(lane_totals[i])
        detail = total <= detail_max
        events = np.zeros(0, dtype=np.int64)
        if detail and total:
            found = index.events_between(groups, int(edges[0]), int(edges[-1]),
                                         limit=4 * max(detail_max, 1))
            if found is None:  # long bars/whiskers reach in from far away: keep only ts inside
                found = index.events_between(groups, int(edges[0]), int(edges[-1]), reach=False)
            events = found if found is not None else events
        out[lane] = lf = LaneFrame(detail, total, kinds, kind_counts, totals, events)
        if not detail and index.spans:  # where a busy lane's uncertain events may lie
            lf.spans = beyond_bars(index.spans.within(lane, int(edges[0]), int(edges[-1]),
                                                      2 * int(bin_us)), edges, totals)
        if not detail and n_bins:
            max_count = max(max_count, int(totals.max()))
    return Frame(int(edges[0]), int(edges[-1]), int(bin_us), edges, out, max_count)


@dataclass(slots=True)
class Geometry:
    """Arrays ready for ``QPainter.drawRects``/``drawLines``, in view units.

    x is seconds since the view's origin (float64 keeps µs precision over centuries, unlike
    float µs since 1970 in the single precision Qt sometimes uses); y is rows.
    """

    bars: dict[int, np.ndarray]
    markers: dict[int, np.ndarray]
    intervals: dict[int, np.ndarray]
    whiskers: np.ndarray
    n_bars: int
    n_markers: int


def _merge_intervals(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals: overlapping bars of one kind in one lane become one bar.

    Hundreds of overlapping translucent bars (shipment legs lasting days, seen at the scale of
    minutes) would each fill the whole row: the union bounds the painting cost by the width.
    Each interval still has its own start marker.
    """
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    new = np.ones(len(start), dtype=bool)
    new[1:] = start[1:] > reach[:-1]
    first = np.flatnonzero(new)
    return start[first], np.maximum.reduceat(end, first)


def _group(kinds: list[np.ndarray], items: list[np.ndarray]) -> dict[int, np.ndarray]:
    """All lanes' items split by kind (one pen/brush each), each sorted by x for paint().

    One sort for the whole frame: grouping lane by lane cost ~30 small numpy calls per lane,
    a third of a rebuild at 10^7 events.
    """
    if not kinds:
        return {}
    kind = np.concatenate(kinds)
    arr = np.concatenate(items)
    order = np.lexsort((arr[:, 0], kind))
    kind, arr = kind[order], arr[order]
    cuts = np.flatnonzero(kind[1:] != kind[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(kind)]))
    return {int(kind[a]): np.ascontiguousarray(arr[a:b], dtype=np.float64)
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)}


HEIGHT_LEVELS = 64
"""Bar heights are rounded to 1/64 of a row: rows are 24-64 px tall, so never a visible step."""


def _count_bars(busy: list[tuple[int, LaneFrame]], layout: LaneLayout, left: np.ndarray,
                width: float, top: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Count bars of every busy lane at once: rectangles, their kinds, and the bins drawn.

    All lanes go through the same dozen whole-array operations (a loop over lanes cost ~15
    small numpy calls each, most of a rebuild at 10^7 events). Neighbouring bins of one
    lane, height and kind become one rectangle: the same pixels, since bars touch, and far
    fewer fills where a busy case is steady.
    """
    totals = np.stack([lf.totals for _, lf in busy])
    dominant = np.stack([lf.dominant() for _, lf in busy]).astype(np.int64)
    row, col = np.nonzero(totals)
    if len(row) == 0:
        return np.zeros((0, 4)), np.zeros(0, dtype=np.int64), 0
    level = np.round(np.minimum(0.12 + 0.88 * np.sqrt(totals[row, col] / top), 1.0)
                     * HEIGHT_LEVELS)
    kind = dominant[row, col]
    first = np.ones(len(row), dtype=bool)
    first[1:] = ((row[1:] != row[:-1]) | (col[1:] != col[:-1] + 1)
                 | (level[1:] != level[:-1]) | (kind[1:] != kind[:-1]))
    starts = np.flatnonzero(first)
    stops = np.append(starts[1:], len(row))
    lanes = np.asarray([lane for lane, _ in busy], dtype=np.int64)[row[starts]]
    y0 = np.asarray(layout.y0, dtype=np.float64)[lanes]
    h = np.asarray(layout.height, dtype=np.float64)[lanes]
    bh = level[starts] / HEIGHT_LEVELS * 0.8 * h
    rects = np.column_stack([left[col[starts]], y0 + 0.9 * h - bh,
                             width * (col[stops - 1] - col[starts] + 1), bh])
    return rects, kind[starts], len(row)


def build_geometry(frame: Frame, data: TimelineData, layout: LaneLayout, origin_us: int,
                   n_kinds: int) -> Geometry:
    """Turn a frame into drawable arrays (bars, markers, interval bars, whiskers).

    Bar height is ``sqrt(count / max count in frame)`` of the row (a square root keeps busy
    days distinguishable where a log would flatten them), with a floor so a single event
    stays visible next to a bin of thousands. Bars and markers come sorted by x.
    """
    sec = 1e-6
    lo_x = (frame.start_us - origin_us) * sec
    hi_x = (frame.end_us - origin_us) * sec
    pad = hi_x - lo_x
    bar_kinds: list[np.ndarray] = []
    bar_rects: list[np.ndarray] = []
    marker_kinds: list[np.ndarray] = []
    marker_lines: list[np.ndarray] = []
    intervals: dict[int, list[np.ndarray]] = {}
    whiskers: list[np.ndarray] = []
    n_bars = n_markers = 0
    top = float(max(frame.max_count, 1))
    left = (frame.edges[:-1] - origin_us) * sec
    width = frame.bin_us * sec
    busy = [(lane, lf) for lane, lf in frame.lanes.items() if not lf.detail]
    if busy:
        rects, kinds, n_bars = _count_bars(busy, layout, left, width, top)
        bar_rects.append(rects)
        bar_kinds.append(kinds)
    for lane, lf in frame.lanes.items():
        if not lf.detail:
            if len(lf.spans):
                whiskers += _whiskers(lf.spans[:, 0], lf.spans[:, 1], float(layout.y0[lane]),
                                      float(layout.height[lane]), origin_us, lo_x, hi_x)
            continue
        y0, h = float(layout.y0[lane]), float(layout.height[lane])
        p = lf.events
        if len(p) == 0:
            continue
        ts, end, lo, hi = data.ts[p], data.end[p], data.lo[p], data.hi[p]
        reach_hi = np.maximum(np.maximum(end, hi), ts)
        reach_lo = np.minimum(lo, ts)
        keep = (reach_hi >= frame.start_us) & (reach_lo <= frame.end_us)
        p, ts, end, lo, hi = p[keep], ts[keep], end[keep], lo[keep], hi[keep]
        kind = np.minimum(data.kind[p].astype(np.int64), n_kinds - 1)
        x = (ts - origin_us) * sec
        n_markers += len(p)
        ones = np.ones(len(p))
        marks = np.column_stack([x, y0 + 0.15 * h * ones, x, y0 + 0.85 * h * ones])
        marker_kinds.append(kind)
        marker_lines.append(marks)
        iv = end > ts
        if iv.any():
            xe = np.clip((end[iv] - origin_us) * sec, lo_x - pad, hi_x + pad)
            xs = np.clip(x[iv], lo_x - pad, hi_x + pad)
            for k in np.unique(kind[iv]):
                a, b = _merge_intervals(xs[kind[iv] == k], xe[kind[iv] == k])
                m = len(a)
                intervals.setdefault(int(k), []).append(np.column_stack(
                    [a, np.full(m, y0 + 0.32 * h), b - a, np.full(m, 0.36 * h)]))
        unc = (lo < ts) | (hi > ts)
        if unc.any():
            whiskers += _whiskers(lo[unc], hi[unc], y0, h, origin_us, lo_x, hi_x)
    wh = (np.ascontiguousarray(np.concatenate(whiskers)) if whiskers
          else np.zeros((0, 4), dtype=np.float64))
    merged = {k: np.ascontiguousarray(np.concatenate(v), dtype=np.float64)
              for k, v in intervals.items()}
    return Geometry(_group(bar_kinds, bar_rects), _group(marker_kinds, marker_lines), merged,
                    wh, n_bars, n_markers)


def _whiskers(lo: np.ndarray, hi: np.ndarray, y0: float, h: float, origin_us: int,
              lo_x: float, hi_x: float) -> list[np.ndarray]:
    """Lines of uncertainty whiskers from ``lo`` to ``hi`` (µs), capped, on a lane's middle."""
    pad = hi_x - lo_x
    xl = np.clip((lo - origin_us) * 1e-6, lo_x - pad, hi_x + pad)
    xh = np.clip((hi - origin_us) * 1e-6, lo_x - pad, hi_x + pad)
    m = len(xl)
    yc = np.full(m, y0 + 0.5 * h)
    cap0, cap1 = np.full(m, y0 + 0.4 * h), np.full(m, y0 + 0.6 * h)
    return [np.column_stack([xl, yc, xh, yc]), np.column_stack([xl, cap0, xl, cap1]),
            np.column_stack([xh, cap0, xh, cap1])]


def nearest_event(frame: Frame, data: TimelineData, lane: int, t_us: float,
                  tol_us: float) -> int | None:
    """Position of the detail event of ``lane`` nearest ``t_us`` within ``tol_us``.

    An interval is hit anywhere between its start and end; a point within the tolerance.
    Returns None when the lane is not in detail (or nothing is near).
    """
    lf = frame.lanes.get(lane)
    if lf is None or not lf.detail or len(lf.events) == 0:
        return None
    p = lf.events
    ts = data.ts[p].astype(np.float64)
    end = np.maximum(data.end[p], data.ts[p]).astype(np.float64)
    # a marker near the cursor wins over a long interval that merely spans it
    dist = np.minimum(np.abs(t_us - ts), np.abs(t_us - end))
    dist = np.where((ts <= t_us) & (t_us <= end), np.minimum(dist, 0.5 * tol_us), dist)
    best = int(np.argmin(dist))
    return int(p[best]) if dist[best] <= tol_us else None
