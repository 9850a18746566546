"""Help ▸ About shows both versions; Help ▸ Keyboard Shortcuts is generated from the actions."""

from __future__ import annotations

import tomllib

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QTableWidget

from app import help_pages
from app.help_pages import AboutDialog, ShortcutsDialog, app_version
from app.main_window import MainWindow
from app.settings import Settings
from app.workers import Runner
from storage.case.schema import FORMAT_VERSION
from tests.conftest import REPO


@pytest.fixture
def make_window(qtbot):
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(Runner(inline=True), settings=Settings(), persist=False)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def _native(key: QKeySequence.StandardKey | str) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def _cells(dialog: ShortcutsDialog) -> list[tuple[str, str, str]]:
    table = dialog.findChild(QTableWidget)
    assert table is not None
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


def _open_shortcuts(window: MainWindow, qtbot) -> ShortcutsDialog:
    """Trigger Help ▸ Keyboard Shortcuts; the new page (an earlier one is closed)."""
    earlier = window.findChildren(ShortcutsDialog)
    window.action_shortcuts.trigger()
    new = [d for d in window.findChildren(ShortcutsDialog) if d not in earlier]
    assert len(new) == 1 and new[0].isVisible()
    assert not any(d.isVisible() for d in earlier)
    return new[0]


def _assert_plain_labels(dialog) -> None:
    labels = dialog.findChildren(QLabel)
    assert labels
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)


# -- About ------------------------------------------------------------------------------------
def test_about_shows_app_and_case_format_versions_and_folders(make_window, qtbot) -> None:
    window = make_window()
    window.action_about.trigger()
    qtbot.waitUntil(lambda: window.findChild(AboutDialog) is not None)
    dialog = window.findChild(AboutDialog)
    text = dialog.text()
    assert f"Version {app_version()}" in text
    assert f"Case format {FORMAT_VERSION}" in text
    from storage.paths import user_config_dir, user_data_dir

    assert str(user_data_dir()) in text and str(user_config_dir()) in text
    _assert_plain_labels(dialog)
    assert dialog.windowModality() == Qt.WindowModality.WindowModal  # open(), not exec()
    window.action_about.trigger()  # again: one page, not two
    qtbot.waitUntil(lambda: len(window.findChildren(AboutDialog)) == 1)
    window.findChild(AboutDialog).close()


def test_app_version_is_the_packages_or_the_pyprojects(monkeypatch) -> None:
    with (REPO / "pyproject.toml").open("rb") as f:
        expected = tomllib.load(f)["project"]["version"]
    assert app_version() == expected  # installed with pip -e: the same number

    def not_installed(name: str) -> str:
        raise help_pages.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(help_pages.importlib.metadata, "version", not_installed)
    assert app_version() == expected


def test_path_with_markup_is_shown_as_written(monkeypatch, tmp_path) -> None:
    odd = tmp_path / "<b>bold</b>"
    monkeypatch.setenv("FILATURE_HOME", str(odd))
    assert "<b>bold</b>" in help_pages.about_text()


# -- Keyboard Shortcuts ---------------------------------------------------------------------------
def test_shortcuts_list_every_action_with_a_shortcut(make_window, qtbot) -> None:
    window = make_window()
    dialog = _open_shortcuts(window, qtbot)
    cells = _cells(dialog)
    rows = {(keys, action, where) for keys, action, where in cells}
    assert (_native(QKeySequence.StandardKey.Open), "Open…", "File") in rows
    assert (_native("Ctrl+0"), "Show Whole Case", "View") in rows
    # Standard keys depend on the platform theme (offscreen and Windows bind no Quit key)
    for action, text, where in [(window.action_quit, "Quit", "File"),
                                (window.action_close, "Close Case", "File"),
                                (window.action_fullscreen, "Full Screen", "View")]:
        keys = ", ".join(_native(s.toString()) for s in action.shortcuts())
        assert ((keys, text, where) in rows) == bool(keys)
    # every action of the window that has a shortcut, and nothing without one
    expected = {_native(s.toString()) for a in window.findChildren(QAction)
                for s in a.shortcuts() if a.associatedObjects() and a.isVisible()}
    listed = {k for keys, _, where in cells if where != "Timeline" for k in keys.split(", ")}
    assert expected <= listed
    assert all(keys for keys, _, _ in cells)
    _assert_plain_labels(dialog)


def test_a_new_action_appears_without_editing_a_list(make_window, qtbot) -> None:
    window = make_window()
    before = _cells(_open_shortcuts(window, qtbot))
    assert not any(action == "Zap Lanes" for _, action, _ in before)

    zap = QAction("&Zap Lanes", window, shortcut=QKeySequence("Ctrl+Shift+Z"))
    window.view_menu.addAction(zap)
    poke = QAction("Poke", window.timeline, shortcut=QKeySequence("Ctrl+Alt+P"))
    window.timeline.addAction(poke)  # a widget's own action, in no menu
    ghost = QAction("Ghost", window, shortcut=QKeySequence("Ctrl+Alt+G"))  # added nowhere

    after = _cells(_open_shortcuts(window, qtbot))
    assert (_native("Ctrl+Shift+Z"), "Zap Lanes", "View") in after
    assert (_native("Ctrl+Alt+P"), "Poke", "Timeline") in after
    assert not any(action == "Ghost" for _, action, _ in after)
    ghost.deleteLater()


def test_submenus_give_the_menu_path(make_window, qtbot) -> None:
    window = make_window()
    window.recent_menu.addAction(QAction("Deep", window.recent_menu,
                                         shortcut=QKeySequence("Ctrl+Alt+D")))
    rows = help_pages.action_rows(window)
    assert help_pages.ShortcutRow(_native("Ctrl+Alt+D"), "Deep", "File ▸ Open Recent") in rows


def test_timeline_keys_are_listed(make_window, qtbot) -> None:
    window = make_window()
    cells = _cells(_open_shortcuts(window, qtbot))
    timeline = [(keys, what) for keys, what, where in cells if where == "Timeline"]
    text = " | ".join(k for k, _ in timeline)
    for word in ("Mouse wheel", "Shift+drag", "Click", _native("Home"), _native("Esc"),
                 _native("Left"), _native("+")):
        assert word in text


def _handled_keys(window: MainWindow) -> set[Qt.Key]:
    handled = set()
    for key in Qt.Key:
        event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        if window.timeline.input.handle_key(event):
            handled.add(key)
    return handled


def test_timeline_key_list_matches_what_the_timeline_handles(make_window) -> None:
    """The one hand-kept list, checked both ways against TimelineInteraction.handle_key."""
    window = make_window()
    listed = {k for _, keys, _ in help_pages.TIMELINE_INPUT for k in keys}
    handled = _handled_keys(window)
    aliases = {Qt.Key.Key_Equal}  # "=" zooms in like "+" (the row says so)
    assert listed <= handled
    assert handled - aliases <= listed
