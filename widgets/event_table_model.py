"""A virtual table model over the case's events, however many there are.

The app hands over numpy columns already sorted and filtered (:class:`EventTableData`); the
model never copies them into Qt and never builds a Python object per row. ``rowCount()`` is
every row at once: with fixed row heights a ``QTableView`` only asks ``data()`` for the rows on
screen, so 10 million rows cost no more than 100.

Cheap columns (time, kind, actor, platform) are read straight from the arrays by row. The
text columns (title, amount, exhibit label) live in the case file and would cost too much
memory to hold for every row: they are fetched a page of :data:`PAGE_ROWS` rows at a time
through ``fetch_text`` and kept in a small LRU cache, so scrolling asks for each page once.

Sorting is not done here: ``sort()`` only emits :attr:`EventTableModel.sig_sort_requested`,
the app re-sorts in numpy/SQL and calls :meth:`EventTableModel.set_data` with the new order.
Sorting speaks in each column's stable :attr:`ColumnSpec.key` (``"time"``, ``"title"``…), never
in its header text, which is translated.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from widgets.labels import vocab_label
from widgets.plain_text import tooltip_text, visible
from widgets.timefmt import format_both, format_instant

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_log = logging.getLogger(__name__)

# Translation context of the column labels, spelled out in each QT_TRANSLATE_NOOP below
# because lupdate reads literals only (and "#:" comments would reach the translators).
TR_CONTEXT = "EventTable"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of the table: a stable key for the program, a label for the reader.

    ``key`` is what ``sig_sort_requested`` emits, what ``show_sort`` takes and what the app
    sorts by (in numpy, or ``storage.reads.event_queries.ids_ordered_by``). ``label`` is the
    English source text of the header, translated (context :data:`TR_CONTEXT`) each time the
    header asks for it, so a French interface changes the header and nothing else.
    """

    key: str
    label: str

    def header_text(self) -> str:
        """The header text in the user's language (the label itself without a translation)."""
        return QCoreApplication.translate(TR_CONTEXT, self.label)


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("time", QT_TRANSLATE_NOOP("EventTable", "Time")),
    ColumnSpec("kind", QT_TRANSLATE_NOOP("EventTable", "Kind")),
    ColumnSpec("actor", QT_TRANSLATE_NOOP("EventTable", "Actor")),
    ColumnSpec("platform", QT_TRANSLATE_NOOP("EventTable", "Platform")),
    ColumnSpec("title", QT_TRANSLATE_NOOP("EventTable", "Title")),
    ColumnSpec("amount", QT_TRANSLATE_NOOP("EventTable", "Amount")),
    ColumnSpec("exhibit", QT_TRANSLATE_NOOP("EventTable", "Exhibit")),
    ColumnSpec("tags", QT_TRANSLATE_NOOP("EventTable", "Tags")),
)
#: The columns' keys in display order: ``COLUMN_KEYS.index("title")`` is the Title column.
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
TIME, KIND, ACTOR, PLATFORM, TITLE, AMOUNT, EXHIBIT, TAGS = range(len(COLUMNS))
_TEXT_COLUMNS = (TITLE, AMOUNT, EXHIBIT)  # positions in the fetch_text tuple, in this order

#: Rows per ``fetch_text`` call, and pages kept (64 × 256 ≈ 16k rows of text in memory).
PAGE_ROWS = 256
CACHE_PAGES = 64
#: A cell shows at most this much of a value; the tooltip shows more, the inspector all of it.
CELL_LIMIT = 300
#: ``data(index, EVENT_ID_ROLE)`` is the event id of that row (an ``int``).
EVENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
UNAVAILABLE = "⚠ text unavailable"

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def cell_text(value: object) -> str:
    """One-line display form of an evidence string for a table cell.

    The table has fixed row heights and no word wrap, so a line break would hide whatever
    follows it: it is shown as ``⏎`` instead. Everything else is :func:`visible`.
    """
    return visible(value, limit=CELL_LIMIT).replace("\r\n", "⏎").replace("\n", "⏎")


def _no_text(ids: np.ndarray) -> Mapping[int, tuple[str, ...]]:
    return {}


