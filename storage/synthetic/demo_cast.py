"""The demo case's cast: exhibits, platforms, people, identifiers, places and their links.

Everything is invented. Phone numbers come from the ranges ARCEP keeps for fiction
(+33 6 39 98 xx xx, +33 1 99 00 xx xx), IP addresses from the documentation ranges
(198.51.100.0/24, 203.0.113.0/24), e-mail domains end in ``.example``; wallets and hashes are
derived from labels. Coordinates are real city or district centres, never a real address.

The timeline that uses this cast is in :mod:`storage.synthetic.demo_story`; records are
referred to by short keys (``cast.actor["lucas"]``) through :class:`Story`, so the story reads
like a case summary.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from storage.synthetic.support import (
    RowBook,
    fake_btc_address,
    fake_sha256,
    fake_xmr_address,
    local_us,
)

# key, label, kind, description, acquired by, acquired at (local y, m, d, h, min)
_EXHIBITS = (
    ("snap", "Scellé 01", "screenshot", "Captures of the Snapchat stories of chicha.express75",
     "Agent « Hugo », cellule cyber-douane", (2024, 1, 22, 10, 5)),
    ("fb", "Scellé 02", "screenshot", "Captures of the Facebook page « Chicha Express Livraison »",
     "Agent « Hugo », cellule cyber-douane", (2024, 1, 23, 9, 40)),
    ("tp1", "Scellé 03", "undercover_report", "Test purchase no. 1: report and parcel opened",
     "Agent « Hugo », cellule cyber-douane", (2024, 2, 19, 15, 0)),
    ("signal_uc", "Scellé 04", "chat_export", "Signal export of the undercover phone",
     "Agent « Hugo », cellule cyber-douane", (2024, 11, 20, 11, 0)),
    ("btc", "Scellé 05", "crypto_statement", "Blockchain analysis of the seller's BTC wallet",
     "Analyst P. Roux, crypto unit", (2024, 10, 2, 16, 30)),
    ("posteo", "Scellé 06", "parcel_record", "Postéo requisition: deposits and tracking scans",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 11, 21, 14, 0)),
    ("lease", "Scellé 07", "statement", "LocaFlat statement: lease of the Paris 18e flat",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 6, 12, 10, 0)),
    ("bank", "Scellé 08", "bank_statement", "Banque Hexa statement of the « J. Mercier » IBAN",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 7, 3, 9, 0)),
    ("telco", "Scellé 09", "statement", "Operator subscriber record of +33 6 39 98 41 07",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 3, 28, 17, 0)),
    ("perrot", "Scellé 10", "statement", "Hearing of Mr and Mrs Perrot (identity theft victims)",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 4, 4, 11, 0)),
    ("tg", "Scellé 11", "screenshot", "Captures of the Telegram channel « Livraison 75 🚀 »",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 4, 2, 21, 0)),
    ("tp2", "Scellé 12", "undercover_report", "Test purchase no. 2: hand delivery in Paris 11e",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 5, 17, 9, 30)),
    ("nebula", "Scellé 13", "screenshot", "Captures of the GreenDoctor vendor page, Nebula Market",
     "Agent « Hugo », cellule cyber-douane", (2024, 8, 22, 8, 45)),
    ("tp3", "Scellé 14", "undercover_report", "Test purchase no. 3 (GreenDoctor), Roissy check",
     "Agent « Hugo », cellule cyber-douane", (2024, 7, 16, 12, 0)),
    ("tortuga", "Scellé 15", "screenshot", "Captures of the GreenDoc_official page, Tortuga",
     "Agent « Hugo », cellule cyber-douane", (2024, 9, 3, 10, 15)),
    ("xmr", "Scellé 16", "crypto_statement", "Exchange records: XMR bought with the seller's BTC",
     "Analyst P. Roux, crypto unit", (2024, 11, 8, 15, 0)),
    ("cmr", "Scellé 17", "parcel_record", "EuroFreight consignment notes (CMR), Venlo to Paris",
     "Customs officer A. Dumas, Lille", (2024, 10, 11, 10, 0)),
    ("lille", "Scellé 18", "seizure_report", "Customs detention report, Lille-Lesquin hub",
     "Customs officer A. Dumas, Lille", (2024, 10, 10, 18, 20)),
    ("phone_lucas", "Scellé 19", "phone_extraction", "Extraction of L. Ferrand's iPhone",
     "Forensic lab, Paris", (2024, 11, 26, 16, 0)),
    ("phone_flash", "Scellé 20", "phone_extraction", "Extraction of the courier « Flash »'s phone",
     "Forensic lab, Paris", (2024, 11, 27, 11, 0)),
    ("search", "Scellé 21", "seizure_report", "Search and seizure report, flat in Paris 18e",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 11, 19, 11, 45)),
    ("custody", "Scellé 22", "statement", "Arrest and custody reports",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 11, 19, 18, 0)),
    ("court", "Scellé 23", "other", "Court decisions (copies)",
     "Greffe, tribunal judiciaire de Paris", (2024, 12, 13, 10, 0)),
    ("courier", "Scellé 24", "statement", "Hearing of the courier « Flash »",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 11, 20, 14, 30)),
    ("snapreq", "Scellé 25", "other", "Snap Inc. requisition reply: account data, IP logs",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 6, 20, 9, 0)),
    ("forum", "Scellé 26", "screenshot", "Captures of the « Le Comptoir » forum threads",
     "Agent « Hugo », cellule cyber-douane", (2024, 3, 1, 22, 0)),
    ("watch", "Scellé 27", "statement", "Surveillance (filature) of the relay point, Paris 18e",
     "OPJ M. Leclerc, brigade des stupéfiants", (2024, 7, 8, 9, 0)),
)

_PLATFORMS = (
    ("snapchat", "Snapchat", "social"), ("facebook", "Facebook", "social"),
    ("signal", "Signal", "messaging"), ("telegram", "Telegram", "messaging"),
    ("comptoir", "Le Comptoir (dark-net forum)", "forum"),
    ("nebula", "Nebula Market", "market"), ("tortuga", "Tortuga Market", "market"),
    ("posteo", "Postéo", "carrier"), ("eurofreight", "EuroFreight BV", "carrier"),
    ("hexa", "Banque Hexa", "bank"), ("bitcoin", "Bitcoin", "crypto"),
    ("monero", "Monero", "crypto"), ("locaflat", "LocaFlat (flat rentals)", "other"),
)

# key, display name, role, notes, exhibit key
_ACTORS = (
    ("chicha", "« Chicha Express »", "seller", "Seller persona on Snapchat, Facebook, Signal",
     "snap"),
    ("lucas", "Lucas Ferrand", "head", "Runs the online shop; alias « Chicha Express »",
     "phone_lucas"),
    ("yanis", "Yanis Morel", "head", "Runs the Paris delivery cell (Telegram)", "custody"),
    ("theo", "Théo Marchal", "logistician", "Packs and posts parcels from the flat", "custody"),
    ("dylan", "Dylan Roche", "logistician", "Packs and posts parcels from the flat", "custody"),
    ("mercier", "« Julien Mercier »", "unknown", "False name on the flat's lease", "lease"),
    ("bram", "Bram de Vries", "supplier", "Wholesaler in Venlo (NL)", "cmr"),
    ("oranje", "« Oranje Connect »", "supplier", "NL supply group selling 10 kg and more",
     "forum"),
    ("flash", "« Flash »", "courier", "Courier paid per delivery", "courier"),
    ("ryan", "Ryan T.", "courier", "Courier paid per delivery", "phone_flash"),
    ("enzo", "Enzo P.", "courier", "Courier paid per delivery", "phone_flash"),
    ("hugo", "Agent « Hugo »", "investigator", "Customs undercover officer", "tp1"),
    ("leclerc", "OPJ Marion Leclerc", "investigator", "Lead investigator", "custody"),
    ("nebula_ops", "Nebula Market staff", "operator", "Market administrators, 5 % fee",
     "nebula"),
    ("tortuga_ops", "Tortuga Market staff", "operator", "Market administrators", "tortuga"),
    ("josiane", "Josiane Perrot", "third_party", "Pensioner; identity stolen", "perrot"),
    ("gerard", "Gérard Perrot", "third_party", "Pensioner; identity stolen", "perrot"),
    ("greendoc", "« GreenDoctor »", "seller", "Dark-net vendor; exit scam", "nebula"),
)

# key, Snapchat handle, city key (customers of the online shop)
CUSTOMERS = (
    ("lilou", "lilou.93", "paris"), ("kev", "kev_bdx", "bordeaux"),
    ("momo", "momo.lyon", "lyon"), ("sarah", "sarah_mrs", "marseille"),
    ("jb", "jb.nantes", "nantes"), ("tom", "tomtom31", "toulouse"),
    ("ines", "ines.lil", "lille"), ("max", "max_stras", "strasbourg"),
    ("nico", "nico.rns", "rennes"), ("lea", "lea.mtp", "montpellier"),
)

# key, name, kind, lat, lon, precision, country, third party
_PLACES = (
    ("nl", "Netherlands", "country", 52.13, 5.29, "country", "NL", 0),
    ("venlo", "Venlo", "city", 51.370, 6.172, "city", "NL", 0),
    ("rotterdam", "Rotterdam", "city", 51.924, 4.478, "city", "NL", 0),
    ("border", "NL–BE border crossing, A2 near Eijsden", "border", 50.765, 5.700, "exact", "NL",
     0),
    ("liege", "Liège airport hub", "hub", 50.637, 5.443, "exact", "BE", 0),
    ("lille_hub", "Lille-Lesquin hub", "hub", 50.571, 3.101, "exact", "FR", 0),
    ("roissy", "Roissy CDG customs hub", "hub", 49.009, 2.548, "exact", "FR", 0),
    ("gonesse", "Postéo hub Paris-Nord (Gonesse)", "hub", 48.987, 2.449, "exact", "FR", 0),
    ("idf", "Île-de-France", "other", 48.85, 2.35, "region", "FR", 0),
    ("paris", "Paris", "city", 48.857, 2.352, "city", "FR", 0),
    ("flat", "Rented flat, Paris 18e", "address", 48.892, 2.349, "exact", "FR", 0),
    ("relay", "Postéo relay point, Paris 18e", "pickup_point", 48.889, 2.360, "street", "FR", 0),
    ("stock", "Stock pickup, Paris 20e", "pickup_point", 48.864, 2.398, "street", "FR", 0),
    ("yanis_home", "Home of Y. Morel, Saint-Denis", "address", 48.936, 2.357, "street", "FR", 0),
    ("lucas_home", "Home of L. Ferrand, Paris 17e", "address", 48.884, 2.322, "street", "FR", 0),
    ("perrot_home", "Home of Mr and Mrs Perrot, Limoges", "address", 45.834, 1.262, "street",
     "FR", 1),
    ("uc_drop", "Undercover delivery address, Paris 15e", "address", 48.841, 2.300, "street",
     "FR", 0),
    ("lyon", "Lyon", "city", 45.764, 4.836, "city", "FR", 0),
    ("marseille", "Marseille", "city", 43.296, 5.370, "city", "FR", 0),
    ("bordeaux", "Bordeaux", "city", 44.838, -0.579, "city", "FR", 0),
    ("nantes", "Nantes", "city", 47.218, -1.554, "city", "FR", 0),
    ("toulouse", "Toulouse", "city", 43.605, 1.444, "city", "FR", 0),
    ("lille", "Lille", "city", 50.629, 3.057, "city", "FR", 0),
    ("strasbourg", "Strasbourg", "city", 48.573, 7.752, "city", "FR", 0),
    ("rennes", "Rennes", "city", 48.117, -1.678, "city", "FR", 0),
    ("montpellier", "Montpellier", "city", 43.611, 3.877, "city", "FR", 0),
)

#: Paris arrondissements where the delivery cell drops orders (third-party addresses).
DROP_DISTRICTS = (
    ("3e", 48.863, 2.360), ("10e", 48.876, 2.360), ("11e", 48.859, 2.380),
    ("12e", 48.840, 2.388), ("17e", 48.887, 2.307), ("18e", 48.892, 2.348),
    ("19e", 48.887, 2.384), ("20e", 48.863, 2.401),
)


@dataclass
class Cast:
    """Ids of the demo's records by short key, filled by :func:`build_cast`."""

    exhibit: dict[str, int] = field(default_factory=dict)
    platform: dict[str, int] = field(default_factory=dict)
    actor: dict[str, int] = field(default_factory=dict)
    ident: dict[str, int] = field(default_factory=dict)
    place: dict[str, int] = field(default_factory=dict)
    drops: list[int] = field(default_factory=list)


