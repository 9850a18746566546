"""The main process's end of the import helper (:mod:`storage.importers.side_worker`).

Started before the first file is read (its interpreter starts while this one sniffs the
encoding), fed chunk by chunk through a pipe (a chunk's fields to pack, its tags, its titles
and messages for the text index). A thread of this process writes the messages into the
pipe from an :class:`~storage.outbox.Outbox` of :data:`QUEUED` messages: the import goes on
with the next chunk while the helper reads the last one (through the pipe's 64 KB alone, the
two processes took turns on a 25 MB message), and a full outbox is the back-pressure: when
the helper falls behind, the import waits instead of piling chunks up in memory. The side
database sits beside the case being written (hidden, removed in every case).

Used only for a new case: at the end the case's other tables are copied into the side
database, which becomes the case (:meth:`SideTables.absorb`). Adding to an existing case
binds in this process, as does a frozen application (no Python to run ``-m`` with).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from storage.case.schema import APPLICATION_ID, FTS_DDL, FTS_TABLE, Base
from storage.case.writer import copy_tables, index_ddl, table_ddl
from storage.outbox import Outbox, Stopped

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

SIDE_TABLES = ("event_attribute", "event_tag")
QUEUED = 3
"""Messages waiting for the pipe at most: about one chunk ahead (a chunk makes two or three)."""
_END = None  # the writer thread's last message
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


class SideTables:
    """A running helper writing ``SIDE_TABLES`` into a side database."""

    def __init__(self, folder: Path, tables: Sequence[str] = SIDE_TABLES, *,
                 fts: bool = False) -> None:
        self.tables = tuple(tables)
        self.fts = fts
        """Whether the helper builds the case's text index and its search summary."""
        self.path = Path(folder) / f".filature-import-{os.getpid()}-{uuid.uuid4().hex[:8]}.side"
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, path) if p)}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "storage.importers.side_worker"], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._outbox: Outbox[tuple[object, ...] | None] = Outbox(QUEUED)
        self._writer = threading.Thread(target=self._write, name="import-helper-pipe",
                                        daemon=True)
        self._writer.start()
        self._send(("open", str(self.path), table_ddl(self.tables), FTS_DDL if fts else None,
                    FTS_TABLE))

    @staticmethod
    def available() -> bool:
        """Whether a helper process can be started (not in a frozen application)."""
        return bool(sys.executable) and not getattr(sys, "frozen", False)

    def insert(self, sql: str, columns: Sequence[list[object]]) -> None:
        """Rows for the helper to bind (``columns``: one list per ``?`` of ``sql``)."""
        self._send(("rows", sql, tuple(columns)))

    def execute(self, sql: str, params: tuple[object, ...]) -> None:
        """One statement for the helper to run (a small chunk's fields, packed here)."""
        self._send(("exec", sql, params))

    def fields(self, first: int, fields: dict[str, np.ndarray], n: int) -> None:
        """A chunk's fields for the helper to pack and insert (``write_fields``).

        The JSON encoding is then the helper's work, not this process's.
        """
        self._send(("fields", first, fields, n))

    def text(self, first: int, titles: list[object], messages: list[object]) -> None:
        """Titles and messages of events ``first``, ``first + 1``… for the text index."""
        self._send(("text", first, titles, messages))

    def absorb(self, con: sqlite3.Connection, part: Path) -> sqlite3.Connection:
        """Wait for the helper; the case continues in the side database, returned open.

        While the helper finishes the text index, this process builds the indices of its own
        tables; then they are copied, indices and all, into the side database (SQLite's
        transfer: records and index entries as they are, as the destination has the same
        indices and is empty), which holds the text index that cannot be moved. ``con`` (on
        ``part``) is committed and closed. The caller seals the returned connection (with
        the text index, when :attr:`fts`, already in) and moves :attr:`path` into place.
        """
        self._send(("end", index_ddl(self.tables)))
        self._stop_writer()
        assert self._proc.stdout is not None
        others = [t.name for t in Base.metadata.sorted_tables if t.name not in self.tables]
        for ddl in index_ddl(others):  # while the helper finishes
            con.execute(ddl)
        try:
            reply = pickle.load(self._proc.stdout)
        except EOFError:
            reply = ("error", f"the helper stopped (exit code {self._proc.wait()})")
        if reply[0] != "done":
            raise RuntimeError(f"import helper failed: {reply[1]}")
        self._release()
        con.execute("COMMIT")
        con.close()
        side = sqlite3.connect(self.path, isolation_level=None)
        side.execute("PRAGMA journal_mode=OFF")
        side.execute("PRAGMA synchronous=OFF")
        side.execute(f"PRAGMA application_id={APPLICATION_ID}")
        side.execute("BEGIN")
        for ddl in (*table_ddl(others), *index_ddl(others)):
            side.execute(ddl)
        copy_tables(side, Path(part), others, replace=False)
        return side

    def close(self) -> None:
        """Stop the helper if it still runs and remove the side database."""
        self._release()
        for suffix in ("", "-journal"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def _release(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._stop_writer()  # the helper gone, a write in progress fails: the thread ends
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _send(self, message: tuple[object, ...]) -> None:
        try:
            self._outbox.put(message)
        except Stopped:  # the writer thread found the pipe broken: the helper stopped
            self._failed()

    def _failed(self) -> None:
        code = self._proc.wait()
        reply = ""
        if self._proc.stdout is not None:
            with contextlib.suppress(Exception):
                reply = str(pickle.load(self._proc.stdout)[1])
        raise RuntimeError(f"import helper stopped (exit code {code}) {reply}") from None

    def _write(self) -> None:
        """The writer thread: queued messages into the pipe, until the last or a broken pipe.

        ``pickle.dump`` writes with the GIL released while the pipe is full, so the import's
        own work goes on meanwhile.
        """
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            while (message := self._outbox.get()) is not _END:
                pickle.dump(message, stdin, protocol=5)
            stdin.close()
        except (OSError, ValueError):  # the helper stopped, or was stopped: said by _failed
            self._outbox.stop()
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def _stop_writer(self) -> None:
        """Let the writer thread send what is queued, then end it.

        A helper that stopped is said by its missing reply (:meth:`absorb`), not here: this
        also runs when an import is being cleaned up after a failure.
        """
        if self._writer.is_alive():
            with contextlib.suppress(Stopped):  # the thread ended on a broken pipe already
                self._outbox.put(_END)
            self._writer.join()
