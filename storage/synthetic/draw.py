"""Events drawn day by day for a synthetic case: the calendar, the rhythm, the links.

The calendar knows each local day's midnight in UTC and its clock change, if any, so that
wall-clock hours ("deliveries from noon", "raids at six") become correct UTC microseconds.
The rhythm is a daily rate (growth, weekdays, festive peaks, noise) and, per kind, an hour
profile. :func:`free_events` then draws, for a run of days, each event's network, kind and
time and fills every link the kind implies (who, to whom, with which identifier, on which
platform, where, which exhibit proves it), all as vectorised numpy operations.

Picking from weighted tables uses one trick throughout (:func:`_cum_table`): the rows'
cumulative weights are shifted by their row number and flattened, so a single
``searchsorted`` of ``row + uniform`` draws a column for every event at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from storage.case.vocab import EVENT_KINDS
from storage.synthetic.cast import EX, PF
from storage.synthetic.spawn import DAY, HOUR, KIND_TITLE, MINUTE, K, P, empty
from storage.synthetic.support import local_us
from storage.synthetic.text import (
    PRODUCT_PRICE,
    PRODUCT_QTY,
    PRODUCT_UNIT,
    SNIPPET_COUNT,
    SNIPPET_START,
)

if TYPE_CHECKING:
    from storage.synthetic.cast import SynthCast
    from storage.synthetic.spawn import Batch

#: Share of each kind among the events drawn per day (spawned kinds come on top).
FREE_KINDS = {
    "message": 0.56, "payment": 0.13, "parcel_posted": 0.06, "courier_round": 0.012,
    "ad_posted": 0.03, "price_list": 0.008, "video_call": 0.012, "review": 0.025,
    "test_purchase": 0.0008, "account_created": 0.0015, "account_closed": 0.0006,
    "account_migrated": 0.0004, "other": 0.002, "seizure": 0.0003, "arrest": 0.0002,
}
AMPLIFY = 1 + FREE_KINDS["parcel_posted"] * 3.3 + FREE_KINDS["courier_round"] * 5.5
"""Events per drawn event, counting what parcels and rounds spawn."""

_H = {
    "day": (0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 2, 1, 0, 0),
    "chat": (2, 1, .6, .4, .3, .3, .5, 1, 2, 3, 4, 4.5, 5, 5, 4.5, 4.5, 5, 6, 7, 8, 9, 9, 8, 5),
    "round": (0,) * 12 + (3, 3, 2, 2, 1.5, 1) + (0,) * 6,
    "evening": (1, .5, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5, 6, 6, 5, 3),
}
HOURS = {"message": "chat", "payment": "chat", "courier_round": "round", "ad_posted": "evening",
         "price_list": "evening", "review": "evening", "video_call": "evening",
         "test_purchase": "evening", "seizure": "evening", "arrest": "evening"}


@dataclass(frozen=True, slots=True)
class Calendar:
    """Per-day facts, indexed by day number from the first day of the case."""

    midnight: np.ndarray
    """UTC microseconds of each local midnight (one more than the days, to close the last)."""
    switch: np.ndarray
    """Local second of the day from which ``shift`` applies (86,400: no clock change)."""
    shift: np.ndarray
    """Microseconds added to times after ``switch`` (+1 h in October, -1 h in March)."""
    weekday: np.ndarray
    month: np.ndarray
    day_of_month: np.ndarray


def calendar(first: date, count: int) -> Calendar:
    """Local midnights and clock changes of ``count`` days from ``first`` in Europe/Paris."""
    dates = [first + timedelta(n) for n in range(count + 1)]
    midnight = np.array([local_us(d.year, d.month, d.day) for d in dates], dtype=np.int64)
    switch = np.full(count + 1, 86_400, dtype=np.int64)
    shift = np.zeros(count + 1, dtype=np.int64)
    for n, d in enumerate(dates):
        length = int(midnight[n + 1] - midnight[n]) if n < count else DAY
        if length != DAY:  # a clock change: find the first wall hour with the new offset
            base = local_us(d.year, d.month, d.day)
            for hour in range(1, 24):
                if local_us(d.year, d.month, d.day, hour) - base != hour * HOUR:
                    switch[n], shift[n] = hour * 3600, length - DAY
                    break
    return Calendar(midnight=midnight, switch=switch, shift=shift,
                    weekday=np.array([d.weekday() for d in dates], dtype=np.int64),
                    month=np.array([d.month for d in dates], dtype=np.int64),
                    day_of_month=np.array([d.day for d in dates], dtype=np.int64))


def to_utc(cal: Calendar, day: np.ndarray, sec: np.ndarray) -> np.ndarray:
    """UTC microseconds of local second ``sec`` of day ``day`` (vectorised)."""
    return cal.midnight[day] + sec * 1_000_000 + np.where(sec >= cal.switch[day],
                                                          cal.shift[day], 0)


def day_rates(cal: Calendar, days: int, rng: np.random.Generator) -> np.ndarray:
    """Relative activity of each day: growth, weekday, festive peaks, summer dip, noise."""
    n = len(cal.weekday)
    t = np.minimum(np.arange(n), days - 1) / max(days - 1, 1)
    week = np.array([0.85, 0.95, 0.95, 1.0, 1.2, 1.25, 0.8])[cal.weekday]
    peak = np.ones(n)
    peak[(cal.month == 6) & (np.abs(cal.day_of_month - 21) <= 1)] = 1.8
    peak[(cal.month == 12) & (cal.day_of_month >= 18)] = 1.5
    peak[cal.month == 8] = 0.85
    return (0.35 + 0.65 * t ** 0.7) * week * peak * rng.lognormal(0.0, 0.15, n)


def free_events(day: np.ndarray, cal: Calendar, cast: SynthCast, rng: np.random.Generator
                 ) -> Batch:
    """Events drawn per day: network, kind, time, then every link the kind implies."""
    n = len(day)
    b = empty(n)
    g = _pick_network(day, cast, rng)
    kind = _pick(_KIND_CUM, cal.weekday[day], rng)
    hour = _pick(_HOUR_CUM, kind, rng)
    sec = hour * 3600 + rng.integers(0, 3600, n)
    post = kind == K["parcel_posted"]
    burst = 9 * 3600 + (day * 7919 + g * 104_729) % 8 * 3600 + (day * 31 + g * 17) % 60 * 60
    sec = np.where(post, burst + np.minimum(rng.exponential(1200, n), 7000).astype(np.int64),
                   sec)
    b["ts"], b["kind"], b["net"] = to_utc(cal, day, sec), kind, g
    u = rng.random((8, n))
    r = rng.integers(0, 1 << 30, (2, n))
    off = (cast.customer_count[g] * u[0] ** 2).astype(np.int64)
    b["cust"] = cast.customer_base[g] + off
    c_actor, c_ident = cast.customer_start[g] + off, cast.customer_ident[g] + off
    talk, show = cast.talk[g, r[0] % 3], cast.show[g, r[1] % 3]
    persona = cast.persona[g]
    writes = u[1] < 0.5
    prod = cast.products[g, np.searchsorted([0.6, 0.9], u[2])]
    qty = np.round(PRODUCT_QTY[prod] * rng.lognormal(0.0, 0.6, n), 1).clip(0.1)
    eur = np.round(qty * PRODUCT_PRICE[prod] * (0.85 + 0.3 * u[3]))
    ex = cast.exhibit[g]

    def put(kinds: tuple[str, ...], **cols: np.ndarray | int) -> None:
        m = np.isin(kind, [K[k] for k in kinds])
        for col, value in cols.items():
            b[col][m] = value[m] if isinstance(value, np.ndarray) else value

    goods = {"prod": prod, "qty": qty, "unit": PRODUCT_UNIT[prod]}
    put(("message",), actor=np.where(writes, c_actor, talk[:, 1]), ident=np.where(
        writes, c_ident, talk[:, 0]), counter=np.where(writes, talk[:, 1], c_actor),
        pf=talk[:, 2], msg=np.where(writes, SNIPPET_START["ask"] + r[1] % SNIPPET_COUNT["ask"],
                                    SNIPPET_START["reply"] + r[1] % SNIPPET_COUNT["reply"]),
        exh=ex + np.where(u[4] < 0.5, EX["chat"], EX["head_phone"]))
    switch_day = cast.start_day + 0.6 * (cast.end_day - cast.start_day)
    cur = np.where(u[4] < 0.25, 1, np.where(day < switch_day[g], 2, 3))
    rate = np.where(cur == 2, 30_000 * np.exp(0.9 * day / cast.days), 140.0)
    put(("payment",), actor=c_actor, counter=persona, cur=cur, ident=cast.wallet[g, cur] *
        (cur > 1), pf=np.where(cur == 2, PF["Bitcoin"], np.where(cur == 3, PF["Monero"], 0)),
        amount=np.where(cur == 1, eur, np.where(cur == 2, np.round(eur / rate, 8),
                                                np.round(eur / rate, 4))),
        exh=ex + np.where(cur == 1, EX["courier_phone"], np.where(cur == 2, EX["crypto"],
                                                                 EX["head_phone"])), **goods)
    cons = post & (u[5] < 0.015)
    b["cons"] = cons
    sup = cast.supplier[g % len(cast.supplier)]
    put(("parcel_posted",), actor=np.where(cons, sup, cast.logisticians[g, r[0] % 2]),
        counter=np.where(cons, cast.heads[g, 0], c_actor),
        place=np.where(cons, cast.supplier_origin[g % len(cast.supplier)], cast.pickup[g]),
        pf=np.where(cons, PF["EuroFreight BV"], cast.carrier[g]), exh=ex + EX["parcel"],
        prod=prod, qty=np.where(cons, np.round(10 + 30 * u[6], 1), qty),
        unit=np.where(cons, 2, PRODUCT_UNIT[prod]))
    b["cust"][cons] = -1
    courier = r[0] % cast.courier_count[g]
    end_sec = np.minimum(sec + (3 + 7 * u[6]) * 3600, 86_340).astype(np.int64)
    put(("courier_round",), actor=cast.courier_start[g] + courier, counter=cast.heads[g, 1],
        ident=cast.courier_ident[g] + courier, pf=PF["Telegram"], place=cast.pickup[g],
        end=to_utc(cal, day, end_sec), exh=ex + EX["courier_phone"],
        msg=SNIPPET_START["round"] + r[1] % SNIPPET_COUNT["round"])
    for kinds, group in ((("ad_posted",), "ad"), (("price_list",), "menu"),
                         (("account_created", "account_closed", "account_migrated"),
                          "account")):
        put(kinds, actor=persona, ident=show[:, 0], pf=show[:, 2], exh=ex + EX["screens"],
            msg=SNIPPET_START[group] + r[1] % SNIPPET_COUNT[group])
    put(("review",), actor=c_actor * writes, ident=c_ident * writes, counter=persona,
        pf=show[:, 2], exh=ex + EX["screens"],
        msg=SNIPPET_START["review"] + r[1] % SNIPPET_COUNT["review"])
    put(("video_call",), actor=persona, counter=c_actor, ident=cast.talk[g, 1, 0],
        pf=cast.talk[g, 1, 2], end=b["ts"] + ((1 + 24 * u[6]) * MINUTE).astype(np.int64),
        exh=ex + EX["head_phone"], msg=SNIPPET_START["call"])
    inv = r[0] % len(cast.investigators)
    put(("test_purchase",), actor=cast.investigators[inv], ident=cast.investigator_ident[inv],
        counter=persona, pf=talk[:, 2], amount=eur, cur=1, exh=ex + EX["undercover"], **goods)
    police = SNIPPET_START["police"] + r[1] % SNIPPET_COUNT["police"]
    put(("seizure",), actor=cast.courier_start[g] + courier, counter=cast.investigators[inv],
        place=cast.customer_place[g] + off, exh=ex + EX["seizure"], msg=police, **goods)
    put(("arrest",), actor=cast.courier_start[g] + courier, counter=cast.investigators[inv],
        place=cast.customer_place[g] + off, exh=ex + EX["statement"], msg=police)
    put(("other",), actor=cast.false_name[g], place=cast.pickup[g], exh=ex + EX["statement"])
    b["title"] = KIND_TITLE[kind, b["pf"]]
    _precisions(b, kind, day, cal, u[7], rng)
    return b


def _precisions(b: Batch, kind: np.ndarray, day: np.ndarray, cal: Calendar, u: np.ndarray,
                rng: np.random.Generator) -> None:
    """Make some times vague, as sources give them.

    Chats to the minute (screenshots) or microsecond (phone databases), stories to the hour,
    account dates to the day or month, hearings to the year, and a few spans ("that
    afternoon") with their bounds.
    """
    def vague(m: np.ndarray, prec: str, lo: np.ndarray, hi: np.ndarray) -> None:
        b["prec"][m], b["ts_min"][m], b["ts_max"][m] = P[prec], lo[m], hi[m] - 1

    msg = kind == K["message"]
    minute = msg & (u < 0.2)
    b["ts"][minute] -= b["ts"][minute] % MINUTE
    b["prec"][minute] = P["minute"]
    micro = msg & (u >= 0.2) & (u < 0.25)
    b["ts"][micro] += rng.integers(0, 1_000_000, int(micro.sum()))
    b["prec"][micro] = P["microsecond"]
    ts = b["ts"]
    vague(np.isin(kind, [K["ad_posted"], K["review"]]) & (u < 0.3), "hour",
          ts - 30 * MINUTE, ts + 30 * MINUTE)
    account = np.isin(kind, [K["account_created"], K["account_closed"], K["account_migrated"]])
    vague(account & (u < 0.7), "day", cal.midnight[day], cal.midnight[day + 1])
    first = day - cal.day_of_month[day] + 1
    vague(account & (u >= 0.7) & (u < 0.8) & (first >= 0), "month",
          cal.midnight[np.maximum(first, 0)], cal.midnight[np.maximum(first, 0)] + 30 * DAY)
    vague((kind == K["other"]) & (u < 0.1), "year", ts - 180 * DAY, ts + 180 * DAY)
    spans = (b["prec"] == P["second"]) & (b["end"] == 0) & (u > 0.98)
    vague(spans, "range", ts - (30 + (u * 1e4).astype(np.int64) % 150) * MINUTE,
          ts + (30 + (u * 1e5).astype(np.int64) % 150) * MINUTE)


def _cum_table(rows: list[np.ndarray]) -> np.ndarray:
    """Row-normalised cumulative weights, shifted by row number: one searchsorted picks."""
    table = np.array(rows, dtype=float)
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    return (cum + np.arange(len(rows))[:, None]).ravel()


def _pick(cum: np.ndarray, row: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Column drawn for each ``row`` of a :func:`_cum_table`."""
    width = len(cum) // (int(cum[-1]))
    idx = np.searchsorted(cum, row + rng.random(len(row)), side="right")
    return np.minimum(idx - row * width, width - 1)


def _pick_network(day: np.ndarray, cast: SynthCast, rng: np.random.Generator) -> np.ndarray:
    if len(day) == 0:
        return day
    first, last = int(day.min()), int(day.max())
    span = np.minimum(np.arange(first, last + 1), cast.days - 1)[:, None]
    active = (cast.start_day <= span) & (span < cast.end_day)
    active[:, 0] = True  # network 0 runs for the whole case
    return _pick(_cum_table(list(cast.weight * active)), day - first, rng)


def _kind_rows() -> list[np.ndarray]:
    rows = []
    for weekday in range(7):
        w = np.array([FREE_KINDS.get(k, 0.0) for k in EVENT_KINDS])
        w[K["parcel_posted"]] *= 0.1 if weekday == 6 else 1.0
        w[K["courier_round"]] *= 1.5 if weekday in (4, 5) else 1.0
        rows.append(w)
    return rows


_KIND_CUM = _cum_table(_kind_rows())
_HOUR_CUM = _cum_table([np.array(_H[HOURS.get(k, "day")], dtype=float) for k in EVENT_KINDS])
