"""The notes file itself: its layout, how it is opened, and what its failures mean.

Split from :mod:`storage.notes.store` so the on-disk format and the rules for touching the file can
be reviewed apart from the store's queries. :class:`storage.notes.store.NotesStore` opens the file
through :func:`open_notes_file` and turns sqlite3 errors into :class:`NotesError` through
:func:`as_notes_error`.

Versioning
----------
``PRAGMA user_version`` holds the format version and ``PRAGMA application_id`` marks the file
as Filature's. A later Filature adds a function to :data:`MIGRATIONS` (``n`` -> ``n + 1``,
additive changes only: new tables, new columns with defaults) and bumps
:data:`SCHEMA_VERSION`. A file whose version is higher than this code knows is refused, never
rewritten: an old Filature must not downgrade or half-understand a newer user's data.

Leaving refused files untouched
-------------------------------
A damaged, foreign or newer file is judged from its raw header before SQLite sees it, and again
by SQLite (the WAL can hold a newer header) before anything that writes: the switch to WAL
rewrites the header, and a migration writes the schema. Nothing here deletes or truncates.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


class NotesError(Exception):
    """A notes operation failed; ``str(error)`` is one line fit to show the user.

    Whatever was saved before stays saved: the failed operation was rolled back.
    """


BUSY_TIMEOUT_MS = 5000
"""How long a write waits for another window or process holding the write lock.

Writers hold it for one small transaction (milliseconds), so waiting long only happens when
something is wrong; five seconds keeps a stuck UI thread bounded.
"""

# Primary SQLite result codes (the low byte of an extended code) that get their own message.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_NOMEM, _SQLITE_READONLY = 3, 5, 6, 7, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26

SCHEMA_VERSION = 2
"""Format version this code writes; stored in ``PRAGMA user_version``."""

APPLICATION_ID = int.from_bytes(b"FILN", "big")
"""``PRAGMA application_id`` of a Filature notes file ("FILN"), so a foreign file is refused."""

SQLITE_MAGIC = b"SQLite format 3\x00"
"""First 16 bytes of every SQLite database file."""

REQUIRED_TABLES = ("note", "tag", "bookmark", "bookmark_ref", "tile_pack")
"""Tables a current notes file must hold, each as a real table (a view must not stand in)."""


@dataclass(frozen=True, slots=True)
class FileHeader:
    """What the first 100 bytes of an existing file say, read without SQLite.

    Reading the header by hand lets the store refuse a foreign, damaged or newer file before
    SQLite opens it: opening a WAL-mode file read-write can create ``-wal``/``-shm`` files and
    checkpoint into the main file, which is exactly what "left untouched" forbids.
    """

    is_sqlite: bool
    user_version: int
    application_id: int


def read_header(path: Path) -> FileHeader | None:
    """Read the SQLite header of ``path``.

    Returns
    -------
    FileHeader or None
        ``None`` when the file does not exist or is empty (SQLite treats an empty file as a
        new database, so both mean "start a new notes file").

    Raises
    ------
    OSError
        When the file exists but cannot be read (a folder, no permission, I/O error).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        return None
    if not head:
        return None
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return FileHeader(is_sqlite=False, user_version=0, application_id=0)
    return FileHeader(
        is_sqlite=True,
        # Both are signed big-endian 32-bit integers at fixed offsets (SQLite file format §1.3).
        user_version=int.from_bytes(head[60:64], "big", signed=True),
        application_id=int.from_bytes(head[68:72], "big", signed=True),
    )


