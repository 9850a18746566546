"""The Help menu's pages: About (versions, folders in use) and Keyboard Shortcuts.

The shortcuts page is generated from the window's actions each time it opens (the menu bar
walked recursively, then every action added to the window or one of its widgets), so a new
command with a shortcut appears on it without anyone editing a list. Keys the timeline
handles itself (not actions: wheel, drags, arrows…) cannot be found that way; they are the
one hand-kept list, :data:`TIMELINE_INPUT`, and ``tests/test_help.py`` checks it against
``TimelineInteraction.handle_key`` in both directions.

Plain text only: labels are ``Qt.PlainText`` and table cells never interpret HTML, since
paths shown here come from the environment (``FILATURE_HOME``). Every string goes through
:func:`tr` (context ``"Help"``), ready for a translation file.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storage.case.schema import FORMAT_VERSION
from storage.paths import user_cache_dir, user_config_dir, user_data_dir
from widgets.timeline.interaction import BIN_SELECT_MAX

CONTEXT = "Help"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

#: Input the timeline handles without a QAction (``widgets/timeline/interaction.py``
#: ``handle_key``, ``widgets/timeline/viewbox.py``): mouse gestures, keys, what they do. Keep in
#: step with README's "In the window". Key names are Qt's (native, translated by Qt).
TIMELINE_INPUT: tuple[tuple[tuple[str, ...], tuple[Qt.Key, ...], str], ...] = (
    ((QT_TRANSLATE_NOOP("Help", "Mouse wheel"),), (Qt.Key.Key_Plus, Qt.Key.Key_Minus),
     QT_TRANSLATE_NOOP("Help", "Zoom in or out (= zooms in too)")),
    ((QT_TRANSLATE_NOOP("Help", "Drag"),), (Qt.Key.Key_Left, Qt.Key.Key_Right),
     QT_TRANSLATE_NOOP("Help", "Pan along time")),
    ((QT_TRANSLATE_NOOP("Help", "Shift+wheel"),),
     (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown),
     QT_TRANSLATE_NOOP("Help", "Scroll the lanes")),
    ((QT_TRANSLATE_NOOP("Help", "Shift+drag"),), (),
     QT_TRANSLATE_NOOP("Help", "Select a time range (a plain drag with Select range on)")),
    ((QT_TRANSLATE_NOOP("Help", "Shift+click"),), (Qt.Key.Key_Escape,),
     QT_TRANSLATE_NOOP("Help", "Clear the time range")),
    ((QT_TRANSLATE_NOOP("Help", "Click"),), (),
     QT_TRANSLATE_NOOP("Help", "Select the event under the cursor, or a bin of up to {n} "
                               "events; on empty space, clear the selection")),
    ((), (Qt.Key.Key_Home,), QT_TRANSLATE_NOOP("Help", "Show the whole case")),
)


def tr(text: str) -> str:
    """``text`` in the user's language (context ``"Help"``; unchanged without a translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def app_version() -> str:
    """The installed package's version; from ``pyproject.toml`` when run from a bare checkout."""
    try:
        return importlib.metadata.version("filature")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        with PYPROJECT.open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return tr("unknown")


def about_text() -> str:
    """The About page: what Filature is, its versions and the folders it writes to."""
    return "\n".join([
        tr("Filature — offline viewer for the evidence of online-trafficking cases."),
        "",
        tr("Version {version}").format(version=app_version()),
        tr("Case format {format}").format(format=FORMAT_VERSION),
        "",
        tr("Cases are opened read-only and never written. Filature makes no network "
           "connection of any kind."),
        "",
        tr("Notes and bookmarks: {path}").format(path=user_data_dir()),
        tr("Settings: {path}").format(path=user_config_dir()),
        tr("Demo case and working copies: {path}").format(path=user_cache_dir()),
    ])


@dataclass(frozen=True, slots=True)
class ShortcutRow:
    """One line of the shortcuts page: the keys, what they do, where the command lives."""

    keys: str
    action: str
    where: str


def _label(text: str) -> str:
    """A menu text without its mnemonic ``&`` (``&&`` is a literal ``&``)."""
    return re.sub(r"&(.)", r"\1", text).strip()


