"""A small layer over the lanes: the selection, the hovered event and time windows.

Kept apart from :class:`~widgets.timeline.lanes_item.LanesItem` so that selecting or hovering
repaints a handful of marks and never rebuilds the bins. A selection can be large (every
event of an actor): it comes as :class:`~widgets.timeline.selection.SelectionMarks`, thinned
in advance, and a paint only slices the part in view out of the level that fits the zoom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from widgets.timeline.drawing import draw_lines, draw_rects
from widgets.timeline.selection import THIN_ABOVE, SelectionMarks

if TYPE_CHECKING:
    from widgets.timeline.data import TimelineData
    from widgets.timeline.rows import LaneLayout


class OverlayItem(pg.GraphicsObject):
    """Selection marks, the highlight and the time window(s), in the lanes' coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self._data: TimelineData | None = None
        self._layout: LaneLayout | None = None
        self._origin_us = 0
        self._marks: SelectionMarks | None = None
        self._highlight: int | None = None
        self._window: tuple[float, float] | None = None
        self._drag: tuple[float, float] | None = None
        self._bounds = QRectF()
        # a translucent dark halo: the kind colour of the marker underneath stays readable
        self._sel_pen = QPen(QColor(10, 10, 10, 120), 7)
        self._sel_pen.setCosmetic(True)
        self._sel_pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        self._hl_pen = QPen(QColor(255, 0, 160), 2)
        self._hl_pen.setCosmetic(True)
        self._band = QColor(40, 120, 220, 45)
        self._band_edge = QPen(QColor(40, 120, 220, 200), 1)
        self._band_edge.setCosmetic(True)
        self.setZValue(10)

    def set_context(self, data: TimelineData, layout: LaneLayout, origin_us: int) -> None:
        """New data or rows: positions are re-derived by the view, marks cleared here."""
        self._data, self._layout, self._origin_us = data, layout, int(origin_us)
        self._marks = None
        self._highlight = None
        self._update_bounds()

    def relayout(self) -> None:
        """Rows moved: the marks follow (their y is looked up at paint time)."""
        self._update_bounds()

    def set_marks(self, marks: SelectionMarks | None) -> None:
        """Mark a selection made for the data given to :meth:`set_context` (None: nothing)."""
        self._marks = marks if marks is not None and len(marks) else None
        self._update_bounds()

    def set_highlight(self, position: int | None) -> None:
        """Ring the event at ``position`` (hover elsewhere in the app), or nothing."""
        self._highlight = position
        self._update_bounds()

    def set_window(self, window: tuple[float, float] | None) -> None:
        """The committed time selection, as x (seconds since origin)."""
        self._window = window
        self._update_bounds()

    def set_drag(self, window: tuple[float, float] | None) -> None:
        """The time range being dragged right now."""
        self._drag = window
        self._update_bounds()

    @property
    def selection_size(self) -> int:
        """How many selected events are known to the overlay."""
        return 0 if self._marks is None else len(self._marks)

    def _update_bounds(self) -> None:
        xs: list[float] = []
        if self._marks is not None:
            xs += [float(self._marks.x[0]), float(self._marks.x[-1])]
        for w in (self._window, self._drag):
            if w is not None:
                xs += [w[0], w[1]]
        if self._highlight is not None and self._data is not None:
            xs.append((int(self._data.ts[self._highlight]) - self._origin_us) * 1e-6)
        total = self._layout.total if self._layout is not None else 1.0
        self.prepareGeometryChange()
        if xs:
            self._bounds = QRectF(min(xs) - 1.0, 0.0, max(xs) - min(xs) + 2.0, max(total, 1.0))
        else:
            self._bounds = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        """Everything the overlay marks; empty when it marks nothing."""
        return QRectF(self._bounds)

    def paint(self, p: QPainter, *args: object) -> None:
        """Time bands first, then selection marks, then the highlight on top."""
        layout = self._layout
        if layout is None:
            return
        total = max(layout.total, 1.0)
        for w in (self._window, self._drag):
            if w is None:
                continue
            x0, x1 = min(w), max(w)
            p.setPen(self._band_edge)
            p.setBrush(self._band)
            p.drawRect(QRectF(x0, 0.0, x1 - x0, total))
        view = self.viewRect()
        if self._marks is not None and view is not None and len(layout.y0):
            self._paint_selection(p, self._marks, layout, view)
        if self._highlight is not None and self._data is not None:
            i = self._highlight
            lane = int(self._data.lane[i])
            if 0 <= lane < len(layout.y0):
                x = (int(self._data.ts[i]) - self._origin_us) * 1e-6
                xe = (max(int(self._data.end[i]), int(self._data.ts[i])) - self._origin_us) * 1e-6
                y0, h = layout.y0[lane], layout.height[lane]
                p.setPen(self._hl_pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                if xe > x:
                    draw_rects(p, np.array([[x, y0 + 0.25 * h, xe - x, 0.5 * h]]))
                draw_lines(p, np.array([[x, y0 + 0.02 * h, x, y0 + 0.98 * h]]))

    def _paint_selection(self, p: QPainter, marks: SelectionMarks, layout: LaneLayout,
                         view: QRectF) -> None:
        """The marks in view: whole when few, else from the level that fits a pixel."""
        left, right = view.left(), view.right()
        a, b = np.searchsorted(marks.x, [left, right])
        x, lane = marks.x[a:b], marks.lane[a:b]
        if len(x) > THIN_ABOVE:
            px_w = view.width() / max(self._px_width(), 1.0)  # seconds per pixel
            level = marks.level_for(2e6 * px_w)  # bins up to 2 px: within the 7 px halo
            if level is not None:
                a, b = np.searchsorted(level.x, [left, right])
                x, lane = level.x[a:b], level.lane[a:b]
            else:  # zoomed in beyond the finest level: few marks per pixel, thin those
                col = np.floor((x - left) / px_w).astype(np.int64)
                _, first = np.unique(lane * (1 << 32) + col, return_index=True)
                x, lane = x[first], lane[first]
        ok = (lane >= 0) & (lane < len(layout.y0))
        if not ok.all():
            x, lane = x[ok], lane[ok]
        if len(x) == 0:
            return
        # Each mark is the halo pen's stroke as a filled rectangle: the same pixels (a flat
        # cap adds nothing), ~4x cheaper to fill than to stroke (see drawing.lines_as_rects).
        m11 = p.transform().m11()
        half = 0.5 * self._sel_pen.widthF() / abs(m11) if m11 else 0.0
        y0, h = layout.y0[lane], layout.height[lane]
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self._sel_pen.color())
        draw_rects(p, np.column_stack([x - half, y0 + 0.05 * h, np.full(len(x), 2 * half),
                                       0.9 * h]))

    def _px_width(self) -> float:
        vb = self.getViewBox()
        return float(vb.width()) if vb is not None else 1000.0
