"""Small, indexed reads around events: one event's details, a page of text, names, search.

These are the queries the linked views make on every click or scroll, so each one is a
primary-key or index lookup (or an FTS5 match) that stays in the millisecond range at ten
million events. Parameters are always bound, never formatted into SQL: a search box and a
hostile case are both untrusted.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np

from storage.events import CaseDataError
from storage.schema import FTS_TABLE

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


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word quoted, all ANDed.

    FTS5 syntax (``NEAR``, ``-``, ``:``, quotes) in a search box would raise or surprise;
    quoting each word keeps the meaning "events containing all these words". Words of three
    letters or more match as prefixes (``colis`` finds ``colissimo``); shorter ones match
    whole tokens only, because a prefix of one or two letters matches most of the index
    ("garde à vue": 25 ms with ``"à"*``, 0.4 ms with ``"à"``, at 10⁶ events).
    """
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in words[:32])


_ID_PAGE = 1_000_000  # ids per group_concat page: at most ~20 MB of text, under the limits


def search_event_ids(con: Any, text: str, *, has_fts: bool) -> np.ndarray:
    """Sorted ids of events whose title or message contains every word of ``text``."""
    query = fts_query(text)
    if query is None:
        return np.empty(0, dtype=np.int64)
    cur = con.cursor()
    if has_fts:
        return _fts_ids(cur, query)
    else:
        words = _WORD.findall(text)[:32]
        clause = " AND ".join(
            "(coalesce(title, '') || ' ' || coalesce(message, '')) LIKE ?" for _ in words
        )
        cur.execute(f"SELECT id FROM event WHERE {clause}", [f"%{w}%" for w in words])
    ids = np.fromiter((r[0] for r in cur.fetchall()), dtype=np.int64)
    ids.sort()
    return ids


def _fts_ids(cur: Any, query: str) -> np.ndarray:
    """Matching rowids, ascending, as one ``group_concat`` string parsed by numpy.

    Fetching one row per hit costs a Python tuple and int each (0.19 s for 295,000 hits at
    10⁶ events); ``group_concat`` plus numpy's C parser takes 0.04 s. A result longer than
    SQLite's string limit (millions of hits) is read again a page at a time, following the
    rowid (keyset pagination); paging costs ~40 % more, so it is only the fallback.
    """
    try:
        cur.execute(f"SELECT group_concat(rowid), count(*) FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH ?", (query,))
        text, count = cur.fetchone()
    except sqlite3.Error:  # SQLITE_TOOBIG: more hits than one string may hold
        return _fts_ids_paged(cur, query)
    ids = _parse_ids(text, count)
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        ids.sort()  # FTS5 answers in rowid order; a hostile index might not
    return ids


def _fts_ids_paged(cur: Any, query: str) -> np.ndarray:
    parts: list[np.ndarray] = []
    after = -(1 << 63)
    while True:
        cur.execute(
            f"SELECT group_concat(rowid), count(*), max(rowid) FROM (SELECT rowid FROM "
            f"{FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?)",
            (query, after, _ID_PAGE))
        text, count, last = cur.fetchone()
        if not count:
            break
        parts.append(_parse_ids(text, count))
        if count < _ID_PAGE:
            break
        after = int(last)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _parse_ids(text: object, count: int) -> np.ndarray:
    if not count:
        return np.empty(0, dtype=np.int64)
    try:
        ids = np.fromstring(str(text), dtype=np.int64, sep=",")
    except ValueError:  # (a DeprecationWarning for malformed text in older numpy)
        ids = np.empty(0, dtype=np.int64)
    if len(ids) != count:
        raise CaseDataError("the full-text index holds rowids that are not integers")
    return ids


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
