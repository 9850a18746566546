"""The demo case's timeline: one network's year 2024, told as events with their evidence.

The story (see ``DOMAIN.md``): « Chicha Express » sells shisha tobacco and cannabis on
Snapchat and Facebook and moves buyers to Signal; two heads and two logisticians post parcels
from a flat rented under a false name; a Dutch group supplies 10 kg and more; a Paris delivery
cell runs from a Telegram channel; investigators make test purchases; a dark-net vendor ships
vegetables and vanishes; the Signal number belongs to two pensioners; it ends with searches,
arrests and court decisions. Both Europe/Paris clock changes of 2024 fall inside it, with
source times written as the source wrote them (``ts_raw``) where it matters.

Bulk parts (parcels, rounds) use a seeded :class:`random.Random`, so the file is the same every
time. Parcels live in :mod:`storage.synthetic.demo_parcels`, the cast in
:mod:`storage.synthetic.demo_cast`, the words in :mod:`storage.synthetic.demo_text`.
"""

from __future__ import annotations

from datetime import date, timedelta

from storage.synthetic.demo_cast import DROP_DISTRICTS, HOUR, MINUTE, Story, build_cast, days, t
from storage.synthetic.demo_parcels import consignments, online_shop
from storage.synthetic.demo_text import (
    CASH_DROP,
    CELL_REVIEWS,
    DISPATCH,
    GREENDOC_BAD,
    GREENDOC_GOOD,
    SNAP_ADS,
    STREET_BASKETS,
    TELEGRAM_PROMOS,
)
from storage.synthetic.support import RowBook, local_us


def build_demo(book: RowBook) -> None:
    """Add the whole demo case to ``book``."""
    cast = build_cast(book)
    story = Story(book, cast, seed=417)
    _accounts(story)
    _advertising(story)
    _identity_theft_and_flat(story)
    online_shop(story)
    consignments(story)
    _delivery_cell(story)
    _test_purchase_2(story)
    _exit_scam(story)
    _clock_changes(story)
    _takedown(story)


def _accounts(s: Story) -> None:
    day = {"precision": "day"}
    s.event("account_created", "Snapchat account chicha.express75 created", t(1, 8, 12),
            exhibit="snapreq", actor="chicha", ident="snap1", platform="snapchat",
            ts_min=t(1, 8), ts_max=t(1, 9) - 1, **day)
    s.event("account_created", "Facebook page « Chicha Express Livraison » created",
            t(1, 16, 12), exhibit="fb", actor="chicha", ident="fbpage", platform="facebook",
            precision="month", ts_min=t(1, 1), ts_max=t(2, 1) - 1,
            message="Page transparency: « created in January 2024 »")
    s.event("account_created", "Signal registered on +33 6 39 98 41 07", t(1, 10, 12),
            exhibit="telco", actor="chicha", ident="stolen", platform="signal",
            ts_min=t(1, 10), ts_max=t(1, 11) - 1, **day)
    s.event("account_created", "Telegram channel @livraison75_rapide opened", t(3, 18, 12),
            exhibit="tg", actor="yanis", ident="tg_channel", platform="telegram",
            ts_min=t(3, 18), ts_max=t(3, 19) - 1, **day)
    s.event("account_closed", "Snapchat bans chicha.express75", t(6, 3, 12), exhibit="snapreq",
            actor="chicha", ident="snap1", platform="snapchat", ts_min=t(6, 3),
            ts_max=t(6, 4) - 1, message="Terms of service violation (drug sales)", **day)
    s.event("account_created", "New Snapchat account chicha.express.v2", t(6, 5, 12),
            exhibit="snapreq", actor="chicha", ident="snap2", platform="snapchat",
            ts_min=t(6, 5), ts_max=t(6, 6) - 1, **day)
    s.event("ad_posted", "« We're back » story on the new account", t(6, 5, 19, 40),
            exhibit="snap", actor="chicha", ident="snap2", platform="snapchat",
            precision="minute", message="On est de retour 😎 nouveau compte, même menu, "
            "même SAV. Partagez !")


