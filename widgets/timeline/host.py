"""What the timeline's input handlers get from the view, named instead of reached for.

:class:`~widgets.timeline.interaction.TimelineInteraction` turns gestures into the view's
``sig_*_requested`` signals. It is handed two things, so that it never imports
:mod:`widgets.timeline.view` nor reads the view's private attributes:

* :class:`TimelineParts`, the Qt pieces it hooks its handlers into (once, at construction) and
  draws feedback on (drag band, tooltips);
* a :class:`TimelineHost`: the view's state as it is now, the few view actions a gesture
  triggers, and the signals a gesture emits. ``TimelineView`` satisfies it structurally, and a
  test checks that it does and that the interaction uses nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QGraphicsView

    from widgets.timeline.binning import LaneIndex
    from widgets.timeline.data import TimelineData
    from widgets.timeline.lane_axis import LaneAxisItem
    from widgets.timeline.lanes_item import LanesItem
    from widgets.timeline.overlay_item import OverlayItem
    from widgets.timeline.overview_strip import OverviewStrip
    from widgets.timeline.rows import LaneLayout
    from widgets.timeline.toolbar import TimelineToolbar
    from widgets.timeline.viewbox import TimelineViewBox


@dataclass(frozen=True, slots=True)
class TimelineParts:
    """The view's pieces the input handlers attach to; they live as long as the view."""

    viewbox: TimelineViewBox
    """Clicks, hover, range drags, Shift+wheel and manual pan/zoom come from here."""
    plot: QGraphicsView
    """The plot widget: tooltips are shown over its viewport."""
    lane_axis: LaneAxisItem
    overview: OverviewStrip
    toolbar: TimelineToolbar
    lanes_item: LanesItem
    """The current frame (what a click or hover hits)."""
    overlay: OverlayItem
    """Where the band of a range being dragged is drawn."""


@runtime_checkable
class TimelineHost(Protocol):
    """The view as the input handlers see it: current state, actions, request signals.

    Times are int64 µs UTC; x is the plot's coordinate (seconds since the data's origin).
    """

    # -- signals a gesture emits (see TimelineView's docstring for their arguments) ----------
    @property
    def sig_range_requested(self) -> SignalInstance: ...
    @property
    def sig_selection_requested(self) -> SignalInstance: ...
    @property
    def sig_time_selection_requested(self) -> SignalInstance: ...
    @property
    def sig_hover_requested(self) -> SignalInstance: ...
    @property
    def sig_lane_mode_requested(self) -> SignalInstance: ...

    # -- state, read when a gesture happens ----------------------------------------------
    @property
    def data(self) -> TimelineData:
        """The data shown."""
        ...

    @property
    def index(self) -> LaneIndex:
        """The data's events split by lane and kind."""
        ...

    @property
    def layout_rows(self) -> LaneLayout:
        """Row order and heights (which lane is at a y)."""
        ...

    @property
    def selectable(self) -> bool:
        """False while ids are not loaded: clicks then select nothing."""
        ...

    @property
    def zone_name(self) -> str:
        """The zone tooltips show times in."""
        ...

    @property
    def detail_provider(self) -> Callable[[int], str] | None:
        """The app's one-liner for an event id, if any."""
        ...

    @property
    def time_window(self) -> tuple[int, int] | None:
        """The shaded time selection, as last shown."""
        ...

    def plot_width_px(self) -> float:
        """Width of the plotting area in pixels (≥ 1)."""
        ...

    def to_us(self, x: float) -> int:
        """Plot x to µs UTC."""
        ...

    def visible_range(self) -> tuple[int, int]:
        """The visible range in µs UTC."""
        ...

    # -- actions a gesture triggers (none of them emits, except fit_all) -------------------
    def show_range(self, start_us: int, end_us: int) -> None:
        """Show a range, without emitting."""
        ...

    def set_range_x(self, x0: float, x1: float) -> None:
        """Show a range given in plot x, without emitting."""
        ...

    def fit_all(self) -> None:
        """Show the whole case and emit ``sig_range_requested`` (the user's "fit")."""
        ...

    def scroll_lanes(self, rows: float) -> None:
        """Scroll the lanes by ``rows``."""
        ...

    def move_lane(self, key: str, delta: int) -> None:
        """Move a lane up (negative) or down."""
        ...

    def set_lane_collapsed(self, key: str, collapsed: bool) -> None:
        """Collapse or expand a lane."""
        ...

    def is_lane_collapsed(self, key: str) -> bool:
        """Whether a lane is collapsed."""
        ...

    def expand_all_lanes(self) -> None:
        """Open every collapsed lane."""
        ...
