"""KML and GPX → raw features, parsed with expat one Placemark (or track) at a time.

:mod:`storage.importers.geo_read` checks and cleans what this module finds; here is only the
XML. Expat is used directly (it is the parser under :mod:`xml.etree.ElementTree`) because it
tells the line each element starts on, which a bad feature's report needs, and because the
tree can then be built and dropped one Placemark at a time: a 500 MB Location History export
never holds more than one Placemark as elements.

Hostile XML is refused before it can cost anything: any ``<!ENTITY`` (in the raw bytes, and
again in expat's entity declaration callback, which also sees UTF-16 files) ends the read, so
neither "billion laughs" expansion nor an external entity (``SYSTEM "file:///etc/passwd"``)
can happen; expat itself is never given a handler that could load a DTD or an entity; elements
nested deeper than :data:`MAX_DEPTH` are refused rather than recursed into.

Namespaces are not processed: a tag's prefix is dropped (``gx:Track`` → ``Track``,
``kml:Placemark`` → ``Placemark``), so KML 2.0–2.2, with or without a default namespace, with
a ``kml:`` prefix or with an undeclared ``gx:`` (some exporters forget it) all read alike.
Only known child elements of a Placemark are read, so e.g. ``atom:name`` under
``atom:author`` is never taken for the Placemark's name.
"""

from __future__ import annotations

import codecs
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.parsers import expat

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

MAX_DEPTH = 256
"""Element nesting refused beyond this (real KML nests Folders a dozen deep at most)."""
_NUM = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_COMMA = re.compile(r"\s*,\s*")
_GEOMETRY = frozenset({"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry",
                       "Track", "MultiTrack", "Model"})
