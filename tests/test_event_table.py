"""Event table: a virtual model over numpy columns, and a view that only emits for the user."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QModelIndex, QPoint, Qt, QTranslator

from resources.entities import EntityRef
from tests.factories import make_case
from tests.windows import open_and_wait
from widgets.event_table import (
    COLUMN_KEYS,
    COLUMNS,
    EVENT_ID_ROLE,
    EventTableData,
    EventTableView,
)
from widgets.event_table_model import (
    CACHE_PAGES,
    PAGE_ROWS,
    TR_CONTEXT,
    UNAVAILABLE,
    EventTableModel,
)
from widgets.plain_text import visible
from widgets.timefmt import format_both, format_instant

HOSTILE = '<img src="/dev/zero"><b>Boss</b>\u202egnp.exe & co\u200b'
T0 = 1_729_990_000_000_000  # 2024-10-27 00:46:40 UTC: around the Paris DST fall-back
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


class Fetcher:
    """A ``fetch_text`` that records each call (the ids of one page)."""

    def __init__(self, titles: dict[int, str] | None = None) -> None:
        self.calls: list[np.ndarray] = []
        self.titles = titles or {}

    def __call__(self, ids: np.ndarray) -> dict[int, tuple[str, ...]]:
        self.calls.append(ids.copy())
        return {
            int(i): (self.titles.get(int(i), f"title {i}"), f"{i}.00 EUR", f"EXH-{i % 3}")
            for i in ids
        }

    def pages(self) -> list[int]:
        """First id of each fetched page (ids equal rows in :func:`make_data`)."""
        return [int(c[0]) for c in self.calls]


def make_data(n: int, fetch: Fetcher | None = None, ids: np.ndarray | None = None,
              zone: str = "Europe/Paris") -> EventTableData:
    ids = np.arange(n, dtype=np.int64) if ids is None else ids
    return EventTableData(
        ids=ids,
        ts=T0 + ids * 1_000_000,
        kind=(ids % 3).astype(np.uint8),
        kind_names=("message", "payment", "shipment"),
        actor=np.where(ids % 5 == 4, -1, ids % 5),
        actor_names={0: "Alice", 1: HOSTILE, 2: "Carol"},  # actor 3 has no name
        platform=ids % 2,
        platform_names={0: "Telegram", 1: "Wickr"},
        fetch_text=fetch or Fetcher(),
        time_zone=zone,
    )


@pytest.fixture
def model() -> EventTableModel:
    m = EventTableModel()
    m.set_data(make_data(1000))
    return m


def cell(m: EventTableModel, row: int, column: str, role: int = DISPLAY) -> object:
    return m.data(m.index(row, COLUMN_KEYS.index(column)), role)


@pytest.mark.parametrize("rows", [0, 1, 3 * PAGE_ROWS + 7])
def test_model_passes_qt_model_tester(qtmodeltester, rows: int) -> None:
    m = EventTableModel()
    m.set_data(make_data(1000))
    cell(m, 999, "title")  # a page in the cache, then replaced by a reset
    m.set_data(make_data(rows) if rows else EventTableData.empty())
    qtmodeltester.check(m, force_py=True)
    m.set_data(make_data(5))  # a reset while the tester still watches the signals
    assert cell(m, 4, "title") == "title 4"


def test_rows_are_all_there_and_virtual(model: EventTableModel) -> None:
    assert model.rowCount() == 1000
    assert model.columnCount() == len(COLUMNS)
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Time"
    assert model.headerData(6, Qt.Orientation.Horizontal) == "Exhibit"


def test_cells_per_role(model: EventTableModel) -> None:
    assert cell(model, 2, "time") == format_instant(T0 + 2_000_000, "Europe/Paris")
    assert "(UTC+0" in str(cell(model, 2, "time"))  # the offset is always shown
    assert cell(model, 2, "time", TOOLTIP) == format_both(T0 + 2_000_000, "Europe/Paris",
                                                          micro=True)
    assert cell(model, 1, "kind") == "payment"
    assert cell(model, 0, "actor") == "Alice"
    assert cell(model, 3, "actor") == "#3"  # no name: the id, never blank
    assert cell(model, 4, "actor") == ""  # -1: no actor
    assert cell(model, 1, "platform") == "Wickr"
    assert cell(model, 7, "title") == "title 7"
    assert cell(model, 7, "amount") == "7.00 EUR"
    assert cell(model, 7, "exhibit") == "EXH-1"
    alignment = cell(model, 7, "amount", Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & Qt.AlignmentFlag.AlignRight
    assert cell(model, 7, "title", EVENT_ID_ROLE) == 7
    assert cell(model, 7, "title", Qt.ItemDataRole.DecorationRole) is None
    assert model.data(QModelIndex(), DISPLAY) is None


def test_zero_time_is_not_set_not_1970() -> None:
    m = EventTableModel()
    m.set_data(replace(make_data(3), ts=np.array([0, T0, T0], dtype=np.int64)))
    assert cell(m, 0, "time") == "not set"


def test_hostile_strings_are_displayed_literally() -> None:
    fetch = Fetcher({5: HOSTILE, 6: "line one\nline two"})
    m = EventTableModel()
    m.set_data(make_data(10, fetch))
    assert cell(m, 5, "title") == visible(HOSTILE)
    assert "⟨U+202E⟩" in str(cell(m, 5, "title"))
    assert cell(m, 1, "actor") == visible(HOSTILE)
    tip = str(cell(m, 5, "title", TOOLTIP))
    assert "<img" not in tip and "&lt;img" in tip
    # Rows have one fixed height: a line break is shown, not allowed to hide the rest.
    assert cell(m, 6, "title") == "line one⏎line two"


def test_text_comes_from_a_page_cache() -> None:
    fetch = Fetcher()
    m = EventTableModel()
    m.set_data(make_data(10 * PAGE_ROWS, fetch))
    assert fetch.calls == []  # set_data fetches nothing
    for row in range(PAGE_ROWS):
        for column in ("title", "amount", "exhibit"):
            cell(m, row, column)
            cell(m, row, column, TOOLTIP)
    assert len(fetch.calls) == 1
    np.testing.assert_array_equal(fetch.calls[0], np.arange(PAGE_ROWS))
    cell(m, PAGE_ROWS + 3, "title")
    cell(m, 5, "title")
    assert fetch.pages() == [0, PAGE_ROWS]
    cell(m, 0, "time")
    cell(m, 9 * PAGE_ROWS, "kind")  # array columns never fetch
    assert len(fetch.calls) == 2


def test_page_cache_is_bounded_lru() -> None:
    fetch = Fetcher()
    m = EventTableModel()
    m.set_data(make_data((CACHE_PAGES + 10) * PAGE_ROWS, fetch))
    for page in range(CACHE_PAGES + 10):
        cell(m, page * PAGE_ROWS, "title")
        cell(m, 0, "title")  # page 0 stays recently used
    assert len(m.cached_pages()) == CACHE_PAGES
    assert 0 in m.cached_pages() and 1 not in m.cached_pages()
    calls = len(fetch.calls)
    cell(m, PAGE_ROWS, "title")  # evicted: fetched again
    assert len(fetch.calls) == calls + 1


def test_failed_fetch_shows_unavailable_once(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def broken(ids: np.ndarray) -> dict[int, tuple[str, ...]]:
        calls.append(len(ids))
        raise RuntimeError("database disk image is malformed")

    m = EventTableModel()
    m.set_data(make_data(5, fetch=broken))  # type: ignore[arg-type]
    assert cell(m, 0, "title") == UNAVAILABLE
    assert cell(m, 4, "exhibit") == UNAVAILABLE
    assert calls == [5]  # a repaint does not raise again
    assert "could not be read: database disk image is malformed" in caplog.text
    assert "Traceback" not in caplog.text  # one line, not a traceback


def test_row_of_and_id_at() -> None:
    rng = np.random.default_rng(7)
    ids = rng.permutation(np.arange(100, 1100, dtype=np.int64))
    m = EventTableModel()
    m.set_data(make_data(1000, ids=ids))
    for row in (0, 1, 499, 999):
        assert m.id_at(row) == ids[row]
        assert m.row_of(int(ids[row])) == row
    assert m.row_of(5) is None
    assert m.row_of(2000) is None
    np.testing.assert_array_equal(m.rows_of(np.array([ids[3], 7, ids[9]])), [3, -1, 9])
    with pytest.raises(IndexError):
        m.id_at(1000)
    with pytest.raises(IndexError):
        m.id_at(-1)
    m.set_data(EventTableData.empty())
    assert m.row_of(100) is None


@pytest.mark.parametrize("ids", [np.arange(10, 60, 2), np.arange(60, 10, -2), np.array([42])])
def test_row_of_sorted_ids_needs_no_argsort(ids: np.ndarray) -> None:
    m = EventTableModel()
    m.set_data(make_data(len(ids), ids=ids.astype(np.int64)))
    for row, event_id in enumerate(ids.tolist()):
        assert m.row_of(event_id) == row
    for missing in (0, 11, 61, 1000, -5):
        assert m.row_of(missing) is None


def test_sort_is_requested_not_performed(qtbot, model: EventTableModel) -> None:
    with qtbot.waitSignal(model.sig_sort_requested) as blocker:
        model.sort(COLUMN_KEYS.index("amount"), Qt.SortOrder.DescendingOrder)
    assert blocker.args == ["amount", False]
    assert model.id_at(0) == 0 and model.id_at(999) == 999


def test_mismatched_columns_are_refused() -> None:
    data = make_data(3)
    with pytest.raises(ValueError, match="ts"):
        EventTableData(data.ids, data.ts[:2], data.kind, data.kind_names, data.actor,
                       data.actor_names, data.platform, data.platform_names, data.fetch_text,
                       "UTC")


# -- the view -----------------------------------------------------------------------------
@pytest.fixture
def view(qtbot) -> EventTableView:
    v = EventTableView()
    qtbot.addWidget(v)
    v.resize(900, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_million_rows_set_and_scroll_without_per_row_work(qtbot, view: EventTableView) -> None:
    n = 1_000_000
    fetch = Fetcher()
    data = make_data(n, fetch)
    started = time.perf_counter()
    view.set_data(data)
    view.table().scrollToBottom()
    view.grab()  # paint now
    elapsed = time.perf_counter() - started
    assert view.model().rowCount() == n
    assert elapsed < 1.0, f"set_data + scroll to bottom took {elapsed:.2f} s"
    last_page = (n - 1) // PAGE_ROWS * PAGE_ROWS
    assert last_page in fetch.pages()
    assert len(fetch.calls) <= 4  # only the pages shown (first paint and bottom)
    assert view.table().rowAt(view.table().viewport().height() - 2) == n - 1


def test_show_selection_never_emits_and_scrolls(qtbot, view: EventTableView) -> None:
    view.set_data(make_data(5000))
    with qtbot.assertNotEmitted(view.sig_selection_requested):
        view.show_selection(np.array([4000, 4001, 4002, 17, 99_999], dtype=np.int64))
    np.testing.assert_array_equal(view.selected_ids(), [17, 4000, 4001, 4002])
    table = view.table()
    first = table.visualRect(view.model().index(4000, 0))
    assert table.viewport().rect().intersects(first)  # scrolled to the first id given
    with qtbot.assertNotEmitted(view.sig_selection_requested):
        view.show_selection(np.empty(0, dtype=np.int64))
        view.set_data(make_data(10))
    assert len(view.selected_ids()) == 0


def test_large_scattered_selection_is_painted_from_a_mask(qtbot, view: EventTableView) -> None:
    n = 100_000
    view.set_data(make_data(n))
    ids = np.arange(7, n, 2, dtype=np.int64)  # ~50,000 runs of one row: too many Qt ranges
    started = time.perf_counter()
    with qtbot.assertNotEmitted(view.sig_selection_requested):
        view.show_selection(ids)
        view.grab()
    assert time.perf_counter() - started < 1.0
    np.testing.assert_array_equal(view.selected_ids(), ids)
    m = view.model()
    assert cell(m, 7, "kind", Qt.ItemDataRole.BackgroundRole) is not None
    assert cell(m, 8, "kind", Qt.ItemDataRole.BackgroundRole) is None
    table = view.table()
    assert table.viewport().rect().intersects(table.visualRect(m.index(7, 0)))
    # A click replaces it with the user's own selection.
    rect = table.visualRect(m.index(8, 0))
    with qtbot.waitSignal(view.sig_selection_requested) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[0] == EntityRef.events([8])
    assert cell(m, 7, "kind", Qt.ItemDataRole.BackgroundRole) is None


def test_user_click_requests_selection(qtbot, view: EventTableView) -> None:
    view.set_data(make_data(50, ids=np.arange(1000, 1050, dtype=np.int64)))
    table = view.table()
    rect = table.visualRect(view.model().index(3, COLUMN_KEYS.index("title")))
    with qtbot.waitSignal(view.sig_selection_requested) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[0] == EntityRef.events([1003])
    with qtbot.waitSignal(view.sig_selection_requested) as blocker:
        qtbot.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(blocker.args[0]) == 50


def test_header_click_requests_sort_and_show_sort_is_silent(qtbot, view: EventTableView) -> None:
    view.set_data(make_data(20))
    header = view.table().horizontalHeader()
    x = header.sectionViewportPosition(COLUMN_KEYS.index("actor")) + 5
    with qtbot.waitSignal(view.sig_sort_requested) as blocker:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert blocker.args == ["actor", True]
    with qtbot.waitSignal(view.sig_sort_requested) as blocker:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert blocker.args == ["actor", False]
    assert view.model().id_at(0) == 0  # nothing was sorted in Qt
    with qtbot.assertNotEmitted(view.sig_sort_requested):
        view.show_sort("time", ascending=False)
    assert header.sortIndicatorSection() == 0
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_columns_have_stable_keys_apart_from_their_labels() -> None:
    assert COLUMN_KEYS == ("time", "kind", "actor", "platform", "title", "amount", "exhibit",
                           "tags")
    assert [c.label for c in COLUMNS] == ["Time", "Kind", "Actor", "Platform", "Title",
                                          "Amount", "Exhibit", "Tags"]


FRENCH = {"Time": "Heure", "Title": "Titre", "Exhibit": "Scellé"}


class FrenchHeaders(QTranslator):
    """A translator for some of the table's labels (:data:`FRENCH`), without a ``.qm`` file."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        return FRENCH.get(source) if context == TR_CONTEXT else None  # None: not mine

    def isEmpty(self) -> bool:
        return False


