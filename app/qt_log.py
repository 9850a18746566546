"""Route Qt's own messages into Python logging.

Qt prints warnings straight to stderr; the command line promises one line on failure, and the
offscreen platform prints a harmless "does not support propagateSizeHints()" on every window
(and "does not support raise()" whenever a dock tab is brought forward).
Known-harmless messages are dropped; everything else goes to the ``qt`` logger.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

_HARMLESS = ("does not support propagateSizeHints()", "does not support raise()")
_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
log = logging.getLogger("qt")


def _handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    if any(h in message for h in _HARMLESS):
        return
    log.log(_LEVELS.get(kind, logging.WARNING), "%s", message)


def install() -> None:
    """Install the handler (once per process, before the QApplication shows windows)."""
    qInstallMessageHandler(_handler)
