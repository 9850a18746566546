"""The main process's end of the import helper (:mod:`storage.importers.side_worker`).

Started before the first file is read (its interpreter starts while this one sniffs the
encoding), fed the long-format rows chunk by chunk through a pipe, whose 64 KB buffer is the
back-pressure: when the helper falls behind, the import waits instead of piling chunks up in
memory. The side database sits beside the case being written (hidden, removed in every case).

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
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from storage.case.schema import APPLICATION_ID, Base
from storage.case.writer import copy_tables, index_ddl, table_ddl

if TYPE_CHECKING:
    from collections.abc import Sequence

SIDE_TABLES = ("event_attribute", "event_tag")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


class SideTables:
    """A running helper writing ``SIDE_TABLES`` into a side database."""

    def __init__(self, folder: Path, tables: Sequence[str] = SIDE_TABLES) -> None:
        self.tables = tuple(tables)
        self.path = Path(folder) / f".filature-import-{os.getpid()}-{uuid.uuid4().hex[:8]}.side"
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, path) if p)}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "storage.importers.side_worker"], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._send(("open", str(self.path), table_ddl(self.tables)))

    @staticmethod
    def available() -> bool:
        """Whether a helper process can be started (not in a frozen application)."""
        return bool(sys.executable) and not getattr(sys, "frozen", False)

    def insert(self, sql: str, columns: Sequence[list[object]]) -> None:
        """Rows for the helper to bind (``columns``: one list per ``?`` of ``sql``)."""
        self._send(("rows", sql, tuple(columns)))

    def absorb(self, con: sqlite3.Connection, part: Path) -> sqlite3.Connection:
        """Wait for the helper; the case continues in the side database, returned open.

        The side database holds most of the rows (~6 to 12 attribute rows per event), so the
        main one's tables are copied into it (SQLite's transfer: records as they are), not
        the other way round; ``con`` (on ``part``) is committed and closed. The caller
        finishes the returned connection and moves :attr:`path` into place.
        """
        self._send(("end", index_ddl(self.tables)))
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
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
        others = [t.name for t in Base.metadata.sorted_tables if t.name not in self.tables]
        for ddl in table_ddl(others):
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
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _send(self, message: tuple[object, ...]) -> None:
        assert self._proc.stdin is not None
        try:
            pickle.dump(message, self._proc.stdin, protocol=5)
        except BrokenPipeError:
            code = self._proc.wait()
            reply = ""
            if self._proc.stdout is not None:
                with contextlib.suppress(Exception):
                    reply = str(pickle.load(self._proc.stdout)[1])
            raise RuntimeError(f"import helper stopped (exit code {code}) {reply}") from None
