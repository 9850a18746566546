"""What one selection costs the UI thread, in the real window; the last stdout line is JSON.

    QT_QPA_PLATFORM=offscreen FILATURE_HOME=$(mktemp -d) \
        python bench/selection_probe.py --case PATH [--small 10] [--repeat 3] [--lanes actor]

The case opens in ``MainWindow`` as the app builds it; once ``sig_ready`` has come and the pool
is idle, the probe selects (``AppState.set_selection``) the actor with the most events, a
spread of ordinary actors (counts near the median), the busiest shipment and the busiest
identifier, each ``--repeat`` times after clearing the selection. For each it reports:

- ``handlers_ms``: the UI-thread time of every view controller's ``sig_selection_changed``
  handler (``perf_counter`` wrappers installed on the classes before the window is built, so
  the connections pick them up) and of ``set_selection`` as a whole (every handler, cards too);
- ``results_ms``: the UI-thread time spent delivering worker results until the views show the
  selection (every ``LatestOnly`` result handler, wrapped the same way);
- ``worker_ms``: the worker-side steps, where the code has them (the shared answer
  ``_Memo.union``, the timeline's ``selection_marks``, the table's ``table_selection``, the
  inspector's ``read_record``); wall time, so it includes waiting for the GIL;
- ``shown_ms``: from ``set_selection`` to the last of the three views' updates
  (``TimelineView.show_selection``, ``EventTableView.show_selection``,
  ``InspectorView.show_record`` with the record), spinning the event loop as the app would;
  ``shown_by_view_ms`` gives each view's own;
- ``timeline_paint_ms``: the timeline's paints until then (overlay, lanes, lane labels);
- ``check``: what the views show afterwards (events marked in the timeline's overlay, rows
  selected in the table, the inspector's heading) against the case's own answer.

``pan`` then keeps the big actor selected and pans the timeline across the case in steps,
painting the plot synchronously each step, and reports the overlay's paint time per frame.
``--lanes actor`` groups the lanes by actor first (the actor's own lane is then marked too);
``--close-dock MapDock`` closes a dock first, to time the other views without its paints.
The wrappers work on the code before and after the selection work moved to workers, so the
same probe gives both figures. Progress goes to stderr.
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

WAIT_S = 120.0
HANDLERS = (("app.controllers.timeline", "TimelineController", "_on_state_selection_changed"),
            ("app.controllers.table", "TableController", "_on_state_selection_changed"),
            ("app.controllers.inspector", "InspectorController", "show"))
VIEWS = (("widgets.timeline.view", "TimelineView", "show_selection"),
         ("widgets.timeline.view", "TimelineView", "show_lane_selection"),
         ("widgets.event_table", "EventTableView", "show_selection"),
         ("widgets.inspector", "InspectorView", "show_record"))
WORKER_STEPS = (("widgets.timeline.view", "", "selection_marks"),
                ("widgets.event_table", "", "table_selection"),
                ("app.controllers.record_links", "_Memo", "union"),
                ("app.controllers.inspector", "", "read_record"))
PAN_STEPS = 24


def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


class Calls:
    """``(start, seconds)`` of every timed call, by label (thread-safe)."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._lock = threading.Lock()

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self._lock:
                    self.calls[label].append((t, time.perf_counter() - t))

        setattr(owner, name, timed)

    def install(self) -> None:
        import importlib

        from app.workers import LatestOnly

        for module, cls, name in (*HANDLERS, *VIEWS):
            self.wrap(getattr(importlib.import_module(module), cls), name, f"{cls}.{name}")
        from app.state import AppState

        self.wrap(AppState, "set_selection", "set_selection")
        for module, owner_name, name in WORKER_STEPS:  # only where the code has them
            owner = importlib.import_module(module)
            owner = getattr(owner, owner_name, None) if owner_name else owner
            if owner is not None and hasattr(owner, name):
                self.wrap(owner, name, f"worker {name}")
        from widgets.timeline.lane_axis import LaneAxisItem
        from widgets.timeline.lanes_item import LanesItem
        from widgets.timeline.overlay_item import OverlayItem

        for owner in (OverlayItem, LanesItem, LaneAxisItem):
            self.wrap(owner, "paint", f"{owner.__name__}.paint")
        original, calls = LatestOnly.request, self

        def request(job: Any, fn: Any, on_done: Any, *rest: Any, **options: Any) -> None:
            label = "result " + getattr(on_done, "__qualname__", "?").replace(".<locals>", "")

            def done(result: Any) -> None:
                t = time.perf_counter()
                try:
                    on_done(result)
                finally:
                    with calls._lock:
                        calls.calls[label].append((t, time.perf_counter() - t))

            original(job, fn, done, *rest, **options)

        LatestOnly.request = request  # type: ignore[method-assign]

    def since(self, label: str, t0: float) -> list[tuple[float, float]]:
        with self._lock:
            return [(t, d) for t, d in self.calls.get(label, []) if t >= t0]

    def ms(self, label: str, t0: float, t1: float = np.inf) -> float:
        return round(sum(d for t, d in self.since(label, t0) if t <= t1) * 1e3, 2)

    def last_end(self, label: str, t0: float) -> float | None:
        got = self.since(label, t0)
        return max(t + d for t, d in got) if got else None

    def results(self) -> list[str]:
        with self._lock:
            return sorted(k for k in self.calls if k.startswith("result "))

    def workers(self) -> list[str]:
        with self._lock:
            return sorted(k for k in self.calls if k.startswith("worker "))


