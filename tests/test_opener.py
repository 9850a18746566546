"""open_case: targets, facts, progress, cancel, working copies, and server URLs refused."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

from storage import paths
from storage.case.errors import CaseOpenError, safe_text
from storage.case.hardening import authorize, connect_readonly, sqlite_uri
from storage.case.integrity import quick_check, sha256_file
from storage.case.opener import (
    OWNER_FILE,
    _display_url,
    clear_stale_working_copies,
    open_case,
)
from storage.case.schema import FORMAT_VERSION
from tests.factories import DEFAULT_INFO, make_case


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "Opération 12.sqlite", events=50)


@pytest.mark.parametrize("form", ["path", "str", "url"])
def test_open_valid_case(case: Path, form: str) -> None:
    target = {"path": case, "str": str(case), "url": f"sqlite:///{case}"}[form]
    with open_case(target) as source:
        assert source.display_name == case.name
        assert source.path == case and source.working_path == case
        assert source.is_sqlite and source.has_fts
        assert source.format_version == FORMAT_VERSION
        assert source.info["title"] == DEFAULT_INFO["title"]
        assert source.time_zone == "Europe/Paris"
        assert source.warnings == ()
        assert source.evidence_files() == [case]
        assert dict(source.known_sha256) == {}
        with pytest.raises(TypeError):
            source.info["title"] = "changed"  # type: ignore[index]
        con = source.connect()
        assert isinstance(con, sqlite3.Connection)
        assert con.execute("SELECT count(*) FROM event WHERE id > ?", (10,)).fetchone() == (40,)
        con.close()


def test_progress_is_reported(case: Path) -> None:
    steps: list[tuple[str, float]] = []
    with open_case(case, progress=lambda text, frac: steps.append((text, frac))):
        pass
    assert steps and all(-1.0 <= frac <= 1.0 for _, frac in steps)
    assert any("integrity" in text.lower() for text, _ in steps)


def test_copy_progress_reaches_one(tmp_path: Path) -> None:
    path = make_case(tmp_path / "wal.sqlite", journal="wal")
    fractions: list[float] = []
    with open_case(path, progress=lambda text, frac: fractions.append(frac)) as source:
        assert source.working_path != path
        assert source.evidence_files() == [path]
        assert source.known_sha256[path] == hashlib.sha256(path.read_bytes()).hexdigest()
    copying = [f for f in fractions if f >= 0]
    assert copying and copying[-1] == 1.0 and copying == sorted(copying)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_cancel(tmp_path: Path, journal: str) -> None:
    path = make_case(tmp_path / "case.sqlite", journal=journal)
    with pytest.raises(CaseOpenError) as info:
        open_case(path, cancelled=lambda: True)
    assert info.value.reason == "cancelled"
    assert list(paths.working_dir().iterdir()) == []


def test_unknown_time_zone_falls_back_to_utc(tmp_path: Path) -> None:
    path = make_case(tmp_path / "tz.sqlite", info={"time_zone": "Europe/Atlantis"})
    with open_case(path) as source:
        assert source.time_zone == "UTC"
        assert source.info["time_zone"] == "Europe/Atlantis"  # the evidence, as written
        assert len(source.warnings) == 1 and "Europe/Atlantis" in source.warnings[0]


@pytest.mark.parametrize(
    "zone", ["Europe", "../../../etc/passwd", "/etc/localtime", "", "UTC\n", "x" * 500]
)
def test_hostile_time_zone_is_a_warning(tmp_path: Path, zone: str) -> None:
    path = make_case(tmp_path / "tz.sqlite", info={"time_zone": zone})
    with open_case(path) as source:
        assert source.time_zone == "UTC"
        assert all("\n" not in w and len(w) < 200 for w in source.warnings)


def test_extra_tables_columns_and_info_are_fine(tmp_path: Path) -> None:
    path = make_case(tmp_path / "newer-minor.sqlite", info={"format_version": "1.7"}, fts=False)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE annotation(id INTEGER PRIMARY KEY, text TEXT)")
    con.execute("ALTER TABLE event ADD COLUMN confidence REAL")
    con.execute("INSERT INTO case_info VALUES ('blob', x'00ff')")
    con.commit()
    con.close()
    with open_case(path) as source:
        assert source.format_version == "1.7" and not source.has_fts
        assert "blob" not in source.info
        assert any("not text" in w for w in source.warnings)


def test_case_source_connections_are_independent(case: Path) -> None:
    with open_case(case) as source:
        a, b = source.connect(), source.connect()
        assert a is not b
        a.close()
        assert b.execute("SELECT count(*) FROM actor").fetchone() == (4,)
        b.close()


def test_clear_stale_working_copies(tmp_path: Path) -> None:
    wal_case = make_case(tmp_path / "wal.sqlite", journal="wal")
    root = paths.working_dir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (root / "case-dead").mkdir()
    (root / "case-dead" / OWNER_FILE).write_text(dead)
    (root / "case-dead" / "case.sqlite").write_bytes(b"x")
    (root / "case-unowned").mkdir()
    (root / "stray.tmp").write_bytes(b"x")
    with open_case(wal_case) as source:
        assert source.working_path is not None
        clear_stale_working_copies()
        assert [p.name for p in root.iterdir()] == [source.working_path.parent.name]
        con = source.connect()
        assert con.execute("SELECT count(*) FROM event").fetchone() == (20,)
        con.close()
    assert list(root.iterdir()) == []


def test_sha256_file(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    seen: list[tuple[int, int]] = []
    digest = sha256_file(
        src,
        progress=lambda n, total: seen.append((n, total)),
        chunk=100_000,
        copy_to=tmp_path / "copy.bin",
    )
    assert digest == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "copy.bin").read_bytes() == data
    assert seen[-1] == (len(data), len(data)) and len(seen) == 13
    with pytest.raises(CaseOpenError) as info:
        sha256_file(src, cancelled=lambda: True)
    assert info.value.reason == "cancelled"
    with pytest.raises(FileExistsError):
        sha256_file(src, copy_to=tmp_path / "copy.bin")  # never overwrites


def test_quick_check_raises_corrupt_on_any_failure(case: Path) -> None:
    con = connect_readonly(case)
    quick_check(con)
    con.close()
    data = bytearray(case.read_bytes())
    data[8192 * 3 : 8192 * 4] = b"\x0d" * 8192  # a page full of nonsense
    case.write_bytes(bytes(data))
    con = connect_readonly(case)
    with pytest.raises(CaseOpenError) as info:
        quick_check(con, name="x.sqlite")
    assert info.value.reason == "corrupt" and "x.sqlite" in str(info.value)
    con.close()


def test_sqlite_uri_quotes_everything() -> None:
    uri = sqlite_uri(Path("/ev/a b?mode=rw#%.sqlite"), "ro")
    assert uri.endswith("?mode=ro") and uri.count("?") == 1 and "#" not in uri
    assert "%3F" in uri and "%23" in uri and "%25" in uri


def test_authorizer_rules() -> None:
    ok, deny, ignore = sqlite3.SQLITE_OK, sqlite3.SQLITE_DENY, sqlite3.SQLITE_IGNORE
    assert authorize(sqlite3.SQLITE_PRAGMA, "table_xinfo", "event", "main", None) == ok
    assert authorize(sqlite3.SQLITE_PRAGMA, "READ_UNCOMMITTED", None, None, None) == ok
    assert authorize(sqlite3.SQLITE_PRAGMA, "read_uncommitted", "1", None, None) == deny
    assert authorize(sqlite3.SQLITE_PRAGMA, "wal_checkpoint", None, None, None) == deny
    assert authorize(sqlite3.SQLITE_FUNCTION, None, "load_extension", None, None) == deny
    assert authorize(sqlite3.SQLITE_FUNCTION, None, "bm25", None, None) == ok
    assert authorize(sqlite3.SQLITE_UPDATE, "sqlite_master", "sql", "main", None) == ignore
    assert authorize(sqlite3.SQLITE_UPDATE, "event", "title", "main", None) == deny
    assert authorize(sqlite3.SQLITE_ATTACH, "x.db", None, None, None) == deny


def test_safe_text() -> None:
    assert safe_text("case.sqlite") == "case.sqlite"
    assert safe_text("a\nb\u200bc\u202e") == "a[U+000A]b[U+200B]c[U+202E]"
    assert len(safe_text("x" * 1000, limit=50)) == 50


def test_display_url_masks_secrets() -> None:
    url = make_url("postgresql+psycopg://cases:s3cret@db.unit.local:5432/op12?sslpassword=k3y")
    shown = _display_url(url)
    assert "s3cret" not in shown and "k3y" not in shown
    assert shown.startswith("postgresql+psycopg://cases:***@db.unit.local:5432/op12")


@pytest.mark.parametrize("scheme", [
    "postgresql", "postgresql+psycopg", "postgres", "mysql+pymysql", "mariadb", "oracle", "mssql",
])
def test_server_route_is_refused(scheme: str) -> None:
    """Until the shared-server work, a case server URL gets one line, never a connection."""
    with pytest.raises(CaseOpenError) as info:
        open_case(f"{scheme}://cases:s3cret@db.unit.local:5432/op12")
    assert info.value.reason == "unavailable"
    message = str(info.value)
    assert message.startswith(f"{scheme}://cases:***@db.unit.local:5432/op12: ")
    assert "not supported yet" in message and "s3cret" not in message


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_working_copy_folder_is_private(tmp_path: Path) -> None:
    path = make_case(tmp_path / "wal.sqlite", journal="wal")
    with open_case(path) as source:
        assert source.working_path is not None
        assert source.working_path.parent.stat().st_mode & 0o077 == 0
