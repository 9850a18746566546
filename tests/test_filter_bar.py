"""Filter bar: emits a whole FilterChoice for user input only; typing is debounced."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QPushButton, QToolButton

from widgets.filter_bar import KEY_ROLE, SEARCH_PLACEHOLDER, FilterBar, FilterChoice
from widgets.plain_text import visible

HOSTILE = '<img src="/dev/zero">Tom & Jerry\u202e'
KINDS = [("message", 120_000), ("payment", 3_400), ("shipment", 99)]
ACTORS = [(i, HOSTILE if i == 3 else f"actor {i}") for i in range(2_000)]
PLATFORMS = [(1, "Telegram"), (2, "Wickr")]


@pytest.fixture
def bar(qtbot) -> FilterBar:
    b = FilterBar()
    qtbot.addWidget(b)
    b.set_choices(KINDS, ACTORS, PLATFORMS)
    b.show()
    qtbot.waitExposed(b)
    return b


def button(bar: FilterBar, name: str) -> QToolButton:
    return bar.findChild(QToolButton, f"{name}Filter")


def toggle(qtbot, bar: FilterBar, name: str, key: object) -> None:
    """Open the drop-down, move to ``key``'s row and press Space, as a user would."""
    qtbot.mouseClick(button(bar, name), Qt.MouseButton.LeftButton)
    view = button(bar, name).findChild(QListView, f"{name}List")
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(KEY_ROLE) == key)
    view.selectionModel().setCurrentIndex(model.index(row, 0),
                                          QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.keyClick(view, Qt.Key.Key_Space)


def test_toggling_a_kind_requests_it(qtbot, bar: FilterBar) -> None:
    with qtbot.waitSignal(bar.sig_filters_requested) as blocker:
        toggle(qtbot, bar, "kind", "payment")
    assert blocker.args == [FilterChoice(kinds=frozenset({"payment"}))]
    assert "Kinds: payment" in button(bar, "kind").text()
    with qtbot.waitSignal(bar.sig_filters_requested) as blocker:
        toggle(qtbot, bar, "actor", 1500)
    assert blocker.args == [FilterChoice(kinds=frozenset({"payment"}),
                                         actors=frozenset({1500}))]
    with qtbot.waitSignal(bar.sig_filters_requested) as blocker:
        toggle(qtbot, bar, "kind", "payment")  # unticked again: no restriction
    assert blocker.args[0].kinds == frozenset()
    assert "Kinds: any" in button(bar, "kind").text()


def test_typing_emits_once_after_the_debounce(qtbot, bar: FilterBar) -> None:
    search = bar.findChild(QLineEdit, "textSearch")
    assert search.placeholderText() == SEARCH_PLACEHOLDER
    received: list[FilterChoice] = []
    bar.sig_filters_requested.connect(received.append)
    with qtbot.waitSignal(bar.sig_filters_requested, timeout=3000):
        qtbot.keyClicks(search, "cocaine")
        assert received == []  # nothing while typing
    assert received == [FilterChoice(text="cocaine")]


def test_enter_emits_at_once(qtbot, bar: FilterBar) -> None:
    search = bar.findChild(QLineEdit, "textSearch")
    received: list[FilterChoice] = []
    bar.sig_filters_requested.connect(received.append)
    qtbot.keyClicks(search, "wire")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert received == [FilterChoice(text="wire")]
    assert not bar.findChild(QTimer).isActive()  # the pending debounce was dropped


def test_show_filters_does_not_emit(qtbot, bar: FilterBar) -> None:
    choice = FilterChoice(kinds=frozenset({"message", "shipment"}), actors=frozenset({3}),
                          platforms=frozenset({2}), text="bitcoin")
    qtbot.keyClicks(bar.findChild(QLineEdit, "textSearch"), "typed, not sent")
    with qtbot.assertNotEmitted(bar.sig_filters_requested):
        bar.show_filters(choice)
    assert not bar.findChild(QTimer).isActive()  # nor later: the typing was superseded
    assert bar.choice() == choice
    assert bar.findChild(QLineEdit, "textSearch").text() == "bitcoin"
    assert "Kinds: 2 of 3" in button(bar, "kind").text()
    assert "Platforms: Wickr" in button(bar, "platform").text()
    view = button(bar, "kind").findChild(QListView, "kindList")
    states = [view.model().index(r, 0).data(Qt.ItemDataRole.CheckStateRole)
              for r in range(3)]
    assert states == [Qt.CheckState.Checked, Qt.CheckState.Unchecked, Qt.CheckState.Checked]


def test_clear_requests_the_empty_choice(qtbot, bar: FilterBar) -> None:
    bar.show_filters(FilterChoice(kinds=frozenset({"payment"}), text="x"))
    clear = bar.findChild(QPushButton, "clearFilters")
    with qtbot.waitSignal(bar.sig_filters_requested) as blocker:
        qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert blocker.args == [FilterChoice()]
    assert bar.choice() == FilterChoice()
    assert bar.findChild(QLineEdit, "textSearch").text() == ""


def test_labels_are_plain_and_ampersands_survive(qtbot, bar: FilterBar) -> None:
    view = button(bar, "actor").findChild(QListView, "actorList")
    assert view.model().index(3, 0).data() == f"{visible(HOSTILE)}  #3"
    tip = view.model().index(3, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "&lt;img" in tip
    bar.show_filters(FilterChoice(actors=frozenset({3})))
    caption = button(bar, "actor").text()
    assert "Tom && Jerry" in caption  # shown as one "&", not eaten as a mnemonic
    assert "⟨U+202E⟩" in caption


def test_actor_list_search_narrows_without_emitting(qtbot, bar: FilterBar) -> None:
    qtbot.mouseClick(button(bar, "actor"), Qt.MouseButton.LeftButton)
    search = button(bar, "actor").findChild(QLineEdit, "actorSearch")
    view = button(bar, "actor").findChild(QListView, "actorList")
    with qtbot.assertNotEmitted(bar.sig_filters_requested):
        qtbot.keyClicks(search, "actor 199")
    assert view.model().rowCount() == 11  # actor 199, actor 1990..1999


def test_choices_reload_keeps_the_selection(bar: FilterBar) -> None:
    bar.show_filters(FilterChoice(actors=frozenset({5, 99_999})))  # 99,999 is not listed
    bar.set_choices(KINDS, ACTORS[:10], PLATFORMS)
    assert bar.choice().actors == frozenset({5, 99_999})
    assert "Actors: 2 of 10" in button(bar, "actor").text()


def test_result_count(bar: FilterBar) -> None:
    bar.show_result_count(12_345, 1_000_000)
    assert bar.result_count_text() == "12,345 of 1,000,000 events"
    count = bar.findChild(QLabel, "resultCount")
    assert count.textFormat() == Qt.TextFormat.PlainText


def test_drop_down_list_model_passes_qt_model_tester(qtmodeltester, bar: FilterBar) -> None:
    view = button(bar, "actor").findChild(QListView, "actorList")
    qtmodeltester.check(view.model().sourceModel(), force_py=True)
