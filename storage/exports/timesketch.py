"""Events to a Timesketch JSON-lines timeline; imported again it gives the same events.

Each line holds Timesketch's three required fields, then the event's fields:

- ``message``: the event's message (its title when it has none);
- ``datetime``: the instant in UTC, ISO 8601 with ``+00:00``, written to the event's
  precision (``…T19:01`` for a minute, ``…T19:01:01`` for a second, 3 or 6 fraction digits
  for a millisecond or a microsecond), so that reading it back gives the same precision;
- ``timestamp_desc``: the source's, kept at import (``event_attribute``), else the kind.

An imported event's other fields are its ``event_attribute`` fields, as the text the source
held (a list for a multi-valued column), and ``tag`` its tags when the source's ``tag`` cell
was not kept as written. An event Filature did not import (the generator's, a hand-built
case's) gets its linked records by name instead: ``kind``, ``actor``, ``platform``,
``amount``, ``exhibit``… and ``filature_event_id``.

An imported event keeps its own fields and adds the records the import linked it to
(``actor``, ``platform``, ``place``, ``amount``… when the source had no field of that name).
A time Timesketch's single instant cannot say (a ``range``, a day, a month: the listings'
scrape month) is written as its first instant with ``ts_min``/``ts_max`` and
``filature_precision``; the importer reads them back into the same precision and bounds.
What does not survive the trip: ``ts_raw`` (the re-imported event's "as written" is the
exported UTC text) and the links themselves (the names come back as fields).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from storage.case.vocab import BOUNDED_PRECISIONS as BOUNDED
from storage.case.vocab import EXPORTED_PRECISION_KEY as PRECISION_KEY
from storage.exports.output import atomic_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

BATCH = 20_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FRACTION = {"millisecond": 3, "microsecond": 6}
"""Precisions Timesketch's one instant cannot say (:data:`BOUNDED`) are written with their
bounds as ``ts_min``/``ts_max`` and the precision as :data:`PRECISION_KEY`, which the
importer reads back (:func:`storage.importers.exported_times.restore_bounds`)."""

_LINKED_SQL = """
SELECT e.id, e.ts, e.precision, e.ts_min, e.ts_max, e.kind, e.title, e.message,
       a.display_name, c.display_name, i.value, p.name, pl.name, e.shipment_id, e.amount,
       e.currency, e.product, e.quantity, e.unit, x.label, e.source_record
