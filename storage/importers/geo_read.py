"""Read a GeoJSON, KML, KMZ or GPX map layer into plain features (issue #19).

Map layers come from Google Earth, QGIS, Google "Mes parcours" / Location History and GPS
units; an importer turns the :class:`GeoFeature` list into a case's places, shipment legs and
courier rounds. This module only reads: no Qt, no database, no network. Nothing a file names
(a NetworkLink, an image href, a DTD) is ever fetched; what is skipped is said in ``notes``.

The files are evidence and untrusted, so:

- nothing is silently dropped or guessed: a feature that cannot be read is a ``(line, reason)``
  in ``bad``; a time that cannot be read keeps its text and gets no µs (``notes`` counts them);
- texts are plain text (an ``<img src=x>`` in a name stays those characters), with control
  characters and lone surrogates (which SQLite cannot store as UTF-8) made U+FFFD;
- the formats are told by content, not by suffix; XML goes through
  :mod:`storage.importers.kml_read`, which refuses entity declarations outright.

Times follow the importers' one strict ISO 8601 grammar (:func:`parse_iso_one`): exact
integer µs, an offset or ``Z`` read as written, a zone-less time read only in the zone the
user names. Unlike the table importers, a wall time a DST change skips or repeats is read (the
earlier of its two readings) and noted, not refused: a map layer rarely has a second source for
the same fix, and a point an hour off is less harm than a lost round.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from storage.importers.kml_read import (
    RawFeature,
    RawPart,
    XmlRefused,
    kmz_member,
    read_xml,
    utf8_or_replaced,
)
from storage.importers.time_scalar import OK, TimeFlag, parse_iso_one, zone_from_name

if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

TEXT_LIMIT = 1000
"""Characters kept of a name, description or property (longer ones are clipped and noted)."""
_GC_DEPTH = 16
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_FEATURES_KEY = re.compile(r'"features"\s*:\s*\[\s*')
_SEPARATOR = re.compile(r"[ \t\r\n]*,?[ \t\r\n]*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_ONE_US = timedelta(microseconds=1)
_NOTES = {
    "no_zone": "{n} times without a UTC offset were not read: give the zone (--tz)",
    "zoned": "{n} times without a UTC offset were read in {zone}",
    "gap": "{n} times fall in a DST gap in {zone} (the clocks skipped them): the earlier "
           "reading was taken, e.g. {ex}",
    "overlap": "{n} times fall in a DST overlap in {zone} (the clocks showed them twice): the "
               "earlier reading was taken, e.g. {ex}",
    "unreadable": "{n} time texts could not be read and were kept as written, e.g. {ex}",
    "sub_us": "{n} times had digits finer than a microsecond: truncated",
    "clipped": "{n} texts longer than {limit} characters were clipped",
    "single": "{n} lines or tracks with a single position were read as points",
    "times_mismatch": "{n} tracks have not one time per position: their times were not read",
    "no_geometry": "{n} placemarks or features without geometry (listed as bad)",
}
_NUMBERS = frozenset({int, float})
_GEOMETRIES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                         "MultiPolygon", "GeometryCollection"})


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """One WGS 84 position; ``ts_us`` (µs since 1970 UTC) only for a timed track point."""

    lon: float
    lat: float
    ts_us: int | None = None


@dataclass(frozen=True, slots=True)
class GeoFeature:
    """One geometry of a Placemark / GeoJSON feature, its texts plain and clipped.

    A MultiGeometry (or Multi*, GeometryCollection, gx:MultiTrack, GPX segments) gives one
    feature per part, all sharing name, times and properties; ``part`` is the index of the
    geometry among the feature's geometries in file order, unreadable ones counted, so the
    number points at the file. ``begin_us == end_us`` for an instant (TimeStamp, ``time``).
    """

    kind: str
    name: str
    description: str
    points: tuple[GeoPoint, ...]
    begin_us: int | None
    end_us: int | None
    time_text: str
    properties: dict[str, str]
    line: int
    part: int = 0


@dataclass
class GeoRead:
    """What one file gave: features, the ones that could not be read, and caveats."""

    file: str
    format: str
    features: list[GeoFeature]
    bad: list[tuple[int, str]]
    notes: list[str]


class GeoRefused(Exception):
    """The whole file cannot be read; ``str()`` names the file and what the user can do."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


