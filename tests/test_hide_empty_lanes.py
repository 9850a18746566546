"""View ▸ Hide Empty Lanes: lanes with nothing in the visible range step aside, and come back.

The view is driven with hand-built ``TimelineData`` whose lanes are busy at different times
(see tests/test_timeline_view.py); the window part checks the menu action and that the
choice is remembered in the settings (``FILATURE_HOME`` points at a temporary folder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from app.main_window import MainWindow
from app.settings import Settings
from app.workers import Runner
from tests.factories import STEP, T0, make_case
from widgets.timeline import Lane, TimelineData, TimelineView

if TYPE_CHECKING:
    from pathlib import Path

Y2024 = 1_704_067_200_000_000  # 2024-01-01T00:00Z
S = 1_000_000
H = 3600 * S
D = 24 * H
ALL = ["Alpha", "Beta", "Gamma", "Delta"]


def day(n: float) -> int:
    return Y2024 + int(n * D)


def staggered_data() -> TimelineData:
    """Alpha busy on days 1-10, Beta on days 20-30, Gamma has an interval from day 40 to 45
    and points on days 60-62, Delta one vague event on day 50 known only from day 48."""
    rows: list[tuple[int, int, int, int, int]] = []  # ts, end, lo, hi, lane
    rows += [(day(d), day(d), day(d), day(d), 0) for d in np.arange(1, 10.5, 0.5)]
    rows += [(day(d), day(d), day(d), day(d), 1) for d in np.arange(20, 30.5, 0.5)]
    rows.append((day(40), day(45), day(40), day(40), 2))
    rows += [(day(d), day(d), day(d), day(d), 2) for d in (60, 61, 62)]
    rows.append((day(50), day(50), day(48), day(50), 3))
    rows.sort()
    ts, end, lo, hi, lane = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    n = len(ts)
    return TimelineData(
        ts=ts, end=end, lo=lo, hi=hi, ids=np.arange(n, dtype=np.int64) + 1,
        kind=np.zeros(n, dtype=np.uint8), kind_names=("message",),
        lane=lane.astype(np.int32),
        lanes=tuple(Lane(f"k:{name.lower()}", name) for name in ALL),
    )


@pytest.fixture
def view(qtbot) -> TimelineView:
    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(1100, 520)
    v.show()
    qtbot.waitExposed(v)
    v.set_time_zone("Europe/Paris")
    v.set_data(staggered_data())
    return v


def test_off_by_default_every_lane_shows(view: TimelineView) -> None:
    assert not view.hide_empty_lanes()
    view.show_range(day(2), day(5))
    assert view.lane_labels() == ALL


def test_lanes_empty_in_the_range_are_hidden_and_come_back(view: TimelineView) -> None:
    view.show_range(day(2), day(5))
    view.set_hide_empty_lanes(True)
    assert view.hide_empty_lanes()
    assert view.lane_labels() == ["Alpha"]
    view.show_range(day(21), day(25))  # the range moves over Beta: it comes back
    assert view.lane_labels() == ["Beta"]
    view.show_range(day(5), day(25))
    assert view.lane_labels() == ["Alpha", "Beta"]  # in their own order
    view.show_range(day(59), day(63))
    assert view.lane_labels() == ["Gamma"]
    view.set_hide_empty_lanes(False)
    assert view.lane_labels() == ALL
    assert not view.hide_empty_lanes()


def test_an_interval_that_started_before_the_range_keeps_its_lane(view: TimelineView) -> None:
    view.set_hide_empty_lanes(True)
    view.show_range(day(42), day(44))  # inside Gamma's day 40-45 interval
    assert view.lane_labels() == ["Gamma"]


def test_a_whisker_reaching_into_the_range_keeps_its_lane(view: TimelineView) -> None:
    """Delta's event is at day 50 but only known from day 48: its whisker is in view."""
    view.set_hide_empty_lanes(True)
    view.show_range(day(48.5), day(49.5))
    assert view.lane_labels() == ["Delta"]


def test_at_least_one_lane_always_stays(view: TimelineView) -> None:
    view.set_hide_empty_lanes(True)
    view.show_range(day(13), day(17))  # no lane has anything there
    labels = view.lane_labels()
    assert len(labels) == 1 and labels[0] in ALL
    view.show_range(day(21), day(25))
    assert view.lane_labels() == ["Beta"]


def test_fit_all_with_hiding_on_shows_every_busy_lane(view: TimelineView) -> None:
    view.set_hide_empty_lanes(True)
    view.show_range(day(2), day(5))
    assert view.lane_labels() == ["Alpha"]
    view.fit_all()
    assert view.lane_labels() == ALL


# -- in the window -----------------------------------------------------------------------------
def make_window(qtbot, *, persist: bool) -> MainWindow:
    win = MainWindow(Runner(), settings=Settings(), persist=persist)
    qtbot.addWidget(win)
    win.resize(1500, 950)
    return win


def test_the_menu_action_is_remembered(qtbot) -> None:
    first = make_window(qtbot, persist=True)
    assert not first.action_hide_empty.isChecked()
    assert not first.timeline.hide_empty_lanes()
    assert first.action_hide_empty in first.view_menu.actions()
    first.action_hide_empty.trigger()
    assert first.action_hide_empty.isChecked()
    assert first.timeline.hide_empty_lanes()
    first.close()

    second = make_window(qtbot, persist=True)
    assert second.action_hide_empty.isChecked()
    assert second.timeline.hide_empty_lanes()
    second.action_hide_empty.trigger()  # and off again, remembered too
    assert not second.timeline.hide_empty_lanes()
    second.close()
    third = make_window(qtbot, persist=True)
    assert not third.action_hide_empty.isChecked()
    assert not third.timeline.hide_empty_lanes()
    third.close()


def test_a_window_that_does_not_persist_leaves_the_setting_alone(qtbot) -> None:
    quiet = make_window(qtbot, persist=False)
    quiet.action_hide_empty.trigger()
    assert quiet.timeline.hide_empty_lanes()
    quiet.close()
    assert not Settings().hide_empty_lanes()
    later = make_window(qtbot, persist=True)
    assert not later.action_hide_empty.isChecked()
    later.close()


def test_the_action_hides_lanes_of_an_open_case(qtbot, tmp_path: Path) -> None:
    case = make_case(tmp_path / "lanes.filature", events=40)  # 20 kinds, two events each
    win = make_window(qtbot, persist=False)
    win.show()
    with qtbot.waitSignal(win.sig_ready, timeout=30_000):
        win.open_case(case)
    assert len(win.timeline.lane_labels()) == 20
    win.set_visible_range(T0 - STEP // 2, T0 + STEP // 2)  # only event 1, an ad
    win.action_hide_empty.trigger()
    assert win.timeline.lane_labels() == ["ad posted"]
    win.set_visible_range(T0 + STEP // 2, T0 + 2 * STEP + STEP // 2)  # events 2 and 3
    assert sorted(win.timeline.lane_labels()) == ["message", "price list"]
    win.action_hide_empty.trigger()
    assert len(win.timeline.lane_labels()) == 20
    win.close()
