"""Benchmark the timeline for issue #3: open, frames, selection, search and memory, as JSON.

    .venv/bin/python bench/timeline.py                          # 10^4, 10^6, 10^7 events
    .venv/bin/python bench/timeline.py --quick                  # smoke run: 10^4, few steps
    .venv/bin/python bench/timeline.py --cases /tmp/cases --json-out timeline.json

Prints one JSON object: the machine, each figure, and every target of the issue with
``"met"`` true/false (null with a reason when the run did not measure it).

Every scenario runs in its own subprocess (``bench/timeline_probe.py``): one QApplication per
process, and peak RSS (VmHWM) that belongs to one scenario only. The parent never starts
Qt. Cases come from ``--cases`` (default: ``<user cache>/Filature/bench``); a missing
``synthetic-N.filature`` is generated there with ``write_synthetic_case`` (seed 1, as
``main.py generate``). Each case file is read once before it is timed so every probe sees
the same warm page cache. ``FILATURE_HOME`` points every probe at a fresh temporary folder,
so the user's settings and recent files are never touched and no probe finds what an
earlier one cached (every open is a first open); cases are opened read-only. One more open
is measured with the case's event columns already in the cache (``reopen``).
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
from timeline_report import machine, targets
from timeline_script import median

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).with_name("timeline_probe.py")
DEFAULT_SIZES = (10_000, 1_000_000, 10_000_000)
OPEN_SIZE = 1_000_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=Path,
                   default=Path(platformdirs.user_cache_dir("Filature", appauthor=False),
                                "bench"),
                   help="folder of synthetic-N.filature cases; missing ones are generated")
    p.add_argument("--sizes", type=int, nargs="+", help="event counts (default: 10^4 10^6 10^7)")
    p.add_argument("--repeat", type=int, default=5,
                   help="floor/open runs, alternated; the median is reported (default 5)")
    p.add_argument("--selections", type=int, default=50, help="mouse-click selections")
    p.add_argument("--frame-runs", type=int, default=2, help=(
        "session probes per size, sizes alternated; each size's frame figures are those of "
        "its run with the lowest median (default 2)"))
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 10^4 only, one open, a third of the script, 10 clicks")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per probe")
    p.add_argument("--json-out", type=Path, help="also write the JSON object here")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or [10_000]
        args.repeat, args.selections, args.frame_runs = 1, min(args.selections, 10), 1
    args.sizes = sorted(set(args.sizes or DEFAULT_SIZES))
    return args


def say(text: str) -> None:
    print(f"[timeline bench] {text}", file=sys.stderr, flush=True)


def ensure_case(folder: Path, events: int) -> Path:
    """``folder/synthetic-N.filature``, generated (seed 1, with FTS) when missing."""
    from storage.synthetic.generator import write_synthetic_case

    path = folder / f"synthetic-{events}.filature"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    say(f"generating {path} ({events:,} events)…")

    def progress(done: int, total: int) -> None:
        print(f"\r  {done:,}/{total:,} events", end="", file=sys.stderr, flush=True)

    report = write_synthetic_case(path, events, seed=1, progress=progress)
    print(file=sys.stderr)
    say(f"generated in {report.seconds:.1f} s")
    return path


def warm(path: Path) -> None:
    """Read the file once so that no probe pays for cold disk reads the next one is spared."""
    with path.open("rb") as fh:
        while fh.read(16 << 20):
            pass


class Probes:
    """Runs ``timeline_probe.py`` scenarios in subprocesses and parses their JSON line."""

    def __init__(self, home: Path, timeout_s: float) -> None:
        self._timeout = timeout_s
        self._home = home
        self._env = dict(os.environ, FILATURE_HOME=str(home),
                         QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                         PYTHONPATH=os.pathsep.join(
                             p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))

    def new_home(self) -> Path:
        """A fresh user folder: nothing cached from an earlier probe (every open is cold)."""
        return Path(tempfile.mkdtemp(prefix="probe-", dir=self._home))

    def run(self, scenario: str, case: Path, *extra: str, home: Path | None = None
            ) -> dict[str, Any]:
        cmd = [sys.executable, str(PROBE), scenario, "--case", str(case),
               "--timeout", str(self._timeout), *extra]
        env = dict(self._env, FILATURE_HOME=str(home or self.new_home()))
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                  text=True, timeout=self._timeout + 120, check=False)
        except subprocess.TimeoutExpired:
            return {"error": f"{scenario} probe timed out"}
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            return {"error": f"{scenario} probe exited with {proc.returncode}, no result"}
        result: dict[str, Any] = json.loads(lines[-1])
        result["probe_seconds"] = round(time.perf_counter() - t, 1)
        return result


def measure_open(probes: Probes, case: Path, repeat: int
                 ) -> tuple[dict[str, Any], list[float]]:
    """Floor and open probes alternated ``repeat`` times; medians and their ratio."""
    floors: list[dict[str, Any]] = []
    opens: list[dict[str, Any]] = []
    for k in range(repeat):
        say(f"open vs floor, run {k + 1}/{repeat}")
        floors.append(probes.run("floor", case))
        opens.append(probes.run("open", case))
    errors = [r["error"] for r in floors + opens if "error" in r]

    def med(runs: list[dict[str, Any]], key: str) -> float | None:
        return median([r[key] for r in runs if r.get(key) is not None])

    floor_ms, first_ms = med(floors, "floor_ms"), med(opens, "first_paint_ms")
    ratio = round(first_ms / floor_ms, 3) if first_ms and floor_ms else None
    result: dict[str, Any] = {
        "events": next((r["rows"] for r in floors if "rows" in r), None),
        "first_paint_ms": first_ms,
        "floor_ms": floor_ms,
        "ratio_to_floor": ratio,
        "floor_window_ms": med(floors, "window_ms"),
        "floor_sql_ms": med(floors, "sql_ms"),
        "window_ms": med(opens, "window_ms"),
        "open_to_first_paint_ms": med(opens, "open_to_first_paint_ms"),
        "first_data_to_paint_ms": med(opens, "first_data_to_paint_ms"),
        "ready_ms": med(opens, "ready_ms"),
        "open_to_ready_ms": med(opens, "open_to_ready_ms"),
        "runs_first_paint_ms": [r.get("first_paint_ms") for r in opens],
        "runs_floor_ms": [r.get("floor_ms") for r in floors],
        "first_frame": next((r["first_frame"] for r in opens if r.get("first_frame")), None),
        "errors": errors or None,
    }
    empty = [r["empty_app"]["peak_rss_mb"] for r in floors if "empty_app" in r]
    return result, empty


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    cases = {n: ensure_case(args.cases, n) for n in args.sizes}
    open_size = min(cases, key=lambda n: abs(n - OPEN_SIZE))  # 10^6 unless left out
    out: dict[str, Any] = {"machine": machine(), "settings": {
        "sizes": args.sizes, "open_size": open_size, "repeat": args.repeat,
        "selections": args.selections, "quick": args.quick, "cases": str(args.cases),
        "frame_runs": args.frame_runs,
        "page_cache": "warm: each case file is read once before its probes",
        "frame": "window.set_visible_range(step), then processEvents() until idle: Qt's own "
                 "paint of what the step dirtied (no forced repaint)",
    }}
    with tempfile.TemporaryDirectory(prefix="filature-bench-home-") as home:
        probes = Probes(Path(home), args.timeout)
        warm(cases[open_size])
        out["open"], empty = measure_open(probes, cases[open_size], args.repeat)
        out["reopen"] = measure_reopen(probes, cases[open_size])
        rss: dict[str, Any] = {"empty_app": median(empty) if empty else None}
        out["frames"], out["fts"], out["open_by_size"] = {}, {}, {}
        runs: dict[int, list[dict[str, Any]]] = {n: [] for n in cases}
        for k in range(max(args.frame_runs, 1)):
            for n, case in cases.items():
                warm(case)
                first = k == 0
                say(f"{n:,} events: open, pan/zoom script (run {k + 1}/{args.frame_runs})"
                    + (", selections" if n == open_size and first else ""))
                extra = ["--quick"] if args.quick else []
                if n == open_size and first:
                    extra += ["--select", str(args.selections)]
                session = probes.run("session", case, *extra)
                runs[n].append(session)
                if first:
                    out["open_by_size"][str(n)] = session.get("open", session.get("error"))
                    rss[str(n)] = _get_mb(session, "loaded")
                    rss[f"{n}_after_script"] = _get_mb(session, "after")
                    if n == open_size:
                        out["selection"] = session.get("selection", session.get("error"))
                    say(f"{n:,} events: full-text search")
                    out["fts"][str(n)] = probes.run("fts", case)
        for n, sessions in runs.items():
            out["frames"][str(n)] = _best_frames(sessions)
        out["rss_mb"] = rss
    out["targets"] = targets(out, min(cases), max(cases), open_size)
    out["bench_seconds"] = round(time.perf_counter() - started, 1)
    out["machine"]["load_avg_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return out


def measure_reopen(probes: Probes, case: Path) -> dict[str, Any]:
    """Open a case whose event columns are in the user's cache (as after a first opening).

    The parent writes the cache entry itself (a probe exits as soon as it is ready, maybe
    before its own background write is done), then a probe opens the case with that cache.
    """
    from storage.reads import column_cache
    from storage.reads.events import read_event_columns, read_kind_times

    say("reopen with cached columns")
    home = probes.new_home()
    previous = os.environ.get("FILATURE_HOME")
    os.environ["FILATURE_HOME"] = str(home)
    try:
        con = sqlite3.connect(f"file:{case}?mode=ro", uri=True)
        try:
            kinds = list(read_kind_times(con))  # the order the app reads them in
            column_cache.save(case, kinds, read_event_columns(con, kinds))
        finally:
            con.close()
    finally:
        if previous is None:
            os.environ.pop("FILATURE_HOME", None)
        else:
            os.environ["FILATURE_HOME"] = previous
    result = probes.run("open", case, home=home)
    keys = ("first_paint_ms", "ready_ms", "open_to_ready_ms", "loaded", "error")
    return {k: result[k] for k in keys if k in result}


def _best_frames(sessions: list[dict[str, Any]]) -> Any:
    """The frame figures of the run with the lowest median, with every run's median.

    This machine is shared: the same script's median moved by up to 1.6x from one process
    to the next (other tenants, CPU clock). Noise only ever adds time, so the lowest of a
    few alternated runs is the best estimate of what a frame costs.
    """
    good = [s["frames"] for s in sessions if isinstance(s.get("frames"), dict)]
    if not good:
        return sessions[0].get("frames", sessions[0].get("error")) if sessions else None
    best = dict(min(good, key=lambda f: f["frame"]["p50"]))
    best["p50_by_run"] = [f["frame"]["p50"] for f in good]
    return best


def _get_mb(result: dict[str, Any], key: str) -> float | None:
    mem = result.get(key)
    return mem.get("peak_rss_mb") if isinstance(mem, dict) else None


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
