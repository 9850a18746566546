"""Benchmark the import for issue #19 (item 5): rows per second, against bare pandas, memory.

    .venv/bin/python bench/import.py                       # 10^5 and 10^6 rows, both kinds
    .venv/bin/python bench/import.py --quick               # smoke run: 10^4 and 10^5
    .venv/bin/python bench/import.py --rows 100000 1000000 --dir /tmp/fi --json-out import.json

Prints one JSON object: the machine, each file, each measurement, and the issue's targets with
``"met"`` true/false (null with a reason when the run did not measure it).

Two kinds of file, each at each size: a **Timesketch CSV** (9 columns as a Plaso-made export,
written by ``bench/import_read_probe.make_files``) and a **spreadsheet-profile CSV** (the 64
columns of a Dark-net market scrape, synthesized by ``bench/import_probe.write_listings``,
read through ``docs/profiles/dream-market-listings.json``). Files live in ``--dir`` (default
``/tmp/filature-import``, shared with ``import_read_probe.py``), are made once and reused,
and are never written into the repository. Each file is read once before its probes, so every
probe sees the same warm page cache.

Per file, four processes (``bench/import_probe.py``), one measurement each so that VmHWM is
that measurement's peak RSS: the bare ``pandas.read_csv(dtype=str, keep_default_na=False)`` of
the whole file (writes nothing), the same in the importer's chunks, and ``build_case`` writing
a real case file (next to the files, removed after) with the full-text index off and on.
The import is run as ``main.py import`` runs it by default (FTS on, bad rows rejected, fold
"range"), with ``--tz UTC``. After the default import, on the case it wrote, ``sqlite_floor``
times two steps SQLite alone must take for these rows (the FTS5 index rebuilt from the same
texts, the ``event`` indices built again) and compares them with the time the rows/s target
allows (informative, not a target: it says how much of that budget no Python work can win
back).

Targets, at 10^6 rows, for each kind: **rows/s** of the default import >= 200,000; **seconds**
of the default import <= 3 x the bare whole-file read's, in the same run; **peak RSS** of the
default import at 10^6 minus its peak at 10^5 <= 64 MiB (the import's process plus its helper
process, ``storage/importers/side_worker.py``: a sum of the two peaks). The last says
"memory does not grow with the file": 900,000 more rows held in memory cost far more than
that (the bare whole read's growth between the same sizes is reported beside it), while 64 MiB
leaves room for allocator noise and SQLite's bounded caches; a chunk is 50,000 rows either
way.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from import_probe import PROFILE, REPO, profile_missing, write_listings
from import_read_probe import make_files
from timeline import warm
from timeline_report import _get, machine  # _get: a value deep in the JSON, or None

PROBE = Path(__file__).with_name("import_probe.py")
KINDS = ("timesketch", "profile")
SMALL, LARGE = 100_000, 1_000_000  # the sizes the issue sets its targets at
ROWS_PER_S = 200_000.0
BARE_RATIO = 3.0
RSS_GROWTH_MB = 64.0
MEASUREMENTS = (("pandas_whole", "pandas-whole", "on"), ("pandas_chunks", "pandas-chunks", "on"),
                ("import_no_fts", "import", "off"), ("import", "import", "on"))


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, nargs="+", help="file sizes (default: 10^5 10^6)")
    p.add_argument("--dir", type=Path, default=Path("/tmp/filature-import"),
                   help="where the synthetic files are kept (and the cases briefly written)")
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    p.add_argument("--quick", action="store_true", help="smoke run: 10^4 and 10^5 rows")
    p.add_argument("--timeout", type=float, default=1200.0, help="seconds per probe")
    p.add_argument("--json-out", type=Path, help="also write the JSON object here")
    args = p.parse_args(argv)
    args.rows = sorted(set(args.rows or ([10_000, 100_000] if args.quick else [SMALL, LARGE])))
    return args


def say(text: str) -> None:
    print(f"[import bench] {text}", file=sys.stderr, flush=True)


def run_probe(mode: str, kind: str, path: Path, fts: str, out: Path, home: Path,
              timeout_s: float) -> dict[str, Any]:
    """One measurement in its own process with a fresh ``FILATURE_HOME``; its JSON line."""
    env = dict(os.environ, FILATURE_HOME=tempfile.mkdtemp(prefix="probe-", dir=home),
               PYTHONPATH=os.pathsep.join(
                   p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    cmd = [sys.executable, str(PROBE), mode, "--kind", kind, "--path", str(path),
           "--fts", fts, "--out", str(out)]
    try:
        proc = subprocess.run(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"{mode} probe timed out after {timeout_s:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": f"{mode} probe exited with {proc.returncode}, no result"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def measure_file(kind: str, path: Path, args: argparse.Namespace, home: Path
                 ) -> dict[str, Any]:
    """The four measurements of one file, and the import's time over the bare reads'.

    ``import_over_bare_read`` (the target) divides by the whole-file read, the user's
    one-liner; ``import_over_chunked_read`` by the chunked one, the floor of a bounded read,
    which can be the faster of the two on a wide file.
    """
    warm(path)
    out: dict[str, Any] = {}
    for key, mode, fts in MEASUREMENTS:
        result = run_probe(mode, kind, path, fts, args.dir / "cases", home, args.timeout)
        out[key] = result
        shown = (f"{result['seconds']:.2f} s, {result['rows_per_s']:,} rows/s, peak "
                 f"{result['peak_mb']:.0f} MB" if "error" not in result else result["error"])
        say(f"{kind} {path.name} {key}: {shown}")
    floor = out["import"].get("sqlite_floor")
    rows = out["import"].get("rows")
    if floor and rows:  # informative, not a target: how much of the budget SQLite alone takes
        budget = rows / ROWS_PER_S
        out["sqlite_floor"] = floor | {
            "seconds": round(sum(floor.values()), 3), "budget_s_at_target": round(budget, 3),
            "share_of_budget": round(sum(floor.values()) / budget, 2)}
    default = out["import"].get("seconds")
    for key, bare in (("import_over_bare_read", "pandas_whole"),
                      ("import_over_chunked_read", "pandas_chunks")):
        seconds = out[bare].get("seconds")
        out[key] = round(default / seconds, 2) if seconds and default else None
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    missing = profile_missing() if "profile" in args.kinds else None
    out: dict[str, Any] = {"machine": machine() | {"pandas": version("pandas")}, "settings": {
        "rows": args.rows, "kinds": args.kinds, "dir": str(args.dir), "quick": args.quick,
        "import": "build_case as main.py import by default: fts on (and off, for comparison), "
                  "bad rows rejected, fold 'range', zone UTC; the case written into "
                  f"{args.dir / 'cases'} and removed after",
        "bare_read": "pandas.read_csv(path, dtype=str, keep_default_na=False), whole file; "
                     "pandas_chunks: the same with chunksize = the importer's chunk rows",
        "memory": "baseline_mb: VmRSS before the read; peak_mb: VmHWM after it; "
                  "held_mb = peak - baseline; helper_peak_mb: the import's helper "
                  "process (ru_maxrss of waited children); one measurement per process",
        "page_cache": "warm: each file is read once before its probes",
        "profile": str(PROFILE.relative_to(REPO)),
    }, "files": {}, "runs": {}}
    if missing:
        out["settings"]["profile_missing"] = missing
    with tempfile.TemporaryDirectory(prefix="filature-import-home-") as home:
        for kind in args.kinds:
            out["files"][kind], out["runs"][kind] = {}, {}
            for rows in args.rows:
                say(f"{kind}: {rows:,} rows: the file")
                path = (make_files(rows, args.dir)[0] if kind == "timesketch"
                        else write_listings(rows, args.dir))
                out["files"][kind][str(rows)] = {"path": str(path), "rows": rows,
                                                 "mb": round(path.stat().st_size / 2**20, 1)}
                if kind == "profile" and missing:
                    out["runs"][kind][str(rows)] = {"error": missing}
                    continue
                out["runs"][kind][str(rows)] = measure_file(kind, path, args, Path(home))
    out["rss_growth_mb"] = {kind: growth(out["runs"], kind, args.rows) for kind in args.kinds}
    out["bench_seconds"] = round(time.perf_counter() - started, 1)
    out["machine"]["load_avg_at_end"] = [round(v, 2) for v in os.getloadavg()]
    out["targets"] = targets(out["runs"], missing)  # last: the verdict closes the object
    return out


def growth(runs: dict[str, Any], kind: str, rows: list[int]) -> dict[str, object]:
    """Peak RSS at the largest size minus at the smallest, for every measurement of a kind."""
    out: dict[str, object] = {"from_rows": rows[0], "to_rows": rows[-1]}
    for key, _mode, _fts in MEASUREMENTS:
        small = _get(runs, kind, str(rows[0]), key, "peak_mb")
        large = _get(runs, kind, str(rows[-1]), key, "peak_mb")
        out[key] = round(large - small, 1) if small is not None and large is not None else None
    return out


def _target(rule: str, value: float | None, limit: float, at_least: bool, why: str
            ) -> dict[str, object]:
    if value is None:
        return {"rule": rule, "value": None, "limit": limit, "met": None, "why": why}
    met = value >= limit if at_least else value <= limit
    return {"rule": rule, "value": round(value, 3), "limit": limit, "met": bool(met)}


def _why(runs: dict[str, Any], kind: str, sizes: tuple[int, ...], missing: str | None) -> str:
    """Why a target has no value: the profile import absent, a size not run, a probe failed."""
    if kind == "profile" and missing:
        return missing
    for n in sizes:
        run = _get(runs, kind, str(n))
        if run is None:
            return f"{kind} at {n:,} rows not in this run (--rows, --kinds)"
        for key in ("import", "pandas_whole"):
            if _get(run, key, "error"):
                return f"{kind} {key} at {n:,} rows failed: {run[key]['error']}"
    return "not measured in this run"


def targets(runs: dict[str, Any], missing: str | None) -> list[dict[str, object]]:
    """The six targets of issue #19 item 5: three per kind, at 10^6 rows (memory: 10^5→10^6)."""
    out = []
    for kind in KINDS:
        big = _get(runs, kind, str(LARGE))
        rate = _get(big, "import", "rows_per_s")
        out.append(_target(f"{kind}: rows/s of the default import (FTS on) at {LARGE:,} rows "
                           f">= {ROWS_PER_S:,.0f}", rate, ROWS_PER_S, True,
                           _why(runs, kind, (LARGE,), missing)))
    for kind in KINDS:
        ratio = _get(runs, kind, str(LARGE), "import_over_bare_read")
        out.append(_target(f"{kind}: seconds of the default import / seconds of a bare "
                           f"pandas.read_csv of the same file at {LARGE:,} rows <= "
                           f"{BARE_RATIO:g} (ratio, same run)", ratio, BARE_RATIO, False,
                           _why(runs, kind, (LARGE,), missing)))
    for kind in KINDS:
        small = _peak(runs, kind, SMALL)
        large = _peak(runs, kind, LARGE)
        growth = large - small if small is not None and large is not None else None
        out.append(_target(f"{kind}: peak RSS of the default import (main process + its "
                           f"helper) at {LARGE:,} rows - at {SMALL:,} rows <= "
                           f"{RSS_GROWTH_MB:g} MiB (bounded by the chunk)",
                           growth, RSS_GROWTH_MB, False,
                           _why(runs, kind, (SMALL, LARGE), missing)))
    return out


def _peak(runs: dict[str, Any], kind: str, rows: int) -> float | None:
    """The import's peak RSS: its process's plus its helper's (a sum of peaks: an upper
    bound, the two need not peak together)."""
    main_mb = _get(runs, kind, str(rows), "import", "peak_mb")
    helper_mb = _get(runs, kind, str(rows), "import", "helper_peak_mb") or 0.0
    return None if main_mb is None else round(main_mb + helper_mb, 1)


def main(argv: list[str]) -> int:
    if str(REPO) not in sys.path:  # a checkout that is not pip-installed
        sys.path.insert(1, str(REPO))
    args = parse_args(argv)
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
