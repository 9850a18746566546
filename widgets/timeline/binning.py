"""Counting events per lane and time bin without touching every event (pure numpy, no Qt).

A case can hold 10 million events; a frame must not cost more at 10^7 than at 10^4. So
:class:`LaneIndex` reorders the events once, in ``set_data``, into contiguous groups (one per
lane × kind × extent class) whose timestamps stay sorted. A frame then counts with
``np.searchsorted`` on bin edges (lanes × bins × log n) or, for bins at least as wide as the
index's resolution, by reading a cumulative-count table (lanes × bins, independent of n).

Bins come from a ladder of "nice" widths and start on an absolute grid (the epoch; Mondays for
week multiples), so a bin covers the same instants whatever the pan position: the picture does
not shimmer while the user drags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from widgets.timeline.uncertainty import LaneSpans

if TYPE_CHECKING:
    from widgets.timeline.data import TimelineData

MS = 1_000
S = 1_000_000
MIN = 60 * S
H = 3600 * S
D = 86_400 * S
W = 7 * D

#: Bin widths in µs, smallest first: 1 ms … 52 weeks (~1 year).
BIN_LADDER_US = np.array(
    [1 * MS, 2 * MS, 5 * MS, 10 * MS, 20 * MS, 50 * MS, 100 * MS, 200 * MS, 500 * MS,
     S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S,
     MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN,
     H, 2 * H, 3 * H, 6 * H, 12 * H,
     D, 2 * D, W, 2 * W, 4 * W, 13 * W, 26 * W, 52 * W],
    dtype=np.int64,
)
#: 1970-01-05 was a Monday: week-multiple bins start there so that a bin is a calendar week.
WEEK_PHASE_US = 4 * D
#: Upper bounds of the extent classes (how far an event's bar or whisker reaches from ``ts``);
#: an event beyond the last bound goes in a last, open class.
EXTENT_BOUNDS_US = np.array([0, S, MIN, H, D, W, 30 * D], dtype=np.int64)
#: Candidate resolutions of the cumulative-count table; every ladder width ≥ one is a multiple.
_TABLE_RESOLUTIONS_US = (S, MIN, H, D)
#: Most cells the table may hold (int32 or int64 each), summed over groups.
TABLE_CELL_BUDGET = 4_000_000


#: Times are clamped to ±2^62 µs (±146 000 years) before arithmetic, so that hostile values
#: near the int64 limits cannot overflow window and edge computations.
TIME_LIMIT_US = 2**62


def clamp_us(t_us: float) -> int:
    """``t_us`` as an int within ±:data:`TIME_LIMIT_US`."""
    return int(min(max(t_us, -TIME_LIMIT_US), TIME_LIMIT_US))


def grid_phase(width_us: int) -> int:
    """Where the grid of ``width_us`` bins starts: the epoch, or a Monday for week multiples."""
    return WEEK_PHASE_US if width_us % W == 0 else 0


def choose_bin_width(span_us: float, width_px: float, px_per_bin: float = 3.0) -> int:
    """The ladder width closest (in ratio) to ``px_per_bin`` pixels per bin.

    Parameters
    ----------
    span_us : float
        Visible time span.
    width_px : float
        Width of the plot in device pixels.
    px_per_bin : float
        Target; 2–4 px per bin resolves detail without drawing more bars than pixels.
    """
    ideal = max(float(span_us), 1.0) * px_per_bin / max(float(width_px), 1.0)
    top = int(BIN_LADDER_US[-1])
    if ideal > top:  # centuries in view (or hostile timestamps): powers of two of 52 weeks
        return top * 2 ** int(np.ceil(np.log2(ideal / top)))
    idx = int(np.argmin(np.abs(np.log(BIN_LADDER_US / ideal))))
    return int(BIN_LADDER_US[idx])


def bin_width_still_fits(width_us: int, span_us: float, width_px: float,
                         lo: float = 1.5, hi: float = 6.0) -> bool:
    """True while the current width gives ``lo``–``hi`` px per bin (hysteresis: no rebuild)."""
    px = width_us * max(float(width_px), 1.0) / max(float(span_us), 1.0)
    return lo <= px <= hi


def aligned_edges(start_us: int, end_us: int, width_us: int) -> np.ndarray:
    """Bin edges (int64 µs) on the absolute grid of ``width_us``, covering [start, end]."""
    width_us = int(width_us)
    start_us, end_us = clamp_us(start_us), clamp_us(end_us)
    phase = grid_phase(width_us)
    first = ((int(start_us) - phase) // width_us) * width_us + phase
    last = -((-(int(end_us) - phase)) // width_us) * width_us + phase
    n = max((last - first) // width_us, 1)
    return first + width_us * np.arange(n + 1, dtype=np.int64)


_I64_MAX = np.iinfo(np.int64).max


def _reach(data: TimelineData) -> np.ndarray | None:
    """Per event, how far (µs) its interval bar or uncertainty whisker reaches from ``ts``.

    None when every event is an exact point (the common case, checked without temporaries of
    the data's size beyond a boolean). A difference that overflows int64 (hostile bounds such
    as ``lo = INT64_MIN``) wraps negative and is read as "unbounded".
    """
    ts = data.ts
    if (np.array_equal(data.end, ts) and np.array_equal(data.lo, ts)
            and np.array_equal(data.hi, ts)):
        return None
    reach = np.empty(len(ts), dtype=np.int64)
    for a in range(0, len(ts), _BLOCK):  # in blocks: temporaries stay small at 10^7 events
        part = slice(a, a + _BLOCK)
        t = ts[part]
        before = t - np.minimum(data.lo[part], t)
        after = np.maximum(np.maximum(data.end[part], data.hi[part]), t)
        after -= t
        np.maximum(before, after, out=reach[part])
    reach[reach < 0] = _I64_MAX
    return reach


_BLOCK = 1 << 18


def extent_class(reach: np.ndarray) -> np.ndarray:
    """Class of each reach: 0 for exact points, then by :data:`EXTENT_BOUNDS_US`."""
    cls = np.zeros(len(reach), dtype=np.uint8)
    for bound in EXTENT_BOUNDS_US:
        cls += reach > bound
    return cls


def _small_uint(values: np.ndarray, limit: int) -> np.ndarray:
    """``values`` as uint16 (uint32 when ``limit`` needs it); out-of-range → ``limit``."""
    dtype = np.uint16 if limit < 1 << 16 else np.uint32
    bad = (values < 0) | (values >= limit)
    out = values.astype(dtype)
    if bool(bad.any()):
        out[bad] = limit
    return out


class LaneIndex:
    """Events regrouped by (lane, kind, extent class), each group sorted by time.

    Built once per :class:`TimelineData`: a radix sort when the group keys fit 16 bits (all
    but the largest actor modes), about 0.5 s for 10^7 events. Queries never scan all events.

    Attributes
    ----------
    order : numpy.ndarray
        Positions into the data's columns, grouped; ``ts`` is ``data.ts[order]``.
    g_start : numpy.ndarray
        Group ``g`` is ``order[g_start[g]:g_start[g + 1]]``.
    g_lane, g_kind : numpy.ndarray
        Lane and kind of each group (groups are sorted by lane, then kind).
    g_reach : numpy.ndarray
        How far (µs) bars and whiskers of the group reach from their ``ts`` at most: how much
        to widen a window so that an interval that started off-screen is still found.
    """

    def __init__(self, data: TimelineData, cell_budget: int = TABLE_CELL_BUDGET) -> None:
        data.check()
        self.n_lanes = len(data.lanes)
        self.n_kinds = len(data.kind_names) + 1  # the last slot holds out-of-range kinds
        n = len(data)
        n_cls = len(EXTENT_BOUNDS_US) + 1
        n_keys = self.n_lanes * self.n_kinds * n_cls
        lane = _small_uint(data.lane, self.n_lanes)  # invalid lanes → n_lanes, dropped below
        kind = _small_uint(data.kind, self.n_kinds - 1)
        reach = _reach(data)
        key_dtype = np.uint16 if n_keys + n_cls * self.n_kinds < 1 << 16 else np.int64
        key = lane.astype(key_dtype)
        key *= self.n_kinds
        key += kind
        key *= n_cls
        if reach is not None:
            key += extent_class(reach)
        order = np.argsort(key, kind="stable")
        counts = np.bincount(key, minlength=n_keys)[:n_keys] if n else np.zeros(0, np.int64)
        n_valid = int(counts.sum())
        order = order[:n_valid]  # invalid lanes sort last
        self.order = order.astype(np.int32) if n < 2**31 - 1 else order
        del order, key
        self.ts = data.ts[self.order]
        present = np.flatnonzero(counts)
        self.g_start = np.concatenate(([0], np.cumsum(counts[present]))).astype(np.int64)
        self.g_lane = present // (self.n_kinds * n_cls)
        self.g_kind = (present // n_cls) % self.n_kinds
        self.n_groups = len(present)
        if reach is not None and self.n_groups:
            # the furthest reach in each group, measured (not the class bound): a group of
            # 2-day shipment legs widens a detail window by 2 days, not by a week
            reach_g = np.maximum.reduceat(reach[self.order], self.g_start[:-1])
            self.g_reach = np.minimum(reach_g, TIME_LIMIT_US).astype(np.int64)
        else:
            self.g_reach = np.zeros(self.n_groups, dtype=np.int64)
        exact = reach is None
        del reach
        #: Lane ``l`` owns groups ``lane_g[l]:lane_g[l + 1]``.
        self.lane_g = np.searchsorted(self.g_lane, np.arange(self.n_lanes + 1))
        #: Where each lane's uncertain events may lie (drawn over a busy lane's count bars).
        self.spans = None if exact else LaneSpans(data, self.n_lanes)
        self._build_table(cell_budget)

    # -- cumulative-count table ------------------------------------------------------------
    def _build_table(self, cell_budget: int) -> None:
        """Per group, the count of events before each cell boundary of a coarse grid.

        With it, counting bins that are multiples of the resolution is a gather: no cost in n.
        The finest resolution whose table fits ``cell_budget`` cells is used; none when even
        daily cells would not fit (then counting falls back to ``searchsorted``).
        """
        self.table: np.ndarray | None = None
        self.table_res = 0
        self.table_base = 0
        if self.n_groups == 0:
            return
        t_min, t_max = int(self.ts.min()), int(self.ts.max())
        for res in _TABLE_RESOLUTIONS_US:
            base = (t_min // res) * res
            cells = (t_max - base) // res + 1
            if cells * self.n_groups <= cell_budget:
                break
        else:
            return
        bounds = base + res * np.arange(cells + 1, dtype=np.int64)
        dtype = np.int32 if len(self.ts) < 2**31 - 1 else np.int64
        table = np.empty((self.n_groups, cells + 1), dtype=dtype)
        for g in range(self.n_groups):
            table[g] = np.searchsorted(self.group_ts(g), bounds, side="left")
        self.table, self.table_res, self.table_base = table, int(res), int(base)

    # -- queries ---------------------------------------------------------------------------
    def lane_groups(self, lane: int) -> np.ndarray:
        """Group numbers of a lane (empty for a lane without events)."""
        if not 0 <= lane < self.n_lanes:
            return np.zeros(0, dtype=np.int64)
        return np.arange(self.lane_g[lane], self.lane_g[lane + 1])

    def group_ts(self, g: int) -> np.ndarray:
        """Sorted timestamps of group ``g`` (a view, no copy)."""
        return self.ts[self.g_start[g]:self.g_start[g + 1]]

    def counts(self, groups: np.ndarray, edges: np.ndarray) -> np.ndarray:
        """Events per group per bin: ``(len(groups), len(edges) - 1)`` int64.

        Uses the table when the edges sit on its grid, else one ``searchsorted`` per group on
        only the part of the group inside the edges (which is small when zoomed in).
        """
        groups = np.asarray(groups, dtype=np.int64)
        n_bins = len(edges) - 1
        if len(groups) == 0 or n_bins <= 0:
            return np.zeros((len(groups), max(n_bins, 0)), dtype=np.int64)
        res = self.table_res
        if (self.table is not None and (int(edges[1]) - int(edges[0])) % res == 0
                and (int(edges[0]) - self.table_base) % res == 0):
            cells = self.table.shape[1] - 1
            col = np.clip((edges - self.table_base) // res, 0, cells)
            return np.diff(self.table[np.ix_(groups, col)], axis=1).astype(np.int64)
        out = np.empty((len(groups), n_bins), dtype=np.int64)
        for row, g in enumerate(groups):
            ts = self.group_ts(int(g))
            a = np.searchsorted(ts, edges[0], side="left")
            b = np.searchsorted(ts, edges[-1], side="left")
            out[row] = np.diff(np.searchsorted(ts[a:b], edges, side="left"))
        return out

    def count_between(self, groups: np.ndarray, start_us: int, end_us: int) -> int:
        """Events of ``groups`` with ``start_us <= ts < end_us``."""
        total = 0
        for g in groups:
            ts = self.group_ts(int(g))
            total += int(np.searchsorted(ts, end_us, side="left")
                         - np.searchsorted(ts, start_us, side="left"))
        return total

    def events_between(self, groups: np.ndarray, start_us: int, end_us: int, *,
                       reach: bool = True, limit: int | None = None) -> np.ndarray | None:
        """Positions (into the data's columns) of events of ``groups`` near a window.

        Parameters
        ----------
        groups : numpy.ndarray
            Group numbers, e.g. :meth:`lane_groups`.
        start_us, end_us : int
            The window; ``ts`` in ``[start_us, end_us)``.
        reach : bool
            Widen the window per group by how far its bars/whiskers reach, so an interval that
            started before the window is still found (the caller filters exact overlap).
        limit : int or None
            Give up and return ``None`` beyond this many events: callers that only want a few
            events (detail drawing, selecting a bin) never gather millions.
        """
        parts: list[np.ndarray] = []
        found = 0
        for g in groups:
            g = int(g)
            ts = self.group_ts(g)
            lo = start_us - int(self.g_reach[g]) if reach else start_us
            hi = end_us + int(self.g_reach[g]) if reach else end_us
            a = int(np.searchsorted(ts, lo, side="left"))
            b = int(np.searchsorted(ts, hi, side="right" if reach else "left"))
            found += b - a
            if limit is not None and found > limit:
                return None
            if b > a:
                s = int(self.g_start[g])
                parts.append(self.order[s + a:s + b])
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate(parts).astype(np.int64)


class IdLookup:
    """Event id → position in the data's columns, for drawing a selection.

    Sorting 10^7 ids costs ~1 s, so it happens lazily on the first lookup, and not at all when
    the ids are already ascending (the usual case: ids follow time). Ids numbered without gaps
    (1..n in time order, what Filature writes) are their position plus the first id: no
    search at all. Any thread may look up: the lazy step only ever stores the same answer.
    """

    def __init__(self, ids: np.ndarray) -> None:
        self._ids = ids
        self._sorter: np.ndarray | None = None
        self._sorted: np.ndarray | None = None
        self._dense = False

    @property
    def prepared(self) -> bool:
        """Whether the first lookup's pass over every id is done (then a lookup is a search)."""
        return self._sorted is not None

    def _prepare(self) -> np.ndarray:
        sorted_ids = self._sorted
        if sorted_ids is None:
            ids = self._ids
            if bool(np.all(ids[1:] > ids[:-1])):
                self._dense = int(ids[-1]) - int(ids[0]) == len(ids) - 1
                sorted_ids = ids
            else:
                self._sorter = np.argsort(ids, kind="stable")
                sorted_ids = ids[self._sorter]
            self._sorted = sorted_ids  # last: another thread reads it as "prepared"
        return sorted_ids

    def positions(self, wanted: np.ndarray) -> np.ndarray:
        """Positions of the ids in ``wanted`` that exist (unknown ids are dropped)."""
        wanted = np.asarray(wanted, dtype=np.int64).ravel()
        if len(self._ids) == 0 or len(wanted) == 0:
            return np.zeros(0, dtype=np.int64)
        sorted_ids = self._prepare()
        if self._dense:
            pos = wanted - sorted_ids[0]
            return pos[(pos >= 0) & (pos < len(sorted_ids)) & (wanted >= 0)]
        idx = np.searchsorted(sorted_ids, wanted)
        idx = np.clip(idx, 0, len(sorted_ids) - 1)
        hit = sorted_ids[idx] == wanted
        idx = idx[hit & (wanted >= 0)]
        return self._sorter[idx] if self._sorter is not None else idx
