"""One time per row from a timeline's ``datetime`` text and ``timestamp`` number.

Timesketch rows may carry both. The rule (ours, stricter than Timesketch's):

- ``datetime`` readable → it is the time. A readable ``timestamp`` naming another instant is
  logged on the row (``TIMESTAMP_DISAGREES``: sigma_events.jsonl carries a bogus 123456789); an
  unreadable one too. "Another instant" means the two spans do not overlap: ``…T19:01:01``
  (a whole second) and ``1437764461123456`` agree.
- ``datetime`` blank → ``timestamp``, in the unit its magnitude says, the guess flagged and
  written into ``ts_raw`` (``1658689261 [timestamp read as seconds, unit guessed by
  magnitude]``), since the guess is a choice the reader made.
- ``datetime`` present but refused → a bad row, even when ``timestamp`` could stand in: a
  malformed text says the file is not what it claims, so the row is reported with what the
  timestamp would give, never quietly replaced (validate_date_events.csv).
- no offset and no zone → the row needs a zone; the reader refuses the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from storage.importers.time_scalar import DAY_US
from storage.importers.times import (
    BAD,
    BLANK,
    FILETIME_ZERO_US,
    NEEDS_ZONE,
    OK,
    UNITS,
    TimeFlag,
    parse_epoch,
    parse_iso,
    precision_names,
    span_us,
    utc_text,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from storage.importers.times import EpochTimes, FoldPolicy, IsoTimes

_NOTED = (TimeFlag.TIMESTAMP_DISAGREES | TimeFlag.TIMESTAMP_UNREADABLE | TimeFlag.FOLD_CHOSEN
          | TimeFlag.PROBABLE_NULL)
_GUESS_SUFFIX = np.array([f" [timestamp read as {u}, unit guessed by magnitude]" for u in UNITS],
                         dtype=object)


@dataclass(frozen=True, slots=True, eq=False)
class RowTimes:
    """The time of each row of a chunk, ready for ``event``'s time columns.

    Arrays are aligned with the input rows; only rows with ``ok`` are events. ``precision`` is
    the name written into ``event.precision``; ``ts_min``/``ts_max`` are meaningful where
    ``has_bounds`` (a DST overlap read as a ``range``). ``errors`` (row → reason) are the bad
    rows; ``needs_zone`` the rows that have no offset while no zone was given. ``notes`` are
    ``(row, text)`` for rows read with a caveat; ``units`` counts the rows whose time came from
    ``timestamp``, by unit name.
    """

    ok: np.ndarray
    ts_us: np.ndarray
    precision: np.ndarray
    flags: np.ndarray
    ts_min: np.ndarray
    ts_max: np.ndarray
    has_bounds: np.ndarray
    ts_raw: np.ndarray
    ts_zone: np.ndarray
    errors: dict[int, str]
    needs_zone: np.ndarray
    notes: list[tuple[int, str]]
    units: dict[str, int]


def resolve_times(datetime_text: np.ndarray | None, timestamp_text: np.ndarray | None, *,
                  zone: ZoneInfo | None = None, fold: FoldPolicy | None = None) -> RowTimes:
    """Apply the module's rule to a chunk's ``datetime`` and ``timestamp`` columns.

    Either column may be None (the file has no such column); both are object arrays of
    ``str`` as written (a blank cell is ``""``).
    """
    if datetime_text is None and timestamp_text is None:
        raise ValueError("a time column is needed")
    n = len(datetime_text if datetime_text is not None else timestamp_text)  # type: ignore[arg-type]
    iso = parse_iso(datetime_text, zone, fold) if datetime_text is not None else None
    ep = parse_epoch(timestamp_text) if timestamp_text is not None else None
    dt_status = iso.status if iso is not None else np.full(n, BLANK, np.uint8)
    ts_status = ep.status if ep is not None else np.full(n, BLANK, np.uint8)

    use_dt = dt_status == OK
    use_ts = (dt_status == BLANK) & (ts_status == OK)
    ok = use_dt | use_ts
    ts = np.zeros(n, np.int64)
    prec = np.zeros(n, np.uint8)
    flags = np.zeros(n, np.uint16)
    lo = np.zeros(n, np.int64)
    hi = np.zeros(n, np.int64)
    raw = np.full(n, "", dtype=object)
    zone_col = np.full(n, "", dtype=object)
    if iso is not None and datetime_text is not None:
        ts[use_dt], prec[use_dt] = iso.ts_us[use_dt], iso.precision[use_dt]
        flags[use_dt] = iso.flags[use_dt]
        lo[use_dt], hi[use_dt] = iso.ts_min[use_dt], iso.ts_max[use_dt]
        raw[use_dt] = datetime_text[use_dt]
        zone_col[use_dt] = iso.zone_label[use_dt]
        for i, choice in iso.choices.items():
            raw[i] = f"{datetime_text[i]} {choice}"
    if ep is not None and timestamp_text is not None:
        ts[use_ts], prec[use_ts] = ep.ts_us[use_ts], ep.precision[use_ts]
        flags[use_ts] = ep.flags[use_ts] | int(TimeFlag.FROM_TIMESTAMP)
        lo[use_ts] = hi[use_ts] = ep.ts_us[use_ts]
        raw[use_ts] = timestamp_text[use_ts] + _GUESS_SUFFIX[ep.unit[use_ts]]
        zone_col[use_ts] = "UTC"
        # Two readings agree when their spans overlap ([start, end) each; ``hi`` is the last
        # µs of a ``range``, whose span code is 1, so ``hi + span`` ends every kind).
        both = use_dt & (ts_status == OK)
        dt_end = hi + span_us(prec)
        ts_end = ep.ts_us + span_us(ep.precision)
        apart = both & (np.maximum(lo, ep.ts_us) >= np.minimum(dt_end, ts_end))
        flags[apart] |= int(TimeFlag.TIMESTAMP_DISAGREES)
        flags[use_dt & (ts_status == BAD)] |= int(TimeFlag.TIMESTAMP_UNREADABLE)
    units: dict[str, int] = {}
    if ep is not None and use_ts.any():
        counts = np.bincount(ep.unit[use_ts].astype(np.int64), minlength=len(UNITS))
        units = {UNITS[k]: int(c) for k, c in enumerate(counts.tolist()) if c}
    columns = _Columns(datetime_text, timestamp_text, iso, ep)
    return RowTimes(ok, ts, precision_names(prec), flags, lo, hi, ok & (lo != hi), raw,
                    zone_col, columns.errors(dt_status, ts_status),
                    np.flatnonzero(dt_status == NEEDS_ZONE),
                    columns.notes(flags, ok, use_ts, ts, zone), units)


@dataclass(frozen=True, slots=True)
class _Columns:
    """The two input columns and their readings, for the messages."""

    dt: np.ndarray | None
    tst: np.ndarray | None
    iso: IsoTimes | None
    ep: EpochTimes | None

    def _ts_reading(self, i: int) -> str:
        assert self.ep is not None and self.tst is not None
        return (f"timestamp {self.tst[i]!r} (read as {UNITS[int(self.ep.unit[i])]}: "
                f"{utc_text(int(self.ep.ts_us[i]))})")

    def errors(self, dt_status: np.ndarray, ts_status: np.ndarray) -> dict[int, str]:
        """Why each refused row is refused, with the values as written."""
        errors: dict[int, str] = {}
        if self.iso is not None and self.dt is not None:
            for i, why in self.iso.errors.items():
                text = f"datetime {self.dt[i]!r}: {why}"
                if ts_status[i] == OK:
                    text += f"; {self._ts_reading(i)} is not used in its place"
                errors[i] = text
        no_dt = dt_status == BLANK
        if self.ep is not None and self.tst is not None:
            for i in np.flatnonzero(no_dt & (ts_status == BAD)).tolist():
                errors[i] = (f"no datetime, and timestamp {self.tst[i]!r} is unreadable: "
                             f"{self.ep.errors[i]}")
        for i in np.flatnonzero(no_dt & (ts_status == BLANK)).tolist():
            errors[i] = "no time: datetime and timestamp are both blank"
        return errors

    def notes(self, flags: np.ndarray, ok: np.ndarray, use_ts: np.ndarray, ts: np.ndarray,
              zone: ZoneInfo | None) -> list[tuple[int, str]]:
        """The caveats worth a line in the import log, row by row (only flagged rows cost).

        A time taken from ``timestamp`` is noted on its row only when the file has a
        ``datetime`` column that is blank there; a file without the column says it once.
        """
        notes: list[tuple[int, str]] = []
        noted = ok & ((flags & int(_NOTED)) != 0)
        if self.dt is not None:
            noted |= use_ts
        for i in np.flatnonzero(noted).tolist():
            f = TimeFlag(int(flags[i]))
            if use_ts[i] and self.dt is not None:
                notes.append((i, f"datetime blank: time from {self._ts_reading(i)}, "
                                 "unit guessed by magnitude"))
            if TimeFlag.TIMESTAMP_DISAGREES in f:
                notes.append((i, f"datetime {self.dt[i]!r} kept; {self._ts_reading(i)} "  # type: ignore[index]
                                 "names another time"))
            if TimeFlag.TIMESTAMP_UNREADABLE in f and self.ep is not None:
                notes.append((i, f"datetime {self.dt[i]!r} kept; timestamp "  # type: ignore[index]
                                 f"{self.tst[i]!r} is unreadable: {self.ep.errors[i]}"))  # type: ignore[index]
            if TimeFlag.FOLD_CHOSEN in f and zone is not None:
                notes.append((i, f"ambiguous in {zone.key} (DST overlap): read by the fold "
                                 "policy"))
            if TimeFlag.PROBABLE_NULL in f:
                which = ("the Windows FILETIME zero (1601-01-01)"
                         if abs(int(ts[i]) - FILETIME_ZERO_US) <= DAY_US
                         else "the Unix epoch (1970-01-01T00:00:00)")
                notes.append((i, f"probable null date: {which}, kept as written"))
        return notes