def read_geo(path: str | Path, *, zone: str | None = None,
             max_bytes: int = 512 << 20) -> GeoRead:
    """Read ``path`` (GeoJSON, KML, KMZ or GPX, told by content).

    ``zone`` (an IANA name) is where times written without an offset are read; without it
    they keep their text only. Files over ``max_bytes`` are refused before being read.
    """
    file = str(path)
    try:
        tz = None if zone is None else zone_from_name(zone)
    except ValueError as exc:
        raise GeoRefused(file, str(exc)) from None
    sink = _Sink(tz)
    data = _load(Path(path), file, max_bytes, sink)
    start = _start(data)
    try:
        if start[:1] == "<":
            fmt = read_xml(data, sink.add, sink.notes)
        elif start[:1] in ("{", "["):
            fmt = "geojson"
            _read_geojson(_json_text(data, file, sink), sink, file)
        else:
            what = "the file is empty" if not start else f"it starts with {start[:12]!r}"
            raise GeoRefused(file, f"neither GeoJSON ('{{…') nor KML/GPX ('<…'): {what}")
    except XmlRefused as exc:
        raise GeoRefused(file, str(exc)) from None
    except json.JSONDecodeError as exc:
        raise GeoRefused(file, f"not valid JSON: {exc.msg} at line {exc.lineno}, column "
                               f"{exc.colno}") from None
    except RecursionError:
        raise GeoRefused(file, "JSON nested too deeply to be a map layer") from None
    if not sink.features and not sink.bad:
        sink.notes.append("no placemarks, features or tracks found")
    return GeoRead(file, fmt, sink.features, sink.bad, sink.finish())


