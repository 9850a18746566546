"""The event table: millions of rows, sorted and filtered by the app, selected by the user.

:class:`EventTableView` wraps a ``QTableView`` over :class:`EventTableModel`. Rows have one
fixed height and never wrap, which is what lets Qt lay out 10^7 rows without asking the model
about each one. The view emits ``sig_*_requested`` only for what the user did (click, keys,
header click, hover); the ``show_*`` methods the controller calls never emit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QPoint,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from resources.entities import EntityRef
from widgets.event_table_model import (
    COLUMN_KEYS,
    COLUMNS,
    EVENT_ID_ROLE,
    ColumnSpec,
    EventTableData,
    EventTableModel,
    RowLookup,
)
from widgets.plain_text import plain_label, set_plain

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QModelIndex

__all__ = ["COLUMNS", "COLUMN_KEYS", "EVENT_ID_ROLE", "ColumnSpec", "EventTableData",
           "EventTableModel", "EventTableView", "TableSelection", "table_selection"]

#: Above this many runs of consecutive rows, show_selection() paints from a mask instead.
MAX_SELECTION_RANGES = 2_000

#: Starting widths from sample text, by column key; the user can drag them, Exhibit stretches.
_WIDTH_SAMPLES = {
    "time": "2024-10-27 02:30:00 CEST (UTC+02:00)",
    "kind": "customs detention",  # the longest kind Filature writes, as shown
    "actor": "an actor's pseudonym",
    "platform": "a platform name",
    "title": "a title of about this length, cut with an ellipsis…",
    "amount": "12,345.00 EUR",
    "exhibit": "an exhibit label",
}


def _sorted_unique(rows: np.ndarray) -> np.ndarray:
    """Sort and drop repeats (``np.unique`` hashes and is ~10x slower at 10^7 rows)."""
    rows = np.sort(rows)
    return rows[np.concatenate(([True], np.diff(rows) != 0))] if len(rows) else rows


def _runs(rows: np.ndarray, limit: int | None = None) -> list[tuple[int, int]] | None:
    """Rows as inclusive ``(first, last)`` runs of consecutive rows: one selection range each.

    None when there are more than ``limit`` runs (no list of 10^5 tuples is built for them).
    """
    if len(rows) == 0:
        return []
    rows = _sorted_unique(rows)
    breaks = np.flatnonzero(np.diff(rows) != 1)
    if limit is not None and len(breaks) + 1 > limit:
        return None
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]]))
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching inclusive ranges (a Ctrl-click can overlap a range)."""
    out: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


@dataclass(frozen=True, slots=True, eq=False)
class TableSelection:
    """The rows of a selection in one :class:`EventTableData`, worked out in advance.

    ``first`` is the row of the first of the ids asked for that is shown (scrolled to), or
    None; ``runs`` the inclusive runs of consecutive rows when there are at most
    :data:`MAX_SELECTION_RANGES`, else None and ``mask`` (one bool per row) is painted.
    """

    data: EventTableData
    first: int | None
    runs: list[tuple[int, int]] | None
    mask: np.ndarray | None


def table_selection(data: EventTableData, lookup: RowLookup, ids: np.ndarray) -> TableSelection:
    """The rows of ``ids`` (ids not shown are ignored) in ``data``; any thread.

    ``lookup`` is the model's :class:`RowLookup` of ``data``. At 10^7 rows the 376,270 events
    of one actor take ~0.1 s to find, sort into runs and mask: the app does it on a worker.
    """
    rows = lookup.rows_of(np.asarray(ids, dtype=np.int64))
    present = rows[rows >= 0]
    first = int(present[0]) if len(present) else None
    runs = _runs(present, MAX_SELECTION_RANGES)
    if runs is not None:
        return TableSelection(data, first, runs, None)
    mask = np.zeros(len(data.ids), dtype=bool)
    mask[present] = True
    return TableSelection(data, first, None, mask)