@dataclass(frozen=True, slots=True)
class EventTableData:
    """The rows to show, as parallel numpy columns in display order.

    ``ids``, ``ts``, ``kind``, ``actor`` and ``platform`` have one entry per row; ``ts`` is
    int64 microseconds UTC (0 = not set); ``actor``/``platform`` use -1 for "none".
    ``fetch_text`` maps the ids of one page to ``{id: (title, amount, exhibit label)}``; it is
    called synchronously on the GUI thread, so it must stay around a millisecond per page.
    ``marks``/``actor_marks``: the user's tags and notes as one line, for the annotated
    events and actors only (hundreds, not millions).
    """

    ids: np.ndarray
    ts: np.ndarray
    kind: np.ndarray
    kind_names: tuple[str, ...]
    actor: np.ndarray
    actor_names: Mapping[int, str]
    platform: np.ndarray
    platform_names: Mapping[int, str]
    fetch_text: Callable[[np.ndarray], Mapping[int, tuple[str, ...]]]
    time_zone: str
    marks: Mapping[int, str] = field(default_factory=dict)
    actor_marks: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("ts", "kind", "actor", "platform"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"EventTableData.{name} has {len(getattr(self, name))} rows, "
                                 f"ids has {n}")

    @classmethod
    def empty(cls) -> EventTableData:
        """No rows: what the table shows before a case is open."""
        none = np.empty(0, dtype=np.int64)
        return cls(none, none, np.empty(0, dtype=np.uint8), (), none, {}, none, {},
                   _no_text, "UTC")


class _Page:
    """Fetched text of one page: originals (for tooltips) and display forms made on demand."""

    __slots__ = ("raw", "shown")

    def __init__(self, raw: list[tuple[str, ...]]) -> None:
        self.raw = raw
        self.shown: dict[int, str] = {}


class RowLookup:
    """Event id → row in one :class:`EventTableData`'s order.

    Ids in ascending or descending order (ids often follow time) are searched directly, and
    ids without gaps (1..n, what Filature writes) need no search at all; otherwise an argsort
    of ``ids`` is built on the first lookup, not in ``set_data``, because at 10^7 rows it
    takes about a second and many orders are never searched. Any thread may look up: the
    lazy step only ever stores the same answer, and the arrays are never modified.
    """

    def __init__(self, ids: np.ndarray) -> None:
        self._ids = ids
        self._order: tuple[Literal["ascending", "descending", "other"], bool] | None = None
        self._sorter: np.ndarray | None = None

    @property
    def prepared(self) -> bool:
        """Whether the first lookup's pass over every id (or its argsort) is done."""
        return self._order is not None

    def _prepare(self) -> tuple[Literal["ascending", "descending", "other"], bool]:
        if self._order is None:
            ids, n = self._ids, len(self._ids)
            if bool(np.all(ids[1:] > ids[:-1])):
                order = ("ascending", abs(int(ids[-1]) - int(ids[0])) == n - 1)
            elif bool(np.all(ids[1:] < ids[:-1])):
                order = ("descending", abs(int(ids[-1]) - int(ids[0])) == n - 1)
            else:
                self._sorter = np.argsort(ids)
                order = ("other", False)
            self._order = order  # last: another thread reads it as "prepared"
        return self._order  # type: ignore[return-value]

    def rows_of(self, event_ids: np.ndarray) -> np.ndarray:
        """Rows of many event ids at once; -1 where an id is not shown."""
        ids = self._ids
        wanted = np.asarray(event_ids, dtype=np.int64)
        n = len(ids)
        if n == 0 or len(wanted) == 0:
            return np.full(len(wanted), -1, dtype=np.int64)
        order, dense = self._prepare()
        if dense:
            rows = wanted - ids[0] if order == "ascending" else ids[0] - wanted
            return np.where((rows >= 0) & (rows < n), rows, -1).astype(np.int64)
        if order == "ascending":
            rows = np.minimum(np.searchsorted(ids, wanted), n - 1)
        elif order == "descending":
            rows = n - 1 - np.minimum(np.searchsorted(ids[::-1], wanted), n - 1)
        else:
            assert self._sorter is not None
            pos = np.minimum(np.searchsorted(ids, wanted, sorter=self._sorter), n - 1)
            rows = self._sorter[pos]
        rows = rows.astype(np.int64)
        return np.where(ids[rows] == wanted, rows, -1)


