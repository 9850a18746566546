"""Which events belong to a record of any kind: the one answer every view's selection needs.

A selected actor marks their events in the timeline and the table, a shipment its scans, an
exhibit every event citing it. Events, actors and platforms are answered from the columns in
memory; the other kinds from one indexed (or, for places and exhibits, scanning) query, kept
for the case. The map and the cards will ask the same service for a record's shipments,
places and actors.

Answering an actor from memory is still one pass over a column (~10 ms at 10^7 events), and
the timeline, the table and the inspector all ask for the same selection at once. So the
answer is computed once per selection on a worker, however many views ask, and remembered per
case for the last few selections. It is given at once only when it costs next to nothing
(:meth:`RecordLinks.at_hand`: remembered answers, event ids, or a pass over a small case), so
no click scans 10^7 values on the UI thread. Answers from memory are computed inside the
views' own worker tasks (:meth:`RecordLinks.resolver`; the memo is shared behind a lock, and a
second task waits the few milliseconds for the first one's answer); answers read from the case
by one shared task (:meth:`RecordLinks.request`), which no pool thread waits for.
:meth:`RecordLinks.answer` picks the way. :class:`SelectionJob` queues the views' heavier work
after the click's other handlers have queued theirs, so the actor card's quick read comes first.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np
from PySide6.QtCore import QObject, QTimer

from app.controllers.event_set import IN_MEMORY_KINDS
from app.workers import LatestOnly
from storage.reads.event_queries import linked_event_ids

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.controllers.case_events import CaseEvents
    from app.controllers.event_set import EventSet
    from app.session import CaseSession
    from app.state import EntityRef
    from app.workers import Runner, TaskContext
    from storage.case.opener import CaseSource

    Resolve = Callable[[object | None], np.ndarray]

T = TypeVar("T")

log = logging.getLogger(__name__)
_EMPTY = np.empty(0, dtype=np.int64)
AT_ONCE_EVENTS = 200_000
"""Cases up to this many events answer an actor or a platform on the UI thread (one pass over
a column of this size is ~0.1 ms); larger ones answer on a worker."""
REMEMBERED = 4
"""Unions kept per case: the views ask again after a filter or a sort, and a user goes back and
forth between a few records (376,270 events of one actor at 10^7 are 3 MB)."""


class SelectionJob(QObject, Generic[T]):
    """The ``LatestOnly`` a view's selection work goes through, queued after the others'.

    A click's handlers run one after the other; each queues its work on the same two pool
    threads, first come first served. The timeline's, table's and inspector's handlers run
    first, so their tens of milliseconds of numpy (at 10^7 events) would hold both threads
    while the actor card's sub-millisecond read, queued next, waited: the card must paint
    within 50 ms of the click. Work requested here is queued one turn of the event loop
    later, after every handler of the click has queued its own. With the inline runner
    (tests) it runs at once, as everything does.
    """

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job: LatestOnly[T] = LatestOnly(runner)
        self._inline = runner.inline
        self._gen = 0

    def request(self, fn: Callable[[TaskContext], T], on_done: Callable[[T], None],
                on_error: Callable[[BaseException], None] | None = None) -> None:
        """Replace any pending request with this one, queued after the current event."""
        self.cancel()
        if self._inline:
            self._job.request(fn, on_done, on_error)
            return
        gen = self._gen

        def queue() -> None:
            if gen == self._gen:  # not replaced or cancelled meanwhile
                self._job.request(fn, on_done, on_error)

        QTimer.singleShot(0, self, queue)

    def cancel(self) -> None:
        """Drop whatever is pending, queued or not."""
        self._gen += 1
        self._job.cancel()


class _Memo:
    """The answers of one case, shared by the UI thread and the workers (behind ``lock``).

    ``busy`` holds one lock per union being computed, so a second worker asking for the same
    refs waits for the first one's answer instead of scanning the columns again.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.unions: OrderedDict[frozenset[EntityRef], np.ndarray] = OrderedDict()
        self.known: dict[EntityRef, np.ndarray] = {}  # read from the case (other kinds)
        self.busy: dict[frozenset[EntityRef], threading.Lock] = {}
        # UI thread only: who waits for a union a worker computes (RecordLinks.request)
        self.waiting: dict[frozenset[EntityRef], list[Callable[[np.ndarray], None]]] = {}

    def remembered(self, refs: frozenset[EntityRef]) -> np.ndarray | None:
        with self.lock:
            ids = self.unions.get(refs)
            if ids is not None:
                self.unions.move_to_end(refs)
            return ids

    def union(self, refs: frozenset[EntityRef], events: EventSet,
              source: CaseSource | None, con: object | None) -> np.ndarray:
        """The sorted union of the events of ``refs`` (any thread; computed once)."""
        hit = self.remembered(refs)
        if hit is not None:
            return hit
        with self.lock:
            gate = self.busy.setdefault(refs, threading.Lock())
        with gate:
            hit = self.remembered(refs)
            if hit is not None:
                return hit
            parts, found = [], {}
            with self.lock:
                known = {r: self.known[r] for r in refs if r in self.known}
            missing = [r for r in refs if r.kind not in IN_MEMORY_KINDS and r not in known]
            if missing:
                found = _read_linked(missing, source, con)
            for r in refs:
                ids = events.ids_for(r.kind, r.id)
                ids = ids if ids is not None else known.get(r, found.get(r))
                if ids is not None and len(ids):
                    parts.append(ids)
            union = (_EMPTY if not parts else
                     _sorted_unique(parts[0]) if len(parts) == 1 else
                     np.unique(np.concatenate(parts)))
            with self.lock:
                self.known.update(found)
                self.unions[refs] = union
                while len(self.unions) > REMEMBERED:
                    self.unions.popitem(last=False)
                self.busy.pop(refs, None)
            return union


