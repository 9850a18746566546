"""One actor-cards measurement in a fresh process; ``bench/cards.py`` reads its JSON line.

    python bench/cards_probe.py cards   --case PATH [--clicks 30] [--queries 20] [--charts 10]
    python bench/cards_probe.py nocards --case PATH

``cards`` opens the case as the app does and times, in this one process: the gallery after
the case is ready, a full card after a real mouse click on a gallery row, the gallery's
identifier search, and the link chart after a selection; VmRSS is read at each step.
``nocards`` opens the same case with the cards controller's build switched off (its class
patched in this process only; the app's code is not changed) and reads VmRSS at the same
settled point: the difference is what the cards hold.

Where the time goes is measured with ``perf_counter`` wrappers, installed on their module or
class before the window is built: the functions ``app/controllers/cards.py`` calls on its
workers (reads, formatting, the chart's layout), every view controller's selection handler,
and every ``LatestOnly`` result handed to the UI thread (which view's answer the card waited
behind). The last line on stdout is the JSON result; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

SETTLE_S = 600.0  # the shared-identifier scan, value checks and column cache after ready
WAIT_S = 300.0  # longest wait for one card or chart; a later one is reported as a time-out
SEARCH_REPEAT = 3  # each query typed into an empty box this many times
CLICK_ENDS = 5  # the most and the least active cards are clicked, then rows spread between
SELECTION_HANDLERS = (("app.controllers.timeline", "TimelineController",
                       "_on_state_selection_changed"),
                      ("app.controllers.table", "TableController",
                       "_on_state_selection_changed"),
                      ("app.controllers.inspector", "InspectorController", "show"),
                      ("app.controllers.cards", "CardsController",
                       "_on_state_selection_changed"))


BUILD_STEPS = ("read_directory", "read_relations", "actor_figures", "gallery_columns",
               "link_index", "read_actor_aggregates")

def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# -- instrumentation -------------------------------------------------------------------------------
class Phases:
    """``(key, start, seconds)`` of each timed call, by name; ``ui`` names run on the UI thread."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[int | None, float, float]]] = defaultdict(list)
        self.ui: set[str] = set()
        self._lock = threading.Lock()

    def add(self, name: str, key: int | None, start: float, seconds: float) -> None:
        with self._lock:
            self.calls[name].append((key, start, seconds))

    def wrap(self, owner: Any, name: str, key_arg: int | None = None, *, label: str = "",
             ui: bool = False) -> None:
        original, label = getattr(owner, name), label or name
        if ui:
            self.ui.add(label)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                key = args[key_arg] if key_arg is not None and len(args) > key_arg else None
                self.add(label, key if isinstance(key, int) else None, t,
                         time.perf_counter() - t)

        setattr(owner, name, timed)

    def install(self) -> None:
        import importlib

        import app.controllers.cards as cards
        import widgets.cards.card as card
        import widgets.cards.gallery as gallery
        import widgets.cards.link_chart as link_chart
        from app.workers import LatestOnly

        for name in BUILD_STEPS:
            self.wrap(cards, name)
        self.wrap(cards, "read_actor_detail", 1)
        self.wrap(cards, "full_card", 0)
        self.wrap(cards, "network", 0)
        for module, cls, name in SELECTION_HANDLERS:
            owner = getattr(importlib.import_module(module), cls)
            self.wrap(owner, name, label=f"{cls}.{name}", ui=True)
        self.wrap(gallery._GalleryModel, "_refilter")
        self.wrap(card.ActorCardView, "show_card", ui=True)
        self.wrap(link_chart.LinkChartView, "show_graph", ui=True)
        original, phases = LatestOnly.request, self

        def request(job: Any, fn: Any, on_done: Any, *rest: Any, **options: Any) -> None:
            label = "result to " + getattr(on_done, "__qualname__", "?").replace(
                ".<locals>", "")
            phases.ui.add(label)

            def done(result: Any) -> None:
                t = time.perf_counter()
                try:
                    on_done(result)
                finally:
                    phases.add(label, None, t, time.perf_counter() - t)

            original(job, fn, done, *rest, **options)

        LatestOnly.request = request  # type: ignore[method-assign]

    def _matching(self, name: str, t0: float, t1: float, key: int | None
                  ) -> list[tuple[float, float]]:
        with self._lock:
            return [(t, d) for k, t, d in self.calls[name]
                    if t0 <= t <= t1 and (key is None or k == key)]

    def ms(self, name: str, t0: float, key: int | None = None, t1: float = np.inf
           ) -> float | None:
        """Milliseconds spent in ``name``'s calls that started in ``[t0, t1]``."""
        got = self._matching(name, t0, t1, key)
        return round(sum(d for _t, d in got) * 1e3, 2) if got else None

    def started(self, name: str, t0: float, key: int | None = None) -> float | None:
        """Milliseconds from ``t0`` to the first call of ``name`` after it."""
        got = self._matching(name, t0, np.inf, key)
        return round((min(t for t, _d in got) - t0) * 1e3, 2) if got else None

    def ended(self, name: str, t0: float, key: int | None = None) -> float | None:
        got = self._matching(name, t0, np.inf, key)
        return round((max(t + d for t, d in got) - t0) * 1e3, 2) if got else None

    def ui_between(self, t0: float, t1: float) -> dict[str, float]:
        """UI-thread milliseconds by handler, for calls that started in ``[t0, t1]``."""
        out = {name: self.ms(name, t0, None, t1) for name in sorted(self.ui)}
        return {k: v for k, v in out.items() if v}

    def build_ms(self) -> dict[str, list[float]]:
        with self._lock:
            return {name: [round(d * 1e3, 1) for _k, _t, d in self.calls[name]]
                    for name in BUILD_STEPS}


