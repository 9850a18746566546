"""The main window's views follow one shared state: select, filter or zoom in one, all follow.

Each test opens a small factory case in a real ``MainWindow`` with the thread-pool runner (as
the app runs) and drives it through the views' own input: mouse clicks on the timeline and the
table, the filter bar's request signal, the public scripting surface.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from app.deep_link import DeepLink, parse_range
from app.state import EntityRef, Filters
from tests.factories import STEP, T0, make_case
from tests.windows import open_and_wait
from widgets.filter_bar import FilterChoice

if TYPE_CHECKING:
    from pathlib import Path

    from widgets.timeline import TimelineView

EVENTS = 40
HOSTILE_ACTOR = '<img src="http://evil.example/x.png"><b>Boss</b>'
HOSTILE_TITLE = '<a href="http://evil.example">click me</a> &amp; <script>alert(1)</script>'


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "linked.filature", events=EVENTS)


def timeline_point(view: TimelineView, event_id: int) -> QPoint:
    """Viewport position of an event's marker (ids are positions + 1 in factory cases)."""
    data = view.data
    row = int(np.flatnonzero(data.ids == event_id)[0])
    layout = view.layout_rows
    lane = int(data.lane[row])
    y = layout.y0[lane] + layout.height[lane] * 0.5
    x = (int(data.ts[row]) - int(data.ts[0])) * 1e-6
    scene = view.plot.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
    return view.plot.mapFromScene(scene)


