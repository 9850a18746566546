"""User input of the timeline: where its ``sig_*_requested`` signals are emitted.

Kept out of :mod:`widgets.timeline.view` so that the rule "requests come from user-input
handlers only" can be checked by reading one module: every ``emit`` below sits in a handler
of a click, hover, drag, wheel, key, toolbar control or the overview strip. The one other
emitter is ``TimelineView.fit_all``, which the API defines as the user's "fit" action.

The handlers see the view only as a :class:`~widgets.timeline.host.TimelineHost` (its state,
a few actions, the request signals) plus the :class:`~widgets.timeline.host.TimelineParts` they
hook into, so the dependency runs one way only: view → interaction, never back.

Clicks: in a lane drawn in detail, the event nearest the cursor within 5 px is selected (an
interval anywhere along its bar). In a lane drawn as count bars, a click selects all events of
the bin when there are at most :data:`BIN_SELECT_MAX` of them, and does nothing otherwise (the
tooltip says to zoom in): selecting 50 000 messages by accident would flood the app. A click
on empty space clears the selection; Shift+click (or Esc) clears the time selection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolTip

from resources.entities import EntityRef
from widgets.plain_text import tooltip_text
from widgets.timeline.tooltips import bin_text, event_text

if TYPE_CHECKING:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QMenu

    from widgets.timeline.host import TimelineHost, TimelineParts

BIN_SELECT_MAX = 1_000
CLICK_TOLERANCE_PX = 5.0
ZOOM_STEP = 1.5
PAN_STEP = 0.2


class TimelineInteraction:
    """Connects the view's parts to user gestures and turns them into requests.

    ``host`` is the view (state, actions, signals: :class:`~widgets.timeline.host.TimelineHost`);
    ``parts`` are the pieces the handlers are hooked into here, once.
    """

    def __init__(self, host: TimelineHost, parts: TimelineParts) -> None:
        self._host = host
        self._parts = parts
        self._hover_key: tuple[object, ...] | None = None
        self._hover_id: int | None = None
        self._hover_point: tuple[QPointF | None, QPointF | None] = (None, None)
        self.last_tooltip = ""
        vb = parts.viewbox
        vb.on_click = self._on_plot_clicked
        vb.on_hover = self._on_plot_hovered
        vb.on_range_drag = self._on_plot_range_dragged
        vb.on_scroll_lanes = host.scroll_lanes
        vb.sigRangeChangedManually.connect(self._on_vb_range_changed_manually)
        parts.lane_axis.on_toggle = self._on_lane_label_clicked
        parts.lane_axis.on_menu = self.fill_lane_menu
        parts.lane_axis.on_scroll = host.scroll_lanes
        parts.overview.sig_window_requested.connect(self._on_overview_window_requested)
        tb = parts.toolbar
        tb.mode_combo.activated.connect(self._on_mode_combo_activated)
        tb.fit_button.clicked.connect(self._on_fit_button_clicked)
        tb.select_button.toggled.connect(self._on_select_button_toggled)

    # -- range -----------------------------------------------------------------------------
    def _emit_range(self) -> None:
        self._host.sig_range_requested.emit(self._host.visible_range())

    def _on_vb_range_changed_manually(self, *args: object) -> None:
        self._emit_range()

    def _on_overview_window_requested(self, window: tuple[float, float]) -> None:
        self._host.set_range_x(*window)
        self._emit_range()

    def _on_fit_button_clicked(self) -> None:
        self._host.fit_all()

    def handle_key(self, ev: QKeyEvent) -> bool:
        """+/- zoom, ←/→ pan, Home fits, ↑/↓/PgUp/PgDn scroll lanes, Esc clears the range."""
        v = self._host
        key = ev.key()
        start, end = v.visible_range()
        span = end - start
        mid = (start + end) // 2
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            half = span / 2 / ZOOM_STEP if key != Qt.Key.Key_Minus else span / 2 * ZOOM_STEP
            v.show_range(int(mid - half), int(mid + half))
            self._emit_range()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            shift = int(span * PAN_STEP) * (-1 if key == Qt.Key.Key_Left else 1)
            v.show_range(start + shift, end + shift)
            self._emit_range()
        elif key == Qt.Key.Key_Home:
            v.fit_all()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            v.scroll_lanes(-1.0 if key == Qt.Key.Key_Up else 1.0)
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            v.scroll_lanes(-5.0 if key == Qt.Key.Key_PageUp else 5.0)
        elif key == Qt.Key.Key_Escape:
            self._parts.overlay.set_drag(None)
            if v.time_window is not None:
                v.sig_time_selection_requested.emit(None)
        else:
            return False
        ev.accept()
        return True

    # -- selection -------------------------------------------------------------------------
    def _tolerance_us(self) -> float:
        start, end = self._host.visible_range()
        return CLICK_TOLERANCE_PX * (end - start) / self._host.plot_width_px()

    def _on_plot_clicked(self, pt: QPointF, mods: Qt.KeyboardModifier) -> None:
        v = self._host
        if mods & Qt.KeyboardModifier.ShiftModifier:
            if v.time_window is not None:
                v.sig_time_selection_requested.emit(None)
            return
        if not v.selectable:
            return  # ids not loaded yet: nothing to select
        ids = self.ids_at(pt)
        if ids is not None:
            v.sig_selection_requested.emit(EntityRef.events(ids))

    def ids_at(self, pt: QPointF) -> np.ndarray | None:
        """Ids a click at ``pt`` selects: one event, a small bin, nothing (empty), or None."""
        v = self._host
        empty = np.zeros(0, dtype=np.int64)
        lane = v.layout_rows.lane_at(pt.y())
        lanes_item = self._parts.lanes_item
        frame = lanes_item.frame
        if lane is None or frame is None or lane not in frame.lanes:
            return empty
        t = float(v.to_us(pt.x()))
        if lanes_item.is_detail(lane):
            pos = lanes_item.event_near(lane, t, self._tolerance_us())
            return empty if pos is None else np.array([v.data.ids[pos]], dtype=np.int64)
        b = frame.bin_at(t)
        lf = frame.lanes[lane]
        if b is None or lf.totals[b] == 0:
            return empty
        if lf.totals[b] > BIN_SELECT_MAX:
            return None
        pos = v.index.events_between(v.index.lane_groups(lane), int(frame.edges[b]),
                                     int(frame.edges[b + 1]), reach=False)
        return empty if pos is None else np.unique(v.data.ids[pos])

    def _on_plot_range_dragged(self, x0: float, x1: float, finished: bool) -> None:
        v, overlay = self._host, self._parts.overlay
        if not finished:
            overlay.set_drag((x0, x1))
            return
        overlay.set_drag(None)
        a, b = sorted((v.to_us(x0), v.to_us(x1)))
        if b > a:
            v.sig_time_selection_requested.emit((a, b))

    def _on_select_button_toggled(self, on: bool) -> None:
        self._parts.viewbox.select_mode = bool(on)

    # -- hover -----------------------------------------------------------------------------
    def hover_at(self, pt: QPointF) -> tuple[tuple[object, ...] | None, int | None, str]:
        """What is under ``pt``: a key identifying it, its event id (if any) and its text."""
        v = self._host
        lane = v.layout_rows.lane_at(pt.y())
        lanes_item = self._parts.lanes_item
        frame = lanes_item.frame
        if lane is None or frame is None or lane not in frame.lanes:
            return None, None, ""
        t = float(v.to_us(pt.x()))
        if lanes_item.is_detail(lane):
            pos = lanes_item.event_near(lane, t, self._tolerance_us())
            if pos is None:
                return None, None, ""
            event_id = int(v.data.ids[pos])
            text = event_text(v.data, pos, v.zone_name, v.detail_provider)
            return ("event", pos), (event_id if event_id >= 0 else None), text
        b = frame.bin_at(t)
        lf = frame.lanes[lane]
        if b is None or lf.totals[b] == 0:
            return None, None, ""
        label = v.data.lanes[lane].label
        text = bin_text(label, int(frame.edges[b]), int(frame.edges[b + 1]), lf.kinds,
                        lf.kind_counts[:, b], v.data.kind_names, v.zone_name,
                        v.selectable and lf.totals[b] <= BIN_SELECT_MAX)
        return ("bin", lane, int(frame.edges[b]), frame.bin_us), None, text

    def refresh_tooltip(self, event_id: int) -> None:
        """Show the tooltip again if it is still about ``event_id`` (its detail line came)."""
        point, screen_pos = self._hover_point
        if event_id != self._hover_id or point is None or screen_pos is None:
            return
        _key, _event, text = self.hover_at(point)
        self.last_tooltip = text
        if text:
            QToolTip.showText(screen_pos.toPoint(), tooltip_text(text),
                              self._parts.plot.viewport())

    def _on_plot_hovered(self, pt: QPointF | None, screen_pos: QPointF | None) -> None:
        key, event_id, text = (None, None, "") if pt is None else self.hover_at(pt)
        self._hover_point = (pt, screen_pos)
        if key != self._hover_key:
            self._hover_key = key
            self.last_tooltip = text
            if text and screen_pos is not None:
                QToolTip.showText(screen_pos.toPoint(), tooltip_text(text),
                                  self._parts.plot.viewport())
            else:
                QToolTip.hideText()
        if event_id != self._hover_id:
            self._hover_id = event_id
            self._host.sig_hover_requested.emit(event_id)

    # -- lanes -----------------------------------------------------------------------------
    def _on_lane_label_clicked(self, lane: int) -> None:
        key = self._host.data.lanes[lane].key
        self._host.set_lane_collapsed(key, not self._host.is_lane_collapsed(key))

    def fill_lane_menu(self, lane: int, menu: QMenu) -> None:
        """Move up / Move down / Collapse or Expand / Expand all, for the lane at ``lane``."""
        v = self._host
        key = v.data.lanes[lane].key
        collapsed = v.is_lane_collapsed(key)
        entries: list[tuple[str, object]] = [
            ("Move up", lambda: v.move_lane(key, -1)),
            ("Move down", lambda: v.move_lane(key, 1)),
            ("Expand" if collapsed else "Collapse",
             lambda: v.set_lane_collapsed(key, not collapsed)),
            ("Expand all", v.expand_all_lanes),
        ]
        for text, fn in entries:
            action = QAction(text, menu)
            action.triggered.connect(fn)
            menu.addAction(action)

    def _on_mode_combo_activated(self, index: int) -> None:
        combo = self._parts.toolbar.mode_combo
        self._host.sig_lane_mode_requested.emit(str(combo.itemData(index)))
