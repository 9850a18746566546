"""Columnar reads of events: numpy arrays straight from the DB-API cursor, no ORM.

At a million events ``pandas.read_sql`` through an engine costs ~2.3 s, a plain cursor into
``np.fromiter`` ~0.3 s. Every query here returns integers only (``coalesce`` for NULLs,
``CASE`` codes for vocabulary) so rows can be flattened straight into one int64 buffer.

The first paint of the timeline needs only ``kind`` and ``ts``: :func:`read_kind_times`
reads them through the covering index ``ix_event_kind_ts``, about as fast as reading the bare
time column. The full columns (:func:`read_event_columns`) load afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from storage.case.errors import CaseDataError
from storage.case.ints import parse_ints
from storage.case.text_values import bind_text, text_param
from storage.case.time_rules import CALENDAR_PRECISIONS, implied_bounds

NO_ID = -1
_CHUNK = 65_536  # rows per fetch: ~10 MB of Python objects alive at a time

Progress = Callable[[str, float], None]
Cancelled = Callable[[], bool]


class ReadCancelled(Exception):
    """The owner cancelled a long read."""




@dataclass(frozen=True, slots=True)
class EventColumns:
    """All events as parallel arrays, sorted by (ts, id).

    ``lo``/``hi`` bound each timestamp's uncertainty (equal to ``ts`` when exact);
    ``end`` equals ``ts`` unless the event is an interval. ``kind`` indexes ``kinds``;
    ``actor`` and ``platform`` hold ids or ``NO_ID``.
    """

    id: np.ndarray
    ts: np.ndarray
    end: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    kind: np.ndarray
    actor: np.ndarray
    platform: np.ndarray
    kinds: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(
            a.nbytes
            for a in (
                self.id,
                self.ts,
                self.end,
                self.lo,
                self.hi,
                self.kind,
                self.actor,
                self.platform,
            )
        )


def _cursor_ints(
    con: Any,
    sql: str,
    params: Sequence[object],
    width: int,
    count: int | None,
    progress: Progress | None,
    cancelled: Cancelled | None,
    label: str,
) -> list[np.ndarray]:
    """Run ``sql`` (integer columns only) into ``width`` int64 arrays.

    With a known ``count`` rows go from each fetched chunk straight into the column arrays:
    no ``(count, width)`` buffer to copy from afterwards, which at 10^7 events would be
    240 MB held at the peak. Without one (a subset whose size only a second scan would
    tell), chunks are kept and joined at the end.
    """
    cur = con.cursor()
    cur.execute(sql, tuple(params))
    out = None if count is None else [np.empty(count, dtype=np.int64) for _ in range(width)]
    blocks: list[np.ndarray] = []
    filled = 0
    while count is None or filled < count:
        rows = cur.fetchmany(_CHUNK)
        if not rows:
            break
        n = len(rows)
        if count is not None and filled + n > count:  # the table grew under us: keep what fits
            rows = rows[: count - filled]
            n = len(rows)
        try:
            block = np.fromiter(
                itertools.chain.from_iterable(rows), dtype=np.int64, count=n * width
            ).reshape(n, width)
        except (TypeError, ValueError, OverflowError):
            raise CaseDataError(
                "the event table holds a time or id that is not an integer"
            ) from None
        del rows
        if out is None:
            blocks.append(block)
        else:
            for j in range(width):
                out[j][filled : filled + n] = block[:, j]
        filled += n
        if progress is not None and count:
            progress(label, filled / count)
        if cancelled is not None and cancelled():
            raise ReadCancelled
    if out is not None:
        return [column[:filled] for column in out]
    whole = np.concatenate(blocks) if blocks else np.empty((0, width), dtype=np.int64)
    return [np.ascontiguousarray(whole[:, j]) for j in range(width)]




TEXT_PAGE = 250_000
"""Rows per ``group_concat`` page: ~4 MB of text, far below the 64 MiB string limit the
hardened connection sets."""
_INT_TS = "CASE WHEN typeof(ts) = 'integer' THEN ts ELSE 0 END"
"""``ts`` for ``group_concat``: anything but an integer reads as 0, "not set" (SQLite sorts
text and blobs after numbers, so such a page comes out unsorted and is sorted below)."""


def _kind_times(cur: Any, kind: str, cancelled: Cancelled | None) -> np.ndarray:
    """Sorted timestamps of one kind, a page of text at a time (index ``(kind, ts)``).

    SQLite builds the page's text and numpy's C parser reads it: ~0.2 µs an event, where a
    Python int per value (``fetchmany`` into ``np.fromiter``) costs ~0.6 µs. A page ends at
    some time T; the next starts at T, skipping the events at T already read.
    """
    parts: list[np.ndarray] = []
    after: int | None = None
    skip = 0
    while True:
        if after is None:
            cur.execute(f"SELECT group_concat(v), count(*) FROM (SELECT {_INT_TS} AS v "
                        f"FROM event WHERE kind = {bind_text(kind)} ORDER BY ts LIMIT ?)",
                        (text_param(kind), TEXT_PAGE))
        else:
            cur.execute(f"SELECT group_concat(v), count(*) FROM (SELECT {_INT_TS} AS v "
                        f"FROM event WHERE kind = {bind_text(kind)} AND ts >= ? ORDER BY ts "
                        "LIMIT ? OFFSET ?)", (text_param(kind), after, TEXT_PAGE, skip))
        text, count = cur.fetchone()
        page = parse_ints(text, count, "event table's time column")
        if page.size:
            parts.append(page)
        if count < TEXT_PAGE:
            break
        if cancelled is not None and cancelled():
            raise ReadCancelled
        last = int(page[-1])
        skip = int(np.count_nonzero(page == last)) + (skip if last == after else 0)
        after = last
    if len(parts) == 1:
        times = parts[0]
    else:  # several pages, or none (a kind no event has)
        times = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    if len(times) > 1 and not bool(np.all(times[1:] >= times[:-1])):
        times.sort()  # SQLite keeps the subquery's order; a surprise must not unsort lanes
    return times


def event_kinds(con: Any) -> list[tuple[str, int]]:
    """Distinct event kinds with their counts, most frequent first."""
    cur = con.cursor()
    cur.execute("SELECT kind, count(*) FROM event GROUP BY kind ORDER BY count(*) DESC, kind")
    return [(k if isinstance(k, str) else str(k), int(n)) for k, n in cur.fetchall()]


def distinct_kinds(con: Any) -> list[str]:
    """The event kinds present, found by skipping along ``ix_event_kind_ts``.

    One ``min(kind) … WHERE kind > ?`` index probe per kind: ~1 ms for a whole case, where
    ``GROUP BY kind`` reads every index entry (66 ms at 10^6). A case with an absurd number
    of kinds falls back to the grouping query.
    """
    cur = con.cursor()
    cur.execute("SELECT min(kind) FROM event")
    kind = cur.fetchone()[0]
    found: list[str] = []
    while kind is not None:
        if len(found) >= _SKIP_SCAN_LIMIT:
            return [k for k, _ in event_kinds(con)]
        found.append(kind if isinstance(kind, str) else str(kind))
        cur.execute(f"SELECT min(kind) FROM event WHERE kind > {bind_text(found[-1])}",
                    (text_param(found[-1]),))
        kind = cur.fetchone()[0]
    return found


_SKIP_SCAN_LIMIT = 4096


def read_kind_times(
    con: Any,
    kinds: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> dict[str, np.ndarray]:
    """Sorted timestamps per event kind, via the covering index ``(kind, ts)``.

    Kinds come back most frequent first (ties by name): the order of the timeline's lanes
    and of the full read's kind codes. The counts are the arrays' lengths, so nothing else
    has to count the events first.
    """
    names = list(kinds) if kinds is not None else distinct_kinds(con)
    result: dict[str, np.ndarray] = {}
    cur = con.cursor()
    for i, kind in enumerate(names):
        if progress is not None:
            progress("Reading event times…", i / max(len(names), 1))
        result[kind] = _kind_times(cur, kind, cancelled)
    order = sorted(result, key=lambda k: (-len(result[k]), k))
    return {k: result[k] for k in order}


def read_event_columns(
    con: Any,
    kinds: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    *,
    zone: str = "UTC",
) -> EventColumns:
    """Every event as :class:`EventColumns` (sorted by time, then id).

    The cost of this read is one Python int per value fetched, so it fetches few: one scan
    returns ``id``, ``ts`` and kind, actor and platform packed into one integer; a second
    returns the end and bounds only for the events that have them (intervals, vague times:
    ~15 % of a typical case). 3.6 values per event instead of 8 (1.97 s -> 1.76 s at 10^6
    events; the rest is the SQL and the scan).

    Bad values do not stop the read: a ``ts`` that is not an integer (text, a real, a blob)
    reads as ``0``, "not set" (the value checks count such rows), a reference that is not an
    integer as ``NO_ID``, and an event whose own id is not an integer is left out. The fast
    path assumes good values and the careful one runs only when it meets a bad one.
    ``zone`` is the case's time zone: a vague precision without stored bounds spans the
    calendar unit that holds ``ts`` there (see :mod:`storage.case.time_rules`).
    """
    cur = con.cursor()
    integer_ids = _ids_are_rowids(con)
    where = "" if integer_ids else " WHERE typeof(id) = 'integer'"
    cur.execute(f"SELECT count(*) FROM event{where}")
    count = int(cur.fetchone()[0])
    if kinds is None:
        kinds = [k for k, _ in event_kinds(con)]
    kinds = tuple(kinds)
    if len(kinds) >= _KIND_LIMIT:
        raise CaseDataError(f"the case has {len(kinds):,} distinct event kinds; "
                            f"Filature reads at most {_KIND_LIMIT - 1:,}")
    kind_case = " ".join(f"WHEN {bind_text(k)} THEN {i}" for i, k in enumerate(kinds))
    kind_expr = f"CASE kind {kind_case} ELSE {len(kinds)} END" if kinds else "0"
    packed = (f"({kind_expr}) + ({_code('platform_id', _PLATFORM_LIMIT)}) * {1 << 16} "
              f"+ ({_code('actor_id', _ACTOR_LIMIT)}) * {1 << 32}")
    params = [text_param(k) for k in kinds]
    # Not read as text like the kind times: for three columns and a table lookup per row,
    # building the text cost more in SQLite than it saved in Python (measured: 2.4 s vs 1.7 s).
    try:
        ids, ts, code = _cursor_ints(con, f"SELECT id, ts, {packed} FROM event{where} "
                                     "ORDER BY ts, id", params, 3, count, progress,
                                     cancelled, "Reading events…")
    except CaseDataError:  # a time that is not an integer: read it as "not set"
        ids, ts, code = _cursor_ints(con, f"SELECT id, {_INT_OR_ZERO.format('ts')}, {packed} "
                                     f"FROM event{where} ORDER BY ts, id", params, 3, count,
                                     progress, cancelled, "Reading events…")
    kind = (code & 0xFFFF).astype(np.uint16)
    platform = ((code >> 16) & 0xFFFF).astype(np.int32)  # < 2^16 once packed
    platform -= 1
    code >>= 32
    code -= 1
    actor = code  # decoded in place: one 8-byte column fewer at the peak
    del code
    if len(ts) > 1 and not bool(np.all(ts[1:] >= ts[:-1])):
        # Only when times were not integers (SQLite sorts text after numbers, "not set" is 0)
        order = np.lexsort((ids, ts))
        ids, ts, kind, actor, platform = (a[order] for a in (ids, ts, kind, actor, platform))
    positions = _Positions(ids)
    platform = _fix_out_of_range(con, positions, actor, platform, where)
    end, lo, hi = _read_extents(con, positions, ts, zone, where, cancelled)
    all_kinds = kinds + (("other",) if (kind == len(kinds)).any() else ())
    return EventColumns(
        id=ids, ts=ts, end=end, lo=lo, hi=hi,
        kind=kind.astype(np.uint8) if len(all_kinds) < 256 else kind,
        actor=actor, platform=platform, kinds=all_kinds,
    )


_INT_OR_ZERO = "CASE WHEN typeof({0}) = 'integer' THEN {0} ELSE 0 END"
"""A column as an integer, or 0 when the row holds anything else there."""
_IMPLIED = {p: i + 1 for i, p in enumerate(CALENDAR_PRECISIONS)}


def _read_extents(con: Any, positions: _Positions, ts: np.ndarray, zone: str, where: str,
                  cancelled: Cancelled | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``end``, ``lo`` and ``hi`` of every event: a sparse read of those that differ from ts.

    Bounds a precision implies (no ``ts_min``/``ts_max`` stored) are computed here in numpy,
    in the case zone, from the precision code the query returns.
    """
    end, lo, hi = ts.copy(), ts.copy(), ts.copy()
    codes = " ".join(f"WHEN '{p}' THEN {c}" for p, c in _IMPLIED.items())
    vague = ", ".join(f"'{p}'" for p in _IMPLIED)
    filters = ("end_ts IS NOT NULL OR ts_min IS NOT NULL OR ts_max IS NOT NULL "
               f"OR precision IN ({vague})")
    where = f"{where} AND ({filters})" if where else f" WHERE {filters}"
    columns = ("id, coalesce(end_ts, ts), coalesce(ts_min, ts), coalesce(ts_max, ts), "
               f"CASE WHEN ts_min IS NULL AND ts_max IS NULL THEN CASE precision {codes} "
               "ELSE 0 END ELSE 0 END")
    try:
        sparse = _cursor_ints(con, f"SELECT {columns} FROM event{where}", (), 5, None, None,
                              cancelled, "Reading intervals…")
    except CaseDataError:  # a bound that is not an integer: that bound is left out
        safe = columns
        for col in ("end_ts", "ts_min", "ts_max"):
            safe = safe.replace(f"coalesce({col}, ts)",
                                f"CASE WHEN typeof({col}) = 'integer' THEN {col} ELSE ts END")
        safe = safe.replace(", ts)", f", {_INT_OR_ZERO.format('ts')})")
        safe = safe.replace("ELSE ts END", f"ELSE {_INT_OR_ZERO.format('ts')} END")
        sparse = _cursor_ints(con, f"SELECT {safe} FROM event{where}", (), 5, None, None,
                              cancelled, "Reading intervals…")
    at = positions.of(sparse[0])
    end[at], lo[at], hi[at] = sparse[1], sparse[2], sparse[3]
    for precision, code in _IMPLIED.items():
        pick = sparse[4] == code
        if pick.any():
            rows = at[pick]
            lo[rows], hi[rows] = implied_bounds(ts[rows], precision, zone)
    return end, lo, hi


def _ids_are_rowids(con: Any) -> bool:
    """Whether ``event.id`` is SQLite's rowid (``INTEGER PRIMARY KEY``): always an integer."""
    cur = con.cursor()
    cur.execute("SELECT type, pk FROM pragma_table_info('event') WHERE name = 'id'")
    row = cur.fetchone()
    if row is None:
        return False
    cur.execute("SELECT count(*) FROM pragma_table_info('event') WHERE pk > 0")
    return str(row[0]).upper() == "INTEGER" and row[1] == 1 and cur.fetchone()[0] == 1


_KIND_LIMIT = 1 << 16
_PLATFORM_LIMIT = (1 << 16) - 3
_ACTOR_LIMIT = (1 << 30) - 3


def _code(column: str, limit: int) -> str:
    """SQL packing a nullable id into ``0`` (NULL), ``id + 1``, or ``limit + 2`` (re-read).

    Decoding subtracts 1: NULL becomes ``NO_ID`` and an out-of-range id ``limit + 1``, which
    :func:`_fix_out_of_range` replaces with the real value.
    """
    return (f"CASE WHEN {column} IS NULL THEN 0 WHEN {column} BETWEEN 0 AND {limit} "
            f"THEN {column} + 1 ELSE {limit + 2} END")


class _Positions:
    """Row position of an event id in the time-ordered arrays, for scattered updates."""

    def __init__(self, ids: np.ndarray) -> None:
        self._ids = ids
        increasing = len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1]))
        self._order = None if increasing else np.argsort(ids, kind="stable")

    def of(self, wanted: np.ndarray) -> np.ndarray:
        if self._order is None:
            return np.searchsorted(self._ids, wanted)
        return self._order[np.searchsorted(self._ids[self._order], wanted)]


