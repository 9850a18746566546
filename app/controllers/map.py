"""Keeps the shipment map in step with the state hub: filters, time range, selection.

The case's places, shipments, legs and rounds are read once on a worker when the events are
in (``read_map_data``), projected (``map_layers.map_scene``) and handed to the view. Then:

- the filters and the timeline's selected range say which legs are drawn (a leg is kept if
  it was under way at any time of the range; the actors filter keeps their shipments);
- a selection is shown where the map can show it: a shipment's legs, a place, an actor's
  shipments and places (and a courier's rounds), an event's shipment, place or round —
  framed unless the click came from the map itself;
- a click on the map selects what is under it, in every view.

A round's stops are the courier's deliveries between its start and end, read on a worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.controllers.map_layers import basemap_layers, map_scene
from app.failures import log_failure
from app.workers import LatestOnly
from storage.reads.geo import (
    read_actor_places,
    read_event_map_refs,
    read_map_data,
    read_round_stops,
)
from storage.reads.tiles import TilePack, TilePackError, open_tile_pack
from widgets.map import MapHighlight, MapScene, Route
from widgets.timefmt import format_instant, to_datetime

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.controllers.case_events import CaseEvents
    from app.controllers.event_set import EventSet
    from app.session import CaseSession
    from app.state import AppState, EntityRef, Filters, TimeWindow
    from app.workers import Runner, TaskContext
    from storage.reads.geo import MapData
    from widgets.map import MapView

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    """A notice in the user's language (the French interface will translate the "Map" texts)."""
    return QCoreApplication.translate("Map", text)
ROUNDS_SHOWN = 3
"""Rounds of a selected courier drawn at once (the latest in the range)."""
PLAYING_ROUNDS = 20
"""Rounds drawn at once while playing (a Paris cell runs a handful at a time)."""


@dataclass(frozen=True, eq=False)
class _Shown:
    highlight: MapHighlight
    frame: np.ndarray  # place positions to frame


