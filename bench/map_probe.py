"""One shipment-map measurement in a fresh process; ``bench/map.py`` reads its JSON line.

    python bench/map_probe.py map   --case PATH [--frames 40] [--clicks 20] [--shipments 10]
                                    [--play-seconds 3]
    python bench/map_probe.py nomap --case PATH

``map`` opens the case as the app does and, in this one process: times the map's first
showing, reads VmRSS once settled, then replays a fixed pan/zoom script on the app's map
and, frame by frame in the same run, on a bare basemap view; clicks place dots on the map;
selects shipments; and plays the case on the map. ``nomap`` opens the same case with
``MapController._on_events_loaded`` patched to do nothing (in this process only; the app's
code is not changed) and reads VmRSS at the same settled point: the difference is what the
map holds (its basemap paths included).

Both views are 900 × 600 px: the app's map dock is floated (``setFloating(True)``) and its
``MapView`` given that fixed size, so the dock is its own top-level window; the bare view
(``MapView()`` with ``set_basemap(basemap_layers())`` and no scene) is a top-level window of
the same fixed size. ``MapView.paintEvent`` is wrapped on the class before the window is
built (shiboken caches a Python override once Qt has called it), so every paint of either
view is timed and counted. The last line on stdout is the JSON result; progress goes to
stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from cards_probe import Marks, Phases

VIEW_SIZE = (900, 600)
#: (name, centre x, centre y, metres per pixel) where each part of the frame script starts
LEVELS = (("europe", 700_000.0, 6_300_000.0, 5_000.0),
          ("france", 280_000.0, 5_900_000.0, 1_000.0),
          ("paris", 261_600.0, 6_250_500.0, 10.0))
#: One cycle of the script; it ends where it began (pans cancel, zooms at one point undo).
CYCLE: tuple[tuple[str, float, float], ...] = (
    ("pan", 40, 0), ("pan", 40, 0), ("zoom", 0.85, 0), ("pan", 0, 30),
    ("pan", 0, -30), ("zoom", 1 / 0.85, 0), ("pan", -40, 0), ("pan", -40, 0))
ZOOM_AT = (60.0, -40.0)  # the zoom's fixed point, px from the view's centre
WARMUP_FRAMES = 2  # painted at each level before the timed frames (the first one is reported)
CLICK_MPP = 50.0
PLAY_SPEED = 86_400
PLAY_AT = LEVELS[1]  # France
PLAY_MIDDLE_STEPS = 25  # of the play bar's 50: the second play window starts mid-case
SETTLE_S = 600.0
WAIT_S = 120.0  # longest wait for one selection; a later one counts as a time-out
CLICK_ENDS = 5
SELECTION_HANDLERS = (("app.controllers.timeline", "TimelineController",
                       "_on_state_selection_changed"),
                      ("app.controllers.table", "TableController",
                       "_on_state_selection_changed"),
                      ("app.controllers.inspector", "InspectorController", "show"),
                      ("app.controllers.cards", "CardsController",
                       "_on_state_selection_changed"),
                      ("app.controllers.map", "MapController", "_on_state_selection_changed"))


def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# -- instrumentation -------------------------------------------------------------------------------
class MapPaints:
    """``(view, start, seconds)`` of every ``MapView.paintEvent``; ``(end, highlight)`` shown."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, float, float]] = []
        self.renders: list[tuple[object, float, float]] = []  # MapView._render_static
        self.highlights: list[tuple[float, Any]] = []

    def install(self) -> None:
        from widgets.map.view import MapView

        paint, show = MapView.paintEvent, MapView.show_highlight
        render = MapView._render_static
        log = self

        def timed_render(view: Any) -> Any:
            t = time.perf_counter()
            try:
                return render(view)
            finally:
                log.renders.append((view, t, time.perf_counter() - t))

        def timed_paint(view: Any, event: Any) -> None:
            t = time.perf_counter()
            paint(view, event)
            log.calls.append((view, t, time.perf_counter() - t))

        def noted_show(view: Any, highlight: Any) -> None:
            show(view, highlight)
            log.highlights.append((time.perf_counter(), highlight))

        MapView.paintEvent = timed_paint  # type: ignore[method-assign]
        MapView._render_static = timed_render  # type: ignore[method-assign]
        MapView.show_highlight = noted_show  # type: ignore[method-assign]

    def of(self, view: object, t0: float, t1: float = np.inf) -> list[tuple[float, float]]:
        """``(start, seconds)`` of the paints of ``view`` that started in ``[t0, t1]``."""
        return [(t, d) for v, t, d in list(self.calls) if v is view and t0 <= t <= t1]

    def first_end_after(self, view: object, t0: float) -> float | None:
        ends = [t + d for t, d in self.of(view, t0)]
        return min(ends) if ends else None


