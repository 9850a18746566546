"""Turn storage records into what the inspector shows: labelled, formatted, plain strings.

Times appear in the case zone *and* UTC, with precision, bounds and the value as the source
wrote it, and a warning when the local wall-clock time is ambiguous or does not exist (DST).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.event_queries import format_amount
from widgets.inspector import InspectorRecord
from widgets.labels import vocab_label
from widgets.timefmt import format_both, format_duration, to_datetime

if TYPE_CHECKING:
    from storage.event_queries import EventDetail


def dst_warning(ts_us: int | None, zone_name: str) -> str | None:
    """A warning when the local time of ``ts_us`` happens twice that day (DST overlap)."""
    if ts_us is None:
        return None
    dt = to_datetime(ts_us, zone_name)
    if dt is None:
        return None
    naive = dt.replace(tzinfo=None)
    tz = dt.tzinfo
    other = naive.replace(fold=1 - dt.fold).replace(tzinfo=tz)
    if other.utcoffset() != dt.utcoffset():
        return (
            f"the local time {naive:%H:%M} occurs twice on {naive:%Y-%m-%d} (clocks went back); "
            "the offset shown tells which one"
        )
    return None


def event_record(d: EventDetail, zone: str) -> tuple[InspectorRecord, list[tuple[str, str, int]]]:
    """The inspector's record for one event, and the linked records it can jump to."""
    fields: list[tuple[str, str]] = [
        ("Time", format_both(d.ts, zone, micro=True)),
        ("Precision", d.precision or "second"),
    ]
    warnings: list[str] = []
    if d.ts_min is not None or d.ts_max is not None:
        fields.append(
            ("Between", f"{format_both(d.ts_min, zone)}\nand {format_both(d.ts_max, zone)}")
        )
        warnings.append("the time is uncertain: see the bounds")
    if d.end_ts is not None and d.ts is not None and d.end_ts != d.ts:
        fields.append(
            ("Until", f"{format_both(d.end_ts, zone)} ({format_duration(d.end_ts - d.ts)})")
        )
    if d.ts_raw:
        raw = d.ts_raw if not d.ts_zone else f"{d.ts_raw}  [{d.ts_zone}]"
        fields.append(("As written in the source", raw))
    warning = dst_warning(d.ts, zone)
    if warning:
        warnings.append(warning)
    fields.append(("Title", d.title or ""))
    if d.message:
        fields.append(("Message", d.message))
    links: list[tuple[str, str, int]] = []

    def linked(label: str, text: str | None, kind: str, ident: int | None) -> None:
        if ident is None:
            return
        shown = text if text is not None else f"#{ident} (missing from the case)"
        fields.append((label, shown))
        links.append((f"{label}: {shown}", kind, ident))

    linked("Actor", d.actor, "actor", d.actor_id)
    linked("Counterpart", d.counterpart, "actor", d.counterpart_id)
    ident_text = None if d.identifier is None else f"{d.identifier} ({d.identifier_kind})"
    linked("Identifier", ident_text, "identifier", d.identifier_id)
    linked("Platform", d.platform, "platform", d.platform_id)
    linked("Place", d.place, "place", d.place_id)
    linked("Shipment", d.shipment, "shipment", d.shipment_id)
    amount = format_amount(d.amount, d.currency)
    if amount:
        fields.append(("Amount", amount))
    if d.product or d.quantity is not None:
        qty = "" if d.quantity is None else f"{d.quantity:g} {d.unit or ''}".strip()
        fields.append(("Product", " — ".join(x for x in (d.product or "", qty) if x)))
    if d.source_record:
        fields.append(("Source record", d.source_record))
    if d.exhibit_id is not None:
        links.append((f"Exhibit: {d.exhibit_label or d.exhibit_id}", "exhibit", d.exhibit_id))
    record = InspectorRecord(
        heading=f"Event {d.id} — {vocab_label(d.kind or '')}",
        fields=fields,
        exhibit_label=d.exhibit_label,
        exhibit_sha256=d.exhibit_sha256,
        exhibit_kind=d.exhibit_kind,
        warnings=warnings,
    )
    return record, links


def count_record(
    heading: str, count: int, span: tuple[int, int] | None, zone: str
) -> InspectorRecord:
    """A summary record for a group (an actor's events, a platform's)."""
    fields = [("Events", f"{count:,}")]
    if span is not None:
        fields.append(("First", format_both(span[0], zone)))
        fields.append(("Last", format_both(span[1], zone)))
        fields.append(("Span", format_duration(span[1] - span[0]) or "0 s"))
    return InspectorRecord(heading=heading, fields=fields, exhibit_label=None, exhibit_sha256=None)

