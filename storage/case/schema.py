"""Case format v1 as SQLAlchemy 2 typed models.

This module is the single source of truth for the case format: ``docs/case-format.md`` documents
it column by column and a test checks that the DDL printed there matches ``Base.metadata``.

Conventions that every table follows (why they matter is in the doc):

- Times are ``INTEGER`` microseconds since 1970-01-01T00:00:00 UTC. pandas timestamps stop at
  2262, evidence sometimes carries 1601 or 9999 sentinels: integers keep them all exactly.
- Every record that comes from evidence cites an ``exhibit``: court exports trace back to it.
- Version 1.2 added what imports need, as tables older readers ignore: ``event_attribute`` and
  ``event_tag`` (the fields of a Timesketch or Plaso row that have no column here),
  ``event_time_flag`` (how a row's time was read), ``import_file`` and ``import_log`` (each
  imported file, and the rows it skipped with their line and reason).
- Vocabulary columns (``kind``, ``role``, ``precision``...) are plain ``TEXT``; the values we
  write are listed in :mod:`storage.case.vocab`, and readers show unknown values as they are rather
  than refusing a case written by another tool.
"""

from __future__ import annotations

from sqlalchemy import (
    REAL,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The optional full-text index is defined beside its reader (no SQLAlchemy there, so the
# generator's worker process can use it); re-exported here with the rest of the format.
from storage.case.fts import FTS_DDL as FTS_DDL
from storage.case.fts import FTS_REBUILD as FTS_REBUILD
from storage.case.fts import FTS_TABLE as FTS_TABLE

FORMAT_MAJOR = 1
"""Readers refuse a case whose major version is higher: its meaning may have changed."""
FORMAT_MINOR = 2
"""Minor versions only add optional tables or nullable columns: older readers ignore them."""
FORMAT_VERSION = f"{FORMAT_MAJOR}.{FORMAT_MINOR}"

APPLICATION_ID = 0x46494C31  # "FIL1": PRAGMA application_id of cases Filature writes

#: Tables a case must hold (possibly empty) to be opened.
REQUIRED_TABLES = (
    "case_info",
    "exhibit",
    "platform",
    "actor",
    "identifier",
    "attribution",
    "place",
    "shipment",
    "shipment_leg",
    "event",
    "relation",
)
#: Tables of format 1.2 that imports fill; optional (Filature's writers create them, empty).
IMPORT_TABLES = ("event_attribute", "event_tag", "event_time_flag", "import_file", "import_log")
#: Keys ``case_info`` must hold.
REQUIRED_INFO_KEYS = ("format_version", "title", "time_zone")


class Base(DeclarativeBase):
    """Declarative base; one ``MetaData`` for the whole case format."""

    metadata = MetaData()


class CaseInfo(Base):
    """Key/value facts about the case: format version, title, reference, time zone..."""

    __tablename__ = "case_info"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Exhibit(Base):
    """A piece of evidence (a "scellé"): everything shown traces back to one."""

    __tablename__ = "exhibit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    acquired_at: Mapped[int | None] = mapped_column(Integer)
    acquired_by: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Platform(Base):
    """Where accounts live and messages travel: Snapchat, Signal, a dark-net market, a carrier."""

    __tablename__ = "platform"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text)


class Actor(Base):
    """A person or organisation as the investigation knows it (not necessarily a real name)."""

    __tablename__ = "actor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"))

    attributions: Mapped[list[Attribution]] = relationship(
        back_populates="actor", order_by="Attribution.id"
    )