def install(phases: Phases, paints: MapPaints) -> None:
    """Wrappers on modules and classes, before the window is built (connections bind then)."""
    import importlib

    import app.controllers.map as map_controller
    import widgets.map.view as map_view

    paints.install()
    for name in ("read_map_data", "map_scene", "shown_for", "visible_legs"):
        phases.wrap(map_controller, name)  # looked up as module globals at call time
    phases.wrap(map_view, "merge_flows")
    for name in ("set_scene", "show_legs", "set_clock"):
        phases.wrap(map_view.MapView, name, ui=True)
    for module, cls, name in SELECTION_HANDLERS:
        owner = getattr(importlib.import_module(module), cls)
        phases.wrap(owner, name, label=f"{cls}.{name}", ui=True)


# -- opening ---------------------------------------------------------------------------------------
def open_window(case: Path, timeout_s: float, *, with_map: bool) -> tuple[Any, Any, Marks]:
    """Build the window, open ``case``, wait until settled (as ``bench/cards_probe.py``).

    Settled: ``window.sig_ready`` (with the map: it waits for ``map.settled``), or without
    it the events loaded, the hash, the value checks and the cards settled; then no task
    left on the pool, the column cache written and two passes of the event loop.
    ``settled_trimmed`` is VmRSS after ``gc.collect()`` and ``malloc_trim``.
    """
    from timeline_qt import drain, new_window, spin_until

    from app.memory import release_free_memory
    from app.workers import Runner

    runner = Runner()
    window = new_window(runner)
    marks = Marks()
    window.evidence.sig_events_loaded.connect(lambda _e: marks.hit("events_loaded"))
    window.evidence.sig_loaded.connect(lambda: marks.hit("loaded"))
    window.map.sig_map_shown.connect(lambda: marks.hit("map_shown"))
    window.session.sig_ready.connect(lambda: marks.hit("session_ready"))
    window.value_checks.sig_done.connect(lambda: marks.hit("value_checks"))
    window.sig_ready.connect(lambda: marks.hit("ready"))

    def on_failed(_heading: str, message: str) -> None:
        marks.failed = message

    window.session.sig_failed.connect(on_failed)
    window.evidence.sig_failed.connect(lambda line, _code: on_failed("", line))
    marks.hit("open_called")
    window.open_case(case)

    def ready() -> bool:
        if marks.failed or (with_map and "ready" in marks.t):
            return True
        return not with_map and window.cards.settled and all(
            k in marks.t for k in ("loaded", "session_ready", "value_checks"))

    if not spin_until(ready, timeout_s):
        marks.failed = f"not ready after {timeout_s:.0f} s"
    runner.wait_done(int(SETTLE_S * 1e3))
    for thread in threading.enumerate():
        if thread.name == "keep-columns":  # the column cache's write (case_events.py)
            thread.join(SETTLE_S)
    drain()
    drain()
    marks.hit("settled")
    gc.collect()
    release_free_memory()
    marks.hit("settled_trimmed")
    return window, runner, marks


