"""The shipment map: basemap, places, parcel flows and courier rounds, drawn for the screen.

Everything is kept in Web Mercator metres: the basemap as ``QPainterPath``s built once and
drawn through one ``QTransform``; flows, routes and place dots as numpy arrays turned into
pixels and handed to Qt in one call per pen (``strokes``), so a pan or a zoom costs what Qt
needs to rasterise, not a Python loop per item. Flows are re-merged only when the zoom crosses a
band (``flows.merge_flows``): one arrow per leg up close, one per pair of places further
out, one per pair of areas at Europe zoom. Only the biggest :data:`MAX_FLOWS` flows and
:data:`MAX_PLACES` places are drawn at once; the map says how many it left out.

The view never changes the state itself: a click emits ``sig_selection_requested`` with
the records under the pointer; the app answers with ``show_highlight``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from resources.entities import EntityRef
from resources.geo import mercator_to_lonlat, scale_bar
from widgets.map.basemap import PreparedLayer
from widgets.map.flows import Flows, merge_flows
from widgets.map.scene import STATUS_COLOURS, STATUS_NAMES, MapHighlight, MapScene
from widgets.map.strokes import (
    Dot,
    DotSprites,
    Pixels,
    clip_segments,
    draw_segments,
    line_pen,
    polyline_segments,
)
from widgets.plain_text import tooltip_text, visible
from widgets.timefmt import format_instant

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from widgets.map.scene import Route, VectorLayer

MAX_FLOWS = 20_000
MAX_DRAWN_FLOWS = 600
MAX_DRAWN_PLACES = 6_000
MARGIN = 0.25
"""The picture of the slow layers reaches this share of the view beyond each edge, so a
pan reuses it."""
SETTLE_MS = 120
FILL_MIN_MPP = 600.0
"""Below this scale the land is the background and its coast a line (a city view)."""
SPLIT_LEGS = 400
"""Up close, legs are drawn one by one only when this few are shown (a month of a
logistician's parcels, split, is a fan of hundreds of lines that says nothing)."""
MAX_PLACES = 50_000
MIN_MPP, MAX_MPP = 0.5, 40_000.0
CURVE_STEPS = 10
SMOOTH_FLOW_SEGMENTS = 10_000
"""Beyond this many flow segments in the picture they are drawn without antialiasing (a
city view crossed by hundreds of wide flows: about 4× faster)."""
FLOW_OPACITY = 0.67
SEA = QColor("#dfe9f2")
LAND = QColor("#f7f5ef")
ATTRIBUTION = "Natural Earth · IGN (Licence Ouverte) · GeoNames (CC BY 4.0)"
_WORLD = 20_037_508.342789244


def _band(mpp: float) -> int:
    """Zoom band: flows are re-merged when the scale changes by a factor of two."""
    return math.floor(math.log2(max(mpp, 1e-3)))


def _cell_for(mpp: float, shown: int) -> float | None:
    """How flows merge at this scale: None (each leg), 0 (per place pair), or a grid cell."""
    if mpp < 60 and shown <= SPLIT_LEGS:
        return None
    if mpp < 400:
        return 0.0
    return 24.0 * mpp


def _curves(f: Flows, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Points along the curves of flows ``rows`` (all: None), (flows, CURVE_STEPS + 1)."""
    pick = slice(None) if rows is None else rows
    x0, y0, x1, y1 = f.x0[pick], f.y0[pick], f.x1[pick], f.y1[pick]
    t = np.linspace(0.0, 1.0, CURVE_STEPS + 1)[None, :]
    dx, dy = x1 - x0, y1 - y0
    k = 0.18 + 0.12 * f.lane[pick]
    cx = (x0 + x1) / 2 + dy * k
    cy = (y0 + y1) / 2 - dx * k
    a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t**2
    xs = a * x0[:, None] + b * cx[:, None] + c * x1[:, None]
    ys = a * y0[:, None] + b * cy[:, None] + c * y1[:, None]
    return xs, ys


@dataclass(frozen=True, eq=False)
class _Static:
    """A picture of the slow layers and the view it was drawn for."""

    image: QImage
    cx: float
    cy: float
    mpp: float
    x0: float
    y0: float
    x1: float
    y1: float
    key: tuple[object, ...]


_Merged = tuple[tuple[object, ...], tuple[Flows, np.ndarray, int, np.ndarray, np.ndarray]]


def _merge(s: MapScene, rows: np.ndarray, cell: float | None, clock: int | None,
           bucket: int) -> tuple[Flows, np.ndarray, int, np.ndarray, np.ndarray]:
    """Flows of ``rows`` merged for ``cell``, the biggest kept, and their curves (any thread)."""
    if clock is not None:  # legs that left by the end of the clock's bucket
        started = s.leg_departed[rows]
        rows = rows[(started >= 0) & (started < (clock + 1) * bucket)]
    flows = merge_flows(s.place_x, s.place_y, s.leg_origin[rows], s.leg_destination[rows],
                        s.leg_status[rows], s.leg_weight_g[rows], cell)
    # the flows' leg rows index ``rows``: map them back to the scene's legs
    flows = Flows(flows.x0, flows.y0, flows.x1, flows.y1, flows.count, flows.weight_g,
                  flows.status, rows[flows.order] if len(flows.order) else flows.order,
                  flows.offsets, flows.lane)
    keep = np.arange(len(flows))
    left_out = 0
    if len(keep) > MAX_FLOWS:
        keep = np.argsort(-flows.count, kind="stable")[:MAX_FLOWS]
        left_out = len(flows) - MAX_FLOWS
    xs, ys = _curves(flows, keep)
    return flows, keep, left_out, xs, ys


class MapView(QWidget):
    """Pan and zoom map of the case's places, shipments and rounds.

    Signals
    -------
    sig_selection_requested(object)
        A frozenset of ``EntityRef`` (places, shipments, a round's event) the user clicked;
        an empty set: a click on nothing.
    sig_view_changed()
        The user panned or zoomed (the app may keep the framing).
    """

    sig_selection_requested = Signal(object)
    sig_view_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shipmentMap")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(120, 90)
        self._cx, self._cy, self._mpp = 260_000.0, 6_250_000.0, 2_000.0  # France
        self._layers: list[PreparedLayer] = []
        self._static: _Static | None = None  # the last picture of the slow layers
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self._on_settle_timeout)
        self._scene = MapScene.empty()
        self._rows: np.ndarray | None = None  # legs passing the filters (None: all)
        self._flows = Flows.empty()
        self._flow_key: tuple[object, ...] | None = None
        self._flow_asked: tuple[object, ...] | None = None  # merging on a worker
        self._flow_worker: Callable[[Callable[[], _Merged | None],
                                     Callable[[_Merged | None], None]], None] | None = None
        self._flow_pts: tuple[np.ndarray, np.ndarray] = (np.empty((0, 0)), np.empty((0, 0)))
        self._flow_keep = np.empty(0, dtype=np.int64)
        self._flow_box = np.empty((0, 4))
        self._flows_left_out = 0
        self._places_drawn = np.empty(0, dtype=np.int64)
        self._highlight = MapHighlight()
        self._highlight_strokes: list[tuple[np.ndarray, QPen]] = []  # segments in metres
        self._sprites = DotSprites()
        self._clock: int | None = None  # the animation's time, µs UTC
        self._clock_bucket = 1
        self._moving_key: tuple[int, int, int] | None = None
        self._moving_rows = np.empty(0, dtype=np.int64)
        self._keys: Callable[[str], bool] | None = None
        self._tiles: Callable[[int, int, int], bytes | None] | None = None
        self._tile_zooms = (0, 19)
        self._tile_cache: OrderedDict[tuple[int, int, int], QImage | None] = OrderedDict()
        self._tile_problem = ""
        self._notice = ""
        self._drag: QPointF | None = None
        self._moved = False

    # -- data (called by the app; never emits) -----------------------------------------------
    def set_basemap(self, layers: Sequence[VectorLayer]) -> None:
        """The basemap's layers, bottom first (already projected)."""
        self._layers = [PreparedLayer(layer) for layer in layers]
        self._invalidate()

    def set_scene(self, scene: MapScene) -> None:
        """The case's places and legs (a new case)."""
        self._scene = scene
        self._rows = None
        self._highlight = MapHighlight()
        self._highlight_strokes = []
        self._rebuild_places()
        self._flow_key = self._flow_asked = None
        self._invalidate()

    def show_legs(self, rows: np.ndarray | None) -> None:
        """Show only these legs (the filters and the timeline's range); None: every leg."""
        self._rows = None if rows is None else np.asarray(rows, dtype=np.int64)
        self._flow_key = self._flow_asked = None
        self._invalidate()

    def show_highlight(self, highlight: MapHighlight) -> None:
        """Mark what is selected: legs, places, ordered rounds."""
        self._highlight = highlight
        self._rebuild_highlight()
        self.update()

    def set_clock(self, ts_us: int | None, bucket_us: int = 0) -> None:
        """The animation's time: parcels move along their legs, rounds stop by stop.

        The flows of the legs under way are re-merged once per ``bucket_us`` of case time
        (a fiftieth of the range, say); the moving parcels every frame.
        """
        self._clock = ts_us
        self._clock_bucket = max(int(bucket_us), 1)
        self._rebuild_highlight()
        self.update()  # the flows' picture is redrawn when the clock enters a new bucket

    @property
    def clock_bucket(self) -> int:
        """The case time one merge of the animation's flows lasts (µs)."""
        return self._clock_bucket

    def set_key_handler(self, handler: Callable[[str], bool] | None) -> None:
        """Keys the map does not use (Space, ``.``…) go here first (the play bar)."""
        self._keys = handler

    def set_tiles(self, fetch: Callable[[int, int, int], bytes | None] | None,
                  min_zoom: int = 0, max_zoom: int = 19) -> None:
        """Raster tiles under the vectors (a user's MBTiles pack); None: vectors only.

        ``fetch(zoom, x, y)`` gives a tile's bytes (rows from the north) or None when the
        pack has none there: that square is left blank and the vectors still show.
        """
        self._tiles = fetch
        self._tile_zooms = (int(min_zoom), int(max_zoom))
        self._tile_cache.clear()
        self._tile_problem = ""
        self._invalidate()

    def show_notice(self, text: str) -> None:
        """One plain line over the map (what could not be placed, a tile pack's problem)."""
        self._notice = text
        self.update()

    def frame(self, x0: float, y0: float, x1: float, y1: float, margin: float = 0.15) -> None:
        """Show the rectangle (metres), with a margin; a point gets a street-level view."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        span_x, span_y = abs(x1 - x0), abs(y1 - y0)
        mpp = max(span_x / w, span_y / h) * (1 + 2 * margin)
        self._set_view((x0 + x1) / 2, (y0 + y1) / 2, mpp if mpp > 0 else 4.0)

    def frame_places(self, places: np.ndarray) -> bool:
        """Frame these place positions; False if none has a position."""
        s = self._scene
        places = np.asarray(places, dtype=np.int64)
        places = places[(places >= 0) & (places < len(s.place_x))]
        x, y = s.place_x[places], s.place_y[places]
        ok = np.isfinite(x)
        if not ok.any():
            return False
        x0, y0, x1, y1 = (float(x[ok].min()), float(y[ok].min()), float(x[ok].max()),
                          float(y[ok].max()))
        if s.place_extent_m is not None:  # an approximate place: show the area it stands for
            reach = float(s.place_extent_m[places[ok]].max())
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            lat = math.radians(float(mercator_to_lonlat(cx, cy)[1]))
            stretch = 1.0 / max(math.cos(lat), 0.05)  # Mercator metres per ground metre
            half = max(reach * stretch, (x1 - x0) / 2, (y1 - y0) / 2)
            if half > 0:
                x0, x1, y0, y1 = cx - half, cx + half, cy - half, cy + half
        self.frame(x0, y0, x1, y1)
        return True

    # -- the view ------------------------------------------------------------------------------
    @property
    def metres_per_pixel(self) -> float:
        return self._mpp

    @property
    def centre(self) -> tuple[float, float]:
        return self._cx, self._cy

    def set_view(self, cx: float, cy: float, mpp: float) -> None:
        """Centre and scale (metres, metres per pixel), for scripts and the app."""
        self._set_view(cx, cy, mpp)

    def _set_view(self, cx: float, cy: float, mpp: float) -> None:
        self._mpp = float(min(max(mpp, MIN_MPP), MAX_MPP))
        self._cx = float(min(max(cx, -_WORLD), _WORLD))
        self._cy = float(min(max(cy, -_WORLD), _WORLD))
        self.update()

    def to_screen(self, x: float, y: float) -> QPointF:
        return QPointF((x - self._cx) / self._mpp + self.width() / 2,
                       self.height() / 2 - (y - self._cy) / self._mpp)

    def to_world(self, p: QPointF) -> tuple[float, float]:
        return (self._cx + (p.x() - self.width() / 2) * self._mpp,
                self._cy - (p.y() - self.height() / 2) * self._mpp)

    def _pixels(self) -> Pixels:
        return Pixels(self._cx, self._cy, self._mpp, self.width(), self.height())

    def visible_world(self) -> tuple[float, float, float, float]:
        x0, y1 = self.to_world(QPointF(0, 0))
        x1, y0 = self.to_world(QPointF(self.width(), self.height()))
        return x0, y0, x1, y1

    def flows(self) -> Flows:
        """The flows of the current zoom band, computed now if they are not in yet (tests)."""
        self._ensure_flows(wait=True)
        return self._flows

    def set_flow_worker(self, run: Callable[[Callable[[], _Merged | None],
                                             Callable[[_Merged | None], None]], None] | None
                        ) -> None:
        """Merge flows off the UI thread, through ``run(compute, deliver)``.

        ``run`` runs ``compute`` on a worker and hands its result to ``deliver`` on the UI
        thread (stale ones dropped). At 10⁷ events a merge over a million legs takes most
        of a second; meanwhile the map keeps drawing the flows it has. Without a worker the
        merge runs in the paint.
        """
        self._flow_worker = run

    # -- building paths ------------------------------------------------------------------------
    def _rebuild_places(self) -> None:
        s = self._scene
        placed = s.placed()
        if len(placed) > MAX_PLACES:
            placed = placed[np.argsort(-s.place_events[placed], kind="stable")[:MAX_PLACES]]
        self._places_drawn = placed

    def _ensure_flows(self, wait: bool = False) -> None:
        s = self._scene
        shown = len(s.leg_origin) if self._rows is None else len(self._rows)
        clock = None if self._clock is None else self._clock // self._clock_bucket
        cell = _cell_for(self._mpp, shown)
        key = (id(s), id(self._rows), shown, _band(self._mpp) if cell else cell, clock)
        if key == self._flow_key:  # checked before any O(legs) work: this runs every frame
            return
        if key == self._flow_asked and not wait:
            return  # on its way from the worker
        rows = np.arange(len(s.leg_origin)) if self._rows is None else self._rows
        bucket = self._clock_bucket

        if self._flow_worker is None or wait:
            self._take_flows((key, _merge(s, rows, cell, clock, bucket)))
            return

        def compute() -> _Merged | None:
            if self._flow_asked != key:
                return None  # asked for something else since: a queued merge costs nothing
            return key, _merge(s, rows, cell, clock, bucket)

        self._flow_asked = key
        self._flow_worker(compute, self._on_flows_merged)

    def _on_flows_merged(self, merged: _Merged | None) -> None:
        if merged is not None and merged[0] == self._flow_asked:
            self._take_flows(merged)
            self._static = None
            self.update()

    def _take_flows(self, merged: _Merged) -> None:
        key, (flows, keep, left_out, xs, ys) = merged
        self._flow_key = key
        self._flow_asked = None
        self._flows, self._flow_keep, self._flows_left_out = flows, keep, left_out
        self._flow_pts = (xs, ys)
        self._flow_box = (np.stack([xs.min(axis=1), ys.min(axis=1), xs.max(axis=1),
                                    ys.max(axis=1)], axis=1) if len(keep) else np.empty((0, 4)))

    def _rebuild_highlight(self) -> None:
        s, h = self._scene, self._highlight
        self._highlight_strokes = []
        legs = h.legs[(h.legs >= 0) & (h.legs < len(s.leg_origin))]
        if len(legs):
            f = merge_flows(s.place_x, s.place_y, s.leg_origin[legs], s.leg_destination[legs],
                            s.leg_status[legs], s.leg_weight_g[legs], 0.0)
            segs = polyline_segments(*_curves(f))
            self._highlight_strokes += [(segs, line_pen("#212121", 8)),
                                        (segs, line_pen("#ffd600", 6))]
        for route in h.routes:
            reached = np.ones(len(route.x), dtype=bool) if self._clock is None else (
                route.times <= self._clock)
            if reached.sum() >= 2:
                segs = polyline_segments(route.x[reached], route.y[reached])
                self._highlight_strokes.append((segs, line_pen("#d81b60", 3)))

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        """The picture of the slow layers (redrawn only when needed), then what moves.

        Pans and zooms reuse the last picture, shifted and scaled, and the picture is redrawn
        crisp once the view rests (:data:`SETTLE_MS`), or at once when it no longer covers
        the view or the scale changed more than twofold.
        """
        static = self._static
        if static is None or static.key != self._static_key() or not self._covered(static):
            static = self._render_static()
        elif static.mpp != self._mpp or self._off_centre(static):
            self._settle.start()
        painter = QPainter(self)
        painter.fillRect(self.rect(), SEA)
        w, h = static.image.width(), static.image.height()
        top_left = self.to_screen(static.cx - w / 2 * static.mpp, static.cy + h / 2 * static.mpp)
        scale = static.mpp / self._mpp
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale != 1.0)
        painter.drawImage(QRectF(top_left.x(), top_left.y(), w * scale, h * scale), static.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        screen = self._pixels()
        rect = screen.world_rect(margin_px=16)
        for segs, pen in self._highlight_strokes:
            draw_segments(painter, screen.segments(clip_segments(segs, rect)), pen)
        self._paint_moving(painter)
        self._paint_selected_places(painter)
        self._paint_routes(painter)
        self._paint_scale(painter)
        self._paint_notes(painter)
        painter.end()

    # -- the picture of the slow layers ------------------------------------------------------
    def _invalidate(self) -> None:
        self._static = None
        self.update()

    def _static_key(self) -> tuple[object, ...]:
        clock = None if self._clock is None else self._clock // self._clock_bucket
        return (self.width(), self.height(), clock, len(self._layers))

    def _covered(self, static: _Static) -> bool:
        """Whether the picture still covers the view at a scale close enough to reuse."""
        if not 0.5 <= static.mpp / self._mpp <= 2.0:
            return False
        x0, y0, x1, y1 = self.visible_world()
        return (x0 >= static.x0 and x1 <= static.x1 and y0 >= static.y0 and y1 <= static.y1)

    def _off_centre(self, static: _Static) -> bool:
        """The view drifted over half the picture's margin: redraw around it when it rests."""
        return (abs(self._cx - static.cx) > MARGIN / 2 * self.width() * self._mpp
                or abs(self._cy - static.cy) > MARGIN / 2 * self.height() * self._mpp)

    def _on_settle_timeout(self) -> None:
        static = self._static
        if static is not None and (static.mpp != self._mpp or self._off_centre(static)):
            self._static = None
            self.update()

    def _render_static(self) -> _Static:
        """Basemap, tiles, flows, places and labels around the view, into one image."""
        self._settle.stop()
        self._ensure_flows()
        w = max(int(self.width() * (1 + 2 * MARGIN)), 1)
        h = max(int(self.height() * (1 + 2 * MARGIN)), 1)
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        mpp, cx, cy = self._mpp, self._cx, self._cy
        x0, x1 = cx - w / 2 * mpp, cx + w / 2 * mpp
        y0, y1 = cy - h / 2 * mpp, cy + h / 2 * mpp
        filled = mpp >= FILL_MIN_MPP
        image.fill(SEA if filled else LAND)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        k = 1.0 / mpp
        world = QTransform(k, 0.0, 0.0, -k, w / 2 - cx * k, h / 2 + cy * k)
        painter.setTransform(world)
        for prepared in self._layers:
            layer = prepared.layer
            if not layer.min_mpp <= mpp < layer.max_mpp:
                continue
            if layer.fill and filled:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QBrush(LAND))
                painter.drawPath(prepared.fill_path)
            elif layer.fill:  # up close the land is the background: its coast is a line
                pen = QPen(QColor("#9fb6c8"), 1.2)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(prepared.stroke_path(x0, y0, x1, y1))
            else:
                pen = QPen(QColor(layer.colour), layer.width)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(prepared.stroke_path(x0, y0, x1, y1))
            if layer.fill and self._tiles is not None:  # street detail over the land
                painter.resetTransform()
                self._paint_tiles(painter, image_view=(cx, cy, mpp, w, h))
                painter.setTransform(world)
        painter.resetTransform()
        picture = Pixels(cx, cy, mpp, w, h)
        self._paint_flows(painter, picture)
        for x, y, dot in self._place_dots_in(picture):
            self._sprites.draw(painter, x, y, dot)
        self._paint_labels(painter, (x0, y0, x1, y1), lambda x, y: QPointF(
            (x - cx) * k + w / 2, h / 2 - (y - cy) * k))
        painter.end()
        self._static = _Static(image, cx, cy, mpp, x0, y0, x1, y1, self._static_key())
        return self._static

    def _paint_flows(self, painter: QPainter, picture: Pixels) -> None:
        """The biggest flows crossing the picture, opaque on a layer laid at :data:`FLOW_OPACITY`.

        One layer rather than translucent pens: a curve's segments overlap at their round
        ends, and translucent they would show a bead at every joint.
        """
        strokes = self._flow_strokes_in(picture)
        if not strokes:
            return
        layer = QImage(painter.device().width(), painter.device().height(),
                       QImage.Format.Format_ARGB32_Premultiplied)
        layer.fill(Qt.GlobalColor.transparent)
        on_layer = QPainter(layer)
        on_layer.setRenderHint(QPainter.RenderHint.Antialiasing,
                               sum(len(segs) for segs, _pen in strokes) <= SMOOTH_FLOW_SEGMENTS)
        for segs, pen in strokes:
            draw_segments(on_layer, segs, pen)
        on_layer.end()
        painter.save()
        painter.setOpacity(FLOW_OPACITY)
        painter.drawImage(0, 0, layer)
        painter.restore()

    def _flow_strokes_in(self, picture: Pixels) -> list[tuple[np.ndarray, QPen]]:
        """The biggest flows crossing the picture: pixel segments per status and width."""
        f, box = self._flows, self._flow_box
        if not len(box):
            return []
        x0, y0, x1, y1 = picture.world_rect()
        hit = np.flatnonzero((box[:, 0] <= x1) & (box[:, 2] >= x0) & (box[:, 1] <= y1)
                             & (box[:, 3] >= y0))
        keep = self._flow_keep
        if len(hit) > MAX_DRAWN_FLOWS:
            hit = hit[np.argsort(-f.count[keep[hit]], kind="stable")[:MAX_DRAWN_FLOWS]]
        self._flows_left_out = len(f) - len(hit)
        xs, ys = self._flow_pts[0][hit], self._flow_pts[1][hit]
        count, status = f.count[keep[hit]], f.status[keep[hit]]
        width = np.clip(1.0 + 1.6 * np.log2(np.maximum(count, 1).astype(float)), 1.0, 9.0)
        width_class = np.round(width).astype(int)
        out = []
        for code in np.unique(status).tolist():
            for px in np.unique(width_class).tolist():
                pick = (status == code) & (width_class == px)
                if not pick.any():
                    continue
                segs = clip_segments(polyline_segments(xs[pick], ys[pick]), (x0, y0, x1, y1))
                if len(segs):
                    colour = STATUS_COLOURS[min(code, len(STATUS_COLOURS) - 1)]
                    out.append((picture.segments(segs), line_pen(colour, px)))
        return out

    def _place_dots_in(self, picture: Pixels) -> list[tuple[np.ndarray, np.ndarray, Dot]]:
        """Dots of the busiest places in the picture (pixels), by size; approximate: rings."""
        s, placed = self._scene, self._places_drawn
        if not len(placed):
            return []
        x0, y0, x1, y1 = picture.world_rect(margin_px=8)
        px, py = s.place_x[placed], s.place_y[placed]
        inside = placed[(px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)]
        if len(inside) > MAX_DRAWN_PLACES:
            inside = inside[np.argsort(-s.place_events[inside], kind="stable")[:MAX_DRAWN_PLACES]]
        size = np.clip(4 + 2.2 * np.log10(1 + s.place_events[inside]), 4, 14)
        classes = np.round(size).astype(int)
        out = []
        for px_size in np.unique(classes).tolist():
            for approx in (False, True):
                pick = inside[(classes == px_size) & (s.place_approx[inside] == approx)]
                if not len(pick):
                    continue
                dot = (Dot(px_size + 2, "#ffffff", "#37474f", 2.5) if approx
                       else Dot(px_size + 2, "#ffb300", "#37474f", 1.0))
                out.append((picture.x(s.place_x[pick]), picture.y(s.place_y[pick]), dot))
        return out

    def _paint_tiles(self, painter: QPainter,
                     image_view: tuple[float, float, float, int, int]) -> None:
        """The tiles of the pack's nearest zoom that cover the picture (at most 64)."""
        fetch = self._tiles
        if fetch is None:
            return
        cx, cy, mpp, w, h = image_view
        low, high = self._tile_zooms
        zoom = round(math.log2(2 * _WORLD / 256 / mpp))
        zoom = min(max(zoom, low), high)
        n = 1 << zoom
        side = 2 * _WORLD / n
        x0, x1 = cx - w / 2 * mpp, cx + w / 2 * mpp
        y0, y1 = cy - h / 2 * mpp, cy + h / 2 * mpp

        def to_image(x: float, y: float) -> QPointF:
            return QPointF((x - cx) / mpp + w / 2, h / 2 - (y - cy) / mpp)

        c0, c1 = int((x0 + _WORLD) // side), int((x1 + _WORLD) // side)
        r0, r1 = int((_WORLD - y1) // side), int((_WORLD - y0) // side)
        columns = range(max(c0, 0), min(c1, n - 1) + 1)
        rows = range(max(r0, 0), min(r1, n - 1) + 1)
        if len(columns) * len(rows) > 96:
            return
        for col in columns:
            for row in rows:
                image = self._tile(fetch, zoom, col, row)
                if image is None:
                    continue  # blank: the vectors still show
                top_left = to_image(-_WORLD + col * side, _WORLD - row * side)
                bottom_right = to_image(-_WORLD + (col + 1) * side, _WORLD - (row + 1) * side)
                painter.drawImage(QRectF(top_left, bottom_right), image)

    def _tile(self, fetch: Callable[[int, int, int], bytes | None], zoom: int, col: int,
              row: int) -> QImage | None:
        key = (zoom, col, row)
        if key in self._tile_cache:
            self._tile_cache.move_to_end(key)
            return self._tile_cache[key]
        image: QImage | None = None
        try:
            data = fetch(zoom, col, row)
            if data is not None:
                image = QImage.fromData(data)
                if image.isNull() or image.width() > 1024 or image.height() > 1024:
                    self._tile_problem = f"tile {zoom}/{col}/{row} is not a readable image"
                    image = None
        except Exception as exc:  # the pack's own message: one line, the map goes on
            self._tile_problem = str(exc)
            image = None
        self._tile_cache[key] = image
        while len(self._tile_cache) > 256:
            self._tile_cache.popitem(last=False)
        return image

    def _paint_moving(self, painter: QPainter) -> None:
        """During the animation: a dot per parcel on its way, where it is at the clock."""
        if self._clock is None:
            return
        s, t = self._scene, self._clock
        bucket = self._clock_bucket
        key = (id(s), id(self._rows), t // bucket)
        if self._moving_key != key:  # once per bucket: the legs that may move in it
            rows = np.arange(len(s.leg_origin)) if self._rows is None else self._rows
            dep, arr = s.leg_departed[rows], s.leg_arrived[rows]
            start = (t // bucket) * bucket
            self._moving_rows = rows[(dep >= 0) & (dep < start + bucket) & (arr > start)]
            self._moving_key = key
        rows = self._moving_rows
        dep, arr = s.leg_departed[rows], s.leg_arrived[rows]
        moving = rows[(dep <= t) & (arr > t)]
        moving = moving[(s.leg_origin[moving] >= 0) & (s.leg_destination[moving] >= 0)][:5_000]
        if not len(moving):
            return
        o, d = s.leg_origin[moving], s.leg_destination[moving]
        frac = (t - s.leg_departed[moving]) / np.maximum(
            s.leg_arrived[moving] - s.leg_departed[moving], 1)
        x = s.place_x[o] + (s.place_x[d] - s.place_x[o]) * frac
        y = s.place_y[o] + (s.place_y[d] - s.place_y[o]) * frac
        screen = self._pixels()
        self._sprites.draw(painter, screen.x(x), screen.y(y), Dot(7, "#0d47a1"))

    def _paint_selected_places(self, painter: QPainter) -> None:
        s = self._scene
        places = self._highlight.places
        places = places[(places >= 0) & (places < len(s.place_x))][:2_000]
        pen = QPen(QColor("#d50000"), 2.5)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for p in places.tolist():
            if math.isfinite(s.place_x[p]):
                painter.drawEllipse(self.to_screen(s.place_x[p], s.place_y[p]), 9, 9)

    def _paint_routes(self, painter: QPainter) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        for route in self._highlight.routes:
            if not route.labelled:  # a round shown while playing: its stops as small dots
                self._paint_stops(painter, route)
                continue
            for i, (x, y, label) in enumerate(zip(route.x.tolist(), route.y.tolist(),
                                                 route.labels, strict=True)):
                if self._clock is not None and route.times[i] > self._clock:
                    continue
                p = self.to_screen(x, y)
                painter.setPen(QPen(QColor("#ffffff"), 1))
                painter.setBrush(QColor("#d81b60"))
                painter.drawEllipse(p, 9, 9)
                painter.setPen(QColor("#ffffff"))
                painter.drawText(QRectF(p.x() - 9, p.y() - 9, 18, 18),
                                 Qt.AlignmentFlag.AlignCenter, "S" if i == 0 else str(i))
                text = visible(label, limit=80)
                box = QRectF(p.x() + 11, p.y() - metrics.height() / 2,
                             metrics.horizontalAdvance(text) + 6, metrics.height())
                painter.fillRect(box, QColor(255, 255, 255, 215))
                painter.setPen(QColor("#880e4f"))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_stops(self, painter: QPainter, route: Route) -> None:
        reached = np.ones(len(route.x), dtype=bool) if self._clock is None else (
            route.times <= self._clock)
        if not reached.any():
            return
        screen = self._pixels()
        self._sprites.draw(painter, screen.x(route.x[reached]), screen.y(route.y[reached]),
                           Dot(7, "#d81b60"))

    def _paint_labels(self, painter: QPainter, rect: tuple[float, float, float, float],
                      to_pixel: Callable[[float, float], QPointF]) -> None:
        x0, y0, x1, y1 = rect
        painter.setPen(QColor("#546e7a"))
        shown = 0
        for prepared in self._layers:
            layer = prepared.layer
            if not len(layer.label_text) or not (layer.min_mpp <= self._mpp < layer.max_mpp):
                continue
            if self._mpp >= layer.label_max_mpp:
                continue
            inside = np.flatnonzero((layer.label_x >= x0) & (layer.label_x <= x1)
                                    & (layer.label_y >= y0) & (layer.label_y <= y1))
            for i in inside[:120].tolist():
                p = to_pixel(float(layer.label_x[i]), float(layer.label_y[i]))
                text = visible(layer.label_text[i], limit=40)
                painter.drawText(QRectF(p.x() - 80, p.y() - 9, 160, 18),
                                 Qt.AlignmentFlag.AlignCenter, text)
                shown += 1
            if shown > 200:
                return

    def _paint_scale(self, painter: QPainter) -> None:
        # Mercator stretches with latitude: the bar is true at the view's centre
        lat = math.degrees(2 * math.atan(math.exp(self._cy / 6_378_137.0)) - math.pi / 2)
        ground = self._mpp * math.cos(math.radians(lat))
        if not (ground > 0 and math.isfinite(ground)) or self.width() < 20:
            return
        bar = scale_bar(ground, min(140, self.width() - 24))
        px, text = bar.pixels, bar.label
        x, y = 12, self.height() - 16
        painter.setPen(QPen(QColor("#263238"), 2))
        painter.drawLine(QPointF(x, y), QPointF(x + px, y))
        painter.drawLine(QPointF(x, y - 5), QPointF(x, y))
        painter.drawLine(QPointF(x + px, y - 5), QPointF(x + px, y))
        painter.drawText(QPointF(x + 4, y - 5), text)

    def _paint_notes(self, painter: QPainter) -> None:
        lines = []
        if self._notice:
            lines.append(self._notice)
        if self._tile_problem:
            lines.append(self._tile_problem)
        if self._flows_left_out:
            lines.append(f"{self._flows_left_out:,} smaller flows not drawn at this zoom")
        if self._clock is not None:
            lines.append(format_instant(self._clock, self._scene.zone))
        metrics = painter.fontMetrics()
        y = 6
        for line in lines:
            text = visible(line, limit=200)
            box = QRectF(6, y, metrics.horizontalAdvance(text) + 10, metrics.height() + 4)
            painter.fillRect(box, QColor(255, 255, 255, 225))
            painter.setPen(QColor("#37474f"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            y += int(box.height()) + 2
        painter.setPen(QColor("#78909c"))
        painter.drawText(QRectF(0, self.height() - 18, self.width() - 6, 16),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         ATTRIBUTION)

    # -- what is under the pointer -------------------------------------------------------------
    def items_at(self, pos: QPointF) -> tuple[frozenset[EntityRef], str]:
        """The records under ``pos`` and a plain-text description (place, flow, stop)."""
        s = self._scene
        for route in self._highlight.routes:
            for i, (x, y) in enumerate(zip(route.x.tolist(), route.y.tolist(), strict=True)):
                p = self.to_screen(x, y)
                if (p.x() - pos.x()) ** 2 + (p.y() - pos.y()) ** 2 <= 100:
                    detail = route.details[i] if i < len(route.details) else route.labels[i]
                    return (frozenset({EntityRef("event", int(route.event_ids[i]))}),
                            f"{route.title}\n{detail}")
        drawn = self._places_drawn
        if len(drawn):
            px = (s.place_x[drawn] - self._cx) / self._mpp + self.width() / 2
            py = self.height() / 2 - (s.place_y[drawn] - self._cy) / self._mpp
            d2 = (px - pos.x()) ** 2 + (py - pos.y()) ** 2
            best = int(np.argmin(d2))
            if d2[best] <= 64:
                p = int(drawn[best])
                note = s.place_notes[p] if p < len(s.place_notes) else ""
                text = f"{s.place_names[p]}\n{int(s.place_events[p]):,} events"
                if note:
                    text += f"\n{note}"
                return frozenset({EntityRef("place", int(s.place_ids[p]))}), text
        self._ensure_flows()
        xs, ys = self._flow_pts
        if xs.size:
            px = (xs - self._cx) / self._mpp + self.width() / 2
            py = self.height() / 2 - (ys - self._cy) / self._mpp
            d2 = ((px - pos.x()) ** 2 + (py - pos.y()) ** 2).min(axis=1)
            best = int(np.argmin(d2))
            if d2[best] <= 49:
                i = int(self._flow_keep[best])
                legs = self._flows.legs_of(i)
                shipments = np.unique(s.leg_shipment[legs])
                return (frozenset(EntityRef("shipment", int(x)) for x in shipments[:500]),
                        self._flow_text(i, legs, shipments))
        return frozenset(), ""

    def _flow_text(self, i: int, legs: np.ndarray, shipments: np.ndarray) -> str:
        s, f = self._scene, self._flows
        statuses = np.bincount(s.leg_status[legs], minlength=len(STATUS_NAMES))
        parts = [f"{n:,} {STATUS_NAMES[k]}" for k, n in enumerate(statuses.tolist()) if n]
        o, d = s.leg_origin[legs], s.leg_destination[legs]
        ends = ""
        if len(np.unique(o)) == 1 and len(np.unique(d)) == 1:
            ends = f"\n{s.place_names[int(o[0])]} → {s.place_names[int(d[0])]}"
        weight = f", {f.weight_g[i] / 1000:,.1f} kg" if f.weight_g[i] > 0 else ""
        return (f"{int(f.count[i]):,} legs of {len(shipments):,} shipments{weight}{ends}\n"
                + ", ".join(parts))

    # -- input ---------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if not steps:
            return
        self.zoom_at(event.position(), 1.25 ** (-steps))
        self.sig_view_changed.emit()

    def zoom_at(self, pos: QPointF, factor: float) -> None:
        """Zoom by ``factor`` (metres per pixel) keeping the point under ``pos`` still."""
        wx, wy = self.to_world(pos)
        mpp = min(max(self._mpp * factor, MIN_MPP), MAX_MPP)
        cx = wx - (pos.x() - self.width() / 2) * mpp
        cy = wy + (pos.y() - self.height() / 2) * mpp
        self._set_view(cx, cy, mpp)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self._moved = False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            if abs(delta.x()) + abs(delta.y()) > 2 or self._moved:
                self._moved = True
                self._drag = event.position()
                self._set_view(self._cx - delta.x() * self._mpp,
                               self._cy + delta.y() * self._mpp, self._mpp)
            return
        _refs, text = self.items_at(event.position())
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), tooltip_text(text), self)
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._drag is None:
            return
        self._drag = None
        if self._moved:
            self.sig_view_changed.emit()
            return
        refs, _text = self.items_at(event.position())
        self.sig_selection_requested.emit(refs)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        centre = QPointF(self.width() / 2, self.height() / 2)
        step = 0.25 * min(self.width(), self.height()) * self._mpp
        moves = {Qt.Key.Key_Left: (-step, 0), Qt.Key.Key_Right: (step, 0),
                 Qt.Key.Key_Up: (0, step), Qt.Key.Key_Down: (0, -step)}
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_at(centre, 0.5)
        elif key == Qt.Key.Key_Minus:
            self.zoom_at(centre, 2.0)
        elif key in moves:
            dx, dy = moves[key]  # type: ignore[index]
            self._set_view(self._cx + dx, self._cy + dy, self._mpp)
        elif event.text() and self._keys is not None and self._keys(event.text()):
            return
        else:
            super().keyPressEvent(event)
            return
        self.sig_view_changed.emit()
