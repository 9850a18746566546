"""One actor-cards measurement in a fresh process; ``bench/cards.py`` reads its JSON line.

    python bench/cards_probe.py cards   --case PATH [--clicks 30] [--queries 20] [--charts 10]
    python bench/cards_probe.py nocards --case PATH

``cards`` opens the case as the app does and times, in this one process: the gallery after
the case is ready, a full card after a real mouse click on a gallery row, the gallery's
identifier search, and the link chart after a selection; VmRSS is read at each step.
``nocards`` opens the same case with the cards controller's build switched off (a patch of
its class in this process only; the app's code is not changed) and reads VmRSS at the same
settled point: the difference is what the cards hold.

Where the time goes is measured with ``perf_counter`` wrappers around the functions
``app/controllers/cards.py`` calls (the reads, the formatting, the chart's layout) and around
the controller's UI-thread handlers, installed on their module and class before the window
is built. The last line on stdout is the JSON result; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

SETTLE_S = 600.0  # the shared-identifier scan, value checks and column cache after ready


def _print(result: dict[str, object]) -> None:
    print(json.dumps(result), flush=True)


def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# -- instrumentation: perf_counter around what the cards controller calls ----------------------
class Phases:
    """Durations of the cards controller's steps, keyed by step (and actor where it has one).

    Module functions (``read_actor_detail``, ``full_card``, ``network``…) are looked up as
    globals when the controller's tasks run, so replacing them on ``app.controllers.cards``
    times them on the workers. The UI-thread handlers are replaced on the class before the
    window connects them.
    """

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[int | None, float, float]]] = defaultdict(list)
        self._lock = threading.Lock()

    def wrap(self, owner: Any, name: str, key_arg: int | None = None) -> None:
        original = getattr(owner, name)
        calls, lock = self.calls[name], self._lock

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                end = time.perf_counter()
                key = args[key_arg] if key_arg is not None and len(args) > key_arg else None
                with lock:
                    calls.append((key if isinstance(key, int) else None, t, end - t))

        setattr(owner, name, timed)

    def install(self) -> None:
        import app.controllers.cards as cards
        import widgets.cards.card as card
        import widgets.cards.gallery as gallery
        import widgets.cards.link_chart as link_chart

        for name in ("read_directory", "read_relations", "actor_figures", "summaries",
                     "read_shared_on_events"):
            self.wrap(cards, name)
        self.wrap(cards, "read_actor_detail", 1)
        self.wrap(cards, "full_card", 0)
        self.wrap(cards, "network", 0)
        ctrl = cards.CardsController
        self.wrap(ctrl, "_on_state_selection_changed")
        self.wrap(ctrl, "_show_card", 1)
        self.wrap(ctrl, "_show_chart", 1)
        self.wrap(gallery._GalleryModel, "_refilter")
        self.wrap(card.ActorCardView, "show_card")
        self.wrap(link_chart.LinkChartView, "show_graph")

    def since(self, name: str, t0: float, actor: int | None = None) -> float | None:
        """Milliseconds of ``name``'s calls started after ``t0`` (for ``actor`` if given)."""
        with self._lock:
            got = [d for k, t, d in self.calls[name] if t >= t0 and (actor is None or k == actor)]
        return round(sum(got) * 1e3, 2) if got else None

    def started(self, name: str, t0: float, actor: int | None = None) -> float | None:
        """Milliseconds from ``t0`` to the first call of ``name`` after it."""
        with self._lock:
            got = [t for k, t, _d in self.calls[name]
                   if t >= t0 and (actor is None or k == actor)]
        return round((min(got) - t0) * 1e3, 2) if got else None

    def build_ms(self) -> dict[str, list[float]]:
        with self._lock:
            return {name: [round(d * 1e3, 1) for _k, _t, d in self.calls[name]]
                    for name in ("read_directory", "read_relations", "actor_figures",
                                 "summaries", "read_shared_on_events")}


# -- opening -------------------------------------------------------------------------------------
class Marks:
    """``perf_counter`` and VmRSS at each signal of one opening."""

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


