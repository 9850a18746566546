"""A chunk's free fields as one JSON object per event: the rows of ``event_attribute``.

A Timesketch row brings ~6 fields besides its time and message, a spreadsheet row a dozen or
more; one SQLite row per field made the attributes the largest part of an import (6 to 12
million rows bound for 10⁶ events). Packed, an event's fields are one row whose ``fields``
is a JSON object, made here as one JSON array per chunk (pandas' C encoder for a dense chunk)
and split into rows by SQLite's ``json_each`` (:class:`PackedFields`), so that no Python
object is made per field on either side.

The object holds the event's non-blank fields in the source's column order: each value is the
text the source held, or a list of texts for a multi-valued column. A blank cell is no member
(readers skip a ``null`` all the same), and an event with no field gets no row.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from storage.importers.rows import is_blank

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Mapping, Sequence

INSERT_PACKED = ("INSERT INTO event_attribute(event_id, fields) "
                 "SELECT ?1 + key, value FROM json_each(?2) WHERE type = 'object'")
"""Rows of a :class:`PackedFields` array without null members, whose first event is ``?1``
(an event without fields is a ``null`` element: no row)."""

INSERT_PACKED_SOME_EMPTY = INSERT_PACKED + " AND value <> '{}'"
"""The same when some events' objects are ``{}`` (every cell blank): no row for them."""

INSERT_PACKED_NULLS = (
    "WITH packed AS MATERIALIZED (SELECT key, json_patch('{}', value) AS fields "
    "FROM json_each(?2)) "
    "INSERT INTO event_attribute(event_id, fields) "
    "SELECT ?1 + key, fields FROM packed WHERE fields <> '{}'")
"""The same for an array whose objects may hold ``null`` members, when the names of the
columns with blanks are not plain enough to remove their nulls as text (:func:`_strip_nulls`).

``json_patch`` removes them (RFC 7396: merging into ``{}`` drops nulls; five times the plain
insert's cost); an object left empty gives no row. ``MATERIALIZED``: each object is patched
once, not once for the filter and once for the row."""

_PLAIN_NAME = re.compile(r'[^"\\/\x00-\x1f\x7f\u2028\u2029]*')
"""A column name that pandas and :func:`json.dumps` write alike, as it is, between quotes."""

DENSE = 0.5
"""Share of non-blank cells from which a chunk is encoded by pandas, nulls and all.

Below it (a Plaso timeline: a few hundred keys over its many data types, a dozen per row)
each object is made from its own cells, since the nulls would outweigh the values."""


@dataclass(frozen=True, slots=True)
class PackedFields:
    """A chunk's fields as one JSON array text, an object per event, and how to insert it."""

    text: str
    sql: str


def fields_json(fields: Mapping[str, np.ndarray], n: int) -> PackedFields:
    """The fields of each of a chunk's ``n`` events (see the module doc)."""
    if not fields or not n:
        return PackedFields("[]", INSERT_PACKED)
    blank = {k: _blank_mask(col) for k, col in fields.items()}
    filled = sum(n - int(mask.sum()) for mask in blank.values())
    if filled < DENSE * n * len(fields):
        return PackedFields(_sparse(fields, blank, n), INSERT_PACKED)
    gaps = [k for k, mask in blank.items() if mask.any()]
    frame = pd.DataFrame({k: np.where(blank[k], None, col) if k in gaps else col
                          for k, col in fields.items()}, copy=False)
    # pandas escapes every "/" (valid JSON, but "\/var\/log" in the case file misleads a
    # reader with a SQL shell): a "\/" is always that escape, never the end of a "\\" pair.
    text = frame.to_json(orient="records", force_ascii=False).replace("\\/", "/")
    if not gaps:
        return PackedFields(text, INSERT_PACKED)
    if not all(_PLAIN_NAME.fullmatch(k) for k in gaps):
        return PackedFields(text, INSERT_PACKED_NULLS)
    empty = np.logical_and.reduce([blank[k] for k in fields]).any()
    return PackedFields(_strip_nulls(text, gaps),
                        INSERT_PACKED_SOME_EMPTY if empty else INSERT_PACKED)


def write_fields(con: sqlite3.Connection, first: int, fields: Mapping[str, np.ndarray],
                 n: int) -> None:
    """Insert the packed fields of a chunk's ``n`` events, the first of which is ``first``."""
    packed = fields_json(fields, n)
    con.execute(packed.sql, (first, packed.text))


def fields_objects(events: Sequence[int], keys: Sequence[str], values: Sequence[object]
                   ) -> list[tuple[int, str]]:
    """``(event_id, fields)`` rows from fields in long form (a map layer's properties).

    A key repeated on one event gathers its values into a list, as a multi-valued column.
    """
    by_event: dict[int, dict[str, object]] = {}
    for event, key, value in zip(events, keys, values, strict=True):
        if is_blank(value):
            continue
        obj = by_event.setdefault(int(event), {})
        if key not in obj:
            obj[key] = value
        elif isinstance(obj[key], list):
            obj[key].append(value)  # type: ignore[union-attr]
        else:
            obj[key] = [obj[key], value]
    return [(event, _dumps(obj)) for event, obj in by_event.items()]


def _strip_nulls(text: str, names: Sequence[str]) -> str:
    """``text`` without the ``"name":null`` members of ``names`` (plain names only).

    Done on the text, since every ``"`` inside a JSON string is escaped: ``,"name":`` and
    ``{"name":`` can only be a member's start, never part of a value.
    """
    for name in names:
        member = f'"{name}":null'
        text = text.replace("," + member, "")  # after the first member
        text = text.replace("{" + member + ",", "{").replace("{" + member + "}", "{}")
    return text


def _blank_mask(col: np.ndarray) -> np.ndarray:
    """Where a column's cells are blank; a multi-valued column holds lists (``[]``: blank)."""
    if len(col) and isinstance(col[0], list):
        return np.fromiter((not v for v in col), bool, len(col))
    return np.asarray(col == "", dtype=bool)


def _sparse(fields: Mapping[str, np.ndarray], blank: Mapping[str, np.ndarray], n: int) -> str:
    objs: list[dict[str, object]] = [{} for _ in range(n)]
    for key, col in fields.items():
        for i in np.flatnonzero(~blank[key]).tolist():
            objs[i][key] = col[i]
    return "[" + ",".join(_dumps(obj) if obj else "null" for obj in objs) + "]"


def _dumps(obj: Mapping[str, object]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
