"""The scalar reference for imported times: one text or number → µs since 1970 UTC.

:mod:`storage.importers.times` reads whole columns with numpy; every row it cannot take (odd
padding, long fractions, refusals) comes here, and the tests check that both give the same
answer for the same text. Keeping the reference small and regex-based makes the grammar easy
to audit: what this module refuses is refused, whatever the column reader does.

Also here: the vocabulary the readers share (row flags, precision and unit codes, statuses)
and the zone rules (IANA names only, DST gaps refused, overlaps read only by a ``fold`` policy).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import IntFlag
from functools import lru_cache
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FoldPolicy = Literal["earlier", "later", "range"]
"""How to read a wall time the clocks show twice: the first or the second occurrence, or
(``range``) both, as a ``range`` event from the first to the end of the second, which is what
docs/case-format.md asks when the source gives no clue."""

US = 1_000_000
MINUTE_US = 60 * US
DAY_US = 86_400 * US
FILETIME_ZERO_US = -11_644_473_600 * US
"""1601-01-01T00:00:00Z, the Windows FILETIME zero: written by tools for "no date"."""


class TimeFlag(IntFlag):
    """Facts about how one row's time was read (a ``uint16`` per row in the chunks)."""

    PROBABLE_NULL = 1
    """1601-01-01T00:00:00 (FILETIME zero) or 1970-01-01T00:00:00: kept, but likely "no date"."""
    FROM_TIMESTAMP = 2
    """No ``datetime``: the time comes from the ``timestamp`` number."""
    UNIT_GUESSED = 4
    """That number's unit (s, ms, µs, ns) was chosen by its magnitude."""
    TIMESTAMP_DISAGREES = 8
    """``datetime`` and ``timestamp`` name different instants; ``datetime`` was kept."""
    TIMESTAMP_UNREADABLE = 16
    """``timestamp`` is not a number; ``datetime`` was kept."""
    ZONE_GIVEN = 32
    """A wall time without an offset, read in the zone the user gave."""
    FOLD_CHOSEN = 64
    """A wall time the clocks show twice, read by the ``fold`` policy."""
    SUB_MICROSECOND_DROPPED = 128
    """Digits finer than a microsecond were written and truncated."""


PRECISIONS = ("microsecond", "millisecond", "second", "minute", "range")
"""Precision codes (the index) → names, as written into ``event.precision``. ``millisecond``
is what 1–3 fraction digits say; it is not (yet) in :data:`storage.case.vocab.PRECISIONS`,
whose readers treat unknown precisions as exact."""
P_US, P_MS, P_S, P_MIN, P_RANGE = range(5)
SPAN_US = (1, 1000, US, MINUTE_US, 1)
"""Width in µs of the unit each precision code stands for (1 for ``range``)."""

UNITS = ("seconds", "milliseconds", "microseconds", "nanoseconds")
"""Epoch-number unit codes (the index) → names."""

OK, BLANK, BAD, NEEDS_ZONE = range(4)
"""Row status codes of :class:`IsoTimes` and :class:`EpochTimes`."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_ONE_US = timedelta(microseconds=1)


def zone_from_name(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``ValueError`` for anything else.

    Only names of the tz database are accepted: ``localtime`` (the computer's own zone, which
    differs from one examiner's machine to the next), paths and offsets such as ``+02:00`` are
    refused, so the same file always gives the same instants.
    """
    if name in ("localtime", "posixrules", "Factory") or name not in _zone_names():
        raise ValueError(f"unknown time zone {name!r}: give an IANA name such as Europe/Paris")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but broken
        raise ValueError(f"time zone {name!r} cannot be loaded: {exc}") from exc


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def utc_text(ts_us: int) -> str:
    """ISO 8601 UTC text of a µs time, for messages (``…Z``; µs only when present)."""
    try:
        dt = _EPOCH + timedelta(microseconds=int(ts_us))
    except OverflowError:
        return f"{ts_us} µs (outside years 1–9999)"
    text = dt.isoformat(timespec="microseconds" if dt.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def offset_text(minutes: int) -> str:
    """``+02:00`` for 120 minutes: how ``ts_zone`` names a fixed offset."""
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# --- the scalar reference ---------------------------------------------------------------

_ISO = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[T ]"
    r"(?P<h>[0-9]{2}):(?P<mi>[0-9]{2})"
    r"(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]+))?)?"
    r"(?P<z>Z|[+-][0-9]{2}:?[0-9]{2})?",
    re.ASCII,
)
_DIAGNOSES = (
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}-[0-9]{2}-[0-9]{2}.*", re.ASCII),
     "time of day written HH-MM-SS: not read, since '-MM' would pass for a UTC offset "
     "and the minutes and seconds would be lost"),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII), "a date without a time of day"),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}([+-].*|Z)?", re.ASCII),
     "a time without minutes"),
    (re.compile(r".*[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?[+-][0-9]{2}", re.ASCII),
     "a UTC offset without minutes (write ±HH:MM)"),
    (re.compile(r".*:[0-9]{2}[.,](Z|[+-].*)?", re.ASCII),
     "a decimal separator without digits"),
)
_GRAMMAR = "not ISO 8601 (expected YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or ±HH:MM)"


