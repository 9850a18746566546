"""Seller cards: the gallery of actors and the full card, linked to every view.

Figures come from the event columns already in memory (counts, first and last seen, weeks)
and from two small reads (every actor with their identifiers; then, per card, relations,
shipments, turnover, places), all on workers. An identifier attributed to several actors, or
found on events of several actors, is flagged on each of their cards; one registered to a
third party (the pensioners' line) is flagged as such.

Choosing a card selects the actor in the state hub, so the timeline and the table mark
their events; selecting an event, an identifier or an actor anywhere brings their card
forward.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.controllers.inspector import annotation_fields
from app.controllers.link_chart import LinkIndex, link_index, network
from app.failures import log_failure
from app.state import EntityRef
from app.workers import LatestOnly
from resources import badge_path
from storage.case.time_rules import plausible
from storage.reads.actors import (
    ActorDirectory,
    IdentifierLink,
    read_actor_detail,
    read_directory,
    read_relations,
    read_shared_on_events,
    read_shipment_counts,
    read_shipment_sender,
)
from widgets.cards import CardDetail, CardItem, CardSummary
from widgets.cards.gallery import search_key
from widgets.labels import vocab_label
from widgets.timefmt import format_instant

if TYPE_CHECKING:
    from app.controllers.annotations import Annotations
    from app.controllers.case_events import CaseEvents
    from app.controllers.event_set import EventSet
    from app.session import CaseSession
    from app.state import AppState
    from app.workers import Runner, TaskContext
    from storage.reads.actors import ActorDetail, RelationEdge
    from widgets.cards import ActorCardView, ActorGallery
    from widgets.cards.link_chart import LinkChartView

log = logging.getLogger(__name__)
WEEKS = 26
WEEK_US = 7 * 86_400_000_000
COUNTED_KINDS = (("ad_posted", "Ads"), ("test_purchase", "Test purchases"),
                 ("message", "Messages"), ("payment", "Payments"),
                 ("parcel_posted", "Parcels posted"), ("delivery", "Deliveries"))


_Built = tuple[ActorDirectory, tuple["RelationEdge", ...], "ActorFigures", list[CardSummary],
               LinkIndex]


_Shared = tuple[dict[int, tuple[int, ...]], list[CardSummary], LinkIndex,
                dict[int, tuple[int, int]]]


@dataclass(frozen=True, slots=True, eq=False)
class ActorFigures:
    """Per actor (in ``ids`` order): events, first and last placeable time, weekly counts."""

    ids: np.ndarray  # sorted actor ids
    events: np.ndarray
    first: np.ndarray  # -1: never
    last: np.ndarray
    weeks: np.ndarray  # (actors, WEEKS), the case's last WEEKS weeks

    def index(self, actor_id: int) -> int | None:
        i = int(np.searchsorted(self.ids, actor_id))
        return i if i < len(self.ids) and int(self.ids[i]) == actor_id else None


def actor_figures(events: EventSet, actor_ids: np.ndarray) -> ActorFigures:
    """Counts and times per actor from the columns in memory: a few passes, no sort."""
    ids = np.unique(np.asarray(actor_ids, dtype=np.int64))
    n = len(ids)
    c = events.columns
    actor = c.actor
    keep = actor >= 0
    pos = np.searchsorted(ids, actor[keep]) if n else np.zeros(0, dtype=np.int64)
    known = np.zeros(len(pos), dtype=bool)
    inside = pos < n
    known[inside] = ids[pos[inside]] == actor[keep][inside]
    idx = pos[known]
    ts = c.ts[keep][known]
    counts = np.bincount(idx, minlength=n).astype(np.int64)
    good = plausible(ts)
    idx_t, ts_t = idx[good], ts[good]
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    weeks = np.zeros((n, WEEKS), dtype=np.int32)
    if len(ts_t):
        # ufunc.at is a plain loop in numpy 2 (~20 ms for 10^7 events; a sort took 1.4 s)
        np.maximum.at(last, idx_t, ts_t)
        first[:] = np.iinfo(np.int64).max
        np.minimum.at(first, idx_t, ts_t)
        first[first == np.iinfo(np.int64).max] = -1
        end = int(ts_t.max()) + 1
        week = (end - 1 - ts_t) // WEEK_US
        recent = week < WEEKS
        cells = idx_t[recent] * WEEKS + (WEEKS - 1 - week[recent])
        weeks = np.bincount(cells, minlength=n * WEEKS).astype(np.int32).reshape(n, WEEKS)
    return ActorFigures(ids, counts, first, last, weeks)


def _activity(figures: ActorFigures) -> dict[int, int]:
    return dict(zip(figures.ids.tolist(), figures.events.tolist(), strict=True))


def shared_identifiers(directory: ActorDirectory,
                       on_events: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """Identifier id → the actors it links (attributed to several, or on their events)."""
    holders: dict[int, set[int]] = defaultdict(set)
    for link in directory.links:
        holders[link.identifier_id].add(link.actor_id)
    for ident, actors in on_events.items():
        holders[ident].update(actors)
    return {i: tuple(sorted(a)) for i, a in holders.items() if len(a) > 1}


def summaries(directory: ActorDirectory, figures: ActorFigures, zone: str,
              shared: dict[int, tuple[int, ...]]) -> list[CardSummary]:
    """One gallery card per actor."""
    by_actor: dict[int, list[IdentifierLink]] = defaultdict(list)
    for link in directory.links:
        by_actor[link.actor_id].append(link)
    cards = []
    for row in directory.actors:
        i = figures.index(row.id)
        links = by_actor.get(row.id, [])
        seen: dict[int, None] = {}
        for link in links:
            if link.platform_id is not None:
                seen.setdefault(link.platform_id)
        badges = tuple((directory.platforms[p][0], str(badge_path(directory.platforms[p][1])))
                       for p in seen if p in directory.platforms)
        flags = []
        if any(link.identifier_id in shared for link in links):
            flags.append("shared identifier")
        if any(link.third_party for link in links):
            flags.append("a third party's identifier")
        last = -1 if i is None else int(figures.last[i])
        cards.append(CardSummary(
            actor_id=row.id, name=row.name, role=vocab_label(row.role),
            events=0 if i is None else int(figures.events[i]),
            last_seen_us=last, zone=zone,
            weeks=np.zeros(WEEKS, dtype=np.int32) if i is None else figures.weeks[i],
            badges=badges,
            search_text=" ".join(search_key(t) for t in (row.name, *(x.value for x in links))),
            flags=tuple(flags)))
    return cards


class CardsController(QObject):
    """Connects the gallery and the full card to ``AppState`` and the open case."""

    sig_cards_shown = Signal()  # the gallery holds every actor (benchmarks measure it)
    sig_card_shown = Signal(int)  # the full card of this actor is on screen
    sig_chart_shown = Signal(int)  # the link chart of this actor is drawn

    def __init__(self, gallery: ActorGallery, card: ActorCardView, chart: LinkChartView,
                 state: AppState, session: CaseSession, events: CaseEvents,
                 runner: Runner, annotations: Annotations | None = None) -> None:
        super().__init__(gallery)
        self._annotations = annotations
        if annotations is not None:
            annotations.sig_changed.connect(self._on_annotations_changed)
            annotations.sig_marks_changed.connect(self._show_marks)
        self._gallery = gallery
        self._card = card
        self._chart = chart
        self._chart_job: LatestOnly[tuple[list, list, str]] = LatestOnly(runner)
        self._relations: tuple[RelationEdge, ...] = ()
        self._link_index: LinkIndex | None = None
        self._shipments: dict[int, tuple[int, int]] | None = None  # per actor, once read
        self._state = state
        self._session = session
        self._events = events
        self._build = LatestOnly(runner)
        self._shared_job = LatestOnly(runner)
        self._detail_job = LatestOnly(runner)
        self._sender_job: LatestOnly[int | None] = LatestOnly(runner)
        self._directory: ActorDirectory | None = None
        self._figures: ActorFigures | None = None
        self._shared: dict[int, tuple[int, ...]] = {}
        self.ready = False
        self._pending: int | None = None  # the actor whose card is being read
        self._failed = False
        self._chart_pending: int | None = None
        gallery.sig_actor_requested.connect(self._on_gallery_actor_requested)
        chart.sig_actor_requested.connect(self._on_gallery_actor_requested)
        card.sig_ref_requested.connect(self._on_card_ref_requested)
        state.sig_selection_changed.connect(self._on_state_selection_changed)
        events.sig_events_loaded.connect(self._on_events_loaded)
        events.sig_loaded.connect(self._on_events_finished)
        events.sig_reset.connect(self._on_events_reset)

    # -- building the gallery ------------------------------------------------------------------
    def _on_events_loaded(self, event_set: EventSet) -> None:
        source = self._session.source
        if source is None:
            return
        zone = self._events.zone

        def task(ctx: TaskContext) -> _Built:
            con = source.connect()
            try:
                directory = read_directory(con)
                relations = read_relations(con)
            finally:
                con.close()
            ids = np.fromiter((a.id for a in directory.actors), dtype=np.int64,
                              count=len(directory.actors))
            figures = actor_figures(event_set, ids)
            shared = shared_identifiers(directory, {})
            index = link_index(directory, relations, shared, _activity(figures))
            return (directory, relations, figures, summaries(directory, figures, zone, shared),
                    index)

        self._build.request(task, self._on_built, self._on_failed)

    def _on_events_finished(self) -> None:
        """The load ended; if the events could not be read there will be no cards."""
        if self._events.events is None and not self.ready:
            self._failed = True
            self.sig_cards_shown.emit()

    def _on_built(self, result: _Built) -> None:
        self._directory, self._relations, self._figures, cards, self._link_index = result
        self._shared = shared_identifiers(self._directory, {})
        self._gallery.set_cards(cards)
        self._show_marks()
        self.ready = True
        self.sig_cards_shown.emit()
        self._on_state_selection_changed(self._state.selection)
        self._find_shared_on_events()

    def _find_shared_on_events(self) -> None:
        """Identifiers on events of several actors: one scan, after the gallery is shown."""
        source, directory, figures = self._session.source, self._directory, self._figures
        if source is None or directory is None or figures is None:
            return
        zone = self._events.zone

        relations = self._relations

        def task(ctx: TaskContext) -> _Shared:
            con = source.connect()
            try:
                on_events = read_shared_on_events(con)
                shipments = read_shipment_counts(con)
            finally:
                con.close()
            shared = shared_identifiers(directory, on_events)
            return (shared, summaries(directory, figures, zone, shared),
                    link_index(directory, relations, shared, _activity(figures)), shipments)

        def done(result: _Shared) -> None:  # on the UI thread: a stale one never gets here
            self._shared, cards, self._link_index, self._shipments = result
            self._gallery.set_cards(cards)
            self._on_state_selection_changed(self._state.selection)

        self._shared_job.request(task, done, self._on_failed, background=True)

    def _on_failed(self, exc: BaseException) -> None:
        log_failure(log, "The actor cards could not be read", exc)
        if not self.ready:
            self._failed = True
            self.sig_cards_shown.emit()

    def _on_events_reset(self) -> None:
        for job in (self._build, self._shared_job, self._detail_job, self._chart_job,
                    self._sender_job):
            job.cancel()
        self._relations = ()
        self._link_index = None
        self._shipments = None
        self._chart.show_graph((), (), "Select an actor to see their network")
        self._directory = self._figures = None
        self._shared = {}
        self.ready = self._failed = False
        self._pending = self._chart_pending = None
        self._gallery.set_cards([])
        self._card.show_card(None)

    def _on_annotations_changed(self, ref: EntityRef) -> None:
        shown = self._card.shown_actor()
        if shown is None or self._directory is None:
            return
        if ref == EntityRef("actor", shown) or (ref.kind == "identifier" and any(
                x.identifier_id == ref.id for x in self._directory.links_of(shown))):
            self._show_card(shown)

    def _show_marks(self) -> None:
        self._gallery.set_marks(self._marks("actor"))

    def _marks(self, kind: str) -> dict[int, str]:
        return {} if self._annotations is None else self._annotations.marks(kind)

    # -- view intent → state ------------------------------------------------------------------
    def _on_gallery_actor_requested(self, actor_id: int) -> None:
        self._state.set_selection(frozenset({EntityRef("actor", actor_id)}))

    def _on_card_ref_requested(self, kind: str, ident: int) -> None:
        self._state.set_selection(frozenset({EntityRef(kind, int(ident))}))  # type: ignore[arg-type]

    # -- state → views ------------------------------------------------------------------------
    def actor_of(self, refs: frozenset[EntityRef]) -> int | None:
        """The actor a selection is about: an actor, an event's actor, an identifier's."""
        if len(refs) != 1:
            return None
        (ref,) = refs
        if ref.kind == "actor":
            return ref.id
        events = self._events.events
        if ref.kind == "event" and events is not None:
            rows = events.rows_in_order(np.asarray([ref.id]))
            actor = int(events.columns.actor[rows[0]]) if len(rows) else -1
            return actor if actor >= 0 else None
        if ref.kind == "identifier" and self._directory is not None:
            holders = [x.actor_id for x in self._directory.links if x.identifier_id == ref.id]
            return holders[0] if holders else None
        return None

    def _on_state_selection_changed(self, refs: frozenset[EntityRef]) -> None:
        if not self.ready:
            return
        if len(refs) == 1 and next(iter(refs)).kind == "shipment":
            self._show_sender_of(next(iter(refs)).id)
            return
        actor = self.actor_of(refs)
        if actor is None:
            return
        self._show_actor(actor)

    def _show_sender_of(self, shipment_id: int) -> None:
        """A parcel brings forward the card of who sent it (one primary-key read)."""
        source = self._session.source
        if source is None:
            return

        def task(ctx: TaskContext) -> int | None:
            con = source.connect()
            try:
                return read_shipment_sender(con, shipment_id)
            finally:
                con.close()

        def done(actor: int | None) -> None:
            if actor is not None and self._state.selection == frozenset(
                    {EntityRef("shipment", shipment_id)}):
                self._show_actor(actor)

        self._sender_job.request(task, done, self._on_failed)

    def _show_actor(self, actor: int) -> None:
        self._gallery.show_current(actor)
        self._show_card(actor)
        self._show_chart(actor)

    def _show_chart(self, actor_id: int) -> None:
        index = self._link_index
        if index is None:
            return

        def task(ctx: TaskContext) -> tuple[list, list, str]:
            return network(actor_id, index)

        def done(result: tuple[list, list, str]) -> None:
            self._chart_pending = None
            nodes, edges, note = result
            self._chart.show_graph(nodes, edges, note)
            self.sig_chart_shown.emit(actor_id)

        def failed(exc: BaseException) -> None:
            self._chart_pending = None
            self._on_failed(exc)
            self.sig_chart_shown.emit(actor_id)

        self._chart_pending = actor_id
        self._chart_job.request(task, done, failed)

    def _show_card(self, actor_id: int) -> None:
        source, directory, figures = self._session.source, self._directory, self._figures
        event_set = self._events.events
        if source is None or directory is None or figures is None or event_set is None:
            return
        zone, shared = self._events.display_zone, dict(self._shared)
        marks = self._marks("identifier")
        counts = self._shipments
        known = None if counts is None else counts.get(actor_id, (0, 0))

        def task(ctx: TaskContext) -> CardDetail | None:
            con = source.connect()
            try:
                detail = read_actor_detail(con, actor_id, known)
            finally:
                con.close()
            if detail is None:
                return None
            return full_card(actor_id, detail, directory, figures, event_set, shared, zone,
                             marks)

        def done(card: CardDetail | None) -> None:
            self._pending = None
            if card is not None:
                mine = annotation_fields(self._annotations, EntityRef("actor", actor_id))
                card = replace(card, facts=[*card.facts, *mine])
            self._card.show_card(card)
            self.sig_card_shown.emit(actor_id)

        def failed(exc: BaseException) -> None:
            self._pending = None
            self._on_failed(exc)
            self.sig_card_shown.emit(actor_id)

        self._pending = actor_id
        self._detail_job.request(task, done, failed)

    @property
    def settled(self) -> bool:
        """The gallery is built (or failed) and no card is being read: a picture may be taken."""
        return ((self.ready or self._failed) and self._pending is None
                and self._chart_pending is None)


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def full_card(actor_id: int, detail: ActorDetail, directory: ActorDirectory,
              figures: ActorFigures, events: EventSet, shared: dict[int, tuple[int, ...]],
              zone: str, marks: dict[int, str] | None = None) -> CardDetail:
    """Format one actor's full card (on a worker: pure Python and numpy).

    ``marks``: the user's tags and notes on identifiers, shown under each one.
    """
    row = next((a for a in directory.actors if a.id == actor_id), None)
    name = row.name if row is not None else f"#{actor_id}"
    names = {a.id: a.name for a in directory.actors}
    i = figures.index(actor_id)
    facts: list[tuple[str, str]] = [("Role", vocab_label(row.role) if row else "")]
    links = directory.links_of(actor_id)
    aliases = [x.value for x in links if x.kind in ("pseudonym", "account")]
    if aliases:
        facts.append(("Aliases", ", ".join(aliases[:12]) + ("…" if len(aliases) > 12 else "")))
    if i is not None and figures.first[i] >= 0:
        facts.append(("First seen", format_instant(int(figures.first[i]), zone)))
        facts.append(("Last seen", format_instant(int(figures.last[i]), zone)))
    facts.append(("Events", f"{0 if i is None else int(figures.events[i]):,}"))
    c = events.columns
    mine = c.kind[c.actor == actor_id]
    per_kind = np.bincount(mine, minlength=len(c.kinds)) if len(mine) else np.zeros(
        len(c.kinds), dtype=np.int64)
    counts = []
    for kind, label in COUNTED_KINDS:
        if kind in c.kinds:
            counts.append(f"{label} {int(per_kind[c.kinds.index(kind)]):,}")
    counts.append(f"Shipments sent {detail.shipments_sent:,}, received "
                  f"{detail.shipments_received:,}")
    facts.append(("Counts", " · ".join(counts)))
    if detail.turnover:
        facts.append(("Turnover", "; ".join(
            f"{total:,.2f} {currency or '(no currency)'} in {n:,} payments"
            for currency, total, n in detail.turnover)))
    if detail.notes:
        facts.append(("Notes", detail.notes))
    groups: list[tuple[str, list[CardItem]]] = []
    by_kind: dict[str, list[IdentifierLink]] = defaultdict(list)
    for link in links:
        by_kind[link.kind].append(link)
    warnings = []
    for kind in sorted(by_kind):
        items = []
        for link in by_kind[kind]:
            platform = directory.platforms.get(link.platform_id or -1, ("", ""))[0]
            conf = (f"{link.confidence:.0%}" if link.confidence is not None
                    else "confidence not stated")
            text = f"{link.value}" + (f" ({platform})" if platform else "")
            text += f" — {vocab_label(link.attribution)}, {conf}"
            children = []
            if mark := (marks or {}).get(link.identifier_id):
                children.append(CardItem(f"Your tags: {mark}"))
            if link.justification:
                children.append(CardItem(f"Why: {link.justification}"))
            if link.exhibit_id is not None:
                children.append(CardItem(f"Exhibit {link.exhibit_label or link.exhibit_id}",
                                         "Show the exhibit and its SHA-256",
                                         ("exhibit", link.exhibit_id)))
            others = [a for a in shared.get(link.identifier_id, ()) if a != actor_id]
            for other in others:
                children.append(CardItem(f"also used by {names.get(other, f'#{other}')}",
                                         "Show their card", ("actor", other), warning=True))
            if link.third_party:
                children.append(CardItem("registered to a third party (mask in court exports)",
                                         warning=True))
                warnings.append(f"{_short(link.value)}: a third party's {link.kind}")
            if others:
                warnings.append(f"{_short(link.value)} is shared with {len(others)} other "
                                "actor" + ("s" if len(others) > 1 else ""))
            items.append(CardItem(text, link.justification or "",
                                  ("identifier", link.identifier_id),
                                  warning=bool(others) or link.third_party,
                                  children=tuple(children)))
        groups.append((f"{vocab_label(kind).capitalize()} ({len(items)})", items))
    if detail.relations:
        groups.append((f"Associates ({len(detail.relations)})", [
            CardItem((f"{vocab_label(r.kind)}: {r.other_name}" if r.outgoing
                      else f"{r.other_name} ({vocab_label(r.kind)} this actor)")
                     + (f", {r.confidence:.0%}" if r.confidence is not None else ""),
                     r.justification or "", ("actor", r.other_id))
            for r in detail.relations]))
    if detail.places:
        groups.append((f"Places ({len(detail.places)})", [
            CardItem(f"{place} — {n:,} events", "", ("place", pid))
            for pid, place, n in detail.places]))
    return CardDetail(actor_id=actor_id, heading=f"{name} (actor {actor_id})", facts=facts,
                      groups=groups, warnings=warnings)
