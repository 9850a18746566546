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

from storage.case.schema import (
    APPLICATION_ID,
    FORMAT_VERSION,
    FTS_DDL,
    FTS_REBUILD,
    FTS_TABLE,
    Base,
)
from storage.case.search_terms import write_search_terms

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence


def table_ddl(tables: Collection[str] | None = None) -> list[str]:
    """``CREATE TABLE`` statements of case format v1 (of ``tables``), in dependency order."""
    dialect = sqlite_dialect.dialect()
    return [
        str(CreateTable(table).compile(dialect=dialect)).strip()
        for table in Base.metadata.sorted_tables
        if tables is None or table.name in tables
    ]


def index_ddl(tables: Collection[str] | None = None) -> list[str]:
    """``CREATE INDEX`` statements of case format v1 (built after bulk loads).

    ``tables`` limits them to those tables' indices.
    """
    dialect = sqlite_dialect.dialect()
    return [
        str(CreateIndex(index).compile(dialect=dialect)).strip()
        for table in Base.metadata.sorted_tables
        if tables is None or table.name in tables
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
    con.execute("PRAGMA page_size=8192")  # before anything writes the header, or it is ignored
    con.execute(f"PRAGMA application_id={APPLICATION_ID}")
    con.execute("BEGIN")
    for ddl in table_ddl():
        con.execute(ddl)
    facts = {"format_version": FORMAT_VERSION, **info}
    con.executemany("INSERT INTO case_info(key, value) VALUES (?, ?)", sorted(facts.items()))
    return con


def finish_case_file(con: sqlite3.Connection, *, fts: bool = True) -> None:
    """Commit, build indices, the FTS index and its summary, and leave a compact file.

    The result is in ``journal_mode=DELETE`` so that opening it read-only never needs a
    ``-wal`` or ``-shm`` file next to the evidence.
    """
    for ddl in index_ddl():  # IF NOT EXISTS: a table copied in may have brought its own
        con.execute(ddl.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    if fts:
        con.execute(FTS_DDL)
        con.execute(FTS_REBUILD)
        write_search_terms(con)
    seal_case_file(con)


def seal_case_file(con: sqlite3.Connection) -> None:
    """Commit, ``ANALYZE``, switch to ``journal_mode=DELETE`` and close (see above)."""
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()


def fts_shadow_tables(con: sqlite3.Connection) -> list[str]:
    """Names of the real tables behind the FTS5 index (``event_fts_data`` and so on)."""
    rows = con.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE ? "
                       "ESCAPE '\\' ORDER BY name", (FTS_TABLE.replace("_", "\\_") + "\\_%",))
    return [name for (name,) in rows]


def copy_tables(con: sqlite3.Connection, source: Path, tables: Sequence[str], *,
                replace: bool = True) -> None:
    """Copy the rows of ``tables`` from the same tables of the database at ``source``.

    For bulk loads built elsewhere (another process): with identical definitions on both
    sides, ``INSERT INTO t SELECT * FROM src.t`` copies records as they are, ids included
    (SQLite's transfer optimisation), ~7x faster than binding them. ``replace`` empties the
    tables first; otherwise rows are appended (their ids must come after the table's). This
    commits the transaction in progress (``ATTACH`` cannot run inside one) and opens a new one.
    """
    con.execute("COMMIT")
    con.execute("ATTACH DATABASE ? AS source", (str(source),))
    con.execute("BEGIN")
    for table in tables:
        if replace:
            con.execute(f"DELETE FROM main.{table}")
        con.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")
    con.execute("COMMIT")
    con.execute("DETACH DATABASE source")
    con.execute("BEGIN")
