"""Places and shipment legs to GeoJSON (RFC 7946) and KML 2.2, for QGIS and Google Earth.

Only what the case says: a place without coordinates is left out and counted (the map's
gazetteer guesses are the viewer's, not evidence), and so is a leg with an end unplaced.
Every text is evidence and untrusted: JSON escapes it; in KML it goes through ElementTree
(escaped, never markup) with the characters XML 1.0 cannot hold replaced by U+FFFD.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.exports.output import atomic_text
from storage.exports.timesketch import iso_utc

if TYPE_CHECKING:
    from pathlib import Path

KML_NS = "http://www.opengis.net/kml/2.2"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_PLACES_SQL = ("SELECT id, name, kind, lat, lon, precision, country_code, third_party "
               "FROM place ORDER BY id")
_LEGS_SQL = """
SELECT l.id, l.shipment_id, l.seq, l.departed_ts, l.arrived_ts,
       f.id, f.name, f.lat, f.lon, t.id, t.name, t.lat, t.lon,
       s.carrier, s.tracking_number, s.status, s.weight_g, s.declared_content, s.real_content,
       coalesce(sa.display_name, s.sender_name), coalesce(ra.display_name, s.recipient_name)
FROM shipment_leg l
JOIN shipment s ON s.id = l.shipment_id
LEFT JOIN place f ON f.id = l.from_place_id
LEFT JOIN place t ON t.id = l.to_place_id
LEFT JOIN actor sa ON sa.id = s.sender_actor_id
LEFT JOIN actor ra ON ra.id = s.recipient_actor_id
ORDER BY l.shipment_id, l.seq
"""


@dataclass(frozen=True)
class GeoExport:
    path: Path
    written: int
    unplaced: int
    """Records left out because the case gives them no coordinates."""


def _coords(lat: object, lon: object) -> tuple[float, float] | None:
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180):
        return None
    return lon, lat


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes of binary data>"
    return str(value)


def place_features(con: Any) -> tuple[list[dict[str, Any]], int]:
    features, unplaced = [], 0
    for pid, name, kind, lat, lon, precision, country, third in con.execute(_PLACES_SQL):
        at = _coords(lat, lon)
        if at is None:
            unplaced += 1
            continue
        features.append({"type": "Feature", "id": pid,
                         "geometry": {"type": "Point", "coordinates": list(at)},
                         "properties": {"place_id": pid, "name": _text(name),
                                        "kind": _text(kind), "precision": _text(precision),
                                        "country_code": _text(country),
                                        "third_party": bool(third)}})
    return features, unplaced


def leg_features(con: Any) -> tuple[list[dict[str, Any]], int]:
    features, unplaced = [], 0
    for row in con.execute(_LEGS_SQL):
        (leg, shipment, seq, dep, arr, fid, fname, flat, flon, tid, tname, tlat, tlon,
         carrier, tracking, status, weight, declared, real, sender, recipient) = row
        a, b = _coords(flat, flon), _coords(tlat, tlon)
        if a is None or b is None:
            unplaced += 1
            continue
        features.append({"type": "Feature", "id": leg,
                         "geometry": {"type": "LineString", "coordinates": [list(a), list(b)]},
                         "properties": {
                             "leg_id": leg, "shipment_id": shipment, "seq": seq,
                             "from_place_id": fid, "from": _text(fname),
                             "to_place_id": tid, "to": _text(tname),
                             "departed": iso_utc(dep, "microsecond") if isinstance(dep, int)
                             else None,
                             "arrived": iso_utc(arr, "microsecond") if isinstance(arr, int)
                             else None,
                             "carrier": _text(carrier), "tracking_number": _text(tracking),
                             "status": _text(status), "weight_g": weight
                             if isinstance(weight, int | float) else None,
                             "declared_content": _text(declared), "real_content": _text(real),
                             "sender": _text(sender), "recipient": _text(recipient)}})
    return features, unplaced


def export_geojson(con: Any, path: Path, what: str) -> GeoExport:
    """``what``: ``places`` (points) or ``shipments`` (one line per leg)."""
    features, unplaced = place_features(con) if what == "places" else leg_features(con)
    with atomic_text(path, newline="\n") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f,
                  ensure_ascii=False, allow_nan=False)
        f.write("\n")
    return GeoExport(path, len(features), unplaced)


def _xml(value: object) -> str:
    text = "" if value is None else str(value)
    return _NOT_XML.sub("\ufffd", text)


def _placemark(folder: ET.Element, name: object, props: dict[str, Any]) -> ET.Element:
    mark = ET.SubElement(folder, "Placemark")
    ET.SubElement(mark, "name").text = _xml(name)
    data = ET.SubElement(mark, "ExtendedData")
    for key, value in props.items():
        if value is None:
            continue
        field = ET.SubElement(data, "Data", name=key)
        ET.SubElement(field, "value").text = _xml(value)
    return mark


def export_kml(con: Any, path: Path, what: str, title: str = "") -> GeoExport:
    """The same features as :func:`export_geojson`, as a KML document of one folder."""
    ET.register_namespace("", KML_NS)
    root = ET.Element("kml", xmlns=KML_NS)
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = _xml(title or what)
    folder = ET.SubElement(doc, "Folder")
    ET.SubElement(folder, "name").text = what
    if what == "places":
        features, unplaced = place_features(con)
        for feat in features:
            props = feat["properties"]
            mark = _placemark(folder, props["name"], props)
            lon, lat = feat["geometry"]["coordinates"]
            ET.SubElement(ET.SubElement(mark, "Point"), "coordinates").text = f"{lon!r},{lat!r}"
    else:
        features, unplaced = leg_features(con)
        for feat in features:
            props = feat["properties"]
            label = f"{props['tracking_number'] or 'shipment ' + str(props['shipment_id'])} " \
                    f"leg {props['seq']}"
            mark = _placemark(folder, label, props)
            if props["departed"] or props["arrived"]:
                span = ET.SubElement(mark, "TimeSpan")
                if props["departed"]:
                    ET.SubElement(span, "begin").text = props["departed"]
                if props["arrived"]:
                    ET.SubElement(span, "end").text = props["arrived"]
            line = ET.SubElement(mark, "LineString")
            ET.SubElement(line, "tessellate").text = "1"
            ET.SubElement(line, "coordinates").text = " ".join(
                f"{x!r},{y!r}" for x, y in feat["geometry"]["coordinates"])
    tree = ET.ElementTree(root)
    ET.indent(tree)
    with atomic_text(path, newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        tree.write(f, encoding="unicode", xml_declaration=False)
        f.write("\n")
    return GeoExport(path, len(features), unplaced)
