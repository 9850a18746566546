"""The shipment map: flows merged and split by zoom, rounds in order, linked both ways."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from app.state import EntityRef, TimeWindow
from resources.geo import lonlat_to_mercator
from tests.factories import EVENT_INSERT, STEP, T0, make_case
from tests.windows import open_and_wait
from widgets.map.flows import merge_flows

if TYPE_CHECKING:
    from pathlib import Path

    from app.main_window import MainWindow

COURIER = 2
ROUND_ID = 900
# (event id, minutes after the round's start, place id, title) — inserted out of order
STOPS = [(903, 150, 1, "third drop"), (901, 20, 3, "<b>first</b> drop"), (902, 75, 4, "second")]


@pytest.fixture
def case(tmp_path: Path) -> Path:
    path = make_case(tmp_path / "map.filature", events=30)
    con = sqlite3.connect(path)
    start = T0 + 40 * STEP
    con.execute(EVENT_INSERT, (ROUND_ID, start, "second", "courier_round", "Round Lyon",
                               None, COURIER, None, None, 1, None, None, None, 1, "r-900"))
    con.execute("UPDATE event SET end_ts = ? WHERE id = ?", (start + 4 * STEP, ROUND_ID))
    for ident, minutes, place, title in STOPS:
        con.execute(EVENT_INSERT, (ident, start + minutes * 60_000_000, "second", "delivery",
                                   title, None, COURIER, None, None, place, None, None, None, 1,
                                   f"r-{ident}"))
    # a delivery by the courier after the round ended is not one of its stops
    con.execute(EVENT_INSERT, (904, start + 5 * STEP, "second", "delivery", "later", None,
                               COURIER, None, None, 2, None, None, None, 1, "r-904"))
    # a place with a name and no position: placed from the gazetteer, approximate
    con.execute("INSERT INTO place(id, name, kind, lat, lon, precision, country_code, "
                "third_party) VALUES (5, 'Amsterdam', 'city', NULL, NULL, 'city', 'NL', 0)")
    con.commit()
    con.close()
    return path


def _open(window: MainWindow, qtbot, case: Path) -> None:
    open_and_wait(window, qtbot, case)
    qtbot.waitUntil(lambda: window.map.ready and window.map.settled, timeout=10_000)


def test_flows_merge_as_the_map_zooms_out() -> None:
    x, y = lonlat_to_mercator(np.array([2.35, 2.36, 4.48, 4.84]),
                              np.array([48.85, 48.86, 51.92, 45.76]))
    # Paris A → Rotterdam twice, Paris B → Rotterdam once, Rotterdam → Lyon once
    origin = np.array([0, 0, 1, 2])
    dest = np.array([2, 2, 2, 3])
    status = np.array([0, 3, 0, 0])
    weight = np.array([1000.0, 500.0, np.nan, 200.0])
    split = merge_flows(x, y, origin, dest, status, weight, None)
    assert len(split) == 4 and split.count.tolist() == [1, 1, 1, 1]
    assert sorted(split.lane.tolist()) == [0, 0, 0, 1]  # the two parallel legs part
    pairs = merge_flows(x, y, origin, dest, status, weight, 0.0)
    assert sorted(pairs.count.tolist()) == [1, 1, 2]
    big = int(np.argmax(pairs.count))
    assert pairs.weight_g[big] == 1500.0
    assert sorted(pairs.legs_of(big).tolist()) == [0, 1]
    areas = merge_flows(x, y, origin, dest, status, weight, 400_000.0)  # Paris: one end
    assert sorted(areas.count.tolist()) == [1, 3]
    # the merged end sits between the places it stands for
    paris = int(np.argmax(areas.count))
    assert x[0] < areas.x0[paris] < x[1]


def test_a_shipment_selected_elsewhere_is_framed_on_the_map(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.map_view
    window.select(EntityRef("shipment", 1))
    qtbot.waitUntil(lambda: len(view._highlight.legs) == 2, timeout=10_000)
    scene = view._scene
    assert set(scene.leg_shipment[view._highlight.legs].tolist()) == {1}
    x0, y0, x1, y1 = view.visible_world()
    for place in (2, 3, 4):  # Rotterdam → Chilly-Mazarin → the Lyon relay: all in view
        p = int(np.flatnonzero(scene.place_ids == place)[0])
        assert x0 <= scene.place_x[p] <= x1 and y0 <= scene.place_y[p] <= y1


def test_a_click_on_a_place_selects_it_in_every_view(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.map_view
    window.map_dock.show()
    window.map_dock.raise_()
    scene = view._scene
    p = int(np.flatnonzero(scene.place_ids == 2)[0])  # Rotterdam
    view.set_view(float(scene.place_x[p]), float(scene.place_y[p]), 50.0)
    qtbot.waitExposed(view)
    point = view.to_screen(float(scene.place_x[p]), float(scene.place_y[p])).toPoint()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=point)
    assert window.selection() == frozenset({EntityRef("place", 2)})
    qtbot.waitUntil(lambda: "Rotterdam" in window.inspector.text(), timeout=10_000)
    # the table marks the events at that place
    at_place = {r[0] for r in sqlite3.connect(case).execute(
        "SELECT id FROM event WHERE place_id = 2")}
    qtbot.waitUntil(lambda: set(window.table.selected_ids().tolist()) == at_place,
                    timeout=10_000)


def test_a_round_shows_its_stops_in_order_with_times(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.map_view
    window.select(EntityRef("event", ROUND_ID))
    qtbot.waitUntil(lambda: len(view._highlight.routes) == 1, timeout=10_000)
    route = view._highlight.routes[0]
    assert list(route.event_ids) == [ROUND_ID, 901, 902, 903]  # start, then by time
    assert route.labels[0].startswith("start ")
    assert route.labels[1].startswith("1 · ")
    assert route.details[1].startswith("1 · ") and route.details[1].endswith("<b>first</b> drop")
    assert "CEST (UTC+02:00)" in route.details[1]  # the case zone, with its offset
    assert np.all(np.diff(route.times) > 0)
    # a click on a stop selects that delivery
    point = view.to_screen(float(route.x[2]), float(route.y[2]))
    refs, text = view.items_at(point)
    assert refs == frozenset({EntityRef("event", 902)}) and "2 · " in text


def test_the_timelines_range_filters_the_map(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.map_view
    assert view._rows is None  # every leg
    # leg 1 runs from step 2 to 20, leg 2 from 22 to 30
    window.state.set_time_selection(TimeWindow(T0 + 23 * STEP, T0 + 25 * STEP))
    qtbot.waitUntil(lambda: view._rows is not None, timeout=5_000)
    shown = view._scene.leg_departed[view._rows]
    assert shown.tolist() == [T0 + 22 * STEP]
    window.state.set_time_selection(None)
    qtbot.waitUntil(lambda: view._rows is None, timeout=5_000)


def test_named_places_without_coordinates_come_from_the_gazetteer(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    scene = window.map_view._scene
    p = int(np.flatnonzero(scene.place_ids == 5)[0])
    assert scene.place_approx[p]
    assert "GeoNames" in scene.place_notes[p]
    x, y = lonlat_to_mercator(4.89, 52.37)  # Amsterdam
    assert abs(scene.place_x[p] - x) < 20_000 and abs(scene.place_y[p] - y) < 20_000
    # the inspector says where the position came from
    window.select(EntityRef("place", 5))
    qtbot.waitUntil(lambda: "GeoNames" in window.inspector.text(), timeout=10_000)
    assert "Map position" in window.inspector.text()
    # nothing is written into the case
    (lat,) = sqlite3.connect(case).execute("SELECT lat FROM place WHERE id = 5").fetchone()
    assert lat is None


def test_flows_split_up_close_and_merge_far_out(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.map_view
    view.set_view(500_000.0, 6_000_000.0, 20.0)
    close = view.flows()
    view.set_view(500_000.0, 6_000_000.0, 20_000.0)
    far = view.flows()
    assert close.count.sum() == far.count.sum() == 2
    assert len(close) == 2  # each leg
    assert len(far) <= len(close)


def test_keys_pan_and_zoom(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.map_view
    view.setFocus()
    mpp, (cx, _cy) = view.metres_per_pixel, view.centre
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.metres_per_pixel == pytest.approx(mpp / 2)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.centre[0] > cx
    view.zoom_at(QPointF(10, 10), 2.0)
    assert view.metres_per_pixel == pytest.approx(mpp)


def test_the_network_guard_refuses_a_connection(_no_network) -> None:
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="network access attempted"):
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed
    finally:
        sock.close()
    _no_network.clear()  # this attempt was the test's own


def test_play_moves_the_clock_through_the_range_from_the_keyboard(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view, play = window.map_view, window.play
    window.state.set_time_selection(TimeWindow(T0, T0 + 30 * STEP))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Period)  # one step: a fiftieth of the range
    assert play.clock == T0 + (30 * STEP) // 50
    assert view._clock == play.clock
    assert window.state.clock == play.clock  # through the state hub
    assert window.timeline.cursor_us == play.clock  # the timeline's cursor follows
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)  # faster: ×21,600
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)  # ×86,400: the 30 h range in ~1.3 s
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert play.playing
    qtbot.waitUntil(lambda: not play.playing, timeout=10_000)  # it stops at the range's end
    assert play.clock == T0 + 30 * STEP
    play.step(-1)
    assert play.clock < T0 + 30 * STEP
    window.state.set_time_selection(None)  # a new range ends the animation
    assert play.clock is None and view._clock is None
    assert window.timeline.cursor_us is None


def test_flows_are_merged_on_the_worker_and_a_stale_merge_is_dropped(qtbot) -> None:
    from widgets.map import MapScene, MapView

    x, y = lonlat_to_mercator(np.array([2.35, 4.48, 4.84]), np.array([48.85, 51.92, 45.76]))
    scene = MapScene(
        place_ids=np.array([1, 2, 3]), place_x=x, place_y=y, place_events=np.array([5, 5, 5]),
        place_approx=np.zeros(3, dtype=bool), place_names=["a", "b", "c"],
        place_notes=["", "", ""], leg_origin=np.array([0, 0, 1]),
        leg_destination=np.array([1, 1, 2]), leg_status=np.zeros(3, dtype=np.uint8),
        leg_weight_g=np.ones(3), leg_shipment=np.array([1, 2, 3]),
        leg_departed=np.array([1, 2, 3]), leg_arrived=np.array([4, 5, 6]))
    view = MapView()
    qtbot.addWidget(view)
    asked: list[tuple[object, object]] = []
    view.set_flow_worker(lambda compute, deliver: asked.append((compute, deliver)))
    view.set_scene(scene)
    view.resize(300, 200)
    view.set_view(float(x[0]), float(y[0]), 5_000.0)
    view.grab()  # a paint asks the worker instead of merging
    assert len(asked) == 1 and len(view._flows) == 0
    stale_compute, stale_deliver = asked[0]
    view.set_view(float(x[0]), float(y[0]), 20.0)  # another band: a new merge is asked
    view._static = None
    view.grab()
    assert len(asked) == 2
    stale_deliver(stale_compute())  # the old answer arrives late: dropped
    assert len(view._flows) == 0
    compute, deliver = asked[1]
    deliver(compute())
    assert int(view._flows.count.sum()) == 3


def test_play_draws_the_rounds_under_way_stop_by_stop(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view, play = window.map_view, window.play
    start = T0 + 40 * STEP
    window.state.set_time_selection(TimeWindow(start, start + 4 * STEP))
    play.step(1)  # 1/50 of 4 h: the round has started, no stop reached yet
    qtbot.waitUntil(lambda: len(view._highlight.routes) == 1, timeout=10_000)
    route = view._highlight.routes[0]
    assert route.round_id == ROUND_ID
    assert int(np.sum(route.times <= play.clock)) == 1  # only the start is drawn
    for _ in range(20):  # 21 steps of 4.8 min: past the stops at 20 and 75 min, not 150
        play.step(1)
    assert int(np.sum(route.times <= play.clock)) == 3
    play.stop()
    qtbot.waitUntil(lambda: not view._highlight.routes, timeout=10_000)


def test_an_actor_selected_marks_the_places_of_their_events(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.map_view
    window.select(EntityRef("actor", 1))
    expected = {r[0] for r in sqlite3.connect(case).execute(
        "SELECT DISTINCT place_id FROM event WHERE actor_id = 1 AND place_id IS NOT NULL")}
    qtbot.waitUntil(lambda: len(view._highlight.places) > 0, timeout=10_000)
    marked = set(view._scene.place_ids[view._highlight.places].tolist())
    assert marked == expected
    qtbot.waitUntil(lambda: window.map.settled, timeout=10_000)
    assert "Nothing of this selection" not in view._notice  # their places are marked


def test_a_selection_with_no_place_says_so_on_the_map(window, qtbot, case) -> None:
    con = sqlite3.connect(case)
    con.execute(EVENT_INSERT, (950, T0 + STEP, "second", "message", "no place", None, 1, None,
                               None, None, None, None, None, 1, "r-950"))
    con.commit()
    con.close()
    _open(window, qtbot, case)
    view = window.map_view
    unplaced = (950,)
    window.select(EntityRef("event", unplaced[0]))
    qtbot.waitUntil(lambda: "Nothing of this selection" in view._notice, timeout=10_000)
    window.select(EntityRef("shipment", 1))
    qtbot.waitUntil(lambda: "Nothing of this selection" not in view._notice, timeout=10_000)
    window.select(EntityRef("event", unplaced[0]))
    qtbot.waitUntil(lambda: "Nothing of this selection" in view._notice, timeout=10_000)
    window.state.set_selection(frozenset())
    qtbot.waitUntil(lambda: "Nothing of this selection" not in view._notice, timeout=10_000)
