"""A pyqtgraph axis whose ticks fall on local calendar boundaries of a time zone.

The view's x coordinate is seconds since an origin instant (float64), so the axis converts
back to integer µs UTC, asks :mod:`widgets.timeline.calendar_ticks` for ticks in the zone, and
returns their positions. Labels are drawn by ``QPainter.drawText`` (plain text); the axis
title is never used because pyqtgraph renders it as HTML.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from widgets.timeline.calendar_ticks import (
    SAMPLE_LABELS,
    TickStep,
    choose_steps,
    tick_instants,
    tick_labels,
)


class TimeAxisItem(pg.AxisItem):
    """Bottom axis labelled in ``zone`` (or UTC), ticks at local clock/calendar turns."""

    def __init__(self, orientation: str = "bottom") -> None:
        super().__init__(orientation)
        self._origin_us = 0
        self._zone = "UTC"
        self._labels: dict[float, str] = {}
        self._label_px: dict[str, float] = {}
        self.last_ticks: list[tuple[int, str]] = []
        self.enableAutoSIPrefix(False)

    def set_origin(self, origin_us: int) -> None:
        """Instant (µs UTC) that x = 0 stands for."""
        self._origin_us = int(origin_us)
        self._invalidate()

    def set_zone(self, zone_name: str) -> None:
        """Zone whose calendar the ticks follow (``"UTC"`` for the UTC toggle)."""
        self._zone = zone_name
        self._invalidate()

    @property
    def zone_name(self) -> str:
        """The zone the labels are in."""
        return self._zone

    def _invalidate(self) -> None:
        self.picture = None
        self.update()

    def _label_width(self, step: TickStep) -> float:
        if not self._label_px:
            font = self.style.get("tickFont") or self.font()
            fm = QFontMetricsF(font)
            self._label_px = {u: fm.horizontalAdvance(s) for u, s in SAMPLE_LABELS.items()}
        return self._label_px[step.unit]

    def ticks_for(self, start_us: int, end_us: int, width_px: float,
                  ) -> tuple[list[tuple[int, str]], list[int]]:
        """Major ticks with labels and unlabeled minor ticks for a range (used by tests too)."""
        major, minor = choose_steps(end_us - start_us, width_px, self._label_width)
        majors = tick_instants(start_us, end_us, major, self._zone)
        labels = tick_labels(majors, major, self._zone)
        minors: list[int] = []
        if minor is not None:
            seen = set(majors)
            minors = [t for t in tick_instants(start_us, end_us, minor, self._zone)
                      if t not in seen]
        return list(zip(majors, labels, strict=True)), minors

    def tickValues(self, minVal: float, maxVal: float, size: float,
                   ) -> list[tuple[float, list[float]]]:
        """Pyqtgraph hook: tick positions (x units) per level, labelled level first."""
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)
        start = self._origin_us + round(lo * 1e6)
        end = self._origin_us + round(hi * 1e6)
        if end <= start or size <= 0:
            return []
        majors, minors = self.ticks_for(start, end, size)
        self.last_ticks = majors
        self._labels = {}
        major_x: list[float] = []
        for t, text in majors:
            x = (t - self._origin_us) * 1e-6
            self._labels[x] = text
            major_x.append(x)
        minor_x = [(t - self._origin_us) * 1e-6 for t in minors]
        spacing = (major_x[1] - major_x[0]) if len(major_x) > 1 else hi - lo
        return [(spacing, major_x), (spacing / 4, minor_x)]

    def tickStrings(self, values: list[float], scale: float, spacing: float,
                    ) -> list[str]:
        """Pyqtgraph hook: the labels computed with the ticks; minor ticks get none."""
        return [self._labels.get(v, "") for v in values]
