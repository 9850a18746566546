"""The machine a bench ran on, and the issue #3 targets checked against its figures.

Each target says its rule, the measured value and ``met``: true, false, or null with the
reason when the run did not measure it (a size left out with ``--sizes``, a probe that
failed). A miss is never dropped or rounded away.
"""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from typing import Any

FRAME_BUDGET_MS = 16.0
OPEN_FLOOR_RATIO = 2.0
FRAME_SCALING = 1.25
SELECTION_P95_MS = 50.0
FTS_MS = 50.0
RSS_RATIO = 2.0


def machine() -> dict[str, object]:
    """CPU, cores, RAM and the versions that shape the figures."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    ram_gib = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal"))
            ram_gib = round(kib / 2**20, 1)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": ram_gib,
        "load_avg_1_5_15": [round(v, 2) for v in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyside6": pyside_version,
        "qt": qVersion(),
        "qpa_platform": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "sqlite": sqlite3.sqlite_version,
        "numpy": _version("numpy"),
        "pyqtgraph": _version("pyqtgraph"),
    }


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _get(tree: Any, *keys: object) -> Any:
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _target(rule: str, value: float | None, limit: float | None, why_missing: str = ""
            ) -> dict[str, object]:
    if value is None or limit is None:
        return {"rule": rule, "value": value, "limit": limit, "met": None,
                "why": why_missing or "not measured in this run"}
    return {"rule": rule, "value": round(value, 3), "limit": round(limit, 3),
            "met": bool(value <= limit)}


def targets(result: dict[str, Any], small: int, large: int, open_size: int
            ) -> list[dict[str, object]]:
    """Check every target of issue #3 against ``result`` (the bench's JSON object)."""
    out = []
    o = result.get("open", {})
    out.append(_target(f"open-to-first-painted-timeline at {open_size:,} events "
                       f"<= {OPEN_FLOOR_RATIO} x floor (ratio)",
                       o.get("ratio_to_floor"), OPEN_FLOOR_RATIO))
    frames = result.get("frames", {})
    p50_small = _get(frames, str(small), "frame", "p50")
    p50_large = _get(frames, str(large), "frame", "p50")
    why = "needs sizes 10^4 and 10^7" if small == large else ""
    out.append(_target(f"frame p50 at {large:,} <= {FRAME_SCALING} x frame p50 at {small:,} "
                       "(ms)", p50_large if small != large else None,
                       FRAME_SCALING * p50_small if p50_small and small != large else None, why))
    out.append(_target(f"frame p50 at {large:,} <= {FRAME_BUDGET_MS} ms", p50_large,
                       FRAME_BUDGET_MS))
    sel = _get(result, "selection", "round_trip", "p95")
    out.append(_target(f"selection round trip p95 at {open_size:,} <= {SELECTION_P95_MS} ms",
                       sel, SELECTION_P95_MS))
    for size, fts in sorted(result.get("fts", {}).items(), key=lambda kv: int(kv[0])):
        if int(size) >= 1_000_000 or len(result.get("fts", {})) == 1:
            out.append(_target(f"FTS query at {int(size):,}: slowest of all runs <= {FTS_MS} ms",
                               _get(fts, "all", "max"), FTS_MS))
    rss = result.get("rss_mb", {})
    empty = rss.get("empty_app")
    loaded = rss.get(str(open_size))
    out.append(_target(f"peak RSS at {open_size:,} <= {RSS_RATIO} x empty app (MiB)",
                       loaded, RSS_RATIO * empty if empty else None))
    return out
