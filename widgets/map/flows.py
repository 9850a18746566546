"""Shipment legs as flows: one arrow per leg up close, merged as the map zooms out.

A logistician posts dozens of parcels a day from the same relay point: at country zoom those
legs are one flow with its count, at Europe zoom the relay points of a city are one end.
Merging is pure numpy over the legs that pass the filters (10⁶ legs in ~0.1 s):

- ``cell is None``: every leg is its own flow (the close-up view);
- ``cell == 0``: legs between the same two places are merged;
- ``cell > 0``: places are snapped to a grid of ``cell`` metres first (what one flow's end
  covers on screen), so nearby places merge too; an end is drawn at the weighted centre of
  the places it stands for.

A flow's status is the most frequent status of its legs; its ``legs`` (the leg rows it
stands for) let a click select them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Flows:
    """Flows to draw, as columns (Web Mercator metres)."""

    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    count: np.ndarray  # legs merged
    weight_g: np.ndarray  # summed weight of their parcels (NaN weights count as 0)
    status: np.ndarray  # uint8: the most frequent status
    order: np.ndarray  # leg rows (of the input), grouped by flow
    offsets: np.ndarray  # flow i stands for order[offsets[i]:offsets[i + 1]]
    lane: np.ndarray  # 0, 1, 2…: parallel flows between the same two ends, for curvature

    def __len__(self) -> int:
        return len(self.x0)

    def legs_of(self, i: int) -> np.ndarray:
        """Input rows of the legs flow ``i`` stands for."""
        return self.order[int(self.offsets[i]) : int(self.offsets[i + 1])]

    @classmethod
    def empty(cls) -> Flows:
        f = np.empty(0, dtype=np.float64)
        i = np.empty(0, dtype=np.int64)
        return cls(f, f, f, f, i, f, np.empty(0, dtype=np.uint8), i, np.zeros(1, np.int64), i)


def _ends(x: np.ndarray, y: np.ndarray, place: np.ndarray, cell: float) -> np.ndarray:
    """A key per leg end: the place itself (``cell`` 0), or its grid cell."""
    if cell <= 0:
        return place.astype(np.int64)
    gx = np.floor(x[place] / cell).astype(np.int64)
    gy = np.floor(y[place] / cell).astype(np.int64)
    return (gx + (1 << 20)) * (1 << 21) + (gy + (1 << 20))


def merge_flows(place_x: np.ndarray, place_y: np.ndarray, origin: np.ndarray,
                destination: np.ndarray, status: np.ndarray, weight_g: np.ndarray,
                cell: float | None) -> Flows:
    """Flows for the legs ``origin → destination`` (place positions; -1 ends are dropped)."""
    origin = np.asarray(origin, dtype=np.int64)
    destination = np.asarray(destination, dtype=np.int64)
    rows = np.flatnonzero((origin >= 0) & (destination >= 0))
    if len(rows):
        placed = np.isfinite(place_x[origin[rows]]) & np.isfinite(place_x[destination[rows]])
        rows = rows[placed & (origin[rows] != destination[rows])]
    if not len(rows):
        return Flows.empty()
    o, d = origin[rows], destination[rows]
    w = np.nan_to_num(np.asarray(weight_g, dtype=np.float64)[rows])
    s = np.asarray(status, dtype=np.int64)[rows]
    ko = _ends(place_x, place_y, o, cell or 0.0)
    kd = _ends(place_x, place_y, d, cell or 0.0)
    # compress the end keys to small codes, then one int64 per (origin, destination)
    ends, codes = np.unique(np.concatenate([ko, kd]), return_inverse=True)
    co, cd = codes[: len(ko)].astype(np.int64), codes[len(ko):].astype(np.int64)
    m = len(ends)
    if cell is None:
        order = np.arange(len(rows))
        group = order
        n = len(rows)
    else:
        _unique, group = np.unique(co * m + cd, return_inverse=True)
        group = group.reshape(-1)
        n = int(group.max()) + 1
        order = np.argsort(group, kind="stable")
    count = np.bincount(group, minlength=n)
    weight = np.bincount(group, weights=w, minlength=n)
    # ends at the count-weighted centre of the places merged into them
    x0 = np.bincount(group, weights=place_x[o], minlength=n) / count
    y0 = np.bincount(group, weights=place_y[o], minlength=n) / count
    x1 = np.bincount(group, weights=place_x[d], minlength=n) / count
    y1 = np.bincount(group, weights=place_y[d], minlength=n) / count
    statuses = int(s.max()) + 1
    votes = np.bincount(group * statuses + s, minlength=n * statuses).reshape(n, statuses)
    offsets = np.concatenate([[0], np.cumsum(count)])
    # parallel flows between the same two ends (either way) get lanes 0, 1, 2…
    first = order[offsets[:-1]]  # one leg of each flow
    pair = np.minimum(co[first], cd[first]) * m + np.maximum(co[first], cd[first])
    return Flows(x0, y0, x1, y1, count.astype(np.int64), weight,
                 votes.argmax(axis=1).astype(np.uint8), rows[order], offsets.astype(np.int64),
                 _lanes(pair))


def _lanes(pair: np.ndarray) -> np.ndarray:
    """0, 1, 2… among flows with the same pair code, in flow order."""
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    start = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])
    rank = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
    lane = np.empty(len(order), dtype=np.int64)
    lane[order] = rank
    return lane


def curve_control(x0: float, y0: float, x1: float, y1: float, lane: int,
                  bend: float = 0.18) -> tuple[float, float]:
    """The control point of a flow's quadratic curve: bent to the right of its direction.

    Lanes bend further apart (0.18, 0.30, 0.42… of the length), so parallel legs, and the
    two directions between two places, never overlap.
    """
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    k = bend + 0.12 * lane
    return mx + dy * k, my - dx * k
