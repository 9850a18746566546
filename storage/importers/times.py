"""Strict reading of imported times: ISO 8601 text and epoch numbers → µs since 1970 UTC.

An importer must never *silently* misread a time: Timesketch's own reader takes
``2022-11-10T05-07-28+00:00`` as 05:00:00 (the ``-07`` read as an offset, the rest dropped) and
reads a zone-less ``2017-09-24 19:01:01`` as UTC. Here every text is checked against one strict
grammar::

    YYYY-MM-DD(T| )HH:MM[:SS[(.|,)F+]][Z|±HH:MM|±HHMM]

and anything else is a bad row with a reason. A time without an offset is read only in a zone
the user names (IANA, through :mod:`zoneinfo`: never the computer's own zone); a wall time the
clocks skip (DST gap) is a bad row, one they show twice (DST overlap) is a bad row unless a
``fold`` policy says which reading to take.

Speed: files reach 10⁶ rows, so :func:`parse_iso` and :func:`parse_epoch` work on whole columns.
The texts become a fixed-width byte matrix (one C call) and every field is checked and
converted column by column with numpy: the grammar is enforced position by position, so
nothing the strict regular expression would refuse gets through, and the arithmetic is on
integers (exact to the microsecond, years 1…9999, no 1677–2262 limit). Rows the matrix cannot
hold or that fail a check go through the scalar reference (:func:`parse_iso_one`,
:func:`parse_epoch_one`), which either accepts them the same way (padding, long fractions) or
says why not. ``pandas.to_datetime(format='ISO8601')`` was not used as the first pass: it
accepts ``2015-07-24T19+02``, ``20150724T190101Z``, ``19:01:01.Z`` and ``2015-7-4``, and it
reads zone-less times as UTC under ``utc=True``, so every row would need the regex anyway
(1.5 s per 10⁶ rows in Python) — the byte matrix checks and converts in ~0.1 s.

Zone-less times are localized with pandas' ``tz_localize`` (vectorised, the same tz database as
:mod:`zoneinfo`, checked against it in the tests); the rows it marks as a gap or an overlap are
then decided one by one with :mod:`zoneinfo` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from storage.importers.time_scalar import (
    BAD,
    BLANK,
    FILETIME_ZERO_US,
    MINUTE_US,
    NEEDS_ZONE,
    OK,
    P_MIN,
    P_MS,
    P_RANGE,
    P_S,
    P_US,
    PRECISIONS,
    SPAN_US,
    UNITS,
    US,
    FoldPolicy,
    TimeFlag,
    days_from_civil,
    localize_one,
    offset_text,
    parse_epoch_one,
    parse_iso_one,
    utc_text,
    zone_from_name,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

__all__ = [
    "BAD",
    "BLANK",
    "FILETIME_ZERO_US",
    "NEEDS_ZONE",
    "OK",
    "PRECISIONS",
    "UNITS",
    "EpochTimes",
    "FoldPolicy",
    "IsoTimes",
    "TimeFlag",
    "localize",
    "parse_epoch",
    "parse_epoch_one",
    "parse_iso",
    "parse_iso_one",
    "precision_names",
    "span_us",
    "utc_text",
    "zone_from_name",
]

_PRECISION_NAMES = np.array(PRECISIONS, dtype=object)
_UNIT_PRECISION = np.array([P_S, P_MS, P_US, P_US], dtype=np.uint8)
_UTC_LABEL = 1 << 20  # zone-label code of "Z" (offsets are coded as minutes)
_ZONE_LABEL = -(1 << 30)  # zone-label code of "the zone given"
SPAN_US_ARR = np.array(SPAN_US, dtype=np.int64)
_SAFE_FROM = days_from_civil(2, 1, 1) * 86_400 * US  # wall times pandas may localize
_SAFE_UNTIL = days_from_civil(9999, 1, 1) * 86_400 * US


# --- vectorised columns -------------------------------------------------------------------


_W = 40  # widest text the byte matrix holds: 19 + 1 + 14 fraction digits + 6


def _byte_matrix(texts: np.ndarray, lo: int,
                 width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The texts as a zero-padded ``(N, width)`` ASCII byte matrix, their lengths, and a mask.

    The mask holds the rows whose length is in ``[lo, width]`` and that are ASCII; the other
    rows are zeros, so every check fails on them and the caller sends them to the reference.
    Callers pass ``str`` objects only.
    """
    n = len(texts)
    lens = np.fromiter(map(len, texts), np.int64, n)
    fits = (lens >= lo) & (lens <= width)
    src = texts if fits.all() else np.where(fits, texts, "")
    try:
        raw = np.array(src, dtype=f"S{width}")
    except UnicodeEncodeError:
        fits &= np.fromiter(map(str.isascii, texts), bool, n)
        raw = np.array(np.where(fits, texts, ""), dtype=f"S{width}")
    return raw.view(np.uint8).reshape(n, width), lens, fits


