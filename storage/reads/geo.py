"""What the shipment map reads: places, shipments and their legs, courier rounds, as columns.

Read once per case on a worker (at 10⁷ events: ~90,000 places, 490,000 shipments, 1.1
million legs, 128,000 rounds). Places keep their stated precision; a leg keeps its
shipment's status and weight so the map colours and sizes flows without another read.
Integers that are not integers (a damaged case) read as -1 ("none"), coordinates outside
the globe as NaN ("no position"): the map then says what it could not place.

A courier round is a ``courier_round`` event (its actor is the courier, its place the start,
``end_ts`` the end); its stops are the courier's ``delivery`` events between start and end,
read per round through ``ix_event_actor_ts`` (:func:`read_round_stops`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.case.text_values import clip_sql, clipped, long_values

if TYPE_CHECKING:
    from collections.abc import Callable

STATUSES = ("delivered", "in_transit", "sent", "seized", "returned", "lost")
"""Shipment statuses the map colours; anything else is ``other`` (the last code)."""
OTHER_STATUS = len(STATUSES)
NAME_CHARS = 300
_CHUNK = 100_000
_INT = "CASE WHEN typeof({0}) = 'integer' THEN {0} ELSE -1 END"


def _int_sql(column: str) -> str:
    return _INT.format(column)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes of binary data>"
    return value if isinstance(value, str) else str(value)


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else float("nan")


def _chunks(cur: Any, width: int, cancelled: Callable[[], bool] | None,
            dtype: type = np.int64) -> np.ndarray:
    parts = []
    while rows := cur.fetchmany(_CHUNK):
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")
        parts.append(np.asarray(rows, dtype=dtype).reshape(-1, width))
    return np.concatenate(parts) if parts else np.empty((0, width), dtype=dtype)


@dataclass(frozen=True, eq=False)
class MapPlaces:
    """Every place, in id order; ``lon``/``lat`` NaN where the case gives no position."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    precision: list[str]  # "exact", "street", "city", "region", "country", or the case's word
    names: list[str]
    kinds: list[str]
    country: list[str]
    third_party: np.ndarray  # bool: someone else's address (mask in court exports)

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, place_ids: np.ndarray) -> np.ndarray:
        """Positions of ``place_ids`` in :attr:`ids`; -1 for unknown or none."""
        wanted = np.asarray(place_ids, dtype=np.int64)
        if not len(self.ids):
            return np.full(len(wanted), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        return np.where(self.ids[pos] == wanted, pos, -1)


@dataclass(frozen=True, eq=False)
class MapShipments:
    """Every shipment in id order, with its status code (:data:`STATUSES`) and weight."""

    ids: np.ndarray
    status: np.ndarray  # uint8 code
    weight_g: np.ndarray  # float32, NaN: not stated
    sender: np.ndarray  # actor id, -1: none
    recipient: np.ndarray


@dataclass(frozen=True, eq=False)
class MapLegs:
    """Every shipment leg, by shipment then seq: where from and to (place positions)."""

    shipment: np.ndarray  # position in MapShipments
    seq: np.ndarray
    origin: np.ndarray  # position in MapPlaces, -1: unknown
    destination: np.ndarray
    departed: np.ndarray  # µs UTC, -1: not stated
    arrived: np.ndarray

    def __len__(self) -> int:
        return len(self.shipment)


@dataclass(frozen=True, eq=False)
class MapRounds:
    """Courier rounds (``courier_round`` events), by start time."""

    event_id: np.ndarray
    courier: np.ndarray  # actor id, -1: none
    start: np.ndarray  # µs UTC
    end: np.ndarray  # µs UTC (the start when the case gives no end)
    place: np.ndarray  # start place position in MapPlaces, -1: none

    def __len__(self) -> int:
        return len(self.event_id)


@dataclass(frozen=True, eq=False)
class MapData:
    """What the map draws, for the whole case."""

    places: MapPlaces
    shipments: MapShipments
    legs: MapLegs
    rounds: MapRounds
    place_events: np.ndarray  # events at each place (the size of its point)

    @classmethod
    def empty(cls) -> MapData:
        i = np.empty(0, dtype=np.int64)
        f = np.empty(0, dtype=np.float64)
        return cls(MapPlaces(i, f, f, [], [], [], [], np.empty(0, dtype=bool)),
                   MapShipments(i, np.empty(0, dtype=np.uint8), np.empty(0, np.float32), i, i),
                   MapLegs(i, i, i, i, i, i), MapRounds(i, i, i, i, i), i)


def read_places(con: Any) -> MapPlaces:
    """Every place (one read)."""
    cur = con.cursor()
    seen: dict[str, str] = {}
    with long_values(con):
        cur.execute(f"SELECT id, lon, lat, {clip_sql('precision', 40)}, "
                    f"{clip_sql('name', NAME_CHARS)}, {clip_sql('kind', 60)}, "
                    f"{clip_sql('country_code', 10)}, third_party FROM place "
                    "WHERE typeof(id) = 'integer' ORDER BY id")
        rows = cur.fetchall()
    n = len(rows)
    lon = np.fromiter((_float(r[1]) for r in rows), dtype=np.float64, count=n)
    lat = np.fromiter((_float(r[2]) for r in rows), dtype=np.float64, count=n)
    bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))  # NaN compares False: bad too
    lon[bad] = np.nan
    lat[bad] = np.nan

    def word(value: object, length: object, limit: int) -> str:
        text = _text(clipped(value, length, limit))
        return seen.setdefault(text, text)

    return MapPlaces(
        ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=n), lon=lon, lat=lat,
        precision=[word(r[3], r[4], 40) or "exact" for r in rows],
        names=[_text(clipped(r[5], r[6], NAME_CHARS)) for r in rows],
        kinds=[word(r[7], r[8], 60) for r in rows],
        country=[word(r[9], r[10], 10) for r in rows],
        third_party=np.fromiter((r[11] == 1 for r in rows), dtype=bool, count=n))


