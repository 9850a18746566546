"""Lines and dots handed to ``QPainter`` as arrays, in pixels.

Why not paths: Qt strokes a ``QPainterPath`` as one outline and fills it. A courier round
crossing itself twenty times, or a few thousand zero-length "dots", became one outline of
thousands of self-intersections and a scanline fill of tens to thousands of milliseconds
(measured at 10⁷ events: play at 14 frames a second, 0.9 s of a Paris redraw in the place
dots). Separate line segments (``drawLines``) are stroked one by one, and a dot is one
pre-drawn sprite copied per place (``drawPixmapFragments``): 2,300 ms → 6 ms for 6,000 dots.

Segments are ``(n, 4)`` float arrays ``x0, y0, x1, y1``; they are cut to the picture first
(Liang–Barsky), so no coordinate Qt strokes lies far outside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap


@dataclass(frozen=True)
class Pixels:
    """How world metres (Web Mercator) land on a picture ``width`` × ``height`` pixels."""

    cx: float
    cy: float
    mpp: float
    width: float
    height: float

    def x(self, x: np.ndarray) -> np.ndarray:
        return (x - self.cx) / self.mpp + self.width / 2

    def y(self, y: np.ndarray) -> np.ndarray:
        return self.height / 2 - (y - self.cy) / self.mpp

    def world_rect(self, margin_px: float = 0.0) -> tuple[float, float, float, float]:
        """The picture in metres (x0, y0, x1, y1), grown by ``margin_px`` on each side."""
        half_w = (self.width / 2 + margin_px) * self.mpp
        half_h = (self.height / 2 + margin_px) * self.mpp
        return self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h

    def segments(self, segs: np.ndarray) -> np.ndarray:
        """Segments in metres → the same in pixels."""
        out = np.empty_like(segs)
        out[:, 0], out[:, 2] = self.x(segs[:, 0]), self.x(segs[:, 2])
        out[:, 1], out[:, 3] = self.y(segs[:, 1]), self.y(segs[:, 3])
        return out


def polyline_segments(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The segments of polylines: one per row of ``xs``/``ys`` (rows, points) → (n, 4)."""
    xs, ys = np.atleast_2d(xs), np.atleast_2d(ys)
    if xs.shape[1] < 2:
        return np.empty((0, 4))
    return np.stack([xs[:, :-1], ys[:, :-1], xs[:, 1:], ys[:, 1:]], axis=-1).reshape(-1, 4)


def clip_segments(segs: np.ndarray, rect: tuple[float, float, float, float]) -> np.ndarray:
    """The parts of segments inside ``rect`` (x0, y0, x1, y1); segments wholly outside go.

    A flow from Paris to Rotterdam seen at street level is a curve 10⁵ pixels long; Qt
    stroking it whole, wide and antialiased, took seconds for a frame it crosses a corner of.
    """
    if not len(segs):
        return np.empty((0, 4))
    x0, y0, x1, y1 = rect
    ax, ay, bx, by = segs[:, 0], segs[:, 1], segs[:, 2], segs[:, 3]
    meets = ((np.minimum(ax, bx) <= x1) & (np.maximum(ax, bx) >= x0)
             & (np.minimum(ay, by) <= y1) & (np.maximum(ay, by) >= y0))
    ax, ay, bx, by = ax[meets], ay[meets], bx[meets], by[meets]
    dx, dy = bx - ax, by - ay
    t0, t1 = np.zeros(len(ax)), np.ones(len(ax))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
            t1 = np.where((p == 0) & (q < 0), -1.0, t1)  # parallel to the edge, outside it
    keep = t0 <= t1
    ax, ay, dx, dy, t0, t1 = ax[keep], ay[keep], dx[keep], dy[keep], t0[keep], t1[keep]
    return np.stack([ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy], axis=1)


def draw_segments(painter: QPainter, segs: np.ndarray, pen: QPen) -> None:
    """Stroke pixel segments with ``pen``, in one call into Qt."""
    if not len(segs):
        return
    lines = PrimitiveArray(QLineF, 4)
    lines.resize(len(segs))
    lines.ndarray()[:] = segs
    painter.setPen(pen)
    painter.drawLines(*lines.drawargs())


def line_pen(colour: QColor | str, width: float) -> QPen:
    """A pen of ``width`` pixels with flat ends, opaque.

    Not round caps: Qt strokes a round end as curves, and antialiased wide segments with them
    cost 25× more (240 segments of a few hundred pixels, 3 px: 281 ms round, 11 ms flat).
    A curve's segments turn a few degrees at each joint, where flat ends leave no visible
    gap; the corners of a courier's route are under its stop dots.
    """
    pen = QPen(QColor(colour), width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


@dataclass(frozen=True)
class Dot:
    """What one kind of dot looks like: a disc ``diameter`` px filled, in an edge ``edge_px`` wide.

    A wide edge round a white fill reads as a ring: the map's mark of an approximate place.
    """

    diameter: int
    fill: str
    edge: str = ""
    edge_px: float = 1.0


class DotSprites:
    """Each kind of dot drawn once, antialiased, then copied wherever it goes."""

    def __init__(self) -> None:
        self._sprites: dict[Dot, QPixmap] = {}

    def sprite(self, dot: Dot) -> QPixmap:
        pixmap = self._sprites.get(dot)
        if pixmap is None:
            pixmap = self._sprites[dot] = _draw_sprite(dot)
        return pixmap

    def draw(self, painter: QPainter, x: np.ndarray, y: np.ndarray, dot: Dot) -> None:
        """One ``dot`` centred on each pixel position (non-finite ones skipped)."""
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            return
        pixmap = self.sprite(dot)
        n = int(ok.sum())
        fragments = PrimitiveArray(QPainter.PixmapFragment, 10)
        fragments.resize(n)
        a = fragments.ndarray()
        a[:, 0], a[:, 1] = x[ok], y[ok]  # the fragment's centre
        a[:, 2:4] = 0.0
        a[:, 4], a[:, 5] = pixmap.width(), pixmap.height()
        a[:, 6:8] = 1.0  # scale
        a[:, 8] = 0.0  # rotation
        a[:, 9] = 1.0  # opacity
        painter.drawPixmapFragments(*fragments.drawargs(), pixmap)


def _draw_sprite(dot: Dot) -> QPixmap:
    side = dot.diameter + 4
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    d = float(dot.diameter)
    disc = QRectF(2.0, 2.0, d, d)
    if dot.edge:
        painter.setBrush(QColor(dot.edge))
        painter.drawEllipse(disc)
        e = min(dot.edge_px, d / 2 - 0.5)
        disc = disc.adjusted(e, e, -e, -e)
    painter.setBrush(QColor(dot.fill))
    painter.drawEllipse(disc)
    painter.end()
    return pixmap