def _start(data: bytes) -> str:
    """The file's first characters after any byte-order mark and blanks: tells the format."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = data[:4096].decode("utf-16", "ignore")
    else:
        head = data.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")[:16].decode("latin-1")
    return head.lstrip(" \t\r\n\ufeff")


def _load(path: Path, file: str, max_bytes: int, sink: _Sink) -> bytes:
    """The file's bytes (a KMZ's main KML), size-checked before reading."""
    try:
        st = path.stat()
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):  # a FIFO or /dev/zero has no size to check
            raise GeoRefused(file, "not a regular file")
        if size > max_bytes:
            raise GeoRefused(file, f"{size:,} bytes, over the {max_bytes:,}-byte limit")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise GeoRefused(file, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise GeoRefused(file, f"grew past the {max_bytes:,}-byte limit while being read")
    if not data.startswith(b"PK\x03\x04"):
        return data
    try:
        return kmz_member(data, max_bytes, sink.notes)
    except XmlRefused as exc:
        raise GeoRefused(file, str(exc)) from None


def _json_text(data: bytes, file: str, sink: _Sink) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise GeoRefused(file, "damaged UTF-16 text: save it as UTF-8") from None
    data = data.removeprefix(codecs.BOM_UTF8)
    fixed = utf8_or_replaced(data, sink.notes)
    return data.decode("utf-8") if fixed is None else fixed


# --- GeoJSON ------------------------------------------------------------------------------

def _read_geojson(text: str, sink: _Sink, file: str) -> None:
    top = json.loads(text)
    if not isinstance(top, dict):
        raise GeoRefused(file, "JSON, but not GeoJSON: the top level is not an object")
    kind = top.get("type")
    if "crs" in top:
        sink.notes.append("the file names a CRS, which was ignored: positions are read as "
                          "WGS 84 longitude, latitude (RFC 7946)")
    line = text.count("\n", 0, len(text) - len(text.lstrip())) + 1
    if kind == "FeatureCollection":
        features = top.get("features")
        if not isinstance(features, list):
            raise GeoRefused(file, "a FeatureCollection without a 'features' list")
        for obj, at in zip(features, _feature_lines(text, features), strict=True):
            _json_feature(obj, at, sink)
    elif kind == "Feature":
        _json_feature(top, line, sink)
    elif isinstance(kind, str) and kind in _GEOMETRIES:
        sink.add(RawFeature(line, "", "", _json_parts(top, 0)))
    elif kind == "Topology":
        raise GeoRefused(file, "TopoJSON, not GeoJSON: convert it to GeoJSON first")
    else:
        raise GeoRefused(file, f"JSON, but not GeoJSON: type {_brief(kind)} is not a Feature, "
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


def _json_feature(obj: object, line: int, sink: _Sink) -> None:
    if not isinstance(obj, dict) or obj.get("type") != "Feature":
        sink.bad.append((line, f"not a GeoJSON Feature: {_brief(obj)}"))
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
    sink.add(feature)


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
        return [RawPart("", "not a GeoJSON geometry", _brief(kind))]
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


def _brief(value: object) -> str:
    """A short description of a JSON value for a message (never the whole of it)."""
    if isinstance(value, str):
        return repr(_CONTROL.sub("\ufffd", value[:40]))
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else _compact(value)[:40]


# --- what both formats share ------------------------------------------------------------

@dataclass
class _Sink:
    """Turns raw features into :class:`GeoFeature`: clean texts, times read, positions checked.

    The format readers hand over what they found as written (numbers, texts, time texts);
    every check is made once, here, so GeoJSON, KML and GPX are judged alike.
    """

    zone: ZoneInfo | None
    features: list[GeoFeature] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, raw: RawFeature) -> None:
        name, desc = self.text(raw.name), self.text(raw.description)
        props = {self.text(k): self.text(v) for k, v in raw.properties.items()}
        if raw.notes:
            self.notes.extend(n for n in raw.notes if n not in self.notes)
        begin = self.time(raw.begin)
        end = begin if raw.instant else self.time(raw.end)
        if raw.instant:
            time_text = self.text(raw.begin)
        elif raw.begin is not None or raw.end is not None:
            time_text = f"{self.text(raw.begin)}/{self.text(raw.end)}"
        else:
            time_text = ""
        if not raw.parts:
            self.bad.append((raw.line, f"{_label(raw, name)}: no geometry"))
            self.counts["no_geometry"] += 1
        for i, part in enumerate(raw.parts):
            got = self._points(part)
            if isinstance(got, str):
                where = f" part {i}" if len(raw.parts) > 1 else ""
                self.bad.append((raw.line, f"{_label(raw, name)}, {part.what}{where}: {got}"))
            else:  # parts share the texts, each has its own properties dict
                self.features.append(GeoFeature(got[0], name, desc, got[1], begin, end,
                                                time_text, dict(props) if i else props,
                                                raw.line, i))

    def _points(self, part: RawPart) -> tuple[str, tuple[GeoPoint, ...]] | str:
        if isinstance(part.coords, str):
            return part.coords
        pairs: list[tuple[float, float]] = []
        for i, pos in enumerate(part.coords, 1):
            got = _position(pos)
            if isinstance(got, str):
                return f"position {i}: {got}"
            pairs.append(got)
        kind, n = part.kind, len(pairs)
        if n == 0:
            return "no positions (empty coordinates)"
        if kind == "point" and n != 1:
            return f"a point with {n} positions"
        if kind == "polygon" and n < 3:
            return f"a polygon ring of {n} positions (3 at least)"
        if kind == "line" and n == 1:
            self.counts["single"] += 1
            kind = "point"
        times = part.times
        if times is not None and len(times) != n:
            self.counts["times_mismatch"] += 1
            times = None
        if times is None:
            return kind, tuple([GeoPoint(lon, lat) for lon, lat in pairs])
        return kind, tuple([GeoPoint(lon, lat, self.time(t))
                            for (lon, lat), t in zip(pairs, times, strict=True)])

    def text(self, value: object) -> str:
        """Plain text: JSON for non-strings, controls made U+FFFD, stripped, clipped."""
        if value is None:
            return ""
        s = value if isinstance(value, str) else _compact(value)
        if "\r" in s:
            s = s.replace("\r\n", "\n").replace("\r", "\n")
        if _CONTROL.search(s):
            s = _CONTROL.sub("\ufffd", s)
        s = s.strip()
        if len(s) > TEXT_LIMIT:
            self.counts["clipped"] += 1
            s = s[:TEXT_LIMIT]
        return s

    def time(self, value: object) -> int | None:
        """µs UTC of a time text, or None (blank, unreadable or zone-less without a zone)."""
        if value is None:
            return None
        text = value if isinstance(value, str) else _compact(value)
        got = parse_iso_one(text)
        if got is None:
            return None
        if isinstance(got, str):
            return self._tally("unreadable", f"{self.text(text)[:40]!r} ({got})")
        if got.flags & TimeFlag.SUB_MICROSECOND_DROPPED:
            self.counts["sub_us"] += 1
        if got.status == OK:
            return got.ts_us
        if self.zone is None:
            return self._tally("no_zone", "")
        try:
            ts, fold = _localize(got.ts_us, self.zone)
        except OverflowError:
            return self._tally("unreadable", f"{text[:40]!r} (out of range in UTC)")
        self.counts["zoned"] += 1
        if fold:
            self._tally(fold, repr(text.strip()[:40]))
        return ts

    def _tally(self, key: str, example: str) -> None:
        self.counts[key] += 1
        self.examples.setdefault(key, example)

    def finish(self) -> list[str]:
        """The notes, with one summary line per kind of caveat counted."""
        zone = self.zone.key if self.zone is not None else ""
        return self.notes + [_NOTES[k].format(n=n, ex=self.examples.get(k, ""), zone=zone,
                                              limit=TEXT_LIMIT)
                             for k, n in self.counts.items()]


def _label(raw: RawFeature, name: str) -> str:
    return f"{raw.label} {name!r}" if name else raw.label


def _position(pos: object) -> tuple[float, float] | str:
    """``(lon, lat)`` of a position, or why it is not one (numbers only, WGS 84 ranges)."""
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        return f"{_brief(pos)} is not [lon, lat]"
    if type(pos[0]) not in _NUMBERS or type(pos[1]) not in _NUMBERS:  # bool is no number
        return f"[{_brief(pos[0])}, {_brief(pos[1])}] are not two numbers"
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


def _compact(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return str(type(value).__name__)


def _localize(wall_us: int, zone: ZoneInfo) -> tuple[int, str]:
    """µs UTC of a wall time in ``zone``: the earlier reading, and "gap"/"overlap" if two."""
    wall = _EPOCH_NAIVE + timedelta(microseconds=wall_us)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    u1, u2 = (first - _EPOCH) // _ONE_US, (second - _EPOCH) // _ONE_US
    if u1 == u2:
        return u1, ""
    exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
    return min(u1, u2), "overlap" if exists else "gap"