def read_map_data(con: Any, cancelled: Callable[[], bool] | None = None) -> MapData:
    """Places, shipments, legs, rounds and events per place (a few scans; ~3 s at 10⁷)."""
    places = read_places(con)
    cur = con.cursor()
    cur.execute("SELECT id, coalesce(status, ''), weight_g, "
                f"{_int_sql('sender_actor_id')}, {_int_sql('recipient_actor_id')} "
                "FROM shipment WHERE typeof(id) = 'integer' ORDER BY id")
    code = {s: i for i, s in enumerate(STATUSES)}
    ship_ids, status, weight, sender, recipient = [], [], [], [], []
    while rows := cur.fetchmany(_CHUNK):
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")
        for i, s, w, a, b in rows:
            ship_ids.append(i)
            status.append(code.get(_text(s), OTHER_STATUS))
            weight.append(_float(w))
            sender.append(a)
            recipient.append(b)
    shipments = MapShipments(
        np.asarray(ship_ids, dtype=np.int64), np.asarray(status, dtype=np.uint8),
        np.asarray(weight, dtype=np.float32), np.asarray(sender, dtype=np.int64),
        np.asarray(recipient, dtype=np.int64))
    del ship_ids, status, weight, sender, recipient
    cur.execute(f"SELECT {_int_sql('shipment_id')}, {_int_sql('seq')}, "
                f"{_int_sql('from_place_id')}, {_int_sql('to_place_id')}, "
                f"{_int_sql('departed_ts')}, {_int_sql('arrived_ts')} FROM shipment_leg "
                "ORDER BY shipment_id, seq")
    legs = _chunks(cur, 6, cancelled)
    ship_pos = np.searchsorted(shipments.ids, legs[:, 0]) if len(shipments.ids) else legs[:, 0]
    ship_pos = np.minimum(ship_pos, max(len(shipments.ids) - 1, 0))
    known = (shipments.ids[ship_pos] == legs[:, 0]) if len(shipments.ids) else np.zeros(
        len(legs), dtype=bool)
    legs = legs[known]
    ship_pos = ship_pos[known]
    leg_table = MapLegs(
        shipment=ship_pos.astype(np.int32), seq=legs[:, 1].astype(np.int32),
        origin=places.index(legs[:, 2]).astype(np.int32),
        destination=places.index(legs[:, 3]).astype(np.int32),
        departed=legs[:, 4], arrived=legs[:, 5])
    del legs
    cur.execute(f"SELECT id, {_int_sql('actor_id')}, ts, "
                f"CASE WHEN typeof(end_ts) = 'integer' THEN end_ts ELSE ts END, "
                f"{_int_sql('place_id')} FROM event WHERE kind = 'courier_round' "
                "AND typeof(id) = 'integer' AND typeof(ts) = 'integer' ORDER BY ts, id")
    rounds = _chunks(cur, 5, cancelled)
    round_table = MapRounds(event_id=rounds[:, 0], courier=rounds[:, 1], start=rounds[:, 2],
                            end=np.maximum(rounds[:, 3], rounds[:, 2]),
                            place=places.index(rounds[:, 4]).astype(np.int32))
    cur.execute("SELECT place_id, count(*) FROM event NOT INDEXED "
                "WHERE typeof(place_id) = 'integer' GROUP BY place_id")
    counted = _chunks(cur, 2, cancelled)
    per_place = np.zeros(len(places), dtype=np.int64)
    at = places.index(counted[:, 0])
    per_place[at[at >= 0]] = counted[at >= 0, 1]
    return MapData(places, shipments, leg_table, round_table, per_place)


