"""What the seller cards read: every actor with their identifiers, and one actor in full.

The gallery needs all actors at once (20,000 at most in the cases we know): one pass over
``actor``, one over ``identifier`` joined to ``attribution``. Event figures (counts, weeks,
last seen) come from the event columns already in memory, never from a scan per card. The
full card adds a few indexed reads for one actor: relations, shipments they sent or
received, turnover per currency (``ix_event_actor_ts``), places of their events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.case.text_values import clip_sql, clipped, long_values

NAME_CHARS = 1_000
"""Characters of a name or identifier the gallery keeps (a card shows a few dozen)."""


@dataclass(frozen=True, slots=True)
class IdentifierLink:
    """One identifier attributed to one actor, with why we think so."""

    identifier_id: int
    kind: str
    value: str
    platform_id: int | None
    third_party: bool
    attribution: str
    confidence: float | None
    justification: str | None
    exhibit_id: int | None
    exhibit_label: str | None
    actor_id: int


@dataclass(frozen=True, slots=True)
class ActorRow:
    """One actor as the gallery lists them."""

    id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class ActorDirectory:
    """Every actor and every attributed identifier of the case (plain data, any thread)."""

    actors: tuple[ActorRow, ...]
    links: tuple[IdentifierLink, ...]
    platforms: dict[int, tuple[str, str]]  # id -> (name, kind)

    def links_of(self, actor_id: int) -> list[IdentifierLink]:
        """The identifiers attributed to ``actor_id``, by kind then value."""
        return sorted((x for x in self.links if x.actor_id == actor_id),
                      key=lambda x: (x.kind, x.value))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes of binary data>"
    return value if isinstance(value, str) else str(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_directory(con: Any) -> ActorDirectory:
    """All actors and attributed identifiers (two reads; ~30 ms at 8,600 actors)."""
    cur = con.cursor()
    with long_values(con):
        cur.execute(f"SELECT id, {clip_sql('display_name', NAME_CHARS)}, "
                    f"{clip_sql('role', 100)} FROM actor")
        actors = tuple(
            ActorRow(ident, _text(clipped(name, n_len, NAME_CHARS)),
                     _text(clipped(role, r_len, 100)))
            for ident, name, n_len, role, r_len in cur.fetchall() if _int(ident) is not None)
        cur.execute(
            f"SELECT i.id, {clip_sql('i.kind', 100)}, {clip_sql('i.value', NAME_CHARS)}, "
            f"i.platform_id, i.third_party, {clip_sql('a.kind', 100)}, a.confidence, "
            f"{clip_sql('a.justification', NAME_CHARS)}, a.exhibit_id, "
            f"{clip_sql('x.label', NAME_CHARS)}, a.actor_id "
            "FROM attribution a JOIN identifier i ON i.id = a.identifier_id "
            "LEFT JOIN exhibit x ON x.id = a.exhibit_id ORDER BY a.id")
        rows = cur.fetchall()
        cur.execute(f"SELECT id, {clip_sql('name', NAME_CHARS)}, {clip_sql('kind', 100)} "
                    "FROM platform")
        platforms = {i: (_text(clipped(n, n_len, NAME_CHARS)), _text(clipped(k, k_len, 100)))
                     for i, n, n_len, k, k_len in cur.fetchall() if _int(i) is not None}
    links = []
    for (iid, kind, k_len, value, v_len, platform, third, akind, a_len, conf, just, j_len,
         exhibit, label, l_len, actor) in rows:
        if _int(iid) is None or _int(actor) is None:
            continue
        links.append(IdentifierLink(
            identifier_id=iid, kind=_text(clipped(kind, k_len, 100)),
            value=_text(clipped(value, v_len, NAME_CHARS)), platform_id=_int(platform),
            third_party=bool(third) if isinstance(third, int) else False,
            attribution=_text(clipped(akind, a_len, 100)) or "uses",
            confidence=float(conf) if isinstance(conf, int | float) else None,
            justification=_text(clipped(just, j_len, NAME_CHARS)) or None,
            exhibit_id=_int(exhibit),
            exhibit_label=_text(clipped(label, l_len, NAME_CHARS)) or None, actor_id=actor))
    return ActorDirectory(actors, tuple(links), platforms)


@dataclass(frozen=True, slots=True)
class Relation:
    """An actor's relation to another, seen from the first."""

    other_id: int
    other_name: str
    kind: str
    outgoing: bool  # True: "this actor <kind> other"; False: "other <kind> this actor"
    confidence: float | None
    justification: str | None


@dataclass(frozen=True, slots=True)
class ActorDetail:
    """What the full card adds for one actor: a few indexed reads."""

    actor_id: int
    notes: str | None
    relations: tuple[Relation, ...]
    shipments_sent: int
    shipments_received: int
    turnover: tuple[tuple[str, float, int], ...]  # (currency, total, payments)
    places: tuple[tuple[int, str, int], ...]  # (place id, name, events there), most first


