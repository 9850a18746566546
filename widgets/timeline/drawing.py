"""Drawing numpy arrays of rectangles and lines with one QPainter call each.

``QPainter.drawRects(const QRectF*, int)`` takes a C array; a C-contiguous ``float64`` array of
shape ``(n, 4)`` has exactly the memory layout of ``n`` ``QRectF`` (x, y, w, h) or ``QLineF``
(x1, y1, x2, y2), so shiboken can hand Qt a pointer to it: no Python object per primitive.

Measured here (PySide6 6.12, offscreen, 10 000 bars): this direct call paints in ~0.4 ms,
while recording the same bars into a ``QPicture`` costs ~12 ms and each replay another ~12 ms
(the picture re-parses every primitive). So the layers keep prepared arrays and draw them in
``paint()`` instead of replaying a ``QPicture``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QRectF

if TYPE_CHECKING:
    from PySide6.QtGui import QPainter


def _c_array(arr: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(arr, dtype=np.float64)
    if out.ndim != 2 or out.shape[1] != 4:
        raise ValueError(f"expected an (n, 4) array, got shape {out.shape}")
    return out


def draw_rects(painter: QPainter, rects: np.ndarray) -> None:
    """Draw ``rects`` (``(n, 4)`` x, y, w, h) with the painter's current pen and brush."""
    if len(rects) == 0:
        return
    buf = _c_array(rects)  # kept alive by this frame until drawRects returns
    painter.drawRects(shiboken6.wrapInstance(buf.ctypes.data, QRectF), len(buf))


def draw_lines(painter: QPainter, lines: np.ndarray) -> None:
    """Draw ``lines`` (``(n, 4)`` x1, y1, x2, y2) with the painter's current pen."""
    if len(lines) == 0:
        return
    buf = _c_array(lines)
    painter.drawLines(shiboken6.wrapInstance(buf.ctypes.data, QLineF), len(buf))


def lines_as_rects(lines: np.ndarray, unit_x: float, unit_y: float, width_px: float
                   ) -> np.ndarray:
    """Axis-aligned ``lines`` as ``(n, 4)`` rectangles ``width_px`` device pixels thick.

    Qt's raster engine fills a rectangle about four times faster than it strokes a line with
    a pen, and at 10^7 events markers and whiskers were most of a frame's drawing time.
    ``unit_x``/``unit_y`` are the scene units of one device pixel (from the painter's
    transform). A slanted line is drawn by its bounding box: the timeline has none.
    """
    if len(lines) == 0:
        return np.zeros((0, 4), dtype=np.float64)
    x1, y1, x2, y2 = (lines[:, i] for i in range(4))
    left, right = np.minimum(x1, x2), np.maximum(x1, x2)
    low, high = np.minimum(y1, y2), np.maximum(y1, y2)
    vertical = (right - left) < (high - low) * (unit_x / unit_y)
    half_w, half_h = 0.5 * width_px * unit_x, 0.5 * width_px * unit_y
    x = np.where(vertical, left - half_w, left)
    w = np.where(vertical, 2 * half_w, right - left)
    y = np.where(vertical, low, low - half_h)
    h = np.where(vertical, high - low, 2 * half_h)
    return np.column_stack([x, y, w, h])
