"""The timeline's own small toolbar: lane mode, fit, range-select mode, UTC, zone caption.

Plain widgets only; :class:`~widgets.timeline.view.TimelineView` connects them. The combo
reports the user's choice through ``activated`` (never fired by ``setCurrentIndex``), and the
view still wraps programmatic changes in ``QSignalBlocker``.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from widgets.plain_text import plain_label

LANE_MODES = (("By kind", "kind"), ("Every kind", "kind-all"), ("By actor", "actor"),
              ("By platform", "platform"))
"""``kind`` groups the rarest kinds in one lane beyond 32 kinds; ``kind-all`` gives each one."""


class TimelineToolbar(QWidget):
    """Controls above the timeline; the caption shows the zone and its offset(s)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_combo = QComboBox()
        for text, mode in LANE_MODES:
            self.mode_combo.addItem(text, mode)
        self.mode_combo.setToolTip("Lanes: one row per event kind (beyond 32 kinds the rarest "
                                   "share one lane; \"Every kind\" gives each its own), per "
                                   "actor or per platform")
        self.fit_button = QPushButton("Fit all")
        self.fit_button.setToolTip("Show the whole case (Home)")
        self.select_button = QToolButton()
        self.select_button.setText("Select range")
        self.select_button.setCheckable(True)
        self.select_button.setToolTip(
            "Drag to select a time range (or Shift+drag at any time; Esc clears)")
        self.utc_button = QToolButton()
        self.utc_button.setText("UTC")
        self.utc_button.setCheckable(True)
        self.utc_button.setToolTip("Label the axis in UTC instead of the case's time zone")
        self.caption = plain_label()
        # The caption must not set the window's minimum width: a narrow window clips it.
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.addWidget(self.mode_combo)
        row.addWidget(self.fit_button)
        row.addWidget(self.select_button)
        row.addWidget(self.utc_button)
        row.addSpacing(12)
        row.addWidget(self.caption, 1)

    def set_mode(self, mode: str) -> None:
        """Select ``mode`` in the combo (the caller blocks signals)."""
        i = self.mode_combo.findData(mode)
        if i >= 0:
            self.mode_combo.setCurrentIndex(i)

    def mode(self) -> str:
        """The lane mode shown in the combo."""
        return str(self.mode_combo.currentData())
