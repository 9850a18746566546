"""Legend of kind colours, as plain-text labels (kind names come from the case file).

pyqtgraph's ``LegendItem`` renders names as HTML; a hostile kind name would be parsed there.
These are ordinary ``QLabel`` s forced to plain text by :func:`widgets.plain_text.plain_label`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QWidget

from widgets.labels import vocab_label
from widgets.plain_text import plain_label, tooltip_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtGui import QColor


class KindLegend(QScrollArea):
    """A single scrollable row: colour swatch, kind name and event count per kind."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(30)
        self._inner = QWidget()
        self._row = QHBoxLayout(self._inner)
        self._row.setContentsMargins(4, 2, 4, 2)
        self._row.setSpacing(6)
        self.setWidget(self._inner)
        self.name_labels: list[QLabel] = []

    def set_kinds(self, names: Sequence[str], colors: Sequence[QColor],
                  counts: Sequence[int]) -> None:
        """Show kinds that have events, most frequent first."""
        while self._row.count():
            item = self._row.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.name_labels = []
        present = sorted((i for i in range(len(names)) if counts[i] > 0),
                         key=lambda i: -counts[i])
        for i in present:
            swatch = QLabel()
            swatch.setFixedSize(12, 12)
            swatch.setStyleSheet(f"background-color: {colors[i].name()}; border-radius: 2px;")
            label = plain_label(vocab_label(names[i]))
            label.setToolTip(tooltip_text(f"{names[i]}: {counts[i]:,} events"))
            self._row.addWidget(swatch)
            self._row.addWidget(label)
            self._row.addSpacing(8)
            self.name_labels.append(label)
        self._row.addStretch(1)