class IsoOne(NamedTuple):
    """One text read by :func:`parse_iso_one` (``status`` OK or NEEDS_ZONE)."""

    status: int
    ts_us: int
    precision: int
    flags: int
    ts_min: int
    ts_max: int
    zone_label: str
    choice: str
    """What the conversion chose, for ``ts_raw`` (``[ambiguous local time: …]``), or ""."""


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def civil_us(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0,
             us: int = 0) -> int | str:
    """µs since 1970 of a proleptic Gregorian wall time, or why the fields are not a time."""
    if not 1 <= y <= 9999:
        return f"year {y} out of range (1–9999)"
    if not 1 <= mo <= 12:
        return f"month {mo:02d} does not exist"
    if not 1 <= d <= _days_in_month(y, mo):
        return f"day {y:04d}-{mo:02d}-{d:02d} does not exist"
    if h > 23 or mi > 59:
        return f"time {h:02d}:{mi:02d} does not exist"
    if s == 60:
        return "second 60 (a leap second) is not read"
    if s > 59:
        return f"second {s:02d} does not exist"
    if not 0 <= us < US:
        return f"fraction {us} µs out of range"
    days = days_from_civil(y, mo, d)
    return (((days * 24 + h) * 60 + mi) * 60 + s) * US + us


def parse_iso_one(text: str, zone: ZoneInfo | None = None,
                  fold: FoldPolicy | None = None) -> IsoOne | str | None:
    """The reference reading of one ISO 8601 text.

    A result, the reason it is refused, or None if blank. ``parse_iso`` gives exactly the
    same answers, only faster.
    """
    t = text.strip()
    if not t:
        return None
    m = _ISO.fullmatch(t)
    if m is None:
        for rx, why in _DIAGNOSES:
            if rx.fullmatch(t):
                return why
        return _GRAMMAR
    g = m.groupdict()
    frac = g["f"] or ""
    us = int((frac + "000000")[:6]) if frac else 0
    flags = TimeFlag.SUB_MICROSECOND_DROPPED if frac[6:].strip("0") else TimeFlag(0)
    wall = civil_us(int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"]), int(g["mi"]),
                    int(g["s"] or 0), us)
    if isinstance(wall, str):
        return wall
    if g["s"] is None:
        prec = P_MIN
    elif not frac:
        prec = P_S
    else:
        prec = P_MS if len(frac) <= 3 else P_US
    z = g["z"]
    if z is not None:
        off = 0 if z == "Z" else (1 if z[0] == "+" else -1) * (
            int(z[1:3]) * 60 + int(z[-2:]))
        if z != "Z" and (int(z[1:3]) > 23 or int(z[-2:]) > 59):
            return f"UTC offset {z} out of range"
        ts = wall - off * MINUTE_US
        if ts in (0, FILETIME_ZERO_US) or wall in (0, FILETIME_ZERO_US):
            flags |= TimeFlag.PROBABLE_NULL
        return IsoOne(OK, ts, prec, int(flags), ts, ts, "UTC" if z == "Z" else offset_text(off),
                      "")
    if zone is None:
        return IsoOne(NEEDS_ZONE, wall, prec, int(flags), wall, wall, "", "")
    local = localize_one(wall, zone, fold, SPAN_US[prec])
    if isinstance(local, str):
        return local
    ts, lo, hi, choice = local
    flags |= TimeFlag.ZONE_GIVEN
    if choice:
        flags |= TimeFlag.FOLD_CHOSEN
        if fold == "range":
            prec = P_RANGE
    if ts in (0, FILETIME_ZERO_US) or wall in (0, FILETIME_ZERO_US):
        flags |= TimeFlag.PROBABLE_NULL
    return IsoOne(OK, ts, prec, int(flags), lo, hi, zone.key, choice)


