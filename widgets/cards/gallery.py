"""The card gallery: one compact card per actor, in a virtual list that scrolls 20,000.

A ``QListView`` over a list model, painted by a delegate: no widget per card. A card shows the
actor's name (plain text, elided), role, a badge per platform (files in ``resources/badges``,
drawn for Filature), their event count, an events-per-week sparkline and when they were
last seen. The search box finds a card by name or by **any identifier value**, spaces and
case ignored (``+33 6 39`` finds ``+33639…``). Sorting and searching are local to the view;
choosing a card emits ``sig_actor_requested``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from widgets.plain_text import plain_label, set_plain, tooltip_text, visible
from widgets.timefmt import format_instant

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

CARD_HEIGHT = 64
SORTS = (("activity", "Most active"), ("last_seen", "Last seen"), ("role", "Role"),
         ("name", "Name"))
_ACTOR_ROLE = Qt.ItemDataRole.UserRole + 1


_DROPPED = str.maketrans("", "", " .-_\u00a0")


def search_key(text: str) -> str:
    """How the search compares: case folded, spaces, dots and dashes dropped."""
    return text.casefold().translate(_DROPPED)


@dataclass(frozen=True, slots=True, eq=False)
class CardSummary:
    """One actor as the gallery shows them (the app computes it; every string is evidence)."""

    actor_id: int
    name: str
    role: str
    events: int
    last_seen_us: int  # -1 if never
    zone: str  # the zone "last seen" is shown in
    weeks: np.ndarray  # events per week, oldest first (the sparkline)
    badges: tuple[tuple[str, str], ...] = ()  # (platform name, badge file)
    search_text: str = ""  # search_key of the name and every identifier value
    flags: tuple[str, ...] = field(default=())  # "shared identifier", "third party's line"

    @property
    def last_seen(self) -> str:
        """When the actor was last seen, in the zone.

        Formatted when painted: for 20,000 cards up front it would cost half a second.
        """
        return "" if self.last_seen_us < 0 else format_instant(self.last_seen_us, self.zone)


SHARED_FLAG = 1
THIRD_PARTY_FLAG = 2
_FLAG_TEXT = ((SHARED_FLAG, "shared identifier"), (THIRD_PARTY_FLAG, "a third party's identifier"))


@dataclass(frozen=True, eq=False)
class GalleryColumns:
    """Every card as columns (row ``i`` is one actor): what the gallery sorts and searches.

    84,000 actors as objects cost tens of MB and a second to build; as columns a few MB,
    and a :class:`CardSummary` is made only for the cards painted. ``badge_offsets`` gives
    row ``i`` the platforms ``badge_platforms[offsets[i]:offsets[i + 1]]`` (indexes into
    ``platforms``); ``flags`` holds :data:`SHARED_FLAG` / :data:`THIRD_PARTY_FLAG` bits;
    ``name_rank``/``role_rank`` are each row's place in the case-folded order.
    """

    ids: np.ndarray
    names: Sequence[str]
    roles: Sequence[str]
    events: np.ndarray
    last_seen_us: np.ndarray
    weeks: np.ndarray  # (rows, weeks), oldest first
    badge_offsets: np.ndarray
    badge_platforms: np.ndarray
    platforms: tuple[tuple[str, str], ...]  # (name, badge file)
    flags: np.ndarray
    search_text: Sequence[str]
    name_rank: np.ndarray
    role_rank: np.ndarray
    zone: str

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls) -> GalleryColumns:
        none = np.empty(0, dtype=np.int64)
        return cls(none, [], [], none, none, np.zeros((0, 1), dtype=np.int32),
                   np.zeros(1, dtype=np.int64), none, (), np.empty(0, dtype=np.uint8), [],
                   none, none, "UTC")

    def card(self, row: int) -> CardSummary:
        lo, hi = int(self.badge_offsets[row]), int(self.badge_offsets[row + 1])
        bits = int(self.flags[row])
        return CardSummary(
            actor_id=int(self.ids[row]), name=self.names[row], role=self.roles[row],
            events=int(self.events[row]), last_seen_us=int(self.last_seen_us[row]),
            zone=self.zone, weeks=self.weeks[row],
            badges=tuple(self.platforms[int(p)] for p in self.badge_platforms[lo:hi]),
            search_text=self.search_text[row],
            flags=tuple(text for bit, text in _FLAG_TEXT if bits & bit))


def columns_from_cards(cards: Sequence[CardSummary]) -> GalleryColumns:
    """Columns for a handful of ready-made cards (tests, small tools)."""
    platforms = tuple(dict.fromkeys(b for c in cards for b in c.badges))
    where = {b: i for i, b in enumerate(platforms)}
    offsets = np.cumsum([0, *(len(c.badges) for c in cards)]).astype(np.int64)
    names = [c.name for c in cards]
    roles = [c.role for c in cards]
    flags = np.asarray([sum(bit for bit, text in _FLAG_TEXT if text in c.flags) for c in cards],
                       dtype=np.uint8)
    return GalleryColumns(
        ids=np.asarray([c.actor_id for c in cards], dtype=np.int64), names=names, roles=roles,
        events=np.asarray([c.events for c in cards], dtype=np.int64),
        last_seen_us=np.asarray([c.last_seen_us for c in cards], dtype=np.int64),
        weeks=(np.stack([c.weeks for c in cards]) if cards
               else np.zeros((0, 1), dtype=np.int32)),
        badge_offsets=offsets,
        badge_platforms=np.asarray([where[b] for c in cards for b in c.badges], dtype=np.int64),
        platforms=platforms, flags=flags, search_text=[c.search_text for c in cards],
        name_rank=ranks(names), role_rank=ranks(roles), zone=cards[0].zone if cards else "UTC")


def ranks(texts: Sequence[str]) -> np.ndarray:
    """Each text's position in case-folded order (ties by the text, then by row)."""
    order = sorted(range(len(texts)), key=lambda i: (texts[i].casefold(), texts[i]))
    rank = np.empty(len(texts), dtype=np.int64)
    rank[order] = np.arange(len(texts))
    return rank


