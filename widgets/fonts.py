"""Fonts the views ask for by role, from the families Filature bundles (``resources/fonts``).

The app registers the files and makes the bundled sans, with the emoji font as fallback, every
widget's default (:func:`app.fonts.install_fonts`); views only ask for the other role they
need here. A font names families in order, so a glyph the first lacks (📍 in a pseudonym) comes
from the emoji font instead of an empty box; and a bundled family, not ``"monospace"``, means
the face is the same on every machine, so a hash lines up the same in every exhibit.
"""

from __future__ import annotations

from PySide6.QtGui import QFont

from resources import EMOJI_FAMILY, MONO_FAMILY


def monospace_font() -> QFont:
    """The bundled fixed-pitch face for hashes and ids, at the application's size.

    Emoji still resolve (fallback family); the style hint and fixed pitch only matter when the
    bundled file could not be loaded, so that the system's closest match is at least monospace.
    """
    font = QFont()  # the application default: size and weight follow it
    font.setFamilies([MONO_FAMILY, EMOJI_FAMILY])
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    return font
