"""Synthetic cases of any size, for benchmarks and for trying the viewer at scale.

How a case of N events is made (all of it from one seeded numpy generator, so the same N and
seed give the same bytes):

- **Span**: 60 days at 10³ events, doubling per decade (480 days at 10⁶, 960 at 10⁷), ending
  on 31 December 2024 in Europe/Paris, so it crosses clock changes.
- **Rhythm**: a daily rate that grows with the business, peaks on Fridays, Saturdays, the Fête
  de la musique and Christmas, and is noisy; within a day each kind has its own hours
  (messages all day with an evening peak, parcels in bursts at the post office, rounds from
  noon, dawn raids at six). Wall-clock times are converted to UTC with the day's offsets.
- **Kinds**: messages, payments, parcels and courier rounds are drawn per day; parcels then
  spawn scans and deliveries, rounds spawn hand deliveries, taken-down networks spawn
  searches, arrests, seizures and court decisions (:mod:`storage.synthetic.spawn`).
- **Chunks**: whole days, ~100,000 events at a time, sorted by ``ts`` and inserted in that
  order, so ``event.id`` order is time order and memory stays flat at 10⁷ events
  (:mod:`storage.synthetic.chunks`).

How the work is shared between the two cores of a small machine: this process draws the
cast and writes the events in ``id`` order, the one job that must run on the case's connection
(binding parameters: :mod:`storage.synthetic.rows`). A worker process
(:mod:`storage.synthetic.worker`) makes the chunks, writes one in three itself to a chunk file
whose records this process copies as they are, and builds the full-text index and the parcels
in a side database, copied in while this process builds the ``event`` indices. Measured on 2
cores at 10⁶ events: 6.7 s with one process and a helper thread, ~4.1 s now; 10⁷: ~45 s.
"""

from __future__ import annotations

import gc
import glob
import math
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from storage.case.schema import FTS_DDL, FTS_TABLE, Base
from storage.case.search_terms import SEARCH_TERM_DDL, SEARCH_TERM_TABLE
from storage.case.writer import (
    copy_tables,
    fts_shadow_tables,
    index_ddl,
    seal_case_file,
    table_ddl,
)
from storage.synthetic import chunks as synthetic_chunks
from storage.synthetic.cast import build_cast, write_cast
from storage.synthetic.draw import calendar
from storage.synthetic.link import WorkerLink
from storage.synthetic.rows import EventInsert, event_rows
from storage.synthetic.worker import Job

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

GENERATOR_VERSION = "1"
END_DATE = date(2024, 12, 31)
_SIDE_TABLES = ("shipment", "shipment_leg")


def span_days(events: int) -> int:
    """Days a case of ``events`` events covers: 60 at 10³, doubling per decade."""
    return int(np.clip(round(60 * 2 ** (math.log10(max(events, 1)) - 3)), 30, 1500))


def synthetic_info(events: int, seed: int) -> dict[str, str]:
    """``case_info`` of a synthetic case (fixed strings: no clock, no host name)."""
    return {
        "title": f"Synthetic case — {events:,} events (seed {seed})",
        "reference": f"SYN-{events}-{seed}",
        "time_zone": "Europe/Paris",
        "classification": "SYNTHETIC DATA — NOT EVIDENCE",
        "created_at": "2025-01-06T09:00:00Z",
        "description": "Generated for benchmarks: networks, couriers, parcels and payments "
                       "with realistic rhythms. Every name and number is invented.",
        "generator": f"Filature storage.synthetic.network v{GENERATOR_VERSION}",
        "seed": str(seed),
        "events": str(events),
    }


IN_PROCESS_BELOW = 200_000
"""Below this many events the worker runs on a thread: 0.05 s instead of 0.26 s at 10^3."""


