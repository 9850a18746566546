"""Basemap layers cut into short pieces, so a frame draws only what it can show.

A country outline at 1:10M is thousands of points around the whole of France; the world's
borders are 545,000. Stroking them all for a view of Paris took 300 ms a frame. Each line is
cut into pieces of at most :data:`CHUNK` segments with their bounding boxes; a view gathers
the pieces that meet it (numpy) and builds one path of just those (in C, by pyqtgraph).
Fills (the land) keep one whole path: they are drawn at country scale and above only, where
the whole coastline is in view anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPainterPath

if TYPE_CHECKING:
    from widgets.map.scene import VectorLayer

CHUNK = 128


class PreparedLayer:
    """One :class:`VectorLayer` with its pieces' bounding boxes, and the path of a view."""

    def __init__(self, layer: VectorLayer) -> None:
        self.layer = layer
        x = np.asarray(layer.x, dtype=np.float64)
        y = np.asarray(layer.y, dtype=np.float64)
        connect = np.asarray(layer.connect, dtype=np.int32)
        self._x, self._y = x, y
        n = len(x)
        self.fill_path = QPainterPath()
        if not n:
            self._starts = self._ends = np.empty(0, dtype=np.int64)
            self._bbox = np.empty((0, 4))
            return
        if layer.fill:
            self.fill_path = pg.functions.arrayToQPath(x, y, connect=connect, finiteCheck=False)
        # runs of connected points: a run ends where connect is 0 (or at the last point)
        ends = np.flatnonzero(connect == 0)
        if not len(ends) or ends[-1] != n - 1:
            ends = np.r_[ends, n - 1]
        starts = np.r_[0, ends[:-1] + 1]
        keep = ends > starts  # a lone point draws nothing
        starts, ends = starts[keep], ends[keep]
        pieces = np.maximum(np.ceil((ends - starts) / CHUNK).astype(np.int64), 1)
        first = np.repeat(starts, pieces)
        rank = np.arange(int(pieces.sum())) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        c_start = first + rank * CHUNK
        c_end = np.minimum(c_start + CHUNK, np.repeat(ends, pieces))  # inclusive
        self._starts, self._ends = c_start, c_end
        # bounding boxes: reduceat covers [start_i, start_i+1), the end point is added
        def box(values: np.ndarray, op: np.ufunc) -> np.ndarray:
            return op(op.reduceat(values, c_start), values[c_end])
        self._bbox = np.stack([box(x, np.minimum), box(y, np.minimum),
                               box(x, np.maximum), box(y, np.maximum)], axis=1)
        self._cached: tuple[bytes, QPainterPath] | None = None

    def stroke_path(self, x0: float, y0: float, x1: float, y1: float) -> QPainterPath:
        """The outline pieces meeting the rectangle (metres) as one path; cached per set."""
        b = self._bbox
        if not len(b):
            return QPainterPath()
        hit = np.flatnonzero((b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1)
                             & (b[:, 3] >= y0))
        signature = hit.tobytes()
        if self._cached is not None and self._cached[0] == signature:
            return self._cached[1]
        if not len(hit):
            path = QPainterPath()
        else:
            starts, ends = self._starts[hit], self._ends[hit]
            lengths = ends - starts + 1
            offsets = np.cumsum(lengths) - lengths
            idx = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths) + np.repeat(
                starts, lengths)
            connect = np.ones(len(idx), dtype=np.int32)
            connect[offsets + lengths - 1] = 0
            path = pg.functions.arrayToQPath(self._x[idx], self._y[idx], connect=connect,
                                             finiteCheck=False)
        self._cached = (signature, path)
        return path
