"""TimelineView: level of detail, signals only from user input, hostile text, lanes."""

from __future__ import annotations

import ast
import contextlib
import inspect

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from resources.entities import EntityRef
from widgets.plain_text import tooltip_text
from widgets.timeline import Lane, TimelineData, TimelineView
from widgets.timeline import interaction as interaction_module
from widgets.timeline.host import TimelineHost, TimelineParts

T0 = 1_704_067_200_000_000  # 2024-01-01T00:00Z
S = 1_000_000
H = 3600 * S
D = 24 * H
HOSTILE = "<img src=/dev/zero><b>x</b>"
SIGNALS = ("sig_range_requested", "sig_selection_requested", "sig_time_selection_requested",
           "sig_hover_requested", "sig_lane_mode_requested")


def random_data(n: int, n_lanes: int = 4, seed: int = 3, labels: tuple[str, ...] = (),
                with_ids: bool = True) -> TimelineData:
    rng = np.random.default_rng(seed)
    ts = np.sort(rng.integers(T0, T0 + 366 * D, n)).astype(np.int64)
    names = labels or tuple(f"Lane {i}" for i in range(n_lanes))
    return TimelineData(
        ts=ts, end=ts.copy(), lo=ts.copy(), hi=ts.copy(),
        ids=(np.arange(n, dtype=np.int64) + 100) if with_ids else np.full(n, -1, np.int64),
        kind=rng.integers(0, 3, n).astype(np.uint8), kind_names=("message", "payment", "call"),
        lane=rng.integers(0, len(names), n).astype(np.int32),
        lanes=tuple(Lane(f"actor:{i}", name) for i, name in enumerate(names)),
    )


def sparse_data() -> TimelineData:
    """Five known events on a quiet day, plus background months away."""
    quiet = T0 + 200 * D
    special = np.array([quiet + 10 * 60 * S, quiet + 12 * 60 * S, quiet + 15 * 60 * S,
                        quiet + 16 * 60 * S, quiet + 18 * 60 * S], dtype=np.int64)
    background = np.arange(T0, T0 + 100 * D, 10 * 60 * S, dtype=np.int64)
    ts = np.concatenate([background, special])
    n = len(ts)
    lane = np.zeros(n, dtype=np.int32)
    lane[-5:] = [0, 1, 0, 1, 1]
    end = ts.copy()
    end[-2] = ts[-2] + 90 * S  # one interval (a call)
    lo, hi = ts.copy(), ts.copy()
    lo[-1], hi[-1] = ts[-1] - 30 * S, ts[-1] + 30 * S  # an uncertain timestamp
    return TimelineData(ts=ts, end=end, lo=lo, hi=hi, ids=np.arange(n, dtype=np.int64) + 1,
                        kind=np.zeros(n, dtype=np.uint8), kind_names=("message",),
                        lane=lane, lanes=(Lane("k:a", "Alpha"), Lane("k:b", "Beta")))


@pytest.fixture
def view(qtbot) -> TimelineView:
    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(1100, 520)
    v.show()
    qtbot.waitExposed(v)
    v.set_time_zone("Europe/Paris")
    return v


@pytest.fixture
def fast_mouse():
    """pyqtgraph drops mouse moves closer than 10 ms; tests move faster than that."""
    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=-1)
    yield
    pg.setConfigOptions(mouseRateLimit=old)


def viewport_point(v: TimelineView, t_us: int, lane: int) -> QPoint:
    layout = v.layout_rows
    y = layout.y0[lane] + layout.height[lane] * 0.5
    x = (t_us - v.data.ts[0]) * 1e-6
    scene = v.plot.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
    return v.plot.mapFromScene(scene)


def test_empty_data_does_not_crash(view: TimelineView) -> None:
    view.set_data(TimelineData.empty())
    stats = view.render_stats()
    assert stats["visible_events"] == 0 and stats["items_drawn"] == 0
    view.show_selection(np.array([1, 2]))
    view.show_highlight(5)
    view.show_time_selection((T0, T0 + D))
    view.set_data(random_data(100))
    view.set_data(TimelineData.empty())
    view.grab()


