"""Exports (issue #19): Timesketch JSONL round trip, GeoJSON/KML layers, CSV tables.

The round trip is the contract: a case imported from timelines, exported, and the export
imported again gives the same events (instant, precision, message, kind, fields, tags).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.cli import main as cli_main
from storage.case.opener import open_case
from storage.exports.geo import export_geojson, export_kml
from storage.exports.tables import export_actors_csv, export_identifiers_csv
from storage.exports.timesketch import export_timesketch_jsonl, iso_utc
from storage.importers.case_build import BadRowPolicy, Source, build_case
from storage.synthetic.generator import write_demo_case

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "timesketch"
KML = "{http://www.opengis.net/kml/2.2}"


def _events(path: Path) -> list[tuple]:
    """Each event as the round trip must keep it, in id order."""
    con = sqlite3.connect(path)
    try:
        attrs: dict[int, list[tuple[str, str]]] = {}
        for eid, key, value in con.execute("SELECT a.event_id, j.key, j.value FROM "
                                           "event_attribute a, json_each(a.fields) j"):
            attrs.setdefault(eid, []).append((key, value))
        tags: dict[int, list[str]] = {}
        for eid, tag in con.execute("SELECT event_id, tag FROM event_tag ORDER BY id"):
            tags.setdefault(eid, []).append(tag)
        return [(ts, precision, message, kind, sorted(attrs.get(eid, [])), tags.get(eid, []))
                for eid, ts, precision, message, kind in con.execute(
                    "SELECT id, ts, precision, message, kind FROM event ORDER BY id")]
    finally:
        con.close()


def _export_events(case: Path, out: Path) -> int:
    with open_case(case) as source:
        con = source.connect()
        try:
            return export_timesketch_jsonl(con, out).events
        finally:
            con.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.filature"
    write_demo_case(path)
    return path


def test_timesketch_round_trip_gives_the_same_events(tmp_path: Path) -> None:
    files = ["sigma_events.csv", "sigma_events.jsonl", "e2e_evtx_part.csv",
             "plaso_json_line_centos_sshd_events.jsonl", "csv_timestamp_no_datetime.csv",
             "validate_time_out_of_range.csv", "invalid_datetime.csv"]
    first = tmp_path / "first.filature"
    build_case([Source(DATA / f) for f in files], first, zone="UTC",
               bad_rows=BadRowPolicy.SKIP)
    exported = tmp_path / "events.jsonl"
    assert _export_events(first, exported) == 2032
    second = tmp_path / "second.filature"
    # no zone: every exported time carries its offset
    build_case([Source(exported)], second)
    before, after = _events(first), _events(second)
    assert len(after) == len(before) == 2032
    assert after == before
    # and once more: the export of the re-import says the same, line by line (fields may
    # come in another order: a JSON object's keys have none)
    again = tmp_path / "again.jsonl"
    _export_events(second, again)

    def objects(path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    assert objects(again) == objects(exported)


def test_synthetic_events_export_with_their_links(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.jsonl"
    n = _export_events(demo, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == n > 1000
    first = json.loads(lines[0])
    assert {"message", "datetime", "timestamp_desc", "kind", "filature_event_id"} <= set(first)
    # it imports as a timeline, one event per line
    back = tmp_path / "back.filature"
    assert build_case([Source(out)], back).events == n


@pytest.mark.parametrize(("ts", "precision", "text"), [
    (1_711_848_600_000_000, "second", "2024-03-31T01:30:00+00:00"),
    (1_711_848_600_000_000, "minute", "2024-03-31T01:30+00:00"),
    (1_711_848_600_123_000, "millisecond", "2024-03-31T01:30:00.123+00:00"),
    (1_711_848_600_123_456, "millisecond", "2024-03-31T01:30:00.123456+00:00"),
    (1_711_848_600_000_001, "microsecond", "2024-03-31T01:30:00.000001+00:00"),
    (-11_644_473_600_000_000, "second", "1601-01-01T00:00:00+00:00"),
    (-62_135_596_800_000_001, "second", None),  # before year 1: no ISO form
])
def test_iso_utc_keeps_precision_and_every_digit(ts: int, precision: str,
                                                 text: str | None) -> None:
    assert iso_utc(ts, precision) == text


def _con(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_places_and_shipments_geojson(demo: Path, tmp_path: Path) -> None:
    con = _con(demo)
    places = export_geojson(con, tmp_path / "p.geojson", "places")
    legs = export_geojson(con, tmp_path / "s.geojson", "shipments")
    n_placed = con.execute("SELECT count(*) FROM place WHERE lat IS NOT NULL").fetchone()[0]
    con.close()
    doc = json.loads((tmp_path / "p.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == places.written
    assert places.written == n_placed
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    shipments = json.loads((tmp_path / "s.geojson").read_text(encoding="utf-8"))
    feat = shipments["features"][0]
    assert feat["geometry"]["type"] == "LineString" and len(feat["geometry"]["coordinates"]) == 2
    assert legs.written == len(shipments["features"]) > 0


def test_kml_escapes_hostile_names(tmp_path: Path) -> None:
    case = tmp_path / "c.filature"
    con = sqlite3.connect(case)
    con.execute("CREATE TABLE place (id INTEGER PRIMARY KEY, name TEXT, kind TEXT, lat REAL, "
                "lon REAL, precision TEXT, country_code TEXT, third_party INTEGER)")
    con.executemany("INSERT INTO place VALUES (?, ?, 'city', ?, ?, 'city', NULL, 0)", [
        (1, "<img src=x onerror=alert(1)>]]>&\x00\x07", 48.85, 2.35),
        (2, "no position", None, None)])
    con.commit()
    report = export_kml(con, tmp_path / "p.kml", "places")
    con.close()
    assert (report.written, report.unplaced) == (1, 1)
    root = ET.parse(tmp_path / "p.kml").getroot()
    mark = root.find(f"{KML}Document/{KML}Folder/{KML}Placemark")
    assert mark is not None
    assert mark.findtext(f"{KML}name") == "<img src=x onerror=alert(1)>]]>&\ufffd\ufffd"
    assert mark.findtext(f"{KML}Point/{KML}coordinates") == "2.35,48.85"


def test_csv_tables_guard_formulas(demo: Path, tmp_path: Path) -> None:
    con = _con(demo)
    actors = export_actors_csv(con, tmp_path / "a.csv")
    ids = export_identifiers_csv(con, tmp_path / "i.csv")
    n_actors = con.execute("SELECT count(*) FROM actor").fetchone()[0]
    con.close()
    with (tmp_path / "a.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == actors.rows == n_actors
    assert all(int(r["events"]) >= 0 for r in rows)
    with (tmp_path / "i.csv").open(encoding="utf-8-sig", newline="") as f:
        values = [r["value"] for r in csv.DictReader(f)]
    phones = [v for v in values if v.startswith("'+")]
    assert phones and ids.guarded == len([v for v in values if v.startswith("'")])
    assert not any(v[:1] in "=+-@" for v in values)


def test_cli_export(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = demo.read_bytes()
    out = tmp_path / "e.jsonl"
    assert cli_main(["export", str(demo), "--events", str(out), "--places",
                     str(tmp_path / "p.kml")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events"]["events"] == len(out.read_text(encoding="utf-8").splitlines())
    assert report["places"]["written"] > 0
    assert demo.read_bytes() == before  # evidence is read-only
    assert cli_main(["export", str(demo)]) == 2
    assert cli_main(["export", str(demo), "--places", str(tmp_path / "p.shp")]) == 2


def test_profiled_events_round_trip_with_their_month_and_links(tmp_path: Path) -> None:
    from storage.importers.case_build import Source, build_case

    data = Path(__file__).resolve().parents[2] / "shared" / "data" / "listings"
    profile = Path(__file__).resolve().parents[1] / "docs" / "profiles" / \
        "dream-market-listings.json"
    case = tmp_path / "l.filature"
    build_case([Source(data / "dream_market_cocaine_listings_2017.csv", profile=profile)], case)
    out = tmp_path / "l.jsonl"
    assert cli_main(["export", str(case), "--events", str(out)]) == 0
    first = json.loads(out.read_text("utf-8").splitlines()[0])
    assert first["actor"] == "Mister-Molly" and first["platform"] == "Dream Market"
    assert first["filature_precision"] == "month"
    multi = [json.loads(line)["ships_to"] for line in out.read_text("utf-8").splitlines()]
    assert any(isinstance(v, list) and len(v) == 2 for v in multi)  # "WW, EU": both kept
    again = tmp_path / "again.filature"
    build_case([Source(out)], again)
    con = sqlite3.connect(again)
    try:
        times = con.execute("SELECT DISTINCT ts, precision, ts_min, ts_max FROM event").fetchall()
        leftover = con.execute("SELECT count(*) FROM event_attribute a, json_each(a.fields) j "
                               "WHERE j.key IN ('ts_min', 'ts_max', 'filature_precision')"
                               ).fetchone()[0]
    finally:
        con.close()
    assert times == [(1_498_867_200_000_000, "month", 1_498_867_200_000_000,
                      1_501_545_599_999_999)]
    assert leftover == 0
