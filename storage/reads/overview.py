"""The case overview: what a case holds, read once when it opens.

Small object graphs (the exhibit list) go through the ORM; counts and the time span are single
aggregate queries on the raw connection so they stay fast at ten million events (``min``/``max``
on ``ts`` use ``ix_event_ts``; ``count(*)`` scans the smallest index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.case.schema import REQUIRED_TABLES, Exhibit
from storage.case.time_rules import PLAUSIBLE_FROM_US, PLAUSIBLE_UNTIL_US
from storage.reads.events import event_kinds
from storage.reads.imports import CaseImports, read_imports

if TYPE_CHECKING:
    from collections.abc import Mapping

    from storage.case.opener import CaseSource


@dataclass(frozen=True, slots=True)
class ExhibitSummary:
    """One exhibit as the overview lists it."""

    id: int
    label: str
    kind: str
    description: str | None
    acquired_at: int | None
    acquired_by: str | None
    sha256: str | None


@dataclass(frozen=True, slots=True)
class CaseOverview:
    """Facts about an open case; plain data, safe to hand to any thread or view."""

    info: Mapping[str, str]
    time_zone: str
    first_ts: int | None
    last_ts: int | None
    counts: Mapping[str, int]
    kind_counts: Mapping[str, int]
    exhibits: tuple[ExhibitSummary, ...] = field(default=())
    has_fts: bool = False
    unplaced_events: int = 0
    """Events whose time is not set (0, NULL, not an integer) or implausible: listed, but
    left off the timeline and out of ``first_ts``/``last_ts`` (storage.case.time_rules)."""
    imports: CaseImports = field(default_factory=CaseImports)
    """The files ``main.py import`` made the case from, and the rows it skipped."""

    @property
    def title(self) -> str:
        """Case title, or a neutral placeholder when the case has none."""
        return self.info.get("title", "") or "Untitled case"


def read_overview(source: CaseSource) -> CaseOverview:
    """Read the overview of ``source`` (a few aggregate queries and the exhibit list)."""
    con = source.connect()
    try:
        cur = con.cursor()
        counts: dict[str, int] = {}
        for table in REQUIRED_TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")  # names come from our own constant
            counts[table] = int(cur.fetchone()[0])
        # Two statements: SQLite answers a lone min() or max() from the index in O(log n), but
        # scans the table for both at once (0.09 s at 10^6 events). Only plausible times count:
        # one event at ts = 0 must not make a 2024 case start in 1970.
        placeable = f"ts >= {PLAUSIBLE_FROM_US} AND ts < {PLAUSIBLE_UNTIL_US}"
        cur.execute(f"SELECT min(ts) FROM event WHERE {placeable}")
        first_ts = cur.fetchone()[0]
        cur.execute(f"SELECT max(ts) FROM event WHERE {placeable}")
        last_ts = cur.fetchone()[0]
        # Through ix_event_ts too (text sorts after numbers): a few ms when all is well.
        cur.execute(f"SELECT count(*) FROM event WHERE ts IS NULL OR ts < {PLAUSIBLE_FROM_US} "
                    f"OR ts >= {PLAUSIBLE_UNTIL_US}")
        unplaced = int(cur.fetchone()[0])
        kind_counts = dict(event_kinds(con))
        imports = read_imports(con)
    finally:
        con.close()
    with Session(source.engine) as session:
        exhibits = tuple(
            ExhibitSummary(
                id=row.id,
                label=row.label,
                kind=row.kind,
                description=row.description,
                acquired_at=row.acquired_at,
                acquired_by=row.acquired_by,
                sha256=row.sha256,
            )
            for row in session.scalars(select(Exhibit).order_by(Exhibit.id))
        )
    return CaseOverview(
        info=dict(source.info),
        time_zone=source.time_zone,
        first_ts=_as_int(first_ts),
        last_ts=_as_int(last_ts),
        counts=counts,
        kind_counts=kind_counts,
        exhibits=exhibits,
        has_fts=source.has_fts,
        unplaced_events=unplaced,
        imports=imports,
    )


def _as_int(value: object) -> int | None:
    """A timestamp column value as ``int``; anything else (NULL, text in a hostile file) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return None
