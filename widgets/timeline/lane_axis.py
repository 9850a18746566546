"""The lane labels on the left, with the lane context menu (move, collapse).

Lane labels are evidence (an actor's pseudonym, a platform name): they are drawn with
``QPainter.drawText``, which never interprets markup, after :func:`~widgets.plain_text.visible`
has spelled out hidden characters. The full label shows in a tooltip through
:func:`~widgets.plain_text.tooltip_text`. pyqtgraph's own axis label (``setLabel``) is HTML and
is not used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QMenu

from widgets.plain_text import tooltip_text, visible

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from widgets.timeline.rows import LaneLayout

LABEL_WIDTH_PX = 150


class LaneAxisItem(pg.AxisItem):
    """Left axis that paints one plain-text label per row instead of numeric ticks.

    The owner supplies callbacks; the axis only turns clicks into lane indices:
    ``on_toggle(lane)`` on a left click, ``on_menu(lane, menu)`` to fill the context menu,
    ``on_scroll(rows)`` for the wheel.
    """

    def __init__(self) -> None:
        super().__init__("left")
        self.setWidth(LABEL_WIDTH_PX)
        self.setStyle(showValues=False, tickLength=0)
        self._labels: list[str] = []
        self._marked: frozenset[int] = frozenset()  # lane indices drawn as selected
        self._layout: LaneLayout | None = None
        self.on_toggle: Callable[[int], None] | None = None
        self.on_menu: Callable[[int, QMenu], None] | None = None
        self.on_scroll: Callable[[float], None] | None = None
        self.setAcceptHoverEvents(True)
        self._menu: QMenu | None = None

    def set_rows(self, labels: Sequence[str], layout: LaneLayout) -> None:
        """Raw lane labels (made visible here) and the row layout."""
        self._labels = [visible(label, limit=200) for label in labels]
        self._layout = layout
        self.update()

    def set_marked(self, lanes: frozenset[int]) -> None:
        """Lanes of the selection (an actor's lane when lanes are by actor): bold, shaded."""
        if lanes != self._marked:
            self._marked = frozenset(lanes)
            self.update()

    def marked(self) -> frozenset[int]:
        """The lanes drawn as selected."""
        return self._marked

    def shown_labels(self) -> list[str]:
        """Labels in row order, exactly as painted (before eliding)."""
        if self._layout is None:
            return []
        return [self._labels[i] for i in self._layout.display]

    # -- geometry --------------------------------------------------------------------------
    def _row_y(self, y: float) -> float:
        vb = self.linkedView()
        if vb is None:
            return 0.0
        return self.mapFromScene(vb.mapViewToScene(QPointF(0.0, y))).y()

    def lane_at_pos(self, pos: QPointF) -> int | None:
        """Lane index of the row under ``pos`` (item coordinates)."""
        vb = self.linkedView()
        if vb is None or self._layout is None:
            return None
        y = vb.mapSceneToView(self.mapToScene(pos)).y()
        return self._layout.lane_at(y)

    # -- painting --------------------------------------------------------------------------
    def paint(self, p: QPainter, *args: object) -> None:
        """Right-aligned, elided labels centred on their rows; a triangle shows collapse."""
        layout = self._layout
        if layout is None:
            return
        rect = self.boundingRect()
        width = rect.width() - 10.0
        base = QFont(self.font())
        small = QFont(base)
        small.setPointSizeF(max(base.pointSizeF() * 0.8, 6.0))
        vb = self.linkedView()
        if vb is not None:  # labels of rows scrolled half out must not spill onto the time axis
            view = self.mapRectFromScene(vb.sceneBoundingRect())
            rect = QRectF(rect.left(), view.top(), rect.width(), view.height())
        p.setClipRect(rect)
        p.setPen(self.textPen())
        p.drawLine(QPointF(rect.right() - 1, rect.top()), QPointF(rect.right() - 1, rect.bottom()))
        # Rows to item y is affine: map two points, then paint only the rows in view (mapping
        # every row cost ~4 µs each, 0.3 s a paint with 83,912 actor lanes at 10^7 events).
        origin, unit = self._row_y(0.0), self._row_y(1.0) - self._row_y(0.0)
        if unit > 0:
            rows = layout.rows_between((rect.top() - origin) / unit,
                                       (rect.bottom() - origin) / unit)
        elif unit < 0:
            rows = layout.rows_between((rect.bottom() - origin) / unit,
                                       (rect.top() - origin) / unit)
        else:
            rows = slice(0, 0)
        for i in layout.order[rows].tolist():
            top = origin + unit * layout.y0[i]
            bottom = origin + unit * (layout.y0[i] + layout.height[i])
            if bottom < rect.top() or top > rect.bottom():
                continue
            collapsed = layout.height[i] < 1.0
            font = QFont(small if collapsed else base)
            if i in self._marked:
                font.setBold(True)
                p.fillRect(QRectF(rect.left(), top, rect.width() - 1, bottom - top),
                           QColor(40, 120, 220, 60))
            p.setFont(font)
            fm = QFontMetricsF(font)
            text = ("▸ " if collapsed else "▾ ") + self._labels[i]
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
            box = QRectF(rect.left() + 4, top, width, bottom - top)
            p.drawText(box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                       | int(Qt.TextFlag.TextSingleLine), shown)

    # -- input -----------------------------------------------------------------------------
    def mouseClickEvent(self, ev: object) -> None:
        """Left click toggles collapse; right click opens the lane menu."""
        lane = self.lane_at_pos(ev.pos())  # type: ignore[attr-defined]
        if lane is None:
            return
        ev.accept()  # type: ignore[attr-defined]
        if ev.button() == Qt.MouseButton.LeftButton and self.on_toggle:  # type: ignore[attr-defined]
            self.on_toggle(lane)
        elif ev.button() == Qt.MouseButton.RightButton and self.on_menu:  # type: ignore[attr-defined]
            self._menu = QMenu()
            self.on_menu(lane, self._menu)
            self._menu.popup(ev.screenPos().toPoint())  # type: ignore[attr-defined]

    def mouseDragEvent(self, ev: object) -> None:
        """Dragging the labels does nothing (pyqtgraph would pan the view's y)."""
        ev.ignore()  # type: ignore[attr-defined]

    def wheelEvent(self, ev: object) -> None:
        """The wheel over the labels scrolls lanes, it never zooms time."""
        if self.on_scroll is not None:
            self.on_scroll(-ev.delta() / 120.0)  # type: ignore[attr-defined]
        ev.accept()  # type: ignore[attr-defined]

    def hoverEvent(self, ev: object) -> None:
        """Show the whole label (it may be elided) as a plain-text tooltip."""
        if ev.isExit():  # type: ignore[attr-defined]
            self.setToolTip("")
            return
        lane = self.lane_at_pos(ev.pos())  # type: ignore[attr-defined]
        self.setToolTip("" if lane is None else tooltip_text(
            self._labels[lane] + "\nClick: collapse/expand · right click: move"))
