"""Keeps the timeline in step with the state hub and the case's events.

The timeline asks (``sig_*_requested``); this controller turns that into state changes, and
state changes and new event views into ``show_*``/``set_*`` calls, which never emit. The
hover line of a tooltip is read on a worker and cached: the tooltip says "…" until it comes.

A selection's events come from ``RecordLinks`` (on a worker unless at hand) and their marks
(places in the data, thinned for drawing) are made on a worker unless there are few
(:data:`AT_ONCE_IDS`) and the view can place them by a search alone: at 10^7 events the 376,270
of one actor took ~0.1 s of the UI thread per click. Until they come the previous marks stay,
as they always did for records read from the case; a newer selection, or new data, drops them
(``SelectionJob``, and marks made for other data are not shown).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject

from app.controllers import record_links
from app.controllers.record_links import SelectionJob
from app.state import EntityRef, TimeWindow
from app.workers import LatestOnly
from storage.reads.event_queries import read_event_detail

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.controllers.annotations import Annotations
    from app.controllers.case_events import CaseEvents, EventViews
    from app.controllers.record_links import RecordLinks
    from app.session import CaseSession
    from app.state import AppState
    from app.workers import Runner, TaskContext
    from storage.reads.overview import CaseOverview
    from widgets.timeline import TimelineData, TimelineView
    from widgets.timeline.binning import LaneIndex
    from widgets.timeline.selection import SelectionMarks

HOVER_CACHE = 512
AT_ONCE_IDS = 2_000
"""Up to this many ids are marked on the UI thread (well under a millisecond)."""


class TimelineController(QObject):
    """Connects one ``TimelineView`` to ``AppState``, ``CaseEvents`` and ``RecordLinks``."""

    def __init__(self, view: TimelineView, state: AppState, session: CaseSession,
                 events: CaseEvents, links: RecordLinks, runner: Runner,
                 annotations: Annotations | None = None) -> None:
        super().__init__(view)
        self._view = view
        self._annotations = annotations
        self._state = state
        self._session = session
        self._events = events
        self._links = links
        self._selection_job: SelectionJob[SelectionMarks] = SelectionJob(runner, self)
        self._hover_job: LatestOnly[tuple[int, str]] = LatestOnly(runner)
        self._hover: dict[int, str] = {}
        v, st, ev = view, state, events
        v.sig_range_requested.connect(self._on_view_range_requested)
        v.sig_selection_requested.connect(st.set_selection)
        v.sig_time_selection_requested.connect(self._on_view_time_selection_requested)
        v.sig_hover_requested.connect(self._on_view_hover_requested)
        v.sig_lane_mode_requested.connect(ev.set_lane_mode)
        v.sig_show_utc_requested.connect(st.set_show_utc)
        st.sig_selection_changed.connect(self._on_state_selection_changed)
        st.sig_highlight_changed.connect(self._on_state_highlight_changed)
        st.sig_view_window_changed.connect(self._on_state_view_window_changed)
        st.sig_time_selection_changed.connect(self._on_state_time_selection_changed)
        st.sig_show_utc_changed.connect(v.set_show_utc)
        st.sig_clock_changed.connect(v.show_cursor)
        session.sig_opened.connect(self._on_session_opened)
        ev.sig_first_paint.connect(self._on_events_first_paint)
        ev.sig_views_changed.connect(self._on_events_views_changed)
        ev.sig_loaded.connect(self._on_events_loaded)
        ev.sig_reset.connect(self._on_events_reset)
        if annotations is not None:
            annotations.sig_marks_changed.connect(self._hover.clear)

    # -- case and events → view -------------------------------------------------------------
    def _on_session_opened(self, overview: CaseOverview) -> None:
        self._view.set_time_zone(overview.time_zone)
        self._view.set_detail_provider(self._hover_line)

    def _on_events_first_paint(self, data: TimelineData, index: LaneIndex, _total: int) -> None:
        self._view.set_data(data, index)
        self._show_state_window()

    def _on_events_views_changed(self, views: EventViews) -> None:
        self._view.set_data(views.timeline, views.index)
        self._on_state_selection_changed(self._state.selection)

    def _on_events_loaded(self) -> None:
        self._show_state_window()

    def _on_events_reset(self) -> None:
        from widgets.timeline import TimelineData

        self._selection_job.cancel()
        self._hover_job.cancel()
        self._hover.clear()
        self._view.set_data(TimelineData.empty())

    def _show_state_window(self) -> None:
        """A deep link or a script may have asked for a range before the data came."""
        window = self._state.view_window
        if window is not None:
            self._view.show_range(window.start, window.end)

    # -- the tooltip's one-liner, read on a worker ------------------------------------------
    def _hover_line(self, event_id: int) -> str:
        """The event's title and actor if read already; else start reading it, say "…".

        The user's tags and notes on the event and on its actor follow on lines of their own.
        """
        if event_id in self._hover:
            return self._hover[event_id] + self._marks_of(event_id)
        source = self._session.source
        if source is None:
            return ""

        def task(ctx: TaskContext) -> tuple[int, str]:
            con = source.connect()
            try:
                detail = read_event_detail(con, event_id)
            finally:
                con.close()
            if detail is None:
                return event_id, ""
            who = f" — {detail.actor}" if detail.actor else ""
            return event_id, f"{detail.title}{who}"

        def done(result: tuple[int, str]) -> None:
            ident, line = result
            if len(self._hover) >= HOVER_CACHE:
                self._hover.pop(next(iter(self._hover)))
            self._hover[ident] = line
            self._view.refresh_tooltip(ident)

        self._hover_job.request(task, done, lambda _exc: None)
        return "…" + self._marks_of(event_id)

    def _marks_of(self, event_id: int) -> str:
        if self._annotations is None:
            return ""
        lines = []
        own = self._annotations.marks("event").get(event_id)
        if own:
            lines.append(f"Tags: {own}")
        events = self._events.events
        if events is not None:
            rows = events.rows_in_order(np.asarray([event_id], dtype=np.int64))
            actor = int(events.columns.actor[rows[0]]) if len(rows) else -1
            theirs = self._annotations.marks("actor").get(actor) if actor >= 0 else None
            if theirs:
                lines.append(f"Actor's tags: {theirs}")
        return "".join(f"\n{line}" for line in lines)

    # -- view intent → state ----------------------------------------------------------------
    def _on_view_range_requested(self, window: tuple[int, int]) -> None:
        start, end = window
        if end > start:
            self._state.set_view_window(TimeWindow(int(start), int(end)))


    def _on_view_time_selection_requested(self, window: tuple[int, int] | None) -> None:
        if window is None or window[1] <= window[0]:
            self._state.set_time_selection(None)
        else:
            self._state.set_time_selection(TimeWindow(int(window[0]), int(window[1])))

    def _on_view_hover_requested(self, event_id: int | None) -> None:
        self._state.set_highlight(None if event_id is None else EntityRef("event", int(event_id)))

    # -- state → view -----------------------------------------------------------------------
    def _on_state_selection_changed(self, refs: frozenset[EntityRef]) -> None:
        # An actor's (or a platform's) own lane when lanes are grouped by them
        self._view.show_lane_selection(frozenset(
            f"{r.kind}:{r.id}" for r in refs if r.kind in ("actor", "platform")))
        self._selection_job.cancel()  # marks on their way for an older selection or data
        # at once when at hand and few; else found (from memory) and placed on a worker
        self._links.answer(refs, lambda ids: self._show_selection(refs, ids),
                           self._mark_on_worker)

    def _show_selection(self, refs: frozenset[EntityRef], ids: np.ndarray) -> None:
        """Mark ``ids``: at once when few, else made on a worker for the data shown now."""
        if refs != self._state.selection:
            return  # the selection moved on while its events were read
        view = self._view
        if len(ids) <= AT_ONCE_IDS and (view.selection_lookup_ready()
                                        or len(view.data) <= record_links.AT_ONCE_EVENTS):
            view.show_selection(ids)
        else:
            self._mark_on_worker(lambda _con: ids)

    def _mark_on_worker(self, resolve: Callable[[object | None], np.ndarray]) -> None:
        mark = self._view.selection_marker()

        def failed(_exc: BaseException) -> None:
            self._view.show_selection(np.empty(0, dtype=np.int64))

        self._selection_job.request(lambda _ctx: mark(resolve(None)), self._view.show_selection,
                                    failed)

    def _on_state_highlight_changed(self, ref: EntityRef | None) -> None:
        self._view.show_highlight(ref.id if ref is not None and ref.kind == "event" else None)

    def _on_state_view_window_changed(self, window: TimeWindow | None) -> None:
        if window is not None and self._view.visible_range() != (window.start, window.end):
            self._view.show_range(window.start, window.end)

    def _on_state_time_selection_changed(self, window: TimeWindow | None) -> None:
        self._view.show_time_selection(None if window is None else (window.start, window.end))
