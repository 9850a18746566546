"""Small, indexed reads around events: one event's details, a page of text, names, search.

These are the queries the linked views make on every click or scroll, so each one is a
primary-key or index lookup (or an FTS5 match) that stays in the millisecond range at ten
million events. Parameters are always bound, never formatted into SQL: a search box and a
hostile case are both untrusted.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from resources.entities import ENTITY_KINDS
from storage.case.errors import CaseDataError
from storage.case.fts import fts_ids, fts_query, query_words
from storage.case.text_hits import TextHits
from storage.case.text_values import clip_sql, clipped, long_values

if TYPE_CHECKING:
    from storage.case.search_terms import SearchTerms

TABLE_CHARS = 2_000
"""Characters of a title or label the table keeps (a cell shows far fewer)."""
NAME_CHARS = 10_000
"""Characters of an actor's or platform's name kept for lanes, table and filters."""
_PAGE_SQL = (
    f"SELECT e.id, {clip_sql('e.title', TABLE_CHARS)}, e.amount, e.currency, "
    f"{clip_sql('x.label', TABLE_CHARS)} "
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


_DETAIL_COLUMNS = (
    ("e.id", False), ("e.ts", False), ("e.precision", True), ("e.ts_min", False),
    ("e.ts_max", False), ("e.end_ts", False), ("e.ts_raw", True), ("e.ts_zone", True),
    ("e.kind", True), ("e.title", True), ("e.message", True),
    ("e.actor_id", False), ("a.display_name", True), ("e.counterpart_id", False),
    ("c.display_name", True), ("e.identifier_id", False), ("i.value", True),
    ("i.kind", True), ("e.platform_id", False), ("p.name", True), ("e.place_id", False),
    ("pl.name", True), ("e.shipment_id", False),
    ("CASE WHEN s.id IS NULL THEN NULL ELSE coalesce(substr(s.carrier, 1, 200), '') || ' ' "
     "|| coalesce(substr(s.tracking_number, 1, 200), '') END", False),
    ("e.amount", False), ("e.currency", True), ("e.product", True), ("e.quantity", False),
    ("e.unit", True), ("e.exhibit_id", False), ("x.label", True), ("x.kind", True),
    ("x.sha256", True), ("e.source_record", True),
)
"""The inspector's event columns; free text (``True``) is read clipped, so a 70 MB message
shows its beginning and its length instead of failing the row."""
_DETAIL_SQL = (
    "SELECT " + ", ".join(clip_sql(c) if text else c for c, text in _DETAIL_COLUMNS) + """
