"""Which events belong to a record of any kind: the one answer every view's selection needs.

A selected actor marks their events in the timeline and the table, a shipment its scans, an
exhibit every event citing it. Events, actors and platforms are answered from the columns in
memory; the other kinds from one indexed (or, for places and exhibits, scanning) query on a
worker, kept for the case. The map and the cards will ask the same service for a record's
shipments, places and actors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject

from app.workers import LatestOnly
from storage.reads.event_queries import linked_event_ids

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.controllers.case_events import CaseEvents
    from app.session import CaseSession
    from app.state import EntityRef
    from app.workers import Runner, TaskContext

_EMPTY = np.empty(0, dtype=np.int64)


class RecordLinks(QObject):
    """Event ids of records, from memory or from the case (on a worker), remembered per case."""

    def __init__(self, session: CaseSession, runner: Runner, events: CaseEvents) -> None:
        super().__init__(session)
        self._session = session
        self._events = events
        self._runner = runner
        self._known: dict[EntityRef, np.ndarray] = {}
        self._last: tuple[frozenset[EntityRef], np.ndarray] | None = None
        session.sig_closed.connect(self._forget)
        session.sig_opened.connect(lambda _overview: self._forget())

    def _forget(self) -> None:
        self._known.clear()
        self._last = None

    def event_ids(self, ref: EntityRef) -> np.ndarray | None:
        """The events of ``ref`` if they are at hand now (memory or already read), else None."""
        events = self._events.events
        if events is None:
            return None
        ids = events.ids_for(ref.kind, ref.id)
        return ids if ids is not None else self._known.get(ref)

    def request(self, refs: frozenset[EntityRef], on_done: Callable[[np.ndarray], None],
                job: LatestOnly[dict[EntityRef, np.ndarray]] | None = None) -> None:
        """Call ``on_done`` with the sorted union of the events of ``refs``.

        At once when every answer is at hand; else after one read on a worker (``job``, the
        caller's own ``LatestOnly``, drops an answer a newer request replaced).
        """
        if not refs or self._events.events is None:
            on_done(_EMPTY)
            return
        missing = [r for r in refs if self.event_ids(r) is None]
        if not missing:
            on_done(self._union(refs))
            return
        source = self._session.source
        if source is None:
            on_done(_EMPTY)
            return

        def task(ctx: TaskContext) -> dict[EntityRef, np.ndarray]:
            con = source.connect()
            try:
                return {r: linked_event_ids(con, r.kind, r.id) for r in missing}
            finally:
                con.close()

        def done(found: dict[EntityRef, np.ndarray]) -> None:
            self._known.update(found)
            on_done(self._union(refs))

        (job or LatestOnly(self._runner)).request(task, done, lambda _exc: on_done(_EMPTY))

    def _union(self, refs: frozenset[EntityRef]) -> np.ndarray:
        """The sorted union, kept for the last refs: every view asks for the same one."""
        if self._last is not None and self._last[0] == refs:
            return self._last[1]
        parts = [p for p in (self.event_ids(r) for r in refs) if p is not None and len(p)]
        union = np.unique(np.concatenate(parts)) if parts else _EMPTY
        self._last = (refs, union)
        return union
