"""The timeline's ViewBox: x-only zoom and pan, plus clicks, hover and range dragging.

pyqtgraph already zooms around the cursor and pans on drag, and announces those user changes
with ``sigRangeChangedManually`` (never for ``setXRange``): the view relays that signal as its
``sig_range_requested``. This subclass adds what a timeline needs on top, and reports it
through plain callbacks set by the view: a click (select), hover (tooltip), Shift+drag or
range mode (time selection) and Shift+wheel (scroll lanes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

if TYPE_CHECKING:
    from collections.abc import Callable


class TimelineViewBox(pg.ViewBox):
    """ViewBox with y fixed to the lanes (rows top-down) and timeline gestures."""

    def __init__(self) -> None:
        super().__init__(invertY=True, enableMenu=False, defaultPadding=0.0)
        self.setMouseEnabled(x=True, y=False)
        self.disableAutoRange()
        self.select_mode = False
        self._range_drag = False
        self.on_click: Callable[[QPointF, Qt.KeyboardModifier], None] | None = None
        self.on_hover: Callable[[QPointF | None, QPointF | None], None] | None = None
        self.on_range_drag: Callable[[float, float, bool], None] | None = None
        self.on_scroll_lanes: Callable[[float], None] | None = None

    def wheelEvent(self, ev: object, axis: int | None = None) -> None:
        """Wheel zooms time around the cursor; Shift+wheel scrolls lanes."""
        mods = ev.modifiers()  # type: ignore[attr-defined]
        if axis is None and mods & Qt.KeyboardModifier.ShiftModifier:
            if self.on_scroll_lanes is not None:
                self.on_scroll_lanes(-ev.delta() / 120.0)  # type: ignore[attr-defined]
            ev.accept()  # type: ignore[attr-defined]
            return
        super().wheelEvent(ev, axis)

    def mouseDragEvent(self, ev: object, axis: int | None = None) -> None:
        """Left drag pans; with Shift (or in range mode) it selects a time range instead."""
        if ev.isStart():  # type: ignore[attr-defined]
            # decided once per drag: letting go of Shift halfway must not turn it into a pan
            left = ev.button() == Qt.MouseButton.LeftButton  # type: ignore[attr-defined]
            shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)  # type: ignore[attr-defined]
            self._range_drag = axis is None and left and (shift or self.select_mode)
        if self._range_drag:
            ev.accept()  # type: ignore[attr-defined]
            x0 = self.mapToView(ev.buttonDownPos()).x()  # type: ignore[attr-defined]
            x1 = self.mapToView(ev.pos()).x()  # type: ignore[attr-defined]
            finished = bool(ev.isFinish())  # type: ignore[attr-defined]
            if finished:
                self._range_drag = False
            if self.on_range_drag is not None:
                self.on_range_drag(x0, x1, finished)
            return
        super().mouseDragEvent(ev, axis)

    def mouseClickEvent(self, ev: object) -> None:
        """A left click is handed to the view with its position in view coordinates."""
        if ev.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            ev.ignore()  # type: ignore[attr-defined]
            return
        ev.accept()  # type: ignore[attr-defined]
        if self.on_click is not None:
            self.on_click(self.mapToView(ev.pos()), ev.modifiers())  # type: ignore[attr-defined]

    def hoverEvent(self, ev: object) -> None:
        """Report the hovered point (None when the mouse leaves)."""
        if self.on_hover is None:
            return
        if ev.isExit():  # type: ignore[attr-defined]
            self.on_hover(None, None)
        else:
            self.on_hover(self.mapToView(ev.pos()), ev.screenPos())  # type: ignore[attr-defined]

    def keyPressEvent(self, ev: object) -> None:
        """Keys are the view's (pyqtgraph's ViewBox would use +/- for its zoom history)."""
        ev.ignore()  # type: ignore[attr-defined]