def build_cast(book: RowBook) -> Cast:
    """Add the cast's rows to ``book`` and return their ids by key."""
    cast = Cast()
    for key, label, kind, desc, by, when in _EXHIBITS:
        cast.exhibit[key] = book.add(
            "exhibit", label=label, kind=kind, description=desc, acquired_by=by,
            acquired_at=local_us(*when), sha256=fake_sha256("demo", label),
            path=f"scelles/{label.replace(' ', '_').lower()}.zip",
        )
    for key, name, kind in _PLATFORMS:
        cast.platform[key] = book.add("platform", name=name, kind=kind)
    for key, name, role, notes, ex in _ACTORS:
        cast.actor[key] = book.add("actor", display_name=name, role=role, notes=notes,
                                   exhibit_id=cast.exhibit[ex])
    for key, handle, _city in CUSTOMERS:
        cast.actor[key] = book.add("actor", display_name=f"Client « {handle} »", role="customer",
                                   notes="Identified from chats and parcels",
                                   exhibit_id=cast.exhibit["posteo"])
    for key, name, kind, lat, lon, prec, cc, third in _PLACES:
        cast.place[key] = book.add("place", name=name, kind=kind, lat=lat, lon=lon,
                                   precision=prec, country_code=cc, third_party=third)
    for n, (district, lat, lon) in enumerate(DROP_DISTRICTS * 2):
        dlat, dlon = ((n * 37) % 11 - 5) * 0.0012, ((n * 53) % 13 - 6) * 0.0015
        cast.drops.append(book.add(
            "place", name=f"Delivery address no. {n + 1:02d}, Paris {district}", kind="address",
            lat=round(lat + dlat, 5), lon=round(lon + dlon, 5), precision="street",
            country_code="FR", third_party=1))
    _identifiers(book, cast)
    _relations(book, cast)
    return cast


