"""The fixed pan/zoom script of ``bench/timeline.py`` and the summaries it reports.

Pure Python and numpy (no Qt) so that the parent process, which never starts Qt, can share the
statistics helpers with the probe. The script is defined relative to a case's span: every
size replays the same gestures, so a frame-time difference between 10^4 and 10^7 events is
the cost of the data, not of a different walk through time.
"""

from __future__ import annotations

import math

import numpy as np

#: Where the zoom dives, as a fraction of the case's span (off-centre, away from round dates).
FOCUS = 0.618
#: The narrowest view of the script: one minute, in µs.
MIN_SPAN_US = 60_000_000
ZOOM_STEPS = 20
#: Pans at these zoom levels (fraction of the span), each a few steps right and then back.
PAN_LEVELS = (0.25, 1e-2, 1e-4)
PAN_STEPS = 4
PAN_STEP = 0.2  # the share of the visible width one pan moves, as the arrow keys do


def pan_zoom_script(first_us: int, last_us: int, *, quick: bool = False) -> list[tuple[int, int]]:
    """``(start_us, end_us)`` steps: the whole case down to one minute and back, then pans.

    Zoom steps are geometric (each one divides the width by the same factor), like a wheel.
    ``quick`` keeps a third of the steps for smoke runs.
    """
    span = max(last_us - first_us, MIN_SPAN_US * 10)
    focus = first_us + FOCUS * span
    zoom_steps = ZOOM_STEPS // 3 if quick else ZOOM_STEPS
    ratio = (MIN_SPAN_US / span) ** (1.0 / zoom_steps)
    widths = [span * ratio**k for k in range(zoom_steps + 1)]
    steps = [_around(focus, w) for w in widths]
    steps += [_around(focus, w) for w in reversed(widths[:-1])]
    pan_steps = 2 if quick else PAN_STEPS
    for level in PAN_LEVELS:
        width = max(span * level, MIN_SPAN_US)
        centres = [focus + PAN_STEP * width * k for k in range(pan_steps + 1)]
        centres += list(reversed(centres[:-1]))
        steps += [_around(c, width) for c in centres]
    return steps


def _around(centre: float, width: float) -> tuple[int, int]:
    half = width / 2.0
    return round(centre - half), round(centre + half)


def summary_ms(seconds: list[float]) -> dict[str, float | int]:
    """p50, p95, max and mean of durations given in seconds, in milliseconds."""
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    return {
        "n": len(ms),
        "p50": round(float(np.percentile(ms, 50)), 2),
        "p95": round(float(np.percentile(ms, 95)), 2),
        "max": round(float(ms.max()), 2),
        "mean": round(float(ms.mean()), 2),
    }


def median(values: list[float]) -> float | None:
    """Median, or None for no values: a missing figure must never read as 0 (or NaN in JSON)."""
    clean = [v for v in values if v is not None and not math.isnan(v)]
    return round(float(np.median(clean)), 2) if clean else None
