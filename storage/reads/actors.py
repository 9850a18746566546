"""What the seller cards read: every actor with their identifiers and relations, as columns.

The gallery needs all actors at once (84,000 at 10⁷ events): one pass over ``actor``, one
over ``identifier`` joined to ``attribution``, one over ``relation``, kept as numpy columns
and interned strings (justifications repeat a handful of phrases) so that a case of 10⁵
actors costs megabytes, not hundreds of them. Event figures (counts, weeks, last seen) come
from the event columns already in memory. What needs a scan of the events (places, turnover,
identifiers seen on several actors' events) is read once per case in the background
(:func:`read_actor_aggregates`); until then a card reads its own with a few indexed queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.case.text_values import clip_sql, clipped, long_values

if TYPE_CHECKING:
    from collections.abc import Callable

NAME_CHARS = 1_000
"""Characters of a name or identifier the gallery keeps (a card shows a few dozen)."""
PLACES_PER_ACTOR = 12
"""Places a card lists (most events first); the aggregate keeps no more per actor."""
_CHUNK = 100_000
_PAGE = 10_000
_NONE = -1


class _Strings:
    """Interns repeated strings (roles, kinds, phrases): one object per distinct value."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        return self._seen.setdefault(text, text)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes of binary data>"
    return value if isinstance(value, str) else str(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else float("nan")


def _ids(values: list[int | None]) -> np.ndarray:
    return np.asarray([_NONE if v is None else v for v in values], dtype=np.int64)


def _rows(index: np.ndarray, order: np.ndarray, key: int) -> np.ndarray:
    """Positions (in ``order``'s sense) whose ``index`` equals ``key``, ascending."""
    lo = int(np.searchsorted(index, key, side="left"))
    hi = int(np.searchsorted(index, key, side="right"))
    return np.sort(order[lo:hi])


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


@dataclass(frozen=True, eq=False)
class ActorDirectory:
    """Every actor and every attributed identifier of the case (plain data, any thread).

    Actors are in id order; ``link_*`` columns are the attributions in their table's order.
    """

    ids: np.ndarray  # int64, ascending
    names: list[str]
    roles: list[str]
    link_actor: np.ndarray
    link_identifier: np.ndarray
    link_platform: np.ndarray  # -1: none
    link_third_party: np.ndarray  # bool
    link_confidence: np.ndarray  # NaN: not stated
    link_exhibit: np.ndarray  # -1: none
    link_kind: list[str]
    link_value: list[str]
    link_attribution: list[str]
    link_justification: list[str]  # "": none
    link_exhibit_label: list[str]
    platforms: dict[int, tuple[str, str]]  # id -> (name, kind)
    _by_actor: np.ndarray = field(init=False, repr=False)
    _actor_sorted: np.ndarray = field(init=False, repr=False)
    _by_identifier: np.ndarray = field(init=False, repr=False)
    _identifier_sorted: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_actor = np.argsort(self.link_actor, kind="stable")
        by_ident = np.argsort(self.link_identifier, kind="stable")
        object.__setattr__(self, "_by_actor", by_actor)
        object.__setattr__(self, "_actor_sorted", self.link_actor[by_actor])
        object.__setattr__(self, "_by_identifier", by_ident)
        object.__setattr__(self, "_identifier_sorted", self.link_identifier[by_ident])

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, actor_id: int) -> int | None:
        """Position of ``actor_id`` in :attr:`ids`, or None."""
        i = int(np.searchsorted(self.ids, actor_id))
        return i if i < len(self.ids) and int(self.ids[i]) == actor_id else None

    def name_of(self, actor_id: int) -> str:
        """The actor's display name, or ``#id`` when the case has no such actor."""
        i = self.index(actor_id)
        return self.names[i] if i is not None else f"#{actor_id}"

    def role_of(self, actor_id: int) -> str:
        i = self.index(actor_id)
        return self.roles[i] if i is not None else ""

    def link(self, row: int) -> IdentifierLink:
        """Attribution ``row`` as one record."""
        platform, exhibit = int(self.link_platform[row]), int(self.link_exhibit[row])
        conf = float(self.link_confidence[row])
        return IdentifierLink(
            identifier_id=int(self.link_identifier[row]), kind=self.link_kind[row],
            value=self.link_value[row], platform_id=None if platform < 0 else platform,
            third_party=bool(self.link_third_party[row]),
            attribution=self.link_attribution[row],
            confidence=None if np.isnan(conf) else conf,
            justification=self.link_justification[row] or None,
            exhibit_id=None if exhibit < 0 else exhibit,
            exhibit_label=self.link_exhibit_label[row] or None,
            actor_id=int(self.link_actor[row]))

    def link_rows(self, actor_id: int) -> np.ndarray:
        """Attribution rows of ``actor_id``, in table order."""
        return _rows(self._actor_sorted, self._by_actor, actor_id)

    def links_of(self, actor_id: int) -> list[IdentifierLink]:
        """The identifiers attributed to ``actor_id``, by kind then value."""
        return sorted((self.link(r) for r in self.link_rows(actor_id).tolist()),
                      key=lambda x: (x.kind, x.value))

    def holders(self, identifier_id: int) -> list[int]:
        """Actors the identifier is attributed to, in attribution order."""
        rows = _rows(self._identifier_sorted, self._by_identifier, identifier_id)
        return list(dict.fromkeys(self.link_actor[rows].tolist()))

    def value_of(self, identifier_id: int) -> str | None:
        rows = _rows(self._identifier_sorted, self._by_identifier, identifier_id)
        return self.link_value[int(rows[0])] if len(rows) else None