def _as_texts(texts: Sequence[str] | np.ndarray) -> np.ndarray:
    arr = np.asarray(texts, dtype=object)
    return arr.reshape(len(arr))


@dataclass(frozen=True, slots=True, eq=False)
class IsoTimes:
    """A column of ISO 8601 texts, read. Row ``i`` of every array is text ``i``.

    ``status`` is OK, BLANK, BAD (reason in ``errors``) or NEEDS_ZONE (no offset and no zone
    given: the caller refuses the file). ``ts_us`` is the instant (the earliest reading for a
    ``range``), ``ts_min``/``ts_max`` its bounds (equal to ``ts_us`` unless ``range``);
    ``precision`` holds :data:`PRECISIONS` codes; ``zone_label`` the offset or zone the text
    was read in; ``choices`` the bracketed choice a fold policy made, by row.
    """

    status: np.ndarray
    ts_us: np.ndarray
    precision: np.ndarray
    flags: np.ndarray
    ts_min: np.ndarray
    ts_max: np.ndarray
    zone_label: np.ndarray
    errors: dict[int, str]
    choices: dict[int, str]


def parse_iso(texts: Sequence[str] | np.ndarray, zone: ZoneInfo | None = None,
              fold: FoldPolicy | None = None) -> IsoTimes:
    """Read a column of ISO 8601 texts (see the module docstring for the grammar)."""
    texts = _as_texts(texts)
    n = len(texts)
    mat, lens, fits = _byte_matrix(texts, 16, _W)
    dig = (mat >= 48) & (mat <= 57)
    val = mat.astype(np.int16) - 48  # int16: a 100,000-row chunk's matrix stays at 8 MB

    def num(*cols: int) -> np.ndarray:
        out = np.zeros(n, np.int64)
        for c in cols:
            out = out * 10 + val[:, c]
        return out

    good = fits & dig[:, [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]].all(axis=1)
    good &= (mat[:, 4] == 45) & (mat[:, 7] == 45) & (mat[:, 13] == 58)
    good &= (mat[:, 10] == 84) | (mat[:, 10] == 32)
    has_sec = (mat[:, 16] == 58) & dig[:, 17] & dig[:, 18]
    has_frac = has_sec & ((mat[:, 19] == 46) | (mat[:, 19] == 44))
    fdig = dig[:, 20:]
    run = np.where(fdig.all(axis=1), _W - 20, fdig.argmin(axis=1))
    flen = np.where(has_frac, run, 0)
    good &= ~has_frac | (flen > 0)
    tail = np.where(has_sec, 19, 16) + np.where(has_frac, flen + 1, 0)
    tlen = lens - tail
    rows = np.arange(n)

    def at(k: int) -> np.ndarray:
        return mat[rows, np.minimum(tail + k, _W - 1)]

    def dat(k: int) -> np.ndarray:
        return dig[rows, np.minimum(tail + k, _W - 1)]

    c0 = at(0)
    signed = (c0 == 43) | (c0 == 45)
    no_zone = tlen == 0
    is_z = (tlen == 1) & (c0 == 90)
    hhmm = (tlen == 5) & signed & dat(1) & dat(2) & dat(3) & dat(4)
    hh_mm = (tlen == 6) & signed & dat(1) & dat(2) & (at(3) == 58) & dat(4) & dat(5)
    good &= no_zone | is_z | hhmm | hh_mm
    off_h = (at(1).astype(np.int64) - 48) * 10 + at(2) - 48
    off_m = np.where(hhmm, (at(3).astype(np.int64) - 48) * 10 + at(4) - 48,
                     (at(4).astype(np.int64) - 48) * 10 + at(5) - 48)
    off = np.where(hhmm | hh_mm, np.where(c0 == 45, -1, 1) * (off_h * 60 + off_m), 0)
    good &= ~(hhmm | hh_mm) | ((off_h <= 23) & (off_m <= 59))

    year, month, day = num(0, 1, 2, 3), num(5, 6), num(8, 9)
    hour, minute = num(11, 12), num(14, 15)
    second = np.where(has_sec, num(17, 18), 0)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    mdays = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 1, 12) - 1]
    mdays = mdays + ((month == 2) & leap)
    good &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= mdays)
    good &= (hour <= 23) & (minute <= 59) & (second <= 59)

    frac_us = np.zeros(n, np.int64)
    for k in range(6):
        frac_us += np.where(k < flen, val[:, 20 + k], 0).astype(np.int64) * 10 ** (5 - k)
    cols = np.arange(_W - 26)
    dropped = ((mat[:, 26:] != 48) & (cols[None, :] < (flen - 6)[:, None])).any(axis=1)

    days = days_from_civil(year, month, day)
    wall = (((days * 24 + hour) * 60 + minute) * 60 + second) * US + frac_us
    prec = np.where(~has_sec, P_MIN, np.where(flen == 0, P_S, np.where(flen <= 3, P_MS, P_US)))
    flags = np.where(dropped, int(TimeFlag.SUB_MICROSECOND_DROPPED), 0).astype(np.uint16)
    ts = wall - off * MINUTE_US
    label = np.where(is_z, _UTC_LABEL, off)
    status = np.full(n, BAD, np.uint8)
    status[good] = OK
    status[good & no_zone] = NEEDS_ZONE
    lo = ts.copy()
    hi = ts.copy()
    out = _IsoBuilder(texts, status, ts, prec.astype(np.uint8), flags, lo, hi, label)

    local = np.flatnonzero(good & no_zone)
    if zone is not None and len(local):
        out.localize(local, wall[local], zone, fold)
    null_wall = good & ((wall == 0) | (wall == FILETIME_ZERO_US))
    out.mark_null(null_wall)
    blank = texts == ""
    status[blank] = BLANK
    out.redo_rows(np.flatnonzero(~good & ~blank), zone, fold)
    return out.finish(zone)


