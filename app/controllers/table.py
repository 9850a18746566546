"""Keeps the event table in step with the state hub and the case's events.

The table lists the events that pass the filters *and* lie in the selected time range, in
the order the user sorts by: in memory for the columns held as arrays (time, kind, actor,
platform), by one ``ORDER BY`` on a worker for the text columns (kept per sort for the
case). Its text cells come a page at a time (``read_text_page``). With nothing selected and
sorted by time, it scrolls to where the timeline looks once a pan or zoom settles.

A selection's events come from ``RecordLinks`` (on a worker unless at hand) and their rows
(found, sorted into runs, or a mask when scattered) are worked out on a worker unless there are
few (:data:`AT_ONCE_IDS`) and the view can find them by a search alone: at 10^7 events the
376,270 of one actor took ~0.17 s of the UI thread per click. Until they come the previous rows
stay selected; a newer selection or a new order drops them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer

from app.controllers import record_links
from app.controllers.event_set import take
from app.controllers.record_links import SelectionJob
from app.workers import LatestOnly
from storage.reads.event_queries import ids_ordered_by, read_text_page
from widgets.event_table import EventTableData, TableSelection

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.controllers.annotations import Annotations
    from app.controllers.case_events import CaseEvents, EventViews
    from app.controllers.event_set import EventSet
    from app.controllers.record_links import RecordLinks
    from app.session import CaseSession
    from app.state import AppState, EntityRef, TimeWindow
    from app.workers import Runner, TaskContext
    from widgets.event_table import EventTableView
    from widgets.timeline.binning import LaneIndex

IN_MEMORY_SORT = ("time", "kind", "actor", "platform")  # table column keys sorted in numpy
TABLE_FOLLOW_MS = 150
AT_ONCE_IDS = 2_000
"""Up to this many ids are selected on the UI thread (well under a millisecond)."""


class TableController(QObject):
    """Connects one ``EventTableView`` to ``AppState``, ``CaseEvents`` and ``RecordLinks``."""

    def __init__(self, view: EventTableView, state: AppState, session: CaseSession,
                 events: CaseEvents, links: RecordLinks, runner: Runner,
                 annotations: Annotations | None = None) -> None:
        super().__init__(view)
        self._view = view
        self._annotations = annotations
        if annotations is not None:
            annotations.sig_marks_changed.connect(self._apply)
        self._state = state
        self._session = session
        self._events = events
        self._links = links
        self._sort_job: LatestOnly[np.ndarray] = LatestOnly(runner)
        self._selection_job: SelectionJob[TableSelection] = SelectionJob(runner, self)
        self._sort: tuple[str, bool] = ("time", True)  # (column key, ascending)
        self._sorted_ids: dict[tuple[str, bool], np.ndarray] = {}
        self._rows = np.empty(0, dtype=np.int64)
        self._ui_con: object | None = None  # page reads: tiny, indexed, per scroll
        self._total = 0
        self._follow = QTimer(self, singleShot=True, interval=TABLE_FOLLOW_MS)
        self._follow.timeout.connect(self._follow_window)
        view.sig_selection_requested.connect(state.set_selection)
        view.sig_sort_requested.connect(self._on_view_sort_requested)
        state.sig_selection_changed.connect(self._on_state_selection_changed)
        state.sig_view_window_changed.connect(self._on_state_view_window_changed)
        state.sig_show_utc_changed.connect(self._on_state_show_utc_changed)
        events.sig_first_paint.connect(self._on_events_first_paint)
        events.sig_progress.connect(self._on_events_progress)
        events.sig_views_changed.connect(self._on_events_views_changed)
        events.sig_loaded.connect(self._on_events_loaded)
        events.sig_failed.connect(self._on_events_failed)
        events.sig_reset.connect(self._on_events_reset)

    # -- events → table ---------------------------------------------------------------------
    def _on_events_first_paint(self, _data: object, _index: LaneIndex, total: int) -> None:
        source = self._session.source
        if source is not None and self._ui_con is None:
            self._ui_con = source.connect()
        self._total = total
        self._view.show_notice(f"Loading {total:,} events…")

    def _on_events_progress(self, fraction: float) -> None:
        self._view.show_notice(f"Loading {self._total:,} events… {fraction:.0%}")

    def _on_events_views_changed(self, views: EventViews) -> None:
        self._rows = views.table_rows
        self._apply()

    def _on_events_loaded(self) -> None:
        if self._events.events is not None:
            self._follow_window(self._state.view_window)

    def _on_events_failed(self, line: str, _code: int) -> None:
        if self._events.events is None:  # the load failed: nothing to list
            self._view.show_notice(line)

    def _on_events_reset(self) -> None:
        self._sort_job.cancel()
        self._selection_job.cancel()
        self._sorted_ids.clear()
        self._rows = np.empty(0, dtype=np.int64)
        if self._ui_con is not None:
            self._ui_con.close()  # type: ignore[attr-defined]
        self._ui_con = None
        self._view.set_data(EventTableData.empty())

    # -- ordering ---------------------------------------------------------------------------
    def _apply(self) -> None:
        events = self._events.events
        if events is None:
            return
        column, ascending = self._sort
        rows = self._rows
        if column == "tags":
            self._show_rows(events, _by_marks(events, rows, self._marks("event"), ascending))
            return
        if column in IN_MEMORY_SORT:
            self._show_rows(events, events.sort_rows(rows, column, ascending))
            return
        key = (column, ascending)
        if key in self._sorted_ids:
            self._show_rows(events, _restrict(events, self._sorted_ids[key], rows))
            return
        source = self._session.source
        assert source is not None

        def task(ctx: TaskContext) -> np.ndarray:
            con = source.connect()
            try:
                return ids_ordered_by(con, column, ascending)
            finally:
                con.close()

        def done(ids: np.ndarray) -> None:
            self._sorted_ids[key] = ids
            current = self._events.events
            if self._sort == key and current is not None:
                self._show_rows(current, _restrict(current, ids, self._rows))

        self._sort_job.request(task, done, self._events.view_failed)

    def _show_rows(self, events: EventSet, rows: np.ndarray) -> None:
        c = events.columns
        self._view.set_data(
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
                time_zone=self._events.display_zone,
                marks=self._marks("event"),
                actor_marks=self._marks("actor"),
            )
        )
        self._view.show_sort(*self._sort)
        self._on_state_selection_changed(self._state.selection)

    def _marks(self, kind: str) -> dict[int, str]:
        return {} if self._annotations is None else self._annotations.marks(kind)

    def _fetch_text(self, ids: np.ndarray) -> dict[int, tuple[str, str, str]]:
        if self._ui_con is None:
            return {}
        return read_text_page(self._ui_con, ids)

    # -- view intent → state ----------------------------------------------------------------

    def _on_view_sort_requested(self, column: str, ascending: bool) -> None:
        self._sort = (column, ascending)
        self._apply()

    # -- state → table ----------------------------------------------------------------------
    def _on_state_selection_changed(self, refs: frozenset[EntityRef]) -> None:
        self._selection_job.cancel()  # rows on their way for an older selection or order
        # at once when at hand and few; else found (from memory) and placed on a worker
        self._links.answer(refs, lambda ids: self._show_selection(refs, ids),
                           self._select_on_worker)

    def _show_selection(self, refs: frozenset[EntityRef], ids: np.ndarray) -> None:
        """Select ``ids``: at once when few, else worked out on a worker for the rows shown."""
        if refs != self._state.selection:
            return  # the selection moved on while its events were read
        view = self._view
        if len(ids) <= AT_ONCE_IDS and (view.selection_lookup_ready()
                                        or view.model().rowCount() <= record_links.AT_ONCE_EVENTS):
            view.show_selection(ids)
        else:
            self._select_on_worker(lambda _con: ids)

    def _select_on_worker(self, resolve: Callable[[object | None], np.ndarray]) -> None:
        rows = self._view.selection_builder()

        def failed(_exc: BaseException) -> None:
            self._view.show_selection(np.empty(0, dtype=np.int64))

        self._selection_job.request(lambda _ctx: rows(resolve(None)), self._view.show_selection,
                                    failed)

    def _on_state_view_window_changed(self, _window: TimeWindow | None) -> None:
        self._follow.start()  # once the pan or zoom settles, not on every frame

    def _on_state_show_utc_changed(self, _on: bool) -> None:
        self._apply()

    def _follow_window(self, window: TimeWindow | None = None) -> None:
        """With nothing selected, the time-sorted table scrolls to where the timeline looks.

        A selection wins: the row the user picked stays in view while they zoom around it.
        """
        window = window or self._state.view_window
        if (window is None or self._events.events is None or self._state.selection
                or self._sort != ("time", True)):
            return
        ts = self._view.model().table_data().ts
        self._view.show_row_at_top(int(np.searchsorted(ts, window.start, side="left")))


def _by_marks(events: EventSet, rows: np.ndarray, marks: dict[int, str],
              ascending: bool) -> np.ndarray:
    """Annotated events first, by their tags; the rest after them in time order."""
    if not marks:
        return rows
    labels = sorted(set(marks.values()), key=lambda t: (t.casefold(), t))
    rank_of = {t: i for i, t in enumerate(labels)}
    ids = np.fromiter(marks, dtype=np.int64, count=len(marks))
    ranks = np.fromiter((rank_of[marks[i]] for i in marks), dtype=np.int64, count=len(marks))
    order = np.argsort(ids)
    ids, ranks = ids[order], ranks[order]
    row_ids = events.columns.id[rows]
    pos = np.minimum(np.searchsorted(ids, row_ids), len(ids) - 1)
    key = np.where(ids[pos] == row_ids, ranks[pos], len(labels))
    ordered = rows[np.argsort(key, kind="stable")]
    if ascending:
        return ordered
    tagged = int(np.count_nonzero(key < len(labels)))
    return np.concatenate([ordered[:tagged][::-1], ordered[tagged:]])


def _restrict(events: EventSet, sorted_ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows in ``sorted_ids`` order, keeping only those in ``rows``."""
    order_rows = events.rows_in_order(sorted_ids)
    keep = np.zeros(len(events), dtype=bool)
    keep[rows] = True
    return order_rows[keep[order_rows]]