def open_window(case: Path, timeout_s: float, *, cards: bool) -> tuple[Any, Any, Marks, list]:
    """Build the window, connect the marks, open ``case`` and wait until everything settled.

    Settled: the window's ``sig_ready`` (with cards) or the events loaded, the hash and the
    value checks done (without), then the shared-identifier scan's gallery refill (with
    cards), no task left on the pool and the column cache written.
    """
    from timeline_qt import drain, new_window, spin_until

    from app.workers import Runner

    runner = Runner()
    window = new_window(runner)
    marks = Marks()
    fills: list[tuple[float, float, int]] = []  # (start, seconds, cards) per non-empty fill
    gallery = window.gallery
    fill = gallery.set_cards

    def timed_fill(cards_: Any) -> None:
        t = time.perf_counter()
        fill(cards_)
        if len(cards_):
            fills.append((t, time.perf_counter() - t, len(cards_)))
            marks.hit("gallery_filled" if len(fills) == 1 else "gallery_refilled")

    gallery.set_cards = timed_fill  # the controller calls it through the instance
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
        if marks.failed:
            return True
        if cards:
            return "ready" in marks.t
        return all(k in marks.t for k in ("loaded", "session_ready", "value_checks"))

    if not spin_until(ready, timeout_s):
        marks.failed = f"not ready after {timeout_s:.0f} s"
    if cards and not marks.failed and not spin_until(lambda: len(fills) >= 2, SETTLE_S):
        marks.failed = "the gallery was not refilled after the shared-identifier scan"
    runner.wait_done(int(SETTLE_S * 1e3))
    for thread in threading.enumerate():
        if thread.name == "keep-columns":  # the column cache's write (app/controllers)
            thread.join(SETTLE_S)
    drain()
    drain()
    marks.hit("settled")
    return window, runner, marks, fills


class _FirstPaint:
    """Marks the first paint event the gallery's viewport gets after ``arm()``."""

    def __init__(self, viewport: Any, marks: Marks) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint, self._armed = QEvent.Type.Paint, False
        outer = self

        class Filter(QObject):
            def eventFilter(self, _watched: Any, event: Any) -> bool:
                if outer._armed and event.type() == paint:
                    marks.hit("gallery_painted")
                return False

        self._filter = Filter(viewport)
        viewport.installEventFilter(self._filter)

    def arm(self) -> None:
        self._armed = True


