"""Times across the window: one UTC switch, a time range that filters, times that are not set.

A factory case (Europe/Paris, T0 = 2024-05-01 10:00Z = 12:00 CEST) is opened in a real
``MainWindow`` with the thread-pool runner, driven through the timeline's own UTC button and
the shared state, as in tests/test_linked_views.py.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from app.state import EntityRef, Filters, TimeWindow
from storage.case.opener import open_case
from storage.case.time_rules import PLAUSIBLE_FROM_US
from storage.reads.value_checks import check_values
from tests.factories import STEP, T0, make_case
from tests.windows import open_and_wait

if TYPE_CHECKING:
    from pathlib import Path

    from app.main_window import MainWindow

EVENTS = 40
YEAR_2024 = 1_704_067_200_000_000  # 2024-01-01T00:00Z
LOCAL_T0 = "2024-05-01 12:00:00 CEST (UTC+02:00)"
UTC_T0 = "2024-05-01 10:00:00 (UTC+00:00)"


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "times.filature", events=EVENTS)


def first_time_cell(window: MainWindow) -> str:
    return window.table.model().index(0, 0).data()


def inspector_time(window: MainWindow) -> str | None:
    return next((line for line in window.inspector.text().split("\n")
                 if line.startswith("Time: ")), None)


# -- one UTC switch ------------------------------------------------------------------------
def test_the_utc_button_switches_every_view(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    window.select(EntityRef("event", 1))
    qtbot.waitUntil(lambda: inspector_time(window) == f"Time: {LOCAL_T0} = {UTC_T0}",
                    timeout=5_000)
    assert first_time_cell(window) == LOCAL_T0
    assert window.timeline.zone_name == "Europe/Paris"
    assert not window.state.show_utc

    with qtbot.waitSignal(window.state.sig_show_utc_changed, timeout=5_000) as blocker:
        window.timeline.toolbar.utc_button.click()
    assert blocker.args == [True]
    assert window.state.show_utc
    assert window.timeline.zone_name == "UTC"
    qtbot.waitUntil(lambda: first_time_cell(window) == UTC_T0, timeout=5_000)
    assert "(UTC+02:00)" not in first_time_cell(window)
    qtbot.waitUntil(lambda: inspector_time(window) == f"Time: {UTC_T0}", timeout=5_000)
    assert "CEST" not in inspector_time(window)
    assert window.selection() == frozenset({EntityRef("event", 1)})  # still the same record

    with qtbot.waitSignal(window.state.sig_show_utc_changed, timeout=5_000) as blocker:
        window.timeline.toolbar.utc_button.click()
    assert blocker.args == [False]
    assert not window.state.show_utc
    assert window.timeline.zone_name == "Europe/Paris"
    qtbot.waitUntil(lambda: first_time_cell(window) == LOCAL_T0, timeout=5_000)
    qtbot.waitUntil(lambda: inspector_time(window) == f"Time: {LOCAL_T0} = {UTC_T0}",
                    timeout=5_000)


def test_switching_to_utc_from_code_checks_the_button(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    button = window.timeline.toolbar.utc_button
    assert not button.isChecked()
    window.state.set_show_utc(True)
    assert button.isChecked()
    assert window.timeline.zone_name == "UTC"
    qtbot.waitUntil(lambda: first_time_cell(window) == UTC_T0, timeout=5_000)
    # the other non-event records follow too: the shipment's legs are in UTC now
    window.select(EntityRef("shipment", 1))
    qtbot.waitUntil(lambda: window.inspector.text().startswith("Shipment 1"), timeout=5_000)
    assert "2024-05-01 12:00:00 (UTC+00:00) → 2024-05-02 06:00:00 (UTC+00:00)" in \
        window.inspector.text()
    window.state.set_show_utc(False)
    assert not button.isChecked()
    assert window.timeline.zone_name == "Europe/Paris"
    qtbot.waitUntil(lambda: first_time_cell(window) == LOCAL_T0, timeout=5_000)


# -- a time range is a filter --------------------------------------------------------------
def test_a_time_selection_filters_the_table_and_the_count(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    assert window.filter_bar.result_count_text() == f"{EVENTS:,} of {EVENTS:,} events"
    window.state.set_time_selection(TimeWindow(T0 + 10 * STEP, T0 + 15 * STEP))
    qtbot.waitUntil(lambda: window.table.model().rowCount() == 5, timeout=5_000)
    model = window.table.model()
    assert [model.id_at(r) for r in range(5)] == [11, 12, 13, 14, 15]  # the end is exclusive
    qtbot.waitUntil(lambda: window.filter_bar.result_count_text()
                    == f"5 of {EVENTS:,} events", timeout=5_000)
    # with a kind filter too, both count: payments are events 6, 26, ... (every 20th)
    window.state.set_time_selection(TimeWindow(T0, T0 + 10 * STEP))
    window.state.set_filters(Filters(kinds=frozenset({"payment"})))
    qtbot.waitUntil(lambda: window.filter_bar.result_count_text()
                    == f"1 of {EVENTS:,} events", timeout=5_000)
    model = window.table.model()
    assert [model.id_at(r) for r in range(model.rowCount())] == [6]
    window.state.set_filters(Filters())
    window.state.set_time_selection(None)
    qtbot.waitUntil(lambda: window.table.model().rowCount() == EVENTS, timeout=5_000)
    qtbot.waitUntil(lambda: window.filter_bar.result_count_text()
                    == f"{EVENTS:,} of {EVENTS:,} events", timeout=5_000)


# -- a selection the filters hide ------------------------------------------------------------
HIDDEN = "hidden by the filters"


def test_the_inspector_says_when_the_filters_hide_the_selection(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    window.select(EntityRef("event", 1))  # ad_posted, no message: "relay" does not match it
    qtbot.waitUntil(lambda: window.inspector.text().startswith("Event 1 —"), timeout=5_000)
    assert HIDDEN not in window.inspector.text()

    window.state.set_filters(Filters(text="relay"))
    qtbot.waitUntil(lambda: HIDDEN in window.inspector.text(), timeout=5_000)
    assert window.inspector.text().startswith("Event 1 —")  # still shown, with the warning

    window.state.set_filters(Filters())
    qtbot.waitUntil(lambda: window.table.model().rowCount() == EVENTS, timeout=5_000)
    qtbot.waitUntil(lambda: HIDDEN not in window.inspector.text(), timeout=5_000)
    assert window.inspector.text().startswith("Event 1 —")

    window.state.set_filters(Filters(kinds=frozenset({"payment"})))
    qtbot.waitUntil(lambda: HIDDEN in window.inspector.text(), timeout=5_000)
    window.state.set_filters(Filters(kinds=frozenset({"ad_posted"})))  # its own kind
    qtbot.waitUntil(lambda: HIDDEN not in window.inspector.text(), timeout=5_000)
    assert window.inspector.text().startswith("Event 1 —")


# -- times that are not set ------------------------------------------------------------------
def test_events_without_a_time_are_listed_but_not_placed(window, qtbot, tmp_path) -> None:
    path = make_case(tmp_path / "zero.filature", events=20)
    con = sqlite3.connect(path)
    con.execute("UPDATE event SET ts = 0 WHERE id IN (1, 2)")
    con.execute("UPDATE event SET ts = 1714557600 WHERE id = 3")  # seconds
    con.commit()
    con.close()
    with open_case(path) as source:
        c = source.connect()
        try:
            lines = [issue.line() for issue in check_values(c)]
        finally:
            c.close()
    assert len(lines) == 2

    open_and_wait(window, qtbot, path)
    assert window.value_checks.done
    assert window.table.model().rowCount() == 20  # every event is listed
    assert first_time_cell(window) == "not set"
    data = window.timeline.data
    assert len(data) == 17
    assert sorted(data.ids.tolist()) == list(range(4, 21))
    assert int(data.ts.min()) >= PLAUSIBLE_FROM_US
    window.timeline.fit_all()
    start, end = window.timeline.visible_range()
    assert YEAR_2024 < start < T0 + 3 * STEP
    assert end < T0 + 30 * STEP
    warnings = window.overview_view.warnings_text()
    assert "time not set" in warnings
    assert "3 events have no time or an implausible one" in warnings
    for line in lines:
        assert line in warnings