def write_synthetic(con: sqlite3.Connection, events: int, *, seed: int, fts: bool, side: Path,
                    progress: Callable[[int, int], None] | None,
                    in_process: bool | None = None) -> None:
    """Fill a case just made by ``create_case_file`` with ``events`` events, finish, close it.

    ``side`` is where the worker puts its side database; it is removed here, whatever
    happens. ``in_process`` runs the worker on a thread (see :mod:`storage.synthetic.link`;
    None: when frozen, or for fewer than ``IN_PROCESS_BELOW`` events). Order of the finish:
    the ``event`` indices first (the worker completes the full-text index meanwhile), then
    the copies, then the small indices.
    """
    if in_process is None and events < IN_PROCESS_BELOW:
        in_process = True  # starting a Python process costs more than a small case takes
    try:
        with WorkerLink(in_process=in_process) as worker:
            rng = np.random.default_rng(seed)
            days = span_days(events)
            cal = calendar(END_DATE - timedelta(days - 1), 2 * days + 60)
            cast, cast_rows = build_cast(rng, events, days, int(cal.midnight[0]))
            worker.start(Job(events=events, chunk_events=synthetic_chunks.CHUNK_EVENTS,
                             cast=cast, cal=cal,
                             rng_state=rng.bit_generator.state, side=str(side),
                             event_ddl=table_ddl(("event",))[0],
                             ship_ddl=tuple(table_ddl(_SIDE_TABLES)),
                             fts_ddl=FTS_DDL if fts else None, fts_table=FTS_TABLE))
            write_cast(con, cast_rows)  # while the worker makes the first chunk
            del cast_rows
            _write_events(con, worker, events, progress)
            con.execute(f"PRAGMA threads={_sorter_threads(events)}")
            for ddl in index_ddl(("event",)):
                con.execute(ddl)
            if fts:
                con.execute(FTS_DDL)  # empty: its shadow tables come from the side database
                con.execute(SEARCH_TERM_DDL)  # and so do its rows
            worker.wait_done()
        text_tables = [*fts_shadow_tables(con), SEARCH_TERM_TABLE] if fts else []
        copy_tables(con, side, [*_SIDE_TABLES, *text_tables])
        for ddl in index_ddl({t.name for t in Base.metadata.sorted_tables} - {"event"}):
            con.execute(ddl)
        seal_case_file(con)
    finally:
        for leftover in (side, *side.parent.glob(f"{glob.escape(side.name)}-*")):
            leftover.unlink(missing_ok=True)


def _sorter_threads(events: int) -> int:
    """Helper threads for the sorter behind ``CREATE INDEX`` (the file is the same either way).

    They pay when the second core is idle. From a few million events on, the worker is
    still indexing text when the ``event`` indices start, and the helpers only take turns
    with it while costing ~35 % more CPU. Measured on 2 cores: 10⁶ events 4.13 s with two
    helpers, 4.25 s without; 10⁷ events 48 s with, 44.7 s without.
    """
    return 2 if events <= 2_000_000 else 0


def _write_events(con: sqlite3.Connection, worker: WorkerLink, events: int,
                  progress: Callable[[int, int], None] | None) -> None:
    """Insert the worker's chunks in order, binding them or copying its chunk files.

    ``progress`` is called after each chunk.

    The cyclic garbage collector is paused meanwhile: the parameter lists are millions of
    fresh containers, and collections triggered by them scanned every live object again
    (~40 % of the time spent building rows, measured); nothing here makes cycles.
    """
    statements: EventInsert | None = None
    written = 0
    collecting = gc.isenabled()
    gc.disable()
    try:
        for message in worker.chunks():
            if message.path is not None:
                copy_tables(con, Path(message.path), ("event",), replace=False)
                Path(message.path).unlink()
            elif message.events is not None:
                if statements is None:
                    statements = EventInsert.for_batch(message.events)
                rows, tail = event_rows(message.events)
                con.executemany(statements.many, rows)
                con.executemany(statements.one, tail)
                del rows, tail  # the Python rows are the biggest thing alive: free them now
            written += message.count
            del message
            if progress is not None:
                progress(written, events)
    finally:
        if collecting:
            gc.enable()