class MapController(QObject):
    """Connects one ``MapView`` to ``AppState``, ``CaseEvents`` and the open case."""

    sig_map_shown = Signal()  # the case's places and flows are on the map
    sig_settled = Signal()  # nothing left to read for what the map shows
    sig_tiles_added = Signal(str)  # "" when a tile pack is drawn, else why it was refused

    def __init__(self, view: MapView, state: AppState, session: CaseSession,
                 events: CaseEvents, runner: Runner,
                 record_tiles: Callable[[str, str, str, int], bool] | None = None) -> None:
        super().__init__(view)
        self._view = view
        self._record_tiles = record_tiles
        self._tiles_job: LatestOnly[TilePack] = LatestOnly(runner)
        self._flows_job: LatestOnly[object] = LatestOnly(runner)
        view.set_flow_worker(lambda compute, deliver: self._flows_job.request(
            lambda _ctx: compute(), deliver, self._on_flows_failed))
        self.tile_pack: TilePack | None = None
        self._state = state
        self._session = session
        self._events = events
        self._read = LatestOnly(runner)
        self._select_job: LatestOnly[_Shown] = LatestOnly(runner)
        self._data: MapData | None = None
        self._scene = MapScene.empty()
        self._pending = False
        self._base_notice = ""  # what the whole case could not place
        self._failed = False
        self._from_map = False
        self._basemap_set = False
        view.sig_selection_requested.connect(self._on_view_selection_requested)
        state.sig_selection_changed.connect(self._on_state_selection_changed)
        state.sig_filters_changed.connect(self._on_state_filters_changed)
        state.sig_time_selection_changed.connect(self._on_state_filters_changed)
        state.sig_clock_changed.connect(self._on_state_clock_changed)
        self._play_job: LatestOnly[tuple[Route, ...]] = LatestOnly(runner)
        self._selected = MapHighlight()  # what the selection marks
        self._playing: tuple[Route, ...] = ()  # the rounds under way at the clock
        self._playing_ids: tuple[int, ...] = ()
        self._playing_step: int | None = None
        events.sig_events_loaded.connect(self._on_events_loaded)
        events.sig_reset.connect(self._on_events_reset)

    # -- the case → the map --------------------------------------------------------------------
    def _on_events_loaded(self, _event_set: EventSet) -> None:
        if not self._basemap_set:
            self._view.set_basemap(basemap_layers())
            self._basemap_set = True
        source = self._session.source
        if source is None:
            return
        zone = self._events.zone
        self._pending = True

        def task(ctx: TaskContext) -> tuple[MapData, MapScene]:
            con = source.connect()
            try:
                data = read_map_data(con, ctx.cancelled)
            finally:
                con.close()
            return data, map_scene(data, zone)

        self._read.request(task, self._on_read, self._on_failed)

    def _on_read(self, result: tuple[MapData, MapScene]) -> None:
        self._data, self._scene = result
        self._pending = False
        self._view.set_scene(self._scene)
        unplaced = int(np.count_nonzero(~np.isfinite(self._scene.place_x)))
        self._base_notice = (tr("{n} places could not be placed").format(n=f"{unplaced:,}")
                             if unplaced else "")
        self._view.show_notice(self._base_notice)
        self._apply_filters()
        if not self._view.frame_places(self._scene.placed()):
            self._view.set_view(260_000.0, 6_250_000.0, 2_000.0)
        self.sig_map_shown.emit()
        self._on_state_selection_changed(self._state.selection)

    def _on_failed(self, exc: BaseException) -> None:
        log_failure(log, "The map could not be read", exc)
        self._pending = False
        self._failed = True
        self._view.show_notice(tr("The map could not be read from this case (see the log)"))
        self.sig_map_shown.emit()
        self.sig_settled.emit()

    # -- play: the rounds under way ---------------------------------------------------------
    def _show_highlight(self) -> None:
        chosen = {r.round_id for r in self._selected.routes}
        extra = tuple(r for r in self._playing if r.round_id not in chosen)
        h = self._selected
        self._view.show_highlight(MapHighlight(h.legs, h.places, (*h.routes, *extra)))

    def _on_state_clock_changed(self, clock: int | None) -> None:
        """While playing, every round under way is drawn, its stops appearing as it goes."""
        data, source = self._data, self._session.source
        if clock is None or data is None or source is None:
            self._play_job.cancel()
            self._playing_step = None
            if self._playing:
                self._playing, self._playing_ids = (), ()
                self._show_highlight()
            return
        step = clock // max(self._view.clock_bucket // 10, 1)
        if step == self._playing_step:  # rounds come and go ten times a step, not per frame
            return
        self._playing_step = step
        r = data.rounds
        active = np.flatnonzero((r.start <= clock) & (r.end >= clock))[:PLAYING_ROUNDS]
        ids = tuple(int(i) for i in r.event_id[active].tolist())
        if ids == self._playing_ids:
            return
        self._playing_ids = ids
        scene = self._scene

        def task(ctx: TaskContext) -> tuple[Route, ...]:
            con = source.connect()
            try:
                return tuple(replace(_route(con, data, scene, int(i)), labelled=False)
                             for i in active.tolist())
            finally:
                con.close()

        def done(routes: tuple[Route, ...]) -> None:
            self._playing = routes
            self._show_highlight()

        self._play_job.request(task, done, self._on_flows_failed)

    def _on_flows_failed(self, exc: BaseException) -> None:
        log_failure(log, "The map's flows could not be merged", exc)

    def _on_events_reset(self) -> None:
        self._flows_job.cancel()
        self._play_job.cancel()
        self._selected, self._playing, self._playing_ids = MapHighlight(), (), ()
        self._read.cancel()
        self._select_job.cancel()
        self._data = None
        self._scene = MapScene.empty()
        self._pending = self._failed = False
        self._view.set_scene(self._scene)
        self._view.show_notice("")

    def place_note(self, place_id: int) -> str:
        """How the map placed ``place_id`` ("approximate…", "from the gazetteer…"), or ""."""
        hit = np.flatnonzero(self._scene.place_ids == int(place_id))
        if not len(hit):
            return ""
        notes = self._scene.place_notes
        return notes[int(hit[0])] if int(hit[0]) < len(notes) else ""

    @property
    def ready(self) -> bool:
        """The map shows the case (or said why it cannot)."""
        return self._data is not None or self._failed

    @property
    def settled(self) -> bool:
        """Shown and nothing left to read (a picture may be taken)."""
        return (self.ready or self._events.events is None) and not self._pending

    # -- the user's tile pack --------------------------------------------------------------------
    def add_tile_pack(self, path: str) -> None:
        """Check, hash and open an MBTiles file on a worker, then draw it under the vectors."""

        def task(ctx: TaskContext) -> TilePack:
            return open_tile_pack(path, ctx.cancelled)

        def done(pack: TilePack) -> None:
            if self.tile_pack is not None:
                self.tile_pack.close()
            self.tile_pack = pack
            self._view.set_tiles(pack.tile, pack.min_zoom, pack.max_zoom)
            if self._record_tiles is not None:
                self._record_tiles(pack.sha256, str(pack.path), pack.name, pack.size)
            self.sig_tiles_added.emit("")

        def failed(exc: BaseException) -> None:
            line = (str(exc) if isinstance(exc, TilePackError)
                    else f"The tile pack could not be opened ({exc})")
            self._view.show_notice(line)
            self.sig_tiles_added.emit(line)

        self._tiles_job.request(task, done, failed)

    # -- filters → legs ------------------------------------------------------------------------
    def _on_state_filters_changed(self, *_args: object) -> None:
        self._apply_filters()

    def _apply_filters(self) -> None:
        if self._data is None:
            return
        self._view.show_legs(visible_legs(self._scene, self._data, self._state.filters,
                                          self._state.time_selection))

    # -- selection ------------------------------------------------------------------------------
    def _on_view_selection_requested(self, refs: frozenset[EntityRef]) -> None:
        self._from_map = True
        try:
            self._state.set_selection(frozenset(refs))
        finally:
            self._from_map = False

    def _on_state_selection_changed(self, refs: frozenset[EntityRef]) -> None:
        data, source = self._data, self._session.source
        if data is None or source is None:
            return
        if not refs:
            self._select_job.cancel()
            self._selected = MapHighlight()
            self._show_highlight()
            self._view.show_notice(self._base_notice)
            return
        scene, frame = self._scene, not self._from_map
        window = self._state.time_selection
        self._pending = True

        def task(ctx: TaskContext) -> _Shown:
            con = source.connect()
            try:
                return shown_for(con, refs, data, scene, window)
            finally:
                con.close()

        def done(shown: _Shown) -> None:
            self._pending = False
            self._selected = shown.highlight
            self._show_highlight()
            if frame and len(shown.frame):
                self._view.frame_places(shown.frame)
            self._view.show_notice(self._base_notice if _drawn(shown.highlight, scene) else
                                   tr("Nothing of this selection has a place on the map"))
            self.sig_settled.emit()

        def failed(exc: BaseException) -> None:
            self._pending = False
            log_failure(log, "The map could not show the selection", exc)
            self.sig_settled.emit()

        self._select_job.request(task, done, failed)


