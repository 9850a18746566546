"""Links the evidence views (timeline, table, inspector, filter bar) through ``AppState``.

Loading happens in two steps so the timeline paints as early as possible: first the sorted
times per kind (a covering-index scan, about as fast as reading the bare time column), then
every column. Filtering, lane grouping and sorting run on workers; only the newest request's
result is applied (``LatestOnly``). Views report intent (``sig_*_requested``); this
controller turns it into state changes, and state changes into ``show_*`` calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.controllers.event_set import EventSet, take, timeline_from_kind_times
from app.controllers.inspector_records import BUILDERS, count_record, event_record
from app.failures import exit_code, log_failure, one_line
from app.memory import release_free_memory
from app.state import EntityRef, Filters, TimeWindow
from app.workers import Beside, LatestOnly
from storage.case.fts import fts_answers
from storage.case.search_terms import SearchTerms
from storage.reads import column_cache
from storage.reads.event_queries import (
    ids_ordered_by,
    linked_event_ids,
    read_event_detail,
    read_names,
    read_text_page,
    record_exists,
    search_events,
)
from storage.reads.events import read_event_columns, read_kind_times
from storage.reads.records import read_record
from widgets.event_table import EventTableData
from widgets.inspector import InspectorRecord
from widgets.timeline.binning import LaneIndex

if TYPE_CHECKING:
    from app.session import CaseSession
    from app.state import AppState
    from app.workers import Runner, TaskContext
    from storage.case.opener import CaseSource
    from storage.case.text_hits import TextHits
    from storage.reads.overview import CaseOverview
    from widgets.event_table import EventTableView
    from widgets.filter_bar import FilterBar
    from widgets.inspector import InspectorView
    from widgets.timeline import TimelineData, TimelineView

log = logging.getLogger(__name__)
IN_MEMORY_SORT = ("time", "kind", "actor", "platform")  # table column keys sorted in numpy
TABLE_FOLLOW_MS = 150
CACHE_FROM_EVENTS = 100_000
"""Cases with at least this many events keep their columns in the user's cache (smaller ones
read in a fraction of a second anyway)."""
TEXT_CACHE = 8
"""Searches whose hits are kept, so that going back to a recent query costs nothing."""


@dataclass(frozen=True, slots=True, eq=False)
class _Views:
    """What one filter/lane/sort computation produces for the views."""

    timeline: TimelineData
    index: LaneIndex
    table_rows: np.ndarray
    shown: int
    passing: np.ndarray | None  # mask of the rows passing the filters; None: no filter


FIRST_PAINT = "evidence.first_paint"
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

    ``summary`` and ``fts_state`` are the controller's per-case memos, filled here once.
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


class EvidenceController(QObject):
    """Owns the loaded ``EventSet`` and keeps the four views in step with ``AppState``."""

    sig_loaded = Signal()  # the full columns are in every view (screenshots wait for it)
    sig_first_paint = Signal()  # the partial timeline is drawn (benchmarks measure it)
    sig_failed = Signal(str, int)  # one line for the status bar, and the exit code it means

    def __init__(
        self,
        state: AppState,
        session: CaseSession,
        runner: Runner,
        timeline: TimelineView,
        table: EventTableView,
        inspector: InspectorView,
        filter_bar: FilterBar,
    ) -> None:
        super().__init__(session)
        self.state = state
        self._session = session
        self._runner = runner
        self.timeline = timeline
        self.table = table
        self.inspector = inspector
        self.filter_bar = filter_bar
        self._load = LatestOnly(runner)
        self._compute = LatestOnly(runner)
        self._sort_job = LatestOnly(runner)
        self._inspect = LatestOnly(runner)
        self._passing: np.ndarray | None = None
        self._events: EventSet | None = None
        self._source: CaseSource | None = None
        self._ui_con: object | None = None
        self._zone = "UTC"
        self._lane_mode = "kind"
        self._sort: tuple[str, bool] = ("time", True)  # (column key, ascending)
        self._text_hits: dict[str, TextHits] = {}  # a few recent searches, newest last
        self._search_terms: list[SearchTerms | None] = []  # the case's summary, once looked up
        self._fts_state: list[str | None] = []  # once checked: None, or why it is not used
        self._sorted_ids: dict[tuple[str, bool], np.ndarray] = {}
        self._linked_ids: dict[EntityRef, np.ndarray] = {}
        self._table_rows = np.empty(0, dtype=np.int64)
        self.loaded = False
        self._table_follow = QTimer(self, singleShot=True, interval=TABLE_FOLLOW_MS)
        self._table_follow.timeout.connect(self._follow_window_in_table)
        session.add_preload(FIRST_PAINT, _read_first_paint)
        self._connect()

    # -- wiring -----------------------------------------------------------------------------
    def _connect(self) -> None:
        s, st = self._session, self.state
        s.sig_opened.connect(self._on_session_opened)
        s.sig_closed.connect(self._on_session_closed)
        st.sig_selection_changed.connect(self._on_state_selection_changed)
        st.sig_highlight_changed.connect(self._on_state_highlight_changed)
        st.sig_filters_changed.connect(self._on_state_filters_changed)
        st.sig_view_window_changed.connect(self._on_state_view_window_changed)
        st.sig_time_selection_changed.connect(self._on_state_time_selection_changed)
        tl = self.timeline
        tl.sig_range_requested.connect(self._on_timeline_range_requested)
        tl.sig_selection_requested.connect(self._on_view_selection_requested)
        tl.sig_time_selection_requested.connect(self._on_timeline_time_selection_requested)
        tl.sig_hover_requested.connect(self._on_view_hover_requested)
        tl.sig_lane_mode_requested.connect(self._on_timeline_lane_mode_requested)
        tl.sig_show_utc_requested.connect(st.set_show_utc)
        st.sig_show_utc_changed.connect(self._on_state_show_utc_changed)
        self.table.sig_selection_requested.connect(self._on_view_selection_requested)
        self.table.sig_sort_requested.connect(self._on_table_sort_requested)
        self.inspector.sig_ref_requested.connect(self._on_inspector_ref_requested)
        self.filter_bar.sig_filters_requested.connect(self._on_filter_bar_filters_requested)

    # -- loading ----------------------------------------------------------------------------
    def _on_session_opened(self, overview: CaseOverview) -> None:
        source = self._session.source
        if source is None:
            return
        self._reset()
        self._source = source
        self._zone = overview.time_zone
        self._ui_con = source.connect()
        self.timeline.set_time_zone(self._zone)
        self.timeline.set_detail_provider(self._event_one_liner)
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
        self.timeline.set_data(data, index)
        self.table.show_notice(f"Loading {len(data):,} events…")
        window = self.state.view_window
        if window is not None:  # a deep link or a script asked for a range before the data came
            self.timeline.show_range(window.start, window.end)
        self.sig_first_paint.emit()
        release_free_memory()  # the opening threads' scratch memory (after the first picture)
        source = self._source
        assert source is not None
        kind_names = [k for k, _ in kinds]
        path = source.path if source.is_sqlite else None  # the evidence file, for the cache
        total = sum(n for _, n in kinds)  # the timeline leaves out times it cannot place
        zone = self._zone

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
                self.table.show_notice(f"Loading {total:,} events… {fraction:.0%}")

        self._load.request(full, self._on_full_loaded, self._on_load_failed, progress)

    def _on_full_loaded(self, events: EventSet) -> None:
        self._events = events
        self.filter_bar.set_choices(
            events.kind_counts(),
            sorted(events.actor_names.items(), key=lambda kv: kv[1].casefold()),
            sorted(events.platform_names.items(), key=lambda kv: kv[1].casefold()),
        )
        self._recompute(then=self._finish_loading)

    def _finish_loading(self) -> None:
        release_free_memory()  # the load's temporaries are gone; don't keep their pages
        self.loaded = True
        self._on_state_selection_changed(self.state.selection)
        window = self.state.view_window
        if window is not None:
            self.timeline.show_range(window.start, window.end)
            self._follow_window_in_table(window)
        self.sig_loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        line = log_failure(log, "The events could not be read", exc)
        self.table.show_notice(line)
        self.inspector.show_record(None)
        self.sig_failed.emit(line, exit_code(exc))
        self.loaded = True  # nothing more will come; don't keep screenshots waiting
        self.sig_loaded.emit()

    def _on_view_failed(self, exc: BaseException) -> None:
        """A filter, search or sort failed: say so; the views keep what they show."""
        line = log_failure(log, "The views could not be updated", exc)
        if self._events is not None:
            self.filter_bar.show_result_count(len(self._table_rows), len(self._events))
        self.filter_bar.show_note(line)
        self.sig_failed.emit(line, exit_code(exc))

    def _on_session_closed(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._load.cancel()
        self._compute.cancel()
        self._sort_job.cancel()
        self._inspect.cancel()
        self._passing = None
        if self._ui_con is not None:
            self._ui_con.close()  # type: ignore[attr-defined]
        self._ui_con = None
        self._events = None
        self._source = None
        self._text_hits.clear()
        self._search_terms = []
        self._fts_state = []
        self._sorted_ids.clear()
        self._linked_ids.clear()
        self.loaded = False
        self.state.reset()
        from widgets.timeline import TimelineData

        self.timeline.set_data(TimelineData.empty())
        self.table.set_data(EventTableData.empty())
        self.inspector.show_record(None)

    # -- recomputing the views (worker) -----------------------------------------------------
    def _recompute(self, then: object = None) -> None:
        events, source = self._events, self._source
        if events is None or source is None:
            return
        filters = self.state.filters
        window = self.state.time_selection
        lane_mode = self._lane_mode
        text = filters.text.strip()
        cached_text = self._text_hits.get(text) if text else None
        has_fts = source.has_fts
        summary = self._search_terms

        fts_state = self._fts_state

        def task(ctx: TaskContext) -> tuple[_Views, str, TextHits | None]:
            hits = cached_text
            if text and hits is None:
                con = source.connect()
                try:
                    hits = _search(con, text, has_fts, summary, fts_state)
                finally:
                    con.close()
            rows = events.filter_rows(filters, hits)
            data = events.timeline_data(rows, lane_mode)
            index = LaneIndex(data)
            table_rows = events.filter_rows(filters, hits, window) if window else rows
            passing = None
            if filters.active:
                passing = np.zeros(len(events), dtype=bool)
                passing[rows] = True
            return _Views(data, index, table_rows, len(table_rows), passing), text, hits

        def done(result: tuple[_Views, str, TextHits | None]) -> None:
            views, text_key, hits = result
            if text_key and hits is not None:
                self._text_hits.pop(text_key, None)
                self._text_hits[text_key] = hits
                while len(self._text_hits) > TEXT_CACHE:  # a few MB each at 10^7 events
                    del self._text_hits[next(iter(self._text_hits))]
            self.timeline.set_data(views.timeline, views.index)
            self._table_rows = views.table_rows
            was_hidden = self._passing is not None
            self._passing = views.passing
            self._apply_table()
            self.filter_bar.show_result_count(views.shown, len(events))
            self.filter_bar.show_note(hits.note if hits is not None else None)
            self._show_selection_in_views(self.state.selection)
            if was_hidden or views.passing is not None:
                self._show_inspector(self.state.selection)  # "hidden by the filters" or not
            if callable(then):
                then()

        self._compute.request(task, done, self._on_view_failed)

    def _apply_table(self) -> None:
        events = self._events
        if events is None:
            return
        column, ascending = self._sort
        rows = self._table_rows
        if column in IN_MEMORY_SORT:
            ordered = events.sort_rows(rows, column, ascending)
            self._set_table_rows(ordered)
            return
        key = (column, ascending)
        if key in self._sorted_ids:
            self._set_table_rows(self._restrict(self._sorted_ids[key], rows))
            return
        source = self._source
        assert source is not None

        def task(ctx: TaskContext) -> np.ndarray:
            con = source.connect()
            try:
                return ids_ordered_by(con, column, ascending)
            finally:
                con.close()

        def done(ids: np.ndarray) -> None:
            self._sorted_ids[key] = ids
            if self._sort == key:
                self._set_table_rows(self._restrict(ids, self._table_rows))

        self._sort_job.request(task, done, self._on_view_failed)

    def _restrict(self, sorted_ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Rows in ``sorted_ids`` order, keeping only those in ``rows``."""
        events = self._events
        assert events is not None
        order_rows = events.rows_in_order(sorted_ids)
        keep = np.zeros(len(events), dtype=bool)
        keep[rows] = True
        return order_rows[keep[order_rows]]

    def _set_table_rows(self, rows: np.ndarray) -> None:
        events = self._events
        assert events is not None
        c = events.columns
        self.table.set_data(
            EventTableData(
                ids=take(c.id, rows),
                ts=take(c.ts, rows),
                kind=take(c.kind, rows),
                kind_names=c.kinds,
                actor=take(c.actor, rows),
                actor_names=events.actor_names,
                platform=take(c.platform, rows),
                platform_names=events.platform_names,
                fetch_text=self._fetch_text,
                time_zone=self._display_zone,
            )
        )
        self.table.show_sort(*self._sort)
        self._show_selection_in_views(self.state.selection)

    def _fetch_text(self, ids: np.ndarray) -> dict[int, tuple[str, str, str]]:
        if self._ui_con is None:
            return {}
        return read_text_page(self._ui_con, ids)

    def _event_one_liner(self, event_id: int) -> str:
        if self._ui_con is None:
            return ""
        detail = read_event_detail(self._ui_con, event_id)
        if detail is None:
            return ""
        who = f" — {detail.actor}" if detail.actor else ""
        return f"{detail.title}{who}"

    # -- view intent → state ----------------------------------------------------------------
    def _on_timeline_range_requested(self, window: tuple[int, int]) -> None:
        start, end = window
        if end > start:
            self.state.set_view_window(TimeWindow(int(start), int(end)))

    def _on_view_selection_requested(self, ids: np.ndarray) -> None:
        refs = frozenset(EntityRef("event", int(i)) for i in np.asarray(ids)[:10_000])
        self.state.set_selection(refs)

    def _on_timeline_time_selection_requested(self, window: tuple[int, int] | None) -> None:
        if window is None or window[1] <= window[0]:
            self.state.set_time_selection(None)
        else:
            self.state.set_time_selection(TimeWindow(int(window[0]), int(window[1])))

    def _on_view_hover_requested(self, event_id: int | None) -> None:
        self.state.set_highlight(None if event_id is None else EntityRef("event", int(event_id)))

    def _on_timeline_lane_mode_requested(self, mode: str) -> None:
        if mode != self._lane_mode:
            self._lane_mode = mode
            self._recompute()

    def _on_table_sort_requested(self, column: str, ascending: bool) -> None:
        self._sort = (column, ascending)
        self._apply_table()

    def _on_inspector_ref_requested(self, kind: str, ident: int) -> None:
        self.state.set_selection(frozenset({EntityRef(kind, int(ident))}))  # type: ignore[arg-type]

    def _on_filter_bar_filters_requested(self, filters: Filters) -> None:
        self.state.set_filters(filters)

    # -- state → views ----------------------------------------------------------------------
    def _on_state_selection_changed(self, refs: frozenset[EntityRef]) -> None:
        self._show_selection_in_views(refs)
        self._show_inspector(refs)

    def _show_selection_in_views(self, refs: frozenset[EntityRef]) -> None:
        ids = self._selected_event_ids(refs)
        self.timeline.show_selection(ids)
        self.table.show_selection(ids)

    def _selected_event_ids(self, refs: frozenset[EntityRef]) -> np.ndarray:
        events = self._events
        if events is None or not refs:
            return np.empty(0, dtype=np.int64)
        parts = [self._event_ids_of(ref) for ref in refs]
        found = [p for p in parts if p is not None]
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def _event_ids_of(self, ref: EntityRef) -> np.ndarray | None:
        """Events of a record: in memory for events, actors, platforms; else one query."""
        events = self._events
        if events is None or self._ui_con is None:
            return None
        ids = events.ids_for(ref.kind, ref.id)
        if ids is not None:
            return ids
        if ref not in self._linked_ids:
            self._linked_ids[ref] = linked_event_ids(self._ui_con, ref.kind, ref.id)
        return self._linked_ids[ref]

    def ref_exists(self, ref: EntityRef) -> bool:
        """Whether the open case has the record ``ref`` names (deep links check this)."""
        return self._ui_con is not None and record_exists(self._ui_con, ref.kind, ref.id)

    @property
    def _display_zone(self) -> str:
        """The zone every view shows times in: the case zone, or UTC when the user asks."""
        return "UTC" if self.state.show_utc else self._zone

    def _show_inspector(self, refs: frozenset[EntityRef]) -> None:
        """Read the selected record on a worker (on a server each read is a round trip)."""
        source = self._source
        if not refs or source is None:
            self._inspect.cancel()
            self.inspector.show_record(None)
            return
        if len(refs) > 1:
            self._inspect.cancel()
            self.inspector.show_many(len(refs))
            return
        (ref,) = refs
        zone, case_zone = self._display_zone, self._zone
        summary = None if ref.kind == "event" else self._event_summary(ref)
        hidden = self._hidden_by_filters(ref)

        def task(ctx: TaskContext) -> tuple[InspectorRecord, list[tuple[str, str, int]]] | None:
            con = source.connect()
            try:
                if ref.kind == "event":
                    detail = read_event_detail(con, ref.id)
                    return None if detail is None else event_record(detail, zone, case_zone)
                record = read_record(con, ref.kind, ref.id)
            finally:
                con.close()
            if record is None:
                return None
            shown, links = BUILDERS[ref.kind](record, zone)
            if summary is not None:
                extra = count_record("", *summary, zone).fields
                names = {"First": "First event", "Last": "Last event", "Span": "Events span"}
                shown = replace(shown, fields=[*shown.fields, *(
                    (names.get(label, label), value)
                    for label, value in extra if label != "Events" or ref.kind != "shipment")])
            return shown, links

        def done(result: tuple[InspectorRecord, list[tuple[str, str, int]]] | None) -> None:
            if result is None:
                self.inspector.show_record(InspectorRecord(
                    heading=f"{ref.kind.capitalize()} {ref.id}", fields=(),
                    exhibit_label=None, exhibit_sha256=None,
                    warnings=["this record is not in the case (a reference to it dangles)"]))
                return
            record, links = result
            if hidden:
                record = replace(record, warnings=[
                    "hidden by the filters: this record is not among the events shown",
                    *record.warnings])
            self.inspector.show_record(record, links)

        def failed(exc: BaseException) -> None:
            line = log_failure(log, f"{ref} could not be read", exc)
            self.inspector.show_record(InspectorRecord(
                heading=f"{ref.kind.capitalize()} {ref.id}", fields=(), exhibit_label=None,
                exhibit_sha256=None, warnings=[line]))
            self.sig_failed.emit(line, exit_code(exc))

        self._inspect.request(task, done, failed)

    def _event_summary(self, ref: EntityRef) -> tuple[int, tuple[int, int] | None] | None:
        """How many events cite ``ref``, and their first and last (placeable) time."""
        events = self._events
        ids = self._event_ids_of(ref)
        if ids is None or events is None:
            return None
        rows = events.placeable_rows(events.rows_of_ids(ids))
        ts = events.columns.ts[rows]
        return len(ids), ((int(ts[0]), int(ts[-1])) if len(ts) else None)

    def _hidden_by_filters(self, ref: EntityRef) -> bool:
        """Whether the selected event is filtered out of the views (kinds, actors, text…)."""
        events, passing = self._events, self._passing
        if events is None or passing is None or ref.kind != "event":
            return False
        rows = events.rows_in_order(np.asarray([ref.id]))
        return bool(len(rows)) and not bool(passing[rows[0]])

    def _on_state_highlight_changed(self, ref: EntityRef | None) -> None:
        self.timeline.show_highlight(ref.id if ref is not None and ref.kind == "event" else None)

    def _on_state_filters_changed(self, filters: Filters) -> None:
        self.filter_bar.show_filters(filters)
        if self._events is not None:
            text = filters.text.strip()
            self.filter_bar.show_pending(bool(text) and text not in self._text_hits)
        self._recompute()

    def _on_state_view_window_changed(self, window: TimeWindow | None) -> None:
        if window is not None and self.timeline.visible_range() != (window.start, window.end):
            self.timeline.show_range(window.start, window.end)
        self._table_follow.start()  # once the pan or zoom settles, not on every frame

    def _follow_window_in_table(self, window: TimeWindow | None = None) -> None:
        """With nothing selected, the time-sorted table scrolls to where the timeline looks.

        A selection wins: the row the user picked stays in view while they zoom around it.
        """
        window = window or self.state.view_window
        if (window is None or self._events is None or self.state.selection
                or self._sort != ("time", True)):
            return
        ts = self.table.model().table_data().ts
        self.table.show_row_at_top(int(np.searchsorted(ts, window.start, side="left")))

    def _on_state_show_utc_changed(self, on: bool) -> None:
        self.timeline.set_show_utc(on)
        if self._events is not None:
            self._apply_table()
        self._show_inspector(self.state.selection)

    def _on_state_time_selection_changed(self, window: TimeWindow | None) -> None:
        self.timeline.show_time_selection(None if window is None else (window.start, window.end))
        self._recompute()