def open_window(case: Path, timeout_s: float) -> tuple[Any, Any]:
    from timeline_qt import drain, new_window, spin_until

    from app.workers import Runner

    runner = Runner()
    window = new_window(runner)
    failed: list[str] = []
    window.session.sig_failed.connect(lambda _h, m: failed.append(m))
    window.open_case(case)
    t = time.perf_counter()
    if not spin_until(lambda: window.is_ready or bool(failed), timeout_s) or failed:
        raise SystemExit(f"not ready: {failed or 'time-out'}")
    say(f"ready after {time.perf_counter() - t:.1f} s")
    runner.wait_done(600_000)
    drain()
    drain()
    return window, runner


def picks(window: Any, case: Path, small: int) -> list[tuple[str, Any, int]]:
    """``(why, ref, expected event count)``: the big actor, ordinary ones, a shipment, an id."""
    from app.state import EntityRef

    actor = window.evidence.events.columns.actor
    counts = np.bincount(actor[actor >= 0])
    big = int(np.argmax(counts))
    out: list[tuple[str, Any, int]] = [("biggest actor", EntityRef("actor", big),
                                        int(counts[big]))]
    present = np.flatnonzero(counts)
    median = float(np.median(counts[present]))
    near = present[np.argsort(np.abs(counts[present] - median), kind="stable")]
    rng = np.random.default_rng(7)
    for a in sorted(rng.choice(near[:max(small * 20, small)], size=small, replace=False)):
        out.append(("ordinary actor", EntityRef("actor", int(a)), int(counts[a])))
    con = sqlite3.connect(f"{case.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for kind, column in (("shipment", "shipment_id"), ("identifier", "identifier_id")):
            row = con.execute(f"SELECT {column}, count(*) c FROM event WHERE {column} IS NOT "
                              f"NULL GROUP BY {column} ORDER BY c DESC LIMIT 1").fetchone()
            if row:
                out.append((f"busiest {kind}", EntityRef(kind, int(row[0])), int(row[1])))
    finally:
        con.close()
    return out


def select_once(window: Any, runner: Any, calls: Calls, ref: Any) -> dict[str, Any]:
    from timeline_qt import drain, spin_until

    state = window.state
    if state.selection:
        state.set_selection(frozenset())
        runner.wait_done(60_000)
        drain()
        drain()
    heading = f"{ref.kind.capitalize()} {ref.id}"
    records: list[float] = []
    inspector = window.inspector
    original = inspector.show_record

    def watch(record: Any, *rest: Any) -> None:
        if record is not None and record.heading.startswith(heading):
            records.append(time.perf_counter())
        original(record, *rest)

    inspector.show_record = watch  # the controller calls it through the instance
    t0 = time.perf_counter()
    try:
        state.set_selection(frozenset({ref}))
        t1 = time.perf_counter()

        def shown() -> bool:
            return bool(records and calls.since("TimelineView.show_selection", t0)
                        and calls.since("EventTableView.show_selection", t0))

        ok = spin_until(shown, WAIT_S)
        runner.wait_done(60_000)
        drain()
    finally:
        del inspector.show_record
    shown_at = {"timeline": calls.last_end("TimelineView.show_selection", t0),
                "table": calls.last_end("EventTableView.show_selection", t0),
                "inspector": records[-1] if records else None}
    ends = [e for e in shown_at.values() if e is not None]
    handlers = {f"{cls}.{name}": calls.ms(f"{cls}.{name}", t0, t1) for _m, cls, name in HANDLERS}
    handlers["set_selection (all handlers)"] = round((t1 - t0) * 1e3, 2)
    results = {k.removeprefix("result "): calls.ms(k, t1) for k in calls.results()}
    worker = {k.removeprefix("worker "): calls.ms(k, t0) for k in calls.workers()}
    return {"handlers_ms": handlers, "results_ms": {k: v for k, v in results.items() if v},
            "worker_ms": {k: v for k, v in worker.items() if v},
            "views_ms": {f"{cls}.{name}": calls.ms(f"{cls}.{name}", t0)
                         for _m, cls, name in VIEWS},
            "timeline_paint_ms": {k: calls.ms(f"{k}.paint", t0)
                                  for k in ("OverlayItem", "LanesItem", "LaneAxisItem")},
            "shown_ms": round((max(ends) - t0) * 1e3, 2) if ok and ends else None,
            "shown_by_view_ms": {k: None if v is None else round((v - t0) * 1e3, 2)
                                 for k, v in shown_at.items()}}


def check(window: Any, ref: Any, expected_ids: np.ndarray) -> dict[str, Any]:
    """What the views show, against the event ids the case links to ``ref``."""
    timeline = window.timeline
    in_timeline = int(np.isin(timeline.data.ids, expected_ids).sum())
    table_ids = window.table.selected_ids()
    shown = set(np.asarray(table_ids).tolist())
    in_table = set(np.asarray(window.table.model().table_data().ids).tolist()) & set(
        expected_ids.tolist()) if len(expected_ids) < 2_000_000 else None
    lane_marked = None
    if window.evidence.lane_mode == "actor" and ref.kind == "actor":
        keys = [lane.key for lane in timeline.data.lanes]
        lane = keys.index(f"actor:{ref.id}") if f"actor:{ref.id}" in keys else None
        lane_marked = lane in timeline.lane_axis.marked()
    return {"timeline_marked": timeline.overlay.selection_size,
            "timeline_expected": in_timeline,
            "table_selected": len(shown),
            "table_expected": None if in_table is None else len(in_table),
            "table_ok": in_table is None or shown == in_table,
            "lane_marked": lane_marked,
            "inspector": window.inspector.text().splitlines()[:4]}


def expected(window: Any, case: Path, ref: Any) -> np.ndarray:
    from storage.reads.event_queries import linked_event_ids

    con = sqlite3.connect(f"{case.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return linked_event_ids(con, ref.kind, ref.id)
    finally:
        con.close()


def pan(window: Any, calls: Calls, ref: Any) -> dict[str, Any]:
    """Pan across the case with ``ref`` selected; the overlay's paint time per frame."""
    from timeline_qt import drain
    from timeline_script import summary_ms

    window.state.set_selection(frozenset({ref}))
    drain()
    timeline = window.timeline
    data = timeline.data
    first, last = int(data.ts[0]), int(data.ts[-1])
    frames: dict[str, Any] = {}
    for label, width in (("whole case", last - first), ("a tenth", (last - first) // 10)):
        per: list[float] = []
        for step in range(PAN_STEPS):
            start = first + (last - first - width) * step // max(PAN_STEPS - 1, 1)
            window.set_visible_range(start, start + width)
            drain()
            t0 = time.perf_counter()
            timeline.plot.viewport().repaint()
            got = calls.since("OverlayItem.paint", t0)
            per.append(sum(d for _t, d in got))
        frames[label] = summary_ms(per)
    return frames


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--case", type=Path, required=True)
    p.add_argument("--small", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--lanes", default="kind", choices=("kind", "actor", "platform"))
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--close-dock", action="append", default=[], metavar="NAME",
                   help="close a dock first (e.g. MapDock), to see the other views alone")
    args = p.parse_args(argv)
    from timeline_qt import drain, make_app, quit_fast
    from timeline_script import summary_ms

    make_app()
    calls = Calls()
    calls.install()
    say(f"{args.case.name}: opening")
    window, runner = open_window(args.case, args.timeout)
    if args.lanes != "kind":
        from timeline_qt import spin_until

        before = window.evidence.views
        window.evidence.set_lane_mode(args.lanes)
        spin_until(lambda: window.evidence.views is not before, args.timeout)
        runner.wait_done(600_000)
        drain()
    for name in args.close_dock:
        window.docks[name].close()
        drain()
    result: dict[str, Any] = {"events": len(window.evidence.events), "lanes": args.lanes,
                              "closed_docks": args.close_dock, "selections": []}
    for why, ref, count in picks(window, args.case, args.small):
        runs = [select_once(window, runner, calls, ref) for _ in range(args.repeat)]
        ids = expected(window, args.case, ref)
        entry = {"why": why, "ref": f"{ref.kind}:{ref.id}", "events": count,
                 "runs": runs, "check": check(window, ref, ids)}
        result["selections"].append(entry)
        h = runs[-1]["handlers_ms"]
        say(f"{why} {ref.kind}:{ref.id} ({count:,} events): "
            + ", ".join(f"{k.split('.')[0]} {v}" for k, v in h.items())
            + f"; shown {runs[-1]['shown_ms']} ms; {entry['check']}")
    summary: dict[str, Any] = {}
    for group in ("biggest actor", "ordinary actor", "busiest shipment", "busiest identifier"):
        runs = [r for s in result["selections"] if s["why"] == group for r in s["runs"]]
        if not runs:
            continue
        summary[group] = {k: summary_ms([r["handlers_ms"][k] / 1e3 for r in runs])["p50"]
                          for k in runs[0]["handlers_ms"]}
        summary[group]["results p50 ms"] = summary_ms(
            [sum(r["results_ms"].values()) / 1e3 for r in runs])["p50"]
        summary[group]["shown p50 ms"] = summary_ms(
            [r["shown_ms"] / 1e3 for r in runs if r["shown_ms"] is not None])["p50"]
        for view in ("timeline", "table", "inspector"):
            summary[group][f"{view} shown p50 ms"] = summary_ms(
                [r["shown_by_view_ms"][view] / 1e3 for r in runs
                 if r["shown_by_view_ms"][view] is not None])["p50"]
    result["summary"] = summary
    big = result["selections"][0]["ref"].split(":")
    from app.state import EntityRef

    result["pan_overlay_paint_ms"] = pan(window, calls, EntityRef("actor", int(big[1])))
    say(json.dumps(summary, indent=1))
    say(f"pan: {result['pan_overlay_paint_ms']}")
    window.close()
    quit_fast(runner, lambda: print(json.dumps(result), flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