def _arrivals(signal: Any) -> dict[int, float]:
    """Actor id → ``perf_counter`` when ``signal(actor)`` came (pop an id before waiting)."""
    at: dict[int, float] = {}
    signal.connect(lambda actor: at.setdefault(int(actor), time.perf_counter()))
    return at


# -- opening ---------------------------------------------------------------------------------------
class Marks:
    """``perf_counter`` and VmRSS at the first time each named moment comes."""

    def __init__(self) -> None:
        self.t: dict[str, float] = {}
        self.mem: dict[str, dict[str, float]] = {}
        self.failed = ""

    def hit(self, name: str) -> None:
        from timeline_qt import memory_mb

        if name not in self.t:
            self.t[name] = time.perf_counter()
            self.mem[name] = memory_mb()

    def ms(self, a: str, b: str) -> float | None:
        return round((self.t[b] - self.t[a]) * 1e3, 1) if a in self.t and b in self.t else None


def open_window(case: Path, timeout_s: float, *, cards: bool
                ) -> tuple[Any, Any, Marks, list[tuple[float, float, int]]]:
    """Build the window, open ``case``, wait until settled; marks and the gallery's fills.

    Settled: ``sig_ready`` (with cards) or the events loaded, the hash and the value checks
    done (without), then the shared-identifier scan's refill of the gallery (with cards), no
    task left on the pool and the column cache written. ``settled_trimmed`` is VmRSS after
    ``gc.collect()`` and ``malloc_trim``: what is live, without the allocator's free pages.
    """
    from timeline_qt import drain, new_window, spin_until

    from app.memory import release_free_memory
    from app.workers import Runner

    runner = Runner()
    window = new_window(runner)
    marks = Marks()
    fills: list[tuple[float, float, int]] = []  # (start, seconds, cards) of non-empty fills
    gallery = window.gallery
    fill = gallery.set_columns

    def timed_fill(columns: Any) -> None:
        t = time.perf_counter()
        fill(columns)
        if len(columns):
            fills.append((t, time.perf_counter() - t, len(columns)))
            marks.hit("gallery_filled" if len(fills) == 1 else "gallery_refilled")

    gallery.set_columns = timed_fill  # the controller calls it through the instance
    painted = _FirstPaint(gallery.list_view().viewport(), marks)
    window.evidence.sig_events_loaded.connect(lambda _e: marks.hit("events_loaded"))
    window.evidence.sig_loaded.connect(lambda: marks.hit("loaded"))
    window.cards.sig_cards_shown.connect(lambda: (marks.hit("cards_shown"), painted.arm()))
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
        if marks.failed or (cards and "ready" in marks.t):
            return True
        return not cards and all(k in marks.t for k in ("loaded", "session_ready",
                                                         "value_checks"))

    if not spin_until(ready, timeout_s):
        marks.failed = f"not ready after {timeout_s:.0f} s"
    if cards and not marks.failed and not spin_until(lambda: len(fills) >= 2, SETTLE_S):
        marks.failed = "the gallery was not refilled after the shared-identifier scan"
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
    return window, runner, marks, fills