def test_level_of_detail_switch(view: TimelineView) -> None:
    data = random_data(100_000)
    view.set_data(data)
    stats = view.render_stats()
    assert stats["mode"] == "aggregate"
    width = view.plot_width_px()
    # one frame draws at most one bar per bin per lane; bins ≈ width/3 per visible span × 3
    assert 0 < stats["items_drawn"] <= 1.2 * width * len(data.lanes)
    assert stats["visible_events"] == 100_000

    sparse = sparse_data()
    view.set_data(sparse)
    quiet = T0 + 200 * D
    view.show_range(quiet, quiet + 30 * 60 * S)
    stats = view.render_stats()
    assert stats["mode"] == "detail"
    assert stats["markers"] == stats["items_drawn"] == 5
    assert stats["visible_events"] == 5


def test_programmatic_calls_never_emit(view: TimelineView, qtbot) -> None:
    data = random_data(5_000)
    with contextlib.ExitStack() as stack:
        for name in SIGNALS:
            stack.enter_context(qtbot.assertNotEmitted(getattr(view, name)))
        view.set_data(data)
        view.show_range(T0 + 10 * D, T0 + 12 * D)
        view.show_selection(data.ids[:10])
        view.show_selection(np.zeros(0, dtype=np.int64))
        view.show_time_selection((T0 + 10 * D, T0 + 11 * D))
        view.show_time_selection(None)
        view.show_highlight(int(data.ids[3]))
        view.show_highlight(None)
        view.set_time_zone("Asia/Tokyo")
        view.set_show_utc(True)
        view.set_show_utc(False)
        view.set_lane_mode("actor")
        view.set_detail_provider(lambda i: f"event {i}")
        view.move_lane("actor:0", 1)
        view.set_lane_collapsed("actor:1", True)
        view.set_data(random_data(3_000, seed=9))
        view.grab()
    assert view.toolbar.mode() == "actor"
    assert view.toolbar.utc_button.isChecked() is False


def test_set_data_keeps_an_overlapping_range_else_fits(view: TimelineView) -> None:
    view.set_data(random_data(2_000))
    view.show_range(T0 + 50 * D, T0 + 51 * D)
    view.set_data(random_data(4_000, seed=5))
    start, end = view.visible_range()
    assert abs(start - (T0 + 50 * D)) < S and abs(end - (T0 + 51 * D)) < S
    far = random_data(10)
    shifted = TimelineData(ts=far.ts + 3000 * D, end=far.end + 3000 * D, lo=far.lo + 3000 * D,
                           hi=far.hi + 3000 * D, ids=far.ids, kind=far.kind,
                           kind_names=far.kind_names, lane=far.lane, lanes=far.lanes)
    view.set_data(shifted)
    start, end = view.visible_range()
    assert start <= int(shifted.ts[0]) and end >= int(shifted.ts[-1])


def test_click_on_marker_selects_it(view: TimelineView, qtbot) -> None:
    data = sparse_data()
    view.set_data(data)
    quiet = T0 + 200 * D
    view.show_range(quiet, quiet + 30 * 60 * S)
    target = len(data.ts) - 3  # lane 0, 15 min past the quiet day's start
    pos = viewport_point(view, int(data.ts[target]), int(data.lane[target]))
    with qtbot.waitSignal(view.sig_selection_requested) as blocker:
        QTest.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args[0] == EntityRef.events([int(data.ids[target])])
    # empty space in a row clears
    empty = viewport_point(view, quiet + 25 * 60 * S, 0)
    with qtbot.waitSignal(view.sig_selection_requested) as blocker:
        QTest.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=empty)
    assert len(blocker.args[0]) == 0