class _GalleryModel(QAbstractListModel):
    """The cards shown, in the chosen order, restricted by the search."""

    def __init__(self) -> None:
        super().__init__()
        self._columns = GalleryColumns.empty()
        self._shown = np.empty(0, dtype=np.int64)  # column rows, in display order
        self._rows: dict[int, int] | None = None  # actor id -> display row, built on demand
        self._sort = "activity"
        self._query = ""
        self._marks: Mapping[int, str] = {}

    def set_columns(self, columns: GalleryColumns) -> None:
        self._columns = columns
        self._refilter()

    def set_marks(self, marks: Mapping[int, str]) -> None:
        self._marks = marks
        if len(self._shown):
            self.dataChanged.emit(self.index(0), self.index(len(self._shown) - 1))

    def mark(self, actor_id: int) -> str:
        return self._marks.get(actor_id, "")

    def set_sort(self, key: str) -> None:
        self._sort = key
        self._refilter()

    def set_query(self, text: str) -> None:
        self._query = search_key(text)
        self._refilter()

    def _order(self) -> np.ndarray:
        c, key = self._columns, self._sort
        if key == "activity":
            return np.lexsort((c.name_rank, -c.events))
        if key == "last_seen":
            return np.lexsort((c.name_rank, -c.last_seen_us))
        if key == "role":
            return np.lexsort((-c.events, c.role_rank))
        return np.argsort(c.name_rank, kind="stable")

    def _refilter(self) -> None:
        self.beginResetModel()
        order = self._order()
        q = self._query
        if q:
            texts = self._columns.search_text
            hits = np.zeros(len(texts), dtype=bool)
            hits[[i for i, t in enumerate(texts) if q in t]] = True
            order = order[hits[order]]
        self._shown = order
        self._rows = None
        self.endResetModel()

    def total(self) -> int:
        return len(self._columns)

    def card(self, row: int) -> CardSummary:
        return self._columns.card(int(self._shown[row]))

    def actor_at(self, row: int) -> int:
        return int(self._columns.ids[self._shown[row]])

    def row_of(self, actor_id: int) -> int | None:
        if self._rows is None:
            self._rows = dict(zip(self._columns.ids[self._shown].tolist(),
                                  range(len(self._shown)), strict=True))
        return self._rows.get(actor_id)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        if role == _ACTOR_ROLE:
            return self.actor_at(index.row())
        card = self.card(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return visible(card.name, limit=200)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [card.name, f"{card.role} — {card.events:,} events"]
            if card.last_seen:
                lines.append(f"last seen {card.last_seen}")
            lines += [f"platform: {name}" for name, _ in card.badges]
            lines += list(card.flags)
            if mark := self.mark(card.actor_id):
                lines.append(f"Your tags: {mark}")
            return tooltip_text("\n".join(lines))
        return None


class _CardDelegate(QStyledItemDelegate):
    """Paints one card: name and role, badges, count and last seen, the sparkline."""

    def __init__(self, model: _GalleryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._badges: dict[str, QSvgRenderer] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
                 ) -> QSize:
        return QSize(240, CARD_HEIGHT)

    def _badge(self, path: str) -> QSvgRenderer:
        if path not in self._badges:
            self._badges[path] = QSvgRenderer(path)
        return self._badges[path]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        card = self._model.card(index.row())
        r = option.rect.adjusted(3, 2, -3, -2)
        pal = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        back = pal.color(QPalette.ColorRole.Highlight) if selected else pal.color(
            QPalette.ColorRole.Base)
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid)))
        painter.setBrush(back)
        painter.drawRoundedRect(QRectF(r), 5, 5)
        text = pal.color(QPalette.ColorRole.HighlightedText if selected
                         else QPalette.ColorRole.Text)
        dim = QColor(text)
        dim.setAlpha(170)
        metrics = option.fontMetrics
        line = metrics.height()
        x, y, w = r.x() + 8, r.y() + 4, r.width() - 16
        spark_w = min(90, w // 3)
        # Line 1: the name (drawText is plain text: markup in a pseudonym stays literal)
        name = metrics.elidedText(visible(card.name, limit=300), Qt.TextElideMode.ElideRight,
                                  w - spark_w - 8)
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(x, y, w - spark_w - 8, line, Qt.AlignmentFlag.AlignLeft, name)
        painter.setFont(option.font)
        # Line 2: role, events, last seen
        painter.setPen(dim)
        facts = f"{card.role} · {card.events:,} events"
        if card.last_seen:
            facts += f" · {card.last_seen}"
        painter.drawText(x, y + line, w - spark_w - 8, line, Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(visible(facts, limit=300),
                                            Qt.TextElideMode.ElideRight, w - spark_w - 8))
        # Line 3: badges, then flags
        bx = x
        for _platform, path in card.badges[:8]:
            self._badge(path).render(painter, QRectF(bx, y + 2 * line + 2, 14, 14))
            bx += 17
        mark = self._model.mark(card.actor_id)
        if mark:  # the user's own words first: they are why the user came back to this card
            room = max(w - (bx - x) - 4, 0)
            shown = metrics.elidedText("🏷 " + visible(mark, limit=300),
                                       Qt.TextElideMode.ElideRight, room)
            painter.setPen(text)
            painter.drawText(int(bx + 4), y + 2 * line, room, line, Qt.AlignmentFlag.AlignLeft,
                             shown)
            bx += metrics.horizontalAdvance(shown) + 8
        if card.flags:
            painter.setPen(QColor("#b35900") if not selected else text)
            painter.drawText(int(bx + 4), y + 2 * line, max(w - (bx - x) - 4, 0), line,
                             Qt.AlignmentFlag.AlignLeft,
                             metrics.elidedText("⚠ " + ", ".join(card.flags),
                                                Qt.TextElideMode.ElideRight,
                                                max(w - (bx - x) - 4, 0)))
        self._sparkline(painter, card.weeks, QRectF(x + w - spark_w, y + 2, spark_w,
                                                    2 * line - 4), text)
        painter.restore()

    @staticmethod
    def _sparkline(painter: QPainter, weeks: np.ndarray, box: QRectF, color: QColor) -> None:
        if not len(weeks) or int(weeks.max()) == 0:
            return
        top = float(weeks.max())
        step = box.width() / max(len(weeks) - 1, 1)
        path = QPainterPath()
        for i, n in enumerate(weeks.tolist()):
            px = box.left() + i * step
            py = box.bottom() - (n / top) * box.height()
            if i == 0:
                path.moveTo(px, py)
            else:
                path.lineTo(px, py)
        pen = QPen(color)
        pen.setWidthF(1.2)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)


