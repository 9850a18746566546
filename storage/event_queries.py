"""Small, indexed reads around events: one event's details, a page of text, names, search.

These are the queries the linked views make on every click or scroll, so each one is a
primary-key or index lookup (or an FTS5 match) that stays in the millisecond range at ten
million events. Parameters are always bound, never formatted into SQL: a search box and a
hostile case are both untrusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.fts import fts_ids, fts_query, query_words
from storage.text_hits import TextHits

if TYPE_CHECKING:
    from storage.search_terms import SearchTerms

_PAGE_SQL = (
    "SELECT e.id, e.title, e.amount, e.currency, x.label "
    "FROM event e LEFT JOIN exhibit x ON x.id = e.exhibit_id WHERE e.id IN ({marks})"
)
_MAX_IN = 500  # SQLite's default limit is 32766 variables; stay far below


@dataclass(frozen=True, slots=True)
class EventDetail:
    """One event with its linked records resolved to names (for the inspector)."""

    id: int
    ts: int | None
    precision: str
    ts_min: int | None
    ts_max: int | None
    end_ts: int | None
    ts_raw: str | None
    ts_zone: str | None
    kind: str
    title: str
    message: str | None
    actor_id: int | None
    actor: str | None
    counterpart_id: int | None
    counterpart: str | None
    identifier_id: int | None
    identifier: str | None
    identifier_kind: str | None
    platform_id: int | None
    platform: str | None
    place_id: int | None
    place: str | None
    shipment_id: int | None
    shipment: str | None
    amount: float | None
    currency: str | None
    product: str | None
    quantity: float | None
    unit: str | None
    exhibit_id: int | None
    exhibit_label: str | None
    exhibit_kind: str | None
    exhibit_sha256: str | None
    source_record: str | None


_DETAIL_SQL = """
SELECT e.id, e.ts, e.precision, e.ts_min, e.ts_max, e.end_ts, e.ts_raw, e.ts_zone, e.kind,
       e.title, e.message,
       e.actor_id, a.display_name, e.counterpart_id, c.display_name,
       e.identifier_id, i.value, i.kind, e.platform_id, p.name, e.place_id, pl.name,
       e.shipment_id, CASE WHEN s.id IS NULL THEN NULL
                           ELSE coalesce(s.carrier, '') || ' ' || coalesce(s.tracking_number, '')
                      END,
       e.amount, e.currency, e.product, e.quantity, e.unit,
       e.exhibit_id, x.label, x.kind, x.sha256, e.source_record