def _drawn(highlight: MapHighlight, scene: MapScene) -> bool:
    """Whether anything of a selection lands on the map (a placed place, leg or route)."""
    if highlight.routes:
        return True
    places = highlight.places[(highlight.places >= 0) & (highlight.places < len(scene.place_x))]
    if len(places) and bool(np.isfinite(scene.place_x[places]).any()):
        return True
    legs = highlight.legs[(highlight.legs >= 0) & (highlight.legs < len(scene.leg_origin))]
    ends = np.concatenate([scene.leg_origin[legs], scene.leg_destination[legs]])
    ends = ends[(ends >= 0) & (ends < len(scene.place_x))]
    return bool(len(ends)) and bool(np.isfinite(scene.place_x[ends]).any())


def visible_legs(scene: MapScene, data: MapData, filters: Filters,
                 window: TimeWindow | None) -> np.ndarray | None:
    """Legs the map draws: under way during the range, of the actors filtered on."""
    n = len(scene.leg_origin)
    keep = np.ones(n, dtype=bool)
    if window is not None:
        dep, arr = scene.leg_departed, scene.leg_arrived
        start = np.where(dep >= 0, dep, arr)
        end = np.where(arr >= 0, arr, dep)
        keep &= (start >= 0) & (start <= window.end) & (end >= window.start)
    if filters.actors:
        wanted = np.asarray(sorted(filters.actors), dtype=np.int64)
        legs_ship = data.legs.shipment
        sender = np.isin(data.shipments.sender, wanted)
        recipient = np.isin(data.shipments.recipient, wanted)
        keep &= (sender | recipient)[legs_ship] if n else keep
    return None if keep.all() else np.flatnonzero(keep)