# key, kind, value, platform key or "", third party, exhibit key, notes
_IDENTIFIERS = (
    ("snap1", "account", "chicha.express75", "snapchat", 0, "snapreq", "Banned 3 June 2024"),
    ("snap2", "account", "chicha.express.v2", "snapchat", 0, "snapreq", "Opened 5 June 2024"),
    ("fbpage", "account", "Chicha Express Livraison", "facebook", 0, "fb", "Facebook page"),
    ("persona", "pseudonym", "Chicha Express", "", 0, "snap", "Brand used on every platform"),
    ("stolen", "phone", "+33 6 39 98 41 07", "signal", 1, "telco",
     "Prepaid line subscribed with the Perrots' stolen identity: redact in court"),
    ("perrot_fix", "phone", "+33 1 99 00 37 12", "", 1, "perrot", "The Perrots' landline"),
    ("lucas_tel", "phone", "+33 6 39 98 12 58", "", 0, "phone_lucas", "Personal line"),
    ("btc", "wallet", fake_btc_address("demo", "seller"), "bitcoin", 0, "btc",
     "Payment address given in Signal chats"),
    ("xmr", "wallet", fake_xmr_address("demo", "seller"), "monero", 0, "xmr",
     "XMR address used from September"),
    ("xmr_nl", "wallet", fake_xmr_address("demo", "oranje"), "monero", 0, "cmr",
     "Supplier's payment address"),
    ("mail", "email", "chicha.express75@mail.example", "", 0, "snapreq",
     "Recovery e-mail of the Snapchat account"),
    ("vpn", "ip", "198.51.100.23", "", 0, "snapreq", "VPN exit used for 212 Snapchat logins"),
    ("home_ip", "ip", "203.0.113.58", "", 0, "snapreq", "Residential line, Paris 18e"),
    ("imei", "other", "IMEI 35 391 810 552 417 3", "", 0, "search", "iPhone seized on L.F."),
    ("mercier_mail", "email", "j.mercier.loc@mail.example", "locaflat", 0, "lease",
     "E-mail on the lease"),
    ("iban", "iban", "FR76 4255 9000 0141 2345 6789 045", "hexa", 0, "bank",
     "Account opened as « Julien Mercier »; pays the rent"),
    ("tg_channel", "account", "@livraison75_rapide", "telegram", 0, "tg", "Delivery channel"),
    ("dispatch", "pseudonym", "Dispatch75", "telegram", 0, "tg", "Dispatcher of the cell"),
    ("flash_tel", "phone", "+33 6 39 98 60 14", "signal", 0, "phone_flash", "Courier line"),
    ("ryan_tel", "phone", "+33 6 39 98 60 27", "signal", 0, "phone_flash", "Courier line"),
    ("enzo_tel", "phone", "+33 6 39 98 60 33", "signal", 0, "phone_flash", "Courier line"),
    ("bram_sig", "account", "oranje_bram", "signal", 0, "cmr", "Signal username"),
    ("oranje_forum", "account", "OranjeConnect", "comptoir", 0, "forum", "Wholesale thread"),
    ("greendoc", "account", "GreenDoctor", "nebula", 0, "nebula", "Vendor since Feb 2024"),
    ("greendoc2", "account", "GreenDoc_official", "tortuga", 0, "tortuga",
     "Same PGP key as GreenDoctor"),
    ("hugo_snap", "account", "hugo.chill92", "snapchat", 0, "tp1", "Undercover account"),
    ("hugo_tel", "phone", "+33 6 39 98 77 20", "signal", 0, "tp1", "Undercover line"),
    ("hugo_nebula", "account", "frenchbuyer_h", "nebula", 0, "tp3", "Undercover account"),
    ("leclerc_tg", "account", "@marion_l75", "telegram", 0, "tp2", "Undercover account"),
)