def test_click_selects_nothing_while_ids_are_not_loaded(view: TimelineView, qtbot) -> None:
    data = random_data(20, with_ids=False)
    view.set_data(data)
    pos = viewport_point(view, int(data.ts[5]), int(data.lane[5]))
    with qtbot.assertNotEmitted(view.sig_selection_requested):
        QTest.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_click_on_small_bin_selects_its_events(view: TimelineView) -> None:
    data = random_data(30_000)
    view.set_data(data)
    frame = view.lanes_item.frame
    assert frame is not None and not view.lanes_item.is_detail(0)
    lf = frame.lanes[0]
    b = int(np.flatnonzero(lf.totals)[len(np.flatnonzero(lf.totals)) // 2])
    mid = (int(frame.edges[b]) + int(frame.edges[b + 1])) // 2
    pt = QPointF((mid - int(data.ts[0])) * 1e-6, view.layout_rows.y0[0] + 0.5)
    ids = view.input.ids_at(pt)
    in_bin = (data.lane == 0) & (data.ts >= frame.edges[b]) & (data.ts < frame.edges[b + 1])
    assert ids is not None and sorted(ids) == sorted(data.ids[in_bin])
    _key, event_id, text = view.input.hover_at(pt)
    assert event_id is None and f"{int(in_bin.sum()):,} events" in text
    for k in np.unique(data.kind[in_bin]):
        count = int(((data.kind == k) & in_bin).sum())
        assert f"{data.kind_names[k]}: {count:,}" in text


def test_wheel_zoom_requests_a_narrower_range(view: TimelineView, qtbot) -> None:
    view.set_data(random_data(10_000))
    start, end = view.visible_range()
    vp = view.plot.viewport()
    center = QPointF(vp.width() * 0.6, vp.height() * 0.5)
    event = QWheelEvent(center, QPointF(vp.mapToGlobal(center.toPoint())), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    with qtbot.waitSignal(view.sig_range_requested) as blocker:
        QApplication.sendEvent(vp, event)
    new_start, new_end = blocker.args[0]
    assert new_end - new_start < end - start
    assert new_start > start and new_end <= end
    assert (new_start, new_end) == view.visible_range()


def test_keys_zoom_pan_and_fit(view: TimelineView, qtbot) -> None:
    view.set_data(random_data(10_000))
    view.show_range(T0 + 100 * D, T0 + 110 * D)
    with qtbot.waitSignal(view.sig_range_requested) as blocker:
        QTest.keyClick(view.plot, Qt.Key.Key_Plus)
    a, b = blocker.args[0]
    assert b - a < 10 * D
    with qtbot.waitSignal(view.sig_range_requested) as blocker:
        QTest.keyClick(view.plot, Qt.Key.Key_Right)
    assert blocker.args[0][0] > a
    with qtbot.waitSignal(view.sig_range_requested) as blocker:
        QTest.keyClick(view.plot, Qt.Key.Key_Home)
    a, b = blocker.args[0]
    assert a <= T0 and b >= T0 + 365 * D


def test_shift_drag_requests_a_time_selection(view: TimelineView, qtbot, fast_mouse) -> None:
    data = random_data(1_000)
    view.set_data(data)
    vp = view.plot.viewport()
    p0 = viewport_point(view, T0 + 100 * D, 0)
    p1 = viewport_point(view, T0 + 200 * D, 0)
    shift = Qt.KeyboardModifier.ShiftModifier
    def move(p: QPoint) -> None:  # a real move carries the held button and Shift
        pf = QPointF(p)
        QApplication.sendEvent(vp, QMouseEvent(
            QEvent.Type.MouseMove, pf, QPointF(vp.mapToGlobal(p)), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, shift))

    with qtbot.waitSignal(view.sig_time_selection_requested) as blocker, \
            qtbot.assertNotEmitted(view.sig_range_requested):
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, shift, p0)
        move(QPoint((p0.x() + p1.x()) // 2, p0.y()))
        move(p1)
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, shift, p1)
    a, b = blocker.args[0]
    day = D
    assert abs(a - (T0 + 100 * D)) < 2 * day and abs(b - (T0 + 200 * D)) < 2 * day
    view.show_time_selection((a, b))
    with qtbot.waitSignal(view.sig_time_selection_requested) as blocker:
        QTest.keyClick(view.plot, Qt.Key.Key_Escape)
    assert blocker.args[0] is None


def test_hover_reports_event_and_plain_tooltip(view: TimelineView, qtbot, fast_mouse) -> None:
    data = sparse_data()
    view.set_data(data)
    view.set_detail_provider(lambda i: f"Subject {HOSTILE} #{i}")
    quiet = T0 + 200 * D
    view.show_range(quiet, quiet + 30 * 60 * S)
    target = len(data.ts) - 2  # the interval in lane 1
    pos = viewport_point(view, int(data.ts[target]) + 30 * S, 1)
    with qtbot.waitSignal(view.sig_hover_requested) as blocker:
        QTest.mouseMove(view.plot.viewport(), pos)
    assert blocker.args[0] == int(data.ids[target])
    text = view.input.last_tooltip
    assert HOSTILE in text and "Europe" not in text  # literal provider text, zone in times
    assert "CET (UTC+01:00)" in text or "CEST (UTC+02:00)" in text
    assert "(UTC+00:00)" in text and "until" in text
    assert "<img" not in tooltip_text(text)


def test_hostile_lane_label_is_shown_literally(view: TimelineView) -> None:
    data = random_data(500, labels=(HOSTILE, "Plain", "bidi\u202eevil"))
    data = TimelineData(ts=data.ts, end=data.end, lo=data.lo, hi=data.hi, ids=data.ids,
                        kind=data.kind, kind_names=("message", HOSTILE, "call"),
                        lane=data.lane, lanes=data.lanes)
    view.set_data(data)
    labels = view.lane_labels()
    assert labels[0] == HOSTILE
    assert labels[2] == "bidi⟨U+202E⟩evil"
    legend_texts = [lb.text() for lb in view.legend.name_labels]
    assert HOSTILE in legend_texts
    for label in view.findChildren(QLabel):
        if "<" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText
    view.grab()  # painting the hostile text must not parse it (it would abort on /dev/zero)


def test_lane_reorder_and_collapse(view: TimelineView) -> None:
    view.set_data(random_data(2_000, n_lanes=4))
    assert view.lane_order() == ("actor:0", "actor:1", "actor:2", "actor:3")
    view.move_lane("actor:0", 1)
    assert view.lane_order() == ("actor:1", "actor:0", "actor:2", "actor:3")
    menu = QMenu()
    view.input.fill_lane_menu(3, menu)  # lane index 3 = actor:3, currently last
    actions = {a.text(): a for a in menu.actions()}
    assert set(actions) == {"Move up", "Move down", "Collapse", "Expand all"}
    actions["Move up"].trigger()
    assert view.lane_order() == ("actor:1", "actor:0", "actor:3", "actor:2")
    actions["Collapse"].trigger()
    assert view.is_lane_collapsed("actor:3")
    rows = view.layout_rows
    assert rows.height[3] < 0.5 and rows.height[0] == 1.0
    assert rows.y0[2] == pytest.approx(rows.y0[3] + rows.height[3])
    # order and collapse survive new data with the same lane keys
    view.set_data(random_data(1_000, n_lanes=4, seed=8))
    assert view.lane_order()[2] == "actor:3" and view.is_lane_collapsed("actor:3")
    view.expand_all_lanes()
    assert not view.is_lane_collapsed("actor:3")
    view.grab()


def test_lane_mode_combo_requests_mode(view: TimelineView, qtbot) -> None:
    combo = view.toolbar.mode_combo
    with qtbot.waitSignal(view.sig_lane_mode_requested) as blocker:
        combo.setCurrentIndex(combo.findData("platform"))  # what a user's pick does…
        combo.activated.emit(combo.currentIndex())  # …followed by Qt's user-only signal
    assert blocker.args == ["platform"]


def test_overview_drag_requests_range(view: TimelineView, qtbot) -> None:
    view.set_data(random_data(5_000))
    view.show_range(T0 + 10 * D, T0 + 20 * D)
    x0, x1 = view.overview.window()
    with qtbot.waitSignal(view.sig_range_requested) as blocker:
        view.overview._region.setRegion((x0 + 30 * 86400, x1 + 30 * 86400))  # as a drag does
    a, b = blocker.args[0]
    assert abs(a - (T0 + 40 * D)) < S and abs(b - (T0 + 50 * D)) < S


def test_selection_and_highlight_overlay(view: TimelineView) -> None:
    data = random_data(20_000)
    view.set_data(data)
    view.show_selection(np.concatenate([data.ids[:50], [999_999_999]]))
    assert view.overlay.selection_size == 50
    view.show_highlight(int(data.ids[10]))
    view.grab()
    view.show_selection(np.zeros(0, dtype=np.int64))
    assert view.overlay.selection_size == 0


def test_extreme_timestamps_do_not_crash(view: TimelineView) -> None:
    ts = np.array([-(2**62), -5, 0, 2**62], dtype=np.int64)
    end = ts.copy()
    end[1] = 2**62  # an interval across everything
    lo = ts.copy()
    lo[2] = np.iinfo(np.int64).min
    data = TimelineData(ts=ts, end=end, lo=lo, hi=ts.copy(), ids=np.arange(4, dtype=np.int64),
                        kind=np.array([0, 9, 0, 0], dtype=np.uint8), kind_names=("x",),
                        lane=np.array([0, 0, 1, 0], dtype=np.int32),
                        lanes=(Lane("a", "A"), Lane("b", "B")))
    view.set_data(data)
    view.grab()
    view.show_range(-10 * S, 10 * S)
    view.grab()
    assert view.render_stats()["visible_events"] == 2
    pt = QPointF(-5e-6 - (int(ts[0]) * 1e-6), view.layout_rows.y0[0] + 0.5)
    view.input.hover_at(pt)


def test_unsorted_data_is_refused(view: TimelineView) -> None:
    data = random_data(10)
    bad = TimelineData(ts=data.ts[::-1].copy(), end=data.end, lo=data.lo, hi=data.hi,
                       ids=data.ids, kind=data.kind, kind_names=data.kind_names,
                       lane=data.lane, lanes=data.lanes)
    with pytest.raises(ValueError, match="sorted"):
        view.set_data(bad)


def test_zooming_back_reuses_the_frames_it_made(view: TimelineView,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel zoom out retraces the zoom in: kept frames are shown again, not recomputed."""
    import widgets.timeline.lanes_item as lanes_module

    view.set_data(random_data(50_000))
    centre, span = T0 + 180 * D, 300 * D
    widths = [span / 3**k for k in range(6)]
    frames = []
    for w in widths:
        view.show_range(int(centre - w / 2), int(centre + w / 2))
        frames.append(view.lanes_item.frame)
    assert len({id(f) for f in frames}) > 3  # zooming in needed new frames
    computed: list[object] = []
    real = lanes_module.compute_frame
    monkeypatch.setattr(lanes_module, "compute_frame",
                        lambda *a, **k: computed.append(a) or real(*a, **k))
    for w, made in zip(reversed(widths), reversed(frames), strict=True):
        view.show_range(int(centre - w / 2), int(centre + w / 2))
        assert view.lanes_item.frame is made
    assert computed == []
    view.set_data(random_data(50_000, seed=4))  # new data: nothing kept may be shown
    view.show_range(int(centre - widths[2] / 2), int(centre + widths[2] / 2))
    assert all(view.lanes_item.frame is not f for f in frames)


def test_interaction_sees_the_view_only_through_its_host_and_parts(view: TimelineView) -> None:
    """No import circle: the interaction names no view module and no private of anyone else."""
    assert isinstance(view, TimelineHost)
    tree = ast.parse(inspect.getsource(interaction_module))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "widgets.timeline.view" not in imported
    assert not [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and n.attr.startswith("_") and not n.attr.startswith("__")
                and not (isinstance(n.value, ast.Name) and n.value.id == "self")]
    # What the handlers read on the host (``self._host.x``, or ``v.x``/``host.x`` for short) is
    # exactly what the protocol names; what they read on the parts is a TimelineParts field.
    def reads_on(attribute: str, *aliases: str) -> set[str]:
        def is_owner(node: ast.expr) -> bool:
            if isinstance(node, ast.Name):
                return node.id in aliases
            return (isinstance(node, ast.Attribute) and node.attr == attribute
                    and isinstance(node.value, ast.Name) and node.value.id == "self")
        return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and is_owner(n.value)}

    members = {name for name in dir(TimelineHost) if not name.startswith("_")}
    assert reads_on("_host", "v", "host") == members
    parts = reads_on("_parts", "parts")
    assert parts and parts <= set(TimelineParts.__dataclass_fields__)
