"""Filter bar: which kinds, actors and platforms to show, and a text query.

The bar edits a :class:`FilterChoice` and emits it as :attr:`FilterBar.sig_filters_requested`
only when the user changes something; the app applies it (re-querying in numpy/SQL) and calls
:meth:`FilterBar.show_filters` / :meth:`FilterBar.show_result_count`, which never emit.

Each of kinds, actors and platforms is a drop-down button opening a checkable list with its
own search box, because a case can hold thousands of actors. An empty set means "no
restriction", which the button says as "any". Labels are evidence: list items draw plain text,
and button captions escape ``&`` (Qt would make it a keyboard mnemonic and hide it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSignalBlocker,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from resources.entities import Filters
from widgets.labels import vocab_label
from widgets.plain_text import plain_label, set_plain, tooltip_text, visible

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Sequence

#: Milliseconds of quiet typing before the text query is sent (Enter sends at once).
DEBOUNCE_MS = 300
SEARCH_PLACEHOLDER = "Search text (title, message)…"
#: ``data(index, KEY_ROLE)`` of a drop-down row is its kind name or actor/platform id.
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


FilterChoice = Filters
"""What the bar edits and requests: the same :class:`~resources.entities.Filters` the app holds."""


def button_caption(text: str) -> str:
    """Evidence text made safe for a button/action caption: ``&`` would be a mnemonic."""
    return visible(text, limit=60).replace("\n", " ").replace("&", "&&")


class _ChoiceModel(QAbstractListModel):
    """Checkable rows ``(key, text, tooltip)``; the check marks are :attr:`checked`.

    A model rather than a ``QListWidget``: thousands of actors cost one reset, not thousands of
    item objects, and the search box filters through a proxy in C++.
    """

    sig_check_requested = Signal(object, bool)  # key, checked: the user ticked a box

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Hashable, str, str]] = []
        self.checked: frozenset[Any] = frozenset()

    def set_rows(self, rows: list[tuple[Hashable, str, str]]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def set_checked(self, keys: frozenset[Any]) -> None:
        self.checked = keys
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1),
                                  [Qt.ItemDataRole.CheckStateRole])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        key, text, tip = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text  # item views draw plain text
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if key in self.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(tip)
        if role == KEY_ROLE:
            return key
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemNeverHasChildren)

    def setData(  # the view calls this when the user ticks a box (click or Space)
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = 0
    ) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        key = self._rows[index.row()][0]
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.checked = self.checked | {key} if checked else self.checked - {key}
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.sig_check_requested.emit(key, checked)
        return True


class _ChoicePopup(QFrame):
    """The drop-down: a search box over a checkable list, and a "Clear" for this list only."""

    def __init__(self, name: str, model: _ChoiceModel, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        # Clicking the drop-down button while open just closes (no replayed click reopening it).
        self.setAttribute(Qt.WidgetAttribute.WA_NoMouseReplay)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = QLineEdit()
        self.search.setObjectName(f"{name}Search")
        self.search.setPlaceholderText("Find in list…")
        self.search.setClearButtonEnabled(True)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView()
        self.list.setObjectName(f"{name}List")
        self.list.setUniformItemSizes(True)
        self.list.setModel(self.proxy)
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Uncheck all: no restriction")
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        layout.addWidget(self.clear, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(320, 380)
        # Local to the popup (no filter is emitted): narrows the list while typing.
        self.search.textChanged.connect(self.proxy.setFilterFixedString)


class _ChoiceButton(QToolButton):
    """``Kinds: any`` / ``Kinds: payment`` / ``Actors: 3 of 1,204``; opens a :class:`_ChoicePopup`.

    The model keeps the selected keys itself (not derived from rows) so that a filter the app
    sets on a key not in the list survives until the user clears it.
    """

    sig_keys_requested = Signal()

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Filter")
        self._caption = caption
        self._captions: dict[Hashable, str] = {}
        self.model = _ChoiceModel(self)
        self.popup = _ChoicePopup(name, self.model, self)
        self.model.sig_check_requested.connect(self._on_model_check_requested)
        self.popup.clear.clicked.connect(self._on_clear_clicked)
        self.clicked.connect(self._on_clicked)
        self._refresh_caption()

    @property
    def keys(self) -> frozenset[Any]:
        """The checked keys (empty: no restriction)."""
        return self.model.checked

    def set_items(self, items: Iterable[tuple[Hashable, str, str, str]]) -> None:
        """``(key, list text, tooltip, caption)`` rows (no emit).

        The caption is the short name the button shows when only that key is chosen.
        """
        rows = []
        self._captions = {}
        for key, text, tip, caption in items:
            rows.append((key, text, tip))
            self._captions[key] = caption
        self.model.set_rows(rows)
        self._refresh_caption()

    def set_keys(self, keys: frozenset[Any]) -> None:
        """Show ``keys`` as checked (no emit)."""
        self.model.set_checked(frozenset(keys))
        self._refresh_caption()

    def _refresh_caption(self) -> None:
        keys = self.model.checked
        if not keys:
            shown = "any"
        elif len(keys) == 1:
            (key,) = keys
            shown = self._captions.get(key, str(key))
        else:
            shown = f"{len(keys):,} of {len(self._captions):,}"
        self.setText(f"{self._caption}: {button_caption(shown)} ▾")
        font = self.font()
        font.setBold(bool(keys))  # a restricting filter stands out
        self.setFont(font)

    def _on_clicked(self) -> None:
        self.popup.move(self.mapToGlobal(QPoint(0, self.height())))
        self.popup.show()
        self.popup.search.setFocus()

    def _on_model_check_requested(self, _key: object, _checked: bool) -> None:
        self._refresh_caption()
        self.sig_keys_requested.emit()

    def _on_clear_clicked(self) -> None:
        if self.model.checked:
            self.set_keys(frozenset())
            self.sig_keys_requested.emit()


class FilterBar(QWidget):
    """One row: kind, actor and platform drop-downs, the text query, Clear, and the count.

    Signals
    -------
    sig_filters_requested(FilterChoice)
        The user changed a filter; the whole new choice, not a delta.
    """

    sig_filters_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kinds = _ChoiceButton("kind", "Kinds", self)
        self._actors = _ChoiceButton("actor", "Actors", self)
        self._platforms = _ChoiceButton("platform", "Platforms", self)
        self._tags = _ChoiceButton("tag", "Tags", self)
        self._tags.setToolTip("Your tags (kept in your notes, never in the case)")
        self._tags.hide()  # until the case has tags
        self._search = QLineEdit()
        self._search.setObjectName("textSearch")
        self._search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self._search.setClearButtonEnabled(True)
        self._search.setMinimumWidth(140)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._clear = QPushButton("Clear")
        self._clear.setObjectName("clearFilters")
        self._clear.setToolTip("Remove every filter")
        self._count = plain_label()
        self._count.setObjectName("resultCount")
        self._note = plain_label()
        self._note.setObjectName("filterNote")
        self._note.setStyleSheet("color: #9a5b00;")
        self._note.hide()
        self._sent_text = ""  # last text emitted or shown: the debounce skips repeats

        for button in (self._kinds, self._actors, self._platforms, self._tags):
            button.sig_keys_requested.connect(self._on_choice_keys_requested)
        self._search.textEdited.connect(self._on_search_text_edited)  # user edits only
        self._search.returnPressed.connect(self._on_search_return_pressed)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self._clear.clicked.connect(self._on_clear_clicked)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self._kinds, self._actors, self._platforms, self._tags):
            layout.addWidget(widget)
        layout.addWidget(self._search, 1)
        layout.addWidget(self._clear)
        layout.addWidget(self._count)
        layout.addWidget(self._note)

    # -- called by the controller; never emits -------------------------------------------
    def set_choices(
        self,
        kinds: Sequence[tuple[str, int]],
        actors: Sequence[tuple[int, str]],
        platforms: Sequence[tuple[int, str]],
    ) -> None:
        """Set what can be chosen, in the order given; current selections are kept.

        ``kinds`` are ``(name, event count)``, ``actors`` and ``platforms`` ``(id, label)``.
        """
        self._kinds.set_items(
            (name, f"{visible(vocab_label(name), limit=80)}  ({count:,})", name, vocab_label(name))
            for name, count in kinds
        )
        self._actors.set_items(
            (int(i), f"{visible(label, limit=80)}  #{i}", f"{label}\n#{i}", label)
            for i, label in actors
        )
        self._platforms.set_items(
            (int(i), visible(label, limit=80), f"{label}\n#{i}", label) for i, label in platforms
        )

    def set_tags(self, tags: Sequence[str]) -> None:
        """The user's tags in this case (the Tags drop-down; hidden while there are none)."""
        self._tags.set_items((t, visible(t, limit=80), t, t) for t in tags)
        self._tags.setVisible(bool(tags))

    def show_filters(self, choice: FilterChoice) -> None:
        """Show the filters the app applied (no emit; a pending debounce is dropped)."""
        self._debounce.stop()
        self._kinds.set_keys(choice.kinds)
        self._actors.set_keys(choice.actors)
        self._platforms.set_keys(choice.platforms)
        self._tags.set_keys(choice.tags)
        with QSignalBlocker(self._search):
            if self._search.text() != choice.text:
                self._search.setText(choice.text)
        self._sent_text = choice.text

    def show_result_count(self, shown: int, total: int) -> None:
        """``12,345 of 1,000,000 events``."""
        set_plain(self._count, f"{shown:,} of {total:,} events")

    def show_pending(self, searching: bool) -> None:
        """The views are being filtered (a broad search at 10^7 events can take a moment)."""
        set_plain(self._count, "Searching…" if searching else "Filtering…")

    def show_note(self, note: str | None) -> None:
        """A warning about the result (the search index failed, a filter could not run).

        Shown as a ⚠ with the whole sentence in its tooltip: the bar has no room for it.
        """
        set_plain(self._note, "⚠ plain scan" if note and "plain scan" in note else "⚠")
        self._note.setToolTip(tooltip_text(note or ""))
        self._note.setVisible(bool(note))

    def note_text(self) -> str:
        """The warning shown, whole (for tests), or ``""``."""
        return "" if self._note.isHidden() else self._note.toolTip()

    def choice(self) -> FilterChoice:
        """The filters as currently edited (including text not yet sent)."""
        return FilterChoice(
            kinds=frozenset(self._kinds.keys),
            actors=frozenset(self._actors.keys),
            platforms=frozenset(self._platforms.keys),
            text=self._search.text(),
            tags=frozenset(self._tags.keys),
        )

    def result_count_text(self) -> str:
        """What the count label shows (for tests and the status bar)."""
        return self._count.text()

    # -- user input ------------------------------------------------------------------------
    def _emit(self, choice: FilterChoice) -> None:
        self._debounce.stop()
        self._sent_text = choice.text
        self.sig_filters_requested.emit(choice)

    def _on_choice_keys_requested(self) -> None:
        # A check-box change goes out at once; any text still being typed goes with it.
        self._emit(self.choice())

    def _on_search_text_edited(self, _text: str) -> None:
        self._debounce.start()  # restarts: only a pause in typing sends

    def _on_debounce_timeout(self) -> None:
        if self._search.text() != self._sent_text:
            self._emit(self.choice())

    def _on_search_return_pressed(self) -> None:
        self._emit(self.choice())

    def _on_clear_clicked(self) -> None:
        empty = FilterChoice()
        self.show_filters(empty)
        self._emit(empty)

