"""The full card of one actor: who is behind the accounts, and why we think so.

Facts (name, role, aliases, first and last seen, counts, turnover) in a form of plain-text
labels; then one tree of what can be followed: identifiers grouped by kind, each with its
attribution, confidence, justification and exhibit, marked when it is shared with other
actors or registered to a third party; associates; places. Activating an item emits
``sig_ref_requested(kind, id)`` (an identifier, an exhibit, another actor, a place).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QMenu,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.plain_text import plain_label, set_plain, tooltip_text, visible

if TYPE_CHECKING:
    from collections.abc import Sequence

NOTHING = "Select an actor (a card, an event, an identifier) to see their card"
_REF_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class CardItem:
    """One line of the tree: its text, a tooltip, and the record it leads to (if any)."""

    text: str
    tooltip: str = ""
    ref: tuple[str, int] | None = None
    warning: bool = False
    children: tuple[CardItem, ...] = ()


@dataclass(frozen=True, slots=True)
class CardDetail:
    """The full card as the app formatted it; every string is shown as plain text."""

    actor_id: int
    heading: str
    facts: Sequence[tuple[str, str]]
    groups: Sequence[tuple[str, Sequence[CardItem]]]
    warnings: Sequence[str] = ()


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class ActorCardView(QWidget):
    """Shows one :class:`CardDetail`.

    Signals
    -------
    sig_ref_requested(str, int)
        The user activated an item that leads to a record: kind and id.
    sig_annotate_requested(str, int, str)
        From a context menu: tag (``"tag"``) or annotate (``"note"``) the actor, or the
        record of an item (an identifier, an associate).
    """

    sig_ref_requested = Signal(str, int)
    sig_annotate_requested = Signal(str, int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._heading = _selectable(plain_label())
        font = QFont(self._heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self._heading.setFont(font)
        self._warnings = _selectable(plain_label())
        self._warnings.setStyleSheet("color: #9a5b00;")
        self._facts_host = QWidget()
        self._facts = QFormLayout(self._facts_host)
        self._facts.setContentsMargins(0, 0, 0, 0)
        self._tree = QTreeWidget()
        self._tree.setObjectName("actorCardTree")
        self._tree.setHeaderHidden(True)
        self._tree.setUniformRowHeights(True)
        self._tree.itemActivated.connect(self._on_tree_item_activated)
        self._tree.itemClicked.connect(self._on_tree_item_activated)
        for widget in (self._tree, self._heading):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._tree.customContextMenuRequested.connect(self._on_tree_menu_requested)
        self._heading.customContextMenuRequested.connect(
            lambda pos: self._annotate_menu(self._heading, pos, None))
        # One scrolling column: in a short dock the wrapped facts keep their full height
        # (squeezed, their second lines were cut) and the tree scrolls with them.
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self._heading)
        column.addWidget(self._warnings)
        column.addWidget(self._facts_host)
        column.addWidget(self._tree, 1)
        self._tree.setMinimumHeight(220)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._shown: list[str] = []
        self._detail: CardDetail | None = None
        self._front = True
        self._stale = False
        self.show_card(None)

    # -- called by the controller; never emits -------------------------------------------
    def show_card(self, detail: CardDetail | None) -> None:
        """Show ``detail``, or the invitation to pick an actor.

        While the card cannot be seen (:meth:`set_front`) it is built when it next can:
        every selection of an event picks its actor's card, and building one took ~15 ms
        of each selection's round trip for a card behind another tab.
        """
        self._detail = detail
        if detail is not None and not self._front:
            self._stale = True
            return
        self._render()

    def set_front(self, front: bool) -> None:
        """Whether the card can be seen: its dock's ``visibilityChanged``.

        A dock tabbed behind another stays ``isVisible()``, so the window says it.
        """
        self._front = front
        if front and self._stale:
            self._render()

    def _render(self) -> None:
        self._stale = False
        detail = self._detail
        while self._facts.rowCount():
            self._facts.removeRow(0)
        self._tree.clear()
        if detail is None:
            set_plain(self._heading, NOTHING)
            self._warnings.hide()
            self._facts_host.hide()
            self._tree.hide()
            self._shown = [NOTHING]
            return
        set_plain(self._heading, detail.heading)
        self._shown = [visible(detail.heading)]
        text = "\n".join(f"⚠ {visible(w, limit=160)}" for w in detail.warnings)
        set_plain(self._warnings, text)
        self._warnings.setVisible(bool(detail.warnings))
        if detail.warnings:
            self._shown.append(visible(text))
        for label, value in detail.facts:
            caption = plain_label(label, self._facts_host)
            shown = _selectable(plain_label(value, self._facts_host))
            self._facts.addRow(caption, shown)
            caption.show()
            shown.show()
            self._shown.append(f"{visible(label)}: {visible(value)}")
        self._facts_host.show()
        for title, items in detail.groups:
            group = QTreeWidgetItem([visible(title, limit=200)])
            bold = group.font(0)
            bold.setBold(True)
            group.setFont(0, bold)
            self._tree.addTopLevelItem(group)
            self._shown.append(visible(title))
            for item in items:
                group.addChild(self._item(item, 1))
            group.setExpanded(True)
        self._tree.show()

    def text(self) -> str:
        """Everything shown, as displayed, one item a line (for tests and copies)."""
        if self._stale:
            self._render()
        return "\n".join(self._shown)

    def shown_actor(self) -> int | None:
        """The actor whose card is shown."""
        return None if self._detail is None else self._detail.actor_id

    def tree(self) -> QTreeWidget:
        """The tree of identifiers, associates and places (for tests)."""
        if self._stale:
            self._render()
        return self._tree

    def _item(self, item: CardItem, depth: int) -> QTreeWidgetItem:
        shown = visible(item.text, limit=300)  # tree items are plain text
        node = QTreeWidgetItem([("⚠ " if item.warning else "") + shown])
        if item.tooltip:
            node.setToolTip(0, tooltip_text(item.tooltip))
        if item.ref is not None:
            node.setData(0, _REF_ROLE, item.ref)
        self._shown.append("  " * depth + ("⚠ " if item.warning else "") + shown)
        for child in item.children:
            node.addChild(self._item(child, depth + 1))
        node.setExpanded(True)
        return node

    # -- user input ------------------------------------------------------------------------
    def _on_tree_menu_requested(self, pos: QPoint) -> None:
        node = self._tree.itemAt(pos)
        ref = None if node is None else node.data(0, _REF_ROLE)
        target = (str(ref[0]), int(ref[1])) if isinstance(ref, tuple | list) else None
        self._annotate_menu(self._tree.viewport(), pos, target)

    def _annotate_menu(self, widget: QWidget, pos: QPoint,
                       target: tuple[str, int] | None) -> None:
        """Tag or annotate ``target`` (an item's record), or the actor of the card."""
        if self._detail is None:
            return
        kind, ident = target or ("actor", self._detail.actor_id)
        if kind not in ("actor", "identifier", "event", "place", "shipment", "exhibit"):
            return
        menu = QMenu(widget)
        what = "this actor" if target is None else f"{kind} {ident}"
        menu.addAction(f"Tag {what}…").triggered.connect(
            lambda: self.sig_annotate_requested.emit(kind, ident, "tag"))
        menu.addAction(f"Add a note to {what}…").triggered.connect(
            lambda: self.sig_annotate_requested.emit(kind, ident, "note"))
        menu.popup(widget.mapToGlobal(pos))

    def _on_tree_item_activated(self, node: QTreeWidgetItem, _column: int = 0) -> None:
        ref = node.data(0, _REF_ROLE)
        if isinstance(ref, tuple | list) and len(ref) == 2:
            self.sig_ref_requested.emit(str(ref[0]), int(ref[1]))
