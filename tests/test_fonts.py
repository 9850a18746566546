"""The bundled fonts: registered, every view's default, and emoji drawn in colour, not boxes.

``tests/conftest.py`` installs them in pytest-qt's ``qapp`` as ``main.py`` does, so these tests
see what every other test (and every user and exhibit) sees.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontInfo,
    QImage,
    QPainter,
    QRawFont,
    QTextLayout,
)
from PySide6.QtWidgets import QApplication, QLabel, QToolTip

import app.fonts
from app.fonts import install_fonts
from resources import EMOJI_FAMILY, MONO_FAMILY, SANS_FAMILY, font_paths, resource_path
from widgets.fonts import monospace_font

REPO = Path(__file__).resolve().parent.parent
EMOJI = "📍🍃📦"  # as in the demo case's texts
#: Unassigned code points: no font has them, so they are drawn as boxes ("tofu").
UNASSIGNED = "\u0378\u0379\u0380"
FONTCONFIG = Path("/etc/fonts/fonts.conf")


def _head(font_or_path: QFont | Path) -> bytes:
    """The font's ``head`` table: its revision, dates and checksum, unique to one build."""
    if isinstance(font_or_path, Path):
        raw = QRawFont(str(font_or_path), 12)
    else:
        raw = QRawFont.fromFont(font_or_path)
    assert raw.isValid()
    return bytes(raw.fontTable("head"))


def _head_offset(data: bytes) -> int:
    """Where the ``head`` table starts in a TrueType file (its table directory, no Qt)."""
    for i in range(int.from_bytes(data[4:6])):
        entry = data[12 + 16 * i: 28 + 16 * i]
        if entry[:4] == b"head":
            return int.from_bytes(entry[8:12])
    raise AssertionError("no head table")


def _render(text: str, font: QFont) -> np.ndarray:
    """``text`` drawn black on white at 40 px, as an (h, w, 3) RGB array."""
    font = QFont(font)
    font.setPixelSize(40)
    image = QImage(320, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(QPointF(8, 58), text)
    painter.end()
    return _rgb(image)


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    h, w = image.height(), image.width()
    bgra = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine() // 4, 4)
    return bgra[:, :w, 2::-1].astype(np.int16)


def _painted(rgb: np.ndarray) -> int:
    return int(np.count_nonzero((rgb < 250).any(axis=2)))


def _coloured(rgb: np.ndarray) -> int:
    """Pixels clearly not grey: black text and a box's outline have none."""
    return int(np.count_nonzero(rgb.max(axis=2) - rgb.min(axis=2) > 60))


def test_bundled_files_and_their_papers() -> None:
    names = [p.name for p in font_paths()]
    assert names == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSansMono-Bold.ttf",
                     "DejaVuSansMono.ttf", "NotoColorEmoji.ttf"]
    readme = resource_path("README.md").read_text(encoding="utf-8")
    for name in [*names, "LICENSE-DejaVu.txt", "LICENSE-OFL-NotoColorEmoji.txt"]:
        assert resource_path(f"fonts/{name}").is_file()
        assert name in readme
    assert "SIL OPEN FONT LICENSE Version 1.1" in resource_path(
        "fonts/LICENSE-OFL-NotoColorEmoji.txt").read_text(encoding="utf-8")
    assert sum(p.stat().st_size for p in font_paths()) < 15_000_000


def test_resource_path_stays_inside_the_package() -> None:
    for name in ("../pyproject.toml", "/etc/passwd", "fonts/../../main.py", ""):
        try:
            resource_path(name)
        except ValueError:
            continue
        raise AssertionError(f"{name!r} accepted")


def test_bundled_families_are_registered(qapp: QApplication) -> None:
    families = install_fonts(qapp)  # a second call (conftest made the first) adds nothing
    assert {SANS_FAMILY, MONO_FAMILY, EMOJI_FAMILY} <= families
    assert {SANS_FAMILY, MONO_FAMILY, EMOJI_FAMILY} <= set(QFontDatabase.families())
    assert len(app.fonts._registered) == len(font_paths())


def test_monospace_font_is_the_bundled_fixed_pitch_face(qapp: QApplication) -> None:
    font = monospace_font()
    info = QFontInfo(font)
    assert info.fixedPitch()
    assert info.family() == MONO_FAMILY
    assert _head(font) == _head(resource_path("fonts/DejaVuSansMono.ttf"))
    assert font.families() == [MONO_FAMILY, EMOJI_FAMILY]
    assert QFontInfo(font).pointSizeF() == QFontInfo(QApplication.font()).pointSizeF()