def read_directory(con: Any) -> ActorDirectory:
    """All actors and attributed identifiers (three reads; ~0.5 s at 84,000 actors)."""
    cur = con.cursor()
    strings = _Strings()
    with long_values(con):
        cur.execute(f"SELECT id, {clip_sql('display_name', NAME_CHARS)}, "
                    f"{clip_sql('role', 100)} FROM actor WHERE typeof(id) = 'integer' "
                    "ORDER BY id")
        rows = cur.fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        names = [_text(clipped(n, n_len, NAME_CHARS)) for _i, n, n_len, _r, _l in rows]
        roles = [strings(_text(clipped(r, r_len, 100))) for _i, _n, _nl, r, r_len in rows]
        del rows
        cur.execute(
            f"SELECT i.id, {clip_sql('i.kind', 100)}, {clip_sql('i.value', NAME_CHARS)}, "
            f"i.platform_id, i.third_party, {clip_sql('a.kind', 100)}, a.confidence, "
            f"{clip_sql('a.justification', NAME_CHARS)}, a.exhibit_id, "
            f"{clip_sql('x.label', NAME_CHARS)}, a.actor_id "
            "FROM attribution a JOIN identifier i ON i.id = a.identifier_id "
            "LEFT JOIN exhibit x ON x.id = a.exhibit_id "
            "WHERE typeof(i.id) = 'integer' AND typeof(a.actor_id) = 'integer' ORDER BY a.id")
        # in pages: 84,000 rows of 16 values at once left tens of MB of heap behind
        columns: list[list[Any]] = [[] for _ in range(11)]
        while links := cur.fetchmany(_PAGE):
            for (iid, kind, k_len, value, v_len, platform, third, akind, a_len, conf, just,
                 j_len, exhibit, label, l_len, actor) in links:
                for column, item in zip(columns, (
                        iid, strings(_text(clipped(kind, k_len, 100))),
                        _text(clipped(value, v_len, NAME_CHARS)), _int(platform),
                        bool(third) if isinstance(third, int) else False,
                        strings(_text(clipped(akind, a_len, 100)) or "uses"), _float(conf),
                        strings(_text(clipped(just, j_len, NAME_CHARS))), _int(exhibit),
                        strings(_text(clipped(label, l_len, NAME_CHARS))), actor), strict=True):
                    column.append(item)
        cur.execute(f"SELECT id, {clip_sql('name', NAME_CHARS)}, {clip_sql('kind', 100)} "
                    "FROM platform")
        platforms = {i: (_text(clipped(n, n_len, NAME_CHARS)), _text(clipped(k, k_len, 100)))
                     for i, n, n_len, k, k_len in cur.fetchall() if _int(i) is not None}
    (iid, kind, value, platform, third, akind, conf, just, exhibit, label, actor) = columns
    return ActorDirectory(
        ids=ids, names=names, roles=roles, link_actor=np.asarray(actor, dtype=np.int64),
        link_identifier=np.asarray(iid, dtype=np.int64), link_platform=_ids(platform),
        link_third_party=np.asarray(third, dtype=bool),
        link_confidence=np.asarray(conf, dtype=np.float64), link_exhibit=_ids(exhibit),
        link_kind=kind, link_value=value, link_attribution=akind, link_justification=just,
        link_exhibit_label=label, platforms=platforms)


