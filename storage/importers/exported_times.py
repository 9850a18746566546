"""Times a Filature export wrote for Timesketch, read back to the precision they had.

Timesketch has one instant per row. Filature's export (:mod:`storage.exports.timesketch`)
writes a time it cannot say as one instant — a DST overlap kept as a ``range``, a scrape's
month, a day — as its first instant plus three fields: ``ts_min``, ``ts_max`` (ISO 8601 UTC)
and ``filature_precision``. Reading such a file again gives the same precision and bounds
instead of a false "exactly at midnight". The three fields are honoured only together and
only when they agree with the row's time (``ts_min ≤ datetime ≤ ts_max``, a precision the
case format knows); otherwise they stay plain attributes, as any other column would.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from storage.case.vocab import BOUNDED_PRECISIONS, EXPORTED_PRECISION_KEY
from storage.importers.times import OK, parse_iso

if TYPE_CHECKING:
    from storage.importers.rows import EventChunk

PRECISION_KEY = EXPORTED_PRECISION_KEY
BOUND_KEYS = ("ts_min", "ts_max")
BOUNDED = frozenset(BOUNDED_PRECISIONS)


def restore_bounds(chunk: EventChunk) -> EventChunk:
    """The chunk with exported bounds moved from its attributes into its time columns."""
    keys = chunk.attr_key
    if not len(keys):
        return chunk
    marked = np.flatnonzero(keys == PRECISION_KEY)
    if not len(marked):
        return chunk
    rows = chunk.attr_row
    precision = {int(rows[j]): (int(j), str(chunk.attr_value[j])) for j in marked.tolist()}
    found: dict[str, dict[int, int]] = {k: {} for k in BOUND_KEYS}
    for key in BOUND_KEYS:
        for j in np.flatnonzero(keys == key).tolist():
            found[key][int(rows[j])] = j
    events = [i for i in precision if i in found["ts_min"] and i in found["ts_max"]
              and precision[i][1] in BOUNDED]
    if not events:
        return chunk
    lo_at = [found["ts_min"][i] for i in events]
    hi_at = [found["ts_max"][i] for i in events]
    lo = parse_iso(chunk.attr_value[lo_at])
    hi = parse_iso(chunk.attr_value[hi_at])
    ts = chunk.ts_us[events]
    good = (lo.status == OK) & (hi.status == OK) & (lo.ts_us <= ts) & (ts <= hi.ts_us)
    if not good.any():
        return chunk
    take = np.asarray(events)[good]
    new_precision = chunk.precision.copy()
    new_min, new_max = chunk.ts_min.copy(), chunk.ts_max.copy()
    bounds = chunk.has_bounds.copy()
    new_precision[take] = [precision[int(i)][1] for i in take.tolist()]
    new_min[take], new_max[take] = lo.ts_us[good], hi.ts_us[good]
    bounds[take] = True
    drop = np.zeros(len(keys), bool)
    drop[[precision[int(i)][0] for i in take.tolist()]] = True
    drop[np.asarray(lo_at)[good]] = True
    drop[np.asarray(hi_at)[good]] = True
    keep = ~drop
    return dataclasses.replace(
        chunk, precision=new_precision, ts_min=new_min, ts_max=new_max, has_bounds=bounds,
        attr_row=rows[keep], attr_key=keys[keep], attr_value=chunk.attr_value[keep])
