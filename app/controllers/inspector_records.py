"""Turn storage records into what the inspector shows: labelled, formatted, plain strings.

Times appear in the case zone *and* UTC, with precision, bounds and the value as the source
wrote it, and a warning when the local wall-clock time is ambiguous or does not exist (DST).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from storage.case.text_values import text_notes
from storage.case.time_rules import implied_bounds_one, is_plausible, unit_guess
from storage.reads.event_queries import format_amount
from widgets.inspector import InspectorRecord
from widgets.labels import vocab_label
from widgets.timefmt import format_both, format_duration, format_instant, to_datetime

if TYPE_CHECKING:
    from storage.reads.event_extras import EventExtras
    from storage.reads.event_queries import EventDetail
    from storage.reads.records import Record

Links = list[tuple[str, str, int]]


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


def time_warnings(ts: object) -> list[str]:
    """Why a stored time is not shown on the timeline, if it is not."""
    if ts is None or ts == 0:
        return ["the time is not set (0 or NULL)"]
    if not isinstance(ts, int):
        return ["the time is not an integer in the case: it cannot be placed"]
    if is_plausible(ts):
        return []
    unit = unit_guess(ts)
    guess = f" (it looks like {unit}, not microseconds)" if unit else ""
    return [f"the time {ts} is before 1980 or after 2099{guess}: left off the timeline"]


def text_warnings(fields: list[tuple[str, str]]) -> list[str]:
    """A warning per field whose text is not exactly what the case holds (bad UTF-8, cut)."""
    return [f"{label}: {note}" for label, value in fields for note in text_notes(value)]


def event_record(d: EventDetail, zone: str,
                 case_zone: str | None = None) -> tuple[InspectorRecord, Links]:
    """The inspector's record for one event, and the linked records it can jump to.

    ``zone`` is the zone times are shown in (the case zone, or UTC when the user chose it);
    ``case_zone`` the case's own, in which a precision's calendar unit is taken.
    """
    fields: list[tuple[str, str]] = [
        ("Time", format_both(d.ts, zone, micro=True)),
        ("Precision", d.precision or "second"),
    ]
    warnings: list[str] = list(time_warnings(d.ts))
    if d.ts_min is not None or d.ts_max is not None:
        fields.append(
            ("Between", f"{format_both(d.ts_min, zone)}\nand {format_both(d.ts_max, zone)}")
        )
        warnings.append("the time is uncertain: see the bounds")
        if (isinstance(d.ts_min, int) and isinstance(d.ts_max, int) and d.ts_min > d.ts_max):
            warnings.append("the bounds are the wrong way round (ts_min after ts_max)")
    elif isinstance(d.ts, int):
        implied = implied_bounds_one(d.ts, d.precision or "second", case_zone or zone)
        if implied is not None:
            fields.append(("Between (from the precision)",
                           f"{format_both(implied[0], zone)}\nand before "
                           f"{format_both(implied[1], zone)}"))
            warnings.append(f"the time is only known to the {d.precision} "
                            f"({case_zone or zone}): see the bounds")
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

    def linked(label: str, text: str | None, kind: str, ident: object) -> None:
        if ident is None:
            return
        if not _is_id(ident):  # text or a real where an id belongs: shown, not followed
            fields.append((label, f"{ident!r} (not an id: the case holds a value of the wrong "
                                  "type here)"))
            return
        shown = text if text is not None else f"#{ident} (missing from the case)"
        fields.append((label, shown))
        links.append((f"{label}: {shown}", kind, int(ident)))  # type: ignore[call-overload]

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
    if _is_id(d.exhibit_id):
        links.append((f"Exhibit: {d.exhibit_label or d.exhibit_id}", "exhibit", d.exhibit_id))
    warnings += text_warnings(fields)
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



def _is_id(value: object) -> bool:
    """Whether a stored reference is an id a link can follow (an integer, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: object) -> str:
    """A stored value as text; strings stay themselves (a FlaggedText keeps its notes)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


HEADING_CHARS = 120
INSPECTOR_ROWS = 25
"""Rows of one kind (identifiers, relations) the inspector lists for an actor: a head of
network with 5,000 relations froze the window for minutes as 5,000 rows of labels."""


def _short(value: object) -> str:
    """A name as a heading shows it: the whole name is in the fields below."""
    text = _text(value)
    return text if len(text) <= HEADING_CHARS else text[:HEADING_CHARS] + "…"


def record_text_notes(r: Record) -> list[str]:
    """A warning for each stored text of the record that is shown altered (bad UTF-8, cut)."""
    out = [f"{name}: {note}" for name, value in r.values.items() for note in text_notes(value)]
    for group, rows in r.related.items():
        for row in rows:
            out += [f"{group} {name}: {note}" for name, value in row.items()
                    for note in text_notes(value)]
    return out


def _confidence(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else "not stated"


def _exhibit(record: Record) -> dict[str, object]:
    found = record.related.get("exhibit") or ({},)
    return found[0]


def _finish(heading: str, fields: list[tuple[str, str]], links: Links, record: Record,
            warnings: list[str] | None = None) -> tuple[InspectorRecord, Links]:
    exhibit = _exhibit(record)
    if exhibit.get("id") is not None:
        label = exhibit.get("label")
        links.append((f"Exhibit: {label if label is not None else exhibit['id']}", "exhibit",
                      int(exhibit["id"])))  # type: ignore[call-overload]
    shown = [(label, value) for label, value in fields if value != ""]
    return InspectorRecord(
        heading=heading, fields=shown,
        exhibit_label=None if not exhibit else _text(exhibit.get("label")) or None,
        exhibit_sha256=None if not exhibit else _text(exhibit.get("sha256")) or None,
        exhibit_kind=None if not exhibit else _text(exhibit.get("kind")) or None,
        warnings=[*(warnings or []), *record_text_notes(record)],
    ), links


def _actor_line(name: object, ident: object, written: object) -> str:
    """``Courier K. (actor 2); written on the parcel: "M. Dupont"``."""
    parts = []
    if isinstance(ident, int):
        parts.append(f"{_text(name) or '(missing from the case)'} (actor {ident})")
    if written:
        parts.append(f"written on the parcel: {_text(written)}")
    return "; ".join(parts) or "not known"


def shipment_record(r: Record, zone: str) -> tuple[InspectorRecord, Links]:
    """A parcel: carrier, tracking, names as written vs actors behind them, content, legs."""
    v = r.values
    links: Links = []
    weight = v["weight_g"]
    fields = [
        ("Carrier", _text(v["carrier"])),
        ("Tracking number", _text(v["tracking_number"])),
        ("Status", vocab_label(_text(v["status"]))),
        ("Sender", _actor_line(v["sender_actor"], v["sender_actor_id"], v["sender_name"])),
        ("Recipient", _actor_line(v["recipient_actor"], v["recipient_actor_id"],
                                  v["recipient_name"])),
        ("Declared content", _text(v["declared_content"])),
        ("Real content", _text(v["real_content"])),
        ("Weight", f"{weight:,.0f} g" if isinstance(weight, int | float) else ""),
        ("Events", f"{v['event_count']:,}"),
    ]
    for role in ("sender", "recipient"):
        if isinstance(v[f"{role}_actor_id"], int):
            links.append((f"{role.capitalize()}: {_text(v[f'{role}_actor']) or '?'}", "actor",
                          int(v[f"{role}_actor_id"])))  # type: ignore[call-overload]
    for leg in r.related.get("legs", ()):
        route = (f"{_text(leg['from_place']) or '?'} → {_text(leg['to_place']) or '?'}")
        times = (f"{format_instant(leg['departed_ts'], zone)} → "  # type: ignore[arg-type]
                 f"{format_instant(leg['arrived_ts'], zone)}")  # type: ignore[arg-type]
        fields.append((f"Leg {leg['seq']}", f"{route}\n{times}"))
        for end in ("from", "to"):
            place = leg[f"{end}_place_id"]
            if isinstance(place, int) and ("place", place) not in {(k, i) for _, k, i in links}:
                links.append((f"Place: {_text(leg[f'{end}_place']) or place}", "place", place))
    return _finish(f"Shipment {r.id} — {_short(v['carrier'])} {_short(v['tracking_number'])}"
                   .strip(), fields, links, r)


def place_record(r: Record, zone: str) -> tuple[InspectorRecord, Links]:
    """A place: kind, position and how precise it is."""
    v = r.values
    lat, lon = v["lat"], v["lon"]
    position = (f"{lat:.5f}, {lon:.5f}" if isinstance(lat, int | float)
                and isinstance(lon, int | float) else "no coordinates in the case")
    warnings = ["a third party's place (to be masked in court exports)"] if v["third_party"] \
        else []
    fields = [
        ("Name", _text(v["name"])),
        ("Kind", vocab_label(_text(v["kind"]))),
        ("Position (lat, lon)", position),
        ("Known to", _text(v["precision"])),
        ("Country", _text(v["country_code"])),
        ("Shipment legs", f"{v['leg_count']:,}"),
    ]
    return _finish(f"Place {r.id} — {_short(v['name'])}", fields, [], r, warnings)


def identifier_record(r: Record, zone: str) -> tuple[InspectorRecord, Links]:
    """An identifier and who is said to use it, with confidence, justification and proof."""
    v = r.values
    links: Links = []
    warnings = []
    if v["third_party"]:
        warnings.append("registered to a third party (e.g. a stolen or hijacked number)")
    fields = [
        ("Kind", vocab_label(_text(v["kind"]))),
        ("Value", _text(v["value"])),
        ("Platform", _text(v["platform"])),
        ("Notes", _text(v["notes"])),
    ]
    if isinstance(v["platform_id"], int):
        links.append((f"Platform: {_text(v['platform']) or v['platform_id']}", "platform",
                      int(v["platform_id"])))  # type: ignore[call-overload]
    attributions = r.related.get("attributions", ())
    actors = {a["actor_id"] for a in attributions if isinstance(a["actor_id"], int)}
    if len(actors) > 1:
        warnings.append(f"attributed to {len(actors)} actors")
    for a in attributions:
        who = _text(a["display_name"]) or "(missing from the case)"
        proof = f"; exhibit {_text(a['label'])}" if a["label"] is not None else ""
        fields.append((f"{vocab_label(_text(a['kind']))}",
                       f"{who} (actor {a['actor_id']}), confidence "
                       f"{_confidence(a['confidence'])}{proof}\n{_text(a['justification'])}"
                       .strip()))
        if isinstance(a["actor_id"], int):
            links.append((f"Actor: {who}", "actor", int(a["actor_id"])))
        if isinstance(a["exhibit_id"], int):
            links.append((f"Exhibit: {_text(a['label']) or a['exhibit_id']}", "exhibit",
                          int(a["exhibit_id"])))
    return _finish(f"Identifier {r.id} — {_short(v['value'])}", fields, links, r, warnings)


def exhibit_record(r: Record, zone: str) -> tuple[InspectorRecord, Links]:
    """An exhibit: label, kind, acquired when and by whom, hash, path, citing records."""
    v = r.values
    citations = (r.related.get("citations") or ({},))[0]
    cited = ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in citations.items()
                      if n) or "no record"
    fields = [
        ("Label", _text(v["label"])),
        ("Kind", vocab_label(_text(v["kind"]))),
        ("Description", _text(v["description"])),
        ("Acquired", format_both(v["acquired_at"], zone)),  # type: ignore[arg-type]
        ("Acquired by", _text(v["acquired_by"])),
        ("Path", _text(v["path"])),
        ("Notes", _text(v["notes"])),
        ("Cited by", cited),
    ]
    record, links = _finish(f"Exhibit {r.id} — {_short(v['label'])}", fields, [], r)
    sha = _text(v["sha256"]) or None
    return InspectorRecord(heading=record.heading, fields=record.fields,
                           exhibit_label=_text(v["label"]) or None, exhibit_sha256=sha,
                           exhibit_kind=_text(v["kind"]) or None,
                           warnings=record.warnings), links


def platform_record(r: Record, zone: str) -> tuple[InspectorRecord, Links]:
    """A platform: name, kind, how many identifiers live there."""
    v = r.values
    fields = [("Name", _text(v["name"])), ("Kind", vocab_label(_text(v["kind"]))),
              ("Identifiers", f"{v['identifier_count']:,}")]
    return _finish(f"Platform {r.id} — {_short(v['name'])}", fields, [], r)


def actor_record(r: Record, zone: str) -> tuple[InspectorRecord, Links]:
    """An actor: role, notes, identifiers with their attribution, relations both ways."""
    v = r.values
    links: Links = []
    fields = [("Name", _text(v["display_name"])), ("Role", vocab_label(_text(v["role"]))),
              ("Notes", _text(v["notes"]))]
    identifiers = r.related.get("identifiers", ())
    relations = r.related.get("relations", ())
    for i in identifiers[:INSPECTOR_ROWS]:
        third = " — a third party's" if i["third_party"] else ""
        fields.append((vocab_label(_text(i["kind"])).capitalize(),
                       f"{_text(i['value'])} ({vocab_label(_text(i['attribution']))}, "
                       f"confidence {_confidence(i['confidence'])}){third}"))
        links.append((f"Identifier: {_text(i['value'])}", "identifier",
                      int(i["identifier_id"])))  # type: ignore[call-overload]
    if len(identifiers) > INSPECTOR_ROWS:
        fields.append(("Identifiers", f"… and {len(identifiers) - INSPECTOR_ROWS:,} more "
                                      "(every one is on the actor's card)"))
    for rel in relations[:INSPECTOR_ROWS]:
        other = rel["to_actor_id"] if rel["from_actor_id"] == r.id else rel["from_actor_id"]
        name = _text(rel["display_name"]) or "(missing from the case)"
        kind = vocab_label(_text(rel["kind"]))
        text = (f"{kind}: {name}" if rel["from_actor_id"] == r.id
                else f"{name} ({kind} this actor)")
        fields.append(("Relation", f"{text}, confidence {_confidence(rel['confidence'])}"
                                   f"\n{_text(rel['justification'])}".strip()))
        if isinstance(other, int):
            links.append((f"Associate: {name}", "actor", other))
    if len(relations) > INSPECTOR_ROWS:
        fields.append(("Relations", f"… and {len(relations) - INSPECTOR_ROWS:,} more "
                                    "(see the actor's card and link chart)"))
    return _finish(f"Actor {r.id} — {_short(v['display_name'])}", fields, links, r)


BUILDERS = {
    "shipment": shipment_record,
    "place": place_record,
    "identifier": identifier_record,
    "exhibit": exhibit_record,
    "platform": platform_record,
    "actor": actor_record,
}


def with_extras(record: InspectorRecord, extras: EventExtras) -> InspectorRecord:
    """An imported event's record with what it came with: source, time caveats, fields, tags.

    The source's field names are evidence too: shown as values under a fixed label, never as
    labels of their own making.
    """
    if extras.empty:
        return record
    fields = list(record.fields)
    warnings = list(record.warnings)
    if extras.imported_from:
        fields.append(("Imported from", extras.imported_from))
    for note in extras.time_notes:
        warnings.append(f"time: {note}")
    if extras.attributes_unreadable:
        warnings.append(extras.attributes_unreadable)
    if extras.tags:
        fields.append(("Source tags", ", ".join(str(t) for t in extras.tags)))
    for key, value in extras.attributes:
        fields.append(("Source field", f"{key} = {'' if value is None else value}"))
    if extras.attributes_total > len(extras.attributes):
        fields.append(("Source fields", f"{extras.attributes_total - len(extras.attributes):,} "
                                        "more not shown"))
    return dataclasses.replace(record, fields=fields, warnings=warnings)