def _open_figures(window: Any, marks: Marks, phases: Phases, paints: MapPaints
                  ) -> dict[str, object]:
    shown = marks.t.get("map_shown")
    painted = None if shown is None else paints.first_end_after(window.map_view, shown)

    def since(mark: str, t: float | None) -> float | None:
        return None if t is None or mark not in marks.t else round(
            (t - marks.t[mark]) * 1e3, 1)

    calls = {name: [round(d * 1e3, 1) for _k, _t, d in phases.calls[name]]
             for name in ("read_map_data", "map_scene", "set_scene", "show_legs")}
    return {
        "failed": marks.failed or None,
        "open_to_map_shown_ms": marks.ms("open_called", "map_shown"),
        "loaded_to_map_shown_ms": marks.ms("loaded", "map_shown"),
        "loaded_to_map_shown_note": "evidence.sig_loaded to map.sig_map_shown; negative when "
                                    "the map came first (its read starts at "
                                    "sig_events_loaded)",
        "events_loaded_to_map_shown_ms": marks.ms("events_loaded", "map_shown"),
        "open_to_loaded_ms": marks.ms("open_called", "loaded"),
        "open_to_map_painted_ms": since("open_called", painted),
        "loaded_to_map_painted_ms": since("loaded", painted),
        "open_to_ready_ms": marks.ms("open_called", "ready"),
        "steps_ms": calls,
        "places": len(window.map_view._scene.place_x),
        "places_drawn": len(window.map_view._places_drawn),
        "legs": len(window.map_view._scene.leg_origin),
    }


# -- the frame script ------------------------------------------------------------------------------
def _step(view: Any, step: tuple[str, float, float]) -> None:
    from PySide6.QtCore import QPointF

    kind, a, b = step
    if kind == "pan":  # a px right, b px down
        (cx, cy), mpp = view.centre, view.metres_per_pixel
        view.set_view(cx + a * mpp, cy - b * mpp, mpp)
    else:
        view.zoom_at(QPointF(view.width() / 2 + ZOOM_AT[0], view.height() / 2 + ZOOM_AT[1]), a)


def _places_in_view(view: Any) -> int:
    s = view._scene
    x0, y0, x1, y1 = view.visible_world()
    return int(np.count_nonzero((s.place_x >= x0) & (s.place_x <= x1)
                                & (s.place_y >= y0) & (s.place_y <= y1)))


