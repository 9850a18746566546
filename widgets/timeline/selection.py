"""The selection's marks, ready to draw: positions, x and lanes, thinned in advance (numpy only).

A selection can hold every event of an actor (376,270 at 10^7 events). Finding their places in
the data and thinning them to what a frame can show used to happen on the UI thread: the
lookup once per click (~70 ms), the thinning in every paint (an ``np.unique`` over every mark
in view, ~40 ms a frame when zoomed out). :func:`selection_marks` does both once, on any
thread (the app runs it on a worker: ~20 ms for that actor), and
:class:`~widgets.timeline.overlay_item.OverlayItem` only slices what it is given.

Thinning keeps, per *level*, the first selected event of each lane in each time bin of
``2**shift`` µs. The bins belong to no view, so a pan reuses them. A paint picks the coarsest
level whose bins are at most two pixels wide (:meth:`SelectionMarks.level_for`): about one
mark per pixel column and lane, as the per-frame thinning drew, and every selected event
within 2 px of a mark's centre, under its 7 px halo. Levels are built from fine to coarse,
each from the one before (the first event of a coarse bin is the first of one of its fine
bins), so their cost falls geometrically; the finest keeps at most :data:`FINEST_SHARE` of
the marks, and zoomed in beyond it the overlay thins what is in view, which is then little.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from widgets.timeline.binning import IdLookup
    from widgets.timeline.data import TimelineData

THIN_ABOVE = 5_000
"""Above this many selected marks in view, a paint draws them thinned."""
FINEST_SHARE = 0.5
"""The finest level keeps at most this share of the marks: finer ones would save little."""
MAX_STORED = 2.0
"""Levels together hold at most this many times the marks (memory stays O(selection))."""


@dataclass(frozen=True, slots=True, eq=False)
class Level:
    """The first selected event per lane and ``2**shift`` µs bin, sorted by ``x``."""

    shift: int
    x: np.ndarray
    lane: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class SelectionMarks:
    """What the overlay draws for a selection over one ``TimelineData`` (compare by identity).

    Attributes
    ----------
    data : TimelineData
        The data the positions index: marks made for other data are not shown.
    ids : numpy.ndarray
        The event ids asked for (kept, so that new data can be marked again).
    positions : numpy.ndarray
        Sorted positions into the data's columns of the ids it holds.
    x : numpy.ndarray
        Seconds since the data's first event (the view's origin), sorted.
    lane : numpy.ndarray
        Lane of each mark (``intp``).
    levels : tuple of Level
        Thinned marks, finest first; empty for selections a paint draws whole.
    """

    data: TimelineData
    ids: np.ndarray
    positions: np.ndarray
    x: np.ndarray
    lane: np.ndarray
    levels: tuple[Level, ...] = ()

    def __len__(self) -> int:
        return len(self.positions)

    @classmethod
    def empty(cls, data: TimelineData) -> SelectionMarks:
        """No marks."""
        none = np.zeros(0, dtype=np.int64)
        return cls(data, none, none, np.zeros(0), np.zeros(0, dtype=np.intp))

    def level_for(self, bin_us: float) -> Level | None:
        """The coarsest level whose bins are at most ``bin_us`` µs wide, if any."""
        best = None
        for level in self.levels:  # finest first
            if (1 << level.shift) <= bin_us:
                best = level
        return best


def selection_marks(data: TimelineData, lookup: IdLookup, ids: np.ndarray, *,
                    thin: bool = True) -> SelectionMarks:
    """The marks of the events ``ids`` (unknown ones dropped) in ``data``; any thread.

    ``lookup`` is the view's :class:`~widgets.timeline.binning.IdLookup` of ``data.ids``.
    ``thin=False`` leaves the levels out (a quick re-marking after new data, until the app
    hands thinned ones).
    """
    ids = np.asarray(ids, dtype=np.int64).ravel()
    if len(data) == 0 or len(ids) == 0:
        return SelectionMarks(data, ids, np.zeros(0, dtype=np.int64), np.zeros(0),
                              np.zeros(0, dtype=np.intp))
    pos = lookup.positions(ids)
    if len(pos) > 1 and not bool(np.all(pos[1:] >= pos[:-1])):
        pos = np.sort(pos)  # data is sorted by ts, so positions in order are marks in x order
    ts = data.ts[pos]
    x = (ts - int(data.ts[0])) * 1e-6
    small_lane = data.lane[pos]  # uint8/uint16 sort by radix: ~10x faster than intp
    lane = small_lane.astype(np.intp)
    levels = _levels(ts, small_lane, x, lane) if thin and len(pos) > THIN_ABOVE else ()
    return SelectionMarks(data, ids, pos, x, lane, levels)


def _firsts(ts: np.ndarray, lane: np.ndarray, shift: int) -> np.ndarray:
    """Indices of the first element of each (lane, ``ts >> shift``) run; sorted by lane, ts."""
    bins = ts >> shift
    new = np.empty(len(ts), dtype=bool)
    if len(ts):
        new[0] = True
        np.not_equal(bins[1:], bins[:-1], out=new[1:])
        new[1:] |= lane[1:] != lane[:-1]
    return np.flatnonzero(new)


def _levels(ts: np.ndarray, small_lane: np.ndarray, x: np.ndarray,
            lane: np.ndarray) -> tuple[Level, ...]:
    """Thinned levels, finest first (see the module's docstring)."""
    n = len(ts)
    order = np.argsort(small_lane, kind="stable")  # by lane, then time (ts is sorted)
    ts_l, lane_l = ts[order], small_lane[order]
    # One bin then holds all of a lane (62: shifts stay well inside int64, ~146,000 years).
    top = min(max(int(ts[-1]) - int(ts[0]), 1).bit_length() + 1, 62)
    # The finest shift that keeps at most FINEST_SHARE of the marks (counts fall with shift).
    lo, hi = 0, top
    while lo < hi:
        mid = (lo + hi) // 2
        if len(_firsts(ts_l, lane_l, mid)) <= FINEST_SHARE * n:
            hi = mid
        else:
            lo = mid + 1
    levels: list[Level] = []
    stored = 0
    keep = np.arange(n)  # indices into the lane-sorted arrays, still candidates
    last = -1
    for shift in range(lo, top + 1):
        keep = keep[_firsts(ts_l[keep], lane_l[keep], shift)]
        if len(keep) == last:
            continue  # the same bins as the finer level: that one serves here too
        last = len(keep)
        if levels and stored + len(keep) > MAX_STORED * n:
            continue  # memory cap: a finer stored level serves (more marks, still correct)
        rows = _time_order(order[keep], n)
        levels.append(Level(shift, x[rows], lane[rows]))
        stored += len(rows)
        if len(keep) <= 1:
            break
    return tuple(levels)


def _time_order(rows: np.ndarray, n: int) -> np.ndarray:
    """``rows`` (distinct, below ``n``) ascending: a mask pass when many, a sort when few."""
    if len(rows) * 16 < n:
        return np.sort(rows)
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return np.flatnonzero(mask)