class _FirstPaint:
    """Marks ``gallery_painted``: the first paint event of the gallery's list after ``arm()``."""

    def __init__(self, viewport: Any, marks: Marks) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint, outer = QEvent.Type.Paint, self
        self.armed = False

        class Filter(QObject):
            def eventFilter(self, _watched: Any, event: Any) -> bool:
                if outer.armed and event.type() == paint:
                    marks.hit("gallery_painted")
                return False

        self._filter = Filter(viewport)
        viewport.installEventFilter(self._filter)

    def arm(self) -> None:
        self.armed = True


def _open_figures(marks: Marks, fills: list[tuple[float, float, int]], phases: Phases
                  ) -> dict[str, object]:
    """The gallery against the case's readiness (``evidence.sig_loaded``), and its build."""
    after_ready = marks.ms("loaded", "cards_shown")
    return {
        "failed": marks.failed or None,
        "open_to_loaded_ms": marks.ms("open_called", "loaded"),
        "open_to_ready_ms": marks.ms("open_called", "ready"),
        "events_loaded_to_loaded_ms": marks.ms("events_loaded", "loaded"),
        "events_loaded_to_cards_shown_ms": marks.ms("events_loaded", "cards_shown"),
        "loaded_to_cards_shown_ms": after_ready,
        "gallery_after_ready_ms": None if after_ready is None else max(after_ready, 0.0),
        "gallery_after_ready_note": "loaded_to_cards_shown_ms, or 0 if the gallery came first "
                                    "(its build starts at sig_events_loaded, before sig_loaded)",
        "loaded_to_gallery_painted_ms": marks.ms("loaded", "gallery_painted"),
        "cards_shown_to_refilled_ms": marks.ms("cards_shown", "gallery_refilled"),
        "ready_to_settled_ms": marks.ms("ready", "settled"),
        "gallery_fill_ms": [round(s * 1e3, 1) for _t, s, _n in fills],
        "cards": fills[0][2] if fills else None,
        "build_steps_ms": phases.build_ms(),
    }


