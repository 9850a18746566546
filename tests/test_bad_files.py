"""Files that are not (readable) cases: one clear reason, one line, nothing left behind."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from storage import paths
from storage.case.errors import CaseOpenError
from storage.case.opener import open_case
from tests.factories import make_case


def _snapshot(folder: Path) -> dict[str, str]:
    """Name -> SHA-256 of every entry of ``folder`` (folders map to '<dir>')."""
    out = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file():
            out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest()
        else:
            out[entry.name] = "<dir>" if entry.is_dir() else "<other>"
    return out


def refused(target: str | Path, reason: str, folder: Path | None = None) -> CaseOpenError:
    """Open ``target``, expect ``reason``; check the message and that nothing was created."""
    watched = (
        folder
        if folder is not None
        else (Path(target).parent if "://" not in str(target) else None)
    )
    before = _snapshot(watched) if watched is not None else None
    with pytest.raises(CaseOpenError) as info:
        open_case(target)
    err = info.value
    assert err.reason == reason, (err.reason, str(err))
    message = str(err)
    assert message == err.message
    assert "\n" not in message and "\r" not in message
    assert "Traceback" not in message and "sqlite3." not in message
    assert "SELECT" not in message and "PRAGMA" not in message
    if "://" not in str(target) and Path(target).name:
        assert Path(target).name in message or "[U+" in message
    if watched is not None:
        assert _snapshot(watched) == before
    assert list(paths.working_dir().iterdir()) == []  # no working copy left over
    return err


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "case.sqlite", events=400)


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("This is not a database.\n" * 10)
    refused(path, "not_sqlite")


def test_png_bytes(tmp_path: Path) -> None:
    path = tmp_path / "photo.sqlite"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    refused(path, "not_sqlite")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    err = refused(path, "not_sqlite")
    assert "0 bytes" in str(err)


def test_missing_path(tmp_path: Path) -> None:
    refused(tmp_path / "nowhere.sqlite", "missing", folder=tmp_path)


def test_missing_parent(tmp_path: Path) -> None:
    refused(tmp_path / "no-folder" / "case.sqlite", "missing", folder=tmp_path)


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "case.sqlite"
    folder.mkdir()
    refused(folder, "not_a_file", folder=tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_fifo_beside_is_refused_without_blocking(case: Path) -> None:
    os.mkfifo(case.with_name(case.name + "-wal"))
    refused(case, "not_a_file")


def test_truncated_case(case: Path) -> None:
    data = case.read_bytes()
    assert len(data) > 8 * 8192
    case.write_bytes(data[: len(data) // 2])
    refused(case, "corrupt")


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "stub.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 84)
    refused(path, "corrupt")


def test_corrupt_page(case: Path) -> None:
    data = bytearray(case.read_bytes())
    page = 8192
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = bytes((i * 37 + 11) % 256 for i in range(page))
    case.write_bytes(bytes(data))
    refused(case, "corrupt")


def test_sqlite_with_unrelated_tables(tmp_path: Path) -> None:
    path = tmp_path / "contacts.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts(name TEXT, phone TEXT)")
    con.execute("INSERT INTO contacts VALUES ('a', '1')")
    con.commit()
    con.close()
    err = refused(path, "not_a_case")
    assert "SQLite database but not a Filature case" in str(err)


def test_newer_format(tmp_path: Path) -> None:
    path = make_case(tmp_path / "future.sqlite", info={"format_version": "2.0"})
    err = refused(path, "newer_format")
    assert "format 2.0" in str(err) and "1.x" in str(err)


def test_newer_format_wins_over_schema_changes(tmp_path: Path) -> None:
    path = make_case(tmp_path / "future.sqlite", info={"format_version": "3.1"}, fts=False)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE event RENAME TO happening")
    con.close()
    refused(path, "newer_format")


@pytest.mark.parametrize("version", ["one", "1", "1.0.0", "1.0\n; DROP TABLE x", ""])
def test_unreadable_format_version(tmp_path: Path, version: str) -> None:
    path = make_case(tmp_path / "odd.sqlite", info={"format_version": version})
    refused(path, "not_a_case")


def test_view_shadowing_event(tmp_path: Path) -> None:
    path = make_case(tmp_path / "shadow.sqlite", fts=False)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE event RENAME TO event_real")
    con.execute("CREATE VIEW event AS SELECT * FROM event_real")
    con.close()
    err = refused(path, "wrong_schema")
    assert "'event' is a view" in str(err)


def test_virtual_table_instead_of_required_table(tmp_path: Path) -> None:
    path = make_case(tmp_path / "vtab.sqlite", fts=False)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE relation")
    con.execute(
        "CREATE VIRTUAL TABLE relation USING fts5(id, from_actor_id, to_actor_id, kind, "
        "confidence, justification, exhibit_id)"
    )
    con.close()
    refused(path, "wrong_schema")


def test_missing_required_table(tmp_path: Path) -> None:
    path = make_case(tmp_path / "partial.sqlite")
    con = sqlite3.connect(path)
    con.execute("DROP TABLE relation")
    con.close()
    err = refused(path, "wrong_schema")
    assert "'relation'" in str(err)


def test_missing_required_column(tmp_path: Path) -> None:
    path = make_case(tmp_path / "narrow.sqlite", fts=False)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE event DROP COLUMN source_record")
    con.close()
    err = refused(path, "wrong_schema")
    assert "'source_record'" in str(err)


@pytest.mark.parametrize("key", ["title", "time_zone", "format_version"])
def test_missing_case_info_key(tmp_path: Path, key: str) -> None:
    path = make_case(tmp_path / "noinfo.sqlite", info={key: None})
    err = refused(path, "wrong_schema")
    assert f"'{key}'" in str(err)


def test_hostile_file_name_stays_one_visible_line(tmp_path: Path) -> None:
    path = tmp_path / "evil\n\u202egpj.sqlite"
    path.write_text("not a database")
    err = refused(path, "not_sqlite")
    assert "[U+000A]" in str(err) and "[U+202E]" in str(err)
    assert "\u202e" not in str(err)


@pytest.mark.parametrize(
    "url", ["not a url://x", "postgresql://host:port/db", "sqlite://", "file:///tmp/x.sqlite"]
)
def test_bad_url(url: str) -> None:
    refused(url, "bad_url")


@pytest.mark.parametrize(
    "url",
    [
        "mysql+nosuchdriver://user:secret@host/db",
        "postgresql+nosuchdriver://user:secret@host/db?sslpassword=alsosecret",
    ],
)
def test_unknown_driver_hides_password(url: str) -> None:
    err = refused(url, "unavailable")
    assert "secret" not in str(err)
    assert "user:***@host/db" in str(err)


def test_missing_or_unreachable_server_hides_password() -> None:
    # Without a PostgreSQL driver installed this is "driver not installed"; with one, port 1
    # on localhost refuses the connection at once. Both are 'unavailable', never a traceback.
    err = refused("postgresql://user:secret@127.0.0.1:1/cases", "unavailable")
    assert "secret" not in str(err)


def test_locked_by_another_program(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.case.hardening.BUSY_TIMEOUT", 0.1)
    writer = sqlite3.connect(case, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        refused(case, "locked_or_hot_journal")
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_malformed_schema_sql(case: Path) -> None:
    con = sqlite3.connect(case)
    con.execute("PRAGMA writable_schema=ON")
    con.execute(
        "INSERT INTO sqlite_schema(type, name, tbl_name, rootpage, sql) "
        "VALUES ('table', 'junk', 'junk', 0, 'CREATE TABLE junk(((')"
    )
    con.commit()
    con.close()
    refused(case, "corrupt")


def test_schema_deeper_than_the_limits(case: Path) -> None:
    con = sqlite3.connect(case)
    con.execute(f"CREATE VIEW deep AS SELECT {' + '.join(['1'] * 700)} AS x")  # depth 700
    con.close()
    refused(case, "corrupt")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.sqlite"
    loop.symlink_to(loop)
    err = refused(loop, "unavailable")
    assert "loop.sqlite" in str(err)
