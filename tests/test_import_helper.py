"""The import's helper process writes the same case as the import alone, text index included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.case.fts import FTS_TABLE
from storage.case.schema import Base
from storage.case.search_terms import SEARCH_TERM_TABLE
from storage.importers import case_build
from storage.importers.case_build import BadRowPolicy, Source, build_case
from storage.importers.side_tables import SideTables

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TIMESKETCH = [DATA / "timesketch" / name for name in (
    "sigma_events.csv", "e2e_evtx_part.csv", "plaso_json_line_centos_sshd_events.jsonl")]
LISTINGS = DATA / "listings" / "dream_market_cocaine_listings_2017.csv"
PROFILE = ROOT / "docs" / "profiles" / "dream-market-listings.json"
CASES = {"timelines": [Source(p) for p in TIMESKETCH],
         "listings": [Source(LISTINGS, profile=PROFILE)], "tagged": []}


def _tagged(folder: Path) -> list[Source]:
    """A timeline with tags, a mostly blank column and rows with no field at all."""
    path = folder / "tagged.csv"
    lines = ["message,datetime,timestamp_desc,tag,note,user"]
    for i in range(300):
        tag = '"[""seen"", ""x""]"' if i % 7 == 0 else ("a,b" if i % 11 == 0 else "")
        lines.append(f"m{i},2024-01-01T00:{i // 60:02d}:{i % 60:02d}+00:00,Write,{tag},"
                     f"{'n' if i % 5 == 0 else ''},{'' if i % 3 == 0 else f'u{i}'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [Source(path)]
_IMPORTED_AT = ("exhibit", "import_file")  # the import's own clock: differs between two runs


def _contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(path)
    try:
        out = {}
        for table in [t.name for t in Base.metadata.sorted_tables] + [SEARCH_TERM_TABLE]:
            rows = con.execute(f"SELECT * FROM {table}").fetchall()
            if table in _IMPORTED_AT:
                names = [d[0] for d in con.execute(f"SELECT * FROM {table}").description]
                drop = {names.index(c) for c in ("acquired_at", "imported_at") if c in names}
                rows = [tuple(v for j, v in enumerate(r) if j not in drop) for r in rows]
            out[table] = sorted(rows, key=repr)
        con.execute(f"CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, {FTS_TABLE}, 'instance')")
        out["fts_instances"] = con.execute("SELECT * FROM temp.v").fetchall()
        assert con.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) "
                           "VALUES ('integrity-check', 1)").fetchall() == []
        out["fts_config"] = con.execute(f"SELECT * FROM {FTS_TABLE}_config").fetchall()
        return out
    finally:
        con.close()


@pytest.mark.parametrize("packs", ["here", "helper"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_helper_writes_what_the_import_alone_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, packs: str) -> None:
    assert SideTables.available()
    if packs == "helper":  # these files are small: their fields are packed here otherwise
        monkeypatch.setattr(case_build, "HELPER_PACKS_FROM", 1)
    sources = CASES[name] or _tagged(tmp_path)
    with_helper = tmp_path / "helper.filature"
    build_case(sources, with_helper, zone="UTC", bad_rows=BadRowPolicy.SKIP)
    monkeypatch.setattr(case_build.SideTables, "available", staticmethod(lambda: False))
    alone = tmp_path / "alone.filature"
    build_case(sources, alone, zone="UTC", bad_rows=BadRowPolicy.SKIP)
    got, want = _contents(with_helper), _contents(alone)
    assert want["event"] and want["event_attribute"] and want["fts_instances"]
    assert want[SEARCH_TERM_TABLE]
    assert want["event_tag"] or name != "tagged"
    for table in want:
        assert got[table] == want[table], table
    assert ("hashsize",) not in {(k,) for k, _v in got["fts_config"]}  # a build setting only


def test_a_helper_that_dies_fails_the_import_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_text = SideTables.text

    def die(self: SideTables, *args: object) -> None:
        self._proc.kill()
        self._proc.wait()
        real_text(self, *args)

    monkeypatch.setattr(SideTables, "text", die)
    out = tmp_path / "case.filature"
    with pytest.raises(RuntimeError, match="import helper"):
        build_case([Source(TIMESKETCH[0])], out, zone="UTC")
    assert list(tmp_path.iterdir()) == []
