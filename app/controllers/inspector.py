"""Keeps the inspector showing the selected record, read on a worker.

Every field of the record, its exhibit and its links (``inspector_records`` formats them):
an event's time in the zone every view uses, bounds a precision implies in the case zone, a
shipment's legs, an exhibit's citations. A record filtered out of the views says so; one the
case does not hold (a dangling reference) says that.

A record's events come from ``RecordLinks`` (on a worker unless at hand) and their count and
span are worked out in the worker task that reads the record: for a busy actor at 10^7
events, finding them and their first and last time took ~80 ms of the UI thread per click.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.controllers.inspector_records import BUILDERS, count_record, event_record, with_extras
from app.failures import exit_code, log_failure
from app.state import EntityRef
from app.workers import LatestOnly
from storage.reads.event_extras import read_event_extras
from storage.reads.event_queries import read_event_detail
from storage.reads.records import read_record
from widgets.inspector import InspectorRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.controllers.annotations import Annotations
    from app.controllers.case_events import CaseEvents, EventViews
    from app.controllers.event_set import EventSet
    from app.controllers.record_links import RecordLinks
    from app.session import CaseSession
    from app.state import AppState
    from app.workers import Runner, TaskContext
    from widgets.inspector import InspectorView

log = logging.getLogger(__name__)
Shown = tuple[InspectorRecord, list[tuple[str, str, int]]]


class InspectorController(QObject):
    """Connects one ``InspectorView`` to ``AppState`` and the open case."""

    sig_shown = Signal()  # the record asked for last is on screen (or why it is not)

    def __init__(self, view: InspectorView, state: AppState, session: CaseSession,
                 events: CaseEvents, links: RecordLinks, runner: Runner,
                 annotations: Annotations | None = None) -> None:
        super().__init__(view)
        self._annotations = annotations
        if annotations is not None:
            annotations.sig_changed.connect(self._on_annotations_changed)
        self._view = view
        self._state = state
        self._session = session
        self._events = events
        self._links = links
        # Queued at once, ahead of the card's read: one short read (SelectionJob is for the
        # timeline's and table's numpy, which the card should not wait behind).
        self._job: LatestOnly[Shown | None] = LatestOnly(runner)
        self._filtered = False
        self._place_note: Callable[[int], str] | None = None
        self._pending = False
        view.sig_ref_requested.connect(self._on_view_ref_requested)
        state.sig_selection_changed.connect(self.show)
        state.sig_show_utc_changed.connect(lambda _on: self.show(self._state.selection))
        events.sig_views_changed.connect(self._on_events_views_changed)
        events.sig_loaded.connect(lambda: self.show(self._state.selection))
        events.sig_failed.connect(self._on_events_failed)
        events.sig_reset.connect(self._on_events_reset)

    def _on_view_ref_requested(self, kind: str, ident: int) -> None:
        self._state.set_selection(frozenset({EntityRef(kind, int(ident))}))  # type: ignore[arg-type]

    def _on_events_views_changed(self, views: EventViews) -> None:
        filtered = views.passing is not None
        if filtered or self._filtered:  # "hidden by the filters", or no longer
            self.show(self._state.selection)
        self._filtered = filtered

    def _on_annotations_changed(self, ref: EntityRef) -> None:
        if self._state.selection == frozenset({ref}):
            self.show(self._state.selection)

    def _on_events_failed(self, _line: str, _code: int) -> None:
        if self._events.events is None:
            self._view.show_record(None)

    def _on_events_reset(self) -> None:
        self._job.cancel()
        self._filtered = False
        self._view.show_record(None)

    def show(self, refs: frozenset[EntityRef]) -> None:
        """Read the selected record on a worker (on a server each read is a round trip)."""
        source = self._session.source
        if not refs or source is None:
            self._job.cancel()
            self._view.show_record(None)
            self._set_pending(False)
            return
        if len(refs) > 1:
            self._job.cancel()
            self._view.show_many(len(refs))
            self._set_pending(False)
            return
        (ref,) = refs
        self._job.cancel()  # a read on its way for an older selection
        self._pending = True
        if ref.kind == "event":
            self._read(ref, None)
        else:  # its events too: the record gets their count and span
            self._links.answer(refs, lambda ids: self._read(ref, ids),
                               lambda resolve: self._read(ref, resolve))

    def _read(self, ref: EntityRef,
              event_ids: np.ndarray | Callable[[object | None], np.ndarray] | None) -> None:
        """Read ``ref`` on a worker, with the count and span of its events (if not an event).

        ``event_ids`` are the record's events, or a function finding them on the worker.
        """
        source = self._session.source
        if source is None or self._state.selection != frozenset({ref}):
            return  # the selection moved on while the events were found
        zone, case_zone = self._events.display_zone, self._events.zone
        hidden = self._hidden_by_filters(ref)
        events = self._events.events

        def task(ctx: TaskContext) -> Shown | None:
            con = source.connect()
            try:
                ids = event_ids(con) if callable(event_ids) else event_ids
                # The span: a pass over the record's events (376,270 of one actor at 10^7).
                summary = None if ids is None else _event_summary(events, ids)
                if ref.kind == "event":
                    detail = read_event_detail(con, ref.id)
                    if detail is None:
                        return None
                    shown_event, event_links = event_record(detail, zone, case_zone)
                    extras = read_event_extras(con, ref.id)
                    return with_extras(shown_event, extras), event_links
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

        def done(result: Shown | None) -> None:
            if result is None:
                self._view.show_record(InspectorRecord(
                    heading=f"{ref.kind.capitalize()} {ref.id}", fields=(),
                    exhibit_label=None, exhibit_sha256=None,
                    warnings=["this record is not in the case (a reference to it dangles)"]))
                return
            record, links = result
            if hidden:
                record = replace(record, warnings=[
                    "hidden by the filters: this record is not among the events shown",
                    *record.warnings])
            record = replace(record, fields=[*record.fields, *annotation_fields(
                self._annotations, ref)])
            if ref.kind == "place" and self._place_note is not None:
                note = self._place_note(ref.id)
                if note:  # where the map put it when the case does not say
                    record = replace(record, fields=[*record.fields, ("Map position", note)])
            self._view.show_record(record, links)

        def failed(exc: BaseException) -> None:
            line = log_failure(log, f"{ref} could not be read", exc)
            self._view.show_record(InspectorRecord(
                heading=f"{ref.kind.capitalize()} {ref.id}", fields=(), exhibit_label=None,
                exhibit_sha256=None, warnings=[line]))
            self._events.sig_failed.emit(line, exit_code(exc))

        def finished(fn: Callable[[Any], None]) -> Callable[[Any], None]:
            def call(value: Any) -> None:
                fn(value)
                self._set_pending(False)
            return call

        self._job.request(task, finished(done), finished(failed))

    @property
    def settled(self) -> bool:
        """Nothing asked of the inspector is still being read (a picture may be taken)."""
        return not self._pending

    def _set_pending(self, pending: bool) -> None:
        self._pending = pending
        if not pending:
            self.sig_shown.emit()

    def set_place_notes(self, fn: Callable[[int], str] | None) -> None:
        """Where the map says a place's position comes from (approximate, the gazetteer)."""
        self._place_note = fn

    def _hidden_by_filters(self, ref: EntityRef) -> bool:
        """Whether the selected event is filtered out of the views (kinds, actors, text…)."""
        events, views = self._events.events, self._events.views
        passing = None if views is None else views.passing
        if events is None or passing is None or ref.kind != "event":
            return False
        rows = events.rows_in_order(np.asarray([ref.id]))
        return bool(len(rows)) and not bool(passing[rows[0]])


def _event_summary(events: EventSet | None,
                   ids: np.ndarray) -> tuple[int, tuple[int, int] | None] | None:
    """How many events cite the record, and their first and last (placeable) time.

    Any thread: ``events`` is never modified. None before the events are loaded.
    """
    if events is None:
        return None
    rows = events.placeable_rows(events.rows_of_ids(ids))
    ts = events.columns.ts[rows]
    return len(ids), ((int(ts[0]), int(ts[-1])) if len(ts) else None)


def annotation_fields(annotations: Annotations | None,
                      ref: EntityRef) -> list[tuple[str, str]]:
    """The user's tags and notes on ``ref`` as fields (none when there are none)."""
    if annotations is None:
        return []
    out = []
    tags = annotations.tags(ref)
    if tags:
        out.append(("Your tags", ", ".join(tags)))
    for note in annotations.notes(ref):
        out.append(("Your note", note.text))
    return out