def _place(obj: object, window: QWidget) -> str:
    """Where an action outside the menus lives: its dock's title, else its widget's class."""
    widget = obj if isinstance(obj, QWidget) else None
    w = widget
    while w is not None and w is not window:
        if isinstance(w, QDockWidget):
            return _label(w.windowTitle())
        w = w.parentWidget()
    if widget is None or widget is window:
        return tr("Window")
    return type(widget).__name__.removesuffix("View")


def action_rows(window: QMainWindow) -> list[ShortcutRow]:
    """Every live action of ``window`` that has a shortcut, menus first, in menu order.

    Live means added to a menu or a widget and visible: an action nobody added cannot fire.
    Disabled actions are listed (Close Case has no case to close yet, but the key is taken).
    """
    rows: list[ShortcutRow] = []
    seen: dict[int, QAction] = {}  # id -> action: the reference keeps the id unique

    def add(action: QAction, where: str) -> None:
        if id(action) in seen or action.isSeparator():
            return
        seen[id(action)] = action
        keys = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys and action.isVisible() and action.associatedObjects():
            rows.append(ShortcutRow(", ".join(keys), _label(action.text()), where))

    def visit(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = QMenu.menuInAction(action)
            if sub is not None:
                seen[id(action)] = action
                visit(sub, f"{path} ▸ {_label(action.text())}")
            else:
                add(action, path)

    for action in window.menuBar().actions():
        sub = QMenu.menuInAction(action)
        if sub is not None:
            seen[id(action)] = action
            visit(sub, _label(action.text()))
        else:
            add(action, tr("Menu bar"))
    for widget in [window, *window.findChildren(QWidget)]:
        if isinstance(widget, QMenu):
            continue  # menus were walked above; context menus are not shortcuts
        for action in widget.actions():
            add(action, _place(widget, window))
    for action in window.findChildren(QAction):
        add(action, _place(action.parent(), window))
    return rows


def timeline_rows() -> list[ShortcutRow]:
    """:data:`TIMELINE_INPUT` as rows, key names spelled the platform's way."""
    rows = []
    for gestures, keys, what in TIMELINE_INPUT:
        names = [tr(g) for g in gestures]
        names += [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys]
        rows.append(ShortcutRow(", ".join(names), tr(what).format(n=f"{BIN_SELECT_MAX:,}"),
                                tr("Timeline")))
    return rows


def _plain_label(text: str) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class AboutDialog(QDialog):
    """Help ▸ About: versions and folders, selectable so a path can be copied."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle(tr("About Filature"))
        self.label = _plain_label(about_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        column = QVBoxLayout(self)
        column.addWidget(self.label)
        column.addWidget(buttons)

    def text(self) -> str:
        """What the page shows (for tests)."""
        return self.label.text()


class ShortcutsDialog(QDialog):
    """Help ▸ Keyboard Shortcuts: the window's actions as they are now, then the timeline's."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle(tr("Keyboard Shortcuts"))
        self.resize(640, 520)
        self.rows = action_rows(window) + timeline_rows()
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels([tr("Keys"), tr("Command"), tr("Where")])
        for r, row in enumerate(self.rows):
            for c, text in enumerate((row.keys, row.action, row.where)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(_plain_label(tr("Commands with a shortcut, and what the timeline does "
                                         "with the mouse and keys when it has the focus.")))
        column.addWidget(self.table, 1)
        column.addWidget(buttons)


def _replace(parent: QWidget, name: str, dialog: QDialog) -> QDialog:
    """Show ``dialog`` instead of an earlier one of the same kind (one at a time)."""
    for old in parent.findChildren(QDialog, name):
        if old is not dialog:
            old.close()
            old.deleteLater()
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


def show_about(parent: QWidget) -> AboutDialog:
    """Open the About page (window-modal, without blocking: tests can read it)."""
    dialog = AboutDialog(parent)
    _replace(parent, "AboutDialog", dialog)
    dialog.open()
    return dialog


def show_shortcuts(window: QMainWindow) -> ShortcutsDialog:
    """Open the shortcuts page, built from the actions as they are now.

    Not modal: it stays open beside the window, so the keys can be tried while reading it.
    """
    dialog = ShortcutsDialog(window)
    _replace(window, "ShortcutsDialog", dialog)
    dialog.show()
    return dialog
