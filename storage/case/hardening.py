"""Hardened ``sqlite3`` connections for case files that come from other units (hostile input).

A case file carries SQL of its own (views, CHECK constraints, generated columns, the text of
its schema) and its bytes may have been crafted to reach a bug in SQLite. ``mode=ro`` alone is
not a sandbox: ``ATTACH`` still creates files, ``PRAGMA query_only=0`` undoes ``query_only``,
``VACUUM INTO`` writes a copy anywhere. Every connection to case data therefore gets, before its
first statement:

- limits (:data:`LIMITS`): no attached databases at all, bounded string/blob and SQL sizes,
  shallow expression and trigger nesting;
- pragmas: ``trusted_schema=OFF`` (schema SQL may not call app-registered functions such as
  SQLAlchemy's ``regexp``), ``cell_size_check=ON`` (catch malformed b-tree cells early),
  ``mmap_size=0`` (a file truncated or rewritten under us is an I/O error, not a crash) and
  ``query_only=1``;
- an authorizer (:func:`authorize`): an allow-list of reads, transactions and read-only
  pragmas; everything else is refused before it runs.

:func:`deadline` adds a cooperative cancel and a time budget to any block of queries.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from storage.case.errors import QueryCancelled
from storage.case.text_values import decode_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

LIMITS: Mapping[int, int] = {
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,  # ATTACH on a mode=ro connection still creates files
    sqlite3.SQLITE_LIMIT_LENGTH: 64 << 20,  # biggest string/blob read or built: 64 MiB
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 1 << 20,  # our SQL is short; schema SQL must be too
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 500,  # SQLAlchemy or_() chains stay far below this
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 1,  # reads fire no trigger; writes are refused anyway
    sqlite3.SQLITE_LIMIT_COLUMN: 1000,  # our widest table has 25 columns
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 10_000,  # LIKE cost grows with pattern length
    sqlite3.SQLITE_LIMIT_WORKER_THREADS: 0,  # no helper threads inside SQLite
}
"""``sqlite3.Connection.setlimit`` values applied to every connection to a case file."""

BUSY_TIMEOUT = 5.0
"""Seconds to wait for another program's write lock before reporting the case as locked."""

SAFETY_PRAGMAS = (
    "PRAGMA trusted_schema=OFF",
    "PRAGMA cell_size_check=ON",
    "PRAGMA mmap_size=0",
)
"""Pragmas for any connection to an untrusted file, including the private recovery one."""

PRAGMAS_WITH_OBJECT_ARGUMENT = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "quick_check",
        "integrity_check",
    }
)
"""Pragmas whose argument names a schema object or a row count, never a new setting."""

PRAGMAS_READ_ONLY = frozenset(
    {
        "read_uncommitted",  # SQLAlchemy's pysqlite dialect reads it on first connect
        "data_version",  # FTS5 reads it to notice changes
        "user_version",
        "application_id",
        "schema_version",
        "page_count",
        "page_size",
        "freelist_count",
        "encoding",
        "journal_mode",
        "compile_options",
        "database_list",
        "collation_list",
        "function_list",
        "module_list",
        "pragma_list",
        "query_only",
        "trusted_schema",
        "cell_size_check",
        "mmap_size",
        "cache_size",
        "foreign_keys",
        "auto_vacuum",
        "max_page_count",
        "busy_timeout",
    }
)
"""Pragmas allowed only when called without a value (a read of the current setting).

Pragmas that act even without a value (``optimize``, ``wal_checkpoint``,
``incremental_vacuum``, ``shrink_memory``) are deliberately absent.
"""

DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"})
"""SQL functions refused even in our own queries: they reach outside the database."""

_ALLOWED_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_RECURSIVE,
        sqlite3.SQLITE_TRANSACTION,  # BEGIN/COMMIT/ROLLBACK from SQLAlchemy; nothing to commit
        sqlite3.SQLITE_SAVEPOINT,  # Session.begin_nested(); harmless without writes
    }
)
_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_temp_master"})


def authorize(
    action: int, arg1: str | None, arg2: str | None, db_name: str | None, source: str | None
) -> int:
    """SQLite authorizer: allow reads and read-only pragmas, refuse everything else.

    One exception is answered ``SQLITE_IGNORE`` rather than ``SQLITE_DENY``: when a virtual
    table (FTS5, a ``pragma_*`` table-valued function) is first used on a connection, SQLite
    parses the table's declaration and asks about an ``UPDATE`` of ``sqlite_master`` that it
    never runs. Denying it breaks full-text search; ignoring it turns any real update of the
    schema table into a no-op on every column (and the connection is read-only below anyway).
    """
    del db_name, source  # same rule for every schema and for SQL inside views
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        name = (arg2 or "").lower()
        return sqlite3.SQLITE_DENY if name in DENIED_FUNCTIONS else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in PRAGMAS_WITH_OBJECT_ARGUMENT:
            return sqlite3.SQLITE_OK
        if name in PRAGMAS_READ_ONLY and arg2 is None:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_UPDATE and (arg1 or "").lower() in _SCHEMA_TABLES:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_DENY


