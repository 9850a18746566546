"""Keeps the filter bar in step with the state hub and the case's events.

The bar requests filters; the state holds them; :class:`~app.controllers.case_events.
CaseEvents` recomputes the views, and the bar then shows how many events they list (the
selected time range included) and any note on how the search went.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from app.controllers.annotations import Annotations
    from app.controllers.case_events import CaseEvents, EventViews
    from app.controllers.event_set import EventSet
    from app.state import AppState, Filters
    from widgets.filter_bar import FilterBar


class FilterBarController(QObject):
    """Connects one ``FilterBar`` to ``AppState`` and ``CaseEvents``."""

    def __init__(self, view: FilterBar, state: AppState, events: CaseEvents,
                 annotations: Annotations | None = None) -> None:
        super().__init__(view)
        self._view = view
        self._annotations = annotations
        if annotations is not None:
            annotations.sig_changed.connect(self._on_annotations_changed)
        self._state = state
        self._events = events
        view.sig_filters_requested.connect(state.set_filters)
        state.sig_filters_changed.connect(self._on_state_filters_changed)
        events.sig_events_loaded.connect(self._on_events_loaded)
        events.sig_pending.connect(view.show_pending)
        events.sig_views_changed.connect(self._on_events_views_changed)
        events.sig_view_failed.connect(self._on_events_view_failed)

    def refresh_tags(self) -> None:
        """The Tags drop-down lists the user's tags in this case."""
        self._view.set_tags([] if self._annotations is None else self._annotations.all_tags())

    def _on_annotations_changed(self, _ref: object) -> None:
        self.refresh_tags()
        if self._state.filters.tags:  # a tag filter keeps other events now
            self._events.recompute()

    def _on_events_loaded(self, events: EventSet) -> None:
        self.refresh_tags()
        self._view.set_choices(
            events.kind_counts(),
            sorted(events.actor_names.items(), key=lambda kv: kv[1].casefold()),
            sorted(events.platform_names.items(), key=lambda kv: kv[1].casefold()),
        )

    def _on_state_filters_changed(self, filters: Filters) -> None:
        self._view.show_filters(filters)

    def _on_events_views_changed(self, views: EventViews) -> None:
        events = self._events.events
        if events is not None:
            self._view.show_result_count(len(views.table_rows), len(events))
        self._view.show_note(views.note)

    def _on_events_view_failed(self, line: str) -> None:
        events, views = self._events.events, self._events.views
        if events is not None and views is not None:
            self._view.show_result_count(len(views.table_rows), len(events))
        self._view.show_note(line)
