"""The map dock's content: the play bar above the map, keys routed between them."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from widgets.map.play import PlayBar
from widgets.map.view import MapView


class MapPanel(QWidget):
    """``view`` (the map) and ``play`` (its play bar); typing on the map drives the bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = MapView()
        self.play = PlayBar()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.play)
        column.addWidget(self.view, 1)
        self.view.set_key_handler(self.play.handle_key)
