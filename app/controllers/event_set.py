"""The loaded events and the numpy operations the linked views need (no Qt here).

``EventSet`` wraps storage's :class:`~storage.reads.events.EventColumns` with the lookups every
filter, lane grouping and selection needs. Everything is a vectorised pass over arrays that
are never modified, so any thread may use an ``EventSet`` at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from storage.case.time_rules import plausible
from widgets.labels import vocab_label
from widgets.timeline import Lane, TimelineData

if TYPE_CHECKING:
    from collections.abc import Mapping

    from app.state import Filters, TimeWindow
    from storage.case.text_hits import TextHits
    from storage.reads.events import EventColumns

LANE_MODES = ("kind", "actor", "platform")
KIND_LANES_ALL = "kind-all"
"""Lanes by kind with every kind in its own lane, however many (View ▸ Every Kind Lane)."""
KIND_LANES = 32
"""Lanes by kind show at most this many lanes: the rarest kinds share the last one. Imports
from Plaso or Timesketch carry hundreds of kinds; 32 lanes already fill a laptop screen."""
OTHER_KINDS_KEY = "kind:*other-kinds*"
NO_ACTOR = "(no actor)"
NO_PLATFORM = "(no platform)"


IN_MEMORY_KINDS = frozenset({"event", "actor", "platform"})
"""Kinds whose events :meth:`EventSet.ids_for` answers from the columns in memory."""


@dataclass(frozen=True, eq=False)
class EventSet:
    """All events of the open case, sorted by time, with names for actors and platforms."""

    columns: EventColumns
    actor_names: Mapping[int, str]
    platform_names: Mapping[int, str]
    _id_order: np.ndarray = field(init=False, repr=False)
    _dense: bool = field(init=False, repr=False)
    _placeable: np.ndarray | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids = self.columns.id
        # Most cases number events in time order: then no id index is needed (8 bytes/event).
        increasing = len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1]))
        object.__setattr__(self, "_id_order",
                           None if increasing else np.argsort(ids, kind="stable"))
        # Numbered 1..n in time order (what Filature writes): an id's row is id - first id,
        # no search (376,270 ids of one actor at 10^7 events: ~1 ms instead of ~25 ms).
        object.__setattr__(self, "_dense", bool(len(ids)) and increasing
                           and int(ids[-1]) - int(ids[0]) == len(ids) - 1)
        # Times are sorted: the first and last tell whether any is "not set" or implausible.
        ts = self.columns.ts
        all_placeable = not len(ts) or bool(plausible(ts[[0, -1]]).all())
        object.__setattr__(self, "_placeable", None if all_placeable else plausible(ts))

    def placeable_rows(self, rows: np.ndarray) -> np.ndarray:
        """The ``rows`` a time axis can place (time set and plausible: storage.case.time_rules)."""
        return rows if self._placeable is None else rows[self._placeable[rows]]

    def unplaced_count(self) -> int:
        """Events the timeline leaves out: time not set or implausible."""
        return 0 if self._placeable is None else int(len(self) - self._placeable.sum())

    def __len__(self) -> int:
        return len(self.columns)

    def all_rows(self) -> np.ndarray:
        """Row positions of every event (in time order)."""
        return np.arange(len(self.columns), dtype=np.int64)

    def rows_in_order(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of ``ids`` in the order given (unknown ids are dropped)."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0 or len(self.columns) == 0:
            return np.empty(0, dtype=np.int64)
        if self._dense:
            pos = ids - self.columns.id[0]
            return pos[(pos >= 0) & (pos < len(self.columns))]
        order = self._id_order
        sorted_ids = self.columns.id if order is None else self.columns.id[order]
        pos = np.clip(np.searchsorted(sorted_ids, ids), 0, len(sorted_ids) - 1)
        found = sorted_ids[pos] == ids
        return pos[found] if order is None else order[pos[found]]

    def rows_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of the given event ids (unknown ids are dropped), in time order."""
        return np.sort(self.rows_in_order(ids))

    def _rows_mask(self, hits: TextHits) -> np.ndarray:
        """A mask over rows of the events among ``hits`` (unknown ids are ignored).

        Ids numbered 1..n in time order (what Filature writes) are their own row numbers plus
        one: a bitmap of hits is then the mask itself (~2 ms for 10^7 events), and 2.7
        million listed ids become one in ~20 ms, against ~0.3 s for ``np.isin``.
        """
        c = self.columns
        n = len(c)
        dense = self._dense
        if dense:
            mask = hits.id_range_mask(int(c.id[0]), n)
            if mask is not None:
                return mask
        ids = hits.ids()
        mask = np.zeros(n, dtype=bool)
        if dense:
            pos = ids - c.id[0]
            mask[pos[(pos >= 0) & (pos < n)]] = True
        else:
            mask[self.rows_in_order(ids)] = True
        return mask

    def filter_rows(
        self,
        filters: Filters,
        text_hits: TextHits | None = None,
        window: TimeWindow | None = None,
        tagged: np.ndarray | None = None,
    ) -> np.ndarray:
        """Rows passing the filters (``text_hits``: the events matching the text, if any).

        ``tagged``: ids of the events the filters' tags stand for (tagged events and the
        events of tagged actors and platforms); only used when ``filters.tags`` is set.
        """
        c = self.columns
        mask = np.ones(len(c), dtype=bool)
        if filters.tags:
            keep = np.zeros(len(c), dtype=bool)
            if tagged is not None and len(tagged):
                keep[self.rows_in_order(np.asarray(tagged, dtype=np.int64))] = True
            mask &= keep
        if filters.kinds:
            codes = [i for i, name in enumerate(c.kinds) if name in filters.kinds]
            mask &= np.isin(c.kind, np.asarray(codes, dtype=c.kind.dtype))
        if filters.actors:
            mask &= np.isin(c.actor, np.fromiter(filters.actors, dtype=np.int64))
        if filters.platforms:
            mask &= np.isin(c.platform, np.fromiter(filters.platforms, dtype=np.int64))
        if text_hits is not None:
            mask &= self._rows_mask(text_hits)
        if window is not None:
            lo = np.searchsorted(c.ts, window.start, side="left")
            hi = np.searchsorted(c.ts, window.end, side="left")
            mask[:lo] = False
            mask[hi:] = False
        return np.flatnonzero(mask)

    def kind_counts(self) -> list[tuple[str, int]]:
        """Events per kind, most frequent first (for the filter bar)."""
        counts = np.bincount(self.columns.kind, minlength=len(self.columns.kinds))
        pairs = [(name, int(counts[i])) for i, name in enumerate(self.columns.kinds)]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def timeline_data(self, rows: np.ndarray, lane_mode: str) -> TimelineData:
        """What the timeline draws for ``rows``, grouped in lanes by kind, actor or platform.

        Events whose time is not set or implausible are left out: they have no place on the
        axis and would stretch its extent to 1970 (the table still lists them).
        """
        c = self.columns
        rows = self.placeable_rows(rows)
        kinds = take(c.kind, rows)
        if lane_mode in ("kind", KIND_LANES_ALL):
            order = _order_by_count(kinds, len(c.kinds))
            lane_of_code, lanes = kind_lanes(order, c.kinds, every=lane_mode != "kind")
            lane = (lane_of_code[kinds] if len(rows)
                    else np.empty(0, dtype=lane_of_code.dtype))
        else:
            values = (c.actor if lane_mode == "actor" else c.platform)[rows]
            names = self.actor_names if lane_mode == "actor" else self.platform_names
            none_label = NO_ACTOR if lane_mode == "actor" else NO_PLATFORM
            keys, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
            order = np.argsort(-counts, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            lane = rank[inverse].astype(lane_dtype(len(keys)))
            lanes = tuple(
                Lane(
                    f"{lane_mode}:{int(keys[i])}",
                    none_label if keys[i] < 0 else names.get(int(keys[i]), f"#{int(keys[i])}"),
                )
                for i in order
            )
        return TimelineData(
            ts=take(c.ts, rows),
            end=take(c.end, rows),
            lo=take(c.lo, rows),
            hi=take(c.hi, rows),
            ids=take(c.id, rows),
            kind=kinds,
            kind_names=c.kinds,
            lane=lane,
            lanes=lanes,
        )

    def sort_rows(self, rows: np.ndarray, column: str, ascending: bool) -> np.ndarray:
        """Rows ordered by an in-memory column; ties by time.

        ``column`` is the table's column key: ``"time"``, ``"kind"``, ``"actor"`` or
        ``"platform"`` (the others are sorted in SQL); another raises ``ValueError``.
        """
        c = self.columns
        if column == "time":
            ordered = rows  # rows are kept in time order
        elif column == "kind":
            rank = _name_rank(c.kinds)
            ordered = rows[np.lexsort((rows, rank[c.kind[rows]]))]
        elif column in ("actor", "platform"):
            values = (c.actor if column == "actor" else c.platform)[rows]
            names = self.actor_names if column == "actor" else self.platform_names
            keys, inverse = np.unique(values, return_inverse=True)
            labels = [names.get(int(k), "") if k >= 0 else "\uffff" for k in keys]
            key_rank = _name_rank(tuple(labels))
            ordered = rows[np.lexsort((rows, key_rank[inverse]))]
        else:
            raise ValueError(f"not an in-memory column: {column}")
        return ordered if ascending else ordered[::-1]

    def ids_for(self, kind: str, ident: int) -> np.ndarray | None:
        """Event ids linked to an actor or platform (in memory); None for other kinds."""
        c = self.columns
        if kind == "actor":
            return c.id[c.actor == ident]
        if kind == "platform":
            return c.id[c.platform == ident]
        if kind == "event":
            return np.asarray([ident], dtype=np.int64)
        return None

    def tagged_event_ids(self, refs: list[tuple[str, int]]) -> np.ndarray:
        """Event ids standing for tagged records answered from memory (:data:`IN_MEMORY_KINDS`).

        Tags on the other kinds (an identifier, a shipment, a place, an exhibit) need a read
        of the case: ``CaseEvents`` adds them on its worker (``events_citing``).
        """
        parts = [ids for kind, ident in refs if (ids := self.ids_for(kind, ident)) is not None]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def take(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]``, without a copy when ``rows`` is every row in (reverse) order.

    Unfiltered views are the common case, and at 10^7 events each needless copy of a
    column is 80 MB: the arrays are never written, so sharing them is safe.
    """
    n = len(values)
    if n and len(rows) == n:
        if rows[0] == 0 and bool(np.all(rows[1:] > rows[:-1])):
            return values
        if rows[0] == n - 1 and bool(np.all(rows[1:] < rows[:-1])):
            return values[::-1]
    return values[rows]


def timeline_from_kind_times(kind_times: Mapping[str, np.ndarray], *,
                             every: bool = False) -> TimelineData:
    """A first, partial timeline (lanes by kind, no ids) from per-kind time arrays."""
    kind_times = {k: _placeable_times(t) for k, t in kind_times.items()}
    names = tuple(kind_times)
    if not names:
        return TimelineData.empty()
    ts = np.concatenate([kind_times[k] for k in names])
    kind = np.concatenate(
        [np.full(len(kind_times[k]), i, dtype=lane_dtype(len(names)))
         for i, k in enumerate(names)]
    )
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    kind = kind[order]
    sizes = np.asarray([len(kind_times[k]) for k in names])
    lane_order = np.argsort(-sizes, kind="stable")
    lane_order = lane_order[sizes[lane_order] > 0]
    lane_of_code, lanes = kind_lanes(lane_order, names, every=every)
    return TimelineData(
        ts=ts,
        end=ts,
        lo=ts,
        hi=ts,
        ids=np.broadcast_to(np.int64(-1), ts.shape),  # "not known yet", 0 bytes
        kind=kind,
        kind_names=names,
        lane=lane_of_code[kind],
        lanes=lanes,
    )


def kind_lanes(order: np.ndarray, kind_names: tuple[str, ...], *,
               every: bool = False) -> tuple[np.ndarray, tuple[Lane, ...]]:
    """Lane number per kind code, and the lanes, for kind codes ``order`` (most events first).

    Beyond :data:`KIND_LANES` kinds the rarest share one "N other kinds" lane (their colours
    still tell them apart), unless ``every`` asks for a lane each.
    """
    n = len(order)
    grouped = not every and n > KIND_LANES
    kept = order[: KIND_LANES - 1] if grouped else order
    dtype = lane_dtype(len(kept) + 1)
    lane_of_code = np.zeros(max(len(kind_names), 1), dtype=dtype)
    lane_of_code[kept] = np.arange(len(kept), dtype=dtype)
    lanes = [Lane(f"kind:{kind_names[i]}", vocab_label(kind_names[i])) for i in kept]
    if grouped:
        lane_of_code[order[KIND_LANES - 1:]] = len(kept)
        lanes.append(Lane(OTHER_KINDS_KEY, f"{n - len(kept):,} other kinds"))
    return lane_of_code, tuple(lanes)


def _placeable_times(times: np.ndarray) -> np.ndarray:
    """Sorted ``times`` without those a time axis cannot place (usually: all of them)."""
    if not len(times) or bool(plausible(times[[0, -1]]).all()):
        return times
    return times[plausible(times)]


def lane_dtype(lanes: int) -> type[np.unsignedinteger]:
    """The smallest unsigned type for lane numbers: one byte per event where it can.

    A lane column is one value per event: int32 cost 4 MB at 10^6 events (twice over while
    the first picture's data and the full data are both alive), uint8 costs 1 MB.
    """
    if lanes < 1 << 8:
        return np.uint8
    return np.uint16 if lanes < 1 << 16 else np.uint32


def _order_by_count(codes: np.ndarray, n: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n) if len(codes) else np.zeros(n, dtype=np.int64)
    present = np.flatnonzero(counts)
    return present[np.argsort(-counts[present], kind="stable")]


def _name_rank(names: tuple[str, ...]) -> np.ndarray:
    order = sorted(range(len(names)), key=lambda i: names[i].casefold())
    rank = np.empty(max(len(names), 1), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank
