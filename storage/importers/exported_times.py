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
    """The chunk with exported bounds moved from its fields into its time columns."""
    fields = chunk.fields
    marked = fields.get(PRECISION_KEY)
    lo_text, hi_text = (fields.get(k) for k in BOUND_KEYS)
    if marked is None or lo_text is None or hi_text is None:
        return chunk
    candidates = np.flatnonzero(np.isin(marked, list(BOUNDED)) & (lo_text != "")
                                & (hi_text != ""))
    if not len(candidates):
        return chunk
    lo = parse_iso(lo_text[candidates])
    hi = parse_iso(hi_text[candidates])
    ts = chunk.ts_us[candidates]
    good = (lo.status == OK) & (hi.status == OK) & (lo.ts_us <= ts) & (ts <= hi.ts_us)
    if not good.any():
        return chunk
    take = candidates[good]
    new_precision = chunk.precision.copy()
    new_min, new_max = chunk.ts_min.copy(), chunk.ts_max.copy()
    bounds = chunk.has_bounds.copy()
    new_precision[take] = marked[take]
    new_min[take], new_max[take] = lo.ts_us[good], hi.ts_us[good]
    bounds[take] = True
    new_fields = dict(fields)
    for key in (PRECISION_KEY, *BOUND_KEYS):  # read into the time: no longer attributes
        col = fields[key].copy()
        col[take] = ""
        if (col != "").any():
            new_fields[key] = col
        else:
            del new_fields[key]
    return dataclasses.replace(chunk, precision=new_precision, ts_min=new_min, ts_max=new_max,
                               has_bounds=bounds, fields=new_fields)