class _IsoBuilder:
    """The mutable arrays :func:`parse_iso` fills before freezing them into :class:`IsoTimes`."""

    def __init__(self, texts: np.ndarray, status: np.ndarray, ts: np.ndarray, prec: np.ndarray,
                 flags: np.ndarray, lo: np.ndarray, hi: np.ndarray, label: np.ndarray) -> None:
        self.texts, self.status, self.ts, self.prec = texts, status, ts, prec
        self.flags, self.lo, self.hi, self.label = flags, lo, hi, label
        self.errors: dict[int, str] = {}
        self.choices: dict[int, str] = {}
        self.labels: dict[int, str] = {}

    def localize(self, rows: np.ndarray, wall: np.ndarray, zone: ZoneInfo,
                 fold: FoldPolicy | None) -> None:
        """Wall times → UTC in ``zone`` for ``rows``; gaps, overlaps and edges one by one.

        Years 1 and 9999 go to the reference too: pandas raises there rather than say that
        the instant falls outside the calendar once converted.
        """
        self.status[rows] = OK
        self.flags[rows] |= int(TimeFlag.ZONE_GIVEN)
        self.label[rows] = _ZONE_LABEL  # the zone's name (finish)
        inside = (wall >= _SAFE_FROM) & (wall < _SAFE_UNTIL)
        aware = pd.DatetimeIndex(wall[inside].view("datetime64[us]")).tz_localize(
            zone, ambiguous="NaT", nonexistent="NaT")
        utc = aware.as_unit("us").asi8
        unsure = np.asarray(aware.isna())
        sure = rows[inside][~unsure]
        self.ts[sure] = self.lo[sure] = self.hi[sure] = utc[~unsure]
        for i in np.concatenate([rows[~inside], rows[inside][unsure]]).tolist():
            self._take_one(i, zone, fold)

    def mark_null(self, mask: np.ndarray) -> None:
        hit = mask | (self.status == OK) & ((self.ts == 0) | (self.ts == FILETIME_ZERO_US))
        self.flags[hit] |= int(TimeFlag.PROBABLE_NULL)

    def redo_rows(self, rows: np.ndarray, zone: ZoneInfo | None, fold: FoldPolicy | None) -> None:
        """Rows the byte matrix could not take (padded, long, odd, refused): the reference."""
        for i in rows.tolist():
            self._take_one(i, zone, fold)

    def _take_one(self, i: int, zone: ZoneInfo | None, fold: FoldPolicy | None) -> None:
        one = parse_iso_one(self.texts[i], zone, fold)
        if one is None:
            self.status[i] = BLANK
        elif isinstance(one, str):
            self.status[i] = BAD
            self.errors[i] = one
        else:
            self.status[i] = one.status
            self.ts[i], self.lo[i], self.hi[i] = one.ts_us, one.ts_min, one.ts_max
            self.prec[i], self.flags[i] = one.precision, one.flags
            self.labels[i] = one.zone_label
            if one.choice:
                self.choices[i] = one.choice

    def finish(self, zone: ZoneInfo | None) -> IsoTimes:
        codes, inverse = np.unique(self.label, return_inverse=True)
        names = np.array([_label_text(int(c), zone) for c in codes.tolist()] or [""],
                         dtype=object)
        label = names[inverse.reshape(-1)] if len(codes) else np.full(len(self.ts), "", object)
        for i, text in self.labels.items():
            label[i] = text
        label[self.status != OK] = ""
        return IsoTimes(self.status, self.ts, self.prec, self.flags, self.lo, self.hi, label,
                        self.errors, self.choices)