class EventTableModel(QAbstractTableModel):
    """Read-only model of :data:`COLUMNS` over an :class:`EventTableData`."""

    sig_sort_requested = Signal(str, bool)  # column key (ColumnSpec.key), ascending

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._data = EventTableData.empty()
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._names: dict[tuple[int, int], str] = {}  # (column, id) -> cell text
        self._lookup = RowLookup(self._data.ids)
        self._marked: np.ndarray | None = None  # bool per row, see set_marked()
        self._mark_brushes: tuple[QBrush, QBrush] = (QBrush(), QBrush())

    # -- called by the view / the app ----------------------------------------------------
    def set_data(self, data: EventTableData) -> None:
        """Show ``data``; views lose their selection (rows now mean other events)."""
        self.beginResetModel()
        self._data = data
        self._pages.clear()
        self._names.clear()
        self._lookup = RowLookup(data.ids)
        self._marked = None
        self.endResetModel()

    def set_marked(self, rows: np.ndarray | None, brushes: tuple[QBrush, QBrush]) -> None:
        """Paint ``rows`` as selected, with ``(background, text)`` brushes; None unmarks.

        ``rows`` may also be a boolean mask with one entry per row (it is not copied).

        For selections of many scattered rows: Qt's selection model checks every range for
        every painted cell, so 10^5 ranges make each repaint take seconds. A boolean mask
        answers in O(1). The view decides which of the two to use.
        """
        if rows is None:
            if self._marked is None:
                return
            self._marked = None
        elif rows.dtype == np.bool_ and len(rows) == len(self._data.ids):
            self._marked = rows  # a mask made in advance (on a worker): taken as it is
        else:
            mask = np.zeros(len(self._data.ids), dtype=bool)
            mask[np.asarray(rows, dtype=np.int64)] = True
            self._marked = mask
        self._mark_brushes = brushes
        if len(self._data.ids):
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._data.ids) - 1, len(COLUMNS) - 1),
                                  [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole])

    def marked_rows(self) -> np.ndarray | None:
        """Rows painted by :meth:`set_marked` (ascending), or None when nothing is marked."""
        return None if self._marked is None else np.flatnonzero(self._marked)

    def table_data(self) -> EventTableData:
        """The data currently shown."""
        return self._data

    def id_at(self, row: int) -> int:
        """Event id shown in ``row``; ``IndexError`` outside ``0 <= row < rowCount()``."""
        if not 0 <= row < len(self._data.ids):
            raise IndexError(f"row {row} out of range")
        return int(self._data.ids[row])

    def ids_at(self, rows: np.ndarray) -> np.ndarray:
        """Event ids of many rows at once (vectorised)."""
        return self._data.ids[np.asarray(rows, dtype=np.int64)]

    def row_of(self, event_id: int) -> int | None:
        """Row showing ``event_id``, or None when it is filtered out; O(log n)."""
        rows = self.rows_of(np.asarray([event_id], dtype=np.int64))
        return int(rows[0]) if rows[0] >= 0 else None

    def rows_of(self, event_ids: np.ndarray) -> np.ndarray:
        """Rows of many event ids at once; -1 where an id is not shown (see RowLookup)."""
        return self._lookup.rows_of(event_ids)

    def row_lookup(self) -> RowLookup:
        """The id → row lookup of the rows shown now (any thread may use it)."""
        return self._lookup

    def cached_pages(self) -> list[int]:
        """Page numbers whose text is cached, oldest first (for tests and diagnostics)."""
        return list(self._pages)

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Every row: the model is virtual, the view only asks for rows on screen."""
        return 0 if parent.isValid() else len(self._data.ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """The fixed :data:`COLUMNS`."""
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """O(1) per cell: array columns by row, text columns from the page cache."""
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() == AMOUNT else _LEFT
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            if self._marked is None or not self._marked[index.row()]:
                return None
            return self._mark_brushes[role == Qt.ItemDataRole.ForegroundRole]
        if role == EVENT_ID_ROLE:
            return int(self._data.ids[index.row()])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column labels (translated); rows are numbered from 1 in display order."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section].header_text() if 0 <= section < len(COLUMNS) else None
        return f"{section + 1:,}"

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask the app to re-sort by the column's key; 10^7 rows belong in numpy/SQL, not Qt."""
        if 0 <= column < len(COLUMNS):
            self.sig_sort_requested.emit(COLUMNS[column].key,
                                         order == Qt.SortOrder.AscendingOrder)

    # -- cells -------------------------------------------------------------------------------
    def _display(self, row: int, column: int) -> str:
        d = self._data
        if column == TIME:
            return format_instant(int(d.ts[row]), d.time_zone)
        if column == KIND:
            return self._name(KIND, int(d.kind[row]))
        if column == ACTOR:
            return self._name(ACTOR, int(d.actor[row]))
        if column == PLATFORM:
            return self._name(PLATFORM, int(d.platform[row]))
        if column == TAGS:
            return cell_text(self._marks(row))
        page = self._page(row // PAGE_ROWS)
        offset = row % PAGE_ROWS
        key = offset * len(COLUMNS) + column
        shown = page.shown.get(key)
        if shown is None:
            shown = page.shown[key] = cell_text(page.raw[offset][_TEXT_COLUMNS.index(column)])
        return shown

    def _tooltip(self, row: int, column: int) -> str:
        d = self._data
        if column == TIME:
            return format_both(int(d.ts[row]), d.time_zone, micro=True)
        if column == KIND:
            return tooltip_text(self._original(KIND, int(d.kind[row])))
        if column in (ACTOR, PLATFORM):
            ref = int((d.actor if column == ACTOR else d.platform)[row])
            if ref < 0:
                return ""
            return tooltip_text(f"{self._original(column, ref)}\n#{ref}")
        if column == TAGS:
            return tooltip_text(self._marks(row))
        page = self._page(row // PAGE_ROWS)
        return tooltip_text(page.raw[row % PAGE_ROWS][_TEXT_COLUMNS.index(column)])

    def _marks(self, row: int) -> str:
        """The event's own tags and notes, then its actor's (labelled, they are not the same)."""
        d = self._data
        own = d.marks.get(int(d.ids[row]), "")
        actor = int(d.actor[row])
        theirs = d.actor_marks.get(actor, "") if actor >= 0 else ""
        if theirs:
            theirs = f"actor: {theirs}"
        return " | ".join(p for p in (own, theirs) if p)

    def _original(self, column: int, key: int) -> str:
        d = self._data
        if column == KIND:
            return d.kind_names[key] if 0 <= key < len(d.kind_names) else f"kind {key}"
        if key < 0:
            return ""
        names = d.actor_names if column == ACTOR else d.platform_names
        name = names.get(key)
        return f"#{key}" if name is None else name

    def _name(self, column: int, key: int) -> str:
        """Display form of a kind/actor/platform name, memoised: names repeat on every row."""
        shown = self._names.get((column, key))
        if shown is None:
            original = self._original(column, key)
            shown = cell_text(vocab_label(original) if column == KIND else original)
            self._names[(column, key)] = shown
        return shown

    def _page(self, number: int) -> _Page:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        ids = self._data.ids[number * PAGE_ROWS : (number + 1) * PAGE_ROWS]
        blank = ("", "", "")
        try:
            texts = self._data.fetch_text(ids)
            raw = [_three(texts.get(i, blank)) for i in ids.tolist()]
        except Exception as exc:
            # A damaged case must not make every repaint raise again: the page is kept as
            # "unavailable" until the next set_data().
            _log.warning("the text of rows %d.. could not be read: %s", number * PAGE_ROWS, exc)
            raw = [(UNAVAILABLE,) * 3] * len(ids)
        page = self._pages[number] = _Page(raw)
        while len(self._pages) > CACHE_PAGES:
            self._pages.popitem(last=False)
        return page


def _three(values: tuple[str, ...]) -> tuple[str, ...]:
    """Pad or cut a fetched tuple to (title, amount, exhibit); ``None`` becomes ``""``."""
    out = tuple("" if v is None else str(v) for v in tuple(values)[:3])
    return out + ("",) * (3 - len(out))
