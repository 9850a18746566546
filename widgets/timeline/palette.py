"""Colours for event kinds: distinct, and the same colour for a kind name in every case.

The colours are Kenneth Kelly's 1965 list of maximally contrasting colours (without white
and black), ordered so that the first few are the most different. A kind's colour comes from
a CRC-32 of its name, so "payment" keeps its colour from one case to the next; when two kinds
present in one case hash to the same colour, the later name (in sorted order) moves to the
next free colour, so a legend never shows two kinds in one colour while colours remain.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QPalette

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import pyqtgraph as pg

KELLY = (
    "#0067a5", "#f38400", "#008856", "#be0032", "#875692", "#f3c300", "#a1caf1", "#882d17",
    "#e68fac", "#8db600", "#604e97", "#f99379", "#2b3d26", "#dcd300", "#b3446c", "#c2b280",
    "#654522", "#e25822", "#848482", "#f6a600",
)
#: Colour of events whose kind index is outside ``kind_names`` (a malformed load).
UNKNOWN_KIND = "#9a9a9a"


def kind_colors(kind_names: Sequence[str]) -> list[QColor]:
    """One colour per kind name, plus a last grey entry for out-of-range kinds.

    Parameters
    ----------
    kind_names : sequence of str
        The data's vocabulary, in index order.
    """
    n = len(KELLY)
    slot_of: dict[str, int] = {}
    taken: set[int] = set()
    for name in sorted(set(kind_names)):
        slot = zlib.crc32(name.encode("utf-8", "surrogatepass")) % n
        if len(taken) < n:
            while slot in taken:
                slot = (slot + 1) % n
        taken.add(slot)
        slot_of[name] = slot
    colors = [QColor(KELLY[slot_of[name]]) for name in kind_names]
    colors.append(QColor(UNKNOWN_KIND))
    return colors


def follow_widget_palette(palette: QPalette, plots: Iterable[pg.PlotWidget],
                          axes: Iterable[pg.AxisItem]) -> None:
    """Give plots the application's base colour and axes its text colour.

    pyqtgraph defaults to a black background whatever the desktop theme; the timeline sits
    among ordinary Qt widgets and should look like them (and the Kelly colours are chosen
    against a light background).
    """
    for plot in plots:
        plot.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.WindowText)
    for axis in axes:
        axis.setPen(text)
        axis.setTextPen(text)