FROM event e
LEFT JOIN actor a ON a.id = e.actor_id
LEFT JOIN actor c ON c.id = e.counterpart_id
LEFT JOIN identifier i ON i.id = e.identifier_id
LEFT JOIN platform p ON p.id = e.platform_id
LEFT JOIN place pl ON pl.id = e.place_id
LEFT JOIN shipment s ON s.id = e.shipment_id
LEFT JOIN exhibit x ON x.id = e.exhibit_id
WHERE e.id = ?
"""


def read_event_detail(con: Any, event_id: int) -> EventDetail | None:
    """The event ``event_id`` with names of what it links to; None if there is none."""
    cur = con.cursor()
    cur.execute(_DETAIL_SQL, (int(event_id),))
    row = cur.fetchone()
    if row is None:
        return None
    values = [_clean(v) for v in row]
    return EventDetail(*values)


def _clean(value: object) -> object:
    """Blobs in a hostile file become a short marker instead of bytes in a label."""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes of binary data>"
    return value


def read_names(con: Any, table: str) -> dict[int, str]:
    """``id -> name`` for ``actor`` (display_name) or ``platform`` (name)."""
    column = {"actor": "display_name", "platform": "name"}[table]
    cur = con.cursor()
    cur.execute(f"SELECT id, {column} FROM {table}")  # names from the dict above only
    return {int(i): "" if n is None else str(n) for i, n in cur.fetchall() if isinstance(i, int)}


def read_text_page(con: Any, ids: np.ndarray) -> dict[int, tuple[str, str, str]]:
    """Title, amount and exhibit label for a page of event ids (the table's text columns)."""
    out: dict[int, tuple[str, str, str]] = {}
    cur = con.cursor()
    id_list = [int(i) for i in ids]
    for start in range(0, len(id_list), _MAX_IN):
        chunk = id_list[start : start + _MAX_IN]
        cur.execute(_PAGE_SQL.format(marks=",".join("?" * len(chunk))), chunk)
        for eid, title, amount, currency, exhibit in cur.fetchall():
            out[int(eid)] = (
                "" if title is None else str(_clean(title)),
                format_amount(amount, currency),
                "" if exhibit is None else str(_clean(exhibit)),
            )
    return out


def format_amount(amount: object, currency: object) -> str:
    """``0.01250000 BTC`` / ``450.00 EUR``; empty when there is no amount."""
    if not isinstance(amount, int | float):
        return ""
    cur = "" if currency is None else str(currency)
    digits = 8 if cur.upper() in {"BTC", "XMR", "ETH", "LTC"} else 2
    return f"{amount:,.{digits}f} {cur}".strip()


def search_events(
    con: Any, text: str, *, has_fts: bool, terms: SearchTerms | None = None
) -> TextHits:
    """Events whose title or message contains every word of ``text``.

    ``terms``: the case's search summary (:class:`~storage.search_terms.SearchTerms`), which
    answers frequent words without walking FTS5's doclists (then the hits may come as a
    bitmap); FTS5 answers the rest.
    """
    query = fts_query(text)
    if query is None:
        return TextHits.of_ids(np.empty(0, dtype=np.int64))
    cur = con.cursor()
    if has_fts:
        if terms is not None:
            hits = terms.search(cur, query_words(text))
            if hits is not None:
                return hits
        return TextHits.of_ids(fts_ids(cur, query))
    words = query_words(text)
    clause = " AND ".join(
        "(coalesce(title, '') || ' ' || coalesce(message, '')) LIKE ?" for _ in words
    )
    cur.execute(f"SELECT id FROM event WHERE {clause}", [f"%{w}%" for w in words])
    ids = np.fromiter((r[0] for r in cur.fetchall()), dtype=np.int64)
    ids.sort()
    return TextHits.of_ids(ids)


def search_event_ids(
    con: Any, text: str, *, has_fts: bool, terms: SearchTerms | None = None
) -> np.ndarray:
    """Sorted ids of the events :func:`search_events` finds."""
    return search_events(con, text, has_fts=has_fts, terms=terms).ids()


def ids_ordered_by(con: Any, column: str, ascending: bool) -> np.ndarray:
    """All event ids ordered by a text column (the table's sort on Title/Amount/Exhibit)."""
    expr = {
        "Title": "e.title",
        "Amount": "e.amount",
        "Exhibit": "x.label",
    }[column]
    order = "ASC" if ascending else "DESC"
    cur = con.cursor()
    cur.execute(
        f"SELECT e.id FROM event e LEFT JOIN exhibit x ON x.id = e.exhibit_id "
        f"ORDER BY {expr} {order}, e.ts, e.id"
    )
    return np.fromiter((r[0] for r in cur), dtype=np.int64)


#: Tables a reference may name, and the event column that links events to each of them.
_LINK_COLUMN = {
    "actor": "actor_id",
    "identifier": "identifier_id",
    "platform": "platform_id",
    "place": "place_id",
    "shipment": "shipment_id",
    "exhibit": "exhibit_id",
}


def record_exists(con: Any, kind: str, ident: int) -> bool:
    """Whether table ``kind`` (an entity kind such as ``event`` or ``shipment``) has ``ident``."""
    if kind != "event" and kind not in _LINK_COLUMN:
        return False
    cur = con.cursor()
    cur.execute(f"SELECT 1 FROM {kind} WHERE id = ?", (int(ident),))
    return cur.fetchone() is not None


def linked_event_ids(con: Any, kind: str, ident: int) -> np.ndarray:
    """Sorted ids of the events that cite record ``ident`` of table ``kind``.

    An actor's events are those they did (``actor_id``), as the in-memory columns count them.
    Shipments use their index; identifiers, places and exhibits scan the events (tens of ms
    at 10⁶), which is fine for a click but not for a per-frame call.
    """
    if kind == "event":
        return np.asarray([ident], dtype=np.int64)
    column = _LINK_COLUMN.get(kind)
    if column is None:
        return np.empty(0, dtype=np.int64)
    cur = con.cursor()
    cur.execute(f"SELECT id FROM event WHERE {column} = ?", (int(ident),))
    ids = np.fromiter((r[0] for r in cur.fetchall()), dtype=np.int64)
    ids.sort()
    return ids
