"""Event batches, and the events that follow from others in a synthetic case.

A :data:`Batch` is a struct of numpy arrays, one per event column (as small integer codes)
plus three working fields that are never written (``net``, ``cust``, ``cons``). Working in
codes keeps a 250,000-event chunk at ~25 MB and every step vectorised.

Spawned events are what makes the data hang together: a posted parcel gets a shipment row,
legs through hubs and the scans and delivery those legs imply (hours or days later, so they
may land in a later chunk); a courier round gets its deliveries between its start and end;
a network that is taken down gets a dawn of searches, arrests and seizures, then court
decisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from storage.case.vocab import EVENT_KINDS, PRECISIONS
from storage.synthetic.cast import EX, PF, PLATFORMS
from storage.synthetic.text import (
    DECLARED,
    FALSE_NAMES,
    FIXED_TITLES,
    KIND_TITLES,
    PRODUCT_NAMES,
    PRODUCT_UNIT,
    UNIT_NAMES,
)

if TYPE_CHECKING:
    from storage.synthetic.cast import SynthCast

Batch = dict[str, np.ndarray]

FIELDS: dict[str, type] = {
    "ts": np.int64, "prec": np.int8, "ts_min": np.int64, "ts_max": np.int64,
    "end": np.int64, "kind": np.int8, "title": np.int16, "msg": np.int16,
    "actor": np.int64, "counter": np.int64, "ident": np.int64, "pf": np.int64,
    "place": np.int64, "ship": np.int64, "amount": np.float64, "cur": np.int8,
    "prod": np.int8, "qty": np.float64, "unit": np.int8, "exh": np.int64,
    "net": np.int64, "cust": np.int64, "cons": np.bool_,
}
K = {kind: np.int8(i) for i, kind in enumerate(EVENT_KINDS)}
P = {name: np.int8(i) for i, name in enumerate(PRECISIONS)}
MINUTE = 60_000_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR



def _titles() -> tuple[np.ndarray, np.ndarray, int]:
    texts: dict[str, int] = {}
    by_kind = np.zeros((len(EVENT_KINDS), len(PLATFORMS) + 1), dtype=np.int16)
    for k, kind in enumerate(EVENT_KINDS):
        for pf in range(len(PLATFORMS) + 1):
            template = KIND_TITLES[kind]
            if pf:
                text = template.format(pf=PLATFORMS[pf - 1][0])
            else:
                text = template.split(" {pf}")[0].rsplit(" ", 1)[0] if "{pf}" in template \
                    else template
            by_kind[k, pf] = texts.setdefault(text, len(texts))
    fixed0 = len(texts)
    return np.array([*texts, *FIXED_TITLES], dtype=object), by_kind, fixed0


TITLES, KIND_TITLE, FIXED0 = _titles()
"""Every title text; ``KIND_TITLE[kind, platform]`` is the code of an event's title, and
spawned events use ``FIXED0 + SCAN_HUB`` and so on."""
SCAN_HUB, SCAN_OUT, SCAN_RETURN, DELIVERED, HAND, CASH, UNLOADED, BORDER = (
    FIXED0 + i for i in range(len(FIXED_TITLES)))


def empty(n: int) -> Batch:
    """A batch of ``n`` events with every column "not set" (0, or NaN for floats)."""
    b = {k: np.zeros(n, dtype=t) for k, t in FIELDS.items()}
    b["amount"][:] = np.nan
    b["qty"][:] = np.nan
    b["prec"][:] = P["second"]
    return b


def concat(batches: list[Batch]) -> Batch:
    """One batch from several (column by column)."""
    return {k: np.concatenate([b[k] for b in batches]) for k in FIELDS}


def take(b: Batch, index: np.ndarray) -> Batch:
    """The events of ``b`` at ``index`` (an integer or boolean index)."""
    return {k: v[index] for k, v in b.items()}


def _copy_links(out: Batch, src: Batch, rep: np.ndarray) -> None:
    for k in ("actor", "counter", "ship", "net", "cust", "prod", "qty", "unit"):
        out[k] = src[k][rep]


def spawn_parcels(posted: Batch, first_ship: int, cast: SynthCast, rng: np.random.Generator,
                  span_end: int
                  ) -> tuple[Batch, list[tuple[object, ...]], list[tuple[int, ...]], Batch]:
    """Shipment rows, leg rows and follow-up events of ``posted`` (sorted by ``ts``).

    Ordinary parcels go relay point → the network's hub → the customer's hub (if another)
    → the customer's address; consignments go supplier city abroad → border → the network's
    hub → its stock pickup point. 93 % are delivered; others are returned, lost or detained
    by customs; those still moving at the end of the case are ``in_transit`` or ``sent``.
    The last value returned is the parcels' own timeline (``ship``, ``ts`` = first scan,
    ``end`` = delivery), for correcting statuses if the case stops before they arrive.
    """
    n = len(posted["ts"])
    ids = np.arange(first_ship, first_ship + n, dtype=np.int64)
    posted["ship"][:] = ids
    g, cons = posted["net"], posted["cons"]
    cust = np.maximum(posted["cust"], 0)
    sup = g % len(cast.supplier)
    p0 = np.where(cons, cast.supplier_origin[sup], cast.pickup[g])
    p1 = np.where(cons, cast.supplier_border[sup], cast.hub[g])
    p2 = np.where(cons, cast.hub[g], cast.customer_hub[cust])
    p3 = np.where(cons, cast.pickup[g], cast.customer_place[g] + cust - cast.customer_base[g])
    three = cons | (p1 != p2)
    gaps = rng.uniform(0.0, 1.0, (n, 6))
    dep1 = posted["ts"] + (1 + 4 * gaps[:, 0]) * HOUR
    arr1 = dep1 + (0.5 + 1.5 * gaps[:, 1]) * HOUR
    dep2 = arr1 + (2 + 6 * gaps[:, 2]) * HOUR
    arr2 = dep2 + (3 + 7 * gaps[:, 3]) * HOUR
    dep3 = np.where(three, arr2 + (1 + 5 * gaps[:, 4]) * HOUR, dep2)
    arr3 = np.where(three, dep3 + (1 + 4 * gaps[:, 5]) * HOUR, arr2)
    dep1, arr1, dep2, arr2, dep3, arr3 = (x.astype(np.int64) for x in
                                          (dep1, arr1, dep2, arr2, dep3, arr3))
    fate = rng.random(n)
    status = np.full(n, "delivered", dtype=object)
    status[fate > 0.93] = "returned"
    status[fate > 0.95] = "lost"
    status[fate > 0.96] = "seized"
    status[(status == "delivered") & (arr3 > span_end)] = "in_transit"
    status[(status == "in_transit") & (arr1 > span_end)] = "sent"
    seized, lost, returned = status == "seized", status == "lost", status == "returned"

    legs: list[tuple[int, ...]] = []
    last_to = np.where(three, p3, p2)
    leg_a = np.stack([ids, np.full(n, 1), p0, p1, dep1, arr1], axis=1)
    leg_b = np.stack([ids, np.full(n, 2), p1, np.where(three, p2, p3), dep2,
                      np.where(lost & ~three, 0, arr2)], axis=1)
    leg_c = np.stack([ids, np.full(n, 3), p2, last_to, dep3, np.where(lost, 0, arr3)], axis=1)
    keep_b = ~seized
    keep_c = three & ~seized
    all_legs = np.concatenate([leg_a, leg_b[keep_b], leg_c[keep_c]])
    order = np.lexsort((all_legs[:, 1], all_legs[:, 0]))
    exh_parcel = cast.exhibit[g] + EX["parcel"]
    leg_exh = np.concatenate([exh_parcel, exh_parcel[keep_b], exh_parcel[keep_c]])[order]
    legs = [(*row, e) for row, e in zip(all_legs[order].tolist(), leg_exh.tolist(), strict=True)]

    events = [
        _follow(posted, arr1, np.ones(n, bool), p1,
                np.where(cons, BORDER, SCAN_HUB), "tracking_scan", exh_parcel),
        _follow(posted, arr2, three & ~seized & ~lost, p2, SCAN_HUB, "tracking_scan",
                exh_parcel),
        _follow(posted, dep3, ~seized & ~lost, p2, SCAN_OUT, "tracking_scan", exh_parcel),
        _follow(posted, arr3, ~seized & ~lost & ~returned, last_to,
                np.where(cons, UNLOADED, DELIVERED), "delivery", exh_parcel),
        _follow(posted, arr3 + 2 * DAY, returned, last_to, SCAN_RETURN, "tracking_scan",
                exh_parcel),
        _follow(posted, arr1 + (1 + 5 * gaps[:, 2]).astype(np.int64) * HOUR, seized, p1,
                int(KIND_TITLE[K["customs_detention"], 0]), "customs_detention",
                cast.exhibit[g] + EX["seizure"]),
    ]
    out = concat(events)
    customs = out["kind"] == K["customs_detention"]
    out["pf"] = np.where(customs, 0, cast.carrier[out["net"]])
    out["pf"][out["cons"] & ~customs] = PF["EuroFreight BV"]

    unit = posted["unit"]
    grams = np.where(unit == 1, posted["qty"], np.where(unit == 2, posted["qty"] * 1000, 250))
    weight = np.round(np.where(cons, grams * 1.08 + 2500, grams * 1.1 + 90 + 60 * gaps[:, 0]))
    carrier = np.where(cons, "EuroFreight BV", _CARRIER_NAMES[cast.carrier[g]])
    real = [f"{q:g} {u} {p}" for q, u, p in zip(
        posted["qty"].tolist(), UNIT_NAMES[posted["unit"]].tolist(),
        PRODUCT_NAMES[posted["prod"]].tolist(), strict=True)]
    tracking = [f"{'EF' if c else 'PT'}{i:09d}FR" for i, c in zip(ids.tolist(), cons.tolist(),
                                                                     strict=True)]
    pick = rng.integers(0, len(FALSE_NAMES), (2, n))
    ships = list(zip(ids.tolist(), carrier.tolist(), tracking, posted["actor"].tolist(),
                     posted["counter"].tolist(), FALSE_NAMES[pick[0]].tolist(),
                     FALSE_NAMES[pick[1]].tolist(), weight.tolist(),
                     DECLARED[rng.integers(0, len(DECLARED), n)].tolist(), real,
                     status.tolist(), exh_parcel.tolist(), strict=True))
    timeline = empty(n)
    timeline["ship"], timeline["ts"], timeline["end"] = ids, arr1, arr3
    timeline["cons"] = status == "delivered"
    return out, ships, legs, timeline


_CARRIER_NAMES = np.array(["", *(name for name, _kind in PLATFORMS)], dtype=object)


def _follow(src: Batch, ts: np.ndarray, mask: np.ndarray, place: np.ndarray,
            title: int | np.ndarray, kind: str, exh: np.ndarray) -> Batch:
    rep = np.flatnonzero(mask)
    out = empty(len(rep))
    _copy_links(out, src, rep)
    out["cons"] = src["cons"][rep]
    out["ts"] = ts[rep]
    out["place"] = place[rep]
    out["kind"][:] = K[kind]
    out["exh"] = exh[rep]
    out["title"] = np.broadcast_to(title, mask.shape)[rep].astype(np.int16)
    if kind not in ("delivery", "customs_detention"):
        out["prod"][:] = 0
        out["qty"][:] = np.nan
        out["unit"][:] = 0
    return out


def spawn_round_deliveries(rounds: Batch, cast: SynthCast, rng: np.random.Generator,
                           retail: tuple[np.ndarray, np.ndarray]) -> Batch:
    """Hand deliveries inside each courier round (between its start and ``end_ts``)."""
    count = 1 + rng.poisson(4.5, len(rounds["ts"]))
    rep = np.repeat(np.arange(len(rounds["ts"])), count)
    out = empty(len(rep))
    start, end = rounds["ts"][rep], rounds["end"][rep]
    out["ts"] = start + (15 * MINUTE + rng.random(len(rep)) * np.maximum(
        end - start - 15 * MINUTE, MINUTE)).astype(np.int64)
    g = rounds["net"][rep]
    off = (cast.customer_count[g] * rng.random(len(rep)) ** 2).astype(np.int64)
    out["net"] = g
    out["cust"] = cast.customer_base[g] + off
    out["actor"] = rounds["actor"][rep]
    out["counter"] = cast.customer_start[g] + off
    out["ident"] = rounds["ident"][rep]
    out["pf"][:] = PF["Telegram"]
    out["place"] = cast.customer_place[g] + off
    out["kind"][:] = K["delivery"]
    out["title"][:] = HAND
    qty, price = retail
    out["prod"] = cast.products[g, rng.integers(0, 3, len(rep))]
    out["qty"] = qty[out["prod"]]
    out["unit"] = PRODUCT_UNIT[out["prod"]]
    out["amount"] = np.round(price[out["prod"]] * out["qty"], 0)
    out["cur"][:] = 1
    out["exh"] = cast.exhibit[g] + EX["courier_phone"]
    return out


def takedowns(cast: SynthCast, day_midnight: np.ndarray, rng: np.random.Generator) -> Batch:
    """Dawn raids on every network that ends before the case does, then court decisions."""
    parts = []
    for g in np.flatnonzero(cast.end_day < cast.days):
        dawn = int(day_midnight[int(cast.end_day[g])]) + 6 * HOUR
        inv = cast.investigators[g % len(cast.investigators)]
        ex = int(cast.exhibit[g])
        people = [*cast.heads[g], *cast.logisticians[g], cast.courier_start[g]]
        rows = [("search", dawn, inv, cast.heads[g][0], cast.pickup[g], EX["seizure"])]
        rows += [("arrest", dawn + (4 + 3 * i) * MINUTE, who, inv, cast.pickup[g],
                  EX["statement"]) for i, who in enumerate(people)]
        rows += [("seizure", dawn + (60 + 10 * i) * MINUTE, cast.logisticians[g][0], inv,
                  cast.pickup[g], EX["seizure"]) for i in range(3)]
        rows += [("judicial_decision", dawn + (2 * 24 + 6) * HOUR, who, 0, 0, EX["statement"])
                 for who in cast.heads[g]]
        b = empty(len(rows))
        for i, (kind, ts, actor, counter, place, exo) in enumerate(rows):
            b["kind"][i], b["ts"][i], b["actor"][i] = K[kind], ts, actor
            b["counter"][i], b["place"][i], b["exh"][i] = counter, place, ex + exo
            b["title"][i] = KIND_TITLE[K[kind], 0]
        b["net"][:] = g
        b["prec"][:] = P["minute"]
        seize = b["kind"] == K["seizure"]
        b["prod"][seize] = cast.products[g, :3]
        b["qty"][seize] = np.round(rng.uniform(0.5, 20.0, 3), 1)
        b["unit"][seize] = 2
        judge = b["kind"] == K["judicial_decision"]
        b["prec"][judge] = P["day"]
        b["ts_min"][judge] = b["ts"][judge] - 12 * HOUR
        b["ts_max"][judge] = b["ts_min"][judge] + DAY - 1
        parts.append(b)
    return concat(parts) if parts else empty(0)