def shown_for(con: object, refs: frozenset[EntityRef], data: MapData, scene: MapScene,
              window: TimeWindow | None) -> _Shown:
    """What the map marks for a selection (on a worker: numpy and a few indexed reads)."""
    legs: list[np.ndarray] = []
    places: list[np.ndarray] = []
    routes: list[Route] = []
    for ref in sorted(refs, key=lambda r: (r.kind, r.id))[:500]:
        if ref.kind == "shipment":
            legs.append(np.flatnonzero(scene.leg_shipment == ref.id))
        elif ref.kind == "place":
            places.append(data.places.index(np.asarray([ref.id])))
        elif ref.kind == "actor":
            ship = np.flatnonzero((data.shipments.sender == ref.id)
                                  | (data.shipments.recipient == ref.id))
            legs.append(np.flatnonzero(np.isin(data.legs.shipment, ship)))
            places.append(data.places.index(read_actor_places(con, ref.id)))  # their events'
            rounds = np.flatnonzero(data.rounds.courier == ref.id)
            if window is not None and len(rounds):
                r = data.rounds
                rounds = rounds[(r.start[rounds] <= window.end) & (r.end[rounds] >= window.start)]
            for i in rounds[-ROUNDS_SHOWN:].tolist():
                routes.append(_route(con, data, scene, i))
        elif ref.kind == "event":
            routes_or_legs = _event_items(con, ref.id, data, scene)
            legs += routes_or_legs[0]
            places += routes_or_legs[1]
            routes += routes_or_legs[2]
    leg_rows = np.unique(np.concatenate(legs)) if legs else np.empty(0, dtype=np.int64)
    place_rows = np.unique(np.concatenate(places)) if places else np.empty(0, dtype=np.int64)
    place_rows = place_rows[place_rows >= 0]
    ends = np.concatenate([scene.leg_origin[leg_rows], scene.leg_destination[leg_rows]])
    frame = np.unique(np.concatenate([place_rows, ends[ends >= 0]]))
    if routes:
        # a round frames on its stops (their positions are in the route, not place rows)
        stops = [_nearest_places(scene, rt) for rt in routes]
        frame = np.unique(np.concatenate([frame, *stops]))
    return _Shown(MapHighlight(leg_rows, place_rows, tuple(routes)), frame)


def _nearest_places(scene: MapScene, route: Route) -> np.ndarray:
    out = []
    for x, y in zip(route.x.tolist(), route.y.tolist(), strict=True):
        hit = np.flatnonzero((scene.place_x == x) & (scene.place_y == y))
        if len(hit):
            out.append(int(hit[0]))
    return np.asarray(out, dtype=np.int64)


def _event_items(con: object, event_id: int, data: MapData, scene: MapScene
                 ) -> tuple[list[np.ndarray], list[np.ndarray], list[Route]]:
    row = read_event_map_refs(con, event_id)
    if row is None:
        return [], [], []
    kind, shipment, place = row
    legs, places, routes = [], [], []
    if shipment is not None:
        legs.append(np.flatnonzero(scene.leg_shipment == shipment))
    if place is not None:
        places.append(data.places.index(np.asarray([place])))
    if kind == "courier_round":
        hit = np.flatnonzero(data.rounds.event_id == event_id)
        if len(hit):
            routes.append(_route(con, data, scene, int(hit[0])))
    return legs, places, routes


def _route(con: object, data: MapData, scene: MapScene, i: int) -> Route:
    """Round ``i``: its start place, then each delivery in order, with times in the zone."""
    r = data.rounds
    courier, start, end = int(r.courier[i]), int(r.start[i]), int(r.end[i])
    stops = read_round_stops(con, courier, start, end) if courier >= 0 else []
    xs, ys, labels, ids, times, details = [], [], [], [], [], []
    begin = int(r.place[i])
    if begin >= 0 and np.isfinite(scene.place_x[begin]):
        xs.append(float(scene.place_x[begin]))
        ys.append(float(scene.place_y[begin]))
        labels.append(f"start {_clock(start, scene.zone)}")
        details.append(f"start {format_instant(start, scene.zone)}")
        ids.append(int(r.event_id[i]))
        times.append(start)
    n = 0
    positions = data.places.index(np.asarray([s.place_id if s.place_id is not None else -1
                                              for s in stops], dtype=np.int64))
    for stop, p in zip(stops, positions.tolist(), strict=True):
        n += 1
        if p < 0 or not np.isfinite(scene.place_x[p]):
            continue
        xs.append(float(scene.place_x[p]))
        ys.append(float(scene.place_y[p]))
        labels.append(f"{n} · {_clock(stop.ts, scene.zone)}")
        details.append(f"{n} · {format_instant(stop.ts, scene.zone)} · {stop.title}")
        ids.append(stop.event_id)
        times.append(stop.ts)
    return Route(int(r.event_id[i]), f"Courier round {int(r.event_id[i])}", np.asarray(xs),
                 np.asarray(ys), labels, ids, np.asarray(times, dtype=np.int64), details)


def _clock(ts_us: int, zone: str) -> str:
    """Hours and minutes in the zone: a round lasts hours, its date is in the tooltip."""
    moment = to_datetime(ts_us, zone)
    return "?" if moment is None else moment.strftime("%H:%M")
