"""GeoJSON → raw features, for :mod:`storage.importers.geo_read` to check and clean.

Like :mod:`storage.importers.kml_read` for XML, this module only finds what the file says:
positions stay the JSON values as written and times stay texts, so every check (WGS 84
ranges, times, texts) is made once, in ``geo_read``'s sink, and GeoJSON, KML and GPX are
judged alike. A ``crs`` member is noted and ignored (RFC 7946 positions are WGS 84); TopoJSON
and JSON that is no GeoJSON are refused with what to do, not read as nothing.

:mod:`json` gives no positions, yet a bad feature's report needs its line: the lines are found
afterwards in the raw text (:func:`_feature_lines`), best effort, 0 when unsure.
GeometryCollections nested deeper than :data:`_GC_DEPTH` are a bad part, not a recursion.

:func:`brief`, :func:`compact` and :func:`position` live here because they describe and check
JSON values; the sink uses them for every format, KML and GPX values being a subset of these.
They import nothing from ``geo_read``, so the two modules import one way only.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING

from storage.importers.kml_read import RawFeature, RawPart

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters and lone surrogates (SQLite cannot store these as UTF-8): made U+FFFD."""
_GC_DEPTH = 16
_FEATURES_KEY = re.compile(r'"features"\s*:\s*\[\s*')
_SEPARATOR = re.compile(r"[ \t\r\n]*,?[ \t\r\n]*")
_NUMBERS = frozenset({int, float})
_GEOMETRIES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                         "MultiPolygon", "GeometryCollection"})


class JsonRefused(Exception):
    """Valid JSON, but not a GeoJSON layer this reader can take (``str()`` says what to do)."""


def read_geojson(text: str, emit: Callable[[RawFeature], None], bad: list[tuple[int, str]],
                 notes: list[str]) -> None:
    """Parse ``text``, ``emit`` each feature (or the lone geometry) as found.

    A feature that is not a Feature object goes to ``bad`` as ``(line, reason)``; invalid
    JSON raises :class:`json.JSONDecodeError` (or :class:`RecursionError`), a JSON that is no
    GeoJSON :class:`JsonRefused`.
    """
    top = json.loads(text)
    if not isinstance(top, dict):
        raise JsonRefused("JSON, but not GeoJSON: the top level is not an object")
    kind = top.get("type")
    if "crs" in top:
        notes.append("the file names a CRS, which was ignored: positions are read as "
                     "WGS 84 longitude, latitude (RFC 7946)")
    line = text.count("\n", 0, len(text) - len(text.lstrip())) + 1
    if kind == "FeatureCollection":
        features = top.get("features")
        if not isinstance(features, list):
            raise JsonRefused("a FeatureCollection without a 'features' list")
        for obj, at in zip(features, _feature_lines(text, features), strict=True):
            _json_feature(obj, at, emit, bad)
    elif kind == "Feature":
        _json_feature(top, line, emit, bad)
    elif isinstance(kind, str) and kind in _GEOMETRIES:
        emit(RawFeature(line, "", "", _json_parts(top, 0)))
    elif kind == "Topology":
        raise JsonRefused("TopoJSON, not GeoJSON: convert it to GeoJSON first")
    else:
        raise JsonRefused(f"JSON, but not GeoJSON: type {brief(kind)} is not a Feature, "
                          "FeatureCollection or geometry")


def _feature_lines(text: str, features: list[object]) -> list[int]:
    """The line each feature starts on, best effort (0 when unsure).

    ``json`` gives no positions, so the ``"features": [`` array is found in the raw text (a
    quoted key cannot be inside a string, where quotes are escaped) and walked item by item
    with the C decoder; a nested ``features`` key fails the check of the items' ``type``.
    """
    count = len(features)
    if "\n" not in text.strip():
        return [1] * count
    decoder = json.JSONDecoder()
    for m in _FEATURES_KEY.finditer(text):
        starts, pos = [], m.end()
        try:
            while len(starts) < count and not text.startswith("]", pos):
                item, end = decoder.raw_decode(text, pos)
                if _kind(item) != _kind(features[len(starts)]):
                    break
                starts.append(pos)
                pos = _SEPARATOR.match(text, end).end()  # type: ignore[union-attr]
        except json.JSONDecodeError:
            continue
        if len(starts) == count and text.startswith("]", pos):
            lines, line, last = [], 1, 0
            for start in starts:  # each newline counted once
                line, last = line + text.count("\n", last, start), start
                lines.append(line)
            return lines
    return [0] * count


def _kind(value: object) -> object:
    return value.get("type") if isinstance(value, dict) else type(value)


