"""Seller cards: the gallery of actors and the full card, linked to every view.

The directory (actors, identifiers, relations) is read when the case opens, beside the
events; figures come from the event columns in memory (counts, first and last seen, weeks,
kinds); what needs a scan of the events (places, turnover, identifiers seen on several
actors' events) is read once on the background thread after the gallery is shown. An
identifier attributed to several actors, or found on events of several actors, is flagged
on each of their cards; one registered to a third party (the pensioners' line) is flagged.

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
    ActorAggregates,
    ActorDirectory,
    IdentifierLink,
    RelationTable,
    read_actor_aggregates,
    read_actor_detail,
    read_directory,
    read_relations,
    read_shipment_sender,
)
from widgets.cards import CardDetail, CardItem
from widgets.cards.gallery import (
    SHARED_FLAG,
    THIRD_PARTY_FLAG,
    GalleryColumns,
    ranks,
    search_key,
)
from widgets.labels import vocab_label
from widgets.timefmt import format_instant

if TYPE_CHECKING:
    from app.controllers.annotations import Annotations
    from app.controllers.case_events import CaseEvents
    from app.controllers.event_set import EventSet
    from app.session import CaseSession
    from app.state import AppState
    from app.workers import Runner, TaskContext
    from storage.reads.actors import ActorDetail
    from storage.reads.overview import CaseOverview
    from widgets.cards import ActorCardView, ActorGallery
    from widgets.cards.link_chart import LinkChartView

log = logging.getLogger(__name__)
WEEKS = 26
WEEK_US = 7 * 86_400_000_000
COUNTED_KINDS = (("ad_posted", "Ads"), ("test_purchase", "Test purchases"),
                 ("message", "Messages"), ("payment", "Payments"),
                 ("parcel_posted", "Parcels posted"), ("delivery", "Deliveries"))
GROUP_ITEMS = 100
"""Items a group of the full card lists (a network head has thousands of associates: the
link chart and the inspector show the rest)."""


@dataclass(frozen=True, slots=True, eq=False)
class ActorFigures:
    """Per actor (in ``ids`` order): events, first and last time, weeks, counted kinds.

    ``kinds`` counts each of :data:`COUNTED_KINDS` per actor.
    """

    ids: np.ndarray  # sorted actor ids
    events: np.ndarray
    first: np.ndarray  # -1: never
    last: np.ndarray
    weeks: np.ndarray  # (actors, WEEKS) uint16, the case's last WEEKS weeks
    kinds: np.ndarray  # (actors, len(COUNTED_KINDS)); -1: the case has no such kind

    def index(self, actor_id: int) -> int | None:
        i = int(np.searchsorted(self.ids, actor_id))
        return i if i < len(self.ids) and int(self.ids[i]) == actor_id else None

    def get(self, actor_id: int, default: int = 0, /) -> int:
        """Events of ``actor_id`` (how the link chart ranks who to keep)."""
        i = self.index(actor_id)
        return default if i is None else int(self.events[i])


def _positions(ids: np.ndarray, actor: np.ndarray) -> np.ndarray:
    """Each event's actor as a position in ``ids`` (-1: none or unknown)."""
    n = len(ids)
    if not n:
        return np.full(len(actor), -1, dtype=np.int64)
    top = int(ids[-1])
    if int(ids[0]) >= 0 and top <= 4 * n + 1024:  # ids are dense: a lookup table
        table = np.full(top + 2, -1, dtype=np.int64)
        table[ids] = np.arange(n)
        return table[np.clip(actor, -1, top + 1)]
    pos = np.minimum(np.searchsorted(ids, actor), n - 1)
    return np.where(ids[pos] == actor, pos, -1)


