"""Map layers imported into a case (issue #19): points as places, lines and tracks as shipment
legs, tracks marked as rounds as courier rounds, bad features reported, nothing fetched.

The layers are togeojson's test files (``../shared/data/kml``); counts are what each file
holds (see that folder's ``.geojson`` twins).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.cli import main as cli_main
from storage.importers.case_build import BadRowPolicy, BadRowsFound, Source, build_case
from storage.importers.rows import ImportRefused
from storage.reads.geo import read_map_data, read_round_stops
from tests.factories import sql_rows

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "kml"



def _import(tmp_path: Path, *files: Path, skip: bool = False) -> Path:
    out = tmp_path / "geo.filature"
    build_case([Source(f) for f in files], out, zone="UTC", overwrite=True,
               bad_rows=BadRowPolicy.SKIP if skip else BadRowPolicy.REJECT)
    return out


def test_a_point_is_an_exact_place(tmp_path: Path) -> None:
    out = _import(tmp_path, DATA / "point.kml")
    expected = json.loads((DATA / "point.kml.geojson").read_text("utf-8"))
    lon, lat = expected["features"][0]["geometry"]["coordinates"][:2]
    assert sql_rows(out, "SELECT lon, lat, precision FROM place") == [(lon, lat, "exact")]
    assert sql_rows(out, "SELECT count(*) FROM event") == [(0,)]


def test_a_timed_track_is_a_shipment_with_timed_legs(tmp_path: Path) -> None:
    out = _import(tmp_path, DATA / "gxtrack.kml")
    assert sql_rows(out, "SELECT count(*) FROM shipment") == [(1,)]
    legs = sql_rows(out, "SELECT seq, departed_ts, arrived_ts FROM shipment_leg ORDER BY seq")
    assert len(legs) == 6
    assert all(d is not None and a is not None and d <= a for _s, d, a in legs)
    assert [d for _s, d, _a in legs] == sorted(d for _s, d, _a in legs)
    scans = sql_rows(out, "SELECT kind, shipment_id, place_id IS NOT NULL, source_record "
                          "FROM event")
    assert len(scans) == 7 and {s[:3] for s in scans} == {("tracking_scan", 1, 1)}
    # the times are the file's <when>, exactly
    expected = json.loads((DATA / "gxtrack.kml.geojson").read_text("utf-8"))
    first = expected["features"][0]["properties"]["coordTimes"][0]
    assert sql_rows(out, "SELECT min(ts) FROM event")[0][0] == _us(first)


def test_a_french_multitrack_and_a_gpx_run(tmp_path: Path) -> None:
    out = _import(tmp_path, DATA / "gxmultitrack.kml", DATA / "run.gpx")
    assert sql_rows(out, "SELECT name, format FROM import_file ORDER BY id") == [
        ("gxmultitrack.kml", "kml"), ("run.gpx", "gpx")]
    assert sql_rows(out, "SELECT count(*) FROM shipment") == [(3,)]
    assert sql_rows(out, "SELECT count(*) FROM event WHERE exhibit_id = 2") == [(206,)]


def test_polygons_are_counted_not_invented(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.filature"
    assert cli_main(["import", str(DATA / "polygon.kml"), "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "1 areas not imported" in report["files"][0]["notes"][-1]
    assert sql_rows(out, "SELECT count(*) FROM place") == [(0,)]


def test_placemarks_without_coordinates_are_badsql_rows(tmp_path: Path) -> None:
    with pytest.raises(BadRowsFound):
        _import(tmp_path, DATA / "addresses.kml")
    out = _import(tmp_path, DATA / "addresses.kml", skip=True)
    logged = sql_rows(out, "SELECT outcome, count(*) FROM import_log GROUP BY 1")
    assert logged and logged[0][0] == "skipped" and logged[0][1] > 0


def test_a_network_link_is_never_followed(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "n.filature"
    assert cli_main(["import", str(DATA / "placemark" / "networklink.kml"), "--out",
                     str(out)]) == 0  # the session's network guard fails any connection
    notes = json.loads(capsys.readouterr().out)["files"][0]["notes"]
    assert any("NetworkLink to https://tiny.url not followed" in n for n in notes)


def test_bad_coordinates_are_reported_with_their_line(tmp_path: Path) -> None:
    out = _import(tmp_path, DATA / "placemark" / "bad.kml", skip=True)
    logged = sql_rows(out, "SELECT line, outcome FROM import_log")
    assert len(logged) == 3 and all(line > 0 and o == "skipped" for line, o in logged)


def test_a_track_marked_as_a_round_is_a_courier_round(tmp_path: Path) -> None:
    times = ["2024-07-03T12:00:00Z", "2024-07-03T12:20:00Z", "2024-07-03T12:45:00Z",
             "2024-07-03T13:10:00Z"]
    layer = {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"name": "Tournée <b>Flash</b>", "kind": "courier_round",
                       "courier": "« Flash »", "coordTimes": times},
        "geometry": {"type": "LineString", "coordinates": [
            [2.3522, 48.8566], [2.3376, 48.8867], [2.3850, 48.8840], [2.4102, 48.8565]]}}]}
    path = tmp_path / "round.geojson"
    path.write_text(json.dumps(layer, ensure_ascii=False), "utf-8")
    out = _import(tmp_path, path)
    assert sql_rows(out, "SELECT display_name, role FROM actor") == [("« Flash »", "courier")]
    con = sqlite3.connect(out)
    try:
        data = read_map_data(con)
        assert len(data.rounds) == 1
        start, end = int(data.rounds.start[0]), int(data.rounds.end[0])
        stops = read_round_stops(con, int(data.rounds.courier[0]), start, end)
    finally:
        con.close()
    assert [s.title for s in stops] == ["Tournée <b>Flash</b>: stop 1",
                                        "Tournée <b>Flash</b>: stop 2",
                                        "Tournée <b>Flash</b>: stop 3"]
    assert end - start == 70 * 60 * 10**6


def test_a_layer_imported_twice_does_not_double_its_places(tmp_path: Path) -> None:
    out = _import(tmp_path, DATA / "twopoints.kml")
    build_case([Source(DATA / "twopoints.kml")], out, add=True)
    assert sql_rows(out, "SELECT count(*) FROM place") == [(2,)]


def test_not_a_layer_is_refused_and_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "x.kml"
    bad.write_text("hello", "utf-8")
    with pytest.raises(ImportRefused, match="neither GeoJSON"):
        _import(tmp_path, bad)
    assert not (tmp_path / "geo.filature").exists()


def _us(text: str) -> int:
    from datetime import datetime

    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 10**6 + dt.microsecond