def _label_text(code: int, zone: ZoneInfo | None) -> str:
    if code == _UTC_LABEL:
        return "UTC"
    if code == _ZONE_LABEL:
        return zone.key if zone is not None else ""
    return offset_text(code)


@dataclass(frozen=True, slots=True, eq=False)
class EpochTimes:
    """A column of epoch numbers, read.

    ``status`` OK/BLANK/BAD, µs UTC, the unit code chosen by magnitude (:data:`UNITS`),
    precision codes, flags, and the reasons of BAD rows.
    """

    status: np.ndarray
    ts_us: np.ndarray
    unit: np.ndarray
    precision: np.ndarray
    flags: np.ndarray
    errors: dict[int, str]


def parse_epoch(texts: Sequence[str] | np.ndarray) -> EpochTimes:
    """Read a column of integer epoch texts, each in the unit its magnitude says.

    Plain integers of up to 18 digits are checked by the byte matrix and converted in one
    call; anything else (``+``, padding, a fraction, 19 digits) goes through
    :func:`parse_epoch_one`.
    """
    texts = _as_texts(texts)
    n = len(texts)
    width = 19
    mat, lens, fits = _byte_matrix(texts, 1, width)
    neg = mat[:, 0] == 45
    pos = np.arange(width)
    inside = (pos[None, :] >= neg[:, None]) & (pos[None, :] < lens[:, None])
    dig = (mat >= 48) & (mat <= 57)
    good = fits & (dig | ~inside).all(axis=1) & (lens - neg >= 1) & (lens - neg <= 18)
    # Checked to be [-]digits (ASCII, at most 18): int() reads exactly those, at C speed.
    value = np.zeros(n, np.int64)
    if good.all():
        value = texts.astype(np.int64)
    elif good.any():
        value[good] = texts[good].astype(np.int64)
    mag = np.abs(value)
    unit = np.select([mag < 10**11, mag < 10**14, mag < 10**17], [0, 1, 2], 3).astype(np.int8)
    ts = np.select([unit == 0, unit == 1, unit == 2],
                   [value * US, value * 1000, value], np.floor_divide(value, 1000))
    flags = np.full(n, int(TimeFlag.UNIT_GUESSED), np.uint16)
    flags[(unit == 3) & (value % 1000 != 0)] |= int(TimeFlag.SUB_MICROSECOND_DROPPED)
    flags[(ts == 0) | (ts == FILETIME_ZERO_US)] |= int(TimeFlag.PROBABLE_NULL)
    prec = _UNIT_PRECISION[unit]
    status = np.where(good, OK, BAD).astype(np.uint8)
    blank = texts == ""
    status[blank] = BLANK
    errors: dict[int, str] = {}
    for i in np.flatnonzero(~good & ~blank).tolist():
        one = parse_epoch_one(texts[i])
        if one is None:
            status[i] = BLANK
        elif isinstance(one, str):
            errors[i] = one
        else:
            status[i] = OK
            ts[i], unit[i], prec[i], flags[i] = one
    return EpochTimes(status, ts, unit, prec, flags, errors)


