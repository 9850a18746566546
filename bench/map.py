"""Benchmark the shipment map for issue #18 (item 7): first showing, frames, clicks, play, memory.

    .venv/bin/python bench/map.py                          # 10^4, 10^6 and 10^7 events
    .venv/bin/python bench/map.py --quick                  # smoke run: 10^4, few frames
    .venv/bin/python bench/map.py --cases /tmp/benchcases --sizes 1000000 --json-out map.json

Prints one JSON object: the machine, the populations of each case (from SQL), each figure,
and every target of the issue with ``"met"`` true/false (null with a reason when the run did
not measure it).

Per size, two probes (``bench/map_probe.py``), each in its own process with a fresh
``FILATURE_HOME`` (no settings, no cached columns: every open is a first open): ``map``
opens the case and times the map's first showing, a fixed pan/zoom script on the map and on
a bare basemap view in the same run, clicks on place dots, shipment selections and play;
``nomap`` opens it with the map's read switched off, for the memory the map adds. Cases
come from ``--cases`` (default ``<user cache>/Filature/bench``, as ``bench/timeline.py``); a
missing ``synthetic-N.filature`` is generated there (seed 1). Each case file is read once
before its probes so both see the same warm page cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import platformdirs
from timeline import ROOT, ensure_case, warm
from timeline_report import machine

PROBE = Path(__file__).with_name("map_probe.py")
DEFAULT_SIZES = (10_000, 1_000_000, 10_000_000)
TARGET_SIZE = 10_000_000  # where the issue sets the frame budget
LEVELS = ("europe", "france", "paris")  # map_probe.LEVELS, by name
FRAME_P50_MS = 16.0
BARE_RATIO = 1.5
SELECTION_P95_MS = 50.0
PLAY_FPS = 30.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=Path,
                   default=Path(platformdirs.user_cache_dir("Filature", appauthor=False),
                                "bench"),
                   help="folder of synthetic-N.filature cases; missing ones are generated")
    p.add_argument("--sizes", type=int, nargs="+",
                   help="event counts (default: 10^4 10^6 10^7)")
    p.add_argument("--frames", type=int, default=40, help="timed frames per zoom level")
    p.add_argument("--clicks", type=int, default=20, help="place dots clicked per size")
    p.add_argument("--shipments", type=int, default=10, help="shipments selected per size")
    p.add_argument("--play-seconds", type=float, default=3.0,
                   help="seconds of each of the two play windows")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 10^4 only, 8 frames a level, 5 clicks, 3 shipments, "
                        "1.5 s of play")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per probe")
    p.add_argument("--json-out", type=Path, help="also write the JSON object here")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or [10_000]
        args.frames, args.clicks, args.shipments = (min(args.frames, 8), min(args.clicks, 5),
                                                    min(args.shipments, 3))
        args.play_seconds = min(args.play_seconds, 1.5)
    args.sizes = sorted(set(args.sizes or DEFAULT_SIZES))
    return args


def say(text: str) -> None:
    print(f"[map bench] {text}", file=sys.stderr, flush=True)


def run_probe(scenario: str, case: Path, home: Path, timeout_s: float, *extra: str
              ) -> dict[str, Any]:
    """One probe in a fresh ``FILATURE_HOME`` under ``home``; its last JSON line."""
    env = dict(os.environ, FILATURE_HOME=tempfile.mkdtemp(prefix="probe-", dir=home),
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               PYTHONPATH=os.pathsep.join(
                   p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    cmd = [sys.executable, str(PROBE), scenario, "--case", str(case),
           "--timeout", str(timeout_s), *extra]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              timeout=timeout_s + 300, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"{scenario} probe timed out"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": f"{scenario} probe exited with {proc.returncode}, no result"}
    result: dict[str, Any] = json.loads(lines[-1])
    result["probe_seconds"] = round(time.perf_counter() - t, 1)
    return result


def populations(case: Path) -> dict[str, object]:
    """What the map has to draw, counted with SQL."""
    con = sqlite3.connect(f"{case.resolve().as_uri()}?mode=ro", uri=True)
    try:
        def one(sql: str) -> int:
            return int(con.execute(sql).fetchone()[0])

        return {
            "places": one("SELECT count(*) FROM place"),
            "places_with_coordinates": one(
                "SELECT count(*) FROM place WHERE typeof(lon) IN ('real', 'integer') "
                "AND typeof(lat) IN ('real', 'integer')"),
            "places_by_precision": dict(con.execute(
                "SELECT coalesce(precision, ''), count(*) FROM place GROUP BY 1 "
                "ORDER BY 2 DESC")),
            "shipments": one("SELECT count(*) FROM shipment"),
            "legs": one("SELECT count(*) FROM shipment_leg"),
            "legs_with_both_places": one(
                "SELECT count(*) FROM shipment_leg WHERE from_place_id IS NOT NULL "
                "AND to_place_id IS NOT NULL"),
            "place_pairs": one("SELECT count(*) FROM (SELECT DISTINCT from_place_id, "
                               "to_place_id FROM shipment_leg)"),
            "courier_rounds": one("SELECT count(*) FROM event WHERE kind = 'courier_round'"),
        }
    finally:
        con.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    cases = {n: ensure_case(args.cases, n) for n in args.sizes}
    out: dict[str, Any] = {"machine": machine(), "settings": {
        "sizes": args.sizes, "frames": args.frames, "clicks": args.clicks,
        "shipments": args.shipments, "play_seconds": args.play_seconds,
        "quick": args.quick, "cases": str(args.cases),
        "page_cache": "warm: each case file is read once before its probes",
        "user_folder": "a fresh FILATURE_HOME per probe: every open is a first open",
    }, "populations": {}, "sizes": {}}
    extra = ["--frames", str(args.frames), "--clicks", str(args.clicks),
             "--shipments", str(args.shipments), "--play-seconds", str(args.play_seconds)]
    with tempfile.TemporaryDirectory(prefix="filature-map-home-") as home:
        for n, case in cases.items():
            say(f"{n:,} events: populations")
            out["populations"][str(n)] = populations(case)
            warm(case)
            say(f"{n:,} events: first showing, frames, clicks, shipments, play")
            shown = run_probe("map", case, Path(home), args.timeout, *extra)
            say(f"{n:,} events: the same opening without the map (memory)")
            bare = run_probe("nomap", case, Path(home), args.timeout)
            out["sizes"][str(n)] = {**shown, "memory_added": memory_added(shown, bare),
                                    "nomap": bare}
    out["bench_seconds"] = round(time.perf_counter() - started, 1)
    out["machine"]["load_avg_at_end"] = [round(v, 2) for v in os.getloadavg()]
    out["targets"] = targets(out["sizes"])  # last: the verdict closes the object
    return out


def memory_added(shown: dict[str, Any], bare: dict[str, Any]) -> dict[str, object]:
    """VmRSS of the settled window with the map minus the same without it."""
    with_map = _get(shown, "memory", "settled", "rss_mb")
    without = _get(bare, "memory", "settled", "rss_mb")
    out: dict[str, object] = {
        "measured": "VmRSS once settled (window.sig_ready, which waits for map.settled; no "
                    "task left, column cache written) in the map probe, before any frame, "
                    "minus VmRSS at the same point of the nomap probe (same case, "
                    "MapController._on_events_loaded patched to do nothing: no scene, no "
                    "basemap); share = added / the nomap VmRSS. *_after_trim: the same after "
                    "gc.collect() and malloc_trim in both (live memory only)",
        "with_map_mb": with_map, "without_map_mb": without,
        "added_mb": None, "share_of_nomap": None,
    }
    if with_map is not None and without:
        out["added_mb"] = round(with_map - without, 1)
        out["share_of_nomap"] = round((with_map - without) / without, 4)
    trimmed = (_get(shown, "memory", "settled_trimmed", "rss_mb"),
               _get(bare, "memory", "settled_trimmed", "rss_mb"))
    if None not in trimmed and trimmed[1]:
        out["added_after_trim_mb"] = round(trimmed[0] - trimmed[1], 1)
        out["share_after_trim"] = round((trimmed[0] - trimmed[1]) / trimmed[1], 4)
    empty = _get(bare, "memory", "open_called", "rss_mb")  # the window before the open
    if with_map is not None and without and empty is not None and without > empty:
        out["empty_window_mb"] = empty
        out["share_of_case_alone"] = round((with_map - without) / (without - empty), 4)
    after = _get(shown, "memory", "after_play", "rss_mb")
    views = _get(shown, "memory", "after_views", "rss_mb")
    if after is not None and without:
        out["added_after_every_step_mb"] = round(after - without, 1)
    if after is not None and without and views is not None and with_map is not None:
        # the bench's own bare basemap view (its paths, its first paint) is not the app's
        out["bare_view_mb"] = round(views - with_map, 1)
        out["added_after_every_step_less_bare_view_mb"] = round(
            after - without - (views - with_map), 1)
        out["after_every_step_note"] = (
            "VmRSS after the frames, selections and play (the app's view has then painted "
            "every zoom level of the script) minus the nomap VmRSS, less what the bench's "
            "bare view added when it was built and first painted")
    return out


def _get(tree: Any, *keys: object) -> Any:
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _target(rule: str, value: float | None, limit: float, why: str = "", *,
            at_least: bool = False, note: str = "") -> dict[str, object]:
    if value is None:
        return {"rule": rule, "value": None, "limit": limit, "met": None,
                "why": why or "not measured in this run"}
    met = value >= limit if at_least else value <= limit
    out: dict[str, object] = {"rule": rule, "value": round(value, 4), "limit": limit,
                              "met": bool(met)}
    if note:
        out["note"] = note
    return out


def _timed_out(size: Any, part: str) -> str:
    n = _get(size, part, "timed_out") or 0
    return (f"{n} of the selections timed out; their wait counts, so the value is a lower "
            "bound") if n else ""


def targets(sizes: dict[str, Any]) -> list[dict[str, object]]:
    """The issue's targets: the frame budget at 10^7; the rest at each size."""
    out = []
    big = sizes.get(str(TARGET_SIZE))
    why = f"{TARGET_SIZE:,} events not in --sizes" if big is None else ""
    for level in LEVELS:
        out.append(_target(f"map frame p50 at {TARGET_SIZE:,}, {level} zoom <= "
                           f"{FRAME_P50_MS} ms", _get(big, "frames", level, "case", "frame",
                                                      "p50"), FRAME_P50_MS, why))
    for n, size in sorted(sizes.items(), key=lambda kv: int(kv[0])):
        for level in LEVELS:
            out.append(_target(f"map frame p50 / bare basemap frame p50 (same run) at "
                               f"{int(n):,}, {level} zoom <= {BARE_RATIO}",
                               _get(size, "frames", level, "ratio_p50"), BARE_RATIO))
        out.append(_target(f"selection round trip (click on a place dot to map.sig_settled), "
                           f"p95 at {int(n):,} <= {SELECTION_P95_MS} ms",
                           _get(size, "click", "round_trip", "p95"), SELECTION_P95_MS,
                           note=_timed_out(size, "click")))
        out.append(_target(f"selection round trip (window.select(shipment) to "
                           f"map.sig_settled), p95 at {int(n):,} <= {SELECTION_P95_MS} ms",
                           _get(size, "shipment", "round_trip", "p95"), SELECTION_P95_MS,
                           note=_timed_out(size, "shipment")))
        out.append(_target(f"play at x86,400, France zoom: map frames painted per second "
                           f"(the lower of the two windows) at {int(n):,} >= {PLAY_FPS}",
                           _get(size, "play", "fps_min"), PLAY_FPS, at_least=True))
    return out


def main(argv: list[str]) -> int:
    if str(ROOT) not in sys.path:  # a checkout that is not pip-installed
        sys.path.insert(1, str(ROOT))
    args = parse_args(argv)
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