def _json_feature(obj: object, line: int, emit: Callable[[RawFeature], None],
                  bad: list[tuple[int, str]]) -> None:
    if not isinstance(obj, dict) or obj.get("type") != "Feature":
        bad.append((line, f"not a GeoJSON Feature: {brief(obj)}"))
        return
    raw = obj.get("properties")
    props: dict[str, object] = dict(raw) if isinstance(raw, dict) else {}
    if raw is not None and not isinstance(raw, dict):
        props["properties"] = raw
    if obj.get("id") is not None:
        props.setdefault("id", obj["id"])
    feature = RawFeature(line, props.pop("name", ""), props.pop("description", ""),
                         _json_parts(obj.get("geometry"), 0), properties=props)
    span = props.get("timespan")
    if isinstance(span, dict) and ("begin" in span or "end" in span):
        del props["timespan"]
        feature.begin, feature.end = span.get("begin"), span.get("end")
    elif props.get("timestamp") is not None:
        feature.begin, feature.instant = props.pop("timestamp"), True
    elif props.get("time") is not None:
        feature.begin, feature.instant = props.pop("time"), True
    _align_times(feature, props)
    emit(feature)


def _align_times(feature: RawFeature, props: dict[str, object]) -> None:
    """Hand togeojson's ``coordTimes`` (per position, or per part) to the parts they fit."""
    times = props.get("coordTimes")
    parts = feature.parts
    if not isinstance(times, list) or not parts:
        return
    if all(isinstance(t, list) for t in times) and len(times) == len(parts):
        per_part: Sequence[object] = times
    elif len(parts) == 1 and not any(isinstance(t, list) for t in times):
        per_part = [times]
    else:
        feature.notes.append("coordTimes that do not match the geometry were kept as a "
                             "property, not read")
        return
    for part, part_times in zip(parts, per_part, strict=True):
        part.times = part_times  # type: ignore[assignment]
    del props["coordTimes"]


def _json_parts(geom: object, depth: int) -> list[RawPart]:
    """The parts of a GeoJSON geometry (none for ``null``), bad ones carrying their reason."""
    if geom is None:
        return []
    kind = geom.get("type") if isinstance(geom, dict) else None
    if not isinstance(kind, str) or kind not in _GEOMETRIES:
        return [RawPart("", "not a GeoJSON geometry", brief(kind))]
    if kind == "GeometryCollection":
        members = geom.get("geometries")
        if depth >= _GC_DEPTH or not isinstance(members, list):
            why = "nested too deeply" if depth >= _GC_DEPTH else "no 'geometries' list"
            return [RawPart("", why, kind)]
        return [p for g in members for p in (_json_parts(g, depth + 1) or
                                             [RawPart("", "a null geometry", "null")])]
    coords = geom.get("coordinates")
    if not isinstance(coords, list):
        return [RawPart("", "'coordinates' is missing or not a list", kind)]
    single = kind.removeprefix("Multi")
    items = coords if kind.startswith("Multi") else [coords]
    parts = []
    for item in items:
        if single == "Point":
            parts.append(RawPart("point", [item], kind))
        elif single == "Polygon":
            ring = item[0] if isinstance(item, list) and item else None
            parts.append(RawPart("polygon", ring, kind) if isinstance(ring, list) else
                         RawPart("", "no outer ring (a list of positions)", kind))
        elif isinstance(item, list):
            parts.append(RawPart("line", item, kind))
        else:
            parts.append(RawPart("", "positions are not a list", kind))
    return parts


# --- JSON values, also checked and shown by geo_read's sink ---------------------------------

def brief(value: object) -> str:
    """A short description of a JSON value for a message (never the whole of it)."""
    if isinstance(value, str):
        return repr(CONTROL.sub("\ufffd", value[:40]))
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else compact(value)[:40]


def position(pos: object) -> tuple[float, float] | str:
    """``(lon, lat)`` of a position, or why it is not one (numbers only, WGS 84 ranges)."""
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        return f"{brief(pos)} is not [lon, lat]"
    if type(pos[0]) not in _NUMBERS or type(pos[1]) not in _NUMBERS:  # bool is no number
        return f"[{brief(pos[0])}, {brief(pos[1])}] are not two numbers"
    try:
        lon, lat = float(pos[0]), float(pos[1])
    except OverflowError:  # an integer of hundreds of digits
        return "a number too large"
    if -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0:
        return lon, lat
    if math.isnan(lon) or math.isnan(lat):
        return "NaN"
    if not -180.0 <= lon <= 180.0:
        return f"longitude {lon:g} out of range (-180…180)"
    return f"latitude {lat:g} out of range (-90…90)"


def compact(value: object) -> str:
    """A value as one-line JSON (a non-string property, time or position, for a text)."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return str(type(value).__name__)