# identifier key, actor key, kind, confidence, justification, exhibit key
_ATTRIBUTIONS = (
    ("snap1", "chicha", "uses", 0.95, "Stories advertise the brand", "snap"),
    ("snap2", "chicha", "uses", 0.9, "Same menu and Signal number as the banned account",
     "snapreq"),
    ("fbpage", "chicha", "uses", 0.9, "Page sends buyers to the same Signal number", "fb"),
    ("persona", "chicha", "uses", 1.0, "Brand name", "snap"),
    ("stolen", "josiane", "registered_to", 1.0, "Subscriber record in her name", "telco"),
    ("stolen", "gerard", "registered_to", 1.0, "Co-holder on the subscription", "telco"),
    ("stolen", "chicha", "uses", 0.95, "Number given to buyers in every chat", "signal_uc"),
    ("stolen", "lucas", "uses", 0.8, "SIM found in L. Ferrand's iPhone", "phone_lucas"),
    ("perrot_fix", "josiane", "owns", 1.0, "Landline at the Perrots' home", "perrot"),
    ("lucas_tel", "lucas", "owns", 1.0, "Contract in his own name", "phone_lucas"),
    ("btc", "chicha", "owns", 0.9, "Address sent to buyers, receives test-purchase payments",
     "btc"),
    ("btc", "lucas", "owns", 0.75, "Wallet app with this address on his iPhone",
     "phone_lucas"),
    ("xmr", "chicha", "owns", 0.7, "Address sent to the undercover buyer", "signal_uc"),
    ("xmr_nl", "oranje", "owns", 0.8, "Given for each consignment", "phone_lucas"),
    ("mail", "chicha", "uses", 0.85, "Recovery e-mail of the Snapchat account", "snapreq"),
    ("vpn", "chicha", "uses", 0.6, "Logins to chicha.express75", "snapreq"),
    ("home_ip", "lucas", "uses", 0.7, "Same line as L. Ferrand's home internet", "snapreq"),
    ("imei", "lucas", "owns", 1.0, "Seized on him at arrest", "search"),
    ("mercier_mail", "mercier", "registered_to", 1.0, "E-mail on the lease", "lease"),
    ("mercier_mail", "theo", "uses", 0.8, "Mailbox open on his laptop at the search", "search"),
    ("iban", "mercier", "registered_to", 1.0, "Account holder name", "bank"),
    ("iban", "theo", "uses", 0.75, "Card in this name found on him", "search"),
    ("tg_channel", "yanis", "uses", 0.85, "Admin rights seen in his phone", "custody"),
    ("dispatch", "yanis", "uses", 0.7, "Dispatch messages sent from his phone", "custody"),
    ("flash_tel", "flash", "owns", 1.0, "Phone seized on him", "phone_flash"),
    ("ryan_tel", "ryan", "uses", 0.8, "Contact « Ryan livreur » in Flash's phone",
     "phone_flash"),
    ("enzo_tel", "enzo", "uses", 0.8, "Contact « Enzo scoot » in Flash's phone", "phone_flash"),
    ("bram_sig", "bram", "uses", 0.8, "Dutch police identification", "cmr"),
    ("oranje_forum", "oranje", "uses", 0.9, "Forum signature", "forum"),
    ("greendoc", "greendoc", "uses", 1.0, "Vendor account", "nebula"),
    ("greendoc2", "greendoc", "uses", 0.75, "Same PGP key fingerprint and shop text",
     "tortuga"),
    ("hugo_snap", "hugo", "uses", 1.0, "Undercover account", "tp1"),
    ("hugo_tel", "hugo", "uses", 1.0, "Undercover line", "tp1"),
    ("hugo_nebula", "hugo", "uses", 1.0, "Undercover account", "tp3"),
    ("leclerc_tg", "leclerc", "uses", 1.0, "Undercover account", "tp2"),
)