def actor_figures(events: EventSet, actor_ids: np.ndarray) -> ActorFigures:
    """Counts and times per actor from the columns in memory: a few passes, no sort."""
    ids = np.unique(np.asarray(actor_ids, dtype=np.int64))
    n = len(ids)
    c = events.columns
    pos = _positions(ids, c.actor)
    known = pos >= 0
    idx = pos[known]
    ts = c.ts[known]
    counts = np.bincount(idx, minlength=n).astype(np.int64)
    kinds = np.full((n, len(COUNTED_KINDS)), -1, dtype=np.int32)
    codes = {name: i for i, name in enumerate(c.kinds)}
    kind_of = c.kind[known]
    for j, (name, _label) in enumerate(COUNTED_KINDS):
        if name in codes:
            kinds[:, j] = np.bincount(idx[kind_of == codes[name]], minlength=n)
    del kind_of
    good = plausible(ts)
    idx_t, ts_t = idx[good], ts[good]
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    weeks = np.zeros((n, WEEKS), dtype=np.uint16)
    if len(ts_t):
        np.maximum.at(last, idx_t, ts_t)
        first[:] = np.iinfo(np.int64).max
        np.minimum.at(first, idx_t, ts_t)
        first[first == np.iinfo(np.int64).max] = -1
        end = int(ts_t.max()) + 1
        week = (end - 1 - ts_t) // WEEK_US
        recent = week < WEEKS
        cells = idx_t[recent] * WEEKS + (WEEKS - 1 - week[recent])
        per_week = np.bincount(cells, minlength=n * WEEKS).reshape(n, WEEKS)
        weeks = np.minimum(per_week, np.iinfo(np.uint16).max).astype(np.uint16)
    return ActorFigures(ids, counts, first, last, weeks, kinds)


