"""The state hub every view follows: selection, highlight, filters, visible time window.

One ``AppState`` per window. Four independent fields, one signal each, emitted only on a
real change: a view that pushes back the value it was just given causes no signal, so no
feedback loop is possible. ``with state.batch():`` merges several changes into one emission
per field (e.g. a deep link that sets a range *and* a selection).

Views never hold ``AppState``; the main window and controllers connect them.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from resources.entities import ENTITY_KINDS, EntityKind, EntityRef, Filters

__all__ = ["ENTITY_KINDS", "AppState", "EntityRef", "Filters", "RefKind", "TimeWindow"]

if TYPE_CHECKING:
    from collections.abc import Iterator

# The shared words live in the leaf module resources.entities; the hub re-exports them.
RefKind = EntityKind


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A half-open interval of UTC microseconds ``[start, end)``; ``end > start``."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a time window must end after it starts")

    @property
    def span(self) -> int:
        """Length in microseconds."""
        return self.end - self.start


class AppState(QObject):
    """Selection, highlight, filters and the visible/selected time windows."""

    sig_selection_changed = Signal(object)  # frozenset[EntityRef]
    sig_highlight_changed = Signal(object)  # EntityRef | None
    sig_filters_changed = Signal(object)  # Filters
    sig_view_window_changed = Signal(object)  # TimeWindow | None: what the timeline shows
    sig_time_selection_changed = Signal(object)  # TimeWindow | None: a range the user picked
    sig_show_utc_changed = Signal(bool)  # every view shows times in UTC instead of the case zone
    sig_clock_changed = Signal(object)  # int µs UTC | None: the animation's time (play)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._selection: frozenset[EntityRef] = frozenset()
        self._highlight: EntityRef | None = None
        self._filters = Filters()
        self._view_window: TimeWindow | None = None
        self._time_selection: TimeWindow | None = None
        self._show_utc = False
        self._clock: int | None = None
        self._batch_depth = 0
        self._pending: dict[str, object] = {}

    # -- reads ------------------------------------------------------------------------------
    @property
    def selection(self) -> frozenset[EntityRef]:
        """Committed selection."""
        return self._selection

    @property
    def highlight(self) -> EntityRef | None:
        """What the pointer hovers (cheap to change; views must not query on it)."""
        return self._highlight

    @property
    def filters(self) -> Filters:
        """Active filters."""
        return self._filters

    @property
    def view_window(self) -> TimeWindow | None:
        """The visible time range of the timeline."""
        return self._view_window

    @property
    def time_selection(self) -> TimeWindow | None:
        """The time range the user selected (drag on the timeline), if any."""
        return self._time_selection

    @property
    def show_utc(self) -> bool:
        """Whether times are shown in UTC rather than the case zone.

        A viewing choice, not case state: it survives opening another case.
        """
        return self._show_utc

    # -- writes (emit only on a real change) -------------------------------------------------
    def set_selection(self, refs: frozenset[EntityRef]) -> None:
        """Replace the selection."""
        refs = frozenset(refs)
        if refs != self._selection:
            self._selection = refs
            self._emit("selection", refs)

    def set_highlight(self, ref: EntityRef | None) -> None:
        """Replace the hover highlight."""
        if ref != self._highlight:
            self._highlight = ref
            self._emit("highlight", ref)

    def set_filters(self, filters: Filters) -> None:
        """Replace the filters."""
        if filters != self._filters:
            self._filters = filters
            self._emit("filters", filters)

    def set_view_window(self, window: TimeWindow | None) -> None:
        """Replace the visible time window."""
        if window != self._view_window:
            self._view_window = window
            self._emit("view_window", window)

    def set_time_selection(self, window: TimeWindow | None) -> None:
        """Replace the selected time range."""
        if window != self._time_selection:
            self._time_selection = window
            self._emit("time_selection", window)

    def set_show_utc(self, on: bool) -> None:
        """Show times in UTC (True) or in the case zone with its offset (False)."""
        if bool(on) != self._show_utc:
            self._show_utc = bool(on)
            self._emit("show_utc", self._show_utc)

    @property
    def clock(self) -> int | None:
        """The time the animation shows (µs UTC), None when nothing plays."""
        return self._clock

    def set_clock(self, ts_us: int | None) -> None:
        """Move the animation's clock (the map plays, the timeline's cursor follows)."""
        value = None if ts_us is None else int(ts_us)
        if value != self._clock:
            self._clock = value
            self._emit("clock", value)

    def reset(self) -> None:
        """Forget everything (a new case was opened)."""
        with self.batch():
            self.set_clock(None)
            self.set_selection(frozenset())
            self.set_highlight(None)
            self.set_filters(Filters())
            self.set_view_window(None)
            self.set_time_selection(None)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Merge the changes made inside into at most one signal per field."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                pending, self._pending = self._pending, {}
                for name, value in pending.items():
                    self._signal(name).emit(value)

    def _emit(self, name: str, value: object) -> None:
        if self._batch_depth:
            self._pending[name] = value
        else:
            self._signal(name).emit(value)

    def _signal(self, name: str) -> Signal:
        return getattr(self, f"sig_{name}_changed")  # type: ignore[no-any-return]