@dataclass(frozen=True, slots=True)
class RoundStop:
    """One delivery of a round, in order."""

    event_id: int
    ts: int
    place_id: int | None
    title: str


def read_round_stops(con: Any, courier_id: int, start_us: int, end_us: int,
                     limit: int = 500) -> list[RoundStop]:
    """The courier's deliveries from ``start_us`` to ``end_us``, in time order (indexed)."""
    cur = con.cursor()
    with long_values(con):
        cur.execute(f"SELECT id, ts, {_int_sql('place_id')}, {clip_sql('title', NAME_CHARS)} "
                    "FROM event WHERE actor_id = ? AND ts BETWEEN ? AND ? "
                    "AND kind = 'delivery' AND typeof(id) = 'integer' ORDER BY ts, id LIMIT ?",
                    (int(courier_id), int(start_us), int(end_us), int(limit)))
        rows = cur.fetchall()
    return [RoundStop(int(i), int(ts), None if p < 0 else int(p),
                      _text(clipped(title, t_len, NAME_CHARS)))
            for i, ts, p, title, t_len in rows]


def read_event_map_refs(con: Any, event_id: int) -> tuple[str, int | None, int | None] | None:
    """An event's kind, shipment and place (what the map shows of it); None if absent."""
    cur = con.cursor()
    cur.execute(f"SELECT {clip_sql('kind', 60)}, {_int_sql('shipment_id')}, "
                f"{_int_sql('place_id')} FROM event WHERE id = ?", (int(event_id),))
    row = cur.fetchone()
    if row is None:
        return None
    kind, k_len, shipment, place = row
    return (_text(clipped(kind, k_len, 60)), None if shipment < 0 else int(shipment),
            None if place < 0 else int(place))


def read_actor_places(con: Any, actor_id: int, limit: int = 500) -> np.ndarray:
    """Ids of the places of an actor's events, most used first (``ix_event_actor_ts``)."""
    cur = con.cursor()
    cur.execute("SELECT place_id FROM event WHERE actor_id = ? AND typeof(place_id) = "
                "'integer' GROUP BY place_id ORDER BY count(*) DESC, place_id LIMIT ?",
                (int(actor_id), int(limit)))
    return np.fromiter((r[0] for r in cur.fetchall()), dtype=np.int64)
