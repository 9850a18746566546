"""Frames and clicks on a loaded window: the pan/zoom script and the selection round trip.

A frame is one step of the script through the public scripting call
``window.set_visible_range(a, b)`` (the timeline moves, re-bins when its prepared frame no
longer fits, the app state follows), then ``QApplication.processEvents()`` until nothing is
pending: Qt paints what the step dirtied exactly as it would on screen (the plot viewport
with lanes, overlay and axes, the overview strip, the caption). A forced ``repaint()`` is
not used: on a parent widget it never reaches the plots' scroll-area viewports, and on the
viewport it adds a paint that the pending updates then repeat. Each frame's paints of the
plot are counted from the wrappers of :class:`timeline_qt.PaintLog`.

A selection is a real ``QTest.mouseClick`` on an event marker in the plot's viewport, timed
until the signal chain has returned and the event loop has painted the timeline's overlay,
the table and the inspector.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from timeline_qt import drain
from timeline_script import pan_zoom_script, summary_ms

from widgets.inspector import NOTHING_SELECTED

if TYPE_CHECKING:
    from timeline_qt import PaintLog

    from app.main_window import MainWindow
    from app.state import EntityRef

WARMUP_STEPS = 5
PASSES = 2
CLICK_HALF_SPAN_US = 30_000_000  # each click happens in a one-minute view around its event


def settle() -> float:
    """Process posted events twice (the second catches what the first posted); seconds."""
    return drain() + drain()


def play_script(window: MainWindow, paints: PaintLog, *, quick: bool) -> dict[str, object]:
    """Replay the script ``PASSES`` times after a short warm-up; summarise every frame."""
    overview = window.session.overview
    assert overview is not None and overview.first_ts is not None
    assert overview.last_ts is not None
    steps = pan_zoom_script(overview.first_ts, overview.last_ts, quick=quick)
    timeline, plot = window.timeline, window.timeline.plot
    for a, b in steps[:WARMUP_STEPS]:
        window.set_visible_range(a, b)
        settle()
    window.set_visible_range(*steps[-1])
    settle()
    total, apply, paint, plot_paint, lanes = [], [], [], [], []
    paints_per_frame: Counter[int] = Counter()
    rebuilds_before, modes = len(paints.rebuilds), Counter()
    max_items = 0
    pass_p50: list[float] = []
    for _ in range(PASSES):
        this_pass: list[float] = []
        for a, b in steps:
            n_views, n_lanes = len(paints.views), len(paints.lanes)
            t0 = time.perf_counter()
            window.set_visible_range(a, b)
            t1 = time.perf_counter()
            settle()
            t2 = time.perf_counter()
            apply.append(t1 - t0)
            paint.append(t2 - t1)
            total.append(t2 - t0)
            this_pass.append(t2 - t0)
            frame_paints = paints.plot_paints(plot, n_views)
            paints_per_frame[len(frame_paints)] += 1
            plot_paint += [sec for _end, sec, _n in frame_paints]
            lanes += paints.lanes[n_lanes:]
            stats = timeline.render_stats()
            modes[str(stats["mode"])] += 1
            max_items = max(max_items, int(stats["items_drawn"]))  # type: ignore[call-overload]
        pass_p50.append(summary_ms(this_pass)["p50"])
    rebuild_times = paints.rebuilds[rebuilds_before:]
    return {
        "steps_per_pass": len(steps),
        "passes": PASSES,
        "frame": summary_ms(total),
        "p50_by_pass": pass_p50,
        "apply": summary_ms(apply),
        "event_loop_paint": summary_ms(paint),
        "plot_viewport_paint": summary_ms(plot_paint),
        "lanes_item_paint": summary_ms(lanes),
        "plot_paints_per_frame": {str(k): v for k, v in sorted(paints_per_frame.items())},
        "rebuilds": {"count": len(rebuild_times), **summary_ms(rebuild_times)},
        "modes": dict(modes),
        "max_items_drawn": max_items,
    }


def _click_point(window: MainWindow, pos: int) -> QPoint | None:
    """Viewport pixel of event ``pos``'s marker (scrolling its lane into view), or None."""
    timeline = window.timeline
    data = timeline.data
    lane = int(data.lane[pos])
    rows = timeline.layout_rows
    y = float(rows.y0[lane] + rows.height[lane] / 2)
    vb = timeline.plot.getPlotItem().getViewBox()
    (_x0, _x1), (y0, y1) = vb.viewRange()
    if not y0 + 0.2 < y < y1 - 0.2:
        timeline.scroll_lanes(y - (y0 + y1) / 2)
        settle()
        (_x0, _x1), (y0, y1) = vb.viewRange()
        if not y0 < y < y1:
            return None
    if not timeline.lanes_item.is_detail(lane):
        return None
    x = (int(data.ts[pos]) - timeline.to_us(0.0)) * 1e-6
    scene = vb.mapViewToScene(QPointF(x, y))
    return timeline.plot.mapFromScene(scene)


def select_by_clicks(window: MainWindow, paints: PaintLog, count: int) -> dict[str, object]:
    """Click ``count`` events spread over the case; time each until all three views show it."""
    data = window.timeline.data
    positions = np.linspace(0, len(data) - 1, count + 2).astype(np.int64)[1:-1]
    times: list[float] = []
    chain: list[float] = []
    missed = unverified = unpainted = 0
    plot = window.timeline.plot
    viewport = plot.viewport()
    for pos in positions:
        ts = int(data.ts[pos])
        window.set_visible_range(ts - CLICK_HALF_SPAN_US, ts + CLICK_HALF_SPAN_US)
        settle()
        point = _click_point(window, int(pos))
        if point is None:
            missed += 1
            continue
        before = window.selection()
        n_views = len(paints.views)
        t0 = time.perf_counter()
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         point)
        t1 = time.perf_counter()
        settle()
        _wait_for_inspector(window, t0)  # it reads the record on a worker
        t2 = time.perf_counter()
        refs = window.selection()
        if not refs or refs == before:
            missed += 1
            continue
        times.append(t2 - t0)
        chain.append(t1 - t0)
        unpainted += not paints.plot_paints(plot, n_views)
        if not _shown_everywhere(window, refs):
            unverified += 1
    return {"method": "QTest.mouseClick on the event's marker, then the event loop until idle "
                      "(it paints timeline overlay, table and inspector)",
            "round_trip": summary_ms(times), "signal_chain": summary_ms(chain),
            "clicks": count, "missed": missed, "not_shown_everywhere": unverified,
            "timeline_not_repainted": unpainted}


def _wait_for_inspector(window: MainWindow, t0: float, limit_s: float = 2.0) -> None:
    """Drain events until the inspector shows the selected event (or ``limit_s`` passes)."""
    ids = [r.id for r in window.selection() if r.kind == "event"]
    if len(ids) != 1:
        return
    heading = f"Event {ids[0]} —"
    while heading not in window.inspector.text() and time.perf_counter() - t0 < limit_s:
        drain()


def _shown_everywhere(window: MainWindow, refs: frozenset[EntityRef]) -> bool:
    """The table selects the clicked event and the inspector shows a record."""
    ids = {r.id for r in refs if r.kind == "event"}
    in_table = ids <= {int(i) for i in window.table.selected_ids()}
    shown = window.inspector.text()
    return in_table and bool(shown) and NOTHING_SELECTED not in shown
