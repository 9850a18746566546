"""Register the bundled fonts and make them every view's default, once per process.

Without this a case looks different on every machine: emoji in evidence (📍🍃📦) are empty
boxes where no colour emoji font is installed, and ``QFont("monospace")`` may resolve to a
face Qt does not report as fixed pitch. The files, their sources and licences are in
``resources/fonts`` and ``resources/README.md``. Call :func:`install_fonts` right after the
``QApplication`` exists and before any window is built (``app/cli.py``, ``tests/conftest.py``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QFont, QFontDatabase

from resources import EMOJI_FAMILY, MONO_FAMILY, SANS_FAMILY, font_paths

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

#: Files already registered in this process, with their font database id: a second call
#: (tests, a window reopened in-process) must not register the same faces twice.
_registered: dict[Path, int] = {}


def install_fonts(app: QGuiApplication) -> frozenset[str]:
    """Register every bundled font file and set the application font; return the families.

    The default font is the bundled sans with the emoji family as fallback (``setFamilies``),
    at the platform's size; ``QApplication.setFont`` also replaces per-class fonts, so menus,
    tooltips and the timeline's pyqtgraph text use it too. A file that cannot be loaded is
    logged and skipped: the views then fall back to the system's fonts, they do not fail.
    """
    families: set[str] = set()
    paths = font_paths()
    if not paths:
        log.warning("no bundled fonts found; text uses the system's fonts")
    for path in paths:
        font_id = _registered.get(path)
        if font_id is None:
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id < 0:
                log.warning("cannot load the bundled font %s; text may use a system font",
                            path.name)
                continue
            _registered[path] = font_id
        families.update(QFontDatabase.applicationFontFamilies(font_id))
    missing = sorted({SANS_FAMILY, MONO_FAMILY, EMOJI_FAMILY} - families)
    if missing and paths:
        log.warning("bundled fonts lack %s; text may use a system font", ", ".join(missing))
    font = QFont(app.font())
    font.setFamilies([SANS_FAMILY, EMOJI_FAMILY])
    font.setStyleHint(QFont.StyleHint.SansSerif)
    app.setFont(font)
    return frozenset(families)