# -- the steps on a settled window -------------------------------------------------------------
def _spread_rows(n: int, count: int) -> list[int]:
    ends = min(CLICK_ENDS, count // 2)
    middle = np.linspace(ends, n - 1 - ends, max(count - 2 * ends, 0) + 2)[1:-1]
    rows = [*range(ends), *middle.round().astype(int).tolist(), *range(n - ends, n)]
    return sorted({r for r in rows if 0 <= r < n})


def _select_apart(window: Any, actor: int) -> None:
    """Make sure selecting ``actor`` changes the selection (a no-op selection emits nothing)."""
    from timeline_qt import drain

    from app.state import EntityRef

    if window.selection() == frozenset({EntityRef("actor", actor)}):
        window.select(None)
        drain()


def _wait(done: Any, since: float) -> float | None:
    """Seconds until ``done()`` (spinning the event loop), or None after ``WAIT_S``."""
    from timeline_qt import spin_until

    return time.perf_counter() - since if spin_until(done, WAIT_S) else None


def _summary(rows: list[dict[str, object]], key: str) -> dict[str, float | int]:
    from timeline_script import summary_ms

    return summary_ms([float(r[key]) / 1e3 for r in rows if r.get(key) is not None])


def click_cards(window: Any, phases: Phases, count: int) -> dict[str, object]:
    """Click gallery rows (most active first, least active last); time each until its card.

    A click is ``QTest.mouseClick`` at the centre of the row's ``visualRect`` after
    ``scrollTo``; the time runs to the controller's ``sig_card_shown`` for that actor (the
    card's ``show_card`` has returned). A card that does not come within ``WAIT_S`` counts
    with the time waited and ``timed_out``. The loop then waits for the same actor's link
    chart and drains the event loop, so the next click starts from a quiet window.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from timeline_qt import drain

    from app.state import EntityRef

    view = window.gallery.list_view()
    model, viewport = view.model(), view.viewport()
    ids = window.gallery.shown_ids()
    actor_col = window.evidence.events.columns.actor
    counts = np.bincount(actor_col[actor_col >= 0])
    card_at, chart_at = (_arrivals(window.cards.sig_card_shown),
                         _arrivals(window.cards.sig_chart_shown))
    clicks: list[dict[str, object]] = []
    missed = 0
    for row in _spread_rows(len(ids), count):
        actor = ids[row]
        _select_apart(window, actor)
        index = model.index(row, 0)
        view.scrollTo(index)
        drain()
        drain()
        point = view.visualRect(index).center()
        if not viewport.rect().contains(point):
            missed += 1
            continue
        card_at.pop(actor, None)
        chart_at.pop(actor, None)
        t0 = time.perf_counter()
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         point)
        t1 = time.perf_counter()
        waited = _wait(lambda a=actor: a in card_at, t0)
        card_s = card_at[actor] - t0 if actor in card_at else time.perf_counter() - t0
        drain()
        painted_s = time.perf_counter() - t0
        t_card = t0 + card_s
        _wait(lambda a=actor: a in chart_at, t0)
        drain()
        settled_s = time.perf_counter() - t0
        clicks.append({
            "row": row, "actor": actor,
            "events": int(counts[actor]) if actor < len(counts) else 0,
            "card_ms": round(card_s * 1e3, 2), "timed_out": waited is None,
            "card_painted_ms": round(painted_s * 1e3, 2),
            "click_chain_ms": round((t1 - t0) * 1e3, 2),
            "card_task_started_ms": phases.started("read_actor_detail", t0, actor),
            "detail_sql_ms": phases.ms("read_actor_detail", t0, actor),
            "full_card_ms": phases.ms("full_card", t0, actor),
            "card_task_ended_ms": phases.ended("full_card", t0, actor),
            "show_card_started_ms": phases.started("show_card", t0),
            "ui_thread_until_card_ms": phases.ui_between(t0, t_card),
            "chart_ms": round((chart_at[actor] - t0) * 1e3, 2) if actor in chart_at else None,
            "chart_layout_ms": phases.ms("network", t0, actor),
            "settled_ms": round(settled_s * 1e3, 2),
            "shown": (window.card.shown_actor() == actor
                      and window.selection() == frozenset({EntityRef("actor", actor)}))})
        say(f"row {row}: card {card_s * 1e3:.0f} ms, settled {settled_s * 1e3:.0f} ms")
    return {"method": "QTest.mouseClick at view.visualRect(index).center() after "
                      "view.scrollTo(index), timed to sig_card_shown(actor)",
            "card": _summary(clicks, "card_ms"), "card_painted": _summary(clicks,
                                                                          "card_painted_ms"),
            "click_chain": _summary(clicks, "click_chain_ms"),
            "detail_sql": _summary(clicks, "detail_sql_ms"),
            "full_card": _summary(clicks, "full_card_ms"),
            "chart_after_click": _summary(clicks, "chart_ms"),
            "settled": _summary(clicks, "settled_ms"),
            "ui_thread_until_card_p50_ms": _ui_p50(clicks),
            "rows": len(ids), "clicked": len(clicks), "missed": missed,
            "timed_out": sum(bool(c["timed_out"]) for c in clicks),
            "not_shown": sum(not c["shown"] for c in clicks), "clicks": clicks}


def _ui_p50(clicks: list[dict[str, Any]]) -> dict[str, float]:
    names = sorted({n for c in clicks for n in c["ui_thread_until_card_ms"]})
    return {n: round(float(np.median([c["ui_thread_until_card_ms"].get(n, 0.0)
                                      for c in clicks])), 2) for n in names}


def search(window: Any, queries: list[tuple[str, str, int]], phases: Phases
           ) -> dict[str, object]:
    """``gallery.set_query(q)`` into an empty box, timed until it returns (it is synchronous).

    ``shown_ids()`` is read after the clock stops, to check that the actor holding the
    identifier is listed; ``painted`` adds one pass of the event loop (the list's repaint).
    """
    from timeline_qt import drain
    from timeline_script import summary_ms

    gallery = window.gallery
    times: list[float] = []
    painted: list[float] = []
    per_query: list[dict[str, object]] = []
    for kind, query, actor in queries:
        runs: list[float] = []
        ids: list[int] = []
        refilter: list[float] = []
        for _ in range(SEARCH_REPEAT):
            gallery.set_query("")
            drain()
            t0 = time.perf_counter()
            gallery.set_query(query)
            t1 = time.perf_counter()
            refilter.append(phases.ms("_refilter", t0) or 0.0)
            ids = gallery.shown_ids()
            t2 = time.perf_counter()
            drain()
            runs.append(t1 - t0)
            painted.append(t1 - t0 + time.perf_counter() - t2)
        times += runs
        per_query.append({"kind": kind, "query": query, "hits": len(ids),
                          "found": actor in ids, "ms": summary_ms(runs)["p50"],
                          "model_refilter_ms": round(float(np.median(refilter)), 2)})
    gallery.set_query("")
    drain()
    return {"method": f"gallery.set_query(q) into an empty box, {SEARCH_REPEAT} times each",
            "query": summary_ms(times), "painted": summary_ms(painted),
            "queries": len(per_query), "not_found": sum(not q["found"] for q in per_query),
            "per_query": per_query}


def show_charts(window: Any, phases: Phases, picks: dict[int, str]) -> dict[str, object]:
    """``window.select(actor)`` timed to ``sig_chart_shown(actor)``, as many as ``picks``.

    A chart that does not come within ``WAIT_S`` counts with the time waited and
    ``timed_out``; the loop then waits for the card too and drains the event loop.
    """
    from timeline_qt import drain

    from app.state import EntityRef

    card_at, chart_at = (_arrivals(window.cards.sig_card_shown),
                         _arrivals(window.cards.sig_chart_shown))
    charts: list[dict[str, object]] = []
    for actor, why in picks.items():
        _select_apart(window, actor)
        card_at.pop(actor, None)
        chart_at.pop(actor, None)
        t0 = time.perf_counter()
        window.select(EntityRef("actor", actor))
        waited = _wait(lambda a=actor: a in chart_at, t0)
        chart_s = chart_at[actor] - t0 if actor in chart_at else time.perf_counter() - t0
        _wait(lambda a=actor: a in card_at, t0)
        drain()
        charts.append({"actor": actor, "why": why, "chart_ms": round(chart_s * 1e3, 2),
                       "timed_out": waited is None,
                       "nodes": len(window.link_chart.node_ids()),
                       "layout_ms": phases.ms("network", t0, actor),
                       "ui_thread_until_chart_ms": phases.ui_between(t0, t0 + chart_s),
                       "card_ms": round((card_at[actor] - t0) * 1e3, 2)
                       if actor in card_at else None})
        say(f"chart of {actor} ({why}): {chart_s * 1e3:.0f} ms")
    return {"method": "window.select(EntityRef('actor', id)) timed to sig_chart_shown(id)",
            "chart": _summary(charts, "chart_ms"), "layout": _summary(charts, "layout_ms"),
            "timed_out": sum(bool(c["timed_out"]) for c in charts), "charts": charts}


def chart_picks(window: Any, connected: tuple[list[int], list[int]], count: int
                ) -> dict[int, str]:
    """The actors with the most relations, the most shared identifiers, then gallery rows."""
    by_relations, by_shared = connected
    ids = window.gallery.shown_ids()
    picks: dict[int, str] = {}
    for actor in by_relations[:max(1, count * 4 // 10)]:
        picks.setdefault(actor, "most relations")
    for actor in by_shared[:max(1, count // 5)]:
        picks.setdefault(actor, "most shared identifiers")
    for row in _spread_rows(len(ids), count):
        if len(picks) < count:
            picks.setdefault(ids[row], f"gallery row {row}")
    return picks


# -- the scenarios ---------------------------------------------------------------------------------
def run_cards(case: Path, timeout_s: float, clicks: int, queries: int, charts: int) -> None:
    from cards import case_queries, connected_actors
    from timeline_qt import make_app, memory_mb, quit_fast

    make_app()
    phases = Phases()
    phases.install()
    say(f"{case.name}: opening")
    window, runner, marks, fills = open_window(case, timeout_s, cards=True)
    result: dict[str, object] = {"events": _events(window),
                                 "open": _open_figures(marks, fills, phases)}
    if not marks.failed:
        mem: dict[str, object] = {}
        say(f"{case.name}: {clicks} clicks on gallery rows")
        result["card"] = click_cards(window, phases, clicks)
        mem["after_clicks"] = memory_mb()
        say(f"{case.name}: {queries} identifier searches")
        result["search"] = search(window, case_queries(case, queries), phases)
        mem["after_search"] = memory_mb()
        say(f"{case.name}: {charts} link charts")
        result["chart"] = show_charts(
            window, phases, chart_picks(window, connected_actors(case, charts), charts))
        mem["after_charts"] = memory_mb()
        result["memory"] = {**marks.mem, **mem}
    window.close()
    quit_fast(runner, lambda: print(json.dumps(result), flush=True))


def run_nocards(case: Path, timeout_s: float) -> None:
    from timeline_qt import make_app, quit_fast

    import app.controllers.cards as cards

    make_app()

    def skip(self: object, _event_set: object) -> None:
        return None

    cards.CardsController._on_events_loaded = skip  # type: ignore[method-assign]
    cards.CardsController._on_session_opened = skip  # type: ignore[method-assign]
    window, runner, marks, _fills = open_window(case, timeout_s, cards=False)
    result = {"events": _events(window), "failed": marks.failed or None,
              "cards_built": window.cards.ready, "memory": marks.mem,
              "open_to_loaded_ms": marks.ms("open_called", "loaded")}
    window.close()
    quit_fast(runner, lambda: print(json.dumps(result), flush=True))


def _events(window: Any) -> int | None:
    events = window.evidence.events
    return None if events is None else len(events.columns.ts)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", choices=("cards", "nocards"))
    p.add_argument("--case", type=Path, required=True)
    p.add_argument("--clicks", type=int, default=30, help="gallery rows clicked")
    p.add_argument("--queries", type=int, default=20, help="identifier searches")
    p.add_argument("--charts", type=int, default=10, help="link charts shown")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for ready")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.scenario == "cards":
        run_cards(args.case, args.timeout, args.clicks, args.queries, args.charts)
    else:
        run_nocards(args.case, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