class EventTableView(QWidget):
    """A read-only, row-selecting table of events.

    Signals
    -------
    sig_selection_requested(frozenset)
        The ``EntityRef``s of the events the user selected (the first 10,000).
    sig_sort_requested(str, bool)
        The user clicked a column header: the column's key (``"time"``, ``"title"``…, see
        :data:`COLUMNS`; never the translated header text) and ascending.
    sig_hover_requested(object)
        Event id under the mouse, or ``None`` when it leaves the rows.
    sig_annotate_requested(str, int, str)
        From a row's context menu: tag (``"tag"``) or annotate (``"note"``) that event.
    """

    sig_selection_requested = Signal(object)
    sig_sort_requested = Signal(str, bool)
    sig_hover_requested = Signal(object)
    sig_annotate_requested = Signal(str, int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = EventTableModel(self)
        self._hovered: int | None = None
        table = self._table = QTableView(self)
        table.setObjectName("eventTable")
        table.setModel(self._model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setSortingEnabled(False)  # Qt would sort itself; the header click is ours
        table.setMouseTracking(True)
        table.viewport().setMouseTracking(True)  # "entered" for sig_hover_requested
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row size hints
        rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
        rows.setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never ToContents
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        metrics = table.fontMetrics()
        for key, sample in _WIDTH_SAMPLES.items():
            header.resizeSection(COLUMN_KEYS.index(key), metrics.horizontalAdvance(sample) + 16)

        header.sectionClicked.connect(self._on_header_clicked)
        self._model.sig_sort_requested.connect(self.sig_sort_requested)
        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        table.entered.connect(self._on_table_entered)
        table.viewportEntered.connect(self._on_table_left)
        table.viewport().installEventFilter(self)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_table_menu_requested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(table)
        # Over the empty rows while the events load: an empty table must not look "no events".
        self._notice = plain_label("", table.viewport())
        self._notice.setObjectName("tableNotice")
        self._notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._notice.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._notice.hide()

    # -- called by the controller; never emits -------------------------------------------
    def set_data(self, data: EventTableData) -> None:
        """Show new rows (a new order or filter); the selection is cleared silently."""
        with QSignalBlocker(self._table.selectionModel()):
            self._model.set_data(data)
        self._hovered = None
        self.show_notice(None)

    def show_notice(self, text: str | None) -> None:
        """A line over the rows (e.g. "Loading events…"); None removes it."""
        set_plain(self._notice, text or "")
        self._notice.setVisible(bool(text))
        self._place_notice()

    def notice(self) -> str:
        """The line shown over the rows ("" if none)."""
        return self._notice.text() if self._notice.isVisibleTo(self) else ""

    def _place_notice(self) -> None:
        self._notice.setGeometry(self._table.viewport().rect())

    def show_selection(self, selection: np.ndarray | TableSelection) -> bool:
        """Select the rows of ``ids`` (ids not shown are ignored) and scroll to the first.

        "First" is the first of ``ids`` that is in the table, so the caller decides what comes
        into view. Up to :data:`MAX_SELECTION_RANGES` runs of consecutive rows become a normal
        Qt selection; more (a timeline brush over scattered events) are painted from a mask in
        the model, because Qt's selection slows every repaint by its number of ranges. Nothing
        here emits: the selection model's signals are blocked, so the view repaints by hand.

        A :class:`TableSelection` made by :meth:`selection_builder` (on a worker) is shown as
        it is, unless it was made for rows no longer shown: then nothing changes (False).
        """
        if isinstance(selection, TableSelection):
            if selection.data is not self._model.table_data():
                return False
            chosen = selection
        else:
            chosen = table_selection(self._model.table_data(), self._model.row_lookup(),
                                     selection)
        qt_selection = QItemSelection()
        if chosen.runs is not None:
            self._model.set_marked(None, self._mark_brushes())
            last_column = len(COLUMNS) - 1
            for first, last in chosen.runs:
                qt_selection.select(self._model.index(first, 0),
                                    self._model.index(last, last_column))
        else:
            self._model.set_marked(chosen.mask, self._mark_brushes())
        selection_model = self._table.selectionModel()
        with QSignalBlocker(selection_model):
            # Clear, then add whole-row ranges without the Rows flag: Rows and ClearAndSelect
            # both make Qt compare range lists pairwise, minutes at 10^5 scattered rows.
            selection_model.clearSelection()
            selection_model.select(qt_selection, QItemSelectionModel.SelectionFlag.Select)
            if chosen.first is not None:
                current = self._model.index(chosen.first, 0)
                selection_model.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
        if chosen.first is not None:
            self._table.doItemsLayout()  # after a set_data the scroll range may be stale
            first = self._model.index(chosen.first, 0)
            if not self._table.viewport().rect().contains(self._table.visualRect(first)):
                # Brought in from another view: centre it, so its neighbours in time show too.
                self._table.scrollTo(first, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._table.viewport().update()
        return True

    def selection_lookup_ready(self) -> bool:
        """Whether ids can be found in the rows shown by a search alone.

        False until the first lookup after new rows has made its pass over every id
        (~15 ms at 10^7 rows; an argsort, ~1 s, in an order ids do not follow).
        """
        return self._model.row_lookup().prepared

    def selection_builder(self) -> Callable[[np.ndarray], TableSelection]:
        """A function making :meth:`show_selection`'s rows of ids for the rows shown now.

        It only reads arrays that are never modified, so any thread may call it.
        """
        data, lookup = self._model.table_data(), self._model.row_lookup()
        return lambda ids: table_selection(data, lookup, ids)

    def show_row_at_top(self, row: int) -> None:
        """Scroll so ``row`` is the first visible row (no selection change, no signal)."""
        n = self._model.rowCount()
        if n == 0:
            return
        index = self._model.index(min(max(int(row), 0), n - 1), 0)
        self._table.doItemsLayout()  # after a set_data the scroll range may be stale
        self._table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    def show_sort(self, column: str, ascending: bool) -> None:
        """Show the app's current order as the header's sort indicator (no emit).

        ``column`` is a column key (``"time"``…, as ``sig_sort_requested`` emits); an unknown
        key shows no indicator.
        """
        header = self._table.horizontalHeader()
        order = Qt.SortOrder.AscendingOrder if ascending else Qt.SortOrder.DescendingOrder
        section = COLUMN_KEYS.index(column) if column in COLUMN_KEYS else -1
        with QSignalBlocker(header):
            header.setSortIndicator(section, order)
        header.viewport().update()

    def selected_ids(self) -> np.ndarray:
        """Ids of the selected rows in display order, built from ranges (no per-row objects)."""
        marked = self._model.marked_rows()
        if marked is not None:
            return self._model.ids_at(marked)
        selection = self._table.selectionModel().selection()
        runs = _merged([(r.top(), r.bottom()) for r in selection])
        if not runs:
            return np.empty(0, dtype=np.int64)
        if len(runs) == 1:  # Ctrl+A on 10^7 rows: one slice, no index array
            return self._model.table_data().ids[runs[0][0] : runs[0][1] + 1].copy()
        rows = np.concatenate([np.arange(a, b + 1, dtype=np.int64) for a, b in runs])
        return self._model.ids_at(rows)

    def model(self) -> EventTableModel:
        """The table's model (for tests and for the controller's ``row_of``)."""
        return self._model

    def table(self) -> QTableView:
        """The inner ``QTableView`` (for tests and screenshots)."""
        return self._table

    # -- user input ------------------------------------------------------------------------
    def _on_header_clicked(self, section: int) -> None:
        # The header has already flipped its indicator (same column: reversed; new column:
        # ascending). Ask for that order; the app answers with set_data() and show_sort().
        header = self._table.horizontalHeader()
        order = header.sortIndicatorOrder() if header.sortIndicatorSection() == section else (
            Qt.SortOrder.AscendingOrder
        )
        self._model.sort(section, order)

    def _on_table_menu_requested(self, pos: QPoint) -> None:
        index = self._table.indexAt(pos)
        if not index.isValid():
            return
        event_id = self._model.id_at(index.row())
        menu = QMenu(self._table)
        menu.addAction(f"Tag event {event_id}…").triggered.connect(
            lambda: self.sig_annotate_requested.emit("event", event_id, "tag"))
        menu.addAction(f"Add a note to event {event_id}…").triggered.connect(
            lambda: self.sig_annotate_requested.emit("event", event_id, "note"))
        menu.popup(self._table.viewport().mapToGlobal(pos))

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        # The user's click replaces a large selection shown from the mask (Ctrl-click too).
        self._model.set_marked(None, self._mark_brushes())
        self.sig_selection_requested.emit(EntityRef.events(self.selected_ids()))

    def _mark_brushes(self) -> tuple[QBrush, QBrush]:
        palette = self._table.palette()
        return (palette.brush(QPalette.ColorRole.Highlight),
                palette.brush(QPalette.ColorRole.HighlightedText))

    def _on_table_entered(self, index: QModelIndex) -> None:
        self._set_hover(int(index.data(EVENT_ID_ROLE)) if index.isValid() else None)

    def _on_table_left(self) -> None:
        self._set_hover(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Report the end of a hover when the mouse leaves the rows; keep the notice centred."""
        if watched is self._table.viewport():
            if event.type() == QEvent.Type.Leave:
                self._set_hover(None)
            elif event.type() == QEvent.Type.Resize:
                self._place_notice()
        return super().eventFilter(watched, event)

    def _set_hover(self, event_id: int | None) -> None:
        if event_id != self._hovered:
            self._hovered = event_id
            self.sig_hover_requested.emit(event_id)
