"""The demo case and the synthetic generator: coverage, integrity, determinism, safety."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

import storage.synthetic.chunks as synthetic_chunks
import storage.synthetic.generator as generator
from storage.case import vocab
from storage.case.schema import (
    FORMAT_VERSION,
    FTS_TABLE,
    IMPORT_TABLES,
    REQUIRED_INFO_KEYS,
    REQUIRED_TABLES,
    Base,
)
from storage.synthetic.generator import (
    DEMO_INFO,
    GenerationReport,
    write_demo_case,
    write_synthetic_case,
)

if TYPE_CHECKING:
    from pathlib import Path

PARIS = ZoneInfo("Europe/Paris")
SYNTH_N = 20_000


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def us(text: str) -> int:
    """UTC microseconds of an ISO 8601 time with offset."""
    return int(datetime.fromisoformat(text).timestamp()) * 1_000_000


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.filature"
    write_demo_case(path)
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationReport]:
    path = tmp_path_factory.mktemp("synthetic") / "synthetic.filature"
    return path, write_synthetic_case(path, SYNTH_N, seed=7)


# --- the demo ---------------------------------------------------------------------------

VOCABULARIES = [
    ("event", "kind", vocab.EVENT_KINDS),
    ("event", "precision", vocab.PRECISIONS),
    ("actor", "role", vocab.ACTOR_ROLES),
    ("identifier", "kind", vocab.IDENTIFIER_KINDS),
    ("attribution", "kind", vocab.ATTRIBUTION_KINDS),
    ("platform", "kind", vocab.PLATFORM_KINDS),
    ("place", "kind", vocab.PLACE_KINDS),
    ("place", "precision", vocab.PLACE_PRECISIONS),
    ("exhibit", "kind", vocab.EXHIBIT_KINDS),
    ("shipment", "status", vocab.SHIPMENT_STATUSES),
    ("relation", "kind", vocab.RELATION_KINDS),
]


@pytest.mark.parametrize(("table", "column", "values"), VOCABULARIES)
def test_demo_covers_every_vocabulary_value(demo: Path, table: str, column: str,
                                            values: tuple[str, ...]) -> None:
    with connect(demo) as con:
        found = {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM {table}")}
    assert found == set(values)


def test_demo_every_record_cites_an_exhibit(demo: Path) -> None:
    # The import tables stay empty in a generated case: only `main.py import` fills them.
    tables = [t.name for t in Base.metadata.sorted_tables
              if "exhibit_id" in t.columns and t.name not in IMPORT_TABLES]
    assert len(tables) >= 7
    with connect(demo) as con:
        for table in tables:
            rows, missing = con.execute(
                f"SELECT count(*), count(*) - count(exhibit_id) FROM {table}").fetchone()
            assert rows > 0, table
            assert missing == 0, table
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_demo_exhibits_are_well_formed(demo: Path) -> None:
    with connect(demo) as con:
        rows = con.execute("SELECT label, sha256, acquired_by, acquired_at FROM exhibit").fetchall()
    assert len({sha for _l, sha, _b, _a in rows}) == len(rows)
    for label, sha, by, at in rows:
        assert re.fullmatch(r"Scellé \d{2}", label)
        assert re.fullmatch(r"[0-9a-f]{64}", sha)
        assert by
        assert us("2024-01-01T00:00:00+01:00") < at < us("2025-01-01T00:00:00+01:00")


def test_demo_case_info(demo: Path) -> None:
    with connect(demo) as con:
        info = dict(con.execute("SELECT key, value FROM case_info"))
    assert info["format_version"] == FORMAT_VERSION
    assert set(REQUIRED_INFO_KEYS) <= set(info)
    assert {k: info[k] for k in DEMO_INFO} == DEMO_INFO
    assert info["time_zone"] == "Europe/Paris"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", info["created_at"])


def test_demo_size_and_time_order(demo: Path) -> None:
    with connect(demo) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in REQUIRED_TABLES}
        ts = [t for (t,) in con.execute("SELECT ts FROM event ORDER BY id")]
    assert 300 <= counts["event"] <= 5000
    assert ts == sorted(ts)


def test_demo_spans_both_clock_changes(demo: Path) -> None:
    with connect(demo) as con:
        first, last = con.execute("SELECT min(ts), max(ts) FROM event").fetchone()
    assert first < us("2024-03-31T01:00:00+00:00")
    assert last > us("2024-10-27T01:00:00+00:00")


def test_demo_times_keep_their_source_form(demo: Path) -> None:
    with connect(demo) as con:
        raw = con.execute("SELECT count(*) FROM event WHERE ts_raw IS NOT NULL "
                          "AND ts_zone IS NOT NULL").fetchone()[0]
        overlap = con.execute("SELECT ts, ts_min, ts_max, ts_raw, precision FROM event "
                              "WHERE ts_raw LIKE '27/10/2024 02:%'").fetchall()
        ranges = con.execute("SELECT ts, ts_min, ts_max FROM event "
                             "WHERE precision = 'range'").fetchall()
    assert raw >= 10
    [(ts, lo, hi, text, precision)] = overlap
    assert "ambiguous" in text
    assert precision == "range"
    first = datetime(2024, 10, 27, 2, 37, tzinfo=PARIS, fold=0)
    second = datetime(2024, 10, 27, 2, 37, tzinfo=PARIS, fold=1)
    assert lo == ts == int(first.timestamp()) * 1_000_000
    assert hi >= int(second.timestamp()) * 1_000_000
    assert ranges
    assert all(lo is not None and hi is not None and lo <= ts <= hi for ts, lo, hi in ranges)


def test_demo_story_threads(demo: Path) -> None:
    with connect(demo) as con:
        stolen = con.execute(
            "SELECT a.kind, ac.role FROM identifier i JOIN attribution a ON a.identifier_id = i.id"
            " JOIN actor ac ON ac.id = a.actor_id WHERE i.third_party = 1 AND i.kind = 'phone'"
            " AND i.value LIKE '+33 6 39 98%'").fetchall()
        intervals = con.execute("SELECT kind, count(*) FROM event WHERE end_ts > ts "
                                "GROUP BY kind").fetchall()
        crypto = con.execute("SELECT DISTINCT currency FROM event WHERE kind = 'payment' "
                             "AND amount > 0").fetchall()
        scam = con.execute("SELECT count(*) FROM shipment WHERE real_content LIKE '%carrots%' "
                           "AND declared_content != real_content").fetchone()[0]
        heavy = con.execute("SELECT count(*) FROM shipment WHERE weight_g >= 10000").fetchone()[0]
        linked = con.execute(
            "SELECT count(*) FROM event WHERE kind IN ('parcel_posted', 'tracking_scan') "
            "AND (shipment_id IS NULL OR platform_id IS NULL)").fetchone()[0]
    assert ("registered_to", "third_party") in stolen
    assert ("uses", "seller") in stolen
    assert {"courier_round", "video_call"} <= {kind for kind, _n in intervals}
    assert {"BTC", "XMR", "EUR"} <= {c for (c,) in crypto}
    assert scam == 1
    assert heavy >= 4
    assert linked == 0


def test_demo_full_text_search(demo: Path) -> None:
    with connect(demo) as con:
        hits = con.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?",
                           ("carottes",)).fetchall()
    assert hits


def test_demo_is_deterministic(demo: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.filature"
    write_demo_case(again)
    assert sha256(again) == sha256(demo)


# --- the synthetic generator ------------------------------------------------------------

def test_synthetic_has_exactly_n_events_in_time_order(
        synthetic: tuple[Path, GenerationReport]) -> None:
    path, report = synthetic
    assert report.path == path
    assert report.events == SYNTH_N
    assert report.seconds > 0
    assert report.events_per_second > 0
    with connect(path) as con:
        ids_ts = con.execute("SELECT id, ts FROM event ORDER BY id").fetchall()
        info = dict(con.execute("SELECT key, value FROM case_info"))
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in (t.name for t in Base.metadata.sorted_tables if "exhibit_id" in t.columns):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE exhibit_id IS NULL"
                               ).fetchone()[0] == 0, table
    assert len(ids_ts) == SYNTH_N
    assert [i for i, _ in ids_ts] == list(range(1, SYNTH_N + 1))
    ts = [t for _, t in ids_ts]
    assert ts == sorted(ts)
    assert set(REQUIRED_INFO_KEYS) <= set(info)
    assert info["format_version"] == FORMAT_VERSION


def test_synthetic_looks_like_a_case(synthetic: tuple[Path, GenerationReport]) -> None:
    path, _ = synthetic
    with connect(path) as con:
        kinds = dict(con.execute("SELECT kind, count(*) FROM event GROUP BY kind"))
        rounds = con.execute("SELECT count(*) FROM event WHERE kind = 'courier_round' "
                             "AND (end_ts IS NULL OR end_ts <= ts)").fetchone()[0]
        vague = con.execute("SELECT count(*) FROM event WHERE precision = 'range' "
                            "AND NOT (ts_min <= ts AND ts <= ts_max)").fetchone()[0]
        legs = con.execute("SELECT count(DISTINCT shipment_id) FROM shipment_leg").fetchone()[0]
        ships = con.execute("SELECT count(*) FROM shipment").fetchone()[0]
        hours = dict(con.execute(
            "SELECT kind, avg(ts % 86400000000) / 3600e6 FROM event "
            "WHERE kind IN ('courier_round', 'message') GROUP BY kind"))
    top = sorted(kinds, key=kinds.__getitem__, reverse=True)[:4]
    assert set(top) <= {"message", "payment", "tracking_scan", "delivery"}
    assert set(vocab.EVENT_KINDS) - set(kinds) <= {"search", "judicial_decision"}
    assert rounds == 0
    assert vague == 0
    assert ships and legs == ships
    assert 10 <= hours["courier_round"] <= 16  # UTC hours of rounds that start after noon


def test_synthetic_full_text_search(synthetic: tuple[Path, GenerationReport]) -> None:
    path, _ = synthetic
    with connect(path) as con:
        hits = con.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?",
                           ("dispo",)).fetchall()
        signal = con.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?",
                             ("signal",)).fetchone()[0]
    assert hits
    assert signal > 0


FTS_QUERIES = ("dispo", "signal", "colis", "scan", "livraison", "btc", '"out for delivery"',
               "stock*", "perquisition", "menu OR promo")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """~2,000 events per chunk: a 20,000-event case has chunks written by the worker too."""
    monkeypatch.setattr(synthetic_chunks, "CHUNK_EVENTS", 2000)


@pytest.mark.usefixtures("small_chunks")
def test_synthetic_full_text_index_matches_a_rebuild(tmp_path: Path) -> None:
    """The worker builds the index chunk by chunk and it is copied in: as good as 'rebuild'."""
    path = tmp_path / "fts.filature"
    write_synthetic_case(path, SYNTH_N, seed=7)
    con = sqlite3.connect(path)

    def hits() -> dict[str, list[int]]:
        return {q: [r for (r,) in con.execute(f"SELECT rowid FROM {FTS_TABLE} "
                                              f"WHERE {FTS_TABLE} MATCH ? ORDER BY rowid", (q,))]
                for q in FTS_QUERIES}

    with con:
        con.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")
        config = con.execute(f"SELECT k FROM {FTS_TABLE}_config").fetchall()
        before = hits()
        con.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        after = hits()
    con.close()
    assert config == [("version",)]  # build settings are not left in the case
    assert all(before.values())
    assert before == after


@pytest.mark.usefixtures("small_chunks")
def test_synthetic_worker_on_a_thread_writes_the_same_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {}
    for in_process in (False, True):
        monkeypatch.setattr(generator, "_IN_PROCESS", in_process)
        files[in_process] = tmp_path / f"in_process_{in_process}.filature"
        write_synthetic_case(files[in_process], SYNTH_N, seed=7)
    assert sha256(files[False]) == sha256(files[True])
    with connect(files[False]) as con:
        ids_ts = con.execute("SELECT id, ts FROM event ORDER BY id").fetchall()
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        ships = con.execute("SELECT count(*), count(DISTINCT status) FROM shipment").fetchone()
    assert [i for i, _ in ids_ts] == list(range(1, SYNTH_N + 1))
    assert [t for _, t in ids_ts] == sorted(t for _, t in ids_ts)
    assert ships[0] > 100
    assert ships[1] >= 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files.values())


def test_synthetic_is_deterministic(synthetic: tuple[Path, GenerationReport],
                                    tmp_path: Path) -> None:
    path, _ = synthetic
    same, other = tmp_path / "same.filature", tmp_path / "other.filature"
    write_synthetic_case(same, SYNTH_N, seed=7)
    write_synthetic_case(other, SYNTH_N, seed=8)
    assert sha256(same) == sha256(path)
    assert sha256(other) != sha256(path)


@pytest.mark.parametrize("events", [1, 2, 999, 1000])
def test_synthetic_small_counts_are_exact(tmp_path: Path, events: int) -> None:
    path = tmp_path / "small.filature"
    write_synthetic_case(path, events, fts=False)
    with connect(path) as con:
        assert con.execute("SELECT count(*) FROM event").fetchone()[0] == events
        assert con.execute("SELECT count(*) FROM sqlite_schema WHERE name = ?",
                           (FTS_TABLE,)).fetchone()[0] == 0


def test_synthetic_refuses_zero_events(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        write_synthetic_case(tmp_path / "none.filature", 0)
    assert list(tmp_path.iterdir()) == []


# --- files: journal mode, side files, overwrite, failures --------------------------------

@pytest.mark.parametrize("which", ["demo", "synthetic"])
def test_files_are_plain_rollback_journal_files(which: str, demo: Path,
                                                synthetic: tuple[Path, GenerationReport]
                                                ) -> None:
    path = demo if which == "demo" else synthetic[0]
    header = path.read_bytes()[:100]
    assert header[:16] == b"SQLite format 3\x00"
    assert header[18] == header[19] == 1  # 2 would mean WAL
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    with connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_overwrite_false_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "case.filature"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        write_demo_case(path)
    with pytest.raises(FileExistsError):
        write_synthetic_case(path, 100)
    assert path.read_bytes() == b"keep me"
    write_synthetic_case(path, 100, overwrite=True)
    with connect(path) as con:
        assert con.execute("SELECT count(*) FROM event").fetchone()[0] == 100


@pytest.mark.parametrize("in_process", [False, True])
def test_failure_midway_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       in_process: bool) -> None:
    monkeypatch.setattr(generator, "_IN_PROCESS", in_process)
    path = tmp_path / "broken.filature"
    calls: list[tuple[int, int]] = []
    threads_before = set(threading.enumerate())

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        raise KeyboardInterrupt  # what a cancel looks like: any exception, even this one

    with pytest.raises(KeyboardInterrupt):
        write_synthetic_case(path, 300_000, progress=progress, fts=False)
    assert calls == [(calls[0][0], 300_000)]
    assert 0 < calls[0][0] < 300_000
    assert list(tmp_path.iterdir()) == []
    assert set(threading.enumerate()) <= threads_before  # none left behind (others may end)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("in_process", [False, True])
def test_cancel_after_worker_chunks_leaves_no_file(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   in_process: bool) -> None:
    """Cancelled after chunks the worker wrote itself: its chunk files go too."""
    monkeypatch.setattr(generator, "_IN_PROCESS", in_process)
    threads_before = set(threading.enumerate())
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 6:
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError, match="cancelled"):
        write_synthetic_case(tmp_path / "c.filature", SYNTH_N, progress=progress)
    assert list(tmp_path.iterdir()) == []
    assert set(threading.enumerate()) <= threads_before  # none left behind (others may end)


def test_demo_failure_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(book: object) -> None:
        raise RuntimeError("story failed")

    monkeypatch.setattr(generator, "build_demo", explode)
    with pytest.raises(RuntimeError, match="story failed"):
        write_demo_case(tmp_path / "demo.filature")
    assert list(tmp_path.iterdir()) == []


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    write_synthetic_case(tmp_path / "p.filature", 5000, progress=lambda d, t: seen.append((d, t)),
                         fts=False)
    assert seen[-1] == (5000, 5000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