# from, to, kind, confidence, justification, exhibit key
_RELATIONS = (
    ("chicha", "lucas", "same_person_as", 0.85,
     "Signal SIM and BTC wallet in his iPhone; home IP in Snapchat logs", "phone_lucas"),
    ("mercier", "theo", "same_person_as", 0.9, "Photo on the lease; keys found on him", "search"),
    ("lucas", "yanis", "associate_of", 0.9, "Split of the takings in chats", "phone_lucas"),
    ("theo", "lucas", "works_for", 0.9, "Paid 1,500 € a month", "phone_lucas"),
    ("dylan", "lucas", "works_for", 0.85, "Daily packing lists from L. Ferrand", "phone_lucas"),
    ("flash", "yanis", "works_for", 0.9, "Paid 20 € per delivery", "courier"),
    ("ryan", "yanis", "works_for", 0.8, "Rounds dispatched by Dispatch75", "phone_flash"),
    ("enzo", "yanis", "works_for", 0.8, "Rounds dispatched by Dispatch75", "phone_flash"),
    ("bram", "oranje", "member_of", 0.8, "Signs consignments for the group", "cmr"),
    ("oranje", "lucas", "supplier_of", 0.85, "Consignments and XMR payments", "cmr"),
    ("nebula_ops", "greendoc", "associate_of", 0.5, "Market held the escrow", "nebula"),
)