_OVERLAYS = frozenset({"GroundOverlay", "ScreenOverlay", "PhotoOverlay"})
_REPORTED = frozenset({"Placemark", "trk", "rte", "wpt"})  # whose line a feature reports
_XML_ENCODING = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_ENTITY = tuple("<!ENTITY".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_ENTITY_REASON = ("declares an XML entity (<!ENTITY …>): refused, since entities can expand "
                  "to gigabytes or pull in other files (Google Earth, QGIS and GPS units never "
                  "write them); remove the DOCTYPE if the file is genuine")


@dataclass(slots=True)
class RawPart:
    """One geometry as written: positions (``(lon, lat)`` numbers) or why there are none."""

    kind: str
    """``point``, ``line``, ``polygon`` (outer ring), or "" for a geometry not read."""
    coords: Sequence[object] | str
    what: str
    """What the file calls it (``LineString``, ``gx:Track``, ``trkseg``), for messages."""
    times: Sequence[object] | None = None
    """One time text per position (gx:Track ``when``, GPX ``time``, ``coordTimes``)."""


@dataclass(slots=True)
class RawFeature:
    """A Placemark / feature / GPX track as found; ``geo_read`` judges and cleans it."""

    line: int
    name: object
    description: object
    parts: list[RawPart]
    begin: object = None
    end: object = None
    instant: bool = False
    """A TimeStamp (or ``time``): ``begin`` is the instant and there is no ``end``."""
    properties: dict[str, object] = field(default_factory=dict)
    label: str = "feature"
    notes: list[str] = field(default_factory=list)


class XmlRefused(Exception):
    """The XML cannot be read (malformed, hostile, or neither KML nor GPX)."""


def read_xml(data: bytes, emit: Callable[[RawFeature], None], notes: list[str]) -> str:
    """Parse ``data``, ``emit`` each Placemark / track / waypoint; ``kml`` or ``gpx``."""
    if any(marker in data for marker in _ENTITY):
        raise XmlRefused(_ENTITY_REASON)
    data = _as_utf8(data, notes)
    parser = expat.ParserCreate()
    builder = _Builder(parser, emit)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlRefused(f"not well-formed XML ({expat.ErrorString(exc.code)}) at line "
                         f"{exc.lineno}, column {exc.offset + 1}") from None
    links = builder.links
    if len(links) == 1:
        notes.append(f"NetworkLink to {links[0]} not followed (Filature never fetches)")
    elif links:
        notes.append(f"{len(links)} NetworkLinks not followed (Filature never fetches): "
                     + ", ".join(links[:5]) + (", …" if len(links) > 5 else ""))
    if builder.overlays:
        notes.append(f"{builder.overlays} image overlays (GroundOverlay, ScreenOverlay, "
                     "PhotoOverlay) not read")
    return builder.format


def kmz_member(data: bytes, max_bytes: int, notes: list[str]) -> bytes:
    """The KML a KMZ (zip) holds: ``doc.kml``, else its first ``.kml`` (as Google Earth does).

    The size is checked on what is actually inflated, not on what the zip header claims, so a
    zip bomb stops at ``max_bytes``. Images and other files in the archive are not read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            kmls = [i for i in infos if i.filename.lower().endswith(".kml")]
            if not kmls:
                raise XmlRefused("a ZIP archive with no .kml inside: not a KMZ")
            main = next((i for i in kmls if i.filename.lower() == "doc.kml"), kmls[0])
            if main.flag_bits & 0x1:
                raise XmlRefused(f"{main.filename} is encrypted in the KMZ: unzip it first")
            with zf.open(main) as member:
                kml = member.read(max_bytes + 1)
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise XmlRefused(f"a damaged KMZ/ZIP archive ({exc}): unzip it and import the .kml "
                         "inside") from None
    if len(kml) > max_bytes:
        raise XmlRefused(f"{main.filename} inflates past the {max_bytes:,}-byte limit")
    others = len(infos) - 1
    notes.append(f"read {main.filename} from the KMZ archive (lines are lines of "
                 f"{main.filename})" + (f"; {others} other files in it were not read"
                                        if others else ""))
    return kml


def utf8_or_replaced(data: bytes, notes: list[str]) -> str | None:
    """None if ``data`` is UTF-8, else its text with U+FFFD for the bad bytes (noted).

    A KML or GeoJSON hand-edited in a Latin-1 editor should not lose every feature for one
    accented letter; the letters it does lose are counted, with where the first one is.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", "replace")
        n = text.count("\ufffd") - data.count("\ufffd".encode())
        line = data.count(b"\n", 0, exc.start) + 1
        notes.append(f"not valid UTF-8: {n} byte sequences (the first on line {line}) were "
                     "read as U+FFFD; if the file was saved as Latin-1, re-save it as UTF-8 "
                     "to keep those letters")
        return text
    return None


def _as_utf8(data: bytes, notes: list[str]) -> bytes:
    """Bytes expat reads to the end, where it would stop at the first byte that is not UTF-8.

    Only for a file declared (or defaulting to) UTF-8: its bad bytes become U+FFFD (noted).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data  # expat reads UTF-16 with a byte-order mark itself
    m = _XML_ENCODING.match(data.removeprefix(codecs.BOM_UTF8))
    if m is not None and m.group(1).lower() not in (b"utf-8", b"utf8"):
        return data  # expat decodes the declared single-byte encodings itself
    fixed = utf8_or_replaced(data, notes)
    return data if fixed is None else fixed.encode("utf-8")


class _Builder:
    """Expat callbacks building ElementTree elements, one Placemark at a time.

    Each finished Placemark (GPX: track, route, waypoint) is emitted and dropped from its
    parent, so memory holds one of them plus the styles, whatever the file's size.
    """

    def __init__(self, parser: expat.XMLParserType, emit: Callable[[RawFeature], None]) -> None:
        self._parser = parser
        self._emit = emit
        self._stack: list[ET.Element] = []
        self._lines: list[int] = []
        self._parents: list[bool] = []  # per open element: has it had a child yet?
        self._markup = 0  # open <description> elements, whose child markup is kept
        self._text: list[str] = []
        self.format = ""
        self.links: list[str] = []
        self.overlays = 0
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.EntityDeclHandler = self._entity
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text.append

    def _entity(self, *_args: object) -> None:
        raise XmlRefused(_ENTITY_REASON)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self._text:
            self._flush()
        tag = name.rpartition(":")[2]
        stack = self._stack
        if not stack:
            self.format = _root_format(tag)
        elif len(stack) >= MAX_DEPTH:
            raise XmlRefused(f"elements nested more than {MAX_DEPTH} deep at line "
                             f"{self._parser.CurrentLineNumber}")
        elem = ET.Element(tag, attrs)
        if stack:
            stack[-1].append(elem)
            self._parents[-1] = True
        stack.append(elem)
        self._lines.append(self._parser.CurrentLineNumber if tag in _REPORTED else 0)
        self._parents.append(False)
        if tag == "description":
            self._markup += 1

    def _end(self, _name: str) -> None:
        if self._text:
            self._flush()
        elem, line = self._stack.pop(), self._lines.pop()
        self._parents.pop()
        tag = elem.tag
        if tag == "description":
            self._markup -= 1
        if self.format == "gpx":
            if tag not in ("trk", "rte", "wpt"):
                return
            self._emit(_gpx(elem, line))
        elif tag == "Placemark":
            self._emit(_placemark(elem, line))
        elif tag == "NetworkLink":
            href = elem.findtext("Link/href") or elem.findtext("Url/href") or ""
            self.links.append(_safe(href) or "(no address)")
        elif tag in _OVERLAYS:
            self.overlays += 1
        else:
            return
        if self._stack:
            del self._stack[-1][-1]  # the element just closed is its parent's last child

    def _flush(self) -> None:
        """Give the text since the last tag to its element.

        Text after a child (a "tail") is kept only inside a description, for its markup: in
        a Document of a million Placemarks the blanks between them would otherwise pile up.
        """
        if self._stack:
            text = "".join(self._text)
            top = self._stack[-1]
            if not self._parents[-1]:
                top.text = (top.text or "") + text
            elif self._markup and len(top):
                top[-1].tail = (top[-1].tail or "") + text
        self._text.clear()


def _root_format(tag: str) -> str:
    if tag == "gpx":
        return "gpx"
    if tag in ("kml", "Document", "Folder", "Placemark"):
        return "kml"
    raise XmlRefused(f"XML, but neither KML nor GPX: the root element is <{_safe(tag, 40)}>")


def _safe(text: str, limit: int = 200) -> str:
    """Untrusted text fit for a note: stripped, clipped, non-printables made U+FFFD."""
    return "".join(c if c.isprintable() else "\ufffd" for c in text.strip()[:limit])


# --- KML ----------------------------------------------------------------------------------

def _placemark(pm: ET.Element, line: int) -> RawFeature:
    props: dict[str, object] = {}
    if pm.get("id"):
        props["id"] = pm.get("id")
    for key in ("address", "phoneNumber"):
        if (pm.findtext(key) or "").strip():
            props[key] = pm.findtext(key)
    extended = pm.find("ExtendedData")
    if extended is not None:
        for data in extended.iter("Data"):
            props[data.get("name") or ""] = data.findtext("value") or ""
        for data in extended.iter("SimpleData"):
            props[data.get("name") or ""] = data.text or ""
        props.pop("", None)
    parts = [p for child in pm if child.tag in _GEOMETRY for p in _kml_parts(child)]
    feature = RawFeature(line, pm.findtext("name") or "", _description(pm.find("description")),
                         parts, properties=props, label="Placemark")
    span, stamp = pm.find("TimeSpan"), pm.find("TimeStamp")
    if span is not None:
        feature.begin, feature.end = span.findtext("begin"), span.findtext("end")
    elif stamp is not None and stamp.find("when") is not None:
        feature.begin, feature.instant = stamp.findtext("when"), True
    return feature


def _description(elem: ET.Element | None) -> str:
    """The description as written, HTML included, never rendered.

    HTML in CDATA is text already; HTML written as bare elements (invalid KML, but common) is
    put back as markup text rather than losing its tags' content.
    """
    if elem is None:
        return ""
    return (elem.text or "") + "".join(ET.tostring(c, encoding="unicode") for c in elem)


def _kml_parts(elem: ET.Element) -> list[RawPart]:
    tag = elem.tag
    if tag == "Point":
        return [RawPart("point", _coordinates(elem), tag)]
    if tag in ("LineString", "LinearRing"):  # a bare LinearRing is drawn as a closed line
        return [RawPart("line", _coordinates(elem), tag)]
    if tag == "Polygon":
        ring = elem.find("outerBoundaryIs/LinearRing")
        if ring is None:
            return [RawPart("", "no outerBoundaryIs/LinearRing", tag)]
        return [RawPart("polygon", _coordinates(ring), tag)]
    if tag in ("MultiGeometry", "MultiTrack"):
        return [p for child in elem if child.tag in _GEOMETRY for p in _kml_parts(child)]
    if tag == "Track":
        return [_track(elem)]
    return [RawPart("", f"a 3D {tag} is not read", tag)]


def _coordinates(elem: ET.Element) -> list[tuple[float, float]] | str:
    """``lon,lat[,alt]`` tuples separated by any whitespace (blanks around commas allowed)."""
    tokens = _COMMA.sub(",", (elem.findtext("coordinates") or "").strip()).split()
    if not tokens:
        return "empty <coordinates>"
    positions = []
    for i, token in enumerate(tokens, 1):
        lon, lat = _pair(token.split(","))
        if lon is None or lat is None:
            return f"position {i} {token[:40]!r} is not lon,lat[,alt] numbers"
        positions.append((lon, lat))
    return positions


def _pair(fields: Sequence[str]) -> tuple[float | None, float | None]:
    """Longitude and latitude of written numbers (ASCII decimal only: no ``nan``, ``1_0``)."""
    if len(fields) < 2:
        return None, None
    lon, lat = fields[0].strip(), fields[1].strip()
    return (float(lon) if _NUM.fullmatch(lon) else None,
            float(lat) if _NUM.fullmatch(lat) else None)


def _track(elem: ET.Element) -> RawPart:
    """A gx:Track: ``gx:coord`` "lon lat alt" and ``when`` matched by order, not nesting."""
    positions = []
    for i, coord in enumerate(elem.findall("coord"), 1):
        text = coord.text or ""
        lon, lat = _pair(text.split())
        if lon is None or lat is None:
            return RawPart("", f"gx:coord {i} {text.strip()[:40]!r} is not 'lon lat [alt]'",
                           "gx:Track")
        positions.append((lon, lat))
    whens = [w.text for w in elem.findall("when")]
    return RawPart("line", positions, "gx:Track", whens or None)


# --- GPX ----------------------------------------------------------------------------------

def _gpx(elem: ET.Element, line: int) -> RawFeature:
    """A ``wpt`` (a point, its ``time`` the feature's), a ``rte`` or a ``trk``.

    A track gives a line per ``trkseg``, each point timed by its ``time``; GPX tracks have no
    time of their own, so the feature's begin and end stay None.
    """
    props: dict[str, object] = {k: elem.findtext(k) for k in ("type", "cmt", "src")
                                if (elem.findtext(k) or "").strip()}
    feature = RawFeature(line, elem.findtext("name") or "", elem.findtext("desc") or "", [],
                         properties=props, label=elem.tag)
    if elem.tag == "wpt":  # its time is the feature's, as a KML TimeStamp's
        feature.parts.append(_gpx_points([elem], "wpt"))
        feature.parts[0].times = None
        feature.begin, feature.instant = elem.findtext("time"), True
    elif elem.tag == "rte":
        feature.parts.append(_gpx_points(elem.findall("rtept"), "rte"))
    else:
        feature.parts.extend(_gpx_points(seg.findall("trkpt"), "trkseg")
                             for seg in elem.findall("trkseg"))
    return feature


def _gpx_points(points: list[ET.Element], what: str) -> RawPart:
    positions = []
    for i, pt in enumerate(points, 1):
        lon, lat = _pair([pt.get("lon", ""), pt.get("lat", "")])
        if lon is None or lat is None:
            return RawPart("", f"point {i}: lon={pt.get('lon', '')[:40]!r} "
                               f"lat={pt.get('lat', '')[:40]!r} are not numbers", what)
        positions.append((lon, lat))
    times = [pt.findtext("time") for pt in points]
    kind = "point" if what == "wpt" else "line"
    return RawPart(kind, positions, what, times if any(times) else None)