@dataclass(frozen=True, slots=True)
class Relation:
    """An actor's relation to another, seen from the first."""

    other_id: int
    other_name: str
    kind: str
    outgoing: bool  # True: "this actor <kind> other"; False: "other <kind> this actor"
    confidence: float | None
    justification: str | None


@dataclass(frozen=True, eq=False)
class RelationTable:
    """Every relation of the case as columns, in id order, findable by either end."""

    from_ids: np.ndarray
    to_ids: np.ndarray
    kinds: list[str]
    confidence: np.ndarray  # NaN: not stated
    justification: list[str]  # "": none
    _ends: np.ndarray = field(init=False, repr=False)  # both ends, sorted
    _rows: np.ndarray = field(init=False, repr=False)  # the relation row of each end

    def __post_init__(self) -> None:
        ends = np.concatenate([self.from_ids, self.to_ids])
        rows = np.concatenate([np.arange(len(self.from_ids))] * 2)
        order = np.argsort(ends, kind="stable")
        object.__setattr__(self, "_ends", ends[order])
        object.__setattr__(self, "_rows", rows[order])

    def __len__(self) -> int:
        return len(self.from_ids)

    def rows_of(self, actor_id: int) -> np.ndarray:
        """Relation rows with ``actor_id`` at either end, in id order (each once)."""
        return np.unique(_rows(self._ends, self._rows, actor_id))

    def of(self, actor_id: int, name_of: Callable[[int], str],
           limit: int | None = None) -> tuple[list[Relation], int]:
        """The first ``limit`` relations of ``actor_id`` as seen from them, and how many."""
        rows = self.rows_of(actor_id)
        out = []
        for r in rows[:limit].tolist():
            frm, to = int(self.from_ids[r]), int(self.to_ids[r])
            outgoing = frm == actor_id
            other = to if outgoing else frm
            conf = float(self.confidence[r])
            out.append(Relation(other, name_of(other), self.kinds[r], outgoing,
                                None if np.isnan(conf) else conf,
                                self.justification[r] or None))
        return out, len(rows)


def read_relations(con: Any) -> RelationTable:
    """Every relation of the case (one read; 84,000 rows at 10⁷ events)."""
    cur = con.cursor()
    strings = _Strings()
    with long_values(con):
        cur.execute(f"SELECT from_actor_id, to_actor_id, {clip_sql('kind', 100)}, confidence, "
                    f"{clip_sql('justification', NAME_CHARS)} FROM relation "
                    "WHERE typeof(from_actor_id) = 'integer' AND "
                    "typeof(to_actor_id) = 'integer' ORDER BY id")
        rows = cur.fetchall()
    return RelationTable(
        from_ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
        to_ids=np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
        kinds=[strings(_text(clipped(k, k_len, 100))) for _a, _b, k, k_len, _c, _j, _l in rows],
        confidence=np.fromiter((_float(r[4]) for r in rows), dtype=np.float64,
                               count=len(rows)),
        justification=[strings(_text(clipped(j, j_len, NAME_CHARS)))
                       for _a, _b, _k, _kl, _c, j, j_len in rows])


@dataclass(frozen=True, eq=False)
class ActorAggregates:
    """Per-actor figures that need a scan of the events, read once per case.

    ``place_*`` hold each actor's most frequent places (at most :data:`PLACES_PER_ACTOR`),
    grouped by actor, most events first; ``pay_*`` the turnover per actor and currency;
    ``ship_*`` shipments sent and received; ``shared_on_events`` the identifiers found on
    events of several actors, with those actors.
    """

    shared_on_events: dict[int, tuple[int, ...]]
    place_actor: np.ndarray
    place_id: np.ndarray
    place_events: np.ndarray
    pay_actor: np.ndarray
    pay_currency: np.ndarray  # index into currencies
    pay_total: np.ndarray
    pay_count: np.ndarray
    currencies: tuple[str, ...]
    ship_actor: np.ndarray  # ascending
    ship_sent: np.ndarray
    ship_received: np.ndarray

    def places_of(self, actor_id: int) -> list[tuple[int, int]]:
        """(place id, events there) of the actor, most first."""
        lo = int(np.searchsorted(self.place_actor, actor_id, side="left"))
        hi = int(np.searchsorted(self.place_actor, actor_id, side="right"))
        return list(zip(self.place_id[lo:hi].tolist(), self.place_events[lo:hi].tolist(),
                        strict=True))

    def turnover_of(self, actor_id: int) -> tuple[tuple[str, float, int], ...]:
        """(currency, total, payments) of the actor, largest total first."""
        lo = int(np.searchsorted(self.pay_actor, actor_id, side="left"))
        hi = int(np.searchsorted(self.pay_actor, actor_id, side="right"))
        rows = sorted(range(lo, hi), key=lambda r: -float(self.pay_total[r]))
        return tuple((self.currencies[int(self.pay_currency[r])], float(self.pay_total[r]),
                      int(self.pay_count[r])) for r in rows)

    def shipments_of(self, actor_id: int) -> tuple[int, int]:
        """(sent, received) shipments of the actor."""
        i = int(np.searchsorted(self.ship_actor, actor_id))
        if i < len(self.ship_actor) and int(self.ship_actor[i]) == actor_id:
            return int(self.ship_sent[i]), int(self.ship_received[i])
        return 0, 0


