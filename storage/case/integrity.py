"""Is this file whole, and is it a case we can read? Hashing, ``quick_check``, schema checks.

Everything here reads: nothing writes to a case. The checks run before any view sees the case
so that a damaged, truncated, foreign or newer file gives one clear message instead of a
traceback deep in a widget.
"""

from __future__ import annotations

import hashlib
import re
import stat
import struct
import zoneinfo
from contextlib import ExitStack
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from storage.case.errors import CaseOpenError, QueryCancelled, os_reason, safe_text
from storage.case.hardening import deadline
from storage.case.schema import FORMAT_MAJOR, FTS_TABLE, REQUIRED_INFO_KEYS, REQUIRED_TABLES, Base

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Collection, Iterable, Mapping
    from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
"""Ends every rollback-journal header and super-journal record (SQLite's ``aJournalMagic``)."""
SIDE_SUFFIXES = ("-wal", "-journal")
MAX_INFO_ROWS = 1000
"""``case_info`` rows read at most: a hostile case must not flood the overview."""

_VERSION = re.compile(r"(\d{1,6})\.(\d{1,6})")


def read_header(path: Path, name: str) -> bytes:
    """First 100 bytes of ``path`` after checking it is a regular, readable SQLite file."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise CaseOpenError("not_a_file", f"{name} is a folder, not a case file.")
        if not stat.S_ISREG(mode):
            raise CaseOpenError("not_a_file", f"{name} is not a regular file.")
        with path.open("rb") as handle:
            header = handle.read(100)
    except (FileNotFoundError, NotADirectoryError):
        raise CaseOpenError("missing", f"{name}: no such file. Check the path.") from None
    except PermissionError:
        raise CaseOpenError("unavailable", f"{name} cannot be read: permission denied.") from None
    except OSError as exc:
        raise CaseOpenError("unavailable", f"{name} cannot be read ({os_reason(exc)}).") from exc
    if not header:
        raise CaseOpenError("not_sqlite", f"{name} is empty (0 bytes): it is not a case file.")
    if not header.startswith(SQLITE_MAGIC):
        raise CaseOpenError(
            "not_sqlite", f"{name} is not a SQLite database; choose a Filature case file."
        )
    return header


def side_files(path: Path, name: str) -> dict[str, Path]:
    """``-wal`` and ``-journal`` files beside ``path``: part of the evidence if present."""
    found: dict[str, Path] = {}
    for suffix in SIDE_SUFFIXES:
        side = path.with_name(path.name + suffix)
        try:
            mode = side.stat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise CaseOpenError(
                "unavailable", f"{name}: its {suffix} file cannot be read ({os_reason(exc)})."
            ) from exc
        if not stat.S_ISREG(mode):
            raise CaseOpenError("not_a_file", f"{name}: its {suffix} file is not a regular file.")
        found[suffix] = side
    return found


def names_super_journal(journal: Path) -> bool:
    """True if a rollback journal ends with a super-journal record (a multi-database commit).

    Replaying such a journal makes SQLite open the file it names and *delete* it when no
    other journal refers back to it: a crafted journal can so delete any file the user may
    delete. Checked here before SQLite sees the journal; stricter than SQLite's own test.
    """
    size = journal.stat().st_size
    if size < 24:
        return False
    with journal.open("rb") as handle:
        handle.seek(size - 16)
        tail = handle.read(16)
    (length,) = struct.unpack(">I", tail[:4])
    return tail[8:] == JOURNAL_MAGIC and 0 < length <= size - 20


def is_wal_header(header: bytes) -> bool:
    """True if the file format bytes (offsets 18 and 19) say WAL mode.

    Such a file opened ``mode=ro`` makes SQLite create a ``-shm`` beside it, so it is never
    opened in place.
    """
    return len(header) >= 20 and 2 in (header[18], header[19])


def sha256_file(
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk: int = 4 << 20,
    copy_to: Path | None = None,
) -> str:
    """SHA-256 (hex) of ``path``, optionally copying the same bytes to ``copy_to``.

    Hashing while copying reads the evidence once: the hash then describes exactly the bytes
    that went into the working copy, even if the original changes later.

    Parameters
    ----------
    progress
        Called after each chunk with ``(bytes_done, bytes_total)``.
    cancelled
        Polled between chunks; when true, :class:`CaseOpenError` ``'cancelled'`` is raised
        (a partial ``copy_to`` is left for the caller to delete with its folder).
    copy_to
        Created exclusively (never overwrites); ``None`` to only hash.
    """
    total = path.stat().st_size
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    done = 0
    with ExitStack() as stack:
        src = stack.enter_context(path.open("rb"))
        dst = stack.enter_context(copy_to.open("xb")) if copy_to is not None else None
        while True:
            if cancelled is not None and cancelled():
                raise CaseOpenError(
                    "cancelled", f"{safe_text(path.name)}: cancelled while reading."
                )
            n = src.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            if dst is not None:
                dst.write(view[:n])
            done += n
            if progress is not None:
                progress(done, max(total, done))
    return digest.hexdigest()


def quick_check(
    con: sqlite3.Connection,
    *,
    name: str = "The case",
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Run ``PRAGMA quick_check`` and raise :class:`CaseOpenError` unless it answers ``ok``.

    On a damaged page SQLite often *raises* instead of returning an error row: any exception is
    a failed check too. ``quick_check`` reads every page of the file (but, unlike
    ``integrity_check``, does not compare index contents with their tables: about 5x faster),
    so it runs off the UI thread and can be cancelled.

    Parameters
    ----------
    name
        File name for the message, already shown-safe (see :func:`safe_text`).
    cancelled
        Polled every few milliseconds; the check then raises ``CaseOpenError('cancelled')``.
    """
    try:
        with deadline(con, cancelled=cancelled, watchdog=0.05 if cancelled else None):
            rows = con.execute("PRAGMA quick_check(1)").fetchall()
    except QueryCancelled:
        raise CaseOpenError("cancelled", f"{name}: opening cancelled.") from None
    except Exception as exc:
        raise CaseOpenError("corrupt", _damaged(name)) from exc
    if [tuple(row) for row in rows] != [("ok",)]:
        raise CaseOpenError("corrupt", _damaged(name))