def _advertising(s: Story) -> None:
    rng = s.rng
    for n, d in enumerate(days(date(2024, 1, 15), date(2024, 11, 17))):
        if date(2024, 6, 3) <= d < date(2024, 6, 5):
            continue  # the account was banned
        ident = "snap1" if d < date(2024, 6, 3) else "snap2"
        if n % 4 == 0:
            ts = t(d.month, d.day, rng.randint(11, 22), rng.randint(0, 59))
            s.event("ad_posted", "Story ad on Snapchat", ts, exhibit="snap", actor="chicha",
                    ident=ident, platform="snapchat", precision="hour",
                    ts_min=ts - HOUR // 2, ts_max=ts + HOUR // 2,
                    message=SNAP_ADS[n // 4 % len(SNAP_ADS)])
        if d.weekday() == 3:
            s.event("ad_posted", "Facebook post: delivery all over France",
                    t(d.month, d.day, 18, rng.randint(0, 59)), exhibit="fb", actor="chicha",
                    ident="fbpage", platform="facebook", precision="minute",
                    message="Chicha toutes saveurs + « produits verts » 🌿 livrés partout en "
                    "France, colis discret. Infos en MP.")
        if d.day <= 7 and d.weekday() == 0:
            s.event("price_list", "Menu posted on Snapchat story",
                    t(d.month, d.day, 12, rng.randint(0, 59)), exhibit="snap",
                    actor="chicha", ident=ident, platform="snapchat", precision="minute",
                    message="MENU 🌿 Amnesia 10 €/g · Jaune 8 €/g · Chicha 1 kg 45 € · "
                    "Puff THC 35 € — paiement BTC, envoi 24 h", product="herbal cannabis")
        if d >= date(2024, 3, 18) and d.weekday() == 0 and d.isocalendar()[1] % 2 == 0:
            s.event("price_list", "Menu pinned in the Telegram channel",
                    t(d.month, d.day, 11, rng.randint(0, 30)), exhibit="tg", actor="yanis",
                    ident="tg_channel", platform="telegram",
                    message="MENU 🚀 Beuh Cali 10 g 100 € · Jaune 10 g 70 € · Chicha 1 kg "
                    "50 € · Livraison 12h–00h Paris & petite couronne")
        if d >= date(2024, 3, 20) and d.weekday() == 4 and d.isocalendar()[1] % 3 == 0:
            s.event("ad_posted", "Promotion in the Telegram channel",
                    t(d.month, d.day, 16, rng.randint(0, 59)), exhibit="tg", actor="yanis",
                    ident="tg_channel", platform="telegram",
                    message=TELEGRAM_PROMOS[d.isocalendar()[1] % len(TELEGRAM_PROMOS)])
    s.event("ad_posted", "Courier recruitment in the Telegram channel", t(3, 20, 15, 12),
            exhibit="tg", actor="yanis", ident="tg_channel", platform="telegram",
            message="Recrute livreurs 🛵 20 € la livraison, payé chaque soir. Scooter fourni.")


def _identity_theft_and_flat(s: Story) -> None:
    s.event("other", "Prepaid line activated in the Perrots' name", t(1, 10, 9, 30),
            exhibit="telco", actor="josiane", ident="stolen", place="perrot_home",
            precision="minute", message="Subscription made online with copies of their ID "
            "and a bank mandate on their account")
    s.event("other", "Mr and Mrs Perrot heard: they never took this line", t(4, 4, 10, 0),
            exhibit="perrot", actor="josiane", counterpart="gerard", ident="perrot_fix",
            place="perrot_home", precision="minute",
            message="« On n'a jamais eu de portable à ce numéro. On a reçu des factures. »")
    s.event("other", "Flat rented under the name « Julien Mercier »", t(2, 1, 12),
            exhibit="lease", actor="mercier", ident="mercier_mail", platform="locaflat",
            place="flat", precision="day", ts_min=t(2, 1), ts_max=t(2, 2) - 1,
            message="Furnished flat, 1,450 € a month, ID card copy in the name J. Mercier")
    for month in range(2, 12):
        s.event("payment", "Rent paid from the « J. Mercier » account", t(month, 3, 12),
                exhibit="bank", actor="mercier", ident="iban", platform="hexa", place="flat",
                precision="day", ts_min=t(month, 3), ts_max=t(month, 4) - 1,
                amount=1450.0, currency="EUR", message="VIR LOCAFLAT LOYER")


def _delivery_cell(s: Story) -> None:
    rng, cast = s.rng, s.cast
    couriers = ("flash", "flash", "ryan", "enzo")
    for d in days(date(2024, 3, 22), date(2024, 11, 17)):
        chance = {4: 1.5, 5: 1.5, 2: 0.3}.get(d.weekday(), 0.08)
        rounds = int(chance) + (rng.random() < chance % 1)
        for r in range(rounds):
            courier = couriers[(d.toordinal() + r) % len(couriers)]
            start = t(d.month, d.day, rng.randint(12, 17), rng.randint(0, 59))
            clock, cash, drops = start, 0, rng.randint(2, 6)
            for _ in range(drops):
                clock += rng.randint(25, 70) * MINUTE
                basket, price, product, qty, unit = rng.choice(STREET_BASKETS)
                drop = rng.choice(cast.drops)
                district = DROP_DISTRICTS[(drop - cast.drops[0]) % len(DROP_DISTRICTS)][0]
                s.event("message", "Address sent to the courier",
                        clock - rng.randint(15, 40) * MINUTE, exhibit="phone_flash",
                        actor="yanis", counterpart=courier, ident="dispatch",
                        platform="telegram", message=DISPATCH.format(
                            district=district, basket=basket, price=price))
                s.event("delivery", "Hand delivery by courier", clock, exhibit="phone_flash",
                        actor=courier, ident=f"{courier}_tel", platform="telegram",
                        place=drop, amount=float(price), currency="EUR", product=product,
                        quantity=qty, unit=unit)
                cash += price
            end = min(clock + rng.randint(10, 40) * MINUTE, t(d.month, d.day, 23, 59))
            s.event("courier_round", f"Courier round, {drops} drops", start, end_ts=end,
                    exhibit="phone_flash", actor=courier, counterpart="yanis",
                    platform="telegram", place="stock", message="Stock récupéré, je pars")
            drop_ts = end + rng.randint(15, 50) * MINUTE
            vague = rng.random() < 0.25
            s.event("payment", "Cash drop and courier pay", drop_ts,
                    exhibit="courier" if vague else "phone_flash", actor=courier,
                    counterpart="yanis", place="stock", amount=float(cash), currency="EUR",
                    precision="range" if vague else "second",
                    ts_min=end if vague else None, ts_max=end + 3 * HOUR if vague else None,
                    message=CASH_DROP.format(cash=cash, n=drops, pay=20 * drops))
    for n, text in enumerate(CELL_REVIEWS):
        d = date(2024, 4, 6) + timedelta(days=17 * n)
        s.event("review", "Customer review reposted in the channel",
                t(d.month, d.day, 20, rng.randint(0, 59)), exhibit="tg",
                counterpart="yanis", ident="tg_channel", platform="telegram", message=text)
    s.event("other", "Courier recruited « earlier this year »", t(7, 1, 12), exhibit="courier",
            actor="flash", counterpart="yanis", precision="year", ts_min=t(1, 1),
            ts_max=t(11, 19) - 1, message="« J'ai commencé cette année, je sais plus quand. »")


def _exit_scam(s: Story) -> None:
    rng = s.rng
    s.event("account_created", "GreenDoctor vendor account on Nebula Market", t(2, 15, 12),
            exhibit="nebula", actor="greendoc", ident="greendoc", platform="nebula",
            precision="month", ts_min=t(2, 1), ts_max=t(3, 1) - 1,
            message="Vendor page: « member since Feb 2024 »")
    s.event("price_list", "GreenDoctor price list on Nebula", t(3, 12, 22, 30),
            exhibit="nebula", actor="greendoc", ident="greendoc", platform="nebula",
            message="Coke 90 % 1 g 85 € · 5 g 380 € · MDMA 10 g 120 € — stealth NL → EU",
            product="cocaine")
    for n, text in enumerate(GREENDOC_GOOD):
        d = date(2024, 3, 2) + timedelta(days=11 * n)
        s.event("review", "Five-star review of GreenDoctor", t(d.month, d.day, 21, n),
                exhibit="nebula", counterpart="greendoc", ident="greendoc",
                platform="nebula", message=text, precision="day",
                ts_min=t(d.month, d.day), ts_max=t(d.month, d.day, 23, 59, 59))
    s.event("test_purchase", "Test purchase no. 3: 5 g cocaine from GreenDoctor",
            t(7, 9, 22, 14), exhibit="tp3", actor="hugo", counterpart="greendoc",
            ident="hugo_nebula", platform="nebula", product="cocaine", quantity=5.0, unit="g",
            amount=380.0, currency="EUR")
    s.event("payment", "Escrow payment in XMR (test purchase 3)", t(7, 9, 22, 20),
            exhibit="tp3", actor="hugo", counterpart="nebula_ops", ident="hugo_nebula",
            platform="monero", amount=2.4051, currency="XMR", message="Order NB-88213")
    ship = s.book.add(
        "shipment", carrier="Postéo", tracking_number="PT517204388NL",
        sender_actor_id=s.cast.actor["greendoc"], recipient_actor_id=s.cast.actor["hugo"],
        sender_name="Green Leaf Trading", recipient_name="H. Laurent",
        weight_g=61.0, declared_content="Organic tea samples",
        real_content="48 g dried carrots and celery, vacuum-sealed — no narcotics",
        status="seized", exhibit_id=s.cast.exhibit["tp3"])
    s.event("parcel_posted", "GreenDoctor parcel posted in Rotterdam", t(7, 11, 12),
            exhibit="tp3", actor="greendoc", counterpart="hugo", platform="posteo",
            place="rotterdam", shipment_id=ship, precision="day", ts_min=t(7, 11),
            ts_max=t(7, 12) - 1)
    for seq, (src, dst, dep, arr) in enumerate(
            (("rotterdam", "liege", t(7, 12, 3), t(7, 12, 7)),
             ("liege", "roissy", t(7, 13, 1), t(7, 13, 6, 30))), start=1):
        s.book.add("shipment_leg", shipment_id=ship, seq=seq, from_place_id=s.cast.place[src],
                   to_place_id=s.cast.place[dst], departed_ts=dep, arrived_ts=arr,
                   exhibit_id=s.cast.exhibit["tp3"])
        s.event("tracking_scan", f"GreenDoctor parcel scanned at {dst.title()}", arr,
                exhibit="tp3", actor="greendoc", platform="posteo", place=dst,
                shipment_id=ship)
    s.event("customs_detention", "Roissy customs open the parcel: vegetables",
            t(7, 15, 10, 40), exhibit="tp3", actor="greendoc", counterpart="hugo",
            place="roissy", shipment_id=ship, product="cocaine (declared by seller)",
            message="Sachet sous vide: carottes et céleri séchés. Aucun stupéfiant.")
    for n, text in enumerate(GREENDOC_BAD):
        d = date(2024, 7, 20) + timedelta(days=5 * n)
        s.event("review", "One-star review of GreenDoctor", t(d.month, d.day, rng.randint(9, 23)),
                exhibit="nebula", counterpart="greendoc", ident="greendoc", platform="nebula",
                message=text)
    s.event("account_closed", "GreenDoctor vanishes with the escrow", t(8, 21, 12),
            exhibit="nebula", actor="greendoc", ident="greendoc", platform="nebula",
            counterpart="nebula_ops", precision="day", ts_min=t(8, 21), ts_max=t(8, 22) - 1,
            message="Vendor page gone; ~40 orders finalised early, about 38,000 € in XMR")
    s.event("account_migrated", "GreenDoctor reappears as GreenDoc_official on Tortuga",
            t(9, 2, 17, 5), exhibit="tortuga", actor="greendoc", ident="greendoc2",
            platform="tortuga", counterpart="tortuga_ops",
            message="Same PGP key fingerprint, same shop text, new name")
    s.event("review", "First review of GreenDoc_official", t(9, 19, 22, 41),
            exhibit="tortuga", counterpart="greendoc", ident="greendoc2", platform="tortuga",
            message="Legit? Heard he was GreenDoctor on Nebula…")


def _clock_changes(s: Story) -> None:
    s.event("message", "Late message in the delivery channel", local_us(2024, 3, 31, 2, 15),
            exhibit="phone_flash", actor="yanis", ident="dispatch", platform="telegram",
            precision="minute", ts_zone="Europe/Paris",
            ts_raw="31/03/2024 02:15 [nonexistent local time: clocks went from 02:00 to "
            "03:00; read as 03:15 CEST]",
            message="Dernière tournée finie, tout le monde rentre 🙏")
    first = local_us(2024, 10, 27, 2, 37, fold=0)
    second = local_us(2024, 10, 27, 2, 37, fold=1)
    s.event("message", "Night message during the clock change", first,
            exhibit="phone_lucas", actor="lucas", counterpart="yanis", ident="stolen",
            platform="signal", precision="range", ts_min=first, ts_max=second + MINUTE - 1,
            ts_zone="Europe/Paris",
            ts_raw="27/10/2024 02:37 [ambiguous local time: occurs twice, "
            "00:37 UTC (CEST) or 01:37 UTC (CET)]",
            message="T'as vu le compte ce soir ? On fait le point demain")


def _test_purchase_2(s: Story) -> None:
    s.event("message", "Undercover order in the Telegram channel", t(5, 16, 21, 31),
            exhibit="tp2", actor="leclerc", counterpart="yanis", ident="leclerc_tg",
            platform="telegram", message="Bonsoir, 2 pochons beuh livrés Paris 11e ce soir ?")
    s.event("message", "Address sent to the courier", t(5, 16, 21, 52), exhibit="tp2",
            actor="yanis", counterpart="flash", ident="dispatch", platform="telegram",
            message=DISPATCH.format(district="11e", basket="2 pochons beuh", price=60))
    s.event("test_purchase", "Test purchase no. 2: hand delivery by « Flash »",
            t(5, 16, 22, 40), exhibit="tp2", actor="leclerc", counterpart="flash",
            ident="leclerc_tg", platform="telegram", place=s.cast.drops[2], amount=60.0,
            currency="EUR", product="herbal cannabis", quantity=6.1, unit="g",
            message="Courier on a black scooter, 2 bags of 3 g, paid cash")
    s.event("payment", "Cash paid to the courier (test purchase 2)", t(5, 16, 22, 41),
            exhibit="tp2", actor="leclerc", counterpart="flash", place=s.cast.drops[2],
            amount=60.0, currency="EUR", precision="minute")


NAMES = {"theo": "Théo Marchal", "dylan": "Dylan Roche", "yanis": "Yanis Morel",
         "lucas": "Lucas Ferrand"}


def _takedown(s: Story) -> None:
    search = {"exhibit": "search", "place": "flat"}
    s.event("search", "Search of the flat rented as « J. Mercier »", t(11, 19, 6, 0),
            actor="leclerc", counterpart="theo", precision="minute",
            message="T. Marchal and D. Roche present; packing table, scales, vacuum sealer",
            **search)
    s.event("search", "Search at Y. Morel's home", t(11, 19, 6, 0), exhibit="custody",
            actor="leclerc", counterpart="yanis", place="yanis_home", precision="minute")
    s.event("search", "Search at L. Ferrand's home", t(11, 19, 6, 5), exhibit="custody",
            actor="leclerc", counterpart="lucas", place="lucas_home", precision="minute")
    for who, minute, place in (("theo", 4, "flat"), ("dylan", 5, "flat"),
                               ("yanis", 12, "yanis_home"), ("lucas", 20, "lucas_home")):
        s.event("arrest", f"Arrest of {NAMES[who]}", t(11, 19, 6, minute),
                exhibit="custody", actor=who, counterpart="leclerc", place=place,
                precision="minute")
    s.event("arrest", "Arrest of Bram de Vries in Venlo", t(11, 19, 7, 0), exhibit="custody",
            actor="bram", place="venlo", precision="minute",
            message="Dutch police, on a European investigation order")
    s.event("arrest", "Arrest of « Flash » at the stock pickup", t(11, 19, 13, 40),
            exhibit="custody", actor="flash", counterpart="leclerc", place="stock",
            precision="minute", message="Came to collect the day's stock")
    s.event("arrest", "Arrest of Ryan T.", t(11, 21, 12), exhibit="custody", actor="ryan",
            counterpart="leclerc", precision="day", ts_min=t(11, 21), ts_max=t(11, 22) - 1)
    s.event("seizure", "iPhone seized on L. Ferrand", t(11, 19, 6, 25), exhibit="search",
            actor="lucas", ident="imei", place="lucas_home", precision="minute")
    for n, (what, product, qty, unit) in enumerate((
            ("Herbal cannabis seized", "herbal cannabis", 3.2, "kg"),
            ("Cannabis resin seized", "cannabis resin", 1.1, "kg"),
            ("Shisha tobacco seized (no tax stamps)", "shisha tobacco", 46.0, "kg"),
            ("THC e-liquids seized", "THC e-liquid", 140.0, "pcs"))):
        s.event("seizure", what, t(11, 19, 7, 10 + 5 * n), actor="theo", product=product,
                quantity=qty, unit=unit, precision="minute", **search)
    s.event("seizure", "Cash seized at the flat", t(11, 19, 7, 40), actor="theo",
            amount=12450.0, currency="EUR", precision="minute",
            message="12,450 € in 20 and 50 € notes, in a shoebox", **search)
    for n in range(6):
        ship = s.book.add(
            "shipment", carrier="Postéo", sender_actor_id=s.cast.actor["theo"],
            sender_name="J. Mercier", recipient_name=f"Destinataire saisie {n + 1}",
            weight_g=1180.0 + 35 * n, declared_content="Thé à la menthe",
            real_content="1 kg shisha tobacco + 10 g herbal cannabis", status="seized",
            exhibit_id=s.cast.exhibit["search"])
        s.event("seizure", "Parcel ready to post seized", t(11, 19, 7, 50 + n), actor="theo",
                shipment_id=ship, product="shisha tobacco", quantity=1.0, unit="kg",
                precision="minute", **search)
    s.event("seizure", "BTC moved to the State's custody wallet", t(12, 3, 15, 12),
            exhibit="court", actor="lucas", ident="btc", platform="bitcoin", amount=0.84,
            currency="BTC", message="Seed phrase found in the iPhone notes")
    for ident, platform in (("fbpage", "facebook"), ("tg_channel", "telegram")):
        s.event("account_closed", "Account taken down on requisition", t(11, 20, 12),
                exhibit="custody", actor="chicha" if ident == "fbpage" else "yanis",
                ident=ident, platform=platform, precision="day", ts_min=t(11, 20),
                ts_max=t(11, 21) - 1)
    court = {"exhibit": "court", "precision": "day"}
    for d, who, text in (
            (21, "lucas", "L. Ferrand charged and remanded in custody"),
            (21, "yanis", "Y. Morel charged and remanded in custody"),
            (21, "theo", "T. Marchal charged, judicial supervision"),
            (21, "dylan", "D. Roche charged, judicial supervision"),
            (22, "flash", "« Flash » charged, judicial supervision")):
        s.event("judicial_decision", text, t(11, d, 12), actor=who, ts_min=t(11, d),
                ts_max=t(11, d + 1) - 1, **court)
    s.event("judicial_decision", "Confiscation order: 0.84 BTC and 12,450 € cash",
            t(12, 12, 12), actor="lucas", ts_min=t(12, 12), ts_max=t(12, 13) - 1, **court)
