"""The open case's events, loaded and filtered on workers, for every view that shows events.

Loading happens in two steps so the timeline paints as early as possible: first the sorted
times per kind (a covering-index scan, about as fast as reading the bare time column), then
every column. Each change of the filters, the text search, the selected time range or the
lane grouping recomputes what the views show on a worker; only the newest request's result
is delivered (``LatestOnly``). The view controllers (timeline, table, inspector, filter bar)
listen to the signals here and never read the case themselves for this.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.controllers.event_set import IN_MEMORY_KINDS, EventSet, timeline_from_kind_times
from app.failures import exit_code, log_failure, one_line
from app.memory import release_free_memory
from app.workers import Beside, LatestOnly
from storage.case.fts import fts_answers
from storage.case.search_terms import SearchTerms
from storage.reads import column_cache
from storage.reads.event_queries import (
    events_citing,
    read_names,
    record_exists,
    search_events,
)
from storage.reads.events import read_event_columns, read_kind_times
from widgets.timeline.binning import LaneIndex

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.session import CaseSession
    from app.state import AppState, EntityRef
    from app.workers import Runner, TaskContext
    from storage.case.opener import CaseSource
    from storage.case.text_hits import TextHits
    from storage.reads.overview import CaseOverview
    from widgets.timeline import TimelineData

log = logging.getLogger(__name__)
CACHE_FROM_EVENTS = 100_000
"""Cases with at least this many events keep their columns in the user's cache (smaller ones
read in a fraction of a second anyway)."""
TEXT_CACHE = 8
"""Searches whose hits are kept, so that going back to a recent query costs nothing."""
FIRST_PAINT = "evidence.first_paint"


@dataclass(frozen=True, slots=True, eq=False)
class EventViews:
    """What one filter/lane computation produces for the views.

    ``rows`` pass the filters; ``table_rows`` are those also inside the selected time range
    (what the table lists and the count says); ``passing`` is a mask of ``rows`` over all
    events, or None when nothing is filtered; ``note`` says why the search went another way.
    """

    timeline: TimelineData
    index: LaneIndex
    table_rows: np.ndarray
    passing: np.ndarray | None
    note: str | None


_FirstPaint = tuple["TimelineData", LaneIndex, list[tuple[str, int]]]


def _read_first_paint(source: CaseSource, ctx: TaskContext) -> _FirstPaint:
    """Sorted times per kind, and their lane index: a first timeline, ready to draw.

    About as fast as reading the bare time column; it needs no count or overview first, so
    the session runs it beside the overview and the integrity check.
    """
    con = source.connect()
    try:
        times = read_kind_times(con, None, ctx.progress, ctx.cancelled)
    finally:
        con.close()
    data = timeline_from_kind_times(times)
    return data, LaneIndex(data), [(k, len(v)) for k, v in times.items()]


def _search(con: object, text: str, has_fts: bool, summary: list[SearchTerms | None],
            fts_state: list[str | None]) -> TextHits:
    """Search ``text``; the first search checks the index answers (``fts_answers``).

    ``summary`` and ``fts_state`` are per-case memos, filled here once.
    """
    if has_fts and not fts_state:
        try:
            ok = fts_answers(con.cursor())  # type: ignore[attr-defined]
        except Exception as exc:  # any failure of the probe means the same: don't trust it
            ok, why = False, one_line(exc)
        else:
            why = "it finds none of the events it should"
        fts_state.append(None if ok else f"the full-text index is damaged ({why}); "
                                         "searched by a plain scan instead")
    broken = fts_state[0] if fts_state else None
    if has_fts and broken is None and not summary:
        summary.append(SearchTerms.of(con))
    terms = summary[0] if summary else None
    hits = search_events(con, text, has_fts=has_fts and broken is None, terms=terms)
    return replace(hits, note=broken) if broken is not None else hits


class CaseEvents(QObject):
    """The loaded ``EventSet`` of the open case and the filtered views of it.

    Signals
    -------
    sig_first_paint(object, object, int)
        A first timeline (``TimelineData``, its ``LaneIndex``) and the number of events.
    sig_progress(float)
        The full read's progress, 0..1.
    sig_events_loaded(object)
        The ``EventSet`` with every column (filter choices, names).
    sig_views_changed(object)
        New ``EventViews`` after the filters, the range or the lanes changed.
    sig_pending(bool)
        A recomputation started; True when it has to search the text first.
    sig_view_failed(str)
        A recomputation or a sort failed (one line); the views keep what they show.
    sig_loaded()
        Every view holds every event (screenshots wait for it).
    sig_failed(str, int)
        One line for the user, and the exit code it means for a screenshot.
    sig_reset()
        The case closed or another one is opening: views show nothing.
    """

    sig_first_paint = Signal(object, object, int)
    sig_progress = Signal(float)
    sig_events_loaded = Signal(object)
    sig_views_changed = Signal(object)
    sig_pending = Signal(bool)
    sig_loaded = Signal()
    sig_failed = Signal(str, int)
    sig_view_failed = Signal(str)
    sig_reset = Signal()

    def __init__(self, state: AppState, session: CaseSession, runner: Runner) -> None:
        super().__init__(session)
        self._state = state
        self._session = session
        self._load = LatestOnly(runner)
        self._compute = LatestOnly(runner)
        self.events: EventSet | None = None
        self.views: EventViews | None = None
        self.source: CaseSource | None = None
        self.zone = "UTC"
        self.lane_mode = "kind"
        self.loaded = False
        self._text_hits: dict[str, TextHits] = {}  # a few recent searches, newest last
        self._search_terms: list[SearchTerms | None] = []  # the case's summary, once looked up
        self._fts_state: list[str | None] = []  # once checked: None, or why it is not used
        self._tagged: Callable[[frozenset[str]], list[tuple[str, int]]] | None = None
        session.add_preload(FIRST_PAINT, _read_first_paint)
        session.sig_opened.connect(self._on_session_opened)
        session.sig_closed.connect(self._reset)
        state.sig_filters_changed.connect(self.recompute)
        state.sig_time_selection_changed.connect(self.recompute)

    # -- questions the views' controllers ask ------------------------------------------------
    @property
    def display_zone(self) -> str:
        """The zone every view shows times in: the case zone, or UTC when the user asks."""
        return "UTC" if self._state.show_utc else self.zone

    def ref_exists(self, ref: EntityRef) -> bool:
        """Whether the open case has the record ``ref`` names (deep links check this)."""
        source = self.source
        if source is None:
            return False
        con = source.connect()
        try:
            return record_exists(con, ref.kind, ref.id)
        finally:
            con.close()

    def set_tag_lookup(self, fn: Callable[[frozenset[str]], list[tuple[str, int]]]) -> None:
        """Where the records carrying a tag are found (the user's notes store)."""
        self._tagged = fn

    def set_lane_mode(self, mode: str) -> None:
        """Group the timeline's lanes by ``kind``, ``kind-all``, ``actor`` or ``platform``."""
        if mode != self.lane_mode:
            self.lane_mode = mode
            self.recompute()

    # -- loading ----------------------------------------------------------------------------
    def _on_session_opened(self, overview: CaseOverview) -> None:
        source = self._session.source
        if source is None:
            return
        self._reset()
        self.source = source
        self.zone = overview.time_zone
        early = self._session.take_preloaded(FIRST_PAINT)
        if isinstance(early, tuple):
            self._on_first_loaded(early)
            return
        if isinstance(early, BaseException):
            log.warning("early read failed, reading again: %s", one_line(early))
        self._load.request(lambda ctx: _read_first_paint(source, ctx),
                           self._on_first_loaded, self._on_load_failed)

    def _on_first_loaded(self, result: _FirstPaint) -> None:
        data, index, kinds = result
        total = sum(n for _, n in kinds)  # the timeline leaves out times it cannot place
        self.sig_first_paint.emit(data, index, total)
        release_free_memory()  # the opening threads' scratch memory (after the first picture)
        source = self.source
        assert source is not None
        kind_names = [k for k, _ in kinds]
        path = source.path if source.is_sqlite else None  # the evidence file, for the cache
        zone = self.zone

        def full(ctx: TaskContext) -> EventSet:
            columns = column_cache.load(path, kind_names, total) if path else None
            cached = columns is not None
            con = source.connect()
            try:
                if columns is None:
                    columns = read_event_columns(con, kind_names, ctx.progress, ctx.cancelled,
                                                 zone=zone)
                actors = read_names(con, "actor")
                platforms = read_names(con, "platform")
            finally:
                con.close()
            if not cached and path is not None and len(columns) >= CACHE_FROM_EVENTS:
                # On a thread of its own: the views do not wait for the write (~0.3 s at
                # 10^6 events, a few seconds at 10^7); a failed one costs the next opening.
                Beside(lambda: column_cache.save(path, kind_names, columns), "keep-columns")
            return EventSet(columns, actors, platforms)

        def progress(_step: str, fraction: float) -> None:
            if 0.0 <= fraction < 1.0:
                self.sig_progress.emit(fraction)

        self._load.request(full, self._on_full_loaded, self._on_load_failed, progress)

    def _on_full_loaded(self, events: EventSet) -> None:
        self.events = events
        self.sig_events_loaded.emit(events)
        self.recompute(then=self._finish_loading)

    def _finish_loading(self) -> None:
        release_free_memory()  # the load's temporaries are gone; don't keep their pages
        self.loaded = True
        self.sig_loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        line = log_failure(log, "The events could not be read", exc)
        self.sig_failed.emit(line, exit_code(exc))
        self.loaded = True  # nothing more will come; don't keep screenshots waiting
        self.sig_loaded.emit()

    def _reset(self) -> None:
        self._load.cancel()
        self._compute.cancel()
        self.events = None
        self.views = None
        self.source = None
        self._text_hits.clear()
        self._search_terms = []
        self._fts_state = []
        self.loaded = False
        self.sig_reset.emit()

    # -- recomputing the views (worker) -----------------------------------------------------
    def recompute(self, *_args: object, then: object = None) -> None:
        """Filter, search and group the events as the state says, on a worker."""
        events, source = self.events, self.source
        if events is None or source is None:
            return
        filters = self._state.filters
        window = self._state.time_selection
        lane_mode = self.lane_mode
        text = filters.text.strip()
        cached_text = self._text_hits.get(text) if text else None
        tag_refs = (self._tagged(filters.tags) if filters.tags and self._tagged is not None
                    else None)
        tagged = None if tag_refs is None else events.tagged_event_ids(tag_refs)
        to_read = [r for r in tag_refs or () if r[0] not in IN_MEMORY_KINDS]
        has_fts = source.has_fts
        summary, fts_state = self._search_terms, self._fts_state
        self.sig_pending.emit(bool(text) and cached_text is None)

        def task(ctx: TaskContext) -> tuple[EventViews, str, TextHits | None]:
            hits, tagged_ids = cached_text, tagged
            if (text and hits is None) or to_read:
                con = source.connect()
                try:
                    if text and hits is None:
                        hits = _search(con, text, has_fts, summary, fts_state)
                    if to_read and tagged_ids is not None:
                        tagged_ids = np.union1d(tagged_ids, events_citing(con, to_read))
                finally:
                    con.close()
            rows = events.filter_rows(filters, hits, tagged=tagged_ids)
            data = events.timeline_data(rows, lane_mode)
            index = LaneIndex(data)
            table_rows = (events.filter_rows(filters, hits, window, tagged_ids) if window
                          else rows)
            passing = None
            if filters.active:
                passing = np.zeros(len(events), dtype=bool)
                passing[rows] = True
            note = hits.note if hits is not None else None
            return EventViews(data, index, table_rows, passing, note), text, hits

        def done(result: tuple[EventViews, str, TextHits | None]) -> None:
            views, text_key, hits = result
            if text_key and hits is not None:
                self._text_hits.pop(text_key, None)
                self._text_hits[text_key] = hits
                while len(self._text_hits) > TEXT_CACHE:  # a few MB each at 10^7 events
                    del self._text_hits[next(iter(self._text_hits))]
            self.views = views
            self.sig_views_changed.emit(views)
            if callable(then):
                then()

        self._compute.request(task, done, self.view_failed)

    def view_failed(self, exc: BaseException) -> None:
        """A filter, search or sort failed: say so; the views keep what they show."""
        line = log_failure(log, "The views could not be updated", exc)
        self.sig_view_failed.emit(line)
        self.sig_failed.emit(line, exit_code(exc))