def precision_names(codes: np.ndarray) -> np.ndarray:
    """Precision codes → the names written into ``event.precision`` (object array)."""
    return _PRECISION_NAMES[codes]


def span_us(codes: np.ndarray) -> np.ndarray:
    """Width in µs of the unit each precision code stands for (1 for ``range``)."""
    return SPAN_US_ARR[codes]


def localize(wall_us: np.ndarray, zone: ZoneInfo, fold: FoldPolicy | None = None,
             precision: np.ndarray | None = None) -> IsoTimes:
    """Wall times (µs since 1970 on the local clock) → UTC in ``zone``, as :class:`IsoTimes`.

    For sources that give wall-clock fields rather than text (Plaso's ``time_elements_tuple``
    with ``is_local_time``): the same gap/overlap rules as a zone-less text.
    """
    wall = np.asarray(wall_us, dtype=np.int64)
    n = len(wall)
    prec = (np.full(n, P_S, np.uint8) if precision is None
            else np.asarray(precision, dtype=np.uint8).copy())
    out = _WallBuilder(wall, prec)
    out.localize(np.arange(n), wall, zone, fold)
    out.mark_null((wall == 0) | (wall == FILETIME_ZERO_US))
    return out.finish(zone)


class _WallBuilder(_IsoBuilder):
    """:class:`_IsoBuilder` for wall times given as numbers.

    The reference reads each unsure row from its µs, not from a text.
    """

    def __init__(self, wall: np.ndarray, prec: np.ndarray) -> None:
        n = len(wall)
        super().__init__(np.full(n, "", object),
                         np.full(n, BAD, np.uint8), wall.copy(), prec,
                         np.zeros(n, np.uint16), wall.copy(), wall.copy(), np.zeros(n, np.int64))
        self.wall = wall

    def _take_one(self, i: int, zone: ZoneInfo | None, fold: FoldPolicy | None) -> None:
        assert zone is not None
        got = localize_one(int(self.wall[i]), zone, fold, int(SPAN_US_ARR[self.prec[i]]))
        if isinstance(got, str):
            self.status[i] = BAD
            self.errors[i] = got
            return
        self.ts[i], self.lo[i], self.hi[i], choice = got
        self.status[i] = OK
        if choice:
            self.choices[i] = choice
            self.flags[i] |= int(TimeFlag.FOLD_CHOSEN)
            if fold == "range":
                self.prec[i] = P_RANGE