@pytest.fixture
def french(qapp):
    translator = FrenchHeaders()
    assert QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_a_translated_header_sorts_by_the_same_key(qtbot, french, view: EventTableView) -> None:
    """The header shows the label in the user's language; sorting still speaks in keys."""
    view.set_data(make_data(20))
    model = view.model()
    title = COLUMN_KEYS.index("title")
    assert model.headerData(title, Qt.Orientation.Horizontal) == "Titre"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Heure"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Kind"  # no translation: English
    header = view.table().horizontalHeader()
    x = header.sectionViewportPosition(title) + 5
    with qtbot.waitSignal(view.sig_sort_requested) as blocker:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert blocker.args == ["title", True]
    view.show_sort("title", ascending=False)
    assert header.sortIndicatorSection() == title
    view.show_sort("Titre", ascending=True)  # a label is not a key: no indicator
    assert header.sortIndicatorSection() == -1


def test_the_app_sorts_by_every_column_key(window, qtbot, tmp_path) -> None:
    """Each key the table emits is one the controller sorts by (numpy or SQL)."""
    case = make_case(tmp_path / "sort.filature", events=30)
    open_and_wait(window, qtbot, case)
    model = window.table.model()
    header = window.table.table().horizontalHeader()
    in_time_order = model.table_data().ids.copy()
    descending = Qt.SortOrder.DescendingOrder
    for section, key in enumerate(COLUMN_KEYS):
        with qtbot.waitSignal(window.table.sig_sort_requested) as blocker:
            model.sort(section, descending)
        assert blocker.args == [key, False]
        qtbot.waitUntil(lambda s=section: header.sortIndicatorSection() == s
                        and header.sortIndicatorOrder() == descending, timeout=5_000)
        shown = model.table_data().ids
        assert sorted(shown.tolist()) == sorted(in_time_order.tolist()), key
        if key == "time":
            assert shown.tolist() == in_time_order[::-1].tolist()
        if key == "title":  # "video call #4" is the last title, whatever the locale
            assert model.data(model.index(0, section)) == "video call #4"


def test_hover_requests_the_event_under_the_mouse(qtbot, view: EventTableView) -> None:
    view.set_data(make_data(30, ids=np.arange(500, 530, dtype=np.int64)))
    table = view.table()
    rect = table.visualRect(view.model().index(2, 1))
    with qtbot.waitSignal(view.sig_hover_requested) as blocker:
        qtbot.mouseMove(table.viewport(), rect.center())
    assert blocker.args == [502]
