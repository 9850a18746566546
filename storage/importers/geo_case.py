"""A map layer's features written into a case: places, shipment legs, courier rounds.

Investigators draw on Google Earth or QGIS (a relay point, the route a parcel took), phones
export "Mes parcours" tracks, carriers hand over scans as points. What a feature becomes:

- a **point**: a place (exact, at its coordinates); a timed point is also an event there
  (kind ``other``, titled with its name), so it shows on the timeline;
- a **line** or **track**: a shipment (status from a ``status`` property, else
  ``in_transit``; ``carrier`` and ``tracking_number`` properties kept) whose legs join its
  positions in order, each position a place; a timed track gets a ``tracking_scan`` event at
  each timed position and the legs' departure and arrival times from them;
- a line or track whose ``kind`` (or ``filature_kind``) property is ``courier_round``: a
  ``courier_round`` event at its first timed position (ending at the last) and a ``delivery``
  at each other timed position, by the actor its ``courier`` property names (role courier);
- a **polygon** (an area): not imported, counted in the report (the case format has no areas).

``kind`` (or ``filature_kind``) may also say ``place`` or ``shipment`` to override the default,
and ``place_kind`` gives a point's place kind (``pickup_point``, ``hub``…). Every event cites
the file and the feature's line (``line N``, ``line N part P`` for a part of a MultiGeometry);
shipments and legs cite the file. Places are reused by name, kind and position, so a layer
imported twice does not double them. Nothing is ever placed where the file did not put it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storage.case import vocab

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from storage.importers.case_entities import Entities
    from storage.importers.geo_read import GeoFeature, GeoRead

ROUND_KINDS = frozenset({"courier_round", "round"})
KIND_KEYS = ("filature_kind", "kind")
DEFAULT_STATUS = "in_transit"


@dataclass
class GeoWritten:
    """What a layer added to the case, and the features it could not use (line, reason)."""

    events: int = 0
    places: int = 0
    shipments: int = 0
    legs: int = 0
    rounds: int = 0
    areas: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


class GeoWriter:
    """Writes one file's features; ``next_event`` is the first free event id."""

    def __init__(self, con: sqlite3.Connection, entities: Entities, exhibit: int,
                 file: str, next_event: int,
                 attributes: Callable[[list[object], list[object], list[object]], None]
                 ) -> None:
        self.con, self.entities, self.exhibit, self.file = con, entities, exhibit, file
        self._attributes = attributes  # the import's writer: rows may go to its helper
        self.next_event = next_event
        self.out = GeoWritten()
        self._places: dict[tuple[str, str, float, float], int] = {}
        for pid, name, kind, lat, lon in con.execute(
                "SELECT id, name, kind, lat, lon FROM place WHERE lat IS NOT NULL"):
            if isinstance(lat, float | int) and isinstance(lon, float | int):
                self._places.setdefault((name, kind, round(lat, 7), round(lon, 7)), pid)

    def write(self, read: GeoRead) -> GeoWritten:
        for feature in read.features:
            role = _role(feature)
            if feature.kind == "polygon" and role not in ("place",):
                self.out.areas += 1
                continue
            if role == "place" or feature.kind == "point":
                self._point(feature)
            elif role == "round":
                self._round(feature)
            else:
                self._shipment(feature)
        return self.out

    # -- features ---------------------------------------------------------------------------
    def _point(self, f: GeoFeature) -> None:
        p = f.points[0]
        place = self._place(f.name or _default_name(f), f.properties.get("place_kind", ""),
                            p.lat, p.lon, f.properties.get("country_code", ""))
        when = f.begin_us if f.begin_us is not None else p.ts_us
        if when is not None:
            end = f.end_us if f.end_us is not None and f.end_us > when else None
            self._event(when, "other", f.name or _default_name(f), f.description, f,
                        place=place, end=end, raw=f.time_text)

    def _shipment(self, f: GeoFeature) -> None:
        props = f.properties
        status = props.get("status", "").strip().lower()
        status = status if status in vocab.SHIPMENT_STATUSES else DEFAULT_STATUS
        name = f.name or _default_name(f)
        cur = self.con.execute(
            "INSERT INTO shipment(carrier, tracking_number, status, exhibit_id, "
            "declared_content) VALUES (?, ?, ?, ?, ?)",
            (props.get("carrier") or None, props.get("tracking_number") or None, status,
             self.exhibit, f.description or None))
        shipment = int(cur.lastrowid or 0)
        self.out.shipments += 1
        places = self._vertices(f, name)
        times = [pt.ts_us for pt in f.points]
        if all(t is None for t in times) and f.begin_us is not None:
            times[0] = f.begin_us
            times[-1] = f.end_us if f.end_us is not None else times[-1]
        legs = [(shipment, k + 1, places[k], places[k + 1], times[k], times[k + 1],
                 self.exhibit) for k in range(len(places) - 1)]
        self.con.executemany(
            "INSERT INTO shipment_leg(shipment_id, seq, from_place_id, to_place_id, "
            "departed_ts, arrived_ts, exhibit_id) VALUES (?, ?, ?, ?, ?, ?, ?)", legs)
        self.out.legs += len(legs)
        for k, (ts, place) in enumerate(zip(times, places, strict=True), 1):
            if ts is not None:
                self._event(ts, "tracking_scan", f"{name}: position {k}", f.description, f,
                            place=place, shipment=shipment)

    def _round(self, f: GeoFeature) -> None:
        timed = [(k, pt) for k, pt in enumerate(f.points) if pt.ts_us is not None]
        if len(timed) < 2:
            self.out.skipped.append((f.line, "a courier round needs a time at its positions "
                                             "(a gx:Track or coordTimes)"))
            return
        name = f.name or _default_name(f)
        courier_name = (f.properties.get("courier") or f.properties.get("actor") or "").strip()
        courier = None
        if courier_name:
            courier = self.entities.actor(courier_name, "courier", self.exhibit)
        places = self._vertices(f, name)
        (k0, first), (_kn, last) = timed[0], timed[-1]
        self._event(first.ts_us or 0, "courier_round", name, f.description, f,
                    place=places[k0], end=last.ts_us, actor=courier)
        for stop, (k, pt) in enumerate(timed[1:], 1):
            self._event(pt.ts_us or 0, "delivery", f"{name}: stop {stop}", "", f,
                        place=places[k], actor=courier)
        self.out.rounds += 1

    # -- records ----------------------------------------------------------------------------
    def _vertices(self, f: GeoFeature, name: str) -> list[int]:
        kind = f.properties.get("place_kind", "")
        return [self._place(f"{name} · {k}", kind, pt.lat, pt.lon, "")
                for k, pt in enumerate(f.points, 1)]

    def _place(self, name: str, kind: str, lat: float, lon: float, country: str) -> int:
        kind = kind if kind in vocab.PLACE_KINDS else "other"
        key = (name, kind, round(lat, 7), round(lon, 7))
        pid = self._places.get(key)
        if pid is None:
            code = country.strip().upper()
            cur = self.con.execute(
                "INSERT INTO place(name, kind, lat, lon, precision, country_code) "
                "VALUES (?, ?, ?, ?, 'exact', ?)",
                (name, kind, lat, lon, code if len(code) == 2 and code.isalpha() else None))
            pid = self._places[key] = int(cur.lastrowid or 0)
            self.out.places += 1
        return pid

    def _event(self, ts: int, kind: str, title: str, message: str, f: GeoFeature, *,
               place: int | None = None, shipment: int | None = None, end: int | None = None,
               actor: int | None = None, raw: str = "") -> None:
        record = f"line {f.line}" + (f" part {f.part}" if f.part else "")
        precision = "second" if ts % 1_000_000 == 0 else "microsecond"
        self.con.execute(
            "INSERT INTO event(id, ts, precision, end_ts, ts_raw, ts_zone, kind, title, "
            "message, actor_id, place_id, shipment_id, exhibit_id, source_record) "
            "VALUES (?, ?, ?, ?, ?, 'UTC', ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.next_event, ts, precision, end, raw or None, kind, title[:200],
             message or None, actor, place, shipment, self.exhibit, record))
        kept = [(k, v) for k, v in f.properties.items() if v != ""]
        if kept:
            self._attributes([self.next_event] * len(kept), [k for k, _v in kept],
                             [v for _k, v in kept])
        self.next_event += 1
        self.out.events += 1


def _role(f: GeoFeature) -> str:
    for key in KIND_KEYS:
        value = f.properties.get(key, "").strip().lower()
        if value in ROUND_KINDS:
            return "round"
        if value in ("place", "shipment"):
            return value
    return ""


def _default_name(f: GeoFeature) -> str:
    return f"feature at line {f.line}" + (f", part {f.part}" if f.part else "")