FROM event e
LEFT JOIN actor a ON a.id = e.actor_id
LEFT JOIN actor c ON c.id = e.counterpart_id
LEFT JOIN identifier i ON i.id = e.identifier_id
LEFT JOIN platform p ON p.id = e.platform_id
LEFT JOIN place pl ON pl.id = e.place_id
LEFT JOIN exhibit x ON x.id = e.exhibit_id
WHERE e.id > ? ORDER BY e.id LIMIT ?
"""
_LINKED_NAMES = ("actor", "counterpart", "identifier", "platform", "place", "shipment_id",
                 "amount", "currency", "product", "quantity", "unit", "exhibit",
                 "source_record")


@dataclass(frozen=True)
class ExportReport:
    path: Path
    events: int
    out_of_range: int
    """Events whose time has no ISO 8601 form (before year 1 or after 9999): written with
    ``timestamp`` (µs) alone."""


def iso_utc(ts_us: int, precision: str | None) -> str | None:
    """``ts_us`` as ISO 8601 UTC to ``precision``; None outside years 1–9999."""
    try:
        dt = _EPOCH + timedelta(microseconds=int(ts_us))
    except OverflowError:
        return None
    text = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}"
    if precision == "minute" and not dt.second and not dt.microsecond:
        return text + "+00:00"
    text += f":{dt.second:02d}"
    digits = _FRACTION.get(precision or "")
    if digits and not dt.microsecond % 10 ** (6 - digits):
        text += "." + f"{dt.microsecond:06d}"[:digits]
    elif dt.microsecond:  # finer than the precision says, or an unknown one: keep every digit
        text += f".{dt.microsecond:06d}"
    return text + "+00:00"


def _has(con: Any, table: str) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
                      (table,)).fetchone()
    return row is not None


def _rows_by_event(con: Any, table: str, columns: str, lo: int, hi: int
                   ) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = {}
    cur = con.execute(f"SELECT event_id, {columns} FROM {table} WHERE event_id BETWEEN ? AND ? "
                      "ORDER BY event_id, id", (lo, hi))
    for row in cur:
        out.setdefault(row[0], []).append(row[1:])
    return out


def _fields_by_event(con: Any, lo: int, hi: int) -> dict[int, dict[str, Any]]:
    """The packed source fields of events ``lo``..``hi``, by event.

    A row that is not a JSON object (another tool's, a tampered case) is left out, never
    guessed at; a ``null`` member is a blank field.
    """
    out: dict[int, dict[str, Any]] = {}
    cur = con.execute("SELECT event_id, fields FROM event_attribute "
                      "WHERE event_id BETWEEN ? AND ?", (lo, hi))
    for eid, text in cur:
        try:
            obj = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            out[eid] = {str(k): v if isinstance(v, list) else _text(v)
                        for k, v in obj.items() if v is not None}
    return out


def event_objects(con: Any) -> Iterator[dict[str, Any]]:
    """Every event as a Timesketch object, in id order, read a batch at a time."""
    attributes = _has(con, "event_attribute")
    tags = _has(con, "event_tag")
    last = 0
    while True:
        rows = con.execute(_LINKED_SQL, (last, BATCH)).fetchall()
        if not rows:
            return
        lo, hi = rows[0][0], rows[-1][0]
        attrs = _fields_by_event(con, lo, hi) if attributes else {}
        tagged = _rows_by_event(con, "event_tag", "tag", lo, hi) if tags else {}
        for row in rows:
            yield _event_object(row, attrs.get(row[0]), tagged.get(row[0]))
        last = hi


def _text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return "" if value is None else str(value)


def _event_object(row: tuple[Any, ...], attrs: dict[str, Any] | None,
                  tags: list[tuple[Any, ...]] | None) -> dict[str, Any]:
    eid, ts, precision, ts_min, ts_max, kind, title, message = row[:8]
    fields: dict[str, Any] = dict(attrs or {})  # a multi-valued column stays a JSON list
    obj: dict[str, Any] = {"message": _text(message) or _text(title)}
    when = iso_utc(ts, precision) if isinstance(ts, int) else None
    if when is not None:
        obj["datetime"] = when
    obj["timestamp_desc"] = fields.pop("timestamp_desc", None) or _text(kind)
    if when is None and "timestamp" not in fields and isinstance(ts, int):
        obj["timestamp"] = ts
    if attrs:  # an imported event: its own fields, then what the import linked it to
        obj.update(fields)
        for name, value in zip(_LINKED_NAMES[:-2], row[8:-2], strict=True):
            if value is not None and name not in obj:
                obj[name] = value if isinstance(value, int | float) else _text(value)
    else:
        obj["kind"] = _text(kind)
        if title != message:
            obj["title"] = _text(title)
        for name, value in zip(_LINKED_NAMES, row[8:], strict=True):
            if value is not None:
                obj[name] = value if isinstance(value, int | float) else _text(value)
        obj["filature_event_id"] = eid
    if precision in BOUNDED and isinstance(ts_min, int) and isinstance(ts_max, int):
        obj.setdefault("ts_min", iso_utc(ts_min, "microsecond"))
        obj.setdefault("ts_max", iso_utc(ts_max, "microsecond"))
        obj.setdefault(PRECISION_KEY, precision)
    if tags and "tag" not in obj:
        obj["tag"] = [_text(t[0]) for t in tags]
    return obj


def export_timesketch_jsonl(con: Any, path: Path,
                            progress: Callable[[int], None] | None = None) -> ExportReport:
    """Write every event of the case behind ``con`` to ``path`` (JSON lines, UTF-8)."""
    n = missing = 0
    with atomic_text(path, newline="\n") as f:
        for obj in event_objects(con):
            if "datetime" not in obj:
                missing += 1
            f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
            n += 1
            if progress is not None and n % BATCH == 0:
                progress(n)
    return ExportReport(path, n, missing)
