"""The cast of a synthetic case, sized from the number of events.

A case of N events holds about ``2·(N/10⁴)^0.45`` networks (2 at 10⁴, 16 at 10⁶, 45 at 10⁷),
each with a seller persona, two heads, two logisticians, couriers and its own customers
(``N/120`` customers in all), plus shared suppliers abroad, investigators and market operators.
Ids are handed out in contiguous blocks per network, so the event generator can pick "a
customer of network g" with arithmetic on numpy arrays instead of lookups.

What the event generator needs comes back as a :class:`SynthCast` of numpy arrays, with the
rows, which :func:`write_cast` inserts with ``executemany``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from storage.synthetic.support import (
    fake_btc_address,
    fake_digits,
    fake_sha256,
    fake_xmr_address,
    insert_sql,
)
from storage.synthetic.text import PRODUCT_WEIGHT

if TYPE_CHECKING:
    import sqlite3

PLATFORMS = (
    ("Snapchat", "social"), ("Facebook", "social"), ("Instagram", "social"),
    ("TikTok", "social"), ("Signal", "messaging"), ("Telegram", "messaging"),
    ("WhatsApp", "messaging"), ("Threema", "messaging"), ("Session", "messaging"),
    ("Le Comptoir", "forum"), ("Souk Forum", "forum"), ("Nebula Market", "market"),
    ("Tortuga Market", "market"), ("Orbit Market", "market"), ("Postéo", "carrier"),
    ("ColisRapide", "carrier"), ("Relais Express", "carrier"), ("EuroFreight BV", "carrier"),
    ("Banque Hexa", "bank"), ("NeoBank Ondine", "bank"), ("Bitcoin", "crypto"),
    ("Monero", "crypto"), ("LocaFlat", "other"), ("Bazar (classifieds)", "other"),
)
PF = {name: i + 1 for i, (name, _kind) in enumerate(PLATFORMS)}
SOCIAL = (PF["Snapchat"], PF["Facebook"], PF["Instagram"], PF["TikTok"])
MESSAGING = (PF["Signal"], PF["Telegram"], PF["WhatsApp"], PF["Threema"], PF["Session"])
MARKETS = (PF["Nebula Market"], PF["Tortuga Market"], PF["Orbit Market"])
CARRIERS = (PF["Postéo"], PF["ColisRapide"], PF["Relais Express"])

# name, lat, lon, country, weight as a home for networks and customers
CITIES = (
    ("Paris", 48.857, 2.352, "FR", 10), ("Marseille", 43.296, 5.370, "FR", 4),
    ("Lyon", 45.764, 4.836, "FR", 4), ("Toulouse", 43.605, 1.444, "FR", 3),
    ("Nice", 43.710, 7.262, "FR", 2), ("Nantes", 47.218, -1.554, "FR", 2),
    ("Montpellier", 43.611, 3.877, "FR", 2), ("Strasbourg", 48.573, 7.752, "FR", 2),
    ("Bordeaux", 44.838, -0.579, "FR", 2), ("Lille", 50.629, 3.057, "FR", 2),
    ("Rennes", 48.117, -1.678, "FR", 1), ("Reims", 49.258, 4.032, "FR", 1),
    ("Le Havre", 49.494, 0.108, "FR", 1), ("Grenoble", 45.188, 5.724, "FR", 1),
    ("Dijon", 47.322, 5.041, "FR", 1), ("Angers", 47.478, -0.563, "FR", 1),
    ("Saint-Denis", 48.936, 2.357, "FR", 2), ("Perpignan", 42.699, 2.895, "FR", 1),
    ("Rouen", 49.443, 1.099, "FR", 1), ("Tours", 47.394, 0.685, "FR", 1),
)
HUBS = (
    ("Hub Paris-Nord (Gonesse)", 48.987, 2.449), ("Hub Lyon-Saint-Priest", 45.700, 4.944),
    ("Hub Marseille-Vitrolles", 43.455, 5.248), ("Hub Lille-Lesquin", 50.571, 3.101),
    ("Hub Bordeaux-Mérignac", 44.830, -0.700), ("Hub Toulouse-Blagnac", 43.635, 1.368),
    ("Hub Nantes-Carquefou", 47.297, -1.490), ("Hub Strasbourg-Entzheim", 48.545, 7.628),
    ("Roissy CDG cargo", 49.009, 2.548), ("Liège airport hub", 50.637, 5.443),
)
ABROAD = (
    ("Venlo", 51.370, 6.172, "NL"), ("Rotterdam", 51.924, 4.478, "NL"),
    ("Amsterdam", 52.370, 4.895, "NL"), ("Antwerp", 51.219, 4.402, "BE"),
    ("Barcelona", 41.385, 2.173, "ES"),
)
BORDERS = (
    ("NL–BE border, A2", 50.765, 5.700, "NL"), ("BE–FR border, A1/E19", 50.480, 3.850, "BE"),
    ("ES–FR border, Le Perthus", 42.463, 2.864, "FR"),
)
COUNTRIES = (("France", 46.6, 2.4, "FR"), ("Netherlands", 52.13, 5.29, "NL"),
             ("Belgium", 50.64, 4.67, "BE"), ("Spain", 40.2, -3.6, "ES"))
#: Exhibits every network gets, in this order; events cite one by offset in the block.
NETWORK_EXHIBITS = (
    ("chat_export", "Chat export"), ("phone_extraction", "Extraction of a head's phone"),
    ("phone_extraction", "Extraction of a courier's phone"),
    ("crypto_statement", "Blockchain analysis"), ("bank_statement", "Bank statement"),
    ("parcel_record", "Carrier requisition"), ("screenshot", "Captures of public posts"),
    ("undercover_report", "Undercover purchase reports"), ("seizure_report", "Seizure reports"),
    ("statement", "Hearings and custody reports"),
)
EX = {name: i for i, name in enumerate(
    ("chat", "head_phone", "courier_phone", "crypto", "bank", "parcel", "screens", "undercover",
     "seizure", "statement"))}


@dataclass
class SynthCast:
    """Ids the event generator draws from, as numpy arrays indexed by network."""

    networks: int
    days: int
    weight: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    products: np.ndarray
    carrier: np.ndarray
    exhibit: np.ndarray
    pickup: np.ndarray
    hub: np.ndarray
    persona: np.ndarray
    heads: np.ndarray
    logisticians: np.ndarray
    false_name: np.ndarray
    courier_start: np.ndarray
    courier_count: np.ndarray
    courier_ident: np.ndarray
    customer_start: np.ndarray
    customer_count: np.ndarray
    customer_ident: np.ndarray
    customer_place: np.ndarray
    customer_base: np.ndarray
    customer_hub: np.ndarray
    talk: np.ndarray
    show: np.ndarray
    wallet: np.ndarray
    supplier: np.ndarray
    supplier_origin: np.ndarray
    supplier_border: np.ndarray
    investigators: np.ndarray
    investigator_ident: np.ndarray


def network_count(events: int) -> int:
    """Networks in a case of ``events`` events (grows like N^0.45, at least 2)."""
    return max(2, round(2 * (events / 1e4) ** 0.45))


CastRows = dict[str, list[tuple[object, ...]]]
"""Rows of exhibits, platforms, places, actors, identifiers, attributions and relations."""


def build_cast(rng: np.random.Generator, events: int, days: int, day0_us: int
               ) -> tuple[SynthCast, CastRows]:
    """Draw the cast: what the event generator needs, and the rows to write (:func:`write_cast`).

    ``day0_us`` is the UTC time of the case's first local midnight: exhibits are dated from
    it (acquired two days after their network's last day). Writing is separate so that the
    chunks can start being made while the rows are written (0.9 s at 10⁷ events).
    """
    g_count = network_count(events)
    rows: CastRows = {t: [] for t in (
        "exhibit", "platform", "place", "actor", "identifier", "attribution", "relation")}

    def add(table: str, *values: object) -> int:
        rows[table].append((len(rows[table]) + 1, *values))
        return len(rows[table])

    for name, kind in PLATFORMS:
        add("platform", name, kind)
    day_us = 86_400_000_000
    court = add("exhibit", "Scellé 0001", "other", "Court decisions (copies)", "Greffe",
                day0_us + (days + 20) * day_us, fake_sha256("synthetic", "court"))
    for name, lat, lon, cc in COUNTRIES:
        add("place", name, "country", lat, lon, "country", cc, 0)
    for name, lat, lon, cc, _w in CITIES:
        add("place", name, "city", lat, lon, "city", cc, 0)
    hubs = [add("place", n, "hub", la, lo, "exact", "BE" if "Liège" in n else "FR", 0)
            for n, la, lo in HUBS]
    abroad = [add("place", n, "city", la, lo, "city", cc, 0) for n, la, lo, cc in ABROAD]
    borders = [add("place", n, "border", la, lo, "exact", cc, 0) for n, la, lo, cc in BORDERS]
    add("place", "Île-de-France", "other", 48.85, 2.35, "region", "FR", 0)
    city_hub = np.array([hubs[int(np.argmin([(c[1] - h[1]) ** 2 + (c[2] - h[2]) ** 2
                                             for h in HUBS[:8]]))] for c in CITIES])
    city_w = np.array([c[4] for c in CITIES], dtype=float)
    city_w /= city_w.sum()

    investigators = np.array([add("actor", f"Investigator {i + 1:02d}", "investigator",
                                  "Undercover officer", court) for i in range(3 + g_count // 8)])
    inv_ident = np.array([add("identifier", "account", f"uc_agent_{i + 1:02d}",
                              SOCIAL[i % 4], 0, court, "Undercover account")
                          for i in range(len(investigators))])
    for a, i in zip(investigators, inv_ident, strict=True):
        add("attribution", int(i), int(a), "uses", 1.0, "Undercover account", court)
    for m in MARKETS:
        add("actor", f"{PLATFORMS[m - 1][0]} staff", "operator", "Market administrators", court)
    suppliers, s_origin, s_border = [], [], []
    for s in range(max(1, g_count // 4)):
        group = add("actor", f"Supply group {s + 1}", "supplier", "Sells 10 kg and more", court)
        person = add("actor", f"Supplier {s + 1} contact", "supplier", "Signs consignments",
                     court)
        add("relation", person, group, "member_of", 0.8, "Signs for the group", court)
        wallet = add("identifier", "wallet", fake_xmr_address("synthetic", "supplier", s),
                     PF["Monero"], 0, court, "Supplier's payment address")
        add("attribution", wallet, group, "owns", 0.8, "Given for each consignment", court)
        suppliers.append(person)
        s_origin.append(abroad[s % len(abroad)])
        s_border.append(borders[0] if s % len(abroad) < 4 else borders[2])

    weight = rng.lognormal(0.0, 0.6, g_count)
    weight[0] *= 2.0
    start = np.where(np.arange(g_count) == 0, 0, rng.integers(0, max(1, int(days * 0.7)),
                                                              g_count))
    end = np.minimum(days, start + rng.integers(max(2, days // 4), days + 1, g_count))
    end[0] = days
    products = np.stack([rng.choice(len(PRODUCT_WEIGHT) - 1, 3, replace=False,
                                    p=PRODUCT_WEIGHT[1:] / PRODUCT_WEIGHT[1:].sum()) + 1
                         for _ in range(g_count)])
    customers = np.maximum(8, np.round(max(40, events // 120) * weight / weight.sum()))
    couriers = np.maximum(2, np.round(2 + 20 * weight / weight.sum() * math.log10(events)))
    net = {k: np.zeros(g_count, dtype=np.int64) for k in (
        "exhibit", "pickup", "hub", "persona", "false_name", "courier_start", "courier_ident",
        "customer_start", "customer_ident", "customer_place", "carrier")}
    heads = np.zeros((g_count, 2), dtype=np.int64)
    logist = np.zeros((g_count, 2), dtype=np.int64)
    talk = np.zeros((g_count, 3, 3), dtype=np.int64)  # (identifier, actor, platform)
    show = np.zeros((g_count, 3, 3), dtype=np.int64)
    wallet = np.zeros((g_count, 4), dtype=np.int64)  # by currency code: -, EUR, BTC, XMR
    customer_hub: list[int] = []
    home_city = rng.choice(len(CITIES), g_count, p=city_w)
    home_city[0] = 0
    for g in range(g_count):
        ex0 = len(rows["exhibit"]) + 1
        for n, (kind, desc) in enumerate(NETWORK_EXHIBITS):
            label = f"Scellé {ex0 + n:04d}"
            add("exhibit", label, kind, f"{desc}, network {g + 1}",
                f"Investigator {n % 3 + 1:02d}",
                day0_us + (int(end[g]) + 2 + n) * day_us + 10 * 3_600_000_000,
                fake_sha256("synthetic", label))
        ex = {k: ex0 + v for k, v in EX.items()}
        c = int(home_city[g])
        _n, lat, lon, cc, _w = CITIES[c]
        pickup = add("place", f"Stock pickup, network {g + 1}", "pickup_point",
                     round(lat + 0.01 * rng.standard_normal(), 5),
                     round(lon + 0.01 * rng.standard_normal(), 5), "street", cc, 0)
        persona = add("actor", f"« Shop {g + 1} » (seller persona)", "seller",
                      "Public face on social networks", ex["screens"])
        h = [add("actor", f"Head {g + 1}{'AB'[i]}", "head", "Runs the network", ex["statement"])
             for i in range(2)]
        lg = [add("actor", f"Logistician {g + 1}{'AB'[i]}", "logistician", "Posts parcels",
                  ex["statement"]) for i in range(2)]
        false = add("actor", f"« False name {g + 1} »", "unknown", "Name on a lease",
                    ex["statement"])
        add("relation", persona, h[0], "same_person_as", 0.8, "Same phone and wallet", ex["chat"])
        add("relation", h[0], h[1], "associate_of", 0.9, "Split of the takings", ex["chat"])
        for lgi in lg:
            add("relation", lgi, h[0], "works_for", 0.85, "Packing lists", ex["head_phone"])
        add("relation", false, lg[0], "same_person_as", 0.7, "Photo on the lease",
            ex["statement"])
        add("relation", suppliers[g % len(suppliers)], h[0], "supplier_of", 0.8,
            "Consignments and payments", ex["head_phone"])
        accounts = []
        for i, pf in enumerate((SOCIAL[g % 4], SOCIAL[(g + 1) % 4], PF["Telegram"],
                                MESSAGING[g % 5 if g % 5 != 1 else 0])):
            handle = f"shop{g + 1}_{PLATFORMS[pf - 1][0].lower().replace(' ', '')}{i}"
            accounts.append((add("identifier", "account", handle, pf, 0, ex["screens"],
                                 "Seller account"), pf))
        phone_third = g % 2 == 0
        phone = add("identifier", "phone", f"+33 6 39 98 {fake_digits(2, g, 'a')} "
                    f"{fake_digits(2, g, 'b')}", PF["Signal"], int(phone_third),
                    ex["head_phone"], "Seller's line")
        for ident, _pf in accounts:
            add("attribution", ident, persona, "uses", 0.9, "Same menu and number", ex["screens"])
        add("attribution", phone, persona, "uses", 0.9, "Given to buyers", ex["chat"])
        add("attribution", phone, h[0], "uses", 0.7, "SIM in his phone", ex["head_phone"])
        if phone_third:
            for who in ("A", "B"):
                victim = add("actor", f"Identity-theft victim {g + 1}{who}", "third_party",
                             "Line opened in their name", ex["statement"])
                add("attribution", phone, victim, "registered_to", 1.0, "Subscriber record",
                    ex["statement"])
        pseudo = add("identifier", "pseudonym", f"Shop {g + 1}", None, 0, ex["screens"], None)
        add("attribution", pseudo, persona, "uses", 1.0, "Brand name", ex["screens"])
        extra = (("wallet", fake_btc_address("synthetic", g), PF["Bitcoin"], ex["crypto"]),
                 ("wallet", fake_xmr_address("synthetic", g), PF["Monero"], ex["head_phone"]),
                 ("iban", f"FR76 4255 9000 {fake_digits(4, g, 'i')} {fake_digits(4, g, 'j')} "
                  f"{fake_digits(4, g, 'k')} {fake_digits(3, g, 'l')}", PF["Banque Hexa"],
                  ex["bank"]),
                 ("email", f"shop{g + 1}@mail.example", None, ex["screens"]),
                 ("ip", f"198.51.100.{(g * 7) % 250 + 1}", None, ex["screens"]),
                 ("other", f"IMEI 35 {fake_digits(6, g, 'm')} {fake_digits(6, g, 'n')} 1",
                  None, ex["seizure"]))
        ids = [add("identifier", k, v, pf, 0, e, None) for k, v, pf, e in extra]
        for ident, (kind, _v, _pf, e) in zip(ids, extra, strict=True):
            add("attribution", ident, h[0] if kind in ("other", "ip") else persona,
                "owns" if kind in ("wallet", "iban", "other") else "uses", 0.8,
                "Seen in the evidence", e)
        wallet[g] = (0, ids[2], ids[0], ids[1])
        talk[g] = [(accounts[0][0], persona, accounts[0][1]), (phone, persona, PF["Signal"]),
                   (accounts[3][0], persona, accounts[3][1])]
        show[g] = [(accounts[0][0], persona, accounts[0][1]),
                   (accounts[1][0], persona, accounts[1][1]),
                   (accounts[2][0], persona, accounts[2][1])]
        k = int(couriers[g])
        net["courier_start"][g] = len(rows["actor"]) + 1
        net["courier_ident"][g] = len(rows["identifier"]) + 1
        cids = [add("actor", f"Courier {g + 1}.{i + 1}", "courier", "Paid per delivery",
                    ex["courier_phone"]) for i in range(k)]
        for i, a in enumerate(cids):
            ident = add("identifier", "phone", f"+33 6 39 98 {fake_digits(2, g, i, 'c')} "
                        f"{fake_digits(2, g, i, 'd')}", PF["Signal"], 0, ex["courier_phone"],
                        None)
            add("relation", a, h[1], "works_for", 0.8, "Rounds dispatched", ex["courier_phone"])
            add("attribution", ident, a, "uses", 0.8, "Phone seized", ex["courier_phone"])
        n_c = int(customers[g])
        net["customer_start"][g] = len(rows["actor"]) + 1
        cust = [add("actor", f"Customer {g + 1}.{i + 1}", "customer", None, ex["chat"])
                for i in range(n_c)]
        net["customer_ident"][g] = len(rows["identifier"]) + 1
        for i, a in enumerate(cust):
            ident = add("identifier", "account", f"buyer{g + 1}_{i + 1}", SOCIAL[i % 4], 0,
                        ex["chat"], None)
            add("attribution", ident, a, "uses", 0.7, "Named in the chats", ex["chat"])
            add("relation", a, persona, "customer_of", 0.7, "Orders in the chats", ex["chat"])
        net["customer_place"][g] = len(rows["place"]) + 1
        where = np.where(rng.random(n_c) < 0.6, c, rng.choice(len(CITIES), n_c, p=city_w))
        jitter = rng.normal(0.0, 0.02, (n_c, 2))
        for i in range(n_c):
            w = int(where[i])
            add("place", f"Customer address {g + 1}.{i + 1}, {CITIES[w][0]}", "address",
                round(CITIES[w][1] + jitter[i, 0], 5), round(CITIES[w][2] + jitter[i, 1], 5),
                "street", "FR", 1)
        customer_hub.extend(int(city_hub[int(w)]) for w in where)
        net["exhibit"][g], net["pickup"][g], net["hub"][g] = ex0, pickup, city_hub[c]
        net["persona"][g], net["false_name"][g] = persona, false
        net["carrier"][g] = CARRIERS[g % len(CARRIERS)]
        heads[g], logist[g] = h, lg
    return SynthCast(
        networks=g_count, days=days, weight=weight, start_day=start, end_day=end,
        products=products, carrier=net["carrier"], exhibit=net["exhibit"],
        pickup=net["pickup"], hub=net["hub"], persona=net["persona"], heads=heads,
        logisticians=logist, false_name=net["false_name"], courier_start=net["courier_start"],
        courier_count=couriers.astype(np.int64), courier_ident=net["courier_ident"],
        customer_start=net["customer_start"], customer_count=customers.astype(np.int64),
        customer_ident=net["customer_ident"], customer_place=net["customer_place"],
        customer_base=np.concatenate([[0], np.cumsum(customers.astype(np.int64))[:-1]]),
        customer_hub=np.array(customer_hub, dtype=np.int64),
        talk=talk, show=show, wallet=wallet, supplier=np.array(suppliers),
        supplier_origin=np.array(s_origin), supplier_border=np.array(s_border),
        investigators=investigators, investigator_ident=inv_ident), rows


_COLUMNS = {
    "platform": ("id", "name", "kind"),
    "exhibit": ("id", "label", "kind", "description", "acquired_by", "acquired_at", "sha256"),
    "place": ("id", "name", "kind", "lat", "lon", "precision", "country_code", "third_party"),
    "actor": ("id", "display_name", "role", "notes", "exhibit_id"),
    "identifier": ("id", "kind", "value", "platform_id", "third_party", "exhibit_id", "notes"),
    "attribution": ("id", "identifier_id", "actor_id", "kind", "confidence", "justification",
                    "exhibit_id"),
    "relation": ("id", "from_actor_id", "to_actor_id", "kind", "confidence", "justification",
                 "exhibit_id"),
}


def write_cast(con: sqlite3.Connection, rows: CastRows) -> None:
    """Insert the rows :func:`build_cast` drew."""
    for table, cols in _COLUMNS.items():
        con.executemany(insert_sql(table, cols), rows[table])