class Identifier(Base):
    """An account, pseudonym, phone number, e-mail, wallet, IBAN or IP trace."""

    __tablename__ = "identifier"
    __table_args__ = (Index("ix_identifier_value", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    third_party: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    platform: Mapped[Platform | None] = relationship()
    attributions: Mapped[list[Attribution]] = relationship(
        back_populates="identifier", order_by="Attribution.id"
    )


class Attribution(Base):
    """Why we think an identifier is used by an actor: confidence, justification, exhibit.

    A separate table because one identifier may point at several people (a hijacked phone
    number is used by a seller *and* belongs to a pensioner) and each link needs its own proof.
    """

    __tablename__ = "attribution"
    __table_args__ = (
        Index("ix_attribution_actor", "actor_id"),
        Index("ix_attribution_identifier", "identifier_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifier.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id"))
    kind: Mapped[str] = mapped_column(Text, default="uses", server_default="uses")
    confidence: Mapped[float | None] = mapped_column(REAL)
    justification: Mapped[str | None] = mapped_column(Text)
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"))

    identifier: Mapped[Identifier] = relationship(back_populates="attributions")
    actor: Mapped[Actor] = relationship(back_populates="attributions")


class Place(Base):
    """A point on the map with the precision it is known to (country ... exact address)."""

    __tablename__ = "place"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(REAL)
    lon: Mapped[float | None] = mapped_column(REAL)
    precision: Mapped[str] = mapped_column(Text)
    country_code: Mapped[str | None] = mapped_column(Text)
    third_party: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Shipment(Base):
    """A parcel or consignment: declared versus real content, legs, outcome."""

    __tablename__ = "shipment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier: Mapped[str | None] = mapped_column(Text)
    tracking_number: Mapped[str | None] = mapped_column(Text)
    sender_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id"))
    recipient_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id"))
    sender_name: Mapped[str | None] = mapped_column(Text)
    recipient_name: Mapped[str | None] = mapped_column(Text)
    weight_g: Mapped[float | None] = mapped_column(REAL)
    declared_content: Mapped[str | None] = mapped_column(Text)
    real_content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"))

    legs: Mapped[list[ShipmentLeg]] = relationship(order_by="ShipmentLeg.seq")


class ShipmentLeg(Base):
    """One hop of a shipment: origin, hub or destination, with its times."""

    __tablename__ = "shipment_leg"
    __table_args__ = (
        UniqueConstraint("shipment_id", "seq"),
        Index("ix_shipment_leg_departed", "departed_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id"))
    seq: Mapped[int] = mapped_column(Integer)
    from_place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    to_place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    departed_ts: Mapped[int | None] = mapped_column(Integer)
    arrived_ts: Mapped[int | None] = mapped_column(Integer)
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"))


class Event(Base):
    """Something that happened at a time: the timeline's rows, millions of them.

    ``ts`` is the best estimate; ``ts_min``/``ts_max`` bound it when the source is vague
    ("the afternoon of 3 May"); ``end_ts`` closes an interval (a courier round, a call).
    ``ts_raw`` and ``ts_zone`` keep the value as the source wrote it, for the court.
    """

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_ts", "ts"),
        Index("ix_event_actor_ts", "actor_id", "ts"),
        Index("ix_event_kind_ts", "kind", "ts"),
        # Partial: most events belong to no parcel (0.15 s instead of 0.4 s to build at 10^6).
        Index("ix_event_shipment", "shipment_id",
              sqlite_where=text("shipment_id IS NOT NULL"),
              postgresql_where=text("shipment_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(Integer)
    precision: Mapped[str] = mapped_column(Text, default="second", server_default="second")
    ts_min: Mapped[int | None] = mapped_column(Integer)
    ts_max: Mapped[int | None] = mapped_column(Integer)
    end_ts: Mapped[int | None] = mapped_column(Integer)
    ts_raw: Mapped[str | None] = mapped_column(Text)
    ts_zone: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id"))
    counterpart_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id"))
    identifier_id: Mapped[int | None] = mapped_column(ForeignKey("identifier.id"))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"))
    amount: Mapped[float | None] = mapped_column(REAL)
    currency: Mapped[str | None] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[float | None] = mapped_column(REAL)
    unit: Mapped[str | None] = mapped_column(Text)
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"))
    source_record: Mapped[str | None] = mapped_column(Text)


class Relation(Base):
    """A link between two actors (supplier-of, works-for, same-person-as) with its proof."""

    __tablename__ = "relation"
    __table_args__ = (Index("ix_relation_from", "from_actor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id"))
    to_actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id"))
    kind: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(REAL)
    justification: Mapped[str | None] = mapped_column(Text)
    exhibit_id: Mapped[int | None] = mapped_column(ForeignKey("exhibit.id"))


# -- format 1.2: what imports keep (optional tables; older readers ignore them) ---------------
class EventAttribute(Base):
    """The fields of an imported row with no column of their own (``data_type``, ``filename``…).

    One row per event, the fields packed as a JSON object (``{"data_type": "syslog:line",
    "ships_to": ["GB", "FR"]}``): each value is the text the source held, or a list of texts
    for a multi-valued column; a blank field is no member (a reader skips ``null`` as blank).
    Packed, so that a timeline with 300 distinct columns needs no 300-column table and an
    import binds one row per event, not one per field (6 to 12 per event).
    """

    __tablename__ = "event_attribute"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), primary_key=True)
    fields: Mapped[str] = mapped_column(Text)


class EventTag(Base):
    """A tag the source gave an event (Timesketch's ``tag``): evidence, not the user's notes."""

    __tablename__ = "event_tag"
    __table_args__ = (Index("ix_event_tag_event", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    tag: Mapped[str] = mapped_column(Text)


class EventTimeFlag(Base):
    """How an imported event's time was read, when it needed saying (bits, see the doc)."""

    __tablename__ = "event_time_flag"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), primary_key=True)
    flags: Mapped[int] = mapped_column(Integer)


class ImportFile(Base):
    """One imported file: what it was, how it was read, what came of it."""

    __tablename__ = "import_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("exhibit.id"))
    name: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str | None] = mapped_column(Text)
    time_zone: Mapped[str | None] = mapped_column(Text)
    profile: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    rows_skipped: Mapped[int] = mapped_column(Integer)
    blank_records: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    notes: Mapped[str | None] = mapped_column(Text)


class ImportLog(Base):
    """A row of an imported file that was skipped (or imported with a caveat), and why."""

    __tablename__ = "import_log"
    __table_args__ = (Index("ix_import_log_file", "import_id", "line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_file.id"))
    line: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
