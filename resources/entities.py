"""The words every layer shares: what a record of the case is called, and what the views filter.

A leaf module (plain Python, no Qt, no database) so that storage, widgets and app all speak of
the same things: ``storage`` keys notes and linked-record reads by these kinds, widgets
request an :class:`EntityRef` when the user picks something, and ``app`` keeps the selection
and the :class:`Filters` in its state hub. A new kind of record, or a new filter field, is
added here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from collections.abc import Iterable

SELECTION_LIMIT = 10_000
"""Events one selection holds at most: a click on a crowded bin, Ctrl+A in the table. Beyond
that a filter is the tool (and every view would spend its time on the selection)."""

EntityKind = Literal["event", "actor", "identifier", "shipment", "place", "exhibit", "platform"]
ENTITY_KINDS: tuple[str, ...] = get_args(EntityKind)
"""Every kind of record a view can select, in the order menus and messages list them."""


@dataclass(frozen=True, slots=True, order=True)
class EntityRef:
    """A reference to one record of the case, by table and id."""

    kind: EntityKind
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> EntityRef:
        """Parse ``event:42`` (the ``--select`` syntax); ValueError with a clear message."""
        kind, sep, ident = text.partition(":")
        if not sep or kind not in ENTITY_KINDS:
            raise ValueError(f"expected KIND:ID with KIND one of {', '.join(ENTITY_KINDS)}: "
                             f"{text!r}")
        try:
            value = int(ident)
        except ValueError:
            raise ValueError(f"ID must be an integer: {text!r}") from None
        if not -(1 << 63) <= value < 1 << 63:
            raise ValueError(f"ID out of range (a case's ids are 64-bit integers): {text!r}")
        return cls(kind, value)  # type: ignore[arg-type]

    @classmethod
    def events(cls, ids: Iterable[int], limit: int = SELECTION_LIMIT) -> frozenset[EntityRef]:
        """Refs to events by id, the first ``limit`` of them (a selection, not a filter)."""
        return frozenset(cls("event", int(i)) for i in islice(ids, limit))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Filters:
    """What the views show. Empty sets mean "no restriction", an empty text matches all.

    The filter bar edits one and requests it; the state hub holds the one in force; the
    event set applies it. A field added here reaches all three.
    """

    kinds: frozenset[str] = field(default_factory=frozenset)
    actors: frozenset[int] = field(default_factory=frozenset)
    platforms: frozenset[int] = field(default_factory=frozenset)
    text: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)
    """The user's tags (from the notes store): events tagged, or of a tagged actor."""

    @property
    def active(self) -> bool:
        """True when anything is filtered out."""
        return bool(self.kinds or self.actors or self.platforms or self.text.strip()
                    or self.tags)
