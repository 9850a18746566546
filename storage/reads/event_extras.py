"""What an imported event carries beyond the ``event`` columns (format 1.2), for the inspector.

The tables are optional: a 1.0 or 1.1 case, or a hand-made one, has none of them, and a
hostile case may hold a view under one of their names. Each is read only if it is a real
table, by the event's indexed id, and clipped like every other text shown.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from storage.case.text_values import clip_sql, clipped, long_values

MAX_ATTRIBUTES = 500
"""A row of a timeline with thousands of fields shows its first ones and a count."""
VALUE_CHARS = 4_000

TIME_FLAG_TEXT = (
    (1, "probable null date (1601-01-01 or 1970-01-01 exactly): kept as written"),
    (2, "no 'datetime': the time comes from the 'timestamp' number"),
    (4, "the 'timestamp' unit was chosen by the number's magnitude"),
    (8, "'datetime' and 'timestamp' name different instants: 'datetime' kept"),
    (16, "'timestamp' is not a number: 'datetime' kept"),
    (32, "written without an offset: read in the zone given at import"),
    (64, "a wall time the clocks show twice: read by the choice made at import"),
    (128, "digits finer than a microsecond were written and dropped"),
)
"""The bits of ``event_time_flag.flags`` (docs/case-format.md), as the inspector says them."""


@dataclass(frozen=True)
class EventExtras:
    """An event's source fields, tags, time caveats and the import it came from."""

    attributes: list[tuple[str, object]] = field(default_factory=list)
    attributes_total: int = 0
    tags: list[object] = field(default_factory=list)
    time_notes: list[str] = field(default_factory=list)
    imported_from: str | None = None
    attributes_unreadable: str | None = None
    """Why the source fields are not shown, when their row cannot be read as fields."""

    @property
    def empty(self) -> bool:
        return not (self.attributes or self.tags or self.time_notes or self.imported_from
                    or self.attributes_unreadable)


def _tables(con: Any) -> set[str]:
    rows = con.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN "
                       "('event_attribute', 'event_tag', 'event_time_flag', 'import_file')")
    return {r[0] for r in rows.fetchall() if isinstance(r[0], str)}


_FIELDS_KIND = ("SELECT CASE WHEN json_valid(fields) THEN json_type(fields) END "
                "FROM event_attribute WHERE event_id = ?")
_VALUE = ("CASE WHEN j.type = 'array' THEN (SELECT group_concat(v.value, ', ') "
          "FROM json_each(j.value) AS v) ELSE j.value END")
_FIELDS = (f"SELECT {clip_sql('j.key', 200)}, {clip_sql(_VALUE, VALUE_CHARS)} "
           "FROM event_attribute AS a, json_each(a.fields) AS j "
           "WHERE a.event_id = ? AND j.type <> 'null' LIMIT ?")
_COUNT = ("SELECT count(*) FROM event_attribute AS a, json_each(a.fields) AS j "
          "WHERE a.event_id = ? AND j.type <> 'null'")


def _attributes(con: Any, eid: int) -> tuple[list[tuple[str, object]], int, str | None]:
    """The event's packed source fields (a list's items joined by ", "), and their count.

    The note says why none are shown when the row is not a JSON object (a case another tool
    wrote, or tampered with).
    """
    try:
        row = con.execute(_FIELDS_KIND, (eid,)).fetchone()
    except sqlite3.DatabaseError:  # a table of that name without the format's columns
        return [], 0, "the source fields table is not the case format's: not shown"
    if row is None:
        return [], 0, None
    if row[0] != "object":
        return [], 0, "the source fields are not a JSON object: not shown"
    rows = con.execute(_FIELDS, (eid, MAX_ATTRIBUTES)).fetchall()
    attributes = [(str(clipped(k, kn, 200)), clipped(v, vn, VALUE_CHARS))
                  for k, kn, v, vn in rows]
    total = len(attributes)
    if total == MAX_ATTRIBUTES:
        total = int(con.execute(_COUNT, (eid,)).fetchone()[0])
    return attributes, total, None


def read_event_extras(con: Any, event_id: int) -> EventExtras:
    """The format 1.2 rows of event ``event_id`` (empty for older cases)."""
    tables = _tables(con)
    if not tables:
        return EventExtras()
    eid = int(event_id)
    attributes: list[tuple[str, object]] = []
    total = 0
    unreadable = None
    tags: list[object] = []
    notes: list[str] = []
    imported = None
    with long_values(con):
        if "event_attribute" in tables:
            attributes, total, unreadable = _attributes(con, eid)
        if "event_tag" in tables:
            rows = con.execute(f"SELECT {clip_sql('tag', 400)} FROM event_tag WHERE "
                               "event_id = ? ORDER BY id LIMIT 200", (eid,)).fetchall()
            tags = [clipped(t, n, 400) for t, n in rows]
        if "event_time_flag" in tables:
            row = con.execute("SELECT flags FROM event_time_flag WHERE event_id = ?",
                              (eid,)).fetchone()
            if row is not None and isinstance(row[0], int):
                notes = [text for bit, text in TIME_FLAG_TEXT if row[0] & bit]
        if "import_file" in tables:
            row = con.execute(
                f"SELECT {clip_sql('f.name', 400)}, f.format FROM event e "
                "JOIN import_file f ON f.exhibit_id = e.exhibit_id WHERE e.id = ? LIMIT 1",
                (eid,)).fetchone()
            if row is not None:  # the line is the event's "Source record", shown already
                imported = f"{clipped(row[0], row[1], 400)} ({row[2]})"
    return EventExtras(attributes, total, tags, notes, imported, unreadable)
