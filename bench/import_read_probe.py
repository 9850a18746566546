"""The import's read, measured: Filature's Timesketch reader against bare pandas, per process.

    python bench/import_read_probe.py [--rows 100000 1000000] [--dir /tmp/filature-import]
    python bench/import_read_probe.py probe --reader NAME --path FILE   (one measurement)

The first form writes deterministic Timesketch files of each size (CSV and JSON lines, kept in
``--dir`` and reused; never in the repository), then runs every reader on each in its own
process and prints a table and a JSON line. A process each, because VmHWM (peak RSS, from
``/proc/self/status``) belongs to one reader; ``baseline_mb`` is VmRSS after the imports and
before the file is opened, so ``peak - baseline`` is what the read itself held.

Readers: ``filature`` (``read_timesketch``: encoding sniff, strict times, attributes and tags
in long format, line numbers), ``pandas-chunks`` (``pd.read_csv(dtype=str,
keep_default_na=False, chunksize=100_000)``, the same chunk size: the floor of a bounded read),
``pandas-whole`` (one ``pd.read_csv`` of the whole file: what memory looks like when it grows
with the file), and for JSON lines ``filature`` and ``json-loads`` (a bare ``json.loads`` per
line, nothing kept).

The file: 9 columns like a Plaso-made Timesketch export (message, timestamp, datetime with
µs and offset, timestamp_desc, data_type, hostname, filename, tag, user); one row in 1,000 has
a quoted two-line message, one in 10 a JSON tag list.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
CHUNK = 100_000


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def make_files(rows: int, folder: Path) -> tuple[Path, Path]:
    """Write (once) the CSV and JSON-lines files of ``rows`` rows; return their paths."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, jsonl_path = folder / f"timesketch-{rows}.csv", folder / f"timesketch-{rows}.jsonl"
    if csv_path.exists() and jsonl_path.exists():
        return csv_path, jsonl_path
    rng = np.random.default_rng(19)
    ts = 1_600_000_000_000_000 + np.sort(rng.integers(0, 3 * 365 * 86_400 * 10**6, rows))
    i = np.arange(rows)
    message = np.char.add(np.char.add("[sshd] Failed password for root from 192.168.40.",
                                      (i % 250).astype(str)),
                          np.char.add(" port ", (50_000 + i % 10_000).astype(str))).astype(object)
    message[i % 1000 == 7] += "\nsecond line of a multi-line record"
    iso = np.char.add(np.datetime_as_string(ts.astype("datetime64[us]"), unit="us"), "+00:00")
    frame = pd.DataFrame({
        "message": message, "timestamp": ts.astype(str), "datetime": iso.astype(object),
        "timestamp_desc": "Content Modification Time", "data_type": "syslog:line",
        "hostname": "centos9-stream", "filename": "/var/log/secure",
        "tag": np.where(i % 10 == 0, '["bruteforce"]', ""),
        "user": np.char.add("user", (i % 97).astype(str)).astype(object)})
    frame.to_csv(csv_path, index=False)
    with jsonl_path.open("w", encoding="utf-8") as f:
        for rec in frame.to_dict("records"):
            rec["timestamp"] = int(rec["timestamp"])
            rec["tag"] = ["bruteforce"] if rec["tag"] else "-"
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return csv_path, jsonl_path


def probe(reader: str, path: Path) -> dict[str, object]:
    """One read in this process: rows, seconds, rows/s, VmRSS before and VmHWM after."""
    import pandas as pd

    from storage.importers.timesketch import read_timesketch

    baseline = _status("VmRSS")
    t0 = time.perf_counter()
    rows = bad = 0
    if reader == "filature":
        for chunk in read_timesketch(path):
            rows += len(chunk)
            bad += len(chunk.bad_rows)
    elif reader == "pandas-chunks":
        for frame in pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK):
            rows += len(frame)
    elif reader == "pandas-whole":
        rows = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    elif reader == "json-loads":
        with path.open("rb") as f:
            for line in f:
                json.loads(line)
                rows += 1
    else:
        raise SystemExit(f"unknown reader {reader!r}")
    seconds = time.perf_counter() - t0
    return {"reader": reader, "file": path.name, "rows": rows, "bad_rows": bad,
            "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds),
            "baseline_mb": baseline, "peak_mb": _status("VmHWM"),
            "held_mb": round(_status("VmHWM") - baseline, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", default="all", choices=["all", "probe"])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/filature-import"))
    parser.add_argument("--reader")
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.mode == "probe":
        print(json.dumps(probe(args.reader, args.path)), flush=True)
        return
    results = []
    for rows in args.rows:
        csv_path, jsonl_path = make_files(rows, args.dir)
        runs = [(r, csv_path) for r in ("filature", "pandas-chunks", "pandas-whole")]
        runs += [(r, jsonl_path) for r in ("filature", "json-loads")]
        for reader, path in runs:
            out = subprocess.run([sys.executable, __file__, "probe", "--reader", reader,
                                  "--path", str(path)], cwd=REPO, check=True,
                                 capture_output=True, text=True,
                                 env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
            result = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(result)
            print(f"{result['file']:>28} {reader:>14}: {result['rows']:>9,} rows "
                  f"{result['seconds']:>7.2f} s {result['rows_per_s']:>9,} rows/s  "
                  f"peak {result['peak_mb']:>7.1f} MB (held {result['held_mb']:>6.1f})",
                  file=sys.stderr, flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
