"""Create new case files: the schema, the case facts, and the finishing touches.

Writers use plain ``sqlite3`` with ``executemany`` because building a 10-million-event case
through the ORM would take hours. Indices and the full-text index are built once at the end
(:func:`finish_case_file`), which is several times faster than maintaining them per row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from storage.schema import APPLICATION_ID, FORMAT_VERSION, FTS_DDL, FTS_REBUILD, Base

if TYPE_CHECKING:
    from collections.abc import Mapping


def table_ddl() -> list[str]:
    """``CREATE TABLE`` statements of case format v1, in dependency order."""
    dialect = sqlite_dialect.dialect()
    return [
        str(CreateTable(table).compile(dialect=dialect)).strip()
        for table in Base.metadata.sorted_tables
    ]


def index_ddl() -> list[str]:
    """``CREATE INDEX`` statements of case format v1 (built after bulk loads)."""
    dialect = sqlite_dialect.dialect()
    return [
        str(CreateIndex(index).compile(dialect=dialect)).strip()
        for table in Base.metadata.sorted_tables
        for index in sorted(table.indexes, key=lambda ix: ix.name or "")
    ]


def create_case_file(
    path: Path, info: Mapping[str, str], *, overwrite: bool = False
) -> sqlite3.Connection:
    """Create an empty case at ``path`` and return a connection for bulk loading.

    ``info`` must hold at least ``title`` and ``time_zone``; ``format_version`` is added.
    The connection runs with journaling off: a half-written case is garbage anyway, and
    the writer removes it on failure.
    """
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise FileExistsError(f"{path} already exists")
        path.unlink()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(f"PRAGMA application_id={APPLICATION_ID}")
    con.execute("PRAGMA page_size=8192")
    con.execute("BEGIN")
    for ddl in table_ddl():
        con.execute(ddl)
    facts = {"format_version": FORMAT_VERSION, **info}
    con.executemany("INSERT INTO case_info(key, value) VALUES (?, ?)", sorted(facts.items()))
    return con


def finish_case_file(con: sqlite3.Connection, *, fts: bool = True) -> None:
    """Commit, build indices and the FTS index, and leave a compact rollback-journal file.

    The result is in ``journal_mode=DELETE`` so that opening it read-only never needs a
    ``-wal`` or ``-shm`` file next to the evidence.
    """
    for ddl in index_ddl():
        con.execute(ddl)
    if fts:
        con.execute(FTS_DDL)
        con.execute(FTS_REBUILD)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
