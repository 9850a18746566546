"""What the people of the demo case write: ads, chats, reviews, parcel labels.

Kept apart from the story so the timeline reads as a sequence of facts. The snippets imitate
the French and English of real seizures (slang, emoji, prices in the text) without copying any.
Product names match the ``event.product`` values the story writes.
"""

from __future__ import annotations

SNAP_ADS = (
    "🔥 Chicha 1 kg dispo, toutes saveurs — livraison toute la France 📦 DM",
    "Nouvel arrivage 🌿 frappe + chicha menthe/raisin. Commande en privé",
    "Promo -10 % ce week-end 🎉 carte fidélité : 10e commande offerte",
    "Colis discret, envoi sous 24 h, suivi fourni ✅ SAV si colis perdu",
    "Jeu à gratter offert dès 50 € 🎟️ tente de gagner 5 g",
    "Paiement BTC accepté 💸 écris-moi, je réponds sur Signal",
    "Puffs THC 🍓🍋 arrivées, 35 € pièce",
    "Stock limité cette semaine, premiers arrivés ⏳",
)

TELEGRAM_PROMOS = (
    "2 achetés = 1 puff offerte 🎁 ce soir seulement",
    "Carte fidélité 🛵 10e livraison offerte, demandez au livreur",
    "Livraison gratuite ce week-end dès 60 € 🚀",
    "Nouveau : Jaune Mousseux 🧽 dispo ce soir",
)

#: (text in the dispatch message, price in EUR, product, quantity, unit)
STREET_BASKETS = (
    ("2 pochons beuh", 30, "herbal cannabis", 3.0, "g"),
    ("10 g beuh", 100, "herbal cannabis", 10.0, "g"),
    ("1 barrette jaune", 20, "cannabis resin", 2.5, "g"),
    ("10 g jaune", 70, "cannabis resin", 10.0, "g"),
    ("1 kg chicha menthe", 50, "shisha tobacco", 1.0, "kg"),
    ("2 puffs THC", 70, "THC e-liquid", 2.0, "pcs"),
)

DISPATCH = "📍 Paris {district} — {basket} — {price} € cash. Sonne 2 fois, client prévenu"
CASH_DROP = "Dépôt {cash} € au stock — payé {n} × 20 € = {pay} €"

CELL_REVIEWS = (
    "⭐⭐⭐⭐⭐ livré en 40 min, livreur sympa",
    "Produit top, je recommande la chaîne 👌",
    "Un peu de retard mais le livreur a prévenu, 4/5",
    "Meilleure frappe de Paris, merci 🙏",
    "Service client au top, ils ont renvoyé un livreur",
    "⭐⭐⭐⭐⭐ rapide et discret",
    "Commande à 23h30, livrée avant minuit 🔥",
    "Jaune de qualité, prix correct",
    "Livreur poli, emballage propre",
    "Fidèle depuis le début, toujours nickel",
    "Carte fidélité validée, 10e offerte 🎁",
    "Rien à dire, parfait",
)

GREENDOC_GOOD = (
    "Top vendor, stealth perfect, 48h to Paris. A+++",
    "Quality as described, will order again 👍",
    "Fast shipping, great comms",
    "Stealth parfait, reçu en 2 jours. 5/5",
    "Best coke on Nebula, trust this guy",
    "Second order, same quality, thanks doc",
    "Vacuum sealed x2, smell proof. 10/10",
    "Reliable vendor, recommend",
    "Delivered to Lyon in 3 days, perfect",
    "Bonne qualité, vendeur réactif",
    "Always on time 🙏",
    "Legit vendor, good weight",
)

GREENDOC_BAD = (
    "Reçu des carottes sous vide ?! C'est une blague",
    "SCAM — vegetables in the bag, vendor not answering",
    "Dried celery instead of product. Do NOT finalize early",
    "Vendor gone silent, 3 orders unanswered",
    "Exit scam incoming, pull your coins",
)

#: Online-shop baskets: (product, quantity, unit, price in EUR), the first line is the main one.
SHOP_BASKETS = (
    (("shisha tobacco", 1.0, "kg", 45),),
    (("shisha tobacco", 1.0, "kg", 45), ("herbal cannabis", 10.0, "g", 100)),
    (("herbal cannabis", 25.0, "g", 230),),
    (("cannabis resin", 50.0, "g", 360),),
    (("shisha tobacco", 2.0, "kg", 85), ("cannabis resin", 10.0, "g", 80)),
    (("THC e-liquid", 3.0, "pcs", 100),),
    (("herbal cannabis", 10.0, "g", 100), ("THC e-liquid", 2.0, "pcs", 70)),
    (("shisha tobacco", 0.5, "kg", 25),),
)

FIRST_CONTACT = (
    "Slt, t'as de la chicha menthe ? Et du vert ?",
    "Yo c'est toujours dispo le menu de ta story ?",
    "Bonjour, vous livrez à {city} ?",
    "Hello, tu envoies en colis ?",
)
MOVE_TO_SIGNAL = "Passe sur Signal 🔒 +33 6 39 98 41 07, je réponds plus ici"
ORDER = "Je prends {basket}. Livraison {city} stp"
QUOTE = "Ça fait {price} € en {coin}, adresse habituelle. Envoi demain"
PAID = "Reçu ✅ ça part demain, je t'envoie le suivi"
SHOP_REVIEWS = (
    "Reçu nickel, colis discret 👍 5/5",
    "Arrivé en 48 h, la chicha est fraîche",
    "Toujours au top, merci frérot",
    "Petit retard Postéo mais tout est là",
)

DECLARED = ("Thé à la menthe", "Accessoires chicha", "Cosmétiques", "Bougies parfumées",
            "Vêtements")
SENDER_NAMES = ("J. Mercier", "Arômes d'Orient", "M. Martin", "Boutique Nuage", "S. Petit")