def shared_identifiers(directory: ActorDirectory,
                       on_events: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """Identifier id → the actors it links (attributed to several, or on their events)."""
    holders: dict[int, set[int]] = defaultdict(set)
    idents = directory.link_identifier
    if len(idents):
        order = np.argsort(idents, kind="stable")
        sorted_ids = idents[order]
        start = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        sizes = np.diff(np.r_[start, len(sorted_ids)])
        for s, size in zip(start[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
            holders[int(sorted_ids[s])].update(directory.link_actor[order[s:s + size]].tolist())
    for ident, actors in on_events.items():
        holders[ident].update(actors)
        holders[ident].update(directory.holders(ident))
    return {i: tuple(sorted(a)) for i, a in holders.items() if len(a) > 1}


def gallery_columns(directory: ActorDirectory, figures: ActorFigures, zone: str,
                    shared: dict[int, tuple[int, ...]]) -> GalleryColumns:
    """Every card as columns: the platforms, flags and search text of each actor."""
    n = len(directory.ids)
    link_pos = np.searchsorted(directory.ids, directory.link_actor)
    link_pos = np.minimum(link_pos, max(n - 1, 0))
    # platforms per actor, in the order their identifiers were attributed
    has = directory.link_platform >= 0
    pairs = np.stack([link_pos[has], directory.link_platform[has]], axis=1)
    platform_ids = sorted(p for p in directory.platforms)
    platforms = tuple((directory.platforms[p][0], str(badge_path(directory.platforms[p][1])))
                      for p in platform_ids)
    where = np.full(max(platform_ids, default=-1) + 2, -1, dtype=np.int64)
    if platform_ids:
        where[np.asarray(platform_ids)] = np.arange(len(platform_ids))
    if len(pairs):
        _unique, first = np.unique(pairs, axis=0, return_index=True)
        kept = pairs[np.sort(first)]
        kept = kept[np.lexsort((np.arange(len(kept)), kept[:, 0]))]
        code = where[np.clip(kept[:, 1], -1, len(where) - 1)]
        known = code >= 0
        kept, code = kept[known], code[known]
        offsets = np.searchsorted(kept[:, 0], np.arange(n + 1))
    else:
        code, offsets = np.empty(0, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
    flags = np.zeros(n, dtype=np.uint8)
    shared_ids = np.asarray(sorted(shared), dtype=np.int64)
    flags[link_pos[np.isin(directory.link_identifier, shared_ids)]] |= SHARED_FLAG
    flags[link_pos[directory.link_third_party]] |= THIRD_PARTY_FLAG
    values: list[list[str]] = [[search_key(name)] for name in directory.names]
    for p, value in zip(link_pos.tolist(), directory.link_value, strict=True):
        values[p].append(search_key(value))
    search_text = [" ".join(v) for v in values]
    del values
    if np.array_equal(figures.ids, directory.ids):  # as built: share, never copy
        events, last, weeks = figures.events, figures.last, figures.weeks
    else:
        at = np.minimum(np.searchsorted(figures.ids, directory.ids), max(len(figures.ids) - 1, 0))
        found = (figures.ids[at] == directory.ids) if len(figures.ids) else np.zeros(n, bool)
        events = np.where(found, figures.events[at], 0) if len(figures.ids) else np.zeros(n)
        last = np.where(found, figures.last[at], -1) if len(figures.ids) else np.full(n, -1)
        weeks = (np.where(found[:, None], figures.weeks[at], 0).astype(np.uint16)
                 if len(figures.ids) else np.zeros((n, WEEKS), dtype=np.uint16))
    labels = {r: vocab_label(r) for r in set(directory.roles)}
    roles = [labels[r] for r in directory.roles]
    return GalleryColumns(
        ids=directory.ids, names=directory.names, roles=roles,
        events=events.astype(np.int64, copy=False),
        last_seen_us=last.astype(np.int64, copy=False), weeks=weeks,
        badge_offsets=offsets.astype(np.int64), badge_platforms=code, platforms=platforms,
        flags=flags, search_text=search_text, name_rank=ranks(directory.names),
        role_rank=ranks(roles), zone=zone)


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
        self._relations: RelationTable | None = None
        self._link_index: LinkIndex | None = None
        self._aggregates: ActorAggregates | None = None  # once read, per case
        self._state = state
        self._session = session
        self._events = events
        self._directory_job = LatestOnly(runner)
        self._build = LatestOnly(runner)
        self._shared_job = LatestOnly(runner)
        self._detail_job = LatestOnly(runner)
        self._sender_job: LatestOnly[int | None] = LatestOnly(runner)
        self._directory: ActorDirectory | None = None
        self._event_set: EventSet | None = None
        self._figures: ActorFigures | None = None
        self._shared: dict[int, tuple[int, ...]] = {}
        self.ready = False
        self._pending: int | None = None  # the actor whose card is being read
        self._failed = False
        self._chart_pending: int | None = None
        self._chart_after_card: int | None = None
        gallery.sig_actor_requested.connect(self._on_gallery_actor_requested)
        chart.sig_actor_requested.connect(self._on_gallery_actor_requested)
        card.sig_ref_requested.connect(self._on_card_ref_requested)
        state.sig_selection_changed.connect(self._on_state_selection_changed)
        session.sig_opened.connect(self._on_session_opened)
        events.sig_events_loaded.connect(self._on_events_loaded)
        events.sig_loaded.connect(self._on_events_finished)
        events.sig_reset.connect(self._on_events_reset)

    # -- building the gallery ------------------------------------------------------------------
    def _on_session_opened(self, _overview: CaseOverview) -> None:
        """Read actors, identifiers and relations while the events load (they need none)."""
        source = self._session.source
        if source is None:
            return

        def task(ctx: TaskContext) -> tuple[ActorDirectory, RelationTable]:
            con = source.connect()
            try:
                return read_directory(con), read_relations(con)
            finally:
                con.close()

        def done(result: tuple[ActorDirectory, RelationTable]) -> None:
            self._directory, self._relations = result
            self._build_gallery()

        self._directory_job.request(task, done, self._on_failed)

    def _on_events_loaded(self, event_set: EventSet) -> None:
        self._event_set = event_set
        self._build_gallery()

    def _build_gallery(self) -> None:
        """Once both the directory and the events are in: figures and cards, on a worker."""
        directory, event_set, relations = self._directory, self._event_set, self._relations
        if directory is None or event_set is None or relations is None or self.ready:
            return
        zone = self._events.zone

        def task(ctx: TaskContext) -> tuple[ActorFigures, GalleryColumns, LinkIndex]:
            figures = actor_figures(event_set, directory.ids)
            shared = shared_identifiers(directory, {})
            return (figures, gallery_columns(directory, figures, zone, shared),
                    link_index(directory, relations, shared, figures))

        self._build.request(task, self._on_built, self._on_failed)

    def _on_events_finished(self) -> None:
        """The load ended; if the events could not be read there will be no cards."""
        if self._events.events is None and not self.ready:
            self._failed = True
            self.sig_cards_shown.emit()

    def _on_built(self, result: tuple[ActorFigures, GalleryColumns, LinkIndex]) -> None:
        self._figures, columns, self._link_index = result
        assert self._directory is not None
        self._shared = shared_identifiers(self._directory, {})
        self._gallery.set_columns(columns)
        self._show_marks()
        self.ready = True
        self.sig_cards_shown.emit()
        self._on_state_selection_changed(self._state.selection)
        self._read_aggregates()

    def _read_aggregates(self) -> None:
        """Places, turnover, shipments, identifiers on several actors' events (background).

        One scan of the events, after the gallery is shown.
        """
        source, directory, figures = self._session.source, self._directory, self._figures
        relations = self._relations
        if source is None or directory is None or figures is None or relations is None:
            return
        zone = self._events.zone
        _Result = tuple[ActorAggregates, dict[int, tuple[int, ...]], GalleryColumns, LinkIndex]

        def task(ctx: TaskContext) -> _Result:
            con = source.connect()
            try:
                aggregates = read_actor_aggregates(con, ctx.cancelled)
            finally:
                con.close()
            shared = shared_identifiers(directory, aggregates.shared_on_events)
            return (aggregates, shared, gallery_columns(directory, figures, zone, shared),
                    link_index(directory, relations, shared, figures))

        def done(result: _Result) -> None:  # on the UI thread: a stale one never gets here
            self._aggregates, self._shared, columns, self._link_index = result
            self._gallery.set_columns(columns)
            self._on_state_selection_changed(self._state.selection)

        self._shared_job.request(task, done, self._on_failed, background=True)

    def _on_failed(self, exc: BaseException) -> None:
        log_failure(log, "The actor cards could not be read", exc)
        if not self.ready:
            self._failed = True
            self.sig_cards_shown.emit()

    def _on_events_reset(self) -> None:
        for job in (self._directory_job, self._build, self._shared_job, self._detail_job,
                    self._chart_job, self._sender_job):
            job.cancel()
        self._relations = None
        self._link_index = None
        self._aggregates = None
        self._event_set = None
        self._chart.show_graph((), (), "Select an actor to see their network")
        self._directory = self._figures = None
        self._shared = {}
        self.ready = self._failed = False
        self._pending = self._chart_pending = self._chart_after_card = None
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
            holders = self._directory.holders(ref.id)
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
        self._chart_after_card = actor  # the card first: the chart's layout holds the GIL
        self._chart_job.cancel()  # a chart of the previous actor is not shown any more
        self._chart_pending = None
        self._show_card(actor)
        if self._pending is None:  # no card to read (the directory is not in yet)
            self._chart_after_card = None
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
        relations, event_set = self._relations, self._events.events
        if (source is None or directory is None or figures is None or event_set is None
                or relations is None):
            return
        zone, shared = self._events.display_zone, self._shared
        marks = self._marks("identifier")
        aggregates = self._aggregates
        kinds = event_set.columns.kinds

        def task(ctx: TaskContext) -> CardDetail | None:
            con = source.connect()
            try:
                detail = read_actor_detail(con, actor_id, aggregates)
            finally:
                con.close()
            if detail is None:
                return None
            return full_card(actor_id, detail, directory, relations, figures, kinds, shared,
                             zone, marks)

        def done(card: CardDetail | None) -> None:
            self._pending = None
            if card is not None:
                mine = annotation_fields(self._annotations, EntityRef("actor", actor_id))
                card = replace(card, facts=[*card.facts, *mine])
            self._card.show_card(card)
            self.sig_card_shown.emit(actor_id)
            self._then_chart(actor_id)

        def failed(exc: BaseException) -> None:
            self._pending = None
            self._on_failed(exc)
            self.sig_card_shown.emit(actor_id)
            self._then_chart(actor_id)

        self._pending = actor_id
        self._detail_job.request(task, done, failed)

    def _then_chart(self, actor_id: int) -> None:
        if self._chart_after_card == actor_id:
            self._chart_after_card = None
            self._show_chart(actor_id)

    @property
    def settled(self) -> bool:
        """The gallery is built (or failed) and no card is being read: a picture may be taken."""
        return ((self.ready or self._failed) and self._pending is None
                and self._chart_pending is None and self._chart_after_card is None)


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def full_card(actor_id: int, detail: ActorDetail, directory: ActorDirectory,
              relations: RelationTable, figures: ActorFigures, kinds: tuple[str, ...],
              shared: dict[int, tuple[int, ...]], zone: str,
              marks: dict[int, str] | None = None) -> CardDetail:
    """Format one actor's full card (on a worker: from memory, a few ms).

    ``kinds``: the event kinds the case has (a count is shown for those only); ``marks``:
    the user's tags and notes on identifiers, shown under each one.
    """
    known = directory.index(actor_id) is not None
    name = directory.name_of(actor_id)
    names = directory.name_of
    i = figures.index(actor_id)
    facts: list[tuple[str, str]] = [("Role", vocab_label(directory.role_of(actor_id))
                                     if known else "")]
    links = directory.links_of(actor_id)
    aliases = [x.value for x in links if x.kind in ("pseudonym", "account")]
    if aliases:
        facts.append(("Aliases", ", ".join(aliases[:12]) + ("…" if len(aliases) > 12 else "")))
    if i is not None and figures.first[i] >= 0:
        facts.append(("First seen", format_instant(int(figures.first[i]), zone)))
        facts.append(("Last seen", format_instant(int(figures.last[i]), zone)))
    facts.append(("Events", f"{0 if i is None else int(figures.events[i]):,}"))
    counts = []
    for j, (kind, label) in enumerate(COUNTED_KINDS):
        if kind in kinds:
            counts.append(f"{label} {0 if i is None else int(figures.kinds[i, j]):,}")
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
            for other in others[:GROUP_ITEMS]:
                children.append(CardItem(f"also used by {names(other)}",
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
        groups.append((f"{vocab_label(kind).capitalize()} ({len(items)})", _capped(items)))
    associates, total = relations.of(actor_id, names, GROUP_ITEMS)
    if associates:
        groups.append((f"Associates ({total:,})", _capped([
            CardItem((f"{vocab_label(r.kind)}: {r.other_name}" if r.outgoing
                      else f"{r.other_name} ({vocab_label(r.kind)} this actor)")
                     + (f", {r.confidence:.0%}" if r.confidence is not None else ""),
                     r.justification or "", ("actor", r.other_id))
            for r in associates], total)))
    if detail.places:
        groups.append((f"Places ({len(detail.places)})", [
            CardItem(f"{place} — {n:,} events", "", ("place", pid))
            for pid, place, n in detail.places]))
    return CardDetail(actor_id=actor_id, heading=f"{name} (actor {actor_id})", facts=facts,
                      groups=groups, warnings=warnings)


def _capped(items: list[CardItem], total: int | None = None) -> list[CardItem]:
    """At most :data:`GROUP_ITEMS` items, and a line saying how many more there are."""
    total = len(items) if total is None else total
    if total <= GROUP_ITEMS:
        return items
    return [*items[:GROUP_ITEMS],
            CardItem(f"… and {total - GROUP_ITEMS:,} more (the link chart and the timeline "
                     "show them all)")]
