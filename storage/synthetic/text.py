"""Fixed tables the synthetic generator indexes into: products, titles, chat snippets, names.

Events store small integer codes while they are generated; text is looked up only when rows
are written (``TABLE[codes]`` on an object array: no per-row string formatting). Snippets are
short on purpose: the FTS5 index is built over every title and message, and its cost grows
with the number of tokens, not the number of rows.
"""

from __future__ import annotations

import numpy as np

#: name, unit, EUR per unit, typical quantity per retail order, weight of the product in
#: network specialities. Index 0 means "no product".
PRODUCTS = (
    ("", "", 0.0, 0.0, 0.0),
    ("herbal cannabis", "g", 10.0, 10.0, 30.0),
    ("cannabis resin", "g", 7.0, 15.0, 22.0),
    ("cocaine", "g", 70.0, 2.0, 12.0),
    ("MDMA", "g", 40.0, 3.0, 5.0),
    ("ecstasy pills", "pcs", 10.0, 10.0, 5.0),
    ("THC e-liquid", "pcs", 35.0, 2.0, 6.0),
    ("diazepam (Valium)", "pcs", 3.0, 30.0, 3.0),
    ("cigarettes", "carton", 45.0, 2.0, 4.0),
    ("shisha tobacco", "kg", 45.0, 1.0, 8.0),
    ("counterfeit perfume", "pcs", 30.0, 3.0, 2.0),
    ("ketamine", "g", 30.0, 3.0, 2.0),
    ("fentanyl", "g", 300.0, 0.5, 0.3),
    ("converted blank pistol", "pcs", 1200.0, 1.0, 0.2),
)
PRODUCT_NAMES = np.array([p[0] for p in PRODUCTS], dtype=object)
UNITS = ("", "g", "kg", "pcs", "carton")
PRODUCT_UNIT = np.array([UNITS.index(p[1]) for p in PRODUCTS], dtype=np.int8)
UNIT_NAMES = np.array(UNITS, dtype=object)
PRODUCT_PRICE = np.array([p[2] for p in PRODUCTS])
PRODUCT_QTY = np.array([p[3] for p in PRODUCTS])
PRODUCT_WEIGHT = np.array([p[4] for p in PRODUCTS])

CURRENCIES = ("", "EUR", "BTC", "XMR")
CURRENCY_NAMES = np.array(CURRENCIES, dtype=object)

#: Chat snippets by group; a group is picked from the event's kind and direction.
SNIPPETS: dict[str, tuple[str, ...]] = {
    "ask": (
        "Dispo ce soir ?", "T'as quoi en ce moment ?", "Je peux commander pour demain ?",
        "Envoie le menu stp", "Tu livres à quelle heure ?", "C'est combien les 10 g ?",
        "Tu fais un prix pour 50 ?", "Ma commande est partie ?", "Toujours la même adresse",
        "Any stock this week?", "Can you ship to Lyon?", "Still open for orders?",
        "Je suis en bas", "Tu prends le BTC ?", "Le colis est pas arrivé",
        "Je veux 2 pochons", "Livraison possible à 22h ?", "Merci, bien reçu",
    ),
    "reply": (
        "Oui dispo 👍", "Passe sur Signal 🔒", "Envoie l'adresse en privé",
        "Paiement d'abord stp", "Colis parti ce matin", "Livreur en route, 20 min",
        "Stock refait demain", "Promo ce week-end 🔥", "Suivi envoyé",
        "Only XMR now", "Shipped, tracking in your inbox", "Sorry, sold out",
        "Je réponds plus ici", "Adresse notée ✅", "Prix fixe, pas de négo",
        "SAV: on renvoie si perdu", "Carte fidélité validée 🎁", "Ok pour demain",
    ),
    "ad": (
        "🔥 Arrivage frais, livraison 24 h", "Menu dispo en story", "Colis discret partout",
        "Livraison Paris 12h–00h 🛵", "Jeu à gratter offert dès 50 €",
        "Fresh stock, worldwide stealth", "Promo -10 % ce soir", "Nouveau compte, suivez",
    ),
    "menu": (
        "MENU 🌿 beuh · jaune · chicha", "Prix: 10 €/g, 90 €/10 g", "MENU 💊 pills · puffs",
        "Wholesale 1 kg+, DM", "Tarifs dégressifs dès 50 g",
    ),
    "review": (
        "⭐⭐⭐⭐⭐ rapide et discret", "Produit top 👌", "Livreur sympa", "Stealth perfect A+++",
        "Colis reçu en 48 h", "Un peu de retard mais ok", "Arnaque, rien reçu",
        "Great vendor", "Qualité au rendez-vous",
    ),
    "round": ("Stock récupéré, je pars", "Tournée terminée", "Je prends le scooter"),
    "cash": ("Dépôt au stock", "Paiement reçu", "Cash déposé, payé par livraison"),
    "call": ("Appel vidéo de vérification",),
    "account": ("Nouveau compte", "Compte banni", "Same vendor, new shop"),
    "police": ("Perquisition à 6 h", "Placé en garde à vue", "Scellés constitués"),
}
SNIPPET_GROUPS = tuple(SNIPPETS)
MESSAGES = np.array(["", *(s for g in SNIPPET_GROUPS for s in SNIPPETS[g])], dtype=object)
"""All snippets in one table; code 0 is "no message" (written as NULL)."""
_starts = np.cumsum([1] + [len(SNIPPETS[g]) for g in SNIPPET_GROUPS])
SNIPPET_START = {g: int(_starts[i]) for i, g in enumerate(SNIPPET_GROUPS)}
SNIPPET_COUNT = {g: len(SNIPPETS[g]) for g in SNIPPET_GROUPS}

#: Title of an event by kind; ``{pf}`` is replaced by the platform's name.
KIND_TITLES = {
    "ad_posted": "Ad posted on {pf}",
    "price_list": "Menu posted on {pf}",
    "message": "Message on {pf}",
    "video_call": "Video call on {pf}",
    "test_purchase": "Undercover test purchase on {pf}",
    "payment": "Payment via {pf}",
    "parcel_posted": "Parcel posted with {pf}",
    "tracking_scan": "Tracking scan ({pf})",
    "delivery": "Delivery",
    "courier_round": "Courier round",
    "review": "Review on {pf}",
    "account_created": "Account created on {pf}",
    "account_closed": "Account closed on {pf}",
    "account_migrated": "Account migrated to {pf}",
    "search": "Search of premises",
    "seizure": "Seizure",
    "arrest": "Arrest",
    "customs_detention": "Customs detention",
    "judicial_decision": "Judicial decision",
    "other": "Other fact",
}
#: Titles that do not depend on the platform, used by spawned events.
FIXED_TITLES = (
    "Scan: arrived at hub", "Scan: out for delivery", "Scan: returned to sender",
    "Parcel delivered", "Hand delivery by courier", "Cash payment to the courier",
    "Consignment unloaded", "Scan: crossed the border",
)

FALSE_NAMES = np.array(
    ["J. Mercier", "A. Martin", "Arômes d'Orient", "Boutique Nuage", "S. Petit", "L. Moreau",
     "Green Leaf Trading", "C. Garnier", "Atelier Bougies", "K. Lefèvre"], dtype=object)
DECLARED = np.array(
    ["Thé", "Cosmétiques", "Vêtements", "Accessoires chicha", "Bougies", "Pièces auto",
     "Livres", "Jouets", "Compléments alimentaires"], dtype=object)