def frame_script(view: Any, bare: Any, paints: MapPaints, count: int) -> dict[str, object]:
    """Each level: ``count`` steps of :data:`CYCLE`, each step then ``repaint()`` timed.

    The app's view and the bare basemap take the same step in the same frame, in turns (the
    case first on even frames, the bare view first on odd ones) so that load on the machine
    falls on both alike. ``frame`` is ``repaint()`` with ``perf_counter`` around it (the
    synchronous paint and its flush to the offscreen surface), ``paint_event`` the time
    inside ``MapView.paintEvent``; the event loop is drained after each repaint, untimed,
    and any paint it adds is counted in ``extra_paints``. A frame reuses the view's picture
    of the slow layers (shifted, scaled) unless it no longer covers the view:
    ``redraws_in_script``/``redraw_ms`` are the full redraws the script caused, and
    ``crisp_redraw_ms`` the redraw a resting view makes (``SETTLE_MS`` after the last step).
    """
    from timeline_qt import drain
    from timeline_script import summary_ms

    out: dict[str, object] = {}
    views = {"case": view, "bare": bare}
    for name, cx, cy, mpp in LEVELS:
        first: dict[str, float] = {}
        for key, v in views.items():
            v.set_view(cx, cy, mpp)
            t = time.perf_counter()
            v.repaint()
            first[key] = round((time.perf_counter() - t) * 1e3, 2)
            drain()
        for _ in range(WARMUP_FRAMES - 1):
            for v in views.values():
                v.repaint()
                drain()
        in_view = _places_in_view(view)
        frame: dict[str, list[float]] = {"case": [], "bare": []}
        paint: dict[str, list[float]] = {"case": [], "bare": []}
        extra = {"case": 0, "bare": 0}
        unpainted = {"case": 0, "bare": 0}
        script_start = time.perf_counter()
        for k in range(count):
            step = CYCLE[k % len(CYCLE)]
            for key in (("case", "bare") if k % 2 == 0 else ("bare", "case")):
                v = views[key]
                _step(v, step)
                t = time.perf_counter()
                v.repaint()
                t1 = time.perf_counter()
                done = paints.of(v, t, t1)
                drain()
                extra[key] += len(paints.of(v, t1))
                frame[key].append(t1 - t)
                paint[key].append(sum(d for _t, d in done))
                unpainted[key] += not done
        redraws = {key: [d for v, t, d in list(paints.renders)
                         if v is views[key] and t >= script_start] for key in views}
        crisp: dict[str, float] = {}
        for key, v in views.items():  # what the view redraws once it rests (SETTLE_MS)
            v._static = None
            t = time.perf_counter()
            v.repaint()
            crisp[key] = round((time.perf_counter() - t) * 1e3, 2)
            drain()
        figures = {key: {"frame": summary_ms(frame[key]), "paint_event": summary_ms(paint[key]),
                         "redraws_in_script": len(redraws[key]),
                         "redraw_ms": summary_ms(redraws[key]), "crisp_redraw_ms": crisp[key],
                         "first_frame_ms": first[key], "unpainted": unpainted[key],
                         "extra_paints": extra[key]} for key in views}
        case_p50, bare_p50 = figures["case"]["frame"].get("p50"), figures["bare"]["frame"].get(
            "p50")
        out[name] = {"centre": [cx, cy], "metres_per_pixel": mpp, **figures,
                     "ratio_p50": round(case_p50 / bare_p50, 3) if case_p50 and bare_p50
                     else None,
                     "flows_drawn": len(view.flows()) - view._flows_left_out,
                     "flows_left_out": view._flows_left_out,
                     "places_in_view": in_view,
                     "basemap_layers_drawn": {p.layer.name: len(p.layer.x)
                                              for p in view._layers
                                              if p.layer.min_mpp <= mpp < p.layer.max_mpp},
                     "back_at_start": bool(np.allclose((*view.centre, view.metres_per_pixel),
                                                       (cx, cy, mpp), rtol=1e-6))}
        say(f"{name}: frame p50 {case_p50} ms, bare {bare_p50} ms")
    return {"method": "per level, set_view(centre, m/px) and 2 warm-up repaints (the first "
                      "reported as first_frame_ms: it merges the flows of the new zoom band), "
                      f"then {count} steps of the cycle {list(CYCLE)} (pan px right/down, "
                      f"zoom factor at {ZOOM_AT} px from the centre), each followed by "
                      "view.repaint() timed with perf_counter; the bare basemap view takes "
                      "the same step in the same frame, in alternating order",
            "view_size": list(VIEW_SIZE), **out}