def _fix_out_of_range(con: Any, positions: _Positions, actor: np.ndarray,
                      platform: np.ndarray, where: str = "") -> np.ndarray:
    """Re-read the rare ids too large (or negative) to pack, straight from their rows.

    An id that is not an integer at all (text in a hostile or damaged file) becomes
    ``NO_ID``. Returns the platform column: widened to int64 when it had to be fixed.
    """
    if not ((actor == _ACTOR_LIMIT + 1).any() or (platform == _PLATFORM_LIMIT + 1).any()):
        return platform
    cur = con.cursor()
    extra = f" AND {where.removeprefix(' WHERE ')}" if where else ""
    cur.execute(
        f"SELECT id, CASE WHEN typeof(actor_id) = 'integer' THEN actor_id ELSE {NO_ID} END, "
        f"CASE WHEN typeof(platform_id) = 'integer' THEN platform_id ELSE {NO_ID} END "
        f"FROM event WHERE (actor_id NOT BETWEEN 0 AND {_ACTOR_LIMIT} "
        f"OR platform_id NOT BETWEEN 0 AND {_PLATFORM_LIMIT}){extra}")
    rows = np.asarray(cur.fetchall(), dtype=np.int64).reshape(-1, 3)
    at = positions.of(rows[:, 0])
    actor[at] = rows[:, 1]
    platform_fixed = platform.astype(np.int64)
    platform_fixed[at] = rows[:, 2]
    return platform_fixed
