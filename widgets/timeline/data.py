"""The plain data a timeline shows: columns of events and the lanes they sit in.

The app's controller builds a :class:`TimelineData` from ``storage`` results and hands it to
:meth:`TimelineView.set_data`; the widget never queries anything itself. Every time is an
``int64`` count of microseconds since the epoch, UTC, exactly as in the case format: float
seconds would lose microseconds for dates far from 1970, and pandas timestamps stop in 2262.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Lane:
    """One row of the timeline.

    Attributes
    ----------
    key : str
        Stable key such as ``"kind:payment"`` or ``"actor:12"``; the widget remembers lane
        order and collapsed state by key, so they survive a reload with the same lanes.
    label : str
        Shown as plain text only: it may be a pseudonym chosen by a suspect.
    """

    key: str
    label: str


@dataclass(frozen=True, slots=True, eq=False)
class TimelineData:
    """Column arrays of events, sorted by ``ts``, one entry per event.

    ``eq=False`` because comparing numpy arrays element-wise has no single truth value; the
    widget compares data by identity.

    Attributes
    ----------
    ts : numpy.ndarray
        ``int64`` µs UTC, sorted ascending.
    end : numpy.ndarray
        ``int64`` µs; equal to ``ts`` unless the event is an interval (a call, a courier
        round, a shipment leg).
    lo, hi : numpy.ndarray
        ``int64`` µs bounds of the timestamp's uncertainty; equal to ``ts`` when exact.
    ids : numpy.ndarray
        ``int64`` event ids; all ``-1`` in a first, partial load (selection is then off).
    kind : numpy.ndarray
        Small unsigned integers indexing ``kind_names`` (they pick the colour).
    kind_names : tuple of str
        Event kind vocabulary; shown as plain text.
    lane : numpy.ndarray
        Integer index into ``lanes`` (any integer type; the app uses the smallest unsigned
        one that holds the lane count).
    lanes : tuple of Lane
        The rows, in the controller's preferred order.
    """

    ts: np.ndarray
    end: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    ids: np.ndarray
    kind: np.ndarray
    kind_names: tuple[str, ...]
    lane: np.ndarray
    lanes: tuple[Lane, ...]

    @classmethod
    def empty(cls) -> TimelineData:
        """Data with no events and no lanes; a view shows an empty, usable timeline."""
        z = np.zeros(0, dtype=np.int64)
        return cls(
            ts=z, end=z, lo=z, hi=z, ids=z,
            kind=np.zeros(0, dtype=np.uint8), kind_names=(),
            lane=np.zeros(0, dtype=np.int32), lanes=(),
        )

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def check(self) -> None:
        """Raise ``ValueError`` on a controller bug: columns of unequal length, unsorted ts.

        Both would otherwise draw a wrong picture silently (binning relies on sorted times),
        which in an evidence viewer is worse than an error.
        """
        n = len(self)
        for name in ("end", "lo", "hi", "ids", "kind", "lane"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"TimelineData.{name} has shape "
                                 f"{getattr(self, name).shape}, expected ({n},)")
        if n > 1 and not bool(np.all(self.ts[1:] >= self.ts[:-1])):
            raise ValueError("TimelineData.ts must be sorted ascending")