def test_click_in_timeline_selects_in_table_and_inspector(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    target = 7
    ts = T0 + (target - 1) * STEP
    window.set_visible_range(ts - STEP // 2, ts + STEP // 2)  # only this event in view
    assert window.timeline.render_stats()["mode"] == "detail"
    with qtbot.waitSignal(window.state.sig_selection_changed, timeout=5_000):
        QTest.mouseClick(window.timeline.plot.viewport(), Qt.MouseButton.LeftButton,
                         pos=timeline_point(window.timeline, target))
    assert window.selection() == frozenset({EntityRef("event", target)})
    assert list(window.table.selected_ids()) == [target]
    assert window.timeline.overlay.selection_size == 1
    qtbot.waitUntil(lambda: f"#{target}" in window.inspector.text(), timeout=5_000)
    assert window.inspector_dock.isVisible()


def test_click_in_table_selects_in_timeline_and_inspector(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    table = window.table.table()
    row = 11
    event_id = window.table.model().id_at(row)
    rect = table.visualRect(window.table.model().index(row, 2))
    with qtbot.waitSignal(window.state.sig_selection_changed, timeout=5_000):
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selection() == frozenset({EntityRef("event", event_id)})
    assert window.timeline.overlay.selection_size == 1
    qtbot.waitUntil(lambda: f"#{event_id}" in window.inspector.text(), timeout=5_000)
    # and back: a script selecting another event moves the table's selection
    window.select(EntityRef("event", 30))
    assert list(window.table.selected_ids()) == [30]
    window.select(None)
    assert len(window.table.selected_ids()) == 0
    assert window.timeline.overlay.selection_size == 0


def test_selecting_an_actor_selects_their_events(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    window.select(EntityRef("actor", 2))
    ids = window.table.selected_ids()
    # factory actors cycle 1..4 per event: actor 2 has events 2, 6, 10, ...
    assert sorted(ids.tolist()) == list(range(2, EVENTS + 1, 4))
    assert window.timeline.overlay.selection_size == len(ids)
    qtbot.waitUntil(lambda: f"{len(ids):,}" in window.inspector.text(), timeout=5_000)


def test_filter_bar_filters_timeline_and_table(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    all_rows = window.table.model().rowCount()
    assert all_rows == EVENTS
    with qtbot.waitSignal(window.state.sig_filters_changed, timeout=5_000):
        window.filter_bar.sig_filters_requested.emit(
            FilterChoice(kinds=frozenset({"payment"}), actors=frozenset(),
                         platforms=frozenset(), text=""))
    qtbot.waitUntil(lambda: window.table.model().rowCount() < all_rows, timeout=5_000)
    model = window.table.model()
    kinds = {model.index(r, 1).data() for r in range(model.rowCount())}
    assert kinds == {"payment"}
    assert len(window.timeline.data) == model.rowCount()
    assert f"{model.rowCount():,} of {EVENTS:,}" in window.filter_bar.result_count_text()


def test_text_search_uses_the_full_text_index(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    window.state.set_filters(Filters(text="relay"))
    assert window.filter_bar.result_count_text() == "Searching…"  # until the views follow
    expected = [i for i in range(1, EVENTS + 1) if i % 3 == 0]  # factory messages
    qtbot.waitUntil(lambda: window.table.model().rowCount() == len(expected), timeout=5_000)
    model = window.table.model()
    assert sorted(model.id_at(r) for r in range(model.rowCount())) == expected
    qtbot.waitUntil(lambda: window.filter_bar.result_count_text()
                    == f"{len(expected):,} of {EVENTS:,} events", timeout=5_000)
    window.state.set_filters(Filters(text="nosuchwordanywhere"))
    qtbot.waitUntil(lambda: window.table.model().rowCount() == 0, timeout=5_000)


def test_time_selection_restricts_the_table(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    start, end = T0 + 10 * STEP, T0 + 15 * STEP  # events 11..15 (the end is exclusive)
    window.timeline.sig_time_selection_requested.emit((start, end))
    qtbot.waitUntil(lambda: window.table.model().rowCount() == 5, timeout=5_000)
    model = window.table.model()
    assert [model.id_at(r) for r in range(5)] == [11, 12, 13, 14, 15]
    assert len(window.timeline.data) == EVENTS  # the timeline still shows everything
    window.timeline.sig_time_selection_requested.emit(None)
    qtbot.waitUntil(lambda: window.table.model().rowCount() == EVENTS, timeout=5_000)


def test_lane_mode_by_actor(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    window.timeline.sig_lane_mode_requested.emit("actor")
    qtbot.waitUntil(lambda: "Courier K." in window.timeline.lane_labels(), timeout=5_000)
    assert "« Le Chimiste »" in window.timeline.lane_labels()


def test_visible_range_api_and_signal(window, qtbot, case) -> None:
    assert window.visible_range() is None
    open_and_wait(window, qtbot, case)
    start, end = T0 + 2 * STEP, T0 + 5 * STEP
    with qtbot.waitSignal(window.sig_visible_range_changed, timeout=2_000) as blocker:
        window.set_visible_range(start, end)
    got = window.visible_range()
    assert got is not None
    assert abs(got[0] - start) < 1_000_000 and abs(got[1] - end) < 1_000_000
    assert blocker.args[0] == got
    # a user zoom in the timeline reaches the same signal
    with qtbot.waitSignal(window.sig_visible_range_changed, timeout=2_000) as blocker:
        window.timeline.fit_all()
    assert blocker.args[0][1] - blocker.args[0][0] > (EVENTS - 1) * STEP
    with pytest.raises(ValueError):
        window.set_visible_range(end, start)


def test_deep_link_range_and_selection(window, qtbot, case) -> None:
    # 2024-05-01 12:00 in Paris is 10:00 UTC (= T0, summer time); PT3H ends at 13:00 UTC.
    link = DeepLink(range=parse_range("2024-05-01T12:00/PT3H"), select=EntityRef("event", 3))
    open_and_wait(window, qtbot, case, link)
    start, end = window.visible_range()
    assert abs(start - T0) < 1_000_000 and abs(end - (T0 + 3 * STEP)) < 1_000_000
    assert list(window.table.selected_ids()) == [3]
    qtbot.waitUntil(lambda: "#3" in window.inspector.text(), timeout=5_000)


def test_deep_link_selects_a_time_range(window, qtbot, case) -> None:
    link = DeepLink(time_selection=parse_range("2024-05-01T12:00/PT3H"))
    open_and_wait(window, qtbot, case, link)
    chosen = window.state.time_selection
    assert chosen is not None
    assert (chosen.start, chosen.end) == (T0, T0 + 3 * STEP)
    start, end = window.visible_range()  # shown whole, with room either side
    assert start < T0 and end > T0 + 3 * STEP


def test_deep_link_to_a_missing_record_is_reported(window, qtbot, case) -> None:
    link = DeepLink(select=EntityRef("event", 999_999))
    with qtbot.waitSignal(window.sig_deep_link_failed, timeout=30_000) as blocker:
        window.open_case(case, link)
    assert "event:999999" in blocker.args[0]
    qtbot.waitUntil(lambda: window.is_ready, timeout=30_000)  # the case still opens
    assert window.selection() == frozenset()


def test_evidence_markup_is_shown_as_literal_text(window, qtbot, tmp_path) -> None:
    path = make_case(tmp_path / "hostile.filature", events=10, fts=False)
    con = sqlite3.connect(path)
    con.execute("UPDATE actor SET display_name = ? WHERE id = 1", (HOSTILE_ACTOR,))
    con.execute("UPDATE event SET title = ? WHERE id = 1", (HOSTILE_TITLE,))
    con.commit()
    con.close()
    open_and_wait(window, qtbot, path)
    window.select(EntityRef("event", 1))
    qtbot.waitUntil(lambda: HOSTILE_TITLE in window.inspector.text(), timeout=5_000)
    assert HOSTILE_ACTOR in window.inspector.text()
    model = window.table.model()
    row = model.row_of(1)
    shown = [model.index(row, c).data() for c in range(model.columnCount())]
    assert HOSTILE_TITLE in shown and HOSTILE_ACTOR in shown
    window.timeline.sig_lane_mode_requested.emit("actor")
    qtbot.waitUntil(lambda: HOSTILE_ACTOR in window.timeline.lane_labels(), timeout=5_000)
    # every label in the window that shows evidence renders plain text, never rich text
    from PySide6.QtWidgets import QLabel

    for label in window.findChildren(QLabel):
        if "<" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_table_follows_the_timeline_when_nothing_is_selected(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    table = window.table.table()
    table.resize(600, 150)  # a few rows visible: row 0 at the top
    assert table.rowAt(0) == 0
    window.set_visible_range(T0 + 30 * STEP, T0 + 35 * STEP)
    qtbot.waitUntil(lambda: table.rowAt(1) == 30, timeout=3_000)  # event 31 = row 30
    window.select(EntityRef("event", 2))  # a selection wins: no following
    window.set_visible_range(T0 + 20 * STEP, T0 + 25 * STEP)
    qtbot.wait(400)
    assert list(window.table.selected_ids()) == [2]
    selected = table.visualRect(window.table.model().index(1, 0))
    assert table.viewport().rect().contains(selected.center())  # still in view


def test_kinds_read_the_same_in_every_view(window, qtbot, case) -> None:
    """``account_created`` is "account created" on lanes, legend, table, filter bar and
    inspector; the stored value stays in the filter's key."""
    from PySide6.QtCore import Qt as QtNS
    from PySide6.QtWidgets import QToolButton

    from widgets.event_table_model import KIND

    open_and_wait(window, qtbot, case)
    shown = "account created"
    timeline = window.timeline
    assert shown in [lane.label for lane in timeline.data.lanes]
    assert shown in [label.text() for label in timeline.legend.name_labels]
    model = window.table._model
    cells = {model.data(model.index(r, KIND), QtNS.ItemDataRole.DisplayRole)
             for r in range(model.rowCount())}
    assert shown in cells and "account_created" not in cells
    button = window.filter_bar.findChild(QToolButton, "kindFilter")
    rows = button.model
    display = QtNS.ItemDataRole.DisplayRole
    texts = [rows.data(rows.index(r), display) for r in range(rows.rowCount())]
    assert any(t.startswith(f"{shown}  (") for t in texts)
    window.filter_bar.show_filters(FilterChoice(kinds=frozenset({"account_created"})))
    assert f"Kinds: {shown}" in button.text()
    event = next(int(i) for i, k in zip(timeline.data.ids, timeline.data.kind, strict=True)
                 if timeline.data.kind_names[k] == "account_created")
    window.select(EntityRef("event", event))
    qtbot.waitUntil(lambda: f"— {shown}" in window.inspector.text(), timeout=5_000)
