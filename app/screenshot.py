"""``--screenshot``: wait until the case is fully loaded, render the window, save a PNG.

Ready means the window's ``sig_ready``: overview, hash, every event in every view, and the
``--range``/``--select`` deep links followed. A deep link that cannot be followed exits 2.

The window is rendered with ``QWidget.grab()``, which paints through Qt's own raster engine:
it works offscreen, with no display server and no GPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from pathlib import Path

    from app.main_window import MainWindow

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 2, 3


class ScreenshotJob(QObject):
    """Quits the application with an exit code once the picture is saved (or failed)."""

    def __init__(self, window: MainWindow, out: Path, *, timeout_ms: int) -> None:
        super().__init__(window)
        self._window = window
        self._out = out
        self.exit_code = EXIT_INTERNAL
        self.error = ""
        window.sig_ready.connect(self._on_window_ready)
        window.sig_deep_link_failed.connect(self._on_deep_link_failed)
        window.session.sig_failed.connect(self._on_session_failed)
        self._timer = QTimer(self, singleShot=True, interval=timeout_ms)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start()

    def _on_window_ready(self) -> None:
        # Let pending layout and paint events run before grabbing.
        QTimer.singleShot(0, self._grab)

    def _on_deep_link_failed(self, message: str) -> None:
        self._finish(EXIT_BAD_INPUT, message)

    def _grab(self) -> None:
        QApplication.processEvents()
        pixmap = self._window.grab()
        if pixmap.isNull() or not pixmap.save(str(self._out), "PNG"):
            self._finish(EXIT_INTERNAL, f"could not write {self._out}")
        else:
            self._finish(EXIT_OK, "")

    def _on_session_failed(self, _heading: str, message: str) -> None:
        self._finish(EXIT_BAD_INPUT, message)

    def _on_timeout(self) -> None:
        self._finish(EXIT_INTERNAL, "timed out waiting for the case to load")

    def _finish(self, code: int, error: str) -> None:
        self._timer.stop()
        self.exit_code = code
        self.error = error
        self._window.close()
        QApplication.instance().exit(code)
