"""Which lane sits in which row, and how tall each row is (pure Python/numpy, no Qt).

The user reorders and collapses lanes in the view; that is view state, remembered by lane
*key* so that it survives :meth:`TimelineView.set_data` with the same lanes (e.g. a full load
after a partial one). Rows stack from y = 0 downwards in view units: an open row is 1.0
tall, a collapsed one :data:`COLLAPSED_HEIGHT`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from widgets.timeline.data import Lane

COLLAPSED_HEIGHT = 0.35


class LaneLayout:
    """Row order and collapsed state of lanes, by key; computes row positions.

    Attributes
    ----------
    display : tuple of int
        Lane indices (into the current ``lanes``) from top to bottom.
    y0, height : numpy.ndarray
        Per lane index: top of its row and its height, in view units.
    total : float
        Height of all rows.
    """

    def __init__(self) -> None:
        self._order_keys: list[str] = []
        self._collapsed: set[str] = set()
        self._hidden: frozenset[str] = frozenset()
        self._lanes: tuple[Lane, ...] = ()
        self.display: tuple[int, ...] = ()
        self.order = np.zeros(0, dtype=np.intp)  # ``display`` as an array
        self._tops = np.zeros(0)  # y0 of the displayed lanes, top to bottom (increasing)
        self.y0 = np.zeros(0)
        self.height = np.zeros(0)
        self.total = 0.0

    def set_lanes(self, lanes: Sequence[Lane]) -> None:
        """New lanes: keys seen before keep their place, new keys follow in given order."""
        self._lanes = tuple(lanes)
        keys = [lane.key for lane in self._lanes]
        known = set(keys)
        order = [k for k in self._order_keys if k in known]
        seen = set(order)
        order += [k for k in keys if k not in seen]
        self._order_keys = order
        self._relayout()

    def _relayout(self) -> None:
        index_of = {lane.key: i for i, lane in enumerate(self._lanes)}
        self.display = tuple(index_of[k] for k in self._order_keys
                             if k in index_of and k not in self._hidden)
        n = len(self._lanes)
        self.y0 = np.zeros(n)
        self.height = np.zeros(n)
        y = 0.0
        for i in self.display:
            h = COLLAPSED_HEIGHT if self._lanes[i].key in self._collapsed else 1.0
            self.y0[i], self.height[i] = y, h
            y += h
        self.total = y
        self.order = np.asarray(self.display, dtype=np.intp)
        self._tops = self.y0[self.order]

    # -- user edits ------------------------------------------------------------------------
    def keys(self) -> tuple[str, ...]:
        """Lane keys from top to bottom."""
        return tuple(self._lanes[i].key for i in self.display)

    def move(self, key: str, delta: int) -> bool:
        """Move a lane ``delta`` rows down (negative: up); False when it cannot move."""
        if key not in self._order_keys:
            return False
        visible = [k for k in self._order_keys if k in {lane.key for lane in self._lanes}]
        pos = visible.index(key)
        new = min(max(pos + delta, 0), len(visible) - 1)
        if new == pos:
            return False
        visible.insert(new, visible.pop(pos))
        hidden = [k for k in self._order_keys if k not in set(visible)]
        self._order_keys = visible + hidden
        self._relayout()
        return True

    def set_collapsed(self, key: str, collapsed: bool) -> None:
        """Collapse a lane to a thin row (its counts stay visible) or open it again."""
        if collapsed:
            self._collapsed.add(key)
        else:
            self._collapsed.discard(key)
        self._relayout()

    def is_collapsed(self, key: str) -> bool:
        """Whether the lane with ``key`` is collapsed."""
        return key in self._collapsed

    def set_hidden(self, keys: frozenset[str]) -> bool:
        """Leave these lanes out of the rows (View ▸ Hide Empty Lanes); True if it changed.

        Hidden lanes keep their place in the order and come back where they were. At least
        one lane always stays, so the view never turns into an empty strip.
        """
        keys = frozenset(keys)
        if len(self._lanes) and keys >= {lane.key for lane in self._lanes}:
            keys = keys - {self._lanes[0].key}
        if keys == self._hidden:
            return False
        self._hidden = keys
        self._relayout()
        return True

    def hidden(self) -> frozenset[str]:
        """Keys of the lanes left out."""
        return self._hidden

    def expand_all(self) -> None:
        """Open every lane."""
        self._collapsed.clear()
        self._relayout()

    # -- geometry --------------------------------------------------------------------------
    # Rows stack without gaps in display order, so both answers are a search over the rows'
    # tops, not a loop over lanes: lanes by actor are 83,912 rows at 10^7 events, and these
    # run on every frame (lanes_in) and every mouse move (lane_at).
    def lane_at(self, y: float) -> int | None:
        """Lane index of the row containing ``y`` (view units), or None outside all rows."""
        k = int(np.searchsorted(self._tops, y, side="right")) - 1
        if k < 0:
            return None
        i = int(self.order[k])
        return i if y < self.y0[i] + self.height[i] else None

    def lanes_in(self, y_from: float, y_to: float) -> list[int]:
        """Lane indices whose rows intersect [y_from, y_to], top to bottom."""
        return self.order[self.rows_between(y_from, y_to)].tolist()

    def rows_between(self, y_from: float, y_to: float) -> slice:
        """The rows (positions in ``display``) that intersect ``(y_from, y_to)``."""
        bottoms = self._tops + self.height[self.order]
        a = int(np.searchsorted(bottoms, y_from, side="right"))
        b = int(np.searchsorted(self._tops, y_to, side="left"))
        return slice(a, max(a, b))
