"""Adding files to an existing case (issue #19): ids continue, entities are reused, the text
index covers every event, and a failed addition leaves the case exactly as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.cli import main as cli_main
from storage.case.opener import open_case
from storage.importers.case_build import BadRowsFound, Source, build_case
from storage.importers.rows import ImportRefused
from storage.synthetic.generator import write_demo_case
from tests.factories import sql_rows

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TIMESKETCH = DATA / "timesketch"
LISTINGS = DATA / "listings" / "dream_market_cocaine_listings_2017.csv"
PROFILE = Path(__file__).resolve().parents[1] / "docs" / "profiles" / "dream-market-listings.json"



def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_adds_a_second_timeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.filature"
    assert cli_main(["import", str(TIMESKETCH / "sigma_events.csv"), "--out", str(case)]) == 0
    assert cli_main(["import", str(TIMESKETCH / "e2e_evtx_part.csv"), "--out", str(case)]) == 2
    assert "--add" in capsys.readouterr().err
    assert cli_main(["import", str(TIMESKETCH / "e2e_evtx_part.csv"), "--out", str(case),
                     "--add"]) == 0
    assert sql_rows(case, "SELECT count(*), min(id), max(id) FROM event") == [(17, 1, 17)]
    assert sql_rows(case, "SELECT exhibit_id, count(*) FROM event GROUP BY 1") == [(1, 4), (2, 13)]
    assert [n for (n,) in sql_rows(case, "SELECT name FROM import_file ORDER BY id")] == [
        "sigma_events.csv", "e2e_evtx_part.csv"]
    word = sql_rows(case, "SELECT message FROM event WHERE id = 17")[0][0].split()[0]
    hits = sql_rows(case, f"SELECT rowid FROM event_fts WHERE event_fts MATCH '\"{word}\"'")
    assert (17,) in hits  # the text index covers the added events
    with open_case(case) as opened:
        assert opened.info["format_version"] == "1.2"


def test_listings_added_to_the_demo_case(tmp_path: Path) -> None:
    case = tmp_path / "demo.filature"
    write_demo_case(case)
    before = sql_rows(case, "SELECT count(*), max(id) FROM event")[0]
    exhibits = sql_rows(case, "SELECT id, label, sha256 FROM exhibit ORDER BY id")
    report = build_case([Source(LISTINGS, profile=PROFILE)], case, add=True)
    assert report.events == 1504
    assert sql_rows(case, "SELECT count(*) FROM event")[0][0] == before[0] + 1504
    assert sql_rows(case, "SELECT min(id) FROM event WHERE kind = 'ad_posted' AND exhibit_id = "
                          "(SELECT max(id) FROM exhibit)")[0][0] == before[1] + 1
    assert sql_rows(case, "SELECT id, label, sha256 FROM exhibit ORDER BY id")[:len(exhibits)] == \
        exhibits  # the case's own exhibits untouched
    info = dict(sql_rows(case, "SELECT key, value FROM case_info"))
    assert info["format_version"] == "1.2" and "dream_market" in info["source"]
    assert sql_rows(case, "PRAGMA foreign_key_check") == []
    assert sql_rows(case, "PRAGMA integrity_check") == [("ok",)]


def test_entities_already_in_the_case_are_reused(tmp_path: Path) -> None:
    case = tmp_path / "l.filature"
    build_case([Source(LISTINGS, profile=PROFILE)], case)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(LISTINGS.read_bytes())
    build_case([Source(copy, profile=PROFILE)], case, add=True)
    assert sql_rows(case, "SELECT count(*) FROM actor") == [(180,)]
    assert sql_rows(case, "SELECT count(*) FROM identifier") == [(180,)]
    assert sql_rows(case, "SELECT count(*) FROM attribution") == [(180,)]
    assert sql_rows(case, "SELECT count(*) FROM place") == [(17,)]
    assert sql_rows(case, "SELECT count(*) FROM event") == [(3008,)]


def test_a_failed_addition_leaves_the_case_as_it_was(tmp_path: Path) -> None:
    case = tmp_path / "c.filature"
    build_case([Source(TIMESKETCH / "sigma_events.csv")], case)
    sha = _sha(case)
    with pytest.raises(BadRowsFound):
        build_case([Source(TIMESKETCH / "invalid_datetime.csv")], case, zone="UTC", add=True)
    assert _sha(case) == sha
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.filature"]


def test_adding_needs_a_case(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        build_case([Source(TIMESKETCH / "sigma_events.csv")], tmp_path / "none.filature",
                   add=True)
    not_a_case = tmp_path / "x.filature"
    not_a_case.write_bytes(b"not sqlite" * 100)
    with pytest.raises(ImportRefused, match="not a SQLite database"):
        build_case([Source(TIMESKETCH / "sigma_events.csv")], not_a_case, add=True)
    assert not_a_case.read_bytes() == b"not sqlite" * 100