def read_actor_detail(con: Any, actor_id: int,
                      shipments: tuple[int, int] | None = None) -> ActorDetail | None:
    """One actor's relations, shipments, turnover and places; None if the case has none.

    ``shipments``: the actor's (sent, received) counts when already known from
    :func:`read_shipment_counts`; else two scans of ``shipment`` (no index on the actor
    columns: ~60 ms at 10⁷ events).
    """
    cur = con.cursor()
    ident = int(actor_id)
    with long_values(con):
        cur.execute(f"SELECT {clip_sql('notes')} FROM actor WHERE id = ?", (ident,))
        row = cur.fetchone()
        if row is None:
            return None
        notes = _text(clipped(row[0], row[1])) or None
        cur.execute(
            "SELECT r.from_actor_id, r.to_actor_id, "
            f"{clip_sql('o.display_name', NAME_CHARS)}, {clip_sql('r.kind', 100)}, "
            f"r.confidence, {clip_sql('r.justification', NAME_CHARS)} "
            "FROM relation r LEFT JOIN actor o ON o.id = CASE WHEN r.from_actor_id = ? "
            "THEN r.to_actor_id ELSE r.from_actor_id END "
            "WHERE r.from_actor_id = ? OR r.to_actor_id = ? ORDER BY r.id", (ident,) * 3)
        relations = []
        for frm, to, name, n_len, kind, k_len, conf, just, j_len in cur.fetchall():
            outgoing = frm == ident
            other = _int(to if outgoing else frm)
            if other is None:
                continue
            relations.append(Relation(
                other, _text(clipped(name, n_len, NAME_CHARS)) or f"#{other}",
                _text(clipped(kind, k_len, 100)), outgoing,
                float(conf) if isinstance(conf, int | float) else None,
                _text(clipped(just, j_len, NAME_CHARS)) or None))
        if shipments is not None:
            sent, received = shipments
        else:
            cur.execute("SELECT count(*) FROM shipment WHERE sender_actor_id = ?", (ident,))
            sent = int(cur.fetchone()[0])
            cur.execute("SELECT count(*) FROM shipment WHERE recipient_actor_id = ?", (ident,))
            received = int(cur.fetchone()[0])
        cur.execute("SELECT coalesce(currency, ''), sum(amount), count(*) FROM event "
                    "WHERE actor_id = ? AND kind = 'payment' AND typeof(amount) IN "
                    "('integer', 'real') GROUP BY 1 ORDER BY 2 DESC", (ident,))
        turnover = tuple((_text(c), float(t), int(n)) for c, t, n in cur.fetchall())
        cur.execute(f"SELECT e.place_id, {clip_sql('p.name', NAME_CHARS)}, count(*) "
                    "FROM event e LEFT JOIN place p ON p.id = e.place_id "
                    "WHERE e.actor_id = ? AND e.place_id IS NOT NULL "
                    "GROUP BY e.place_id ORDER BY 4 DESC, e.place_id LIMIT 12", (ident,))
        places = tuple((pid, _text(clipped(name, n_len, NAME_CHARS)) or f"#{pid}", int(n))
                       for pid, name, n_len, n in cur.fetchall() if _int(pid) is not None)
    return ActorDetail(ident, notes, tuple(relations), sent, received, turnover, places)


def read_shared_on_events(con: Any) -> dict[int, tuple[int, ...]]:
    """Identifiers found on events of several actors, with those actors (one scan).

    A phone number that one seller's events use and another's too links the two even when
    no attribution says so. The scan reads two integer columns (~0.3 s at 10⁶ events), so
    the cards run it after the gallery is shown.
    """
    cur = con.cursor()
    cur.execute("SELECT identifier_id, group_concat(DISTINCT actor_id) FROM event "
                "WHERE typeof(identifier_id) = 'integer' AND typeof(actor_id) = 'integer' "
                "GROUP BY identifier_id HAVING count(DISTINCT actor_id) > 1")
    out: dict[int, tuple[int, ...]] = {}
    for ident, actors in cur.fetchall():
        try:
            out[int(ident)] = tuple(sorted(int(a) for a in str(actors).split(",")))
        except ValueError:
            continue
    return out


@dataclass(frozen=True, slots=True)
class RelationEdge:
    """One relation between two actors, for the link chart."""

    from_id: int
    to_id: int
    kind: str
    confidence: float | None
    justification: str | None


def read_relations(con: Any) -> tuple[RelationEdge, ...]:
    """Every relation of the case (one read; ~8,600 rows at 10⁶ events)."""
    cur = con.cursor()
    with long_values(con):
        cur.execute(f"SELECT from_actor_id, to_actor_id, {clip_sql('kind', 100)}, confidence, "
                    f"{clip_sql('justification', NAME_CHARS)} FROM relation ORDER BY id")
        rows = cur.fetchall()
    return tuple(
        RelationEdge(a, b, _text(clipped(kind, k_len, 100)),
                     float(conf) if isinstance(conf, int | float) else None,
                     _text(clipped(just, j_len, NAME_CHARS)) or None)
        for a, b, kind, k_len, conf, just, j_len in rows
        if _int(a) is not None and _int(b) is not None)


def read_shipment_sender(con: Any, shipment_id: int) -> int | None:
    """The actor who sent a shipment, or its recipient when no sender is known."""
    cur = con.cursor()
    cur.execute("SELECT sender_actor_id, recipient_actor_id FROM shipment WHERE id = ?",
                (int(shipment_id),))
    row = cur.fetchone()
    if row is None:
        return None
    return _int(row[0]) if _int(row[0]) is not None else _int(row[1])


def read_shipment_counts(con: Any) -> dict[int, tuple[int, int]]:
    """Shipments sent and received per actor, for every actor at once (two grouped scans)."""
    cur = con.cursor()
    out: dict[int, list[int]] = {}
    for column, slot in (("sender_actor_id", 0), ("recipient_actor_id", 1)):
        cur.execute(f"SELECT {column}, count(*) FROM shipment WHERE typeof({column}) = "
                    f"'integer' GROUP BY {column}")  # names from this function only
        for actor, n in cur.fetchall():
            out.setdefault(int(actor), [0, 0])[slot] = int(n)
    return {a: (v[0], v[1]) for a, v in out.items()}