def test_default_font_is_the_bundled_sans_with_emoji_fallback(qapp: QApplication) -> None:
    default = QApplication.font()
    assert QFontInfo(default).family() == SANS_FAMILY
    assert default.families() == [SANS_FAMILY, EMOJI_FAMILY]
    assert _head(default) == _head(resource_path("fonts/DejaVuSans.ttf"))
    bold = QFont(default)
    bold.setBold(True)
    assert _head(bold) == _head(resource_path("fonts/DejaVuSans-Bold.ttf"))
    # What views draw with inherits it: widgets, tooltips, pyqtgraph's timeline text.
    assert QLabel().font().families() == [SANS_FAMILY, EMOJI_FAMILY]
    assert QToolTip.font().families() == [SANS_FAMILY, EMOJI_FAMILY]
    assert pg.TextItem("x").textItem.font().families() == [SANS_FAMILY, EMOJI_FAMILY]


def test_emoji_come_from_the_bundled_emoji_font(qapp: QApplication) -> None:
    # The sans has no emoji, so without the fallback they would be boxes.
    sans = QRawFont.fromFont(QFont(SANS_FAMILY))
    assert not any(sans.supportsCharacter(ord(c)) for c in EMOJI)
    layout = QTextLayout(EMOJI, QApplication.font())
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    runs = layout.glyphRuns()
    assert [run.rawFont().familyName() for run in runs] == [EMOJI_FAMILY]
    glyphs = runs[0].glyphIndexes()
    assert len(glyphs) == 3
    assert 0 not in glyphs  # glyph 0 is the font's "missing" box


def test_emoji_are_painted_in_colour_not_as_boxes(qapp: QApplication) -> None:
    emoji = _render(EMOJI, QApplication.font())
    boxes = _render(UNASSIGNED, QApplication.font())
    assert _painted(boxes) > 0  # the comparison is fair: missing glyphs do draw boxes
    assert _coloured(boxes) == 0
    assert _painted(emoji) > 1500
    assert _coloured(emoji) > 500  # red pin, green leaf, brown box
    # The monospace font falls back to the same emoji.
    assert _coloured(_render(EMOJI, monospace_font())) > 500


def test_a_label_shows_emoji_in_colour(qtbot) -> None:
    label = QLabel(f"Pickup {EMOJI}")
    qtbot.addWidget(label)
    font = label.font()
    font.setPixelSize(32)
    label.setFont(font)
    label.resize(label.sizeHint())
    assert _coloured(_rgb(label.grab().toImage())) > 200


def test_a_font_that_cannot_be_loaded_is_logged_and_skipped(
        qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "Broken.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(app.fonts, "font_paths", lambda: [broken, *font_paths()])
    with caplog.at_level(logging.WARNING, logger="app.fonts"):
        families = install_fonts(qapp)
    assert "cannot load the bundled font Broken.ttf" in caplog.text
    assert {SANS_FAMILY, MONO_FAMILY, EMOJI_FAMILY} <= families
    assert QFontInfo(QApplication.font()).family() == SANS_FAMILY


@pytest.mark.skipif(not FONTCONFIG.is_file(), reason="a machine's fonts found by fontconfig")
def test_the_bundled_font_wins_over_another_version_installed(tmp_path: Path) -> None:
    """A machine's own "DejaVu Sans Mono" of another version must not replace ours."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    data = bytearray(resource_path("fonts/DejaVuSansMono.ttf").read_bytes())
    revision = _head_offset(data) + 4  # head.fontRevision, 16.16 fixed
    bundled = data[revision: revision + 4].hex()
    # A newer revision than any DejaVu: fontconfig prefers the highest version of a family,
    # so without the bundled one installed this one wins over the machine's own DejaVu too.
    data[revision: revision + 4] = (0x00030000).to_bytes(4)  # "3.0"
    (fonts / "OtherMono.ttf").write_bytes(bytes(data))
    script = textwrap.dedent("""
        from PySide6.QtGui import QFont, QRawFont
        from PySide6.QtWidgets import QApplication
        from app.fonts import install_fonts
        from widgets.fonts import monospace_font
        app = QApplication([])
        def revision(font):
            return bytes(QRawFont.fromFont(font).fontTable("head")[4:8]).hex()
        print(revision(QFont("DejaVu Sans Mono")))
        install_fonts(app)
        print(revision(monospace_font()))
    """)
    # The machine's fontconfig setup plus that folder; the cache of the folder goes in
    # tmp_path (the first writable <cachedir>), not in the system's cache.
    config = tmp_path / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <cachedir>{tmp_path / "cache"}</cachedir>
  <include ignore_missing="yes">{FONTCONFIG}</include>
  <dir>{fonts}</dir>
</fontconfig>
""", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FONTCONFIG_FILE": str(config)}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout.split()
    # Before: fontconfig's pick, usually the newer one (it may also take the machine's own
    # DejaVu, whose bytes equal ours). After: always ours, whatever was picked before.
    assert out[0] in {"00030000", bundled}
    assert out[1] == bundled