def _to_v1(con: sqlite3.Connection) -> None:
    """Create the first layout.

    ``AUTOINCREMENT`` on notes and bookmarks keeps ids from ever being reused: without it,
    deleting the newest note in one window and adding another would hand the old id to a new
    note, and a second window still showing the deleted one could overwrite the wrong text.

    Tags are one row per (case, reference, tag); their primary key is the
    (case_sha256, ref_kind, ref_id) lookup index. Bookmark references keep their order in
    ``pos`` and go away with their bookmark (``ON DELETE CASCADE``, ``foreign_keys=ON``).
    """
    statements = (
        """
        CREATE TABLE note (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            case_sha256 TEXT    NOT NULL,
            ref_kind    TEXT    NOT NULL,
            ref_id      INTEGER NOT NULL,
            text        TEXT    NOT NULL,
            created_us  INTEGER NOT NULL,
            modified_us INTEGER NOT NULL
        )
        """,
        "CREATE INDEX ix_note_ref ON note (case_sha256, ref_kind, ref_id)",
        """
        CREATE TABLE tag (
            case_sha256 TEXT    NOT NULL,
            ref_kind    TEXT    NOT NULL,
            ref_id      INTEGER NOT NULL,
            tag         TEXT    NOT NULL,
            created_us  INTEGER NOT NULL,
            PRIMARY KEY (case_sha256, ref_kind, ref_id, tag)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX ix_tag_name ON tag (case_sha256, tag)",
        """
        CREATE TABLE bookmark (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            case_sha256 TEXT    NOT NULL,
            name        TEXT    NOT NULL,
            start_us    INTEGER NOT NULL,
            end_us      INTEGER NOT NULL,
            created_us  INTEGER NOT NULL
        )
        """,
        "CREATE INDEX ix_bookmark_case ON bookmark (case_sha256, start_us)",
        """
        CREATE TABLE bookmark_ref (
            bookmark_id INTEGER NOT NULL REFERENCES bookmark (id) ON DELETE CASCADE,
            pos         INTEGER NOT NULL,
            ref_kind    TEXT    NOT NULL,
            ref_id      INTEGER NOT NULL,
            PRIMARY KEY (bookmark_id, pos)
        ) WITHOUT ROWID
        """,
    )
    for statement in statements:
        con.execute(statement)


def _to_v2(con: sqlite3.Connection) -> None:
    """Remember the offline map tile packs the user added, by SHA-256.

    A map exhibit must say which tiles were under it: the file's hash identifies them even
    when the pack is renamed or moved.
    """
    con.execute(
        """
        CREATE TABLE tile_pack (
            sha256   TEXT    NOT NULL PRIMARY KEY,
            path     TEXT    NOT NULL,
            name     TEXT    NOT NULL,
            bytes    INTEGER NOT NULL,
            added_us INTEGER NOT NULL
        )
        """
    )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _to_v1, 1: _to_v2}
"""``MIGRATIONS[n]`` turns a version-``n`` file into version ``n + 1``."""


def migrate(con: sqlite3.Connection, from_version: int) -> None:
    """Bring a file from ``from_version`` to :data:`SCHEMA_VERSION`.

    Must run inside the caller's write transaction (``BEGIN IMMEDIATE``) so that two windows
    opening a new file at once cannot both create it, and so that a crash half-way leaves the
    file at its old version. ``PRAGMA user_version`` and ``application_id`` are part of the
    database header page and therefore commit or roll back with the rest.
    """
    if from_version == 0:
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for version in range(from_version, SCHEMA_VERSION):
        MIGRATIONS[version](con)
    if from_version != SCHEMA_VERSION:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def missing_tables(con: sqlite3.Connection) -> list[str]:
    """Required tables absent from the file, or present under that name as something else."""
    rows = con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall()
    present = {str(name) for (name,) in rows}
    return [name for name in REQUIRED_TABLES if name not in present]


def has_any_object(con: sqlite3.Connection) -> bool:
    """Whether the file holds any table, index, view or trigger (a version-0 file should not)."""
    return con.execute("SELECT 1 FROM sqlite_schema LIMIT 1").fetchone() is not None


# ------------------------------------------------------------------------------ opening


def open_notes_file(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the notes file at ``path``, configured and up to date.

    Returns a connection in autocommit mode (``isolation_level=None``: the store issues its
    own ``BEGIN``/``COMMIT``), usable from any thread under the caller's lock.

    Raises
    ------
    NotesError
        The folder cannot be created, the file is damaged, foreign or newer, or SQLite fails;
        a refused file is left as it was.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NotesError(one_line(f"Cannot create the notes folder {path.parent}: {exc}.")) from exc
    try:
        header = read_header(path)
    except OSError as exc:
        raise NotesError(one_line(f"Cannot read the notes file {path}: {exc}.")) from exc
    if header is not None:
        if not header.is_sqlite:
            raise NotesError(damaged_message(path))
        _check_identity(path, header.user_version, header.application_id)
    if header is not None or Path(f"{path}-wal").exists():
        _probe(path)  # the WAL may hold a newer header than the main file
    try:
        con = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,  # the store's lock makes sharing between threads safe
        )
    except sqlite3.Error as exc:
        raise as_notes_error(exc, path, "open the notes file") from exc
    try:
        _configure(con, path)
        _upgrade(con, path)
    except sqlite3.Error as exc:
        rollback(con)
        con.close()
        raise as_notes_error(exc, path, "open the notes file") from exc
    except BaseException:
        rollback(con)
        con.close()
        raise
    return con


def _probe(path: Path) -> None:
    """Judge an existing file through SQLite, read-only, before the real connection opens it.

    Read-only because the last read-write connection to close checkpoints the WAL into the
    main file and deletes the WAL: a file refused because a newer Filature left its last
    commits in the WAL would be rewritten by the very act of refusing it. A read-only
    connection writes neither (at most it creates the ``-shm`` index SQLite rebuilds anyway).
    The three reads share one snapshot, so a window creating the file meanwhile cannot make a
    fresh file look foreign (version 0 read before its commit, its tables after).
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise as_notes_error(exc, path, "open the notes file") from exc
    try:
        con.execute("BEGIN")
        version = pragma(con, "user_version")
        app_id = pragma(con, "application_id")
        has_objects = has_any_object(con)
        con.execute("COMMIT")
    except sqlite3.Error as exc:
        raise as_notes_error(exc, path, "open the notes file") from exc
    finally:
        con.close()
    _check_identity(path, version, app_id)
    if version == 0 and has_objects:
        raise NotesError(foreign_message(path))


def _configure(con: sqlite3.Connection, path: Path) -> None:
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = _enter_wal(con)
    if mode != "wal":
        raise NotesError(
            f"The notes file {path} cannot use write-ahead logging (journal mode {mode!r}); "
            "keep the notes folder on a local disk."
        )
    con.execute("PRAGMA synchronous = FULL")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA trusted_schema = OFF")
    if pragma(con, "synchronous") != 2 or pragma(con, "foreign_keys") != 1:
        raise NotesError(f"SQLite refused the settings that keep {path} safe.")


def _enter_wal(con: sqlite3.Connection) -> str:
    """Switch the file to WAL (a no-op once it is) and return the resulting mode.

    Only a brand-new file really switches, and two windows creating it at once can collide:
    the switch upgrades a read lock to a write lock, where SQLite reports SQLITE_BUSY at once
    instead of calling the busy handler (waiting there could deadlock). So retry, briefly,
    within the ``busy_timeout`` budget. Seen here with 6 threads opening one new file at once:
    occasional SQLITE_BUSY without this retry, none in hundreds of rounds with it.
    """
    if str(pragma(con, "journal_mode")).lower() == "wal":
        return "wal"
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.001
    while True:
        try:
            return str(pragma(con, "journal_mode = WAL")).lower()
        except sqlite3.OperationalError as exc:
            if _primary_code(exc) != _SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _upgrade(con: sqlite3.Connection, path: Path) -> None:
    # BEGIN IMMEDIATE takes the write lock before reading the version, so two windows
    # creating the file at the same moment migrate one after the other.
    con.execute("BEGIN IMMEDIATE")
    version = pragma(con, "user_version")
    _check_identity(path, version, pragma(con, "application_id"))
    if version == 0 and has_any_object(con):
        raise NotesError(foreign_message(path))
    migrate(con, version)
    if missing_tables(con):
        raise NotesError(damaged_message(path))
    con.execute("COMMIT")


def _check_identity(path: Path, user_version: int, application_id: int) -> None:
    if user_version > SCHEMA_VERSION:
        raise NotesError(
            f"The notes file {path} was written by a newer Filature (format {user_version}; "
            f"this version knows up to {SCHEMA_VERSION}). It was left untouched: update "
            "Filature to use these notes."
        )
    if user_version < 0 or application_id not in (0, APPLICATION_ID):
        raise NotesError(foreign_message(path))
    if user_version > 0 and application_id != APPLICATION_ID:
        raise NotesError(foreign_message(path))


# ------------------------------------------------------------------------------ errors


def as_notes_error(exc: sqlite3.Error, path: Path, action: str) -> NotesError:
    """Turn an sqlite3 error into a one-line message that says what to do about it.

    ``action`` completes "Could not ...", e.g. ``"save the note"``.
    """
    primary = _primary_code(exc)
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        message = damaged_message(path)
    elif primary == _SQLITE_FULL:
        message = (
            f"Could not {action}: the disk holding {path} is full. Earlier notes are safe; "
            "free some space and try again."
        )
    elif primary in (_SQLITE_READONLY, _SQLITE_PERM):
        message = (
            f"Could not {action}: the notes file {path} or its folder is read-only. "
            "Earlier notes are safe."
        )
    elif primary == _SQLITE_CANTOPEN:
        message = (
            f"Could not {action}: cannot open {path} (its folder is missing, read-only or not "
            "accessible)."
        )
    elif primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        message = (
            f"Could not {action}: the notes file is busy in another Filature window or "
            "process. Try again."
        )
    elif primary == _SQLITE_NOMEM:
        message = f"Could not {action}: out of memory."
    elif primary == _SQLITE_IOERR:
        message = f"Could not {action}: the system reported an I/O error on {path} ({exc})."
    else:
        message = f"Could not {action} ({path}): {exc}."
    return NotesError(one_line(message))


def damaged_message(path: Path) -> str:
    """Message for a notes file SQLite cannot read; the user is told to keep it, not delete."""
    return one_line(
        f"The notes file {path} is damaged or not a notes database. It was left untouched: "
        "move it to another folder (keep it, it may be recoverable), then Filature will "
        "start a new notes file."
    )


def foreign_message(path: Path) -> str:
    """Message for an SQLite file that belongs to something else."""
    return one_line(
        f"{path} is not a Filature notes file (it holds other data). It was left untouched: "
        "move it to another folder, then Filature will start a new notes file."
    )


def one_line(message: str) -> str:
    """Join lines: a path or an SQLite message must not break the UI's one-line contract."""
    return " ".join(message.splitlines())


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


# ------------------------------------------------------------------------------ helpers


def pragma(con: sqlite3.Connection, text: str) -> Any:
    """Value of ``PRAGMA <text>``; only ever called with our own constant text."""
    row = con.execute(f"PRAGMA {text}").fetchone()
    return None if row is None else row[0]


def rollback(con: sqlite3.Connection) -> None:
    """Roll back what is open; SQLite ends some failed transactions itself (SQLITE_FULL)."""
    if con.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # the original error is the one to report
            con.execute("ROLLBACK")
