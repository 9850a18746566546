"""Nothing writes to evidence: bytes, hashes and folder listings are identical after a session."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import struct
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
import pytest
import sqlalchemy.exc
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from storage import paths
from storage.case.errors import CaseOpenError, QueryCancelled
from storage.case.hardening import deadline
from storage.case.opener import open_case
from storage.case.schema import Actor, Event, Shipment
from tests.factories import EVENT_INSERT, event_row, make_case

if TYPE_CHECKING:
    from pathlib import Path

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file of ``folder``: name -> (SHA-256, mtime in ns)."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


@pytest.fixture
def case(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    return make_case(folder / "case.sqlite", events=300)


def test_session_leaves_case_identical(case: Path) -> None:
    before = snapshot(case.parent)
    with open_case(case) as source:
        assert source.working_path == source.path == case
        con = source.connect()
        try:
            ts = np.fromiter((r[0] for r in con.execute("SELECT ts FROM event")), np.int64)
            assert len(ts) == 300 and np.all(np.diff(np.sort(ts)) > 0)
            hits = con.execute(
                "SELECT rowid, highlight(event_fts, 1, '[', ']') FROM event_fts "
                "WHERE event_fts MATCH 'relay' ORDER BY rank LIMIT 5"
            ).fetchall()
            assert len(hits) == 5 and all("[relay]" in text for _, text in hits)
            count = con.execute(
                "SELECT count(*) FROM event_fts WHERE event_fts MATCH 'relay'"
            ).fetchone()[0]
            assert count == 100  # every third event has a message "... sent via relay ..."
            assert con.execute("PRAGMA quick_check").fetchall() == [("ok",)]
            assert con.execute("SELECT * FROM pragma_table_info('event')").fetchall()
            kinds = con.execute("SELECT kind, count(*) FROM event GROUP BY kind").fetchall()
            assert sum(n for _, n in kinds) == 300
        finally:
            con.close()
        with Session(source.engine) as session:
            events = session.scalars(select(Event).where(Event.kind == "payment")).all()
            assert events and all(e.amount is not None for e in events)
            shipment = session.get(Shipment, 1)
            assert shipment is not None and [leg.seq for leg in shipment.legs] == [1, 2]
            actor = session.get(Actor, 1)
            assert actor is not None and actor.attributions
        insp = inspect(source.engine)
        assert "event" in insp.get_table_names()
        assert {c["name"] for c in insp.get_columns("event")} >= {"ts", "kind", "title"}
        assert insp.get_indexes("event") and insp.get_foreign_keys("event")
        assert insp.get_pk_constraint("event")["constrained_columns"] == ["id"]
    assert snapshot(case.parent) == before


WRITES = [
    "INSERT INTO event(id, ts, kind, title) VALUES (10000, 1, 'other', 'x')",
    "UPDATE event SET title = 'x'",
    "DELETE FROM event",
    "CREATE TABLE planted(x)",
    "CREATE TEMP TABLE scratch(x)",
    "CREATE TEMP VIEW v AS SELECT 1",
    "CREATE INDEX ix_planted ON event(title)",
    "DROP TABLE relation",
    "ALTER TABLE event ADD COLUMN planted",
    "ANALYZE",
    "REINDEX",
    "PRAGMA query_only=0",
    "PRAGMA journal_mode=WAL",
    "PRAGMA trusted_schema=ON",
    "PRAGMA writable_schema=ON",
    "PRAGMA optimize",
    "PRAGMA wal_checkpoint",
    "SELECT load_extension('/tmp/nothing')",
    "INSERT INTO event_fts(event_fts) VALUES ('rebuild')",
]


@pytest.mark.parametrize("sql", WRITES)
def test_writes_are_refused(case: Path, sql: str) -> None:
    before = snapshot(case.parent)
    with open_case(case) as source:
        con = source.connect()
        with pytest.raises(sqlite3.DatabaseError):
            con.execute(sql)
        assert con.execute("PRAGMA query_only").fetchone() == (1,)
        assert con.execute("PRAGMA trusted_schema").fetchone() == (0,)
        assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        con.close()
    assert snapshot(case.parent) == before


@pytest.mark.parametrize("template", ["ATTACH DATABASE '{}' AS x", "VACUUM INTO '{}'"])
def test_attach_and_vacuum_into_create_no_file(case: Path, tmp_path: Path, template: str) -> None:
    target = tmp_path / "planted.db"
    with open_case(case) as source:
        con = source.connect()
        with pytest.raises(sqlite3.DatabaseError):
            con.execute(template.format(target))
        con.close()
    assert not target.exists()


def test_orm_write_is_refused(case: Path) -> None:
    with open_case(case) as source, Session(source.engine) as session:
        session.add(Actor(display_name="planted", role="unknown"))
        with pytest.raises(sqlalchemy.exc.DBAPIError):
            session.commit()


def test_schema_sql_cannot_call_app_functions(tmp_path: Path) -> None:
    path = make_case(tmp_path / "hostile.sqlite")
    con = sqlite3.connect(path)
    con.execute("CREATE VIEW evil AS SELECT py_boom() AS x")
    con.execute("CREATE VIEW evil_regexp AS SELECT title REGEXP '.*' AS x FROM event")
    con.close()
    calls: list[int] = []

    def boom() -> int:
        calls.append(1)
        return 1

    with open_case(path) as source:
        con = source.connect()
        con.create_function("py_boom", 0, boom)
        assert con.execute("SELECT py_boom()").fetchone() == (1,)  # our own SQL may call it
        calls.clear()
        with pytest.raises(sqlite3.OperationalError, match="unsafe use"):
            con.execute("SELECT * FROM evil").fetchall()
        assert calls == []
        con.close()
        with source.engine.connect() as conn, pytest.raises(sqlalchemy.exc.OperationalError):
            conn.exec_driver_sql("SELECT * FROM evil_regexp").fetchall()  # SQLAlchemy's regexp


def _copy_hashes(files: list[Path]) -> dict[Path, str]:
    return {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def test_rows_only_in_wal_are_seen_and_evidence_untouched(tmp_path: Path) -> None:
    live = make_case(tmp_path / "live" / "case.sqlite", events=20, journal="wal")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.executemany(EVENT_INSERT, [event_row(i) for i in range(21, 31)])
    shutil.copy(live, evidence / "case.sqlite")
    shutil.copy(live.with_name("case.sqlite-wal"), evidence / "case.sqlite-wal")
    writer.close()
    main_only = tmp_path / "main-only.sqlite"
    shutil.copy(evidence / "case.sqlite", main_only)
    lone = sqlite3.connect(main_only)
    assert lone.execute("SELECT count(*) FROM event").fetchone() == (20,)  # rows are in the WAL
    lone.close()

    before = snapshot(evidence)
    source = open_case(evidence / "case.sqlite")
    try:
        assert source.working_path is not None and source.working_path != source.path
        assert paths.working_dir() in source.working_path.parents
        assert any("-wal" in w for w in source.warnings)
        files = source.evidence_files()
        assert files == [evidence / "case.sqlite", evidence / "case.sqlite-wal"]
        assert dict(source.known_sha256) == _copy_hashes(files)
        con = source.connect()
        assert con.execute("SELECT count(*) FROM event").fetchone() == (30,)
        con.close()
        assert snapshot(evidence) == before  # no -shm, no checkpoint while open
    finally:
        source.close()
        source.close()  # idempotent
    assert snapshot(evidence) == before
    assert list(paths.working_dir().iterdir()) == []
    with pytest.raises(RuntimeError):
        source.connect()


def _hot_journal_case(tmp_path: Path) -> Path:
    """Evidence folder holding a case and the hot journal of an interrupted update."""
    live = make_case(tmp_path / "live" / "case.sqlite", events=300)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA cache_size=1")  # spill changed pages into the file mid-transaction
    writer.execute("BEGIN")
    writer.execute("UPDATE event SET title = 'TAMPERED'")
    shutil.copy(live, evidence / "case.sqlite")
    shutil.copy(live.with_name("case.sqlite-journal"), evidence / "case.sqlite-journal")
    writer.execute("ROLLBACK")
    writer.close()
    assert b"TAMPERED" in (evidence / "case.sqlite").read_bytes()  # really mid-transaction
    return evidence / "case.sqlite"


def test_hot_journal_is_rolled_back_in_a_working_copy(tmp_path: Path) -> None:
    path = _hot_journal_case(tmp_path)
    before = snapshot(path.parent)
    with open_case(path) as source:
        assert source.working_path != path
        assert any("-journal" in w for w in source.warnings)
        con = source.connect()
        assert con.execute("SELECT count(*) FROM event WHERE title = 'TAMPERED'").fetchone() == (0,)
        con.close()
    assert snapshot(path.parent) == before
    assert list(paths.working_dir().iterdir()) == []


def test_journal_naming_a_super_journal_is_refused(tmp_path: Path) -> None:
    """A crafted super-journal record would make SQLite delete the file it names."""
    path = _hot_journal_case(tmp_path)
    victim = tmp_path / "investigator-notes.txt"
    victim.write_text("precious")
    name = str(victim).encode()
    record = struct.pack(">I", 0x40000000 // 8192 + 1) + name
    record += struct.pack(">II", len(name), sum(name)) + bytes.fromhex("d9d505f920a163d7")
    with path.with_name("case.sqlite-journal").open("ab") as journal:
        journal.write(record)
    before = snapshot(path.parent)
    with pytest.raises(CaseOpenError) as info:
        open_case(path)
    assert info.value.reason == "locked_or_hot_journal"
    assert victim.read_text() == "precious"
    assert snapshot(path.parent) == before


def test_odd_characters_in_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "a b?c#d%20e"
    folder.mkdir()
    path = make_case(folder / "case ?mode=rw#x%41.sqlite")
    before = snapshot(folder)
    with open_case(path) as source:
        con = source.connect()
        assert con.execute("SELECT count(*) FROM event").fetchone() == (20,)
        with pytest.raises(sqlite3.DatabaseError):
            con.execute("DELETE FROM event")
        con.close()
    assert snapshot(folder) == before


def test_deadline_stops_a_runaway_query(case: Path) -> None:
    with open_case(case) as source:
        con = source.connect()
        start = time.monotonic()
        with pytest.raises(QueryCancelled) as info, deadline(con, seconds=0.2):
            con.execute(RUNAWAY).fetchone()
        assert info.value.why == "deadline"
        assert time.monotonic() - start < 3
        assert con.execute("SELECT count(*) FROM event").fetchone() == (300,)  # still usable
        con.close()


def test_cancel_stops_a_runaway_query_through_the_engine(case: Path) -> None:
    flag = threading.Event()
    timer = threading.Timer(0.1, flag.set)
    with open_case(case) as source, source.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        timer.start()
        with pytest.raises(QueryCancelled) as info, deadline(raw, cancelled=flag.is_set):
            conn.exec_driver_sql(RUNAWAY).fetchone()
        assert info.value.why == "cancelled"
    timer.join()


def test_attach_limit_holds_without_the_authorizer(case: Path, tmp_path: Path) -> None:
    """Defence in depth: the ATTACHED=0 limit alone stops ATTACH creating a file."""
    target = tmp_path / "planted.db"
    with open_case(case) as source:
        con = source.connect()
        con.set_authorizer(None)
        with pytest.raises(sqlite3.OperationalError, match="too many attached"):
            con.execute(f"ATTACH DATABASE '{target}' AS x")
        con.close()
    assert not target.exists()


def test_watchdog_interrupts_work_the_progress_handler_cannot_see(case: Path) -> None:
    """With the progress handler all but off, only the watchdog's interrupt() can stop it."""
    with open_case(case) as source:
        con = source.connect()
        start = time.monotonic()
        with (
            pytest.raises(QueryCancelled) as info,
            deadline(con, seconds=0.1, every=2_000_000_000, watchdog=0.02),
        ):
            con.execute(RUNAWAY).fetchone()
        assert info.value.why == "deadline" and time.monotonic() - start < 3
        con.close()
