"""TimelineView: lanes of events over a calendar time axis, with an overview strip.

Plain data in (:class:`~widgets.timeline.data.TimelineData`), intent out (``sig_*_requested``).
The widget holds no app state and queries nothing: the controller answers a
``sig_range_requested`` or ``sig_selection_requested`` by calling ``show_*`` methods, which
never emit, so there is no signal loop. Requests are emitted only from user-input handlers
(wheel, drag, keys, clicks, the toolbar and the overview strip).

x in the plot is seconds since an origin instant (the data's first event) as float64: µs since
1970 as a float would lose precision once Qt maps it through single-precision paths, and the
public API stays in integer µs UTC. Rows are lanes (y grows downwards).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QScrollBar, QVBoxLayout, QWidget

from widgets.plain_text import set_plain
from widgets.timeline.binning import D, IdLookup, LaneIndex, S, clamp_us
from widgets.timeline.calendar_ticks import zone_caption
from widgets.timeline.data import TimelineData
from widgets.timeline.host import TimelineParts
from widgets.timeline.interaction import TimelineInteraction
from widgets.timeline.lane_axis import LaneAxisItem
from widgets.timeline.lanes_item import LanesItem
from widgets.timeline.legend import KindLegend
from widgets.timeline.overlay_item import OverlayItem
from widgets.timeline.overview_strip import OverviewStrip
from widgets.timeline.palette import follow_widget_palette, kind_colors
from widgets.timeline.rows import LaneLayout
from widgets.timeline.selection import SelectionMarks, selection_marks
from widgets.timeline.time_axis import TimeAxisItem
from widgets.timeline.toolbar import TimelineToolbar
from widgets.timeline.viewbox import TimelineViewBox

if TYPE_CHECKING:
    from collections.abc import Callable

MIN_ROW_PX = 24.0
MAX_ROW_PX = 64.0
MIN_SPAN_US = 60 * S


class TimelineView(QWidget):
    """Events of a case on lanes over time; zoom from years to seconds.

    Signals
    -------
    sig_range_requested(object)
        ``(start_us, end_us)`` after the user panned or zoomed.
    sig_selection_requested(object)
        ``frozenset`` of the ``EntityRef``s of the events clicked (empty: clear).
    sig_time_selection_requested(object)
        ``(start_us, end_us)`` from Shift+drag / range mode, or ``None`` (Esc, Shift+click).
    sig_hover_requested(object)
        Hovered event id, or ``None``.
    sig_lane_mode_requested(str)
        ``"kind"``, ``"actor"`` or ``"platform"`` chosen in the toolbar.
    sig_show_utc_requested(bool)
        The user switched the UTC button: every view should show times in UTC (or not).
    sig_annotate_requested(str, int, str)
        From an event's context menu: tag (``"tag"``) or annotate (``"note"``) that event.
    """

    sig_range_requested = Signal(object)
    sig_selection_requested = Signal(object)
    sig_time_selection_requested = Signal(object)
    sig_hover_requested = Signal(object)
    sig_lane_mode_requested = Signal(str)
    sig_show_utc_requested = Signal(bool)
    sig_annotate_requested = Signal(str, int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = TimelineData.empty()
        self._index = LaneIndex(self._data)
        self._ids = IdLookup(self._data.ids)
        self._selectable = False
        self._colors = kind_colors(())
        self._layout = LaneLayout()
        self._zone = "UTC"
        self._show_utc = False
        self._hide_empty = False
        self._lane_keys: frozenset[str] = frozenset()
        self._lane_index: dict[str, int] = {}  # lane key → lane number, per data
        self._detail_fn: Callable[[int], str] | None = None
        self._origin_us = (int(time.time()) * S // D) * D
        self._full = (self._origin_us, self._origin_us + D)
        self._scroll = 0.0
        self._marks = SelectionMarks.empty(self._data)
        self._highlight_id: int | None = None
        self._time_window: tuple[int, int] | None = None

        self.toolbar = TimelineToolbar()
        self.legend = KindLegend()
        self._vb = TimelineViewBox()
        self.time_axis = TimeAxisItem("bottom")
        self.lane_axis = LaneAxisItem()
        self.plot = pg.PlotWidget(viewBox=self._vb,
                                  axisItems={"bottom": self.time_axis, "left": self.lane_axis})
        self.plot.getPlotItem().hideButtons()
        self.plot.getPlotItem().setMenuEnabled(False)
        self.plot.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.lanes_item = LanesItem()
        self.overlay = OverlayItem()
        self._vb.addItem(self.lanes_item)
        self._vb.addItem(self.overlay)
        # the map's animation clock (play through time): hidden until it plays
        self._cursor = pg.InfiniteLine(angle=90, movable=False,
                                       pen=pg.mkPen("#d81b60", width=2))
        self._cursor.setZValue(50)
        self._cursor.hide()
        self._vb.addItem(self._cursor, ignoreBounds=True)
        self._cursor_us: int | None = None
        self._vscroll = QScrollBar(Qt.Orientation.Vertical)
        self._vscroll.hide()
        self.overview = OverviewStrip()
        follow_widget_palette(self.palette(), (self.plot, self.overview),
                              (self.time_axis, self.lane_axis, self.overview.time_axis,
                               self.overview.getPlotItem().getAxis("left")))

        middle = QHBoxLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.setSpacing(0)
        middle.addWidget(self.plot, 1)
        middle.addWidget(self._vscroll)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(self.toolbar)
        col.addWidget(self.legend)
        col.addLayout(middle, 1)
        col.addWidget(self.overview)

        self.input = TimelineInteraction(self, TimelineParts(  # self: a TimelineHost
            viewbox=self._vb, plot=self.plot, lane_axis=self.lane_axis, overview=self.overview,
            toolbar=self.toolbar, lanes_item=self.lanes_item, overlay=self.overlay))
        self._vb.sigXRangeChanged.connect(self._on_vb_range_changed)
        self._vb.sigYRangeChanged.connect(self._on_vb_range_changed)
        self._vb.sigResized.connect(self._on_vb_resized)
        self._vscroll.valueChanged.connect(self._on_vscroll_value_changed)
        self.toolbar.utc_button.toggled.connect(self._on_utc_toggled)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot.installEventFilter(self)
        self.plot.viewport().installEventFilter(self)  # right-clicks land on the viewport
        self.set_data(TimelineData.empty())

    # -- data ------------------------------------------------------------------------------
    def set_data(self, data: TimelineData, index: LaneIndex | None = None) -> None:
        """Replace the data; keep the visible range if it still overlaps, else fit. No signal.

        ``index`` optionally passes ``LaneIndex(data)`` built by a worker thread: it is pure
        numpy and takes ~1 s for 10^7 events, which the UI thread is then spared.
        """
        data.check()
        prev = self.visible_range() if len(self._data) else None
        fitted = prev is not None and prev == self._full  # "fit all" follows the fuller data
        self._data = data
        self._index = index if index is not None else LaneIndex(data)
        self._ids = IdLookup(data.ids)
        self._lane_index = {lane.key: i for i, lane in enumerate(data.lanes)}
        self._selectable = bool(len(data.ids)) and bool(np.any(data.ids >= 0))
        self._colors = kind_colors(data.kind_names)
        self._layout.set_lanes(data.lanes)
        if len(data):
            first, last = _fitted_span(data)
            self._origin_us = int(data.ts[0])
        else:
            first, last = self._origin_us, self._origin_us + D
        span = max(last - first, MIN_SPAN_US)
        margin = max(span // 20, MIN_SPAN_US)
        self._full = (clamp_us(first - margin), clamp_us(last + margin))
        self.time_axis.set_origin(self._origin_us)
        self.lanes_item.set_content(data, self._index, self._layout, self._origin_us,
                                    self._colors)
        self.overlay.set_context(data, self._layout, self._origin_us)
        self.overview.set_content(self._index, self._colors, self._origin_us, self._full)
        x0, x1 = self._to_x(self._full[0]), self._to_x(self._full[1])
        self._vb.setLimits(xMin=x0, xMax=x1, minXRange=1.0, maxXRange=x1 - x0)
        kinds = np.clip(data.kind.astype(np.int64), 0, len(data.kind_names))
        counts = np.bincount(kinds, minlength=len(data.kind_names) + 1)
        self.legend.set_kinds(data.kind_names, self._colors, counts[:len(data.kind_names)])
        self.lane_axis.set_rows([lane.label for lane in data.lanes], self._layout)
        self.show_lane_selection(self._lane_keys)
        self._apply_rows()
        if (prev is not None and not fitted and prev[1] >= self._full[0]
                and prev[0] <= self._full[1]):
            self._set_range_us(*prev)
        else:
            self._set_range_us(*self._full)
        # The same ids marked again in the new data, without thinned levels (a paint then
        # thins what is in view, as it used to): the app hands thinned marks from a worker
        # right after new data, and building them here would cost the UI thread as much.
        self._marks = selection_marks(data, self._ids, self._marks.ids, thin=False)
        self.overlay.set_marks(self._marks)
        self.show_highlight(self._highlight_id)
        self.show_time_selection(self._time_window)
        self._refresh()

    def set_time_zone(self, zone: str) -> None:
        """Zone of the case: axis labels (unless UTC is on) and tooltips use it."""
        self._zone = zone or "UTC"
        self._apply_utc(self._show_utc)

    def set_show_utc(self, on: bool) -> None:
        """Label the axis in UTC; the caption still gives the case zone and its offset."""
        with QSignalBlocker(self.toolbar.utc_button):
            self.toolbar.utc_button.setChecked(on)
        self._apply_utc(on)

    def set_lane_mode(self, mode: str) -> None:
        """Show ``mode`` in the lane combo without emitting."""
        with QSignalBlocker(self.toolbar.mode_combo):
            self.toolbar.set_mode(mode)

    def set_detail_provider(self, fn: Callable[[int], str] | None) -> None:
        """A plain-text one-liner per event id for tooltips (e.g. the message title)."""
        self._detail_fn = fn

    def refresh_tooltip(self, event_id: int) -> None:
        """The one-liner of ``event_id`` is ready: show the tooltip again if it is still up."""
        self.input.refresh_tooltip(event_id)

    # -- programmatic view changes (never emit) --------------------------------------------
    def show_range(self, start_us: int, end_us: int) -> None:
        """Show ``[start_us, end_us]`` (clamped to the zoom limits)."""
        self._set_range_us(int(start_us), int(end_us))

    def show_cursor(self, ts_us: int | None) -> None:
        """A vertical line at ``ts_us`` (the map's animation clock), kept in view; None hides it.

        When the clock leaves the visible range the view pans to keep it in sight, as a
        playhead does.
        """
        self._cursor_us = ts_us
        if ts_us is None:
            self._cursor.hide()
            return
        self._cursor.setValue(self._to_x(int(ts_us)))
        self._cursor.show()
        start, end = self.visible_range()
        if not start <= ts_us <= end:
            span = end - start
            self._set_range_us(int(ts_us) - span // 10, int(ts_us) - span // 10 + span)

    @property
    def cursor_us(self) -> int | None:
        """Where :meth:`show_cursor` put the line (None: hidden)."""
        return self._cursor_us

    def visible_range(self) -> tuple[int, int]:
        """The visible range in µs UTC."""
        x0, x1 = self._vb.viewRange()[0]
        return self.to_us(x0), self.to_us(x1)

    def fit_all(self) -> None:
        """Show the whole case and request that range (a user action: button or Home)."""
        self._set_range_us(*self._full)
        self.sig_range_requested.emit(self.visible_range())

    def show_selection(self, selection: np.ndarray | SelectionMarks) -> bool:
        """Mark the events with these ids (unknown ids are ignored), or marks made in advance.

        ``SelectionMarks`` come from :meth:`selection_marker`, usually run on a worker: marks
        made for data no longer shown are ignored (False), since their positions index other
        columns; the caller asks again for the new data.
        """
        if isinstance(selection, SelectionMarks):
            if selection.data is not self._data:
                return False
            marks = selection
        else:
            marks = selection_marks(self._data, self._ids, selection)
        self._marks = marks
        self.overlay.set_marks(marks)
        return True

    def selection_lookup_ready(self) -> bool:
        """Whether ids can be placed in the data shown by a search alone.

        False until the first lookup after new data has made its pass over every id
        (~15 ms at 10^7 events; an argsort, ~1 s, when ids do not follow time).
        """
        return self._ids.prepared

    def marked_ids(self) -> np.ndarray:
        """Ids of the events marked as selected, in time order (for tests and scripts)."""
        return self._data.ids[self._marks.positions]

    def selection_marker(self) -> Callable[[np.ndarray], SelectionMarks]:
        """A function making :meth:`show_selection`'s marks of ids for the data shown now.

        It only reads arrays that are never modified, so any thread may call it: at 10^7
        events the marks of a busy actor take tens of milliseconds to find and thin.
        """
        data, lookup = self._data, self._ids
        return lambda ids: selection_marks(data, lookup, ids)

    def show_lane_selection(self, keys: frozenset[str]) -> None:
        """Mark the lanes with these keys (e.g. ``actor:7`` for a selected actor)."""
        index = self._lane_index  # per data: 83,912 actor lanes at 10^7 events
        self._lane_keys = frozenset(keys)
        self.lane_axis.set_marked(frozenset(index[k] for k in keys if k in index))

    def show_time_selection(self, window: tuple[int, int] | None) -> None:
        """Shade a committed time window, or none."""
        self._time_window = None if window is None else (int(window[0]), int(window[1]))
        w = self._time_window
        self.overlay.set_window(None if w is None else (self._to_x(w[0]), self._to_x(w[1])))

    def show_highlight(self, event_id: int | None) -> None:
        """Ring one event (hovered elsewhere in the app), or none."""
        self._highlight_id = event_id
        pos = self._ids.positions(np.array([event_id])) if event_id is not None else []
        self.overlay.set_highlight(int(pos[0]) if len(pos) else None)

    def render_stats(self) -> dict[str, object]:
        """What the current frame holds, for benchmarks and tests.

        ``mode`` is "aggregate" when any lane with events is drawn as count bars, else
        "detail"; ``items_drawn`` counts bars plus event markers prepared for the frame (which
        spans three visible widths so that panning reuses it; paint() draws the visible
        part); ``bins`` is the frame's bin count; ``visible_events`` counts events whose
        ``ts`` is in the visible range, over all lanes. Extra keys: ``markers``,
        ``detail_lanes``, ``aggregate_lanes``, ``bin_us``.
        """
        stats = self.lanes_item.stats()
        start, end = self.visible_range()
        groups = np.arange(self._index.n_groups)
        stats["visible_events"] = self._index.count_between(groups, start, end + 1)
        return stats

    # -- lanes (view-local state, no signal) -----------------------------------------------
    def lane_order(self) -> tuple[str, ...]:
        """Lane keys, top to bottom."""
        return self._layout.keys()

    def lane_labels(self) -> list[str]:
        """Lane labels exactly as drawn (plain text), top to bottom."""
        return self.lane_axis.shown_labels()

    def move_lane(self, key: str, delta: int) -> None:
        """Move a lane up (negative) or down."""
        if self._layout.move(key, delta):
            self._relayout()

    def set_lane_collapsed(self, key: str, collapsed: bool) -> None:
        """Collapse a lane to a thin row, or expand it."""
        self._layout.set_collapsed(key, collapsed)
        self._relayout()

    def is_lane_collapsed(self, key: str) -> bool:
        """Whether a lane is collapsed."""
        return self._layout.is_collapsed(key)

    def expand_all_lanes(self) -> None:
        """Open every collapsed lane."""
        self._layout.expand_all()
        self._relayout()

    def set_hide_empty_lanes(self, on: bool) -> None:
        """Leave out the lanes with no event in the visible range (they return as you pan)."""
        self._hide_empty = bool(on)
        if not on and self._layout.set_hidden(frozenset()):
            self._relayout()
        else:
            self._refresh()

    def hide_empty_lanes(self) -> bool:
        """Whether lanes without events in view are left out."""
        return self._hide_empty

    def _hide_lanes_empty_in(self, start: int, end: int) -> bool:
        """Update which lanes are hidden for the range ``[start, end]``; True if it changed.

        A lane counts as empty when no event of it starts in the range and none of its bars
        or whiskers reaches into it (each group's longest reach widens the range both ways:
        an interval that began before, a whisker of an event after).
        """
        index = self._index
        empty = set()
        for lane_no, lane in enumerate(self._data.lanes):
            groups = index.lane_groups(lane_no)
            if not any(index.count_between([g], start - int(index.g_reach[g]),
                                           end + 1 + int(index.g_reach[g]))
                       for g in groups):
                empty.add(lane.key)
        return self._layout.set_hidden(frozenset(empty))

    def scroll_lanes(self, rows: float) -> None:
        """Scroll the lanes by ``rows`` (when there are more than fit)."""
        self._scroll += rows
        self._apply_rows()

    # -- read by TimelineInteraction (the TimelineHost protocol) ---------------------------
    @property
    def data(self) -> TimelineData:
        """The data shown."""
        return self._data

    @property
    def index(self) -> LaneIndex:
        """The pre-split events."""
        return self._index

    @property
    def layout_rows(self) -> LaneLayout:
        """Row order and heights."""
        return self._layout

    @property
    def selectable(self) -> bool:
        """False while ids are not loaded (all -1): clicks then select nothing."""
        return self._selectable

    @property
    def zone_name(self) -> str:
        """The zone times are shown in: the case zone (tooltips add UTC), or UTC when on."""
        return "UTC" if self._show_utc else self._zone

    @property
    def detail_provider(self) -> Callable[[int], str] | None:
        """The app's one-liner for an event id, if any."""
        return self._detail_fn

    @property
    def time_window(self) -> tuple[int, int] | None:
        """The shaded time selection, as last shown."""
        return self._time_window

    def plot_width_px(self) -> float:
        """Width of the plotting area in pixels."""
        return max(float(self._vb.width()), 1.0)

    def _to_x(self, t_us: int) -> float:
        return (int(t_us) - self._origin_us) * 1e-6

    def to_us(self, x: float) -> int:
        """View x (seconds since origin) to µs UTC."""
        return clamp_us(self._origin_us + round(x * 1e6))

    def _set_range_us(self, start_us: int, end_us: int) -> None:
        if end_us <= start_us:
            end_us = start_us + S
        # sigXRangeChanged (emitted synchronously when the range moves) runs _refresh
        self._vb.setXRange(self._to_x(start_us), self._to_x(end_us), padding=0.0)

    def set_range_x(self, x0: float, x1: float) -> None:
        """Set the visible x range (seconds since origin); the caller decides about signals."""
        self._set_range_us(self.to_us(min(x0, x1)), self.to_us(max(x0, x1)))

    def _relayout(self) -> None:
        self.lane_axis.update()
        self.lanes_item.invalidate()
        self.overlay.relayout()
        self._apply_rows()
        self._refresh()

    def _apply_rows(self) -> None:
        """Fit rows to the height (24–64 px each); scroll when they do not fit."""
        h_px = max(float(self._vb.height()), 1.0)
        total = max(self._layout.total, 1.0)
        row_px = min(max(h_px / total, MIN_ROW_PX), MAX_ROW_PX)
        units = h_px / row_px
        max_scroll = max(0.0, total - units)
        self._scroll = min(max(self._scroll, 0.0), max_scroll)
        with QSignalBlocker(self._vscroll):
            self._vscroll.setRange(0, round(max_scroll * 100))
            self._vscroll.setPageStep(max(int(units * 100), 1))
            self._vscroll.setSingleStep(100)
            self._vscroll.setValue(round(self._scroll * 100))
        self._vscroll.setVisible(max_scroll > 0)
        self._vb.setYRange(self._scroll, self._scroll + units, padding=0.0)

    def _refresh(self) -> None:
        """Bring the frame, the overview window and the caption up to date with the view."""
        (x0, x1), (y0, y1) = self._vb.viewRange()
        start, end = self.to_us(x0), self.to_us(x1)
        if self._hide_empty and self._hide_lanes_empty_in(start, end):
            self._relayout()  # rows changed: this runs _refresh again, with the same lanes
            return
        margin = y1 - y0
        lanes = self._layout.lanes_in(y0 - margin, y1 + margin)
        self.lanes_item.update_view(start, end, self.plot_width_px(), lanes)
        self.overview.set_window(x0, x1)
        set_plain(self.toolbar.caption, zone_caption(start, end, self._zone, self._show_utc))

    def _apply_utc(self, on: bool) -> None:
        self._show_utc = bool(on)
        zone = "UTC" if self._show_utc else self._zone
        self.time_axis.set_zone(zone)
        self.overview.time_axis.set_zone(zone)
        start, end = self.visible_range()
        set_plain(self.toolbar.caption, zone_caption(start, end, self._zone, self._show_utc))

    # -- Qt handlers -----------------------------------------------------------------------
    def _on_utc_toggled(self, on: bool) -> None:
        self._apply_utc(on)
        self.sig_show_utc_requested.emit(bool(on))  # every other view follows (app state)

    def _on_vb_range_changed(self, *args: object) -> None:
        # Update the view transform now: pyqtgraph would do it while painting, and changing
        # it mid-paint schedules a second paint of every frame (measured: 2 paints per step,
        # whether the range came from a script, the wheel, a drag or the keys).
        self._vb.prepareForPaint()
        self._refresh()

    def _on_vb_resized(self, *args: object) -> None:
        self._apply_rows()
        self._refresh()

    def _on_vscroll_value_changed(self, value: int) -> None:
        self._scroll = value / 100.0
        self._apply_rows()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keys pressed while the plot has focus are timeline keys."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self.input.handle_key(event)
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            return self._event_menu(event)
        return super().eventFilter(watched, event)

    def _event_menu(self, event: QContextMenuEvent) -> bool:
        """Right-click on an event: tag it or add a note (the app asks for the words)."""
        scene = self.plot.mapToScene(event.pos())  # the event is the plot viewport's
        _key, event_id, _text = self.input.hover_at(self._vb.mapSceneToView(scene))
        if event_id is None:
            return False
        menu = QMenu(self)
        menu.addAction(f"Tag event {event_id}…").triggered.connect(
            lambda: self.sig_annotate_requested.emit("event", event_id, "tag"))
        menu.addAction(f"Add a note to event {event_id}…").triggered.connect(
            lambda: self.sig_annotate_requested.emit("event", event_id, "note"))
        menu.popup(event.globalPos())
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keys pressed while the widget itself has focus."""
        if not self.input.handle_key(event):
            super().keyPressEvent(event)


BOUNDS_REACH_US = 400 * D
"""How far "fit all" reaches past the first and last instants to show their uncertainty or
duration (a scrape known only to the month, a round): a bogus bound in year 9999 must not
make the case a sliver."""


def _fitted_span(data: TimelineData) -> tuple[int, int]:
    """The span "fit all" shows: every instant, with its bounds and end (within reach).

    A case whose events are all "July 2017" (one instant, month precision) then opens on
    July, not on a minute around midnight.
    """
    first, last = int(data.ts[0]), int(data.ts[-1])
    reach = max(last - first, BOUNDS_REACH_US)
    lo = int(data.lo.min()) if len(data.lo) else first
    hi = max(int(data.hi.max()), int(data.end.max())) if len(data.hi) else last
    return max(min(first, lo), first - reach), min(max(last, hi), last + reach)

