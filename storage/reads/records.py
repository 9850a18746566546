"""One record of any kind with its own fields and the records it links to (the inspector's).

An event has :func:`storage.reads.event_queries.read_event_detail`; this module reads the others:
a shipment with its legs and the actors behind the names written on it, a place, an
identifier with who is said to use it and why, an exhibit with how many records cite it, a
platform, an actor. Each is a handful of primary-key or indexed lookups, except the exhibit's
citation count, which scans the event table once (a worker runs it, never the UI thread).

Values come back as stored; free text is clipped (:mod:`storage.case.text_values`) so that a
70 MB note cannot fail its row, and blobs become a short marker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.case.text_values import SHOWN_CHARS, clip_sql, clipped, long_values

#: Tables whose rows may cite an exhibit, and how the citation count is phrased.
CITING_TABLES = ("event", "actor", "identifier", "attribution", "shipment", "shipment_leg",
                 "relation")


@dataclass(frozen=True, slots=True)
class Record:
    """One row of ``table``: ``values`` in column order, plus related rows by name."""

    table: str
    id: int
    values: dict[str, object]
    related: dict[str, tuple[dict[str, object], ...]]


def _clean(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes of binary data>"
    return value


def _rows(cur: Any, sql: str, params: tuple[object, ...],
          columns: tuple[str, ...]) -> list[dict[str, object]]:
    """Run ``sql`` whose select list is ``{cols}``; text columns (:data:`_TEXT`) come clipped.

    A column is ``expr`` or ``expr AS name``; its key in the rows is the name, or the
    expression's last dotted part.
    """
    plan = []
    for column in columns:
        expr, _, alias = column.partition(" AS ")
        last = expr.split(".")[-1]
        limit = SHOWN_CHARS if last in _FREE_TEXT else _NAME_CHARS
        plan.append((expr, alias or last, limit if last in _TEXT else 0))
    parts = [clip_sql(expr, limit) if limit else expr for expr, _, limit in plan]
    with long_values(cur.connection):
        cur.execute(sql.format(cols=", ".join(parts)), params)
        fetched = cur.fetchall()
    out = []
    for raw in fetched:
        row: dict[str, object] = {}
        i = 0
        for _, name, limit in plan:
            if limit:
                row[name] = _clean(clipped(raw[i], raw[i + 1], limit))
                i += 2
            else:
                row[name] = _clean(raw[i])
                i += 1
        out.append(row)
    return out


_NAME_CHARS = 10_000
"""Names, values and labels are kept to this many characters; free text to SHOWN_CHARS."""
_FREE_TEXT = frozenset({"description", "notes", "justification", "declared_content",
                        "real_content", "path"})
_TEXT = frozenset({
    "label", "kind", "description", "acquired_by", "sha256", "path", "notes", "name",
    "display_name", "role", "value", "justification", "carrier", "tracking_number",
    "sender_name", "recipient_name", "declared_content", "real_content", "status",
    "precision", "country_code",
})


def _one(cur: Any, table: str, ident: int, columns: tuple[str, ...]) -> dict[str, object] | None:
    rows = _rows(cur, f"SELECT {{cols}} FROM {table} WHERE id = ?", (int(ident),), columns)
    return rows[0] if rows else None


def _exhibit_of(cur: Any, exhibit_id: object) -> tuple[dict[str, object], ...]:
    if not isinstance(exhibit_id, int):
        return ()
    row = _one(cur, "exhibit", exhibit_id, ("id", "label", "kind", "sha256"))
    return (row,) if row else ({"id": exhibit_id, "label": None, "kind": None,
                                "sha256": None},)


def _name_of(cur: Any, table: str, ident: object) -> object:
    """The display name of an actor/place/platform, or None when it is not in the case."""
    if not isinstance(ident, int):
        return None
    column = {"actor": "display_name", "place": "name", "platform": "name"}[table]
    row = _one(cur, table, ident, (column,))
    return None if row is None else row[column]


def read_shipment(cur: Any, ident: int) -> Record | None:
    """A shipment, its legs with their places, and the actors behind sender and recipient."""
    row = _one(cur, "shipment", ident, (
        "id", "carrier", "tracking_number", "sender_actor_id", "recipient_actor_id",
        "sender_name", "recipient_name", "weight_g", "declared_content", "real_content",
        "status", "exhibit_id"))
    if row is None:
        return None
    row["sender_actor"] = _name_of(cur, "actor", row["sender_actor_id"])
    row["recipient_actor"] = _name_of(cur, "actor", row["recipient_actor_id"])
    legs = _rows(cur, "SELECT {cols} FROM shipment_leg l LEFT JOIN place f ON f.id = "
                 "l.from_place_id LEFT JOIN place t ON t.id = l.to_place_id WHERE "
                 "l.shipment_id = ? ORDER BY l.seq, l.id", (int(ident),),
                 ("l.seq", "l.from_place_id", "f.name AS from_place", "l.to_place_id",
                  "t.name AS to_place", "l.departed_ts", "l.arrived_ts", "l.exhibit_id"))
    cur.execute("SELECT count(*) FROM event WHERE shipment_id = ?", (int(ident),))
    row["event_count"] = int(cur.fetchone()[0])
    return Record("shipment", int(ident), row, {"legs": tuple(legs),
                                                "exhibit": _exhibit_of(cur, row["exhibit_id"])})


def read_place(cur: Any, ident: int) -> Record | None:
    """A place: name, kind, position and its precision, country, third-party flag."""
    row = _one(cur, "place", ident, ("id", "name", "kind", "lat", "lon", "precision",
                                     "country_code", "third_party"))
    if row is None:
        return None
    cur.execute("SELECT count(*) FROM shipment_leg WHERE from_place_id = ? OR to_place_id = ?",
                (int(ident), int(ident)))
    row["leg_count"] = int(cur.fetchone()[0])
    return Record("place", int(ident), row, {})


def read_identifier(cur: Any, ident: int) -> Record | None:
    """An identifier, its platform, and every attribution with confidence and proof."""
    row = _one(cur, "identifier", ident, ("id", "kind", "value", "platform_id", "third_party",
                                          "exhibit_id", "notes"))
    if row is None:
        return None
    row["platform"] = _name_of(cur, "platform", row["platform_id"])
    attributions = _rows(
        cur, "SELECT {cols} FROM attribution a LEFT JOIN actor p ON p.id = a.actor_id "
        "LEFT JOIN exhibit x ON x.id = a.exhibit_id WHERE a.identifier_id = ? ORDER BY a.id",
        (int(ident),),
        ("a.actor_id", "p.display_name", "a.kind", "a.confidence", "a.justification",
         "a.exhibit_id", "x.label"))
    return Record("identifier", int(ident), row, {
        "attributions": tuple(attributions), "exhibit": _exhibit_of(cur, row["exhibit_id"])})


def read_exhibit(cur: Any, ident: int) -> Record | None:
    """An exhibit and how many records of each table cite it (one scan of the events)."""
    row = _one(cur, "exhibit", ident, ("id", "label", "kind", "description", "acquired_at",
                                       "acquired_by", "sha256", "path", "notes"))
    if row is None:
        return None
    citations: dict[str, object] = {}
    for table in CITING_TABLES:  # names from our own constant
        cur.execute(f"SELECT count(*) FROM {table} WHERE exhibit_id = ?", (int(ident),))
        citations[table] = int(cur.fetchone()[0])
    return Record("exhibit", int(ident), row, {"citations": (citations,)})


def read_platform(cur: Any, ident: int) -> Record | None:
    """A platform and how many identifiers live on it."""
    row = _one(cur, "platform", ident, ("id", "name", "kind"))
    if row is None:
        return None
    cur.execute("SELECT count(*) FROM identifier WHERE platform_id = ?", (int(ident),))
    row["identifier_count"] = int(cur.fetchone()[0])
    return Record("platform", int(ident), row, {})


def read_actor(cur: Any, ident: int) -> Record | None:
    """An actor, the identifiers attributed to them, and their relations both ways."""
    row = _one(cur, "actor", ident, ("id", "display_name", "role", "notes", "exhibit_id"))
    if row is None:
        return None
    identifiers = _rows(
        cur, "SELECT {cols} FROM attribution a JOIN identifier i ON i.id = a.identifier_id "
        "WHERE a.actor_id = ? ORDER BY i.kind, i.value", (int(ident),),
        ("a.identifier_id", "i.kind", "i.value", "i.third_party", "a.kind AS attribution",
         "a.confidence"))
    relations = _rows(
        cur, "SELECT {cols} FROM relation r LEFT JOIN actor o ON o.id = CASE WHEN "
        "r.from_actor_id = ? THEN r.to_actor_id ELSE r.from_actor_id END WHERE "
        "r.from_actor_id = ? OR r.to_actor_id = ? ORDER BY r.id", (int(ident),) * 3,
        ("r.from_actor_id", "r.to_actor_id", "o.display_name", "r.kind", "r.confidence",
         "r.justification"))
    return Record("actor", int(ident), row, {"identifiers": tuple(identifiers),
                                             "relations": tuple(relations),
                                             "exhibit": _exhibit_of(cur, row["exhibit_id"])})


READERS = {
    "shipment": read_shipment,
    "place": read_place,
    "identifier": read_identifier,
    "exhibit": read_exhibit,
    "platform": read_platform,
    "actor": read_actor,
}


def read_record(con: Any, kind: str, ident: int) -> Record | None:
    """The record ``kind:ident`` (any kind but ``event``), or None if the case has none."""
    reader = READERS.get(kind)
    return None if reader is None else reader(con.cursor(), int(ident))
