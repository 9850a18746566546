"""``--screenshot``: render the window once the case shows, save a PNG, exit.

When is "once the case shows"? By default, when the timeline is first painted with every
event of the case, which is what a user first sees and what the open-time figure of
``bench/timeline.py`` measures. For a big case (``EARLY_FROM_EVENTS`` events or more) the
other views are then still loading: the table says so, and intervals and uncertain times are
not drawn yet. Smaller cases load fully in a fraction of a second, so their picture waits for
everything; so does every picture with ``wait_loaded`` (``--wait-loaded``, ``--range``,
``--select``): then the window's ``sig_ready`` (overview, hash, every event in every view,
the deep links followed) is the moment. A deep link that cannot be followed exits 2.

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
EARLY_FROM_EVENTS = 200_000
"""From this many events, a default screenshot is taken at the first painted timeline."""


class ScreenshotJob(QObject):
    """Quits the application with an exit code once the picture is saved (or failed)."""

    def __init__(self, window: MainWindow, out: Path, *, timeout_ms: int,
                 wait_loaded: bool = True) -> None:
        super().__init__(window)
        self._window = window
        self._out = out
        self._grabbing = False
        self.exit_code = EXIT_INTERNAL
        self.error = ""
        window.sig_ready.connect(self._on_window_ready)
        if not wait_loaded:
            window.evidence.sig_first_paint.connect(self._on_first_paint)
        window.sig_deep_link_failed.connect(self._on_deep_link_failed)
        window.evidence.sig_failed.connect(self._on_view_failed)
        self._failure: tuple[int, str] | None = None
        window.session.sig_failed.connect(self._on_session_failed)
        self._timer = QTimer(self, singleShot=True, interval=timeout_ms)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start()

    def _on_window_ready(self) -> None:
        self._grab_soon()

    def _on_first_paint(self, *_data: object) -> None:
        if len(self._window.timeline.data) >= EARLY_FROM_EVENTS:
            self._grab_soon()

    def _grab_soon(self) -> None:
        if not self._grabbing:  # once: the full load may finish while the first picture waits
            self._grabbing = True
            QTimer.singleShot(0, self._grab)  # after pending layout and paint events

    def _on_deep_link_failed(self, message: str) -> None:
        self._finish(EXIT_BAD_INPUT, message)

    def _on_view_failed(self, message: str, code: int) -> None:
        """A view could not read what it needs: the picture shows it, then exit 2 or 3."""
        self.fail_later(code, message)

    def fail_later(self, code: int, message: str) -> None:
        """Take the picture as planned, then exit ``code`` with ``message`` (first one wins)."""
        if self._failure is None:
            self._failure = (code, message)

    def _grab(self) -> None:
        QApplication.processEvents()
        pixmap = self._window.grab()
        if pixmap.isNull() or not pixmap.save(str(self._out), "PNG"):
            self._finish(EXIT_INTERNAL, f"could not write {self._out}")
        elif self._failure is not None:
            self._finish(*self._failure)
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
