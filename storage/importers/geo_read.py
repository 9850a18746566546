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
  :mod:`storage.importers.kml_read`, which refuses entity declarations outright, and JSON
  through :mod:`storage.importers.geojson_read`. Both only find what the file says; every
  check is made here, once, so the three formats are judged alike.

Times follow the importers' one strict ISO 8601 grammar (:func:`parse_iso_one`): exact
integer µs, an offset or ``Z`` read as written, a zone-less time read only in the zone the
user names. Unlike the table importers, a wall time a DST change skips or repeats is read (the
earlier of its two readings) and noted, not refused: a map layer rarely has a second source for
the same fix, and a point an hour off is less harm than a lost round.
"""

from __future__ import annotations

import codecs
import json
import stat
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from storage.importers.geojson_read import (
    CONTROL,
    JsonRefused,
    compact,
    position,
    read_geojson,
)
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
    from zoneinfo import ZoneInfo

TEXT_LIMIT = 1000
"""Characters kept of a name, description or property (longer ones are clipped and noted)."""
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
            read_geojson(_json_text(data, file, sink), sink.add, sink.bad, sink.notes)
        else:
            what = "the file is empty" if not start else f"it starts with {start[:12]!r}"
            raise GeoRefused(file, f"neither GeoJSON ('{{…') nor KML/GPX ('<…'): {what}")
    except (XmlRefused, JsonRefused) as exc:
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


# --- what every format shares ----------------------------------------------------------

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
            got = position(pos)
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
        s = value if isinstance(value, str) else compact(value)
        if "\r" in s:
            s = s.replace("\r\n", "\n").replace("\r", "\n")
        if CONTROL.search(s):
            s = CONTROL.sub("\ufffd", s)
        s = s.strip()
        if len(s) > TEXT_LIMIT:
            self.counts["clipped"] += 1
            s = s[:TEXT_LIMIT]
        return s

    def time(self, value: object) -> int | None:
        """µs UTC of a time text, or None (blank, unreadable or zone-less without a zone)."""
        if value is None:
            return None
        text = value if isinstance(value, str) else compact(value)
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


def _localize(wall_us: int, zone: ZoneInfo) -> tuple[int, str]:
    """µs UTC of a wall time in ``zone``: the earlier reading, and "gap"/"overlap" if two."""
    wall = _EPOCH_NAIVE + timedelta(microseconds=wall_us)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    u1, u2 = (first - _EPOCH) // _ONE_US, (second - _EPOCH) // _ONE_US
    if u1 == u2:
        return u1, ""
    exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
    return min(u1, u2), "overlap" if exists else "gap"
