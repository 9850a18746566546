"""Benchmark the synthetic generator: one JSON line per case size.

    .venv/bin/python bench/generate.py                      # 10^4, 10^5, 10^6 events
    .venv/bin/python bench/generate.py --events 10000000    # 10^7 only when asked
    .venv/bin/python bench/generate.py --events 1000000 --repeat 3 --no-fts

Each line has events, seconds (end to end: schema, rows, indices, FTS rebuild, ANALYZE),
events_per_second, the file size, the seconds until the last chunk was written (``fill``;
the rest is indices, full-text index and finish), and the peak resident memory so far of this
process and of the largest worker process (storage.synthetic.worker). Files go to a temporary
folder that is removed at the end unless ``--out`` names a folder to keep them in.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from storage.synthetic.generator import write_synthetic_case

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, nargs="+", default=list(DEFAULT_SIZES),
                   help="case sizes to generate (default: 10^4 10^5 10^6)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1, help="runs per size (median reported)")
    p.add_argument("--no-fts", action="store_true", help="skip the full-text index")
    p.add_argument("--out", type=Path, help="keep the files in this folder")
    return p.parse_args(argv)


def run_one(path: Path, events: int, seed: int, fts: bool) -> dict[str, float]:
    start = time.perf_counter()
    last = [start]

    def progress(_done: int, _total: int) -> None:
        last[0] = time.perf_counter()

    report = write_synthetic_case(path, events, seed=seed, fts=fts, overwrite=True,
                                  progress=progress)
    return {"seconds": report.seconds, "fill_seconds": last[0] - start,
            "bytes": path.stat().st_size}


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="filature-bench-") as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for events in args.events:
            path = folder / f"synthetic-{events}-seed{args.seed}.filature"
            runs = [run_one(path, events, args.seed, not args.no_fts)
                    for _ in range(args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            print(json.dumps({
                "events": events,
                "seconds": round(seconds, 3),
                "events_per_second": round(events / seconds),
                "bytes": int(runs[-1]["bytes"]),
                "megabytes": round(runs[-1]["bytes"] / 1e6, 1),
                "fill_seconds": round(statistics.median(r["fill_seconds"] for r in runs), 3),
                "runs": [round(r["seconds"], 3) for r in runs],
                "fts": not args.no_fts,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "peak_rss_worker_mb": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
                "path": str(path) if args.out else None,
            }), flush=True)
            if not args.out:
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
