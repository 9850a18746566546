"""The layer that draws every lane: count bars when busy, markers when quiet.

One ``GraphicsObject`` for all events (never one item per event). It owns the current
:class:`~widgets.timeline.frame.Frame` and decides when to rebuild it: only when the visible
range leaves the frame's window, the bin width leaves its 1.5–6 px band, or rows scroll into
view that the frame lacks. Otherwise a pan/zoom step is a repaint of prepared arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from widgets.timeline.binning import LaneIndex, bin_width_still_fits, choose_bin_width
from widgets.timeline.data import TimelineData
from widgets.timeline.drawing import draw_rects, lines_as_rects
from widgets.timeline.frame import Frame, Geometry, build_geometry, compute_frame, nearest_event

if TYPE_CHECKING:
    from collections.abc import Sequence

    from widgets.timeline.rows import LaneLayout

#: A lane is drawn in detail when it has at most this many events per pixel of plot width
#: in the visible span: ~1 marker per 3 px stays readable and clickable.
DETAIL_EVENTS_PER_PX = 1 / 3
#: Target width of a count bar, and the band a frame's bins may drift in before a rebuild.
#: Filling rectangles is the frame's main cost once every bin of every lane is busy (10^7
#: events): 4 px bars draw ~25 % fewer than 3 px ones and still resolve a day in a year.
BAR_PX, BAR_PX_BAND = 4.0, (2.5, 8.0)
#: The frame window reaches this many visible spans beyond each side of the view.
WINDOW_MARGIN = 1.0
#: Frames kept after the view left them. Wheel zooms go back out the way they came in and
#: pans come back: a kept frame that covers the view again is reused instead of rebuilt
#: (a rebuild costs ~2 ms at 10^4 events and ~3.5 ms at 10^7; a kept frame ~0.3 MB).
RECENT_FRAMES = 12


class LanesItem(pg.GraphicsObject):
    """All lanes' events, drawn from arrays prepared per frame (x: s since origin, y: rows)."""

    def __init__(self) -> None:
        super().__init__()
        self._data = TimelineData.empty()
        self._index = LaneIndex(self._data)
        self._layout: LaneLayout | None = None
        self._origin_us = 0
        self._colors: list[QColor] = [QColor("#9a9a9a")]
        self._frame: Frame | None = None
        self._geometry: Geometry | None = None
        self._frame_width = 0.0  # plot width the frame was made for (its detail threshold)
        self._recent: list[tuple[Frame, Geometry, float]] = []  # newest last
        self._bounds = QRectF()
        self._stripe = QColor(0, 0, 0, 10)
        self._whisker_pen = QPen(QColor(60, 60, 60, 200), 1)
        self._whisker_pen.setCosmetic(True)
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)

    # -- inputs ----------------------------------------------------------------------------
    def set_content(self, data: TimelineData, index: LaneIndex, layout: LaneLayout,
                    origin_us: int, colors: Sequence[QColor]) -> None:
        """New data (or a new row layout): the next :meth:`update_view` rebuilds."""
        self._data, self._index, self._layout = data, index, layout
        self._origin_us = int(origin_us)
        self._colors = list(colors) or [QColor("#9a9a9a")]
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the frames (rows moved or collapsed, new data); the next update rebuilds."""
        self._frame = None
        self._recent.clear()

    def update_view(self, start_us: float, end_us: float, width_px: float,
                    lanes: Sequence[int]) -> bool:
        """Make sure the frame covers the view; return True when it changed frame."""
        span = max(end_us - start_us, 1.0)
        if _fits(self._frame, start_us, end_us, span, width_px, lanes):
            return False
        if self._frame is not None and self._geometry is not None:
            self._recent.append((self._frame, self._geometry, self._frame_width))
            del self._recent[:-RECENT_FRAMES]
        for i in range(len(self._recent) - 1, -1, -1):
            frame, geometry, frame_width = self._recent[i]
            if frame_width == width_px and _fits(frame, start_us, end_us, span, width_px,
                                                 lanes):
                del self._recent[i]
                self._frame, self._geometry = frame, geometry
                self._show_geometry()
                return True
        self._frame_width = width_px
        bin_us = choose_bin_width(span, width_px, BAR_PX)
        margin = WINDOW_MARGIN * span
        window_factor = 1.0 + 2.0 * WINDOW_MARGIN
        detail_max = int(DETAIL_EVENTS_PER_PX * width_px * window_factor)
        self._frame = compute_frame(self._index, lanes, int(start_us - margin),
                                    int(end_us + margin), bin_us, detail_max)
        self._rebuild_geometry()
        return True

    def _rebuild_geometry(self) -> None:
        f, layout = self._frame, self._layout
        if f is None or layout is None:
            return
        self._geometry = build_geometry(f, self._data, layout, self._origin_us,
                                        len(self._colors))
        self._show_geometry()

    def _show_geometry(self) -> None:
        f, layout = self._frame, self._layout
        if f is None or layout is None:
            return
        x0 = (f.start_us - self._origin_us) * 1e-6
        x1 = (f.end_us - self._origin_us) * 1e-6
        self.prepareGeometryChange()
        self._bounds = QRectF(x0, 0.0, x1 - x0, max(layout.total, 1.0))
        self.update()

    # -- queries ---------------------------------------------------------------------------
    @property
    def frame(self) -> Frame | None:
        """The current frame (None before the first update)."""
        return self._frame

    def stats(self) -> dict[str, object]:
        """Counts of what the current frame draws (see :meth:`TimelineView.render_stats`)."""
        f, g = self._frame, self._geometry
        if f is None or g is None:
            return {"mode": "detail", "items_drawn": 0, "bins": 0, "markers": 0,
                    "detail_lanes": 0, "aggregate_lanes": 0, "bin_us": 0}
        agg = sum(1 for lf in f.lanes.values() if not lf.detail and lf.count)
        det = sum(1 for lf in f.lanes.values() if lf.detail and lf.count)
        return {"mode": "aggregate" if agg else "detail",
                "items_drawn": g.n_bars + g.n_markers, "bins": len(f.edges) - 1,
                "markers": g.n_markers, "detail_lanes": det, "aggregate_lanes": agg,
                "bin_us": f.bin_us}

    def event_near(self, lane: int, t_us: float, tol_us: float) -> int | None:
        """Position of the drawn event nearest ``t_us`` in a detail lane, else None."""
        if self._frame is None:
            return None
        return nearest_event(self._frame, self._data, lane, t_us, tol_us)

    def is_detail(self, lane: int) -> bool:
        """Whether ``lane`` is drawn as markers in the current frame."""
        lf = self._frame.lanes.get(lane) if self._frame is not None else None
        return bool(lf is not None and lf.detail)

    # -- QGraphicsItem ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        """The frame window × all rows; moved only after ``prepareGeometryChange``."""
        return QRectF(self._bounds)

    def paint(self, p: QPainter, *args: object) -> None:
        """Draw row stripes, count bars, interval bars, whiskers and markers, in that order."""
        g, layout = self._geometry, self._layout
        if g is None or layout is None:
            return
        p.setPen(Qt.PenStyle.NoPen)
        b = self._bounds
        p.setBrush(self._stripe)
        view = self.viewRect()
        # Every other row, of those in view (lanes by actor are 83,912 rows at 10^7 events).
        rows = (slice(0, len(layout.order)) if view is None else
                layout.rows_between(min(view.top(), view.bottom()),
                                    max(view.top(), view.bottom())))
        start = rows.start + rows.start % 2
        striped = layout.order[start:rows.stop:2]
        if len(striped):
            draw_rects(p, np.column_stack([np.full(len(striped), b.left()), layout.y0[striped],
                                           np.full(len(striped), b.width()),
                                           layout.height[striped]]))
        lo, hi = (view.left(), view.right()) if view is not None else (-np.inf, np.inf)
        for k, rects in g.bars.items():
            p.setBrush(self._colors[min(k, len(self._colors) - 1)])
            draw_rects(p, _overlapping(rects[:, 0], rects[:, 0] + rects[:, 2], rects, lo, hi))
        for k, rects in g.intervals.items():
            color = QColor(self._colors[min(k, len(self._colors) - 1)])
            pen = QPen(color, 1)
            pen.setCosmetic(True)
            p.setPen(pen)
            color.setAlpha(90)
            p.setBrush(color)
            draw_rects(p, _overlapping(rects[:, 0], rects[:, 0] + rects[:, 2], rects, lo, hi))
        # Markers and whiskers become thin rectangles (fills are ~4x cheaper than strokes).
        t = p.transform()
        unit_x = 1.0 / abs(t.m11()) if t.m11() else 1.0
        unit_y = 1.0 / abs(t.m22()) if t.m22() else 1.0
        p.setPen(Qt.PenStyle.NoPen)
        w = g.whiskers
        if len(w):
            left, right = np.minimum(w[:, 0], w[:, 2]), np.maximum(w[:, 0], w[:, 2])
            p.setBrush(self._whisker_pen.color())
            draw_rects(p, lines_as_rects(_overlapping(left, right, w, lo, hi),
                                         unit_x, unit_y, 1.0))
        for k, lines in g.markers.items():
            p.setBrush(self._colors[min(k, len(self._colors) - 1)])
            draw_rects(p, lines_as_rects(_visible(lines, lo, hi), unit_x, unit_y, 2.0))



def _overlapping(left: np.ndarray, right: np.ndarray, arr: np.ndarray, lo: float, hi: float
                 ) -> np.ndarray:
    """Rows of ``arr`` whose extent ``[left, right]`` meets ``[lo, hi]`` (unsorted rows).

    The frame spans three screen widths so that pans reuse it; drawing only what meets the
    view keeps a paint's cost at what the screen shows (whiskers were 60 % of a 10^7 frame).
    """
    if not len(arr) or not np.isfinite(lo):
        return arr
    return arr[(left <= hi) & (right >= lo)]


def _visible(arr: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Rows of ``arr`` (sorted by column 0, x) with lo <= x <= hi: paint only what shows."""
    a, b = np.searchsorted(arr[:, 0], [lo, hi], side="left")
    return arr[a:b + 1] if b < len(arr) else arr[a:]


def _fits(frame: Frame | None, start_us: float, end_us: float, span: float, width_px: float,
          lanes: Sequence[int]) -> bool:
    """Whether ``frame`` can draw the view: it covers it, its bins fit, it has its lanes."""
    return (frame is not None and frame.covers(start_us, end_us)
            and bin_width_still_fits(frame.bin_us, span, width_px, *BAR_PX_BAND)
            and all(lane in frame.lanes for lane in lanes))
