"""Write the bundled demo case and synthetic cases of any size (10^3 … 10^7 events).

Both are deterministic: the same arguments give a byte-identical file (same SHA-256), so the
app can regenerate the demo instead of shipping a database, and benchmarks compare like with
like. Neither reads the clock or the environment; ``case_info.created_at`` is a fixed string.

Both write with plain ``sqlite3`` through :mod:`storage.case.writer` (the ORM would take hours
at ten million rows): the demo with :func:`~storage.case.writer.finish_case_file`, the
synthetic cases with its steps in their own order
(:func:`storage.synthetic.network.write_synthetic`). They build the case under a temporary name
in the target's folder and rename it at the end: a failure (or an interrupted run) never leaves
a half-written case where a reader could open it, and the temporary files (the synthetic
worker's too) are removed.

The story itself lives in :mod:`storage.synthetic.demo_story` (with
:mod:`storage.synthetic.demo_cast`, :mod:`storage.synthetic.demo_parcels`,
:mod:`storage.synthetic.demo_text`); the scaled generator in :mod:`storage.synthetic.network`.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storage.case.writer import create_case_file, finish_case_file
from storage.synthetic.demo_story import build_demo
from storage.synthetic.network import synthetic_info, write_synthetic
from storage.synthetic.support import RowBook

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterator, Mapping

DEMO_VERSION = "2"
"""Bump whenever the demo's content changes: the app caches the demo file under this name."""

DEMO_INFO = {
    "title": "Chicha Express — online shop, Paris delivery cell and Dutch supplier",
    "reference": "CYBER-2024-0417",
    "time_zone": "Europe/Paris",
    "classification": "DEMO — SYNTHETIC DATA",
    "created_at": "2025-01-06T09:00:00Z",
    "description": (
        "Invented case for demonstration and training. A seller advertising shisha tobacco "
        "and cannabis on Snapchat and Facebook moves buyers to Signal; two heads and two "
        "logisticians post parcels from a flat rented under a false name; a Dutch group "
        "supplies 10 kg consignments; a Paris delivery cell runs from a Telegram channel. "
        "Test purchases, crypto payments, a phone line in the name of two pensioners (redact "
        "in court), an exit-scam vendor, seizures, arrests and court decisions. Every name, "
        "number, wallet and address is invented."
    ),
    "generator": f"Filature storage.synthetic.generator demo v{DEMO_VERSION}",
}


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """What a synthetic run produced, for the CLI's JSON line and the benchmarks."""

    path: Path
    events: int
    seconds: float
    events_per_second: float


def write_demo_case(path: Path, *, overwrite: bool = False) -> None:
    """Write the demo case (a few thousand records, every one citing an exhibit) at ``path``.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    with _new_case(Path(path), DEMO_INFO, overwrite=overwrite) as (con, _partial):
        book = RowBook()
        build_demo(book)
        book.write(con)
        finish_case_file(con, fts=True)


def write_synthetic_case(
    path: Path, events: int, *, seed: int = 1, fts: bool = True, overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Write a synthetic case of exactly ``events`` events, ``id`` order being time order.

    ``progress(done, total)`` is called after each chunk of events (on this thread); raising
    from it aborts the run and removes the partial file, which is how a caller cancels.
    ``seconds`` covers everything, indices, full-text index and ``ANALYZE`` included.

    Raises
    ------
    ValueError
        If ``events`` is less than 1.
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    if events < 1:
        raise ValueError("a synthetic case needs at least one event")
    path = Path(path)
    start = time.perf_counter()
    with _new_case(path, synthetic_info(events, seed), overwrite=overwrite) as (con, partial):
        # For the finish on this connection: let ANALYZE sample each index instead of reading
        # all of it (0.3 s -> 0.01 s at 10^6 events; the planner needs proportions, not
        # exact counts).
        con.execute("PRAGMA analysis_limit=1000")
        write_synthetic(con, events, seed=seed, fts=fts, side=partial.with_suffix(".side"),
                        progress=progress, in_process=_IN_PROCESS)
    seconds = time.perf_counter() - start
    return GenerationReport(path=path, events=events, seconds=seconds,
                            events_per_second=events / seconds if seconds > 0 else 0.0)


_IN_PROCESS: bool | None = None
"""Where the synthetic worker runs: None = a process unless frozen (tests set True/False)."""


@contextmanager
def _new_case(path: Path, info: Mapping[str, str], *, overwrite: bool
              ) -> Iterator[tuple[sqlite3.Connection, Path]]:
    """Yield a bulk-loading connection to a new case and its temporary path.

    The body finishes the case (which closes the connection); it is then published under
    ``path``. If the body raises, the connection is closed and the temporary file removed.
    """
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    con = None
    try:
        con = create_case_file(partial, info, overwrite=True)
        yield con, partial
        os.replace(partial, path)
    except BaseException:
        if con is not None:
            con.close()  # a no-op if the body closed it already
        for leftover in (partial, *(Path(f"{partial}{s}") for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        raise
