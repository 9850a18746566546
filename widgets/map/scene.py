"""What the map is given to draw: plain columns in Web Mercator metres, no database.

The app projects the case's places, hands over the legs of every shipment once per case,
and then only says which legs pass the filters (``MapView.show_legs``) and what is selected
(``MapHighlight``). Basemap layers come the same way (``VectorLayer``), already projected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

STATUS_NAMES = ("delivered", "in transit", "sent", "seized", "returned", "lost", "other")
STATUS_COLOURS = ("#2e7d32", "#1565c0", "#6a1b9a", "#c62828", "#ef6c00", "#616161", "#8d6e63")


@dataclass(frozen=True, eq=False)
class VectorLayer:
    """One basemap layer: rings or lines as one flat coordinate array.

    ``connect[i]`` is 1 when point ``i`` joins point ``i + 1`` (0 ends a ring, or cuts it
    where it crosses the antimeridian). Drawn when the view's metres per pixel lie in
    ``[min_mpp, max_mpp)``; ``fill`` paints the rings (land), else they are outlines
    (borders). ``label_*``: where the names go, shown below ``label_max_mpp``.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray
    min_mpp: float
    max_mpp: float
    fill: bool = False
    colour: str = "#8a8f99"
    width: float = 0.8
    label_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    label_y: np.ndarray = field(default_factory=lambda: np.empty(0))
    label_text: Sequence[str] = ()
    label_max_mpp: float = 0.0  # labels shown below this scale


@dataclass(frozen=True, eq=False)
class MapScene:
    """The case's places and shipment legs (every one; filters say which are shown)."""

    place_ids: np.ndarray
    place_x: np.ndarray  # metres; NaN: no position
    place_y: np.ndarray
    place_events: np.ndarray  # activity: the size of the point
    place_approx: np.ndarray  # bool: the position is approximate (precision, gazetteer)
    place_names: Sequence[str]
    place_notes: Sequence[str]  # why approximate ("from the gazetteer: Saint-Ouen, FR…")
    leg_origin: np.ndarray  # place positions, -1: unknown
    leg_destination: np.ndarray
    leg_status: np.ndarray  # index into STATUS_NAMES
    leg_weight_g: np.ndarray
    leg_shipment: np.ndarray  # shipment id of each leg
    leg_departed: np.ndarray  # µs UTC, -1: unknown
    leg_arrived: np.ndarray
    zone: str = "UTC"
    place_extent_m: np.ndarray | None = None
    """How far from its point a place may really be (metres; a country's ~400 km): framing
    one place shows that much around it. None: every point is exact."""

    @classmethod
    def empty(cls) -> MapScene:
        i = np.empty(0, dtype=np.int64)
        f = np.empty(0, dtype=np.float64)
        return cls(i, f, f, i, np.empty(0, dtype=bool), [], [], i, i,
                   np.empty(0, dtype=np.uint8), f, i, i, i)

    def placed(self) -> np.ndarray:
        """Positions of the places that have coordinates."""
        return np.flatnonzero(np.isfinite(self.place_x))


@dataclass(frozen=True, eq=False)
class Route:
    """A courier round, ordered: its start, then each delivery, numbered on the map."""

    round_id: int  # the courier_round event
    title: str
    x: np.ndarray
    y: np.ndarray
    labels: Sequence[str]  # drawn beside each point ("start 12:02", "1 · 12:40"…)
    event_ids: Sequence[int]  # the event of each point (start: the round itself)
    times: np.ndarray  # µs UTC of each point (the animation shows those reached)
    details: Sequence[str] = ()  # the tooltip of each point: full time with offset, title
    labelled: bool = True  # False: drawn as dots (the rounds under way while playing)


@dataclass(frozen=True, eq=False)
class MapHighlight:
    """What is selected, as the map shows it."""

    legs: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    places: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    routes: tuple[Route, ...] = ()

    @property
    def empty(self) -> bool:
        return not len(self.legs) and not len(self.places) and not self.routes