def _identifiers(book: RowBook, cast: Cast) -> None:
    for key, kind, value, pf, third, ex, notes in _IDENTIFIERS:
        cast.ident[key] = book.add(
            "identifier", kind=kind, value=value,
            platform_id=cast.platform[pf] if pf else None, third_party=third,
            exhibit_id=cast.exhibit[ex], notes=notes)
    for key, handle, _city in CUSTOMERS:
        cast.ident[key] = book.add(
            "identifier", kind="account", value=handle,
            platform_id=cast.platform["snapchat"], third_party=0,
            exhibit_id=cast.exhibit["signal_uc"], notes="Customer account")
        book.add("attribution", identifier_id=cast.ident[key], actor_id=cast.actor[key],
                 kind="uses", confidence=0.7, justification="Named in the parcel records",
                 exhibit_id=cast.exhibit["posteo"])
    for ident, actor, kind, conf, why, ex in _ATTRIBUTIONS:
        book.add("attribution", identifier_id=cast.ident[ident], actor_id=cast.actor[actor],
                 kind=kind, confidence=conf, justification=why,
                 exhibit_id=cast.exhibit[ex])


def _relations(book: RowBook, cast: Cast) -> None:
    for src, dst, kind, conf, why, ex in _RELATIONS:
        book.add("relation", from_actor_id=cast.actor[src], to_actor_id=cast.actor[dst],
                 kind=kind, confidence=conf, justification=why, exhibit_id=cast.exhibit[ex])
    for key, _name, _city in CUSTOMERS:
        book.add("relation", from_actor_id=cast.actor[key], to_actor_id=cast.actor["chicha"],
                 kind="customer_of", confidence=0.8, justification="Orders in the chats",
                 exhibit_id=cast.exhibit["phone_lucas"])


HOUR = 3_600_000_000
MINUTE = 60_000_000


class Story:
    """Adds events to a :class:`RowBook`, resolving the cast's short keys to ids."""

    def __init__(self, book: RowBook, cast: Cast, seed: int) -> None:
        self.book = book
        self.cast = cast
        self.rng = random.Random(seed)

    def event(self, kind: str, title: str, ts: int, *, exhibit: str, actor: str | None = None,
              counterpart: str | None = None, ident: str | None = None,
              platform: str | None = None, place: str | int | None = None,
              precision: str = "second", **extra: Any) -> None:
        """One event; every one cites an exhibit, the rest is linked where it means something."""
        c = self.cast
        self.book.add(
            "event", kind=kind, title=title, ts=ts, precision=precision,
            exhibit_id=c.exhibit[exhibit],
            actor_id=c.actor[actor] if actor else None,
            counterpart_id=c.actor[counterpart] if counterpart else None,
            identifier_id=c.ident[ident] if ident else None,
            platform_id=c.platform[platform] if platform else None,
            place_id=c.place[place] if isinstance(place, str) else place, **extra)


def t(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """UTC microseconds of a Paris wall time in 2024 (the story's year)."""
    return local_us(2024, month, day, hour, minute, second)


def days(first: date, last: date) -> list[date]:
    """Every date from ``first`` to ``last`` inclusive."""
    return [first + timedelta(n) for n in range((last - first).days + 1)]