FROM event e
LEFT JOIN actor a ON a.id = e.actor_id
LEFT JOIN actor c ON c.id = e.counterpart_id
LEFT JOIN identifier i ON i.id = e.identifier_id
LEFT JOIN platform p ON p.id = e.platform_id
LEFT JOIN place pl ON pl.id = e.place_id
LEFT JOIN shipment s ON s.id = e.shipment_id
LEFT JOIN exhibit x ON x.id = e.exhibit_id
WHERE e.id = ?
""")


def read_event_detail(con: Any, event_id: int) -> EventDetail | None:
    """The event ``event_id`` with names of what it links to; None if there is none."""
    cur = con.cursor()
    with long_values(con):
        cur.execute(_DETAIL_SQL, (int(event_id),))
        row = cur.fetchone()
    if row is None:
        return None
    values: list[object] = []
    i = 0
    for _, text in _DETAIL_COLUMNS:
        if text:
            values.append(_clean(clipped(row[i], row[i + 1])))
            i += 2
        else:
            values.append(_clean(row[i]))
            i += 1
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
    with long_values(con):  # names from the dict above only
        cur.execute(f"SELECT id, {clip_sql(column, NAME_CHARS)} FROM {table}")
        rows = cur.fetchall()
    return {i: _shown(n, length, NAME_CHARS) for i, n, length in rows
            if isinstance(i, int) and not isinstance(i, bool)}


def read_text_page(con: Any, ids: np.ndarray) -> dict[int, tuple[str, str, str]]:
    """Title, amount and exhibit label for a page of event ids (the table's text columns)."""
    out: dict[int, tuple[str, str, str]] = {}
    cur = con.cursor()
    id_list = [int(i) for i in ids]
    for start in range(0, len(id_list), _MAX_IN):
        chunk = id_list[start : start + _MAX_IN]
        with long_values(con):
            cur.execute(_PAGE_SQL.format(marks=",".join("?" * len(chunk))), chunk)
            rows = cur.fetchall()
        for eid, title, title_len, amount, currency, exhibit, exhibit_len in rows:
            if not isinstance(eid, int):
                continue
            out[eid] = (
                _shown(title, title_len, TABLE_CHARS),
                format_amount(amount, currency),
                _shown(exhibit, exhibit_len, TABLE_CHARS),
            )
    return out


def _shown(value: object, length: object, limit: int) -> str:
    """A clipped text value as a cell shows it: cut ones end with their full length."""
    if value is None:
        return ""
    text = str(_clean(value))  # a cell needs the shown text only, not the flags
    if isinstance(length, int) and length > limit:
        return f"{text}… [{length:,} characters]"
    return text


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

    ``terms``: the case's search summary (:class:`~storage.case.search_terms.SearchTerms`), which
    answers frequent words without walking FTS5's doclists (then the hits may come as a
    bitmap); FTS5 answers the rest.
    """
    query = fts_query(text)
    if query is None:
        return TextHits.of_ids(np.empty(0, dtype=np.int64))
    cur = con.cursor()
    if has_fts:
        try:
            if terms is not None:
                hits = terms.search(cur, query_words(text))
                if hits is not None:
                    return hits
            return TextHits.of_ids(fts_ids(cur, query))
        except (sqlite3.Error, CaseDataError) as exc:
            # A damaged index (bad pages, a tokenizer this SQLite lacks) must not end the
            # search: the plain scan below finds the same words, slower, and says why.
            note = f"the full-text index failed ({exc}); searched by a plain scan instead"
            return replace(_scan(con, text), note=note)
    return _scan(con, text)


def _scan(con: Any, text: str) -> TextHits:
    """Events whose title or message contains every word (``LIKE``; no index needed)."""
    words = query_words(text)
    clause = " AND ".join(
        "(coalesce(title, '') || ' ' || coalesce(message, '')) LIKE ?" for _ in words
    )
    cur = con.cursor()
    with long_values(con):
        cur.execute(f"SELECT id FROM event WHERE {clause}", [f"%{w}%" for w in words])
        rows = cur.fetchall()
    ids = np.fromiter((r[0] for r in rows if isinstance(r[0], int)), dtype=np.int64)
    ids.sort()
    return TextHits.of_ids(ids)


def search_event_ids(
    con: Any, text: str, *, has_fts: bool, terms: SearchTerms | None = None
) -> np.ndarray:
    """Sorted ids of the events :func:`search_events` finds."""
    return search_events(con, text, has_fts=has_fts, terms=terms).ids()


def ids_ordered_by(con: Any, column: str, ascending: bool) -> np.ndarray:
    """All event ids ordered by a text column, ties by time then id.

    ``column`` is the table's stable column key (``"title"``, ``"amount"`` or ``"exhibit"``),
    never its header text, which is translated. Another key raises ``KeyError``.
    """
    expr = {
        "title": f"substr(e.title, 1, {TABLE_CHARS})",
        "amount": "e.amount",
        "exhibit": f"substr(x.label, 1, {TABLE_CHARS})",
    }[column]
    order = "ASC" if ascending else "DESC"
    cur = con.cursor()
    with long_values(con):
        cur.execute(
            f"SELECT e.id FROM event e LEFT JOIN exhibit x ON x.id = e.exhibit_id "
            f"ORDER BY {expr} {order}, e.ts, e.id"
        )
        return np.fromiter((r[0] for r in cur if isinstance(r[0], int)), dtype=np.int64)


#: The event column that links events to a record of each kind (``ENTITY_KINDS`` but event).
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
    if kind not in ENTITY_KINDS:  # every entity kind is the name of its table
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


def events_citing(con: Any, refs: list[tuple[str, int]]) -> np.ndarray:
    """Sorted ids of the events citing any of ``refs`` (kind, id): one query per kind.

    What a tag filter on identifiers, places, shipments or exhibits keeps. Kinds without a
    column on ``event`` are ignored.
    """
    by_kind: dict[str, list[int]] = {}
    for kind, ident in refs:
        if kind in _LINK_COLUMN:
            by_kind.setdefault(kind, []).append(int(ident))
    parts = [np.asarray([i for k, i in refs if k == "event"], dtype=np.int64)]
    cur = con.cursor()
    for kind, idents in sorted(by_kind.items()):
        for start in range(0, len(idents), 500):  # SQLite's bound-parameter limit
            chunk = idents[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cur.execute(f"SELECT id FROM event WHERE {_LINK_COLUMN[kind]} IN ({marks})", chunk)
            parts.append(np.fromiter((r[0] for r in cur.fetchall() if isinstance(r[0], int)),
                                     dtype=np.int64))
    return np.unique(np.concatenate(parts))
