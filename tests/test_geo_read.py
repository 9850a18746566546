"""storage.importers.geo_read: map layers (GeoJSON, KML, KMZ, GPX) read as plain features.

The togeojson fixtures are read twice: the KML (or GPX) and the GeoJSON togeojson made of it
must give the same features, and both are compared with that GeoJSON read independently here
(``datetime.fromisoformat`` for the times). Hostile files are built in ``tmp_path``.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.importers import kml_read
from storage.importers.geo_read import GeoFeature, GeoRead, GeoRefused, read_geo

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "kml"
REPO = Path(__file__).resolve().parents[1]

# file → (features, bad): what each fixture gives.
COUNTS = {
    "addresses.kml": (7, 23),  # 15 placemarks; each empty <Point>, and 8 empty gx:Track
    "extended_data.kml": (1, 0),
    "gxmultitrack.kml": (4, 0),  # start, two tracks of one gx:MultiTrack, end
    "gxtrack.kml": (1, 0),
    "linestring.kml": (2, 0),
    "multigeometry.kml": (2, 0),
    "multitrack.kml": (3, 0),
    "point.kml": (1, 0),
    "polygon.kml": (1, 0),
    "run.gpx": (1, 0),
    "simpledata.kml": (2, 0),
    "style_url.kml": (1, 0),
    "timespan.kml": (1, 0),
    "twopoints.kml": (2, 0),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(text: str) -> int:
    """µs since 1970 of an ISO text with an offset, by the standard library."""
    return (datetime.fromisoformat(text) - _EPOCH) // timedelta(microseconds=1)


def us_or_none(value: object) -> int | None:
    try:
        return us(value) if isinstance(value, str) else None
    except ValueError:
        return None


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def kml(body: str, head: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{head}'
            f'<kml xmlns="http://www.opengis.net/kml/2.2"\n'
            f' xmlns:gx="http://www.google.com/kml/ext/2.2">\n<Document>\n{body}\n</Document>'
            "\n</kml>\n")


def collection(*features: object) -> str:
    """A FeatureCollection, one feature per line (the first on line 2)."""
    rows = ",\n".join(json.dumps(f) for f in features)
    return '{"type": "FeatureCollection", "features": [\n' + rows + "\n]}\n"


def point_feature(coords: object, **props: object) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coords},
            "properties": props}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the reader tried the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# --- the togeojson fixtures ---------------------------------------------------------------

def test_fixtures_are_where_ci_puts_them() -> None:
    assert DATA.is_dir(), DATA
    found = {p.name for p in DATA.iterdir() if p.suffix in (".kml", ".gpx")}
    assert found == set(COUNTS)
    assert all((DATA / f"{name}.geojson").is_file() for name in COUNTS)
    assert (DATA / "placemark" / "bad.kml").is_file()


def expected_parts(name: str) -> tuple[list[tuple[object, ...]], list[dict[str, object]], int]:
    """The readable parts of X.geojson in order, their properties, and how many are not."""
    doc = json.loads((DATA / f"{name}.geojson").read_text(encoding="utf-8"))
    parts: list[tuple[object, ...]] = []
    properties: list[dict[str, object]] = []
    unreadable = 0
    for feature in doc["features"]:
        props = feature["properties"]
        leaves = list(leaf_geometries(feature["geometry"]))
        times = props.get("coordTimes")
        per_part = times if times and isinstance(times[0], list) else [times] * len(leaves)
        span = props.get("timespan") or {}
        instant = props.get("timestamp") or (None if name.endswith(".gpx") else
                                             props.get("time"))
        begin = us_or_none(span.get("begin", instant))
        end = us_or_none(span.get("end", instant))
        for i, (kind, coords) in enumerate(leaves):
            if not coords or any(c is None or len(c) < 2 for c in coords):
                unreadable += 1
                continue
            stamps = [us(t) for t in per_part[i]] if per_part[i] else [None] * len(coords)
            kind = "point" if kind == "line" and len(coords) == 1 else kind
            parts.append((kind, i, props.get("name", "").strip(),
                          props.get("description", "").strip(),
                          tuple((c[0], c[1], ts) for c, ts in zip(coords, stamps, strict=True)),
                          begin, end))
            properties.append(props)
    return parts, properties, unreadable


def leaf_geometries(geom: dict[str, object]) -> list[tuple[str, list[list[float] | None]]]:
    kind = geom["type"]
    if kind == "GeometryCollection":
        return [leaf for g in geom["geometries"] for leaf in leaf_geometries(g)]  # type: ignore[attr-defined]
    coords = geom["coordinates"]
    if kind == "Point":
        return [("point", [coords if coords != [None] else None])]  # type: ignore[list-item]
    if kind == "LineString":
        return [("line", coords)]  # type: ignore[list-item]
    assert kind == "Polygon", kind
    return [("polygon", coords[0])]  # type: ignore[index]


def summary(read: GeoRead) -> list[tuple[object, ...]]:
    return [(f.kind, f.part, f.name, f.description,
             tuple((p.lon, p.lat, p.ts_us) for p in f.points), f.begin_us, f.end_us)
            for f in read.features]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_fixture_reads_as_togeojson_converts_it(name: str) -> None:
    got = read_geo(DATA / name)
    assert got.format == ("gpx" if name.endswith(".gpx") else "kml")
    assert (len(got.features), len(got.bad)) == COUNTS[name]
    want, properties, unreadable = expected_parts(name)
    assert summary(got) == want
    assert len(got.bad) == unreadable
    for feature, props in zip(got.features, properties, strict=True):
        for key, value in feature.properties.items():
            if key != "id":  # the Placemark's id attribute, which togeojson leaves out
                assert str(props[key]).strip() == value, (key, value)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_fixture_geojson_reads_like_its_source(name: str) -> None:
    source, converted = read_geo(DATA / name), read_geo(DATA / f"{name}.geojson")
    assert converted.format == "geojson"
    if name.endswith(".gpx"):  # togeojson gives the track the time of its first point
        assert converted.features[0].begin_us == converted.features[0].points[0].ts_us
        assert [s[:5] for s in summary(converted)] == [s[:5] for s in summary(source)]
    else:
        assert summary(converted) == summary(source)
        assert [f.time_text for f in converted.features] == [
            f.time_text for f in source.features]
    assert len(converted.bad) == len(source.bad)
    assert all(line > 0 for line, _ in converted.bad)


def test_gx_track_times_are_exact() -> None:
    (track,) = read_geo(DATA / "gxtrack.kml").features
    assert track.kind == "line" and track.line == 5 and track.name == ""
    assert track.points[0] == type(track.points[0])(-122.207881, 37.371915, 1275012129_000000)
    assert [p.ts_us for p in track.points][-1] == us("2010-05-28T02:02:56Z")
    multi = read_geo(DATA / "gxmultitrack.kml").features
    assert [(f.kind, f.part) for f in multi] == [("point", 0), ("line", 0), ("line", 1),
                                                ("point", 0)]
    assert multi[0].begin_us == multi[0].end_us == 1397312776702000
    assert multi[0].name == "12/04/2014 11:24 AM (départ)"
    assert multi[1].properties == {"id": "tour", "type": "course à pied"}
    assert multi[1].points[1].ts_us == us("2014-04-12T14:26:52.761Z")


def test_location_history_export() -> None:
    got = read_geo(DATA / "addresses.kml")
    assert {line for line, _ in got.bad} == {1} and {f.line for f in got.features} == {1}
    assert sum("Point part 0: empty <coordinates>" in why for _, why in got.bad) == 15
    assert sum("gx:Track part 1: no positions" in why for _, why in got.bad) == 8
    moving = got.features[0]
    assert (moving.name, moving.kind, moving.part) == ("Moving", "line", 1)
    assert moving.time_text == "2015-08-01T00:00:00.000Z/2015-08-01T09:04:32.323Z"
    assert (moving.begin_us, moving.end_us) == (us("2015-08-01T00:00:00Z"),
                                                us("2015-08-01T09:04:32.323Z"))
    hotel = next(f for f in got.features if f.name == "Lub d - Bangkok Siam")
    assert hotel.kind == "point"  # a gx:Track of one position
    assert hotel.properties["address"].startswith("925/9 Rama 1 Rd.")
    assert hotel.properties["Category"] == "Budget Hotel"
    assert "5 lines or tracks with a single position were read as points" in got.notes


def test_unreadable_time_is_kept_not_guessed() -> None:
    (feature,) = read_geo(DATA / "timespan.kml").features
    assert feature.kind == "polygon" and len(feature.points) == 3
    assert (feature.begin_us, feature.end_us, feature.time_text) == (None, None, "0725/0733")
    (note,) = read_geo(DATA / "timespan.kml").notes
    assert note.startswith("2 time texts could not be read") and "'0725'" in note


def test_shapes_and_extended_data() -> None:
    (polygon,) = read_geo(DATA / "polygon.kml").features
    assert len(polygon.points) == 5 and polygon.points[0].lon == -122.366278  # outer ring
    walls = read_geo(DATA / "multigeometry.kml").features
    assert [(f.kind, f.part, f.name) for f in walls] == [
        ("line", 0, "SF Marina Harbor Master"), ("line", 1, "SF Marina Harbor Master")]
    trails = read_geo(DATA / "simpledata.kml").features
    assert trails[1].properties == {"TrailHeadName": "Mount Everest", "TrailLength": "347.45",
                                    "ElevationGain": "10000"}
    assert read_geo(DATA / "extended_data.kml").features[0].properties == {"foo": "bar"}
    (run,) = read_geo(DATA / "run.gpx").features
    assert run.name == "Untitled" and len(run.points) == 206
    assert all(p.ts_us is not None for p in run.points)


def test_bad_coordinates_are_each_reported() -> None:
    path = DATA / "placemark" / "bad.kml"
    got = read_geo(path)
    assert got.features == []
    starts = [i for i, row in enumerate(path.read_text().splitlines(), 1) if "<Placemark" in row]
    assert [line for line, _ in got.bad] == starts == [3, 9, 20]
    assert "'no,no' is not lon,lat" in got.bad[0][1]
    assert got.bad[1][1].startswith("Placemark 'unextruded', LineString: position 1")
    assert "hollow box" in got.bad[2][1]


def test_network_link_is_noted_never_followed(no_network: None) -> None:
    got = read_geo(DATA / "placemark" / "networklink.kml")
    assert got.features == [] and got.bad == []
    assert "NetworkLink to https://tiny.url not followed (Filature never fetches)" in got.notes


def test_reader_imports_no_network_module() -> None:
    code = ("import sys, storage.importers.geo_read; "
            "print(sorted(m for m in ('socket', 'ssl', 'http.client', 'urllib.request') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- hostile and broken files -------------------------------------------------------------

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE kml [\n <!ENTITY lol "lol">\n'
          + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n'
                    for i in range(1, 10)).replace("&lol0;", "&lol;")
          + ']>\n<kml><Placemark><name>&lol9;</name></Placemark></kml>\n')


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeoRefused, match="declares an XML entity"):
        read_geo(write(tmp_path, "laughs.kml", LAUGHS))
    utf16 = write(tmp_path, "laughs16.kml", LAUGHS.encode("utf-16"))
    with pytest.raises(GeoRefused, match="declares an XML entity") as refused:
        read_geo(utf16)
    assert str(refused.value).startswith(str(utf16))


def test_entity_declaration_is_refused_by_the_parser_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kml_read, "_ENTITY", ())  # without the raw-bytes check
    with pytest.raises(GeoRefused, match="declares an XML entity"):
        read_geo(write(tmp_path, "laughs.kml", LAUGHS))


def test_external_entity_is_never_read(tmp_path: Path, no_network: None) -> None:
    for target in ("file:///etc/passwd", "http://127.0.0.1:9/x"):
        doc = (f'<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY xxe SYSTEM "{target}">]>\n'
               "<kml><Placemark><name>&xxe;</name><Point><coordinates>1,2</coordinates>"
               "</Point></Placemark></kml>")
        with pytest.raises(GeoRefused, match="entity") as refused:
            read_geo(write(tmp_path, "xxe.kml", doc))
        assert "root:" not in str(refused.value)
    param = ('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY % p SYSTEM "file:///etc/passwd">'
             " %p;]><kml/>")
    with pytest.raises(GeoRefused, match="entity"):
        read_geo(write(tmp_path, "param.kml", param))


def test_external_dtd_is_not_fetched(tmp_path: Path, no_network: None) -> None:
    doc = kml("<Placemark><name>a</name><Point><coordinates>1,2</coordinates></Point>"
              "</Placemark>", head='<!DOCTYPE kml SYSTEM "http://127.0.0.1:9/kml.dtd">\n')
    assert len(read_geo(write(tmp_path, "dtd.kml", doc)).features) == 1


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "the file is empty"),
    (b"hello, world", "neither GeoJSON"),
    (b"\x00\x01\x02\xff", "neither GeoJSON"),
    (b"<html><body><p>hi</p></body></html>", "the root element is <html>"),
    (b"<kml><Placemark></kml>", "not well-formed XML .* at line 1"),
    (b'{"type": "FeatureCollection",\n "features": [\n  {"type": oops}]}',
     "not valid JSON: Expecting value at line 3, column 12"),
    (b"[1, 2, 3]", "the top level is not an object"),
    (b'{"type": "Foo"}', "type 'Foo' is not a Feature"),
    (b'{"type": ["Feature"]}', "type a list of 1 is not a Feature"),
    (b'{"type": "FeatureCollection", "features": {}}', "without a 'features' list"),
    (b'{"type": "Topology", "objects": {}}', "TopoJSON"),
    (b"[" * 100_000, "nested too deeply"),
    (b"<kml>" + b"<Folder>" * 1000 + b"</Folder>" * 1000 + b"</kml>",
     "nested more than 256 deep at line 1"),
])
def test_unreadable_files_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = write(tmp_path, "layer.kml", content)
    with pytest.raises(GeoRefused, match=reason) as refused:
        read_geo(path)
    assert str(refused.value).startswith(f"{path}: ")


def test_truncated_files_are_refused_with_their_line(tmp_path: Path) -> None:
    text = (DATA / "polygon.kml").read_text()
    cut = text[: text.index("</coordinates>")]
    with pytest.raises(GeoRefused, match=r"not well-formed XML \(no element found\) at line "
                                         f"{cut.count(chr(10)) + 1},"):
        read_geo(write(tmp_path, "cut.kml", cut))
    text = (DATA / "polygon.kml.geojson").read_text()
    cut = text[: len(text) // 2]
    with pytest.raises(GeoRefused, match=r"not valid JSON: .* at line "
                                         f"{cut.count(chr(10)) + 1}, column"):
        read_geo(write(tmp_path, "cut.geojson", cut))


def test_missing_and_oversized_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GeoRefused, match="cannot be read"):
        read_geo(tmp_path / "nowhere.kml")
    with pytest.raises(GeoRefused, match="not a regular file"):
        read_geo(tmp_path)
    if Path("/dev/zero").exists():
        with pytest.raises(GeoRefused, match="not a regular file"):
            read_geo("/dev/zero")
    big = write(tmp_path, "big.kml", (DATA / "style_url.kml").read_bytes())
    with pytest.raises(GeoRefused, match="1,679 bytes, over the 1,000-byte limit"):
        read_geo(big, max_bytes=1000)


def test_bad_positions_are_each_reported(tmp_path: Path) -> None:
    features = [
        point_feature([2.35, 48.85], name="Paris"),
        point_feature([200, 0]),
        point_feature([0, -95]),
        point_feature([0, math.nan]),
        point_feature(["2.35", "48.85"]),
        point_feature([1e400, 0]),
        point_feature([True, False]),
        point_feature(None),
        point_feature([10**400, 0]),
        {"type": "Feature", "geometry": None, "properties": {"name": "nowhere"}},
        {"type": "Feature", "geometry": {"type": "Circle", "radius": 3}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], "x"]}},
        "not a feature",
    ]
    got = read_geo(write(tmp_path, "bad.geojson", collection(*features)))
    assert [f.name for f in got.features] == ["Paris"] and got.features[0].line == 2
    assert [line for line, _ in got.bad] == list(range(3, 15))
    reasons = [why for _, why in got.bad]
    for i, part in enumerate(["longitude 200 out of range", "latitude -95 out of range", "NaN",
                              "['2.35', '48.85'] are not two numbers", "longitude inf",
                              "[true, false] are not two numbers", "'coordinates' is missing",
                              "a number too large", "feature 'nowhere': no geometry",
                              "not a GeoJSON geometry", "position 2: 'x' is not [lon, lat]",
                              "not a GeoJSON Feature: 'not a feature'"]):
        assert part in reasons[i], (part, reasons[i])
    assert "1 placemarks or features without geometry (listed as bad)" in got.notes


def test_bad_kml_numbers_are_reported(tmp_path: Path) -> None:
    rows = ["200,0", "nan,0", "1_0,2", "inf,5", "0,91", "", "2.35 , 48.85 , 35"]
    body = "\n".join(f"<Placemark><name>{i}</name><Point><coordinates>{c}</coordinates>"
                     "</Point></Placemark>" for i, c in enumerate(rows))
    got = read_geo(write(tmp_path, "bad.kml", kml(body)))
    assert [(f.name, f.points[0].lon, f.points[0].lat) for f in got.features] == [
        ("6", 2.35, 48.85)]
    assert [line for line, _ in got.bad] == [5, 6, 7, 8, 9, 10]
    assert "longitude 200 out of range" in got.bad[0][1]
    assert "'nan,0' is not lon,lat" in got.bad[1][1] and "'1_0,2'" in got.bad[2][1]
    assert "latitude 91 out of range" in got.bad[4][1]
    assert got.bad[5][1] == "Placemark '5', Point: empty <coordinates>"


def test_ten_megabyte_single_line(tmp_path: Path) -> None:
    positions = " ".join(f"{i % 359 - 179}.123456,{i % 179 - 89}.654321"
                         for i in range(500_000))
    doc = kml(f"<Placemark><name>long</name><LineString><coordinates>{positions}"
              "</coordinates></LineString></Placemark>").replace("\n", " ")
    path = write(tmp_path, "long.kml", doc)
    assert path.stat().st_size > 10_000_000 and b"\n" not in path.read_bytes()
    (line,) = read_geo(path).features
    assert len(line.points) == 500_000 and line.line == 1
    assert (line.points[-1].lon, line.points[-1].lat) == (92.123456, -37.654321)


def test_hundred_thousand_points(tmp_path: Path) -> None:
    features = [point_feature([i % 360 - 180, i % 180 - 90], name=f"p{i}")
                for i in range(100_000)]
    got = read_geo(write(tmp_path, "many.geojson", collection(*features)))
    assert len(got.features) == 100_000 and got.bad == [] and got.notes == []
    assert got.features[-1].name == "p99999" and got.features[-1].line == 100_001
    nested = collection(point_feature([1, 2]), point_feature([3, 4]))
    nested = nested.replace('{"type": "FeatureCollection",',
                            '{"type": "FeatureCollection", "meta": {"features": [1, 2]},')
    assert [f.line for f in read_geo(write(tmp_path, "n.geojson", nested)).features] == [2, 3]
    one_line = write(tmp_path, "one.geojson", json.dumps(
        {"type": "FeatureCollection", "features": features}))
    assert {f.line for f in read_geo(one_line).features} == {1}


# --- texts --------------------------------------------------------------------------------

def test_markup_stays_plain_text(tmp_path: Path) -> None:
    body = ("<Placemark><name><![CDATA[<img src=x onerror=alert(1)>]]></name>"
            "<description>&lt;img src=x&gt; <b>bold</b> &amp; more</description>"
            "<Point><coordinates>1,2</coordinates></Point></Placemark>")
    (feature,) = read_geo(write(tmp_path, "html.kml", kml(body))).features
    assert feature.name == "<img src=x onerror=alert(1)>"
    assert feature.description == "<img src=x> <b>bold</b> &amp; more"
    geo = collection(point_feature([1, 2], name="<img src=x>", description="<b>x</b>"))
    (feature,) = read_geo(write(tmp_path, "html.geojson", geo)).features
    assert (feature.name, feature.description) == ("<img src=x>", "<b>x</b>")


def test_control_characters_and_long_texts(tmp_path: Path) -> None:
    name = "a\x00b\x1b[31mc\x85d\ud800e\tf\r\ng\x7f"
    geo = collection(point_feature([1, 2], name=name, description="x" * 5000,
                                   n=1.5, b=True, l=[1, "a"], o={"k": None}, z=None))
    (feature,) = read_geo(write(tmp_path, "ctl.geojson", geo)).features
    assert feature.name == "a\ufffdb\ufffd[31mc\ufffdd\ufffde\tf\ng\ufffd"
    feature.name.encode("utf-8")  # storable: no lone surrogate left
    assert feature.description == "x" * 1000
    assert feature.properties == {"n": "1.5", "b": "true", "l": '[1,"a"]', "o": '{"k":null}',
                                  "z": ""}
    assert "1 texts longer than 1000 characters were clipped" in read_geo(
        write(tmp_path, "ctl.geojson", geo)).notes


def test_latin1_bytes_in_a_utf8_file_become_replacement_characters(tmp_path: Path) -> None:
    body = "<Placemark><name>Caf\xe9 \u00e9t\u00e9</name><Point><coordinates>2,48</coordinates>"
    body += "</Point></Placemark>"
    data = kml(body).encode("utf-8").replace(b"Caf\xc3\xa9", b"Caf\xe9")
    got = read_geo(write(tmp_path, "latin.kml", data))
    assert got.features[0].name == "Caf\ufffd été"
    assert any(n.startswith("not valid UTF-8: 1 byte sequences (the first on line 5)")
               for n in got.notes)
    declared = kml(body).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    got = read_geo(write(tmp_path, "declared.kml", declared.encode("latin-1")))
    assert got.features[0].name == "Café été" and got.notes == []
    geo = '{"type": "Feature", "properties": {"name": "Caf\xe9"}, "geometry": null}'
    got = read_geo(write(tmp_path, "latin.geojson", geo.encode("latin-1")))
    assert got.bad == [(1, "feature 'Caf\ufffd': no geometry")]
    geo = json.dumps(point_feature([1, 2], name="Café"), ensure_ascii=False)
    got = read_geo(write(tmp_path, "latin.geojson", geo.encode("latin-1")))
    assert got.features[0].name == "Caf\ufffd" and got.notes[0].startswith("not valid UTF-8")


def test_byte_order_marks(tmp_path: Path) -> None:
    text = (DATA / "point.kml").read_text()
    for data in (b"\xef\xbb\xbf" + text.encode(), text.replace("UTF-8", "UTF-16").encode(
            "utf-16")):
        assert read_geo(write(tmp_path, "bom.kml", data)).features[0].name == "Simple placemark"
    geo = (DATA / "point.kml.geojson").read_text()
    assert read_geo(write(tmp_path, "bom.json", geo.encode("utf-16"))).format == "geojson"


# --- times --------------------------------------------------------------------------------

def timed(**props: object) -> str:
    return collection(point_feature([1, 2], **props))


@pytest.mark.parametrize(("props", "begin", "end", "text"), [
    ({"time": "2015-08-01T09:04:32.323456+02:00"}, "2015-08-01T07:04:32.323456Z", "same",
     "2015-08-01T09:04:32.323456+02:00"),
    ({"timestamp": "2015-08-01T09:04:32Z"}, "2015-08-01T09:04:32Z", "same",
     "2015-08-01T09:04:32Z"),
    ({"timespan": {"begin": "2015-08-01T09:04:32-03:30"}}, "2015-08-01T12:34:32Z", None,
     "2015-08-01T09:04:32-03:30/"),
    ({"timespan": {"begin": "1999-12-31T23:59:59.999999Z", "end": "2000-01-01T00:00:00Z"}},
     "1999-12-31T23:59:59.999999Z", "2000-01-01T00:00:00Z",
     "1999-12-31T23:59:59.999999Z/2000-01-01T00:00:00Z"),
])
def test_times_with_an_offset_are_exact(tmp_path: Path, props: dict[str, object],
                                        begin: str, end: str | None, text: str) -> None:
    got = read_geo(write(tmp_path, "t.geojson", timed(**props)))
    (feature,) = got.features
    assert feature.begin_us == us(begin)
    assert feature.end_us == (us(begin) if end == "same" else end and us(end))
    assert feature.time_text == text and feature.properties == {} and got.notes == []


def test_time_without_offset_needs_a_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "t.geojson", timed(time="2015-08-01T09:04:32"))
    got = read_geo(path)
    assert (got.features[0].begin_us, got.features[0].time_text) == (None, "2015-08-01T09:04:32")
    assert got.notes == ["1 times without a UTC offset were not read: give the zone (--tz)"]
    got = read_geo(path, zone="Europe/Paris")
    assert got.features[0].begin_us == us("2015-08-01T07:04:32Z")
    assert got.notes == ["1 times without a UTC offset were read in Europe/Paris"]
    with pytest.raises(GeoRefused, match="unknown time zone 'Mars/Olympus'"):
        read_geo(path, zone="Mars/Olympus")


@pytest.mark.parametrize(("wall", "utc", "what"), [
    ("2024-03-31T02:30:00", "2024-03-31T00:30:00Z", "DST gap"),  # never shown in Paris
    ("2024-10-27T02:30:00", "2024-10-27T00:30:00Z", "DST overlap"),  # shown twice
])
def test_dst_gap_and_overlap_take_the_earlier_reading(tmp_path: Path, wall: str, utc: str,
                                                      what: str) -> None:
    got = read_geo(write(tmp_path, "t.geojson", timed(time=wall)), zone="Europe/Paris")
    assert got.features[0].begin_us == us(utc)
    assert any(n.startswith(f"1 times fall in a {what} in Europe/Paris") and wall in n
               for n in got.notes)


def test_odd_time_values_are_kept_as_text(tmp_path: Path) -> None:
    got = read_geo(write(tmp_path, "t.geojson", collection(
        point_feature([1, 2], time=1438419872),
        point_feature([1, 2], time="2015-08-01T09:04:32.1234567Z"),
        point_feature([1, 2], timestamp="2014-04-12"))))
    assert [(f.begin_us, f.time_text) for f in got.features] == [
        (None, "1438419872"), (us("2015-08-01T09:04:32.123456Z"), "2015-08-01T09:04:32.1234567Z"),
        (None, "2014-04-12")]
    assert "1 times had digits finer than a microsecond: truncated" in got.notes
    assert any(n.startswith("2 time texts could not be read") for n in got.notes)


def test_coord_times_that_do_not_fit_are_not_read(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    geo = collection({"type": "Feature", "properties": {"coordTimes": ["2020-01-01T00:00:00Z"]},
                      "geometry": line},
                     {"type": "Feature", "properties": {"coordTimes": [["2020-01-01T00:00:00Z"]]},
                      "geometry": {"type": "GeometryCollection", "geometries": [line, line]}})
    got = read_geo(write(tmp_path, "t.geojson", geo))
    assert [p.ts_us for f in got.features for p in f.points] == [None] * 6
    assert "1 tracks have not one time per position: their times were not read" in got.notes
    assert got.features[1].properties == {"coordTimes": '[["2020-01-01T00:00:00Z"]]'}
    assert ("coordTimes that do not match the geometry were kept as a property, not read"
            in got.notes)
    body = ("<Placemark><gx:Track><when>2020-01-01T00:00:00Z</when>"
            "<gx:coord>1 2 3</gx:coord><gx:coord>1 3 3</gx:coord></gx:Track></Placemark>")
    got = read_geo(write(tmp_path, "t.kml", kml(body)))
    assert [p.ts_us for p in got.features[0].points] == [None, None]
    assert "1 tracks have not one time per position: their times were not read" in got.notes


# --- KML and GeoJSON shapes -------------------------------------------------------------

def test_kml_namespace_spellings(tmp_path: Path) -> None:
    placemark = ("<{p}Placemark><{p}name>x</{p}name><{p}Point><{p}coordinates>1,2"
                 "</{p}coordinates></{p}Point></{p}Placemark>")
    prefixed = ('<kml:kml xmlns:kml="http://www.opengis.net/kml/2.2">'
                + placemark.format(p="kml:") + "</kml:kml>")
    bare = "<kml>" + placemark.format(p="") + "</kml>"
    undeclared = ("<kml><Placemark><gx:Track><when>2020-01-01T00:00:00Z</when>"
                  "<gx:coord>1 2 0</gx:coord></gx:Track></Placemark></kml>")
    for doc in (prefixed, bare):
        (feature,) = read_geo(write(tmp_path, "ns.kml", doc)).features
        assert (feature.kind, feature.name, feature.points[0].lon) == ("point", "x", 1.0)
    (feature,) = read_geo(write(tmp_path, "gx.kml", undeclared)).features
    assert feature.points[0].ts_us == us("2020-01-01T00:00:00Z")


def test_kml_odds_and_ends(tmp_path: Path) -> None:
    body = ("<Placemark id='p1'><name>no geometry</name></Placemark>\n"
            "<Placemark><name>ring</name><LinearRing><coordinates>0,0 1,0 1,1 0,0"
            "</coordinates></LinearRing></Placemark>\n"
            "<Placemark><Polygon><innerBoundaryIs/></Polygon></Placemark>\n"
            "<Placemark><Model><Location/></Model></Placemark>\n"
            "<GroundOverlay><Icon><href>http://127.0.0.1/x.png</href></Icon></GroundOverlay>\n"
            "<Placemark><TimeStamp><when>2020-01-01T00:00:00Z</when></TimeStamp>"
            "<MultiGeometry><Point><coordinates>1,2</coordinates></Point><Point>"
            "<coordinates>no</coordinates></Point></MultiGeometry></Placemark>")
    got = read_geo(write(tmp_path, "odd.kml", kml(body)))
    assert [(f.kind, f.part, f.line) for f in got.features] == [("line", 0, 6), ("point", 0, 10)]
    assert got.features[1].begin_us == got.features[1].end_us == us("2020-01-01T00:00:00Z")
    assert [why for _, why in got.bad] == [
        "Placemark 'no geometry': no geometry",
        "Placemark, Polygon: no outerBoundaryIs/LinearRing",
        "Placemark, Model: a 3D Model is not read",
        "Placemark, Point part 1: position 1 'no' is not lon,lat[,alt] numbers"]
    assert "1 image overlays (GroundOverlay, ScreenOverlay, PhotoOverlay) not read" in got.notes


def test_geojson_geometries(tmp_path: Path) -> None:
    square = [[0, 0], [1, 0], [1, 1], [0, 0]]
    hole = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]
    geo = collection(
        {"type": "Feature", "id": 7, "properties": {"name": "mp"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[square, hole], [square]]}},
        {"type": "Feature", "properties": None,
         "geometry": {"type": "GeometryCollection", "geometries": [
             {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]},
             {"type": "GeometryCollection", "geometries": [
                 {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]]]}]},
             None]}})
    got = read_geo(write(tmp_path, "g.geojson", geo))
    assert [(f.kind, f.part, len(f.points), f.line) for f in got.features] == [
        ("polygon", 0, 4, 2), ("polygon", 1, 4, 2), ("point", 0, 1, 3), ("point", 1, 1, 3),
        ("line", 2, 2, 3)]
    assert got.features[0].properties == {"id": "7"}
    assert got.bad == [(3, "feature, null part 3: a null geometry")]
    bare = read_geo(write(tmp_path, "bare.json", '\n\n{"type": "LineString", '
                                                  '"coordinates": [[0, 0], [1, 1]]}'))
    assert [(f.kind, f.line) for f in bare.features] == [("line", 3)]


def test_kmz(tmp_path: Path) -> None:
    kmz = tmp_path / "layer.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("files/icon.png", b"\x89PNG")
        zf.writestr("doc.kml", (DATA / "twopoints.kml").read_bytes())
    got = read_geo(kmz)
    assert got.format == "kml" and len(got.features) == 2
    assert got.notes == ["read doc.kml from the KMZ archive (lines are lines of doc.kml); "
                         "1 other files in it were not read"]
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.writestr("readme.txt", "no map")
    with pytest.raises(GeoRefused, match=r"no \.kml inside"):
        read_geo(kmz)
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", b"<kml>" + b" " * 5_000_000 + b"</kml>")
    assert kmz.stat().st_size < 100_000
    with pytest.raises(GeoRefused, match=r"doc\.kml inflates past the 100,000-byte limit"):
        read_geo(kmz, max_bytes=100_000)
    kmz.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(GeoRefused, match="damaged KMZ/ZIP archive"):
        read_geo(kmz)


def test_gpx_waypoints_and_routes(tmp_path: Path) -> None:
    gpx = ('<?xml version="1.0"?>\n<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">\n'
           '<wpt lat="48.85" lon="2.35"><name>drop</name><time>2020-01-01T10:00:00Z</time></wpt>\n'
           '<rte><name>r</name><rtept lat="1" lon="2"/><rtept lat="3" lon="4"/></rte>\n'
           '<trk><trkseg><trkpt lat="x" lon="1"/></trkseg></trk>\n</gpx>\n')
    got = read_geo(write(tmp_path, "w.gpx", gpx))
    assert got.format == "gpx"
    drop, route = got.features
    assert (drop.kind, drop.name, drop.points[0].lat, drop.begin_us) == (
        "point", "drop", 48.85, us("2020-01-01T10:00:00Z"))
    assert drop.points[0].ts_us is None and drop.end_us == drop.begin_us and drop.line == 3
    assert (route.kind, [(p.lon, p.lat) for p in route.points]) == ("line", [(2, 1), (4, 3)])
    assert got.bad == [(5, "trk, trkseg: point 1: lon='1' lat='x' are not numbers")]


def test_features_are_frozen() -> None:
    feature = read_geo(DATA / "point.kml").features[0]
    assert isinstance(feature, GeoFeature)
    with pytest.raises(AttributeError):
        feature.name = "other"  # type: ignore[misc]