# -- what the case holds: the queries and the actors to select --------------------------------
def case_queries(case: Path, count: int) -> list[tuple[str, str, int]]:
    """``(kind, query, an actor it must find)``: fragments of real identifier values.

    Parts of phone numbers as typed (with spaces), account-name prefixes (a whole account
    but its last character, and a network's prefix up to ``_``), wallet prefixes, IBAN and
    IMEI groups, all from identifiers that are attributed to an actor.
    """
    plan = (("phone", max(2, count * 3 // 10)), ("account", max(2, count * 3 // 10)),
            ("wallet", max(1, count // 4)), ("iban", max(1, count // 10)), ("other", 1))
    out: list[tuple[str, str, int]] = []
    con = sqlite3.connect(f"{case.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for kind, n in plan:
            rows = con.execute(
                "SELECT i.value, min(a.actor_id) FROM identifier i JOIN attribution a "
                "ON a.identifier_id = i.id WHERE i.kind = ? AND typeof(i.value) = 'text' "
                "GROUP BY i.id ORDER BY i.id", (kind,)).fetchall()
            if not rows:
                continue
            picks = np.unique(np.linspace(0, len(rows) - 1, n).astype(int))
            for k, pos in enumerate(picks.tolist()):
                value, actor = rows[pos]
                out.append((kind, _fragment(kind, str(value), k), int(actor)))
    finally:
        con.close()
    return out[:count]


def _fragment(kind: str, value: str, k: int) -> str:
    parts = value.split()
    if kind == "phone":  # "+33 6 39 98 51" or "98 51 64"
        return " ".join(parts[:-1]) if k % 2 == 0 else " ".join(parts[-3:])
    if kind == "account":  # "buyer14_6" or "buyer14_"
        cut = value.find("_")
        return value[:-1] if k % 2 == 0 or cut < 1 else value[:cut + 1]
    if kind == "wallet":
        return value[:10]
    if kind in ("iban", "other") and len(parts) >= 3:  # "4952 1300", "527423 522324"
        return " ".join(parts[3:5] if kind == "iban" else parts[1:3])
    return value[: max(4, len(value) - 2)]


def connected_actors(case: Path, count: int) -> tuple[list[int], list[int]]:
    """The actors with the most relations, then those holding the most shared identifiers."""
    con = sqlite3.connect(f"{case.resolve().as_uri()}?mode=ro", uri=True)
    try:
        by_relations = [a for (a,) in con.execute(
            "SELECT a FROM (SELECT from_actor_id a FROM relation UNION ALL "
            "SELECT to_actor_id FROM relation) GROUP BY a ORDER BY count(*) DESC, a LIMIT ?",
            (count,))]
        by_shared = [a for (a,) in con.execute(
            "SELECT actor_id FROM attribution WHERE identifier_id IN (SELECT identifier_id "
            "FROM attribution GROUP BY identifier_id HAVING count(DISTINCT actor_id) > 1) "
            "GROUP BY actor_id ORDER BY count(*) DESC, actor_id LIMIT ?", (count,))]
    finally:
        con.close()
    return [int(a) for a in by_relations], [int(a) for a in by_shared]


# -- the steps on a settled window ---------------------------------------------------------------
SEARCH_REPEAT = 3  # each query typed into an empty box this many times
CLICK_ENDS = 5  # the most and the least active cards are clicked, then rows spread between


def _arrivals(signal: Any) -> dict[int, float]:
    """Actor id → ``perf_counter`` when ``signal(actor)`` came (pop an id before waiting)."""
    at: dict[int, float] = {}
    signal.connect(lambda actor: at.setdefault(int(actor), time.perf_counter()))
    return at


def _spread_rows(n: int, count: int) -> list[int]:
    ends = min(CLICK_ENDS, count // 2)
    middle = np.linspace(ends, n - 1 - ends, max(count - 2 * ends, 0) + 2)[1:-1]
    rows = [*range(ends), *middle.round().astype(int).tolist(), *range(n - ends, n)]
    return sorted({r for r in rows if 0 <= r < n})


def _event_counts(window: Any) -> dict[int, int]:
    actor = window.evidence.events.columns.actor
    counts = np.bincount(actor[actor >= 0])
    return {int(a): int(counts[a]) for a in np.flatnonzero(counts)}


def _select_apart(window: Any, actor: int) -> None:
    """Make sure selecting ``actor`` changes the selection (a no-op selection emits nothing)."""
    from timeline_qt import drain

    from app.state import EntityRef

    if window.selection() == frozenset({EntityRef("actor", actor)}):
        window.select(None)
        drain()


def _end(phases: Phases, name: str, t0: float, actor: int) -> float | None:
    start, took = phases.started(name, t0, actor), phases.since(name, t0, actor)
    return None if start is None or took is None else round(start + took, 2)


def click_cards(window: Any, phases: Phases, count: int) -> dict[str, object]:
    """Click gallery rows (most active first, least active last); time each until its card.

    A click is ``QTest.mouseClick`` at the centre of the row's ``visualRect`` after
    ``scrollTo``; the time runs to the controller's ``sig_card_shown`` for that actor (the
    card's ``show_card`` has returned). The event loop then runs until the link chart of
    the same actor is drawn too, so the next click starts from a quiet window.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from timeline_qt import drain, spin_until
    from timeline_script import summary_ms

    from app.state import EntityRef

    view = window.gallery.list_view()
    model, viewport = view.model(), view.viewport()
    ids = window.gallery.shown_ids()
    events = _event_counts(window)
    card_at, chart_at = _arrivals(window.cards.sig_card_shown), _arrivals(
        window.cards.sig_chart_shown)
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
        if not spin_until(lambda a=actor: a in card_at, 60.0):
            missed += 1
            continue
        drain()
        t2 = time.perf_counter()
        spin_until(lambda a=actor: a in chart_at, 120.0)
        drain()
        shown = (window.card.shown_actor() == actor
                 and window.selection() == frozenset({EntityRef("actor", actor)}))
        clicks.append({
            "row": row, "actor": actor, "events": events.get(actor, 0),
            "card_ms": round((card_at[actor] - t0) * 1e3, 2),
            "card_painted_ms": round((t2 - t0) * 1e3, 2),
            "click_chain_ms": round((t1 - t0) * 1e3, 2),
            "cards_ui_ms": phases.since("_on_state_selection_changed", t0),
            "card_task_started_ms": phases.started("read_actor_detail", t0, actor),
            "detail_sql_ms": phases.since("read_actor_detail", t0, actor),
            "full_card_ms": phases.since("full_card", t0, actor),
            "card_task_ended_ms": _end(phases, "full_card", t0, actor),
            "show_card_started_ms": phases.started("show_card", t0),
            "show_card_ms": phases.since("show_card", t0),
            "chart_ms": round((chart_at[actor] - t0) * 1e3, 2) if actor in chart_at else None,
            "chart_task_started_ms": phases.started("network", t0, actor),
            "chart_layout_ms": phases.since("network", t0, actor),
            "show_graph_ms": phases.since("show_graph", t0),
            "shown": shown})

    def summary(key: str) -> dict[str, float | int]:
        return summary_ms([c[key] / 1e3 for c in clicks if c.get(key) is not None])

    return {"method": "QTest.mouseClick at view.visualRect(index).center() after "
                      "view.scrollTo(index), timed to sig_card_shown(actor)",
            "card": summary("card_ms"), "card_painted": summary("card_painted_ms"),
            "click_chain": summary("click_chain_ms"), "cards_ui": summary("cards_ui_ms"),
            "detail_sql": summary("detail_sql_ms"), "full_card": summary("full_card_ms"),
            "show_card": summary("show_card_ms"),
            "chart_after_click": summary("chart_ms"), "rows": len(ids),
            "clicked": len(clicks), "missed": missed,
            "not_shown": sum(not c["shown"] for c in clicks), "clicks": clicks}


def search(window: Any, queries: list[tuple[str, str, int]], phases: Phases
           ) -> dict[str, object]:
    """``gallery.set_query(q)`` into an empty box; timed until it returns (it is synchronous).

    ``shown_ids()`` is read after the clock stops, to check the actor holding the identifier
    is listed; ``painted`` adds one pass of the event loop (the list's repaint).
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
            refilter.append(phases.since("_refilter", t0) or 0.0)
            t2 = time.perf_counter()
            ids = gallery.shown_ids()
            listing = time.perf_counter() - t2
            t3 = time.perf_counter()
            drain()
            runs.append(t1 - t0)
            painted.append(t1 - t0 + time.perf_counter() - t3)
        times += runs
        per_query.append({"kind": kind, "query": query, "hits": len(ids),
                          "found": actor in ids, "ms": summary_ms(runs)["p50"],
                          "first_ms": round(runs[0] * 1e3, 2),
                          "model_refilter_ms": float(np.median(refilter)),
                          "shown_ids_ms": round(listing * 1e3, 2)})
    gallery.set_query("")
    drain()
    return {"method": f"gallery.set_query(q) into an empty box, {SEARCH_REPEAT} times each",
            "query": summary_ms(times), "painted": summary_ms(painted),
            "queries": len(per_query), "not_found": sum(not q["found"] for q in per_query),
            "per_query": per_query}


def show_charts(window: Any, phases: Phases, connected: tuple[list[int], list[int]],
                count: int) -> dict[str, object]:
    """``window.select(actor)`` timed to ``sig_chart_shown(actor)``: the most connected first.

    The actors: those with the most relations, those holding the most identifiers shared by
    attribution, then gallery rows spread from the most to the least active.
    """
    from timeline_qt import drain, spin_until
    from timeline_script import summary_ms

    from app.state import EntityRef

    by_relations, by_shared = connected
    ids = window.gallery.shown_ids()
    picks: dict[int, str] = {}
    for actor in by_relations[:max(1, count * 4 // 10)]:
        picks.setdefault(actor, "most relations")
    for actor in by_shared[:max(1, count // 5)]:
        picks.setdefault(actor, "most shared identifiers")
    for row in _spread_rows(len(ids), max(count - len(picks), 2)):
        if len(picks) >= count:
            break
        picks.setdefault(ids[row], f"gallery row {row}")
    card_at, chart_at = _arrivals(window.cards.sig_card_shown), _arrivals(
        window.cards.sig_chart_shown)
    charts: list[dict[str, object]] = []
    for actor, why in picks.items():
        _select_apart(window, actor)
        card_at.pop(actor, None)
        chart_at.pop(actor, None)
        t0 = time.perf_counter()
        window.select(EntityRef("actor", actor))
        if not spin_until(lambda a=actor: a in chart_at, 120.0):
            continue
        spin_until(lambda a=actor: a in card_at, 60.0)
        drain()
        charts.append({"actor": actor, "why": why,
                       "chart_ms": round((chart_at[actor] - t0) * 1e3, 2),
                       "nodes": len(window.link_chart.node_ids()),
                       "layout_ms": phases.since("network", t0, actor),
                       "card_ms": round((card_at[actor] - t0) * 1e3, 2)
                       if actor in card_at else None})
    times = [c["chart_ms"] / 1e3 for c in charts]
    return {"method": "window.select(EntityRef('actor', id)) timed to sig_chart_shown(id)",
            "chart": summary_ms(times),
            "layout": summary_ms([c["layout_ms"] / 1e3 for c in charts if c["layout_ms"]]),
            "shown": len(charts), "asked": len(picks), "charts": charts}


# -- cards: the scenario ---------------------------------------------------------------------
def run_cards(case: Path, timeout_s: float, clicks: int, queries: int, charts: int
              ) -> dict[str, object]:
    from timeline_qt import make_app, memory_mb, quit_fast

    make_app()
    phases = Phases()
    phases.install()
    say(f"{case.name}: opening")
    window, runner, marks, fills = open_window(case, timeout_s, cards=True)
    result: dict[str, object] = {"events": _events(window), "actors": window.cards.ready
                                 and len(window.gallery.shown_ids())}
    result["open"] = _open_figures(marks, fills, phases)
    if not marks.failed:
        mem = {"settled": marks.mem["settled"]}
        say(f"{case.name}: {clicks} clicks on gallery rows")
        result["card"] = click_cards(window, phases, clicks)
        mem["after_clicks"] = memory_mb()
        say(f"{case.name}: {queries} identifier searches")
        result["search"] = search(window, case_queries(case, queries), phases)
        mem["after_search"] = memory_mb()
        say(f"{case.name}: {charts} link charts")
        result["chart"] = show_charts(window, phases, connected_actors(case, charts), charts)
        mem["after_charts"] = memory_mb()
        result["memory"] = {**{k: v for k, v in marks.mem.items() if k != "settled"}, **mem}
    window.close()
    quit_fast(runner, lambda: _print(result))
    return result


def _events(window: Any) -> int | None:
    events = window.evidence.events
    return None if events is None else len(events.columns.ts)


def _open_figures(marks: Marks, fills: list[tuple[float, float, int]], phases: Phases
                  ) -> dict[str, object]:
    """The gallery against the case's readiness, and the build's own steps."""
    after_ready = marks.ms("loaded", "cards_shown")
    return {
        "failed": marks.failed or None,
        "open_to_loaded_ms": marks.ms("open_called", "loaded"),
        "open_to_ready_ms": marks.ms("open_called", "ready"),
        "events_loaded_to_loaded_ms": marks.ms("events_loaded", "loaded"),
        "events_loaded_to_cards_shown_ms": marks.ms("events_loaded", "cards_shown"),
        "loaded_to_cards_shown_ms": after_ready,
        "gallery_after_ready_ms": None if after_ready is None else max(after_ready, 0.0),
        "loaded_to_gallery_painted_ms": marks.ms("loaded", "gallery_painted"),
        "cards_shown_to_refilled_ms": marks.ms("cards_shown", "gallery_refilled"),
        "ready_to_settled_ms": marks.ms("ready", "settled"),
        "gallery_fill_ms": [round(s * 1e3, 1) for _t, s, _n in fills],
        "cards": fills[0][2] if fills else None,
        "build_steps_ms": phases.build_ms(),
    }


# -- nocards: the same opening without the cards' build ----------------------------------------
def run_nocards(case: Path, timeout_s: float) -> dict[str, object]:
    from timeline_qt import make_app, quit_fast

    import app.controllers.cards as cards

    make_app()

    def skip(self: object, _event_set: object) -> None:
        return None

    cards.CardsController._on_events_loaded = skip  # type: ignore[method-assign]
    window, runner, marks, _fills = open_window(case, timeout_s, cards=False)
    result = {"events": _events(window), "failed": marks.failed or None,
              "cards_built": window.cards.ready, "memory": marks.mem,
              "open_to_loaded_ms": marks.ms("open_called", "loaded")}
    window.close()
    quit_fast(runner, lambda: _print(result))
    return result


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
