"""The actor views: the card gallery and the full card (the link chart joins them)."""

from widgets.cards.card import ActorCardView, CardDetail, CardItem
from widgets.cards.gallery import ActorGallery, CardSummary

__all__ = ["ActorCardView", "ActorGallery", "CardDetail", "CardItem", "CardSummary"]