def _damaged(name: str) -> str:
    return (
        f"{name} is damaged: it failed SQLite's integrity check. "
        "Ask the sending unit for a new copy of the original file."
    )


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What validation learned about a case: read once, shown everywhere."""

    info: Mapping[str, str]
    format_version: str
    time_zone: str
    """A zone this machine knows, or ``"UTC"`` (then ``warnings`` says so)."""
    warnings: tuple[str, ...]
    has_fts: bool


def sqlite_catalog(con: sqlite3.Connection) -> dict[str, str]:
    """Tables and views of a SQLite case: lower-case name -> kind.

    Kinds: ``table`` (an ordinary table), ``fts5`` or ``virtual`` (virtual tables run module
    code, so a required table must not be one), ``view``. SQLite compares names without ASCII
    case, hence the lower-case keys.
    """
    catalog: dict[str, str] = {}
    for name, kind, sql in con.execute(
        "SELECT lower(name), type, upper(substr(sql, 1, 1000)) FROM sqlite_schema "
        "WHERE type IN ('table', 'view')"
    ):
        if not isinstance(name, str):
            continue
        text = sql if isinstance(sql, str) else ""
        if kind == "view":
            catalog[name] = "view"
        elif text.startswith("CREATE VIRTUAL TABLE"):
            catalog[name] = "fts5" if "USING FTS5" in text else "virtual"
        elif text.startswith("CREATE TABLE"):
            catalog[name] = "table"
        else:
            catalog[name] = "other"
    return catalog


def sqlite_columns(con: sqlite3.Connection, table: str) -> set[str]:
    """Column names of ``table`` (one of our own constants, never a name read from the file)."""
    return {str(row[1]).lower() for row in con.execute(f'PRAGMA table_info("{table}")')}


def validate_case(
    catalog: Mapping[str, str],
    columns_of: Callable[[str], Collection[str]],
    read_info: Callable[[], Iterable[tuple[object, object]]],
    name: str,
    *,
    database_kind: str = "SQLite database",
) -> CaseFacts:
    """Check that a database holds a Filature case this version can read.

    The same rules serve SQLite files and servers; the callers supply the catalogue
    (:func:`sqlite_catalog` or SQLAlchemy's inspector), a column lister and a ``case_info``
    reader. The format version is checked first: a newer major version may have renamed
    tables, and "update Filature" is then the useful message, not "column missing".

    Raises
    ------
    CaseOpenError
        ``not_a_case``, ``newer_format`` or ``wrong_schema``.
    """
    if not any(table in catalog for table in REQUIRED_TABLES):
        raise CaseOpenError(
            "not_a_case",
            f"{name} is a {database_kind} but not a Filature case (none of its tables is there).",
        )
    info: dict[str, str] = {}
    version = ""
    warnings: list[str] = []
    info_ok = catalog.get("case_info") == "table" and {"key", "value"} <= set(
        columns_of("case_info")
    )
    if info_ok:
        info, skipped = _collect_info(read_info())
        if skipped:
            warnings.append(f"{name}: {skipped} case_info entries were not text and are ignored.")
        if "format_version" in info:
            version = _check_version(info["format_version"], name)
    for table in REQUIRED_TABLES:
        kind = catalog.get(table)
        if kind is None:
            raise CaseOpenError(
                "wrong_schema", f"{name} is not a complete case: no '{table}' table."
            )
        if kind != "table":
            what = "a view" if kind == "view" else "not an ordinary table"
            raise CaseOpenError("wrong_schema", f"{name} is not a valid case: '{table}' is {what}.")
        present = {c.lower() for c in columns_of(table)}
        for column in (c.name for c in Base.metadata.tables[table].columns):
            if column.lower() not in present:
                raise CaseOpenError(
                    "wrong_schema",
                    f"{name} is not a valid case: table '{table}' has no '{column}' column.",
                )
    for key in REQUIRED_INFO_KEYS:
        if key not in info:
            raise CaseOpenError(
                "wrong_schema", f"{name} is not a complete case: case_info has no '{key}'."
            )
    time_zone = info["time_zone"]
    if not _known_zone(time_zone):
        warnings.append(
            f"{name}: unknown time zone '{safe_text(time_zone, limit=40)}'; times are shown in UTC."
        )
        time_zone = "UTC"
    return CaseFacts(
        info=MappingProxyType(info),
        format_version=version,
        time_zone=time_zone,
        warnings=tuple(warnings),
        has_fts=catalog.get(FTS_TABLE) == "fts5",
    )


def _collect_info(rows: Iterable[tuple[object, object]]) -> tuple[dict[str, str], int]:
    """``case_info`` as text; non-text keys and blob values are counted, not kept."""
    info: dict[str, str] = {}
    skipped = 0
    for count, (key, value) in enumerate(rows):
        if count >= MAX_INFO_ROWS:
            break
        if not isinstance(key, str) or isinstance(value, bytes | bytearray | memoryview):
            skipped += 1
        elif value is None:
            info[key] = ""
        else:
            info[key] = value if isinstance(value, str) else str(value)
    return info, skipped


def _check_version(version: str, name: str) -> str:
    """``"MAJOR.MINOR"`` as this version can read it; raises for newer or unreadable ones."""
    match = _VERSION.fullmatch(version.strip())
    if match is None:
        raise CaseOpenError(
            "not_a_case", f"{name} has an unreadable format version; it is not a Filature case."
        )
    major = int(match.group(1))
    if major > FORMAT_MAJOR:
        shown = f"{major}.{int(match.group(2))}"  # digits only: safe to show
        raise CaseOpenError(
            "newer_format",
            f"{name} was written by a newer Filature (format {shown}); this version reads "
            f"format {FORMAT_MAJOR}.x. Open it with an up-to-date Filature.",
        )
    if major < 1:
        raise CaseOpenError("not_a_case", f"{name} has an unknown format version (0.x).")
    return f"{major}.{int(match.group(2))}"


def _known_zone(name: str) -> bool:
    """True if ``name`` is an IANA zone this machine has (bundled ``tzdata`` included)."""
    if not name or len(name) > 64 or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError for odd keys, OSError...
        return False
    return True