class ActorGallery(QWidget):
    """Search box, sort choice and the virtual list of cards.

    Signals
    -------
    sig_actor_requested(int)
        The user chose a card (click or Enter): the actor's id.
    """

    sig_actor_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = _GalleryModel()
        self._search = QLineEdit()
        self._search.setPlaceholderText("Find an actor by name, phone, account, wallet…")
        self._search.setClearButtonEnabled(True)
        self._sort = QComboBox()
        for key, label in SORTS:
            self._sort.addItem(label, key)
        self._count = plain_label()
        self._list = QListView()
        self._list.setObjectName("actorGallery")
        self._list.setModel(self._model)
        self._list.setItemDelegate(_CardDelegate(self._model, self._list))
        self._list.setUniformItemSizes(True)  # O(1) layout whatever the number of cards
        self._list.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self._list.setSelectionMode(QListView.SelectionMode.SingleSelection)
        # Narrow by design: the dock sits beside the timeline on a 1366-px laptop.
        for widget in (self._search, self._sort, self._list):
            widget.setMinimumWidth(60)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self._count, 1)
        bottom.addWidget(self._sort)
        column = QVBoxLayout(self)
        column.setContentsMargins(2, 2, 2, 2)
        column.addWidget(self._search)
        column.addLayout(bottom)
        column.addWidget(self._list, 1)
        self._search.textChanged.connect(self._on_search_text_changed)
        self._sort.currentIndexChanged.connect(self._on_sort_index_changed)
        self._list.clicked.connect(self._on_list_activated)
        self._list.activated.connect(self._on_list_activated)
        self._current: int | None = None
        self._show_count()

    # -- called by the controller; never emits -------------------------------------------
    def set_columns(self, columns: GalleryColumns) -> None:
        """Replace every card (a case opened, or its figures came)."""
        self._model.set_columns(columns)
        self._show_count()
        self.show_current(self._current)

    def set_cards(self, cards: Sequence[CardSummary]) -> None:
        """Replace every card with these few ready-made ones (tests, small tools)."""
        self._model.set_columns(columns_from_cards(cards))
        self._show_count()
        self.show_current(self._current)

    def set_marks(self, marks: Mapping[int, str]) -> None:
        """The user's tags and notes per actor id, one line each (shown on their cards)."""
        self._model.set_marks(marks)

    def mark_of(self, actor_id: int) -> str:
        """What :meth:`set_marks` gave for ``actor_id`` ("" when none)."""
        return self._model.mark(actor_id)

    def show_current(self, actor_id: int | None) -> None:
        """Mark and scroll to the card of ``actor_id`` (None: mark none)."""
        self._current = actor_id
        row = None if actor_id is None else self._model.row_of(actor_id)
        selection = self._list.selectionModel()
        selection.blockSignals(True)
        try:
            if row is None:
                self._list.clearSelection()
            else:
                index = self._model.index(row, 0)
                self._list.setCurrentIndex(index)
                self._list.scrollTo(index)
        finally:
            selection.blockSignals(False)
        self._list.viewport().update()

    def shown_ids(self) -> list[int]:
        """Actor ids of the cards listed, in order (for tests and the scripting surface)."""
        return [self._model.actor_at(r) for r in range(self._model.rowCount())]

    def set_query(self, text: str) -> None:
        """Type ``text`` into the search box (as the user would)."""
        self._search.setText(text)

    def list_view(self) -> QListView:
        """The list (for tests)."""
        return self._list

    # -- user input ------------------------------------------------------------------------
    def _on_search_text_changed(self, text: str) -> None:
        self._model.set_query(text)
        self._show_count()
        self.show_current(self._current)

    def _on_sort_index_changed(self, _i: int) -> None:
        self._model.set_sort(str(self._sort.currentData()))
        self.show_current(self._current)

    def _on_list_activated(self, index: QModelIndex) -> None:
        actor = index.data(_ACTOR_ROLE)
        if isinstance(actor, int):
            self._current = actor
            self.sig_actor_requested.emit(actor)

    def _show_count(self) -> None:
        shown, total = self._model.rowCount(), self._model.total()
        set_plain(self._count, f"{shown:,} of {total:,} actors" if shown != total
                  else f"{total:,} actors")
