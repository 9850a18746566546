"""The strip under the timeline: the whole case binned once, with the visible window marked.

Its counts are computed in ``set_data`` only (a few hundred bins over the whole span, read
from the lane index's count table), so moving the window never recounts. Dragging or resizing
the window, or clicking beside it, is user intent: the strip emits
:attr:`OverviewStrip.sig_window_requested` and the timeline turns it into its own
``sig_range_requested``. Programmatic moves are wrapped in ``QSignalBlocker``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QPainter

from widgets.timeline.binning import aligned_edges, choose_bin_width
from widgets.timeline.drawing import draw_rects
from widgets.timeline.lane_axis import LABEL_WIDTH_PX
from widgets.timeline.time_axis import TimeAxisItem

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from PySide6.QtWidgets import QWidget

    from widgets.timeline.binning import LaneIndex

OVERVIEW_BINS = 600


class _CountsItem(pg.GraphicsObject):
    """Bars of the whole case (log height, colour of each bin's most frequent kind)."""

    def __init__(self) -> None:
        super().__init__()
        self._bars: dict[int, np.ndarray] = {}
        self._colors: list[QColor] = []
        self._bounds = QRectF()

    def set_bars(self, bars: dict[int, np.ndarray], colors: Sequence[QColor],
                 bounds: QRectF) -> None:
        self.prepareGeometryChange()
        self._bars, self._colors, self._bounds = bars, list(colors), bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def paint(self, p: QPainter, *args: object) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        for k, rects in self._bars.items():
            p.setBrush(self._colors[min(k, len(self._colors) - 1)])
            draw_rects(p, rects)


class _StripViewBox(pg.ViewBox):
    """No pan/zoom of its own; a click reports its x so the window can jump there."""

    def __init__(self) -> None:
        super().__init__(enableMenu=False, defaultPadding=0.0)
        self.setMouseEnabled(x=False, y=False)
        self.on_click: Callable[[float], None] | None = None

    def mouseClickEvent(self, ev: object) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and self.on_click:  # type: ignore[attr-defined]
            ev.accept()  # type: ignore[attr-defined]
            self.on_click(self.mapToView(ev.pos()).x())  # type: ignore[attr-defined]

    def wheelEvent(self, ev: object, axis: int | None = None) -> None:
        ev.ignore()  # type: ignore[attr-defined]


class OverviewStrip(pg.PlotWidget):
    """Whole-case counts plus a draggable region for the visible window (x: s since origin)."""

    sig_window_requested = Signal(object)  # (x0, x1) in seconds since origin

    def __init__(self, parent: QWidget | None = None) -> None:
        self._vb = _StripViewBox()
        self.time_axis = TimeAxisItem("bottom")
        super().__init__(parent, viewBox=self._vb, axisItems={"bottom": self.time_axis})
        item = self.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.getAxis("left").setWidth(LABEL_WIDTH_PX)
        item.getAxis("left").setStyle(showValues=False, tickLength=0)
        self._counts = _CountsItem()
        self._vb.addItem(self._counts)
        self._region = pg.LinearRegionItem(orientation="vertical",
                                           brush=QColor(40, 120, 220, 50),
                                           pen=pg.mkPen(QColor(40, 120, 220), width=2))
        self._region.setZValue(10)
        self._vb.addItem(self._region)
        self._region.sigRegionChanged.connect(self._on_region_changed)
        self._vb.on_click = self._on_strip_clicked
        self._vb.setYRange(0.0, 1.0, padding=0.0)
        self.setFixedHeight(78)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_content(self, index: LaneIndex, colors: Sequence[QColor], origin_us: int,
                    full: tuple[int, int]) -> None:
        """Bin the whole case once; ``full`` is the range (µs) the strip spans."""
        start, end = full
        bin_us = choose_bin_width(end - start, OVERVIEW_BINS, px_per_bin=1.0)
        edges = aligned_edges(start, end, bin_us)
        groups = np.arange(index.n_groups)
        counts = index.counts(groups, edges)
        n_kinds = max(index.n_kinds, 1)
        per_kind = np.zeros((n_kinds, len(edges) - 1), dtype=np.int64)
        np.add.at(per_kind, index.g_kind[groups], counts)
        totals = per_kind.sum(axis=0)
        nz = np.flatnonzero(totals)
        bars: dict[int, np.ndarray] = {}
        if len(nz):
            dominant = np.argmax(per_kind[:, nz], axis=0)
            h = 0.1 + 0.85 * np.log1p(totals[nz]) / np.log1p(max(int(totals.max()), 1))
            x = (edges[:-1][nz] - origin_us) * 1e-6
            rects = np.column_stack([x, np.zeros(len(nz)), np.full(len(nz), bin_us * 1e-6), h])
            for k in np.flatnonzero(np.bincount(dominant)):  # (np.unique imports numpy.ma)
                bars[int(k)] = np.ascontiguousarray(rects[dominant == k])
        x0, x1 = (start - origin_us) * 1e-6, (end - origin_us) * 1e-6
        self._counts.set_bars(bars, colors, QRectF(x0, 0.0, x1 - x0, 1.0))
        self.time_axis.set_origin(origin_us)
        with QSignalBlocker(self._region):
            self._region.setBounds((x0, x1))
        self._vb.setXRange(x0, x1, padding=0.0)

    def set_window(self, x0: float, x1: float) -> None:
        """Mark the visible window; never emits."""
        with QSignalBlocker(self._region):
            self._region.setRegion((x0, x1))

    def window(self) -> tuple[float, float]:
        """The marked window (x units)."""
        a, b = self._region.getRegion()
        return float(a), float(b)

    def _on_region_changed(self) -> None:
        self.sig_window_requested.emit(self.window())

    def _on_strip_clicked(self, x: float) -> None:
        a, b = self.window()
        if a <= x <= b:
            return
        half = (b - a) / 2
        self.sig_window_requested.emit((x - half, x + half))
