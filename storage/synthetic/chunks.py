"""The events of a synthetic case, made whole days at a time, in ``ts`` order.

Chunks hold whole days, ~100,000 events at a time, sorted by ``ts``: written in that order,
``event.id`` order is time order and memory stays flat at 10⁷ events. Events that follow from
others (scans and deliveries of a parcel, the dawn of a take-down) may fall after the chunk's
last day: they wait in ``pending`` and are sorted into the chunk whose days they fall in.

Everything comes from one ``numpy`` generator used in one fixed order, so the same cast and
generator state give the same chunks, whichever process makes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from storage.synthetic.draw import AMPLIFY, day_rates, free_events
from storage.synthetic.spawn import (
    K,
    concat,
    spawn_parcels,
    spawn_round_deliveries,
    take,
    takedowns,
)
from storage.synthetic.text import PRODUCT_PRICE, PRODUCT_QTY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from storage.synthetic.cast import SynthCast
    from storage.synthetic.draw import Calendar
    from storage.synthetic.spawn import Batch

CHUNK_EVENTS = 100_000

#: Batch fields that are written (the others are working fields of the generator).
WRITTEN = ("ts", "prec", "ts_min", "ts_max", "end", "kind", "title", "msg", "actor", "counter",
           "ident", "pf", "place", "ship", "amount", "cur", "prod", "qty", "unit", "exh")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk: its events (written fields only), shipments and legs, parcels' timeline.

    ``timeline`` (``ship``, ``ts`` = first scan, ``end`` = delivery, ``cons``) is what
    :func:`settled_statuses` needs if the case stops before those parcels arrive.
    """

    events: Batch
    ships: list[tuple[object, ...]]
    legs: list[tuple[int, ...]]
    timeline: Batch

    @property
    def count(self) -> int:
        """Events in the chunk."""
        return len(self.events["ts"])

    @property
    def last_ts(self) -> int:
        """``ts`` of the chunk's last event (0 if it has none)."""
        return int(self.events["ts"][-1]) if self.count else 0


def make_chunks(events: int, cast: SynthCast, cal: Calendar, rng: np.random.Generator, *,
                chunk_events: int = CHUNK_EVENTS) -> Iterator[Chunk]:
    """Make the events, whole days of ~``chunk_events`` at a time, until ``events`` are out.

    The chunk size changes the events (each chunk draws its days in one go): a case is
    only reproducible with the same size, so only tests change it.
    """
    days = cast.days
    rate = day_rates(cal, days, rng)[:-1]
    rate = rate * (events * (1.005 + 3 / math.sqrt(events)) / rate[:days].sum())
    free_rate = rate / AMPLIFY
    cum = np.cumsum(rate)
    pending = takedowns(cast, cal.midnight, rng)
    pending = take(pending, np.argsort(pending["ts"], kind="stable"))
    span_end = int(cal.midnight[days])
    written, next_ship, day = 0, 1, 0
    while written < events:
        if day >= len(rate):
            raise RuntimeError("synthetic calendar exhausted")  # 2x the span: cannot happen
        stop = int(np.searchsorted(cum, (cum[day - 1] if day else 0) + chunk_events))
        stop = min(max(stop, day + 1), len(rate))
        day_of = np.repeat(np.arange(day, stop), rng.poisson(free_rate[day:stop]))
        free = free_events(day_of, cal, cast, rng)
        free = take(free, np.argsort(free["ts"], kind="stable"))
        is_post = free["kind"] == K["parcel_posted"]
        posted = take(free, is_post)
        spawned, ships, legs, timeline = spawn_parcels(posted, next_ship, cast, rng, span_end)
        free["ship"][is_post] = posted["ship"]
        next_ship += len(ships)
        hand = spawn_round_deliveries(take(free, free["kind"] == K["courier_round"]), cast,
                                      rng, (PRODUCT_QTY, PRODUCT_PRICE))
        pool = concat([pending, free, spawned, hand])
        order = np.argsort(pool["ts"], kind="stable")
        due = int(np.searchsorted(pool["ts"][order], cal.midnight[stop]))
        emit, pending = take(pool, order[:due]), take(pool, order[due:])
        if written + due >= events:
            emit = take(emit, slice(0, events - written))
            last_ship = emit["ship"][emit["kind"] == K["parcel_posted"]]
            keep = int(last_ship.max()) if len(last_ship) else next_ship - len(ships) - 1
            ships = [s for s in ships if s[0] <= keep]
            legs = [leg for leg in legs if leg[0] <= keep]
        written += len(emit["ts"])
        del free, posted, spawned, hand, pool, order  # not kept alive while suspended
        yield Chunk(events={k: emit[k] for k in WRITTEN}, ships=ships, legs=legs,
                    timeline=timeline)
        day = stop


def settled_statuses(timelines: list[Batch], last_ts: int) -> list[tuple[str, int]]:
    """``(status, shipment id)`` of parcels still moving when the case stops.

    Only the last few chunks' parcels can still be moving: a parcel arrives within days.
    """
    timeline = concat(timelines)
    delivered = timeline["cons"] & (timeline["end"] > last_ts)
    sent = delivered & (timeline["ts"] > last_ts)
    return [("sent" if s else "in_transit", i) for i, s in
            zip(timeline["ship"][delivered].tolist(), sent[delivered].tolist(), strict=True)]
