"""The helper of a synthetic run: it makes the chunks, and does every job that can wait.

Why a process, not a thread: binding parameters is Python work, and so is much of making
events (numpy calls on ~100,000-element arrays, with Python in between); two threads share one
GIL, and moving work to a helper thread measured slower. A process has its own interpreter, so
the worker runs on the second core while the main process writes events.

The worker makes every chunk and, in order of urgency:

1. hands it to the main process (:data:`CHUNK`), except one chunk in :data:`OFFLOAD_EVERY`,
   which it writes itself to a chunk file with the ids the events will have in the case
   (:data:`FILE`); the main process copies that file's records as they are (SQLite's transfer
   optimisation, ~0.04 s per chunk instead of ~0.27 s of binding). This is what evens the
   load: the main process binds two chunks while the worker makes three and binds one;
2. writes the chunk's shipments and legs to a side database (copied into the case at the end);
3. when it is ahead (the outbox is full: the main process still has work queued), indexes the
   text of the oldest waiting chunk in the side database's FTS5 index, made with the case's
   own DDL so that its shadow tables can be copied verbatim (instead of a ``rebuild`` on the
   main process's critical path). What waits after the last chunk is indexed while the main
   process builds the ``event`` indices.

Which chunks are offloaded, and the one-statement-per-chunk steps of the index, are fixed by
the data, never by timing: the files are the same whatever the machine's speed (a test runs
the worker on a thread too and compares the bytes).

Protocol, as a process (``python -m storage.synthetic.worker``; this module stays clear of
SQLAlchemy so it starts in ~0.2 s): the main process writes one pickled :class:`Job` to stdin;
the worker writes pickled :class:`Message` objects to stdout, ending with ``END`` after the
last chunk and ``DONE`` once the side database is complete and closed.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import signal
import sqlite3
import sys
import threading
import traceback
from collections import deque
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from storage.case.search_terms import SEARCH_TERM_DDL, insert_search_terms
from storage.outbox import Outbox, Stopped
from storage.synthetic.chunks import make_chunks, settled_statuses
from storage.synthetic.rows import EventInsert
from storage.synthetic.spawn import TITLES
from storage.synthetic.support import insert_sql
from storage.synthetic.terms import MESSAGE_CODES, TermCounter
from storage.synthetic.text import MESSAGES

if TYPE_CHECKING:
    from storage.synthetic.cast import SynthCast
    from storage.synthetic.chunks import Chunk
    from storage.synthetic.draw import Calendar
    from storage.synthetic.spawn import Batch

CHUNK, FILE, END, DONE, ERROR = "chunk", "file", "end", "done", "error"
OFFLOAD_EVERY = 3
"""Chunk ``k`` is written by the worker when ``k % OFFLOAD_EVERY == OFFLOAD_EVERY - 1``.

Measured per 10⁵ events on 2 cores: making 0.115 s, binding 0.27 s, copying a chunk file
0.04 s. One in three was best (10⁶ events: one in two 4.9 s, three 4.4 s, four 4.5 s; 10⁷:
three 45 s, four 46 s); indexing the text fills the gaps and the end.
"""
_PRAGMAS = ("page_size=8192", "journal_mode=OFF", "synchronous=OFF")


@dataclass(frozen=True, slots=True)
class Job:
    """Everything the worker needs: the cast and generator state after the cast was drawn."""

    events: int
    chunk_events: int
    cast: SynthCast
    cal: Calendar
    rng_state: dict[str, Any]
    side: str
    """Path of the side database; chunk files are named after it (``<side>-<chunk>``)."""
    event_ddl: str
    """``CREATE TABLE event``, as in the case (chunk files must match it to be copied)."""
    ship_ddl: tuple[str, ...]
    """``CREATE TABLE`` of ``shipment`` and ``shipment_leg``, as in the case."""
    fts_ddl: str | None
    """``CREATE VIRTUAL TABLE`` of the case's FTS5 index, or None for no full-text index."""
    fts_table: str


@dataclass(frozen=True, slots=True)
class Message:
    """One step of the run, worker to main process."""

    tag: str
    count: int = 0
    events: Batch | None = None
    """CHUNK: the chunk's events (written fields only), to bind."""
    path: str | None = None
    """FILE: the chunk file to copy (the main process removes it)."""
    error: BaseException | None = None
    """ERROR (worker on a thread only): what stopped it."""


def produce(job: Job, outbox: Outbox) -> None:
    """Make the chunks and send them to ``outbox``; write chunk files and the side database."""
    rng = np.random.default_rng()
    rng.bit_generator.state = job.rng_state
    side = _SideDatabase(job)
    try:
        statements: EventInsert | None = None
        recent: list[Batch] = []
        first_id, last_ts = 1, 0
        chunks = make_chunks(job.events, job.cast, job.cal, rng, chunk_events=job.chunk_events)
        for k, chunk in enumerate(chunks):
            if statements is None:
                statements = EventInsert.for_batch(chunk.events, with_id=True)
            if k % OFFLOAD_EVERY == OFFLOAD_EVERY - 1:
                path = f"{job.side}-{k}"
                _write_chunk_file(path, job.event_ddl, statements, chunk.events, first_id)
                message = Message(FILE, chunk.count, path=path)
            else:
                message = Message(CHUNK, chunk.count, events=chunk.events)
            side.add(first_id, chunk)
            while not outbox.offer(message):
                if not side.step():  # nothing to do while waiting: just wait
                    outbox.put(message)
                    break
            first_id += chunk.count
            last_ts = chunk.last_ts
            recent = [*recent[-2:], chunk.timeline]
            del chunk, message
        outbox.put(Message(END))
        side.finish(settled_statuses(recent, last_ts))
        outbox.put(Message(DONE))
    finally:
        side.close()


def _write_chunk_file(path: str, ddl: str, statements: EventInsert, events: Batch,
                      first_id: int) -> None:
    """Write a chunk's events, with their case ids, to a new database at ``path``."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in _PRAGMAS:
            con.execute(f"PRAGMA {pragma}")
        con.execute("BEGIN")
        con.execute(ddl)
        rows, tail = statements.rows(events, first_id)
        con.executemany(statements.many, rows)
        con.executemany(statements.one, tail)
        con.execute("COMMIT")
    finally:
        con.close()


_SHIP_SQL = insert_sql("shipment", (
    "id", "carrier", "tracking_number", "sender_actor_id", "recipient_actor_id", "sender_name",
    "recipient_name", "weight_g", "declared_content", "real_content", "status", "exhibit_id"))
_LEG_SQL = insert_sql("shipment_leg", ("shipment_id", "seq", "from_place_id", "to_place_id",
                                       "departed_ts", "arrived_ts", "exhibit_id"),
                      {"arrived_ts": "0"})
_MAX_BACKLOG = 250  # chunks whose text waits to be indexed: 100 MB of codes at most
_MAX_PARCELS = 16  # chunks whose parcels wait (as Python tuples): ~100 MB at most
_HASH_BYTES = 16 << 20
"""FTS5 ``hashsize`` while building: a chunk's terms flush as one segment, not as 1 MB ones
(~15 % less work). A build setting, removed from the index's config before it is copied."""


