"""Actors and identifiers to CSV (UTF-8 with a byte-order mark, so spreadsheets read accents).

A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) gets a leading ``'``: a pseudonym such as ``=HYPERLINK(…)`` is
evidence, and opening the export must not execute it. The ``formula_guard`` column count in
the report says how many cells were so marked; ``guard=False`` writes cells as they are.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.exports.output import atomic_text

if TYPE_CHECKING:
    from pathlib import Path

_RISKY = ("=", "+", "-", "@", "\t", "\r")

_ACTORS_SQL = """
SELECT a.id, a.display_name, a.role, a.notes,
       (SELECT count(*) FROM attribution t WHERE t.actor_id = a.id),
       (SELECT count(*) FROM event e WHERE e.actor_id = a.id),
       x.label
FROM actor a LEFT JOIN exhibit x ON x.id = a.exhibit_id ORDER BY a.id
"""
_ACTOR_COLUMNS = ("actor_id", "display_name", "role", "notes", "identifiers", "events",
                  "exhibit")
_IDENTIFIERS_SQL = """
SELECT i.id, i.kind, i.value, p.name, i.third_party, t.actor_id, a.display_name, t.kind,
       t.confidence, t.justification, x.label
FROM identifier i
LEFT JOIN platform p ON p.id = i.platform_id
LEFT JOIN attribution t ON t.identifier_id = i.id
LEFT JOIN actor a ON a.id = t.actor_id
LEFT JOIN exhibit x ON x.id = coalesce(t.exhibit_id, i.exhibit_id)
ORDER BY i.id, t.id
"""
_IDENTIFIER_COLUMNS = ("identifier_id", "kind", "value", "platform", "third_party", "actor_id",
                       "actor", "attribution", "confidence", "justification", "exhibit")


@dataclass(frozen=True)
class TableExport:
    path: Path
    rows: int
    guarded: int
    """Cells given a leading ``'`` so that no spreadsheet runs them as a formula."""


def _cell(value: object, guard: bool, counter: list[int]) -> object:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes of binary data>"
    if isinstance(value, str) and guard and value.startswith(_RISKY):
        counter[0] += 1
        return "'" + value
    return value


def _export(con: Any, path: Path, sql: str, columns: tuple[str, ...], guard: bool
            ) -> TableExport:
    counter = [0]
    n = 0
    with atomic_text(path, newline="") as f:
        f.write("\ufeff")
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(columns)
        for row in con.execute(sql):
            out.writerow([_cell(v, guard, counter) for v in row])
            n += 1
    return TableExport(path, n, counter[0])


def export_actors_csv(con: Any, path: Path, *, guard: bool = True) -> TableExport:
    """One row per actor, with how many identifiers and events the case links to them."""
    return _export(con, path, _ACTORS_SQL, _ACTOR_COLUMNS, guard)


def export_identifiers_csv(con: Any, path: Path, *, guard: bool = True) -> TableExport:
    """One row per identifier and attribution (an unattributed identifier: one row)."""
    return _export(con, path, _IDENTIFIERS_SQL, _IDENTIFIER_COLUMNS, guard)