def _sorted_unique(ids: np.ndarray) -> np.ndarray:
    """``ids`` sorted without repeats; already sorted ones (the usual answer) are not copied."""
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return ids
    return np.unique(ids)


def _read_linked(refs: list[EntityRef], source: CaseSource | None,
                 con: object | None) -> dict[EntityRef, np.ndarray]:
    """The events of records that are not in memory, from the case (on ``con`` if given)."""
    if source is None and con is None:
        return dict.fromkeys(refs, _EMPTY)
    own = con is None
    if own:
        assert source is not None
        con = source.connect()
    try:
        return {r: linked_event_ids(con, r.kind, r.id) for r in refs}
    finally:
        if own:
            con.close()  # type: ignore[union-attr]


class RecordLinks(QObject):
    """Event ids of records, from memory or from the case (on a worker), remembered per case."""

    def __init__(self, session: CaseSession, runner: Runner, events: CaseEvents) -> None:
        super().__init__(session)
        self._session = session
        self._events = events
        self._runner = runner
        self._memo = _Memo()
        session.sig_closed.connect(self._forget)
        session.sig_opened.connect(lambda _overview: self._forget())

    def _forget(self) -> None:
        self._memo = _Memo()  # a worker still busy with the old case fills the old one

    def event_ids(self, ref: EntityRef) -> np.ndarray | None:
        """The events of ``ref`` if they are at hand now (memory or already read), else None.

        For an actor or a platform this scans a column: call it on a worker in large cases.
        """
        events = self._events.events
        if events is None:
            return None
        ids = events.ids_for(ref.kind, ref.id)
        if ids is not None:
            return ids
        with self._memo.lock:
            return self._memo.known.get(ref)

    def at_hand(self, refs: frozenset[EntityRef]) -> np.ndarray | None:
        """The sorted union of the events of ``refs`` when it costs next to nothing, else None.

        Next to nothing: remembered from an earlier ask, only event ids, or a pass over the
        columns of a small case (:data:`AT_ONCE_EVENTS`). None means: ask a worker, with
        :meth:`resolver`. Before the events are loaded, nothing is linked yet (empty).
        """
        events = self._events.events
        if not refs or events is None:
            return _EMPTY
        memo = self._memo
        hit = memo.remembered(refs)
        if hit is not None:
            return hit
        small = len(events) <= AT_ONCE_EVENTS
        with memo.lock:
            cheap = all(r.kind == "event" or (small and r.kind in IN_MEMORY_KINDS)
                        or r in memo.known for r in refs)
        return memo.union(refs, events, None, None) if cheap else None

    def answer(self, refs: frozenset[EntityRef], with_ids: Callable[[np.ndarray], None],
               on_worker: Callable[[Resolve], None]) -> None:
        """Route a view's ask for the events of ``refs`` the cheapest way.

        ``with_ids(ids)`` at once when :meth:`at_hand` has them, or (UI thread) once the one
        shared read of the case has them (:meth:`request`); ``on_worker(resolve)`` at once
        when they come from memory, for the view to call ``resolve`` inside its own worker
        task (:meth:`resolver`), which it queues now, before the tasks of views asked later.
        """
        ids = self.at_hand(refs)
        if ids is not None:
            with_ids(ids)
        elif self.from_memory(refs):
            on_worker(self.resolver(refs))
        else:
            self.request(refs, with_ids)

    def from_memory(self, refs: frozenset[EntityRef]) -> bool:
        """Whether the events of ``refs`` need no read of the case (columns, or read before).

        A worker then finds them in milliseconds: a view's task may call :meth:`resolver`
        itself, queued at once, ahead of the tasks other views queue after it. Answers that
        read the case (an identifier scans the events: ~1 s at 10^7) go through
        :meth:`request` instead, so that no pool thread waits for another's read.
        """
        memo = self._memo
        with memo.lock:
            return all(r.kind in IN_MEMORY_KINDS or r in memo.known for r in refs)

    def resolver(self, refs: frozenset[EntityRef]) -> Resolve:
        """A function giving the sorted union of the events of ``refs``, for a worker to call.

        It takes an open connection to the case, or None to open one if it must read; what
        it needs (the events, the case) is taken now, on the UI thread, so a case opened
        meanwhile never mixes in. Safe on any thread; computed once however many ask (a
        second worker waits for the first one's answer).
        """
        memo, events, source = self._memo, self._events.events, self._session.source

        def resolve(con: object | None = None) -> np.ndarray:
            if not refs or events is None:
                return _EMPTY
            return memo.union(refs, events, source, con)

        return resolve

    def request(self, refs: frozenset[EntityRef],
                on_done: Callable[[np.ndarray], None]) -> None:
        """Call ``on_done`` (UI thread) with the sorted union of the events of ``refs``.

        At once when :meth:`at_hand` has it; else once one worker task has computed it, one
        task for every caller asking for the same refs meanwhile (the timeline, the table and
        the inspector ask together: one scan, and no pool thread waits for another). Answers
        for a case closed meanwhile are dropped; a caller whose selection moved on drops its
        own (the state hub says what is selected now). A failed read answers "no events".
        """
        ids = self.at_hand(refs)
        if ids is not None:
            on_done(ids)
            return
        memo = self._memo
        waiting = memo.waiting.get(refs)
        if waiting is not None:
            waiting.append(on_done)
            return
        memo.waiting[refs] = [on_done]
        resolve = self.resolver(refs)

        def deliver(found: np.ndarray) -> None:
            callbacks = memo.waiting.pop(refs, [])
            if memo is self._memo:
                for callback in callbacks:
                    callback(found)

        def failed(exc: BaseException) -> None:
            log.warning("the events of %s could not be read: %s", sorted(refs, key=str), exc)
            deliver(_EMPTY)

        def queue() -> None:  # after the click's other handlers (see SelectionJob)
            self._runner.submit(lambda _ctx: resolve(None), deliver, failed)

        if self._runner.inline:
            queue()
        else:
            QTimer.singleShot(0, self, queue)