class _SideDatabase:
    """The side database: shipments and legs as chunks come, their text a chunk per :meth:`step`.

    Each chunk's text goes in as one statement: the events' ``title * 256 + message`` codes as
    a JSON array, joined to two texts tables (``CROSS JOIN`` keeps ``json_each`` the outer
    loop, so rows go in ``rowid`` order). One parameter per chunk instead of three per event
    made the index ~25 % cheaper to build.
    """

    def __init__(self, job: Job) -> None:
        self._job = job
        # Only the text codes (0.4 MB a chunk) and parcels wait, not whole chunks: those
        # would grow to gigabytes at 10⁷ events.
        self._todo: deque[tuple[int, np.ndarray]] = deque()
        self._parcels: deque[tuple[list[tuple[object, ...]], list[tuple[int, ...]]]] = deque()
        self._con = sqlite3.connect(job.side, isolation_level=None)
        for pragma in _PRAGMAS:
            self._con.execute(f"PRAGMA {pragma}")
        self._con.execute("BEGIN")
        for ddl in job.ship_ddl:
            self._con.execute(ddl)
        self._fts_sql = self._create_fts() if job.fts_ddl else None
        self._terms = TermCounter(TITLES.tolist(), MESSAGES.tolist()) if job.fts_ddl else None

    def add(self, first_id: int, chunk: Chunk) -> None:
        """Queue a chunk's parcels, and its text, whose first event gets ``first_id``."""
        self._parcels.append((chunk.ships, chunk.legs))
        if self._fts_sql is not None and self._terms is not None:
            events = chunk.events
            codes = events["title"].astype(np.int32) * MESSAGE_CODES + events["msg"]
            self._todo.append((first_id, codes))
            self._terms.add(first_id, codes)
        while len(self._parcels) > _MAX_PARCELS or len(self._todo) > _MAX_BACKLOG:
            self.step()

    def step(self) -> bool:
        """Write the oldest queued parcels, or else text; False if there was none."""
        if self._parcels:
            ships, legs = self._parcels.popleft()
            self._con.executemany(_SHIP_SQL, ships)
            self._con.executemany(_LEG_SQL, legs)
            return True
        if not self._todo:
            return False
        first_id, codes = self._todo.popleft()
        assert self._fts_sql is not None
        self._con.execute(self._fts_sql, (first_id, json.dumps(codes.tolist())))
        return True

    def finish(self, statuses: list[tuple[str, int]]) -> None:
        """Write what is queued, settle the last parcels' statuses, commit."""
        while self.step():
            pass
        self._con.executemany("UPDATE shipment SET status = ? WHERE id = ?", statuses)
        if self._fts_sql is not None and self._terms is not None:
            self._con.execute(f"DELETE FROM {self._job.fts_table}_config WHERE k = 'hashsize'")
            self._con.execute(SEARCH_TERM_DDL)
            insert_search_terms(self._con, self._terms.rows())
        self._con.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (the main process removes the file)."""
        self._con.close()

    def _create_fts(self) -> str:
        job, con = self._job, self._con
        assert job.fts_ddl is not None
        con.execute(job.fts_ddl)
        con.execute(f"INSERT INTO {job.fts_table}({job.fts_table}, rank) "
                    f"VALUES ('hashsize', {_HASH_BYTES})")
        con.execute("CREATE TEMP TABLE title_text(code INTEGER PRIMARY KEY, text TEXT)")
        con.execute("CREATE TEMP TABLE message_text(code INTEGER PRIMARY KEY, text TEXT)")
        con.executemany("INSERT INTO title_text VALUES (?, ?)", enumerate(TITLES.tolist()))
        con.executemany("INSERT INTO message_text VALUES (?, NULLIF(?, ''))",
                        enumerate(MESSAGES.tolist()))
        return (f"INSERT INTO {job.fts_table}(rowid, title, message) "
                "SELECT ?1 + j.key, t.text, m.text FROM json_each(?2) AS j "
                "CROSS JOIN title_text AS t CROSS JOIN message_text AS m "
                f"WHERE t.code = j.value / {MESSAGE_CODES} "
                f"AND m.code = j.value % {MESSAGE_CODES}")


def _send(outbox: Outbox, out: IO[bytes]) -> None:
    """Write the outbox to the main process until ``DONE`` (thread of the worker process)."""
    try:
        while True:
            message = outbox.get()
            pickle.dump(message, out, protocol=5)
            out.flush()
            if message.tag == DONE:
                return
    except BrokenPipeError:
        outbox.stop()  # the main process is gone (cancelled): stop making


def main() -> int:
    """Entry point of the worker process: read the job, run it, stream the messages."""
    gc.disable()  # short-lived, allocation-heavy, no cycles worth collecting
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt `out`
    job = pickle.load(sys.stdin.buffer)
    outbox = Outbox(1)  # plus the message being written: the main process never waits long
    sender = threading.Thread(target=_send, args=(outbox, out), name="synthetic-send",
                              daemon=True)
    sender.start()
    try:
        produce(job, outbox)
    except Stopped:
        return 1
    except BaseException:
        traceback.print_exc()  # to stderr; the main process sees the pipe close
        return 1
    sender.join()
    return 0


if __name__ == "__main__":
    # Run the module's importable twin: pickled messages must name their classes
    # storage.synthetic.worker.Message, not __main__.Message.
    from storage.synthetic.worker import main as worker_main

    sys.exit(worker_main())
