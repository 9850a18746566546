"""Open a case read-only, safely: a SQLite file, given as a path or a ``sqlite:///path`` URL.

Evidence is never written to, and nothing is ever created beside it. A file in rollback-journal
mode with no side file is opened in place through a hardened ``mode=ro`` connection
(:mod:`storage.case.hardening`). A file that needs SQLite to write before it can be read (its header
says WAL, or a ``-wal`` or ``-journal`` sits beside it) is copied with its side files into a
private folder under :func:`storage.paths.working_dir`, hashed while copying, recovered there,
and the copy is opened instead. Every case then passes :func:`~storage.case.integrity.quick_check`
and :func:`~storage.case.integrity.validate_case` before any view sees it.

A URL to a case server (``postgresql://…``, ``mysql://…``) is refused in one line before any
connection is tried: the bulk reads use SQLite's SQL (``group_concat``, FTS5, ``typeof``,
``setlimit``), so such a case would fail later in confusing ways. Servers come with the
shared-server work.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from storage import paths
from storage.case.errors import CaseOpenError, from_sqlite_error, os_reason, safe_text
from storage.case.hardening import connect_for_recovery, connect_readonly
from storage.case.integrity import (
    MAX_INFO_ROWS,
    CaseFacts,
    is_wal_header,
    names_super_journal,
    quick_check,
    read_header,
    sha256_file,
    side_files,
    sqlite_catalog,
    sqlite_columns,
    validate_case,
)

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy import URL, Engine

Progress = Callable[[str, float], None]
WORKING_NAME = "case.sqlite"
OWNER_FILE = "owner.pid"
CASE_SERVERS = {
    "postgresql": "PostgreSQL",
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "oracle": "Oracle",
    "mssql": "SQL Server",
}
"""Server back-ends (SQLAlchemy's names) refused as "not supported yet", and how to name them."""


class CaseSource:
    """An open case: where it came from, its facts, and read-only connections to it.

    Built only by :func:`open_case`. Thread-safe: each thread asks :meth:`connect` for its
    own connection (and closes it), or uses :attr:`engine`, whose pool hands each checkout a
    new hardened connection.
    """

    def __init__(
        self,
        *,
        display_name: str,
        facts: CaseFacts,
        path: Path | None = None,
        working_path: Path | None = None,
        warnings: tuple[str, ...] = (),
        evidence: tuple[Path, ...] = (),
        known_sha256: Mapping[Path, str] | None = None,
        workdir: Path | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.display_name = display_name
        self.path = path
        self.working_path = working_path
        self.is_sqlite = working_path is not None
        self.info: Mapping[str, str] = facts.info
        self.format_version = facts.format_version
        self.time_zone = facts.time_zone
        self.has_fts = facts.has_fts
        self.warnings = warnings + facts.warnings
        self.known_sha256: Mapping[Path, str] = MappingProxyType(dict(known_sha256 or {}))
        self._evidence = evidence
        self._workdir = workdir
        self._engine = engine
        self._lock = threading.Lock()
        self._closed = False

    def connect(self) -> Any:
        """A new read-only DB-API connection; one per thread, closed by the caller.

        For SQLite, a hardened ``sqlite3.Connection`` (paramstyle ``?``); for a server, the
        engine's ``raw_connection()`` (its session is read-only).
        """
        if self._closed:
            raise RuntimeError(f"{self.display_name} is closed")
        if self.working_path is not None:
            return connect_readonly(self.working_path)
        return self.engine.raw_connection()

    @property
    def engine(self) -> Engine:
        """SQLAlchemy engine over the same read-only connections, made on first use."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.display_name} is closed")
            if self._engine is None:
                self._engine = create_engine("sqlite://", creator=self.connect, poolclass=NullPool)
            return self._engine

    def check_integrity(self, cancelled: Callable[[], bool] | None = None) -> None:
        """Run ``quick_check`` on the file being read (no-op for a server case).

        For callers that opened with ``check=False`` to overlap the check with their first
        reads: it must pass before anything read is shown. Thread-safe (own connection).

        Raises
        ------
        CaseOpenError
            ``corrupt`` or ``cancelled``, with the one-line message ``open_case`` would give.
        """
        if self.working_path is None:
            return
        try:
            con = connect_readonly(self.working_path)
        except sqlite3.Error as exc:
            raise from_sqlite_error(exc, self.display_name) from exc
        try:
            quick_check(con, name=self.display_name, cancelled=cancelled)
        finally:
            con.close()

    def evidence_files(self) -> list[Path]:
        """The original database plus any ``-wal``/``-journal`` beside it: what to hash."""
        return list(self._evidence)

    def close(self) -> None:
        """Dispose of the engine and delete the private working copy, if any; idempotent."""
        with self._lock:
            self._closed = True
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> CaseSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CaseSource {self.display_name} format {self.format_version}>"


def open_case(
    target: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    check: bool = True,
) -> CaseSource:
    """Open ``target`` (a path, or a ``sqlite:///path`` URL) read-only.

    Any other URL is refused (:data:`CASE_SERVERS`: "not supported yet") without connecting.
    Slow (copy, ``quick_check``): call it off the UI thread. ``progress`` receives a
    step description and a fraction in 0..1 (negative when unknown); ``cancelled`` is polled
    while copying and checking.

    ``check=False`` skips ``quick_check`` (headers, side files and the schema are still
    validated): the caller then runs :meth:`CaseSource.check_integrity` itself, typically on
    a second thread while it reads, and shows nothing until it passes. The hardened
    connection makes reading a damaged file raise, never crash, so the overlap is safe.

    Raises
    ------
    CaseOpenError
        For every reason a case cannot be read, with a one-line message naming it.
    """
    report: Progress = progress or (lambda _text, _fraction: None)
    if isinstance(target, str) and "://" in target:
        url = _parse_url(target)
        if url.get_backend_name() != "sqlite":
            _refuse_server(url)
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            raise CaseOpenError(
                "bad_url", f"{_display_url(url)}: give the case file's path (sqlite:///path)."
            )
        return _open_file(Path(database), report, cancelled, check)
    return _open_file(Path(os.fspath(target)), report, cancelled, check)


def display_target(target: str) -> str:
    """``target`` as it may be shown: a URL with its password masked and its query elided.

    A path comes back unchanged; an address that does not parse as a URL (it may still hold a
    password) is named only as "the case address".
    """
    if "://" not in target:
        return target
    try:
        return _display_url(make_url(target))
    except (ArgumentError, ValueError):
        return "the case address"


def clear_stale_working_copies() -> None:
    """Delete working copies left by Filature runs that ended without closing their case.

    Called at start-up. A folder whose owner process is still running (another Filature
    window) is kept. On Windows liveness is not checked: files a running instance holds open
    cannot be deleted there, so its working copy survives the attempt.
    """
    for entry in paths.working_dir().iterdir():
        if entry.is_dir() and not entry.is_symlink():
            if not _owner_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


# -- files ---------------------------------------------------------------------------------


def _open_file(path: Path, report: Progress, cancelled: Callable[[], bool] | None,
               check: bool = True) -> CaseSource:
    name = safe_text(path.name or str(path))
    stop = _stopper(cancelled, name)
    report("Checking the file…", -1.0)
    try:
        real = path.resolve()  # SQLite looks for side files beside a symlink's target
    except (OSError, RuntimeError):  # a symlink loop: let read_header report it
        real = path.absolute()
    header = read_header(real, name)
    sides = side_files(real, name)
    workdir: Path | None = None
    known: dict[Path, str] = {}
    warnings: tuple[str, ...] = ()
    try:
        if is_wal_header(header) or sides:
            if "-journal" in sides and names_super_journal(sides["-journal"]):
                raise CaseOpenError(
                    "locked_or_hot_journal",
                    f"{name} has an unfinished transaction that spans several databases; "
                    "Filature will not recover it. Ask the sending unit for a clean copy.",
                )
            stop()
            workdir = Path(tempfile.mkdtemp(prefix="case-", dir=paths.working_dir()))
            (workdir / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
            working = workdir / WORKING_NAME
            known = _copy_set(real, sides, working, name, report, cancelled)
            stop()
            report("Recovering the working copy…", -1.0)
            _recover(working, name)
            why = " and ".join(f"apply its {suffix} file" for suffix in sides)
            warnings = (
                f"{name} was opened from a private working copy so that SQLite could "
                f"{why or 'read it in WAL mode'}; the evidence files were not changed.",
            )
        else:
            working = real
        stop()
        report("Checking integrity…", -1.0)
        facts = _check_sqlite(working, name, report, cancelled, check)
        stop()
    except BaseException:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        raise
    return CaseSource(
        display_name=name,
        facts=facts,
        path=path,
        working_path=working,
        warnings=warnings,
        evidence=(real, *sides.values()),
        known_sha256=known,
        workdir=workdir,
    )


def _stopper(cancelled: Callable[[], bool] | None, name: str) -> Callable[[], None]:
    """A checkpoint between steps: raises ``CaseOpenError('cancelled')`` once cancelled."""

    def stop() -> None:
        if cancelled is not None and cancelled():
            raise CaseOpenError("cancelled", f"{name}: opening cancelled.")

    return stop


def _copy_set(
    path: Path,
    sides: Mapping[str, Path],
    working: Path,
    name: str,
    report: Progress,
    cancelled: Callable[[], bool] | None,
) -> dict[Path, str]:
    """Copy the database and its side files, hashing each; returns original path -> SHA-256."""
    pairs = [(path, working)] + [
        (side, working.with_name(working.name + suffix)) for suffix, side in sides.items()
    ]
    total = sum(src.stat().st_size for src, _ in pairs) or 1
    done = 0
    hashes: dict[Path, str] = {}
    for src, dst in pairs:
        base = done

        def step(n: int, _of: int, base: int = base) -> None:
            report("Copying to a private working folder…", min((base + n) / total, 1.0))

        try:
            hashes[src] = sha256_file(src, progress=step, cancelled=cancelled, copy_to=dst)
        except OSError as exc:
            raise CaseOpenError(
                "unavailable", f"{name}: could not make a private working copy ({os_reason(exc)})."
            ) from exc
        done += src.stat().st_size
    return hashes


def _recover(working: Path, name: str) -> None:
    """Let SQLite replay the copy's WAL or roll back its hot journal, leaving one plain file."""
    try:
        con = connect_for_recovery(working)
        try:
            con.execute("SELECT count(*) FROM sqlite_schema").fetchone()  # rolls back a journal
            con.execute("PRAGMA journal_mode=DELETE").fetchone()  # checkpoints and drops a WAL
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise from_sqlite_error(exc, name) from exc


def _check_sqlite(
    working: Path, name: str, report: Progress, cancelled: Callable[[], bool] | None,
    check: bool = True,
) -> CaseFacts:
    """Connect, run ``quick_check`` (unless deferred) and validate the schema; always closes."""
    try:
        con = connect_readonly(working)
    except sqlite3.Error as exc:
        raise from_sqlite_error(exc, name) from exc
    try:
        try:
            con.execute("SELECT count(*) FROM sqlite_schema").fetchone()  # locks, bad headers
        except sqlite3.Error as exc:
            raise from_sqlite_error(exc, name) from exc
        if check:
            quick_check(con, name=name, cancelled=cancelled)
        _stopper(cancelled, name)()
        report("Checking the case structure…", -1.0)
        try:
            return validate_case(
                sqlite_catalog(con),
                lambda table: sqlite_columns(con, table),
                lambda: con.execute("SELECT key, value FROM case_info LIMIT ?", (MAX_INFO_ROWS,)),
                name,
            )
        except sqlite3.Error as exc:
            raise from_sqlite_error(exc, name) from exc
    finally:
        con.close()


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return False  # see clear_stale_working_copies
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


# -- URLs ----------------------------------------------------------------------------------


def _parse_url(text: str) -> URL:
    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        raise CaseOpenError(
            "bad_url",
            "The case address is not a valid URL; open a SQLite case file (.filature) "
            "or give its sqlite:///path URL.",
        ) from None


def _display_url(url: URL) -> str:
    """The URL with its password masked and its query (which may hold secrets) elided."""
    if url.host and "@" in url.host:  # an unescaped "@" in the password: all before the last is
        url = url.set(password="-", host=url.host.rpartition("@")[2])  # secret, shown as ***
    shown = url.set(query={}).render_as_string(hide_password=True)
    return safe_text(shown + ("?…" if url.query else ""), limit=200)


def _refuse_server(url: URL) -> NoReturn:
    """Refuse a URL that is not ``sqlite:///…``, naming it with its password masked."""
    display = _display_url(url)
    backend = url.get_backend_name()
    server = CASE_SERVERS.get(backend.lower())
    if server is None:  # file://, http://, a third-party dialect…
        raise CaseOpenError(
            "bad_url",
            f"{display}: not a case address; open a SQLite case file (.filature) "
            "or give its sqlite:///path URL.",
        )
    raise CaseOpenError(
        "unavailable",
        f"{display}: case servers ({server}) are not supported yet: "
        "open a SQLite case file (.filature).",
    )
