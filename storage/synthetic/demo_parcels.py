"""The demo's parcels: the online shop's orders, test purchases by post, Dutch consignments.

A parcel is the most linked thing in a case: an order in a chat, a crypto payment, a deposit
at a relay point, hub scans, a delivery, sometimes a review; a shipment row with its legs ties
them together. Two logisticians post a few parcels twice a week and dozens on peak days
(before the Fête de la musique, the summer holidays and Halloween), which is the rhythm an
investigator looks for.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise

from storage.synthetic.demo_cast import CUSTOMERS, HOUR, MINUTE, Story, days, t
from storage.synthetic.demo_text import (
    DECLARED,
    FIRST_CONTACT,
    MOVE_TO_SIGNAL,
    ORDER,
    PAID,
    QUOTE,
    SENDER_NAMES,
    SHOP_BASKETS,
    SHOP_REVIEWS,
)
from storage.synthetic.support import PARIS, fake_digits, utc_iso

Basket = tuple[tuple[str, float, str, int], ...]

PEAKS = {date(2024, 6, 20): 28, date(2024, 7, 5): 34, date(2024, 10, 31): 26}
LAST_POSTING = date(2024, 11, 18)
XMR_FROM = date(2024, 9, 10)
"""From this day the seller wants Monero only (test purchase 4 shows the switch)."""
BTC_EUR = (40_500, 46_000, 62_000, 61_000, 58_500, 62_500, 58_000, 54_000, 53_500, 57_000,
           78_000, 88_000)
XMR_EUR = 150.0
SLOW_CITIES = frozenset({"marseille", "toulouse", "montpellier", "bordeaux"})
CITIES = ("lyon", "marseille", "bordeaux", "nantes", "toulouse", "lille", "strasbourg",
          "rennes", "montpellier", "paris")


def describe(basket: Basket) -> str:
    """Chat wording of a basket (« 1 kg shisha tobacco + 10 g herbal cannabis »)."""
    return " + ".join(f"{qty:g} {unit} {product}" for product, qty, unit, _price in basket)


def online_shop(s: Story) -> None:
    """Every parcel of the online shop, from the first test purchase to the last posting."""
    _test_purchase_1(s)
    _test_purchase_4(s)
    seen: set[str] = set()
    for d in days(date(2024, 2, 20), LAST_POSTING):
        if d in PEAKS:
            count = PEAKS[d]
        elif d == LAST_POSTING:
            count = 6
        elif d.weekday() == 1:
            count = s.rng.randint(2, 5)
        elif d.weekday() == 4 and d.isocalendar()[1] % 3 == 0:
            count = s.rng.randint(2, 4)
        else:
            continue
        clock = t(d.month, d.day, s.rng.randint(13, 15), s.rng.randint(0, 59))
        for n in range(count):
            clock += s.rng.randint(1, 4) * MINUTE
            poster = ("theo", "dylan")[(n + d.day) % 2] if count > 8 else \
                ("theo", "dylan")[d.isocalendar()[1] % 2]
            customer = s.rng.choice(CUSTOMERS) if s.rng.random() < 0.45 else None
            basket = s.rng.choice(SHOP_BASKETS)
            dest = customer[2] if customer else s.rng.choice(CITIES)
            status = "delivered"
            if d == LAST_POSTING:
                status = "in_transit" if n < count // 2 else "sent"
            elif s.rng.random() < 0.02:
                status = "returned"
            elif s.rng.random() < 0.01:
                status = "lost"
            who = customer[0] if customer else None
            delivered = _ship(s, clock, poster=poster, to=who, dest=dest, basket=basket,
                              status=status, exhibit="posteo")
            _order(s, clock, d, who, basket, dest, talk=who is not None and
                   s.rng.random() < 0.4, seen=seen, delivered=delivered)
        if d in PEAKS:
            s.event("other", "Logistician seen carrying parcels into the relay point",
                    t(d.month, d.day, 15), exhibit="watch", actor="theo", place="relay",
                    precision="range", ts_min=t(d.month, d.day, 12),
                    ts_max=t(d.month, d.day, 18),
                    message=f"Afternoon: two trips with large bags, about {count} parcels")


def _ship(s: Story, posted: int, *, poster: str, to: str | None, dest: str, basket: Basket,
          status: str, exhibit: str, precision: str = "minute", **posted_extra: object
          ) -> int | None:
    """A Postéo parcel: shipment, legs, deposit, scans, delivery; returns delivery time."""
    rng, cast = s.rng, s.cast
    product, qty, unit, _price = basket[0]
    number = s.book.count("shipment") + 1
    grams = sum(q * (1000 if u == "kg" else 1 if u == "g" else 15) for _, q, u, _ in basket)
    ship = s.book.add(
        "shipment", carrier="Postéo", tracking_number=f"PT{fake_digits(9, 'demo', number)}FR",
        sender_actor_id=cast.actor[poster], recipient_actor_id=cast.actor[to] if to else None,
        sender_name=rng.choice(SENDER_NAMES), recipient_name=f"Destinataire {number:03d}",
        weight_g=round(grams * 1.08 + 120), declared_content=rng.choice(DECLARED),
        real_content=describe(basket), status=status, exhibit_id=cast.exhibit[exhibit])
    link = {"shipment_id": ship, "platform": "posteo", "counterpart": to}
    local = _local(posted)
    s.event("parcel_posted", "Parcel posted at the relay point", posted, exhibit=exhibit,
            actor=poster, place="relay", product=product, quantity=qty, unit=unit,
            precision=precision, **link,
            **(posted_extra or {"ts_raw": local.isoformat(), "ts_zone": "Europe/Paris"}))
    if status == "sent":
        return None
    day0 = t(local.month, local.day)  # local midnight of the deposit day
    leg1 = (day0 + 18 * HOUR + rng.randint(20, 50) * MINUTE,
            day0 + 19 * HOUR + rng.randint(30, 80) * MINUTE)
    _leg(s, ship, 1, "relay", "gonesse", *leg1, exhibit)
    s.event("tracking_scan", "Scan: arrived at sorting hub", leg1[1], exhibit=exhibit,
            actor=poster, place="gonesse", **link)
    if status == "in_transit":
        return None
    extra_day = 24 * HOUR if dest in SLOW_CITIES else 0
    depart = day0 + 24 * HOUR + rng.randint(240, 360) * MINUTE
    arrive = depart + extra_day + rng.randint(150, 300) * MINUTE
    _leg(s, ship, 2, "gonesse", dest, depart, None if status == "lost" else arrive, exhibit)
    if status == "lost":
        return None
    s.event("tracking_scan", "Scan: out for delivery", arrive + 30 * MINUTE, exhibit=exhibit,
            actor=poster, place=dest, **link)
    if status == "returned":
        s.event("tracking_scan", "Scan: returned to sender (addressee unknown)",
                arrive + 3 * 24 * HOUR, exhibit=exhibit, actor=poster, place=dest, **link)
        return None
    done = arrive + rng.randint(90, 300) * MINUTE
    s.event("delivery", "Parcel delivered", done, exhibit=exhibit, actor=poster, place=dest,
            product=product, quantity=qty, unit=unit, **link)
    return done


def _leg(s: Story, ship: int, seq: int, src: str, dst: str, departed: int,
         arrived: int | None, exhibit: str) -> None:
    s.book.add("shipment_leg", shipment_id=ship, seq=seq, from_place_id=s.cast.place[src],
               to_place_id=s.cast.place[dst], departed_ts=departed, arrived_ts=arrived,
               exhibit_id=s.cast.exhibit[exhibit])


def _order(s: Story, posted: int, d: date, who: str | None, basket: Basket, dest: str, *,
           talk: bool, seen: set[str], delivered: int | None) -> None:
    """Payment for a parcel and, for some known customers, the chat that led to it."""
    rng = s.rng
    price = sum(p for *_, p in basket)
    paid = posted - rng.randint(4, 30) * HOUR - rng.randint(0, 3599) * 1_000_000
    product, qty, unit, _ = basket[0]
    goods = {"product": product, "quantity": qty, "unit": unit}
    if d < XMR_FROM:
        s.event("payment", "BTC payment to the shop's wallet", paid, exhibit="btc", actor=who,
                counterpart="chicha", ident="btc", platform="bitcoin", currency="BTC",
                amount=round(price / BTC_EUR[d.month - 1], 8), ts_zone="UTC",
                ts_raw=utc_iso(paid).replace("T", " ").replace("Z", " UTC"), **goods)
    else:
        s.event("payment", "XMR payment seen in the seller's wallet app", paid,
                exhibit="phone_lucas", actor=who, counterpart="chicha", ident="xmr",
                platform="monero", currency="XMR", amount=round(price / XMR_EUR, 4),
                precision="microsecond", **goods)
    if not talk or who is None:
        return
    # Signal stores its times in milliseconds
    signal = {"exhibit": "phone_lucas", "platform": "signal", "precision": "millisecond"}
    city = dest.title()
    if who not in seen:
        seen.add(who)
        snap = "snap1" if d < date(2024, 6, 3) else "snap2"
        first = paid - 26 * HOUR
        s.event("message", "First contact on Snapchat", first, exhibit="phone_lucas",
                actor=who, counterpart="chicha", ident=who, platform="snapchat",
                message=rng.choice(FIRST_CONTACT).format(city=city))
        s.event("message", "Seller moves the buyer to Signal", first + 6 * MINUTE,
                exhibit="phone_lucas", actor="chicha", counterpart=who, ident=snap,
                platform="snapchat", message=MOVE_TO_SIGNAL)
        if price >= 200:
            call = paid - 3 * HOUR
            s.event("video_call", "Video call to vet a new buyer", call, actor="chicha",
                    counterpart=who, ident="stolen", end_ts=call + rng.randint(180, 420)
                    * 1_000_000, **signal)
    s.event("message", "Order on Signal", paid - 2 * HOUR, actor=who, counterpart="chicha",
            message=ORDER.format(basket=describe(basket), city=city), **signal)
    coin = "BTC" if d < XMR_FROM else "XMR"
    s.event("message", "Seller quotes the price", paid - 110 * MINUTE, actor="chicha",
            counterpart=who, ident="stolen", message=QUOTE.format(price=price, coin=coin),
            **signal)
    s.event("message", "Seller confirms payment", paid + 15 * MINUTE, actor="chicha",
            counterpart=who, ident="stolen", message=PAID, **signal)
    if delivered is not None and rng.random() < 0.35:
        s.event("review", "Buyer review reposted in a story",
                delivered + rng.randint(3, 30) * HOUR, exhibit="snap", actor=who,
                counterpart="chicha", ident=who, platform="snapchat", precision="hour",
                message=rng.choice(SHOP_REVIEWS))


def _local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts // 1_000_000, UTC).astimezone(PARIS)


def _test_purchase_1(s: Story) -> None:
    uc = {"exhibit": "tp1", "counterpart": "chicha"}
    s.event("message", "Undercover buyer writes on Snapchat", t(2, 13, 20, 2), actor="hugo",
            ident="hugo_snap", platform="snapchat", precision="minute",
            message="Salut, vu ta story, tu envoies sur Paris ?", **uc)
    s.event("message", "Seller moves the buyer to Signal", t(2, 13, 20, 9), actor="chicha",
            counterpart="hugo", ident="snap1", platform="snapchat", exhibit="tp1",
            precision="minute", message=MOVE_TO_SIGNAL)
    basket: Basket = (("shisha tobacco", 1.0, "kg", 45), ("herbal cannabis", 5.0, "g", 50))
    sig = {"exhibit": "signal_uc", "platform": "signal"}
    s.event("message", "Undercover order on Signal", t(2, 13, 20, 31), actor="hugo",
            counterpart="chicha", ident="hugo_tel",
            message="1 kg chicha menthe + 5 g beuh stp, livraison Paris 15e", **sig)
    s.event("message", "Seller quotes the price", t(2, 13, 20, 35), actor="chicha",
            counterpart="hugo", ident="stolen", message=QUOTE.format(price=95, coin="BTC"),
            **sig)
    paid = t(2, 13, 20, 41, 7)
    s.event("test_purchase", "Test purchase no. 1: shisha tobacco and cannabis", paid,
            actor="hugo", ident="hugo_tel", platform="signal", amount=95.0, currency="EUR",
            product="shisha tobacco", quantity=1.0, unit="kg", **uc)
    s.event("payment", "Undercover BTC payment", paid, exhibit="btc", actor="hugo",
            counterpart="chicha", ident="btc", platform="bitcoin", currency="BTC",
            amount=round(95 / BTC_EUR[1], 8), ts_zone="UTC", ts_raw="2024-02-13 19:41:07 UTC")
    _ship(s, t(2, 15, 15), poster="theo", to="hugo", dest="uc_drop", basket=basket,
          status="delivered", exhibit="tp1", precision="range", ts_min=t(2, 15, 12),
          ts_max=t(2, 15, 18), ts_raw="15/02/2024 après-midi", ts_zone="Europe/Paris")


def _test_purchase_4(s: Story) -> None:
    sig = {"exhibit": "signal_uc", "platform": "signal"}
    s.event("message", "Undercover order on Signal", t(9, 12, 19, 4), actor="hugo",
            counterpart="chicha", ident="hugo_tel",
            message="Salut c'est H., 25 g jaune + 1 kg chicha raisin comme la dernière fois",
            **sig)
    s.event("message", "Seller now wants Monero only", t(9, 12, 19, 11), actor="chicha",
            counterpart="hugo", ident="stolen",
            message="225 €, mais XMR uniquement maintenant, BTC c'est fini. Adresse: 4…",
            **sig)
    paid = t(9, 12, 19, 40, 12)
    s.event("test_purchase", "Test purchase no. 4: resin and shisha tobacco, paid in XMR",
            paid, exhibit="signal_uc", actor="hugo", counterpart="chicha", ident="hugo_tel",
            platform="signal", amount=225.0, currency="EUR", product="cannabis resin",
            quantity=25.0, unit="g")
    s.event("payment", "Undercover XMR payment", paid, exhibit="signal_uc", actor="hugo",
            counterpart="chicha", ident="xmr", platform="monero", currency="XMR", amount=1.5)
    basket: Basket = (("cannabis resin", 25.0, "g", 180), ("shisha tobacco", 1.0, "kg", 45))
    _ship(s, t(9, 13, 14, 22), poster="dylan", to="hugo", dest="uc_drop", basket=basket,
          status="delivered", exhibit="signal_uc")


def consignments(s: Story) -> None:
    """The Dutch supplier: forum offer, vetting call, four consignments, one announced."""
    s.event("ad_posted", "Wholesale offer on Le Comptoir", t(2, 20, 23, 5), exhibit="forum",
            actor="oranje", ident="oranje_forum", platform="comptoir",
            message="Wholesale from NL 🇳🇱 Amnesia / Cheese / Jaune — 10 kg minimum, "
            "delivery FR/BE, escrow or XMR")
    s.event("message", "Buyer asks the supplier to move to Signal", t(2, 25, 21, 48),
            exhibit="phone_lucas", actor="lucas", counterpart="oranje", platform="comptoir",
            message="Intéressé pour 12 kg/mois, on passe sur Signal ?")
    s.event("video_call", "Video call with the Dutch supplier", t(2, 28, 21, 10),
            exhibit="phone_lucas", actor="lucas", counterpart="bram", ident="bram_sig",
            platform="signal", end_ts=t(2, 28, 21, 22, 40))
    # sent, kg, product, price per kg (EUR), XMR rate, status
    lots = ((date(2024, 3, 5), 12.0, "herbal cannabis", 4200, 140, "delivered"),
            (date(2024, 4, 22), 15.0, "cannabis resin", 2900, 125, "delivered"),
            (date(2024, 8, 27), 10.5, "herbal cannabis", 4100, 160, "delivered"),
            (date(2024, 10, 8), 14.0, "herbal cannabis", 4100, 150, "seized"))
    legs = ("venlo", "border", "liege", "lille_hub", "flat")
    for n, (d, kg, product, per_kg, rate, status) in enumerate(lots, start=1):
        sent = t(d.month, d.day, 6, 40)
        s.event("message", f"Consignment {n} ordered", sent - 46 * HOUR,
                exhibit="phone_lucas", actor="lucas", counterpart="bram", ident="bram_sig",
                platform="signal", precision="microsecond",
                message=f"{kg:g} kilo {product}, comme d'hab. Paiement XMR ce soir.")
        s.event("payment", f"Consignment {n} paid in XMR", sent - 40 * HOUR,
                exhibit="xmr", actor="lucas", counterpart="oranje", ident="xmr_nl",
                platform="monero", amount=round(kg * per_kg / rate, 4), currency="XMR",
                product=product, quantity=kg, unit="kg")
        ship = s.book.add(
            "shipment", carrier="EuroFreight BV", tracking_number=f"EF-CMR-24-{n:04d}",
            sender_actor_id=s.cast.actor["bram"], recipient_actor_id=s.cast.actor["mercier"],
            sender_name="Autoparts Venlo BV", recipient_name="J. Mercier",
            weight_g=kg * 1000 + 2600, declared_content="Brake discs (car parts)",
            real_content=f"{kg:g} kg {product} in vacuum bags", status=status,
            exhibit_id=s.cast.exhibit["cmr"])
        s.event("parcel_posted", f"Consignment {n} leaves Venlo", sent, exhibit="cmr",
                actor="bram", counterpart="lucas", platform="eurofreight", place="venlo",
                shipment_id=ship, product=product, quantity=kg, unit="kg", precision="minute")
        clock = sent
        for seq, (src, dst) in enumerate(pairwise(legs), start=1):
            depart, arrive = clock + 20 * MINUTE, clock + (70 + 40 * seq) * MINUTE
            if status == "seized" and src == "lille_hub":
                break
            s.book.add("shipment_leg", shipment_id=ship, seq=seq,
                       from_place_id=s.cast.place[src], to_place_id=s.cast.place[dst],
                       departed_ts=depart, arrived_ts=arrive, exhibit_id=s.cast.exhibit["cmr"])
            if dst != "flat":
                s.event("tracking_scan", f"Consignment {n} at {dst.replace('_', ' ')}", arrive,
                        exhibit="cmr", actor="bram", platform="eurofreight", place=dst,
                        shipment_id=ship)
            clock = arrive
        if status == "seized":
            s.event("customs_detention", f"Customs detain consignment {n} at Lille",
                    clock + 3 * HOUR, exhibit="lille", actor="bram", counterpart="mercier",
                    place="lille_hub", shipment_id=ship, product=product, quantity=kg,
                    unit="kg", message="Scanner anomaly; 28 vacuum bags among brake discs")
            continue
        s.event("delivery", f"Consignment {n} unloaded at the flat", clock, exhibit="cmr",
                actor="bram", counterpart="theo", platform="eurofreight", place="flat",
                shipment_id=ship, product=product, quantity=kg, unit="kg")
        s.event("message", f"Consignment {n} received", clock + 2 * HOUR,
                exhibit="phone_lucas", actor="lucas", counterpart="bram", ident="bram_sig",
                platform="signal", precision="microsecond", message="Bien reçu 👌 nickel")
    s.book.add("shipment", carrier="EuroFreight BV", tracking_number="EF-CMR-24-0005",
               sender_actor_id=s.cast.actor["bram"], sender_name="Autoparts Venlo BV",
               recipient_name="J. Mercier", weight_g=22600.0,
               declared_content="Brake discs (car parts)", real_content="20 kg announced",
               status="announced", exhibit_id=s.cast.exhibit["phone_lucas"])
    s.event("message", "Supplier announces 20 kg for 25 November", t(11, 14, 20, 3),
            exhibit="phone_lucas", actor="bram", counterpart="lucas", ident="bram_sig",
            platform="signal", precision="microsecond",
            message="Next one ready 25/11, 20 kilo. Same price, send XMR before.")


