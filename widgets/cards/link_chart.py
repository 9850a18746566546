"""The link chart: the selected actor's network out to two hops, drawn where the app placed it.

Nodes are actors (shape and colour by role), edges are relations (kind and confidence) and
shared identifiers (dashed). Positions come from the app (a seeded layout: the same case
gives the same picture, which goes into court exhibits); this view only draws them in a
``QGraphicsScene``, fits them, and reports a click on a node as ``sig_actor_requested``.
Labels are ``QGraphicsSimpleTextItem`` (never HTML); tooltips go through ``tooltip_text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from widgets.plain_text import tooltip_text, visible

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtGui import QMouseEvent, QResizeEvent

SCALE = 320.0  # scene units per layout unit
NODE = 11.0  # node radius
ROLE_STYLE = {  # role -> (shape, colour)
    "head": ("diamond", "#b22222"),
    "seller": ("circle", "#d2691e"),
    "logistician": ("square", "#4682b4"),
    "courier": ("triangle", "#2e8b57"),
    "supplier": ("hexagon", "#8b008b"),
    "customer": ("circle", "#708090"),
    "investigator": ("square", "#daa520"),
    "third_party": ("triangle", "#a0522d"),
}
_NODE_ROLE = 1


@dataclass(frozen=True, slots=True)
class ChartNode:
    """An actor placed by the app's layout (x, y in layout units, about -1..1)."""

    actor_id: int
    label: str
    role: str
    x: float
    y: float
    hop: int  # 0: the selected actor


@dataclass(frozen=True, slots=True)
class ChartEdge:
    """A relation or a shared identifier between two placed actors."""

    a: int
    b: int
    label: str  # "supplier of, 70%" / "shares +33 6 …"
    shared: bool = False
    confidence: float | None = None


def _shape(kind: str, r: float) -> QPainterPath:
    path = QPainterPath()
    if kind == "square":
        path.addRect(QRectF(-r, -r, 2 * r, 2 * r))
    elif kind == "diamond":
        path.addPolygon(QPolygonF([QPointF(0, -r * 1.25), QPointF(r * 1.25, 0),
                                   QPointF(0, r * 1.25), QPointF(-r * 1.25, 0)]))
        path.closeSubpath()
    elif kind == "triangle":
        path.addPolygon(QPolygonF([QPointF(0, -r * 1.2), QPointF(r * 1.1, r * 0.8),
                                   QPointF(-r * 1.1, r * 0.8)]))
        path.closeSubpath()
    elif kind == "hexagon":
        import math

        pts = [QPointF(r * 1.1 * math.cos(a), r * 1.1 * math.sin(a))
               for a in (i * math.pi / 3 for i in range(6))]
        path.addPolygon(QPolygonF(pts))
        path.closeSubpath()
    else:
        path.addEllipse(QRectF(-r, -r, 2 * r, 2 * r))
    return path


class LinkChartView(QGraphicsView):
    """Draws a :class:`ChartNode`/:class:`ChartEdge` graph; a click on a node asks for it.

    Signals
    -------
    sig_actor_requested(int)
        The user clicked an actor's node.
    """

    sig_actor_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkChart")
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self._nodes: dict[int, QGraphicsPathItem] = {}
        self._edges: list[ChartEdge] = []
        self.show_graph((), (), "Select an actor to see their network")

    # -- called by the controller; never emits -------------------------------------------
    def show_graph(self, nodes: Sequence[ChartNode], edges: Sequence[ChartEdge],
                   message: str = "") -> None:
        """Replace the picture; ``message`` is shown when there is nothing to draw."""
        self._scene.clear()
        self._nodes = {}
        self._edges = list(edges)
        if not nodes:
            text = self._scene.addSimpleText(message)
            text.setBrush(self.palette().text())
            self.setSceneRect(text.boundingRect().adjusted(-20, -20, 20, 20))
            return
        at = {n.actor_id: QPointF(n.x * SCALE, n.y * SCALE) for n in nodes}
        text_color = self.palette().text().color()
        for edge in edges:
            if edge.a not in at or edge.b not in at:
                continue
            pen = QPen(QColor("#b35900") if edge.shared else QColor(text_color))
            pen.setWidthF(1.0 + 2.0 * (edge.confidence or 0.3))
            pen.setCosmetic(True)
            if edge.shared:
                pen.setStyle(Qt.PenStyle.DashLine)
            line = self._scene.addLine(at[edge.a].x(), at[edge.a].y(), at[edge.b].x(),
                                       at[edge.b].y(), pen)
            line.setToolTip(tooltip_text(edge.label))
            line.setZValue(0)
        for node in nodes:
            shape, colour = ROLE_STYLE.get(node.role, ("circle", "#888888"))
            radius = NODE * (1.5 if node.hop == 0 else 1.0)
            item = QGraphicsPathItem(_shape(shape, radius))
            item.setBrush(QBrush(QColor(colour)))
            pen = QPen(QColor(text_color) if node.hop == 0 else QColor("#ffffff"))
            pen.setWidthF(2.5 if node.hop == 0 else 1.0)
            pen.setCosmetic(True)
            item.setPen(pen)
            item.setPos(at[node.actor_id])
            item.setZValue(2)
            item.setData(_NODE_ROLE, node.actor_id)
            item.setToolTip(tooltip_text(f"{node.label}\n{node.role} — actor {node.actor_id}"))
            item.setCursor(Qt.CursorShape.PointingHandCursor)
            # Nodes and labels keep their size in pixels however the network is zoomed
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
            self._scene.addItem(item)
            label = QGraphicsSimpleTextItem(visible(node.label, limit=40), item)  # plain text
            label.setBrush(QBrush(text_color))
            label.setPos(QPointF(radius + 3, -radius))
            self._nodes[node.actor_id] = item
        xs = [p.x() for p in at.values()]
        ys = [p.y() for p in at.values()]
        # Room around the nodes for their labels (drawn at a fixed pixel size)
        self.setSceneRect(QRectF(min(xs) - 40, min(ys) - 30, max(xs) - min(xs) + 160,
                                 max(ys) - min(ys) + 60))
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def node_ids(self) -> list[int]:
        """Actor ids drawn (for tests)."""
        return sorted(self._nodes)

    def node_positions(self) -> dict[int, tuple[float, float]]:
        """Where each node is drawn, in scene units (layouts must be identical run to run)."""
        return {a: (item.pos().x(), item.pos().y()) for a, item in self._nodes.items()}

    def node_point(self, actor_id: int) -> QPointF:
        """The node's position in viewport pixels (for tests)."""
        return QPointF(self.mapFromScene(self._nodes[actor_id].pos()))

    # -- Qt handlers -----------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the whole network in view."""
        super().resizeEvent(event)
        if self._nodes:
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click on a node asks for that actor (a drag only pans)."""
        super().mouseReleaseEvent(event)
        for item in self.items(event.position().toPoint()):
            actor = item.data(_NODE_ROLE)
            if isinstance(actor, int):
                self.sig_actor_requested.emit(actor)
                return