def sqlite_uri(path: str | Path, mode: str) -> str:
    """A ``file:`` URI for ``path`` with ``mode`` (``ro`` or ``rw``); every odd byte quoted.

    A file name may contain ``?``, ``#`` or ``%``: unquoted, they would end the path or start
    URI parameters chosen by whoever named the file.
    """
    posix = Path(path).resolve().as_posix()
    if not posix.startswith("/"):  # a Windows drive path, C:/...
        posix = "/" + posix
    return f"file:{quote(posix, safe='/:')}?mode={mode}"


def apply_limits(con: sqlite3.Connection, limits: Mapping[int, int] | None = None) -> None:
    """Apply :data:`LIMITS` (or ``limits``) to ``con``; call before its first statement."""
    for category, value in (LIMITS if limits is None else limits).items():
        con.setlimit(category, value)


def connect_readonly(
    path: str | Path, *, limits: Mapping[int, int] | None = None
) -> sqlite3.Connection:
    """Open ``path`` read-only with every defence of this module; the caller closes it.

    The connection may be used from another thread than the one that made it
    (``check_same_thread=False``) but by one thread at a time: the opener hands out a new
    connection per thread. It runs in autocommit mode (``isolation_level=None``): with nothing
    to write there is nothing to group, and no ``BEGIN`` is left open between queries.

    Raises
    ------
    sqlite3.Error
        If the file cannot be opened; content problems only show at the first query.
    """
    con = sqlite3.connect(
        sqlite_uri(path, "ro"),
        uri=True,
        timeout=BUSY_TIMEOUT,
        check_same_thread=False,
        isolation_level=None,
    )
    try:
        apply_limits(con, limits)
        con.text_factory = decode_text  # bad UTF-8 is shown, never fatal (text_values.py)
        for pragma in (*SAFETY_PRAGMAS, "PRAGMA query_only=1"):
            con.execute(pragma)
        con.set_authorizer(authorize)
    except BaseException:
        con.close()
        raise
    return con


def connect_for_recovery(path: str | Path) -> sqlite3.Connection:
    """Open a *private working copy* read-write so SQLite can replay its WAL or hot journal.

    Never call this on evidence in place. Limits and safety pragmas still apply: the file is
    hostile even when it is our copy. No authorizer: the opener runs only its own fixed
    statements on this connection.
    """
    con = sqlite3.connect(sqlite_uri(path, "rw"), uri=True, isolation_level=None)
    try:
        apply_limits(con)
        for pragma in SAFETY_PRAGMAS:
            con.execute(pragma)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def deadline(
    con: sqlite3.Connection,
    seconds: float | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    every: int = 10_000,
    watchdog: float | None = None,
) -> Iterator[None]:
    """Stop the queries run inside the block when ``cancelled()`` is true or time runs out.

    A progress handler runs every ``every`` SQLite VM instructions and interrupts the current
    statement, which then raises :class:`~storage.case.errors.QueryCancelled` out of the block
    (the connection stays usable). Some work happens inside a single instruction and is not
    seen by a progress handler (most of ``PRAGMA quick_check``, a big sort): ``watchdog``
    (seconds between polls) adds a helper thread that calls ``con.interrupt()``, which SQLite
    honours inside those too.

    Parameters
    ----------
    con
        A connection from :func:`connect_readonly`; one block at a time per connection.
    seconds
        Time budget from entering the block; ``None`` for none.
    cancelled
        Polled from the query's thread (and the watchdog's): must be cheap and thread-safe,
        e.g. ``threading.Event().is_set``.
    """
    expires = None if seconds is None else time.monotonic() + seconds
    fired: list[str] = []

    def should_stop() -> bool:
        if not fired:
            if cancelled is not None and cancelled():
                fired.append("cancelled")
            elif expires is not None and time.monotonic() >= expires:
                fired.append("deadline")
        return bool(fired)

    stop = threading.Event()
    thread = None
    if watchdog is not None:

        def watch() -> None:
            while not stop.wait(watchdog):
                if should_stop():
                    con.interrupt()
                    return

        thread = threading.Thread(target=watch, name="sqlite-deadline", daemon=True)
        thread.start()
    con.set_progress_handler(lambda: 1 if should_stop() else 0, every)
    try:
        yield
    except Exception as exc:  # sqlite3.OperationalError, or SQLAlchemy's wrapper of it
        if fired:
            raise QueryCancelled(fired[0]) from exc  # type: ignore[arg-type]
        raise
    finally:
        stop.set()
        if thread is not None:
            thread.join()
        con.set_progress_handler(None, 0)
    if fired and fired[0] == "cancelled":
        # The block finished between two polls: report the cancel all the same, so a
        # caller never mistakes a cancelled task's partial state for a finished one.
        raise QueryCancelled("cancelled")
