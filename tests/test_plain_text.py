from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from widgets.plain_text import plain_label, set_plain, tooltip_text, visible

HOSTILE = '<img src="/dev/zero"><b>Boss</b>'


def test_hidden_characters_become_visible() -> None:
    assert visible("a\u202eb") == "a⟨U+202E⟩b"
    assert visible("x\u200by") == "x⟨ZWSP⟩y"
    assert visible("nul\x00") == "nul⟨U+0000⟩"
    assert visible("line\nnext\tcol") == "line\nnext\tcol"
    assert visible(None) == ""


def test_long_text_is_cut_with_marker() -> None:
    shown = visible("x" * 20_000, limit=100)
    assert shown.startswith("x" * 100) and "19,900 more characters" in shown


def test_labels_never_render_markup(qtbot) -> None:
    label = plain_label(HOSTILE)
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == HOSTILE
    other = QLabel()
    qtbot.addWidget(other)
    set_plain(other, HOSTILE)
    assert other.textFormat() == Qt.TextFormat.PlainText


def test_tooltip_is_escaped() -> None:
    tip = tooltip_text(HOSTILE)
    assert "<img" not in tip and "&lt;img" in tip