def _scan_pairs(con: Any, cancelled: Callable[[], bool] | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(actor, identifier, place) of every event with an actor and either of the two.

    One sequential scan (``NOT INDEXED``: the actor index would turn it into random reads,
    4 s instead of 28 s at 10⁷ events); values that are not integers read as -1.
    """
    cur = con.cursor()
    cur.execute("SELECT actor_id, "
                "CASE WHEN typeof(identifier_id) = 'integer' THEN identifier_id ELSE -1 END, "
                "CASE WHEN typeof(place_id) = 'integer' THEN place_id ELSE -1 END "
                "FROM event NOT INDEXED WHERE typeof(actor_id) = 'integer' AND "
                "(identifier_id IS NOT NULL OR place_id IS NOT NULL)")
    parts = []
    while rows := cur.fetchmany(_CHUNK):
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")
        parts.append(np.asarray(rows, dtype=np.int64).reshape(-1, 3))
    table = np.concatenate(parts) if parts else np.empty((0, 3), dtype=np.int64)
    return table[:, 0], table[:, 1], table[:, 2]


def _top_places(actor: np.ndarray, place: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = place >= 0
    actor, place = actor[keep], place[keep]
    if not len(actor):
        none = np.empty(0, dtype=np.int64)
        return none, none, none
    pairs = np.unique(np.stack([actor, place], axis=1), axis=0, return_counts=True)
    (a, p), n = pairs[0].T, pairs[1]
    order = np.lexsort((p, -n, a))  # per actor: most events first, then place id
    a, p, n = a[order], p[order], n[order]
    start = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    rank = np.arange(len(a)) - np.repeat(start, np.diff(np.r_[start, len(a)]))
    top = rank < PLACES_PER_ACTOR
    # int32: a top-12 per actor is 10⁶ rows at 10⁷ events (ids beyond 2³¹ keep int64)
    small = len(a) == 0 or max(int(a.max()), int(p.max())) < 2**31
    kind = np.int32 if small else np.int64
    return a[top].astype(kind), p[top].astype(kind), n[top].astype(np.int32)


def _shared(actor: np.ndarray, ident: np.ndarray) -> dict[int, tuple[int, ...]]:
    keep = ident >= 0
    if not keep.any():
        return {}
    pairs = np.unique(np.stack([ident[keep], actor[keep]], axis=1), axis=0)
    idents = pairs[:, 0]
    start = np.flatnonzero(np.r_[True, idents[1:] != idents[:-1]])
    sizes = np.diff(np.r_[start, len(idents)])
    out = {}
    for s, size in zip(start[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        out[int(idents[s])] = tuple(pairs[s : s + size, 1].tolist())
    return out


def read_actor_aggregates(con: Any, cancelled: Callable[[], bool] | None = None
                          ) -> ActorAggregates:
    """Places, turnover, shipments and identifiers shared on events, for every actor.

    Three scans (~8 s at 10⁷ events, on the background thread after the gallery is shown).
    """
    actor, ident, place = _scan_pairs(con, cancelled)
    shared = _shared(actor, ident)
    place_actor, place_id, place_events = _top_places(actor, place)
    del actor, ident, place
    cur = con.cursor()
    cur.execute("SELECT actor_id, coalesce(currency, ''), sum(amount), count(*) "
                "FROM event NOT INDEXED WHERE kind = 'payment' AND typeof(actor_id) = "
                "'integer' AND typeof(amount) IN ('integer', 'real') GROUP BY 1, 2 ORDER BY 1")
    pays = cur.fetchall()
    currencies = tuple(sorted({_text(c) for _a, c, _t, _n in pays}))
    code = {c: i for i, c in enumerate(currencies)}
    counts = read_shipment_counts(con)
    ship_actor = np.asarray(sorted(counts), dtype=np.int64)
    return ActorAggregates(
        shared_on_events=shared, place_actor=place_actor, place_id=place_id,
        place_events=place_events,
        pay_actor=np.asarray([a for a, _c, _t, _n in pays], dtype=np.int64),  # sorted
        pay_currency=np.asarray([code[_text(c)] for _a, c, _t, _n in pays], dtype=np.int32),
        pay_total=np.asarray([float(t) for _a, _c, t, _n in pays], dtype=np.float64),
        pay_count=np.asarray([int(n) for _a, _c, _t, n in pays], dtype=np.int64),
        currencies=currencies, ship_actor=ship_actor,
        ship_sent=np.asarray([counts[a][0] for a in ship_actor.tolist()], dtype=np.int64),
        ship_received=np.asarray([counts[a][1] for a in ship_actor.tolist()],
                                 dtype=np.int64))


@dataclass(frozen=True, slots=True)
class ActorDetail:
    """What the full card reads for one actor beyond the directory and relations."""

    actor_id: int
    notes: str | None
    shipments_sent: int
    shipments_received: int
    turnover: tuple[tuple[str, float, int], ...]  # (currency, total, payments)
    places: tuple[tuple[int, str, int], ...]  # (place id, name, events there), most first


def read_actor_detail(con: Any, actor_id: int,
                      aggregates: ActorAggregates | None = None) -> ActorDetail | None:
    """One actor's notes, shipments, turnover and places; None if the case has no such actor.

    With the case's ``aggregates`` it is two primary-key reads (notes, place names);
    without (the first seconds after opening) the actor's own rows are read: indexed, but a
    seller with 10⁵ events takes half a second.
    """
    cur = con.cursor()
    ident = int(actor_id)
    with long_values(con):
        cur.execute(f"SELECT {clip_sql('notes')} FROM actor WHERE id = ?", (ident,))
        row = cur.fetchone()
        if row is None:
            return None
        notes = _text(clipped(row[0], row[1])) or None
        if aggregates is not None:
            sent, received = aggregates.shipments_of(ident)
            turnover = aggregates.turnover_of(ident)
            counted = aggregates.places_of(ident)
        else:
            cur.execute("SELECT count(*) FROM shipment WHERE sender_actor_id = ?", (ident,))
            sent = int(cur.fetchone()[0])
            cur.execute("SELECT count(*) FROM shipment WHERE recipient_actor_id = ?", (ident,))
            received = int(cur.fetchone()[0])
            cur.execute("SELECT coalesce(currency, ''), sum(amount), count(*) FROM event "
                        "WHERE actor_id = ? AND kind = 'payment' AND typeof(amount) IN "
                        "('integer', 'real') GROUP BY 1 ORDER BY 2 DESC", (ident,))
            turnover = tuple((_text(c), float(t), int(n)) for c, t, n in cur.fetchall())
            cur.execute("SELECT place_id, count(*) FROM event WHERE actor_id = ? AND "
                        "typeof(place_id) = 'integer' GROUP BY place_id "
                        f"ORDER BY 2 DESC, place_id LIMIT {PLACES_PER_ACTOR}", (ident,))
            counted = [(int(p), int(n)) for p, n in cur.fetchall()]
        names = read_place_names(con, [p for p, _n in counted])
    places = tuple((pid, names.get(pid) or f"#{pid}", n) for pid, n in counted)
    return ActorDetail(ident, notes, sent, received, turnover, places)


def read_place_names(con: Any, place_ids: list[int]) -> dict[int, str]:
    """Names of a few places (primary-key reads)."""
    if not place_ids:
        return {}
    cur = con.cursor()
    marks = ",".join("?" * len(place_ids))
    cur.execute(f"SELECT id, {clip_sql('name', NAME_CHARS)} FROM place WHERE id IN ({marks})",
                [int(p) for p in place_ids])
    return {i: _text(clipped(n, n_len, NAME_CHARS)) for i, n, n_len in cur.fetchall()
            if _int(i) is not None}


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