def localize_one(wall_us: int, zone: ZoneInfo, fold: FoldPolicy | None,
                 span_us: int = 1) -> tuple[int, int, int, str] | str:
    """``(ts, ts_min, ts_max, choice)`` of a wall time in ``zone``, or why it cannot be read.

    ``choice`` is "" unless the wall time occurs twice and ``fold`` chose; ``span_us`` (the
    resolution the source wrote) ends a ``range`` reading at the last µs of the second one.
    """
    try:
        wall = _EPOCH_NAIVE + timedelta(microseconds=wall_us)
        first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
        o1, o2 = first.utcoffset(), second.utcoffset()
        u1 = (first - _EPOCH) // _ONE_US
        u2 = (second - _EPOCH) // _ONE_US
        exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
    except OverflowError:
        return "out of range once converted to UTC"
    text = wall.isoformat(sep=" ")
    if not exists:
        return (f"'{text}' does not exist in {zone.key} (DST gap); the clocks went from "
                f"UTC{offset_text(_minutes(o1))} to UTC{offset_text(_minutes(o2))}")
    if o1 == o2:
        return u1, u1, u1, ""
    both = (f"{utc_text(u1)} (UTC{offset_text(_minutes(o1))}) or "
            f"{utc_text(u2)} (UTC{offset_text(_minutes(o2))})")
    if fold is None:
        return (f"'{text}' is ambiguous in {zone.key} (DST overlap): {both}; "
                "give a fold policy to read it")
    if fold == "earlier":
        return u1, u1, u1, f"[ambiguous local time: {both}; the earlier taken]"
    if fold == "later":
        return u2, u2, u2, f"[ambiguous local time: {both}; the later taken]"
    return u1, u1, u2 + span_us - 1, f"[ambiguous local time: occurs twice, {both}]"


def _minutes(delta: timedelta | None) -> int:
    return int((delta or timedelta(0)).total_seconds()) // 60


_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]*))?", re.ASCII)
_SCALE = (US, 1000, 1, Decimal("0.001"))


def unit_of(magnitude: int) -> int:
    """The unit code an epoch number is read in, from the size of its integer part.

    A 1973…5138 time is < 10¹¹ in seconds, 10¹¹…10¹⁴ in milliseconds, 10¹⁴…10¹⁷ in
    microseconds and beyond in nanoseconds: the bands do not overlap for the times evidence
    holds, but the choice is still a guess (``UNIT_GUESSED``).
    """
    return 0 if magnitude < 10**11 else 1 if magnitude < 10**14 else 2 if magnitude < 10**17 else 3


class EpochOne(NamedTuple):
    """One number read by :func:`parse_epoch_one`."""

    ts_us: int
    unit: int
    precision: int
    flags: int


def parse_epoch_one(text: str) -> EpochOne | str | None:
    """The reference reading of one epoch number: a result, why it is refused, or None."""
    t = text.strip()
    if not t:
        return None
    m = _NUMBER.fullmatch(t)
    if m is None:
        return "not a number" if "e" not in t.lower() else "a number in exponent notation"
    unit = unit_of(int(m["int"]))
    frac = m["frac"] or ""
    try:
        value = Decimal(t)
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        return "not a number"
    exact = value * _SCALE[unit]
    ts = int(exact.to_integral_value(rounding="ROUND_FLOOR"))
    if not -(2**63) <= ts < 2**63 or abs(ts) >= 9999 * 366 * DAY_US:
        return "out of range"
    flags = TimeFlag.UNIT_GUESSED
    if exact != ts:
        flags |= TimeFlag.SUB_MICROSECOND_DROPPED
    finest = (0, 3, 6, 9)[unit] + len(frac)  # decimal places of a second written
    prec = P_S if finest == 0 else P_MS if finest <= 3 else P_US
    if ts in (0, FILETIME_ZERO_US):
        flags |= TimeFlag.PROBABLE_NULL
    return EpochOne(ts, unit, prec, int(flags))


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's era arithmetic).

    Written with ``//`` and ``%`` only, so the same lines work on Python ints and on numpy
    int64 arrays (:mod:`storage.importers.times` uses them on columns).
    """
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
