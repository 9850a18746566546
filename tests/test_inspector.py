"""Evidence inspector: every field shown literally, copied exactly."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QGuiApplication
from PySide6.QtWidgets import QLabel, QListWidget, QPlainTextEdit, QToolButton

from widgets.inspector import NOTHING_SELECTED, InspectorRecord, InspectorView
from widgets.plain_text import visible

HOSTILE = '<img src="/dev/zero"><table><tr><td>x</td></tr></table>\u202eevil\u200b & co'
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
LONG = "Rendez-vous at the usual place.\n" + "The parcel — 2 kg, € 40,000. " * 3500  # ~100 KB


def record(**changes: object) -> InspectorRecord:
    values: dict[str, object] = {
        "heading": "Event 1234 — payment",
        "fields": [
            ("Time", "2024-10-27 02:30:00 CET (UTC+01:00) = 2024-10-27 01:30:00 (UTC+00:00)"),
            ("Actor", HOSTILE),
            ("Amount", "1,250.00 EUR"),
            ("Message", LONG),
        ],
        "exhibit_label": "EXH-07 phone extraction",
        "exhibit_sha256": SHA,
        "exhibit_kind": "phone",
        "warnings": ("ambiguous local time (DST overlap)",),
    }
    values.update(changes)
    return InspectorRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
def view(qtbot) -> InspectorView:
    v = InspectorView()
    qtbot.addWidget(v)
    v.resize(480, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def labels(view: InspectorView) -> list[QLabel]:
    return [w for w in view.findChildren(QLabel) if w.isVisibleTo(view)]


def test_every_field_is_shown(view: InspectorView) -> None:
    view.show_record(record())
    text = view.text()
    assert text.startswith("Event 1234 — payment")
    assert "⚠ ambiguous local time (DST overlap)" in text
    assert "Time: 2024-10-27 02:30:00 CET (UTC+01:00) = 2024-10-27 01:30:00 (UTC+00:00)" in text
    assert "Amount: 1,250.00 EUR" in text
    assert "Exhibit: EXH-07 phone extraction" in text
    assert f"SHA-256: {SHA}" in text
    shown = [w.text() for w in labels(view)]
    assert "1,250.00 EUR" in shown and SHA in shown and "Actor" in shown


def test_hostile_text_is_plain_and_literal(view: InspectorView) -> None:
    view.show_record(record(heading=HOSTILE, exhibit_label=HOSTILE,
                            fields=[(HOSTILE, HOSTILE)], warnings=[HOSTILE]))
    every_label = labels(view)
    assert every_label
    for label in every_label:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    shown = [w.text() for w in every_label]
    assert visible(HOSTILE) in shown  # heading, field caption, field value, exhibit
    assert "⟨U+202E⟩" in visible(HOSTILE)
    assert f"⚠ {visible(HOSTILE)}" in shown
    assert f"{visible(HOSTILE)}: {visible(HOSTILE)}" in view.text()


def test_long_values_go_in_a_read_only_text_box(view: InspectorView) -> None:
    view.show_record(record())
    boxes = {w.toPlainText(): w for w in view.findChildren(QPlainTextEdit) if w.isVisibleTo(view)}
    # The message, and the hostile actor (an unbreakable 60-character run would widen a label).
    assert set(boxes) == {visible(LONG, limit=len(LONG)), visible(HOSTILE)}
    assert len(LONG) > 100_000  # shown whole, not cut at 10,000
    assert all(box.isReadOnly() for box in boxes.values())


def test_copy_gives_the_original_strings(qtbot, view: InspectorView) -> None:
    view.show_record(record())
    button = next(b for b in view.findChildren(QToolButton) if b.text() == "Copy")
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == view.copy_text()
    assert f"Actor: {HOSTILE}" in copied  # the real U+202E, not ⟨U+202E⟩
    assert f"Message: {LONG}" in copied
    assert f"SHA-256: {SHA}" in copied
    assert "Warning: ambiguous local time (DST overlap)" in copied


def test_hash_is_monospace_and_selectable(view: InspectorView) -> None:
    view.show_record(record())
    sha = view.findChild(QLabel, "exhibitSha256")
    assert sha.text() == SHA
    assert QFontInfo(sha.font()).fixedPitch()
    assert sha.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    view.show_record(record(exhibit_sha256=None))
    assert sha.text() == "no hash recorded"
    view.show_record(record(exhibit_label=None, exhibit_sha256=None, exhibit_kind=None))
    assert not sha.isVisibleTo(view)


def test_nothing_and_many(view: InspectorView) -> None:
    view.show_record(record())
    view.show_record(None)
    assert view.text() == NOTHING_SELECTED
    assert not [w for w in view.findChildren(QPlainTextEdit) if w.isVisibleTo(view)]
    button = next(b for b in view.findChildren(QToolButton) if b.text() == "Copy")
    assert not button.isEnabled()
    view.show_many(12_345)
    assert view.text() == "12,345 events selected"
    view.show_many(1)
    assert view.text() == "1 event selected"


def test_links_request_the_record(qtbot, view: InspectorView) -> None:
    with qtbot.assertNotEmitted(view.sig_ref_requested):
        view.show_record(record(), links=[("Actor: " + HOSTILE, "actor", 12),
                                          ("Exhibit EXH-07", "exhibit", 7)])
    links = view.findChild(QListWidget, "inspectorLinks")
    assert links.item(0).text() == visible("Actor: " + HOSTILE)
    rect = links.visualItemRect(links.item(1))
    with qtbot.waitSignal(view.sig_ref_requested) as blocker:
        qtbot.mouseClick(links.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["exhibit", 7]
    view.show_record(record())
    assert not links.isVisibleTo(view)


def value_label(view: InspectorView, text: str) -> QLabel:
    return next(w for w in labels(view) if w.text() == text)


def test_rows_are_reused_and_fewer_fields_hide_the_rest(view: InspectorView) -> None:
    view.show_record(record())
    count = len(view.findChildren(QLabel))
    view.show_record(record(fields=[("Amount", "3.00 EUR")]))
    assert len(view.findChildren(QLabel)) == count  # refilled, not rebuilt
    assert "Time: " not in view.text() and "Amount: 3.00 EUR" in view.text()
    assert "Actor" not in [w.text() for w in labels(view)]
    assert value_label(view, "3.00 EUR")
    view.show_record(record())
    assert "1,250.00 EUR" in [w.text() for w in labels(view)]


def test_only_values_that_do_not_fit_wrap(qtbot, view: InspectorView) -> None:
    """Short values stay on one line (cheap layout); a long one wraps, also after a resize."""
    short = "2.5 g"
    wide = "GreenLeaf75 Chicha Express shop delivery all over France"
    fields = [("Amount", short), ("Counterpart", wide)]
    view.show_record(record(fields=fields))
    qtbot.wait(10)
    view.show_record(record(fields=fields))  # the form's width is known now
    assert not value_label(view, short).wordWrap()
    assert not value_label(view, wide).wordWrap()
    view.resize(200, 700)
    qtbot.waitUntil(lambda: value_label(view, wide).wordWrap())
    assert not value_label(view, short).wordWrap()
    view.resize(900, 700)
    qtbot.waitUntil(lambda: not value_label(view, wide).wordWrap())
