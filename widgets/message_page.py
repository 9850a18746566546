"""The page shown instead of a case: loading with progress, a clear error, or nothing open.

Errors about a case file are shown here, in the window, as one plain sentence: the file may
be hostile, so its name and our message are plain text; the user's other work is untouched.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QProgressBar, QPushButton, QVBoxLayout, QWidget

from widgets.plain_text import plain_label, set_plain


class MessagePage(QWidget):
    """Centered heading, message, optional progress bar and an "Open…" button."""

    sig_open_requested = Signal()
    sig_cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._heading = plain_label()
        font = QFont(self._heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self._heading.setFont(font)
        self._heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message = plain_label()
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._progress = QProgressBar()
        self._progress.setRange(0, 1000)
        self._progress.setMaximumWidth(420)
        self._open = QPushButton("Open a case…")
        self._open.clicked.connect(self.sig_open_requested)
        self._cancel = QPushButton("Cancel")
        self._cancel.clicked.connect(self.sig_cancel_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self._heading)
        layout.addWidget(self._message)
        layout.addWidget(self._progress, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self._open, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self._cancel, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.show_idle()

    def show_idle(self) -> None:
        """No case is open."""
        self._set("No case open", "Open a case file, or start Filature without arguments "
                  "to see the bundled demo case.", progress=None, can_open=True)

    def show_loading(self, what: str, step: str, fraction: float) -> None:
        """A case is loading; ``fraction`` < 0 means the step's length is unknown."""
        self._set(f"Opening {what}", step, progress=fraction, can_open=False)

    def show_error(self, heading: str, message: str) -> None:
        """Loading failed: one clear sentence, and a way to open something else."""
        self._set(heading, message, progress=None, can_open=True)

    def message_text(self) -> str:
        """The heading and message as shown (tests, screenshots)."""
        return f"{self._heading.text()}\n{self._message.text()}"

    def _set(self, heading: str, message: str, *, progress: float | None, can_open: bool) -> None:
        set_plain(self._heading, heading)
        set_plain(self._message, message)
        self._progress.setVisible(progress is not None)
        self._cancel.setVisible(progress is not None)
        if progress is not None:
            if progress < 0:
                self._progress.setRange(0, 0)  # busy indicator
            else:
                self._progress.setRange(0, 1000)
                self._progress.setValue(int(min(1.0, progress) * 1000))
        self._open.setVisible(can_open)
