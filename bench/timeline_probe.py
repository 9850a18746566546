"""One measurement in a fresh process; ``bench/timeline.py`` runs it and reads its JSON line.

    python bench/timeline_probe.py floor   --case PATH
    python bench/timeline_probe.py open    --case PATH
    python bench/timeline_probe.py session --case PATH [--select 50] [--quick]
    python bench/timeline_probe.py fts     --case PATH

Why a process each: a process holds one ``QApplication``, the OS page cache is the only
thing runs share, and VmHWM (peak RSS) belongs to exactly one scenario. The last line on
stdout is the JSON result; progress and Qt warnings go to stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

WORDS = ("colis", "livraison", "scooter", "stealth", "perquisition", "colis reçu", "garde à vue",
         "signal")
FTS_REPEAT = 5


def _print(result: dict[str, object]) -> None:
    print(json.dumps(result), flush=True)


# -- floor: an empty window plus a bare read of the time column ------------------------------
def run_floor(case: Path) -> dict[str, object]:
    from timeline_qt import make_app, memory_mb, new_window, quit_fast

    from app.workers import Runner

    make_app()
    t0 = time.perf_counter()
    runner = Runner()
    window = new_window(runner)
    window_s = time.perf_counter() - t0
    empty_mem = memory_mb()  # before the read: this is the empty app
    t1 = time.perf_counter()
    con = sqlite3.connect(f"{case.resolve().as_uri()}?mode=ro", uri=True)
    try:
        cur = con.execute("SELECT ts FROM event ORDER BY ts")
        ts = np.fromiter(itertools.chain.from_iterable(cur), dtype=np.int64)
    finally:
        con.close()
    sql_s = time.perf_counter() - t1
    result = {"window_ms": round(window_s * 1e3, 1), "sql_ms": round(sql_s * 1e3, 1),
              "floor_ms": round((window_s + sql_s) * 1e3, 1), "rows": len(ts),
              "empty_app": empty_mem}
    window.close()
    quit_fast(runner, lambda: _print(result))
    return result


# -- open: construct, show, open, first painted timeline, ready -----------------------------
def run_open(case: Path, timeout_s: float) -> dict[str, object]:
    from timeline_qt import PaintLog, make_app, memory_mb, open_timed, quit_fast

    make_app()
    paints = PaintLog()
    paints.install()
    window, runner, timing = open_timed(case, paints, timeout_s)
    result = {**timing.as_ms(), "loaded": memory_mb()}
    window.close()
    quit_fast(runner, lambda: _print(result))
    return result


# -- session: open, then the pan/zoom script and (optionally) clicks --------------------------
def run_session(case: Path, timeout_s: float, selections: int, quick: bool
                ) -> dict[str, object]:
    from timeline_frames import play_script, select_by_clicks
    from timeline_qt import PaintLog, make_app, memory_mb, open_timed, quit_fast

    make_app()
    paints = PaintLog()
    paints.install()
    window, runner, timing = open_timed(case, paints, timeout_s)
    result: dict[str, object] = {"open": timing.as_ms(), "loaded": memory_mb(),
                                 "events": len(window.timeline.data)}
    if not timing.failed:
        print(f"  {case.name}: loaded, playing the pan/zoom script", file=sys.stderr)
        result["frames"] = play_script(window, paints, quick=quick)
        if selections:
            print(f"  {case.name}: {selections} selections by mouse click", file=sys.stderr)
            result["selection"] = select_by_clicks(window, paints, selections)
        result["after"] = memory_mb()
    window.close()
    quit_fast(runner, lambda: _print(result))
    return result


# -- fts: the search the filter bar runs, without Qt ----------------------------------------
def run_fts(case: Path) -> dict[str, object]:
    from timeline_script import summary_ms

    from storage.case.opener import open_case
    from storage.case.search_terms import SearchTerms
    from storage.reads.event_queries import search_events

    per_word: dict[str, dict[str, object]] = {}
    every: list[float] = []
    with open_case(case) as source:
        con = source.connect()
        try:
            t = time.perf_counter()
            terms = SearchTerms.of(con) if source.has_fts else None  # once per case, as the app
            lookup = time.perf_counter() - t
            for word in WORDS:
                runs: list[float] = []
                hits = 0
                for _ in range(FTS_REPEAT):
                    t = time.perf_counter()
                    hits = len(search_events(con, word, has_fts=source.has_fts, terms=terms))
                    runs.append(time.perf_counter() - t)
                every += runs
                per_word[word] = {"hits": hits, "first_ms": round(runs[0] * 1e3, 2),
                                  **summary_ms(runs)}
        finally:
            con.close()
        has_fts = source.has_fts
    return {"has_fts": has_fts, "summary": terms is not None,
            "summary_lookup_ms": round(lookup * 1e3, 2), "all": summary_ms(every),
            "words": per_word}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", choices=("floor", "open", "session", "fts"))
    p.add_argument("--case", type=Path, required=True)
    p.add_argument("--select", type=int, default=0, help="mouse-click selections (session)")
    p.add_argument("--quick", action="store_true", help="a third of the script (session)")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for ready")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.scenario == "floor":
        run_floor(args.case)
    elif args.scenario == "open":
        run_open(args.case, args.timeout)
    elif args.scenario == "session":
        run_session(args.case, args.timeout, args.select, args.quick)
    else:
        _print(run_fts(args.case))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