# -- selections ------------------------------------------------------------------------------------
def _spread(n: int, count: int) -> list[int]:
    ends = min(CLICK_ENDS, count // 2)
    middle = np.linspace(ends, n - 1 - ends, max(count - 2 * ends, 0) + 2)[1:-1]
    rows = [*range(ends), *middle.round().astype(int).tolist(), *range(n - ends, n)]
    return sorted({r for r in rows if 0 <= r < n})


def _clear_if(window: Any, ref: Any) -> None:
    from timeline_qt import drain

    if window.selection() == frozenset({ref}):
        window.select(None)
        drain()


def _quiet(runner: Any) -> float:
    """Let every task of the selection end and its result be shown; seconds waited."""
    from timeline_qt import drain

    t = time.perf_counter()
    runner.wait_done(int(WAIT_S * 1e3))
    drain()
    drain()
    return time.perf_counter() - t


class _Settled:
    def __init__(self, controller: Any) -> None:
        self.at: list[float] = []
        controller.sig_settled.connect(lambda: self.at.append(time.perf_counter()))


def _summary(rows: list[dict[str, Any]], key: str) -> dict[str, float | int]:
    from timeline_script import summary_ms

    return summary_ms([float(r[key]) / 1e3 for r in rows if r.get(key) is not None])


def _ui_p50(rows: list[dict[str, Any]]) -> dict[str, float]:
    names = sorted({n for r in rows for n in r["ui_thread_ms"]})
    return {n: round(float(np.median([r["ui_thread_ms"].get(n, 0.0) for r in rows])), 2)
            for n in names}


def _after(window: Any, paints: MapPaints, settled: _Settled, t0: float, n_high: int,
           shown: Any, phases: Phases) -> dict[str, object]:
    """Wait for ``sig_settled``, then for the map's repaint; the figures from ``t0``."""
    from timeline_qt import spin_until

    view = window.map_view
    ok = spin_until(lambda: bool(settled.at), WAIT_S)
    t_settled = settled.at[0] if settled.at else time.perf_counter()
    hits = [t for t, h in paints.highlights[n_high:] if shown(h)]
    t_high = hits[0] if hits else None
    if t_high is not None:
        spin_until(lambda: paints.first_end_after(view, t_high) is not None, 10.0)
    t_paint = None if t_high is None else paints.first_end_after(view, t_high)

    def ms(t: float | None) -> float | None:
        return None if t is None else round((t - t0) * 1e3, 2)

    return {"settled_ms": ms(t_settled), "timed_out": not ok, "highlight_ms": ms(t_high),
            "painted_ms": ms(t_paint), "shown": t_high is not None,
            "shown_for_ms": phases.ms("shown_for", t0, None, t_settled),
            "shown_for_started_ms": phases.started("shown_for", t0),
            "ui_thread_ms": phases.ui_between(t0, t_settled)}


def click_places(window: Any, runner: Any, paints: MapPaints, phases: Phases, count: int
                 ) -> dict[str, object]:
    """Click place dots on the map (busiest first, quietest last, spread between).

    Each place: ``set_view(x, y, 50 m/px)``, one repaint, then ``QTest.mouseClick`` at
    ``to_screen(x, y)``. If another dot is nearer that point, the click selects it and it is
    the one waited for. Timed from the click to ``map.sig_settled`` (the highlight is shown
    just before it), to ``show_highlight`` with the place in ``places``, and to the end of
    the map's next paint; ``shown_for`` is the map's worker computing the highlight and
    ``shown_for_started`` when it began (the rest of the wait is the pool and the GIL);
    ``click_chain`` is the click's own synchronous chain (state
    selection and every view's handler: table, timeline, inspector, cards, map); then the
    pool is let finish (``pool_idle``) before the next click.
    """
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest
    from timeline_qt import drain

    from app.state import EntityRef

    view = window.map_view
    s = view._scene
    drawn = view._places_drawn
    order = drawn[np.argsort(-s.place_events[drawn], kind="stable")]
    settled = _Settled(window.map)
    rows: list[dict[str, Any]] = []
    moved = 0
    for i in _spread(len(order), count):
        p = int(order[i])
        x, y = float(s.place_x[p]), float(s.place_y[p])
        view.set_view(x, y, CLICK_MPP)
        view.repaint()
        drain()
        point = view.to_screen(x, y).toPoint()
        refs, _text = view.items_at(QPointF(point))
        want = EntityRef("place", int(s.place_ids[p]))
        if refs != frozenset({want}):
            got = next(iter(refs)) if len(refs) == 1 else None
            if got is None or got.kind != "place":
                continue
            want, p, moved = got, int(np.flatnonzero(s.place_ids == got.id)[0]), moved + 1
        _clear_if(window, want)
        settled.at.clear()
        n_high = len(paints.highlights)
        t0 = time.perf_counter()
        QTest.mouseClick(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         point)
        t1 = time.perf_counter()
        row = {"place": want.id, "events": int(s.place_events[p]),
               "click_chain_ms": round((t1 - t0) * 1e3, 2),
               **_after(window, paints, settled, t0, n_high,
                        lambda h, p=p: bool(np.any(h.places == p)), phases),
               "selected": window.selection() == frozenset({want})}
        row["pool_idle_ms"] = round((time.perf_counter() - t0 + _quiet(runner)) * 1e3, 2)
        rows.append(row)
        say(f"place {want.id}: settled {row['settled_ms']} ms")
    return {"method": f"QTest.mouseClick on the place's dot at view.to_screen(x, y), the view "
                      f"centred on it at {CLICK_MPP} m/px; timed to map.sig_settled",
            "round_trip": _summary(rows, "settled_ms"),
            "highlight": _summary(rows, "highlight_ms"),
            "painted": _summary(rows, "painted_ms"),
            "click_chain": _summary(rows, "click_chain_ms"),
            "shown_for": _summary(rows, "shown_for_ms"),
            "shown_for_started": _summary(rows, "shown_for_started_ms"),
            "pool_idle": _summary(rows, "pool_idle_ms"),
            "ui_thread_until_settled_p50_ms": _ui_p50(rows),
            "clicked": len(rows), "another_dot_nearer": moved,
            "timed_out": sum(bool(r["timed_out"]) for r in rows),
            "not_shown": sum(not (r["shown"] and r["selected"]) for r in rows),
            "clicks": rows}


def select_shipments(window: Any, runner: Any, paints: MapPaints, phases: Phases, count: int
                     ) -> dict[str, object]:
    """``window.select(EntityRef('shipment', id))`` timed to ``map.sig_settled``.

    Shipments with the most placed legs first, then spread over the rest. ``highlight`` is
    ``show_highlight`` with legs; the map also frames the shipment (a selection from
    elsewhere than the map), so ``painted`` is a frame at a new view.
    """
    from app.state import EntityRef

    s = window.map_view._scene
    placed = (s.leg_origin >= 0) & (s.leg_destination >= 0)
    ids, legs = np.unique(s.leg_shipment[placed], return_counts=True)
    order = ids[np.argsort(-legs, kind="stable")]
    settled = _Settled(window.map)
    rows: list[dict[str, Any]] = []
    for i in _spread(len(order), count):
        ref = EntityRef("shipment", int(order[i]))
        _clear_if(window, ref)
        settled.at.clear()
        n_high = len(paints.highlights)
        t0 = time.perf_counter()
        window.select(ref)
        t1 = time.perf_counter()
        row = {"shipment": ref.id, "legs": int(np.count_nonzero(s.leg_shipment == ref.id)),
               "select_chain_ms": round((t1 - t0) * 1e3, 2),
               **_after(window, paints, settled, t0, n_high, lambda h: bool(len(h.legs)),
                        phases)}
        row["pool_idle_ms"] = round((time.perf_counter() - t0 + _quiet(runner)) * 1e3, 2)
        rows.append(row)
        say(f"shipment {ref.id}: settled {row['settled_ms']} ms")
    return {"method": "window.select(EntityRef('shipment', id)) timed to map.sig_settled",
            "round_trip": _summary(rows, "settled_ms"),
            "highlight": _summary(rows, "highlight_ms"),
            "painted": _summary(rows, "painted_ms"),
            "select_chain": _summary(rows, "select_chain_ms"),
            "shown_for": _summary(rows, "shown_for_ms"),
            "shown_for_started": _summary(rows, "shown_for_started_ms"),
            "ui_thread_until_settled_p50_ms": _ui_p50(rows),
            "timed_out": sum(bool(r["timed_out"]) for r in rows),
            "not_shown": sum(not r["shown"] for r in rows), "selections": rows}


# -- play ------------------------------------------------------------------------------------------
def play(window: Any, paints: MapPaints, phases: Phases, seconds: float) -> dict[str, object]:
    """Play at ×86,400 from the case's start, then from its middle, ``seconds`` each.

    The view is at France zoom with nothing selected; the speed is set with the play bar's
    ``]`` key. The event loop runs as on screen (``spin_until``: the play timer ticks, the
    view repaints on its update); every ``paintEvent`` of the map is counted and timed.
    """
    from timeline_qt import drain

    view, bar, player = window.map_view, window.map_panel.play, window.play
    window.select(None)
    drain()
    _name, cx, cy, mpp = PLAY_AT
    view.set_view(cx, cy, mpp)
    view.repaint()
    drain()
    for _ in range(8):
        if bar.speed >= PLAY_SPEED:
            break
        bar.handle_key("]")
    out: dict[str, object] = {"speed": bar.speed, "view": [cx, cy, mpp]}
    player.play(True)
    out["from_start"] = _play_window(window, paints, phases, seconds)
    player.play(False)
    drain()
    for _ in range(PLAY_MIDDLE_STEPS):
        player.step(1)
    drain()
    player.play(True)
    out["from_middle"] = _play_window(window, paints, phases, seconds)
    player.stop()
    drain()
    fps = [_get(out, k, "fps") for k in ("from_start", "from_middle")]
    out["fps_min"] = min(f for f in fps if f is not None) if any(
        f is not None for f in fps) else None
    return out


def _play_window(window: Any, paints: MapPaints, phases: Phases, seconds: float
                 ) -> dict[str, object]:
    from timeline_qt import spin_until
    from timeline_script import summary_ms

    view, player = window.map_view, window.play
    s = view._scene
    clock0 = player.clock
    n_ticks = len(phases.calls["set_clock"])
    t0 = time.perf_counter()
    spin_until(lambda: time.perf_counter() - t0 >= seconds or not player.playing, seconds + 30)
    t1 = time.perf_counter()
    clock1 = player.clock
    done = paints.of(view, t0, t1)
    starts = np.asarray([t for t, _d in done])
    ticks = [(t, d) for _k, t, d in phases.calls["set_clock"][n_ticks:] if t <= t1]
    moving = 0
    if clock1 is not None:
        dep, arr = s.leg_departed, s.leg_arrived
        moving = int(np.count_nonzero((dep >= 0) & (dep <= clock1) & (arr > clock1)))
    wall = t1 - t0
    return {"seconds": round(wall, 3), "paints": len(done),
            "fps": round(len(done) / wall, 2) if wall > 0 else None,
            "paint": summary_ms([d for _t, d in done]),
            "paint_interval": summary_ms(np.diff(starts).tolist()) if len(starts) > 1
            else {"n": 0},
            "paints_over_33ms": sum(d > 0.033 for _t, d in done),
            "ticks": len(ticks), "set_clock": summary_ms([d for _t, d in ticks]),
            "flow_merges": len([1 for _k, t, _d in phases.calls["merge_flows"] if t0 <= t <= t1]),
            "flow_merge_ms": phases.ms("merge_flows", t0, None, t1),
            "case_seconds_played": None if clock0 is None or clock1 is None
            else round((clock1 - clock0) / 1e6, 1),
            "still_playing": player.playing, "legs_under_way_at_end": moving}


def _get(tree: Any, *keys: object) -> Any:
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


# -- the views -------------------------------------------------------------------------------------
def place_views(window: Any, paints: MapPaints) -> tuple[Any, dict[str, object]]:
    """Float the map dock with its view at :data:`VIEW_SIZE`; a bare basemap view beside."""
    from timeline_qt import drain, spin_until

    from app.controllers.map_layers import basemap_layers
    from widgets.map.view import MapView

    dock, view = window.map_dock, window.map_view
    dock.setFloating(True)
    view.setFixedSize(*VIEW_SIZE)
    dock.show()
    dock.adjustSize()
    bare = MapView()
    bare.setWindowTitle("bare basemap")
    bare.setFixedSize(*VIEW_SIZE)
    bare.set_basemap(basemap_layers())
    t = time.perf_counter()
    bare.show()
    spin_until(lambda: bool(paints.of(bare, t)) and bool(paints.of(view, t)), 10.0)
    drain()
    return bare, {"how": "map dock floated (setFloating(True)), its MapView setFixedSize; "
                         "bare basemap: MapView() + set_basemap(basemap_layers()), its own "
                         "top-level window, setFixedSize",
                  "case_view": [view.width(), view.height()],
                  "bare_view": [bare.width(), bare.height()],
                  "dock_visible": dock.isVisible(), "dock_floating": dock.isFloating()}


# -- the scenarios ---------------------------------------------------------------------------------
def run_map(case: Path, timeout_s: float, frames: int, clicks: int, shipments: int,
            play_s: float) -> None:
    from timeline_qt import make_app, memory_mb, quit_fast

    make_app()
    phases, paints = Phases(), MapPaints()
    install(phases, paints)
    say(f"{case.name}: opening")
    window, runner, marks = open_window(case, timeout_s, with_map=True)
    result: dict[str, object] = {"events": _events(window),
                                 "open": _open_figures(window, marks, phases, paints)}
    if not marks.failed:
        mem: dict[str, object] = {}
        bare, result["views"] = place_views(window, paints)
        mem["after_views"] = memory_mb()  # the bare view's basemap paths, the dock's window
        say(f"{case.name}: frame script ({frames} frames a level)")
        result["frames"] = frame_script(window.map_view, bare, paints, frames)
        bare.hide()
        mem["after_frames"] = memory_mb()
        say(f"{case.name}: {clicks} clicks on place dots")
        result["click"] = click_places(window, runner, paints, phases, clicks)
        say(f"{case.name}: {shipments} shipments selected")
        result["shipment"] = select_shipments(window, runner, paints, phases, shipments)
        mem["after_selections"] = memory_mb()
        say(f"{case.name}: play")
        result["play"] = play(window, paints, phases, play_s)
        mem["after_play"] = memory_mb()
        result["memory"] = {**marks.mem, **mem}
    window.close()
    quit_fast(runner, lambda: print(json.dumps(result), flush=True))


def run_nomap(case: Path, timeout_s: float) -> None:
    from timeline_qt import make_app, quit_fast

    import app.controllers.map as map_controller

    make_app()

    def skip(self: object, _event_set: object) -> None:
        return None

    map_controller.MapController._on_events_loaded = skip  # type: ignore[method-assign]
    window, runner, marks = open_window(case, timeout_s, with_map=False)
    result = {"events": _events(window), "failed": marks.failed or None,
              "map_ready": window.map.ready, "memory": marks.mem,
              "open_to_loaded_ms": marks.ms("open_called", "loaded")}
    window.close()
    quit_fast(runner, lambda: print(json.dumps(result), flush=True))


def _events(window: Any) -> int | None:
    events = window.evidence.events
    return None if events is None else len(events.columns.ts)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", choices=("map", "nomap"))
    p.add_argument("--case", type=Path, required=True)
    p.add_argument("--frames", type=int, default=40, help="timed frames per zoom level")
    p.add_argument("--clicks", type=int, default=20, help="place dots clicked")
    p.add_argument("--shipments", type=int, default=10, help="shipments selected")
    p.add_argument("--play-seconds", type=float, default=3.0, help="each play window")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for ready")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.scenario == "map":
        run_map(args.case, args.timeout, args.frames, args.clicks, args.shipments,
                args.play_seconds)
    else:
        run_nomap(args.case, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
