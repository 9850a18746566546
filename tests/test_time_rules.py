"""The time rules every reader shares: plausible times, bounds a precision implies, ISO text.

Expected instants are written out as UTC wall-clock literals (checked against a calendar),
never recomputed with the code under test: a wrong day boundary must fail here.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pytest

from storage.case.opener import open_case
from storage.case.time_rules import (
    PLAUSIBLE_FROM_US,
    PLAUSIBLE_UNTIL_US,
    implied_bounds,
    implied_bounds_one,
    is_plausible,
    iso,
    plausible,
    unit_guess,
)
from storage.reads.events import read_event_columns
from tests.factories import T0, make_case

if TYPE_CHECKING:
    from pathlib import Path

PARIS = "Europe/Paris"
H = 3_600_000_000
SECONDS = 1_714_557_600  # T0 written in seconds


def utc(*args: int) -> int:
    """Microseconds since 1970 of a UTC wall-clock time ``(year, month, day, h, m, s)``."""
    return int((datetime(*args, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
               ) * 1_000_000


def one(ts: int, precision: str, zone: str = PARIS) -> tuple[int, int] | None:
    return implied_bounds_one(ts, precision, zone)


# -- day -----------------------------------------------------------------------------------
def test_a_day_is_the_local_calendar_day_not_24_hours_from_ts() -> None:
    # 2024-05-01 16:00 CEST = 14:00Z: the day runs from local midnight to the next one
    assert one(utc(2024, 5, 1, 14, 0, 0), "day") == (utc(2024, 4, 30, 22, 0, 0),
                                                      utc(2024, 5, 1, 22, 0, 0))
    # 00:30 CEST on 2 May is still 1 May in UTC: the local day wins
    assert one(utc(2024, 5, 1, 22, 30, 0), "day") == (utc(2024, 5, 1, 22, 0, 0),
                                                       utc(2024, 5, 2, 22, 0, 0))
    # the last microsecond of the local day belongs to it, the next midnight does not
    assert one(utc(2024, 5, 1, 22, 0, 0) - 1, "day") == (utc(2024, 4, 30, 22, 0, 0),
                                                          utc(2024, 5, 1, 22, 0, 0))
    assert one(utc(2024, 5, 1, 22, 0, 0), "day")[0] == utc(2024, 5, 1, 22, 0, 0)


def test_dst_days_are_23_and_25_hours_long() -> None:
    lo, hi = one(utc(2024, 3, 31, 12, 0, 0), "day")
    assert (lo, hi) == (utc(2024, 3, 30, 23, 0, 0), utc(2024, 3, 31, 22, 0, 0))
    assert hi - lo == 23 * H
    lo, hi = one(utc(2024, 10, 27, 12, 0, 0), "day")
    assert (lo, hi) == (utc(2024, 10, 26, 22, 0, 0), utc(2024, 10, 27, 23, 0, 0))
    assert hi - lo == 25 * H
    # both 02:30s of 27 October (00:30Z CEST, 01:30Z CET) are in that same day
    assert one(utc(2024, 10, 27, 0, 30, 0), "day") == (lo, hi)
    assert one(utc(2024, 10, 27, 1, 30, 0), "day") == (lo, hi)


def test_the_array_form_agrees_with_one_at_a_time() -> None:
    ts = np.array([utc(2024, 3, 31, 12, 0, 0), utc(2024, 5, 1, 14, 0, 0),
                   utc(2024, 10, 27, 1, 30, 0), utc(2024, 5, 1, 22, 30, 0)], dtype=np.int64)
    lo, hi = implied_bounds(ts, "day", PARIS)
    assert [(int(a), int(b)) for a, b in zip(lo, hi, strict=True)] == [
        one(int(t), "day") for t in ts]
    assert lo.dtype == np.int64 and hi.dtype == np.int64


# -- hour, minute --------------------------------------------------------------------------
def test_the_two_0230s_of_the_autumn_change_are_two_different_hours() -> None:
    cest = utc(2024, 10, 27, 0, 30, 0)  # 02:30 CEST, fold 0
    cet = utc(2024, 10, 27, 1, 30, 0)  # 02:30 CET, fold 1
    assert one(cest, "hour") == (utc(2024, 10, 27, 0, 0, 0), utc(2024, 10, 27, 1, 0, 0))
    assert one(cet, "hour") == (utc(2024, 10, 27, 1, 0, 0), utc(2024, 10, 27, 2, 0, 0))
    lo, hi = implied_bounds(np.array([cest, cet], dtype=np.int64), "hour", PARIS)
    assert lo.tolist() == [utc(2024, 10, 27, 0, 0, 0), utc(2024, 10, 27, 1, 0, 0)]
    assert hi.tolist() == [utc(2024, 10, 27, 1, 0, 0), utc(2024, 10, 27, 2, 0, 0)]


def test_minute() -> None:
    assert one(utc(2024, 5, 1, 10, 7, 42) + 5, "minute") == (utc(2024, 5, 1, 10, 7, 0),
                                                              utc(2024, 5, 1, 10, 8, 0))


# -- month, year ---------------------------------------------------------------------------
def test_month_is_the_local_month() -> None:
    # May 2024 in Paris: from 1 May 00:00 CEST to 1 June 00:00 CEST
    assert one(utc(2024, 5, 15, 12, 0, 0), "month") == (utc(2024, 4, 30, 22, 0, 0),
                                                         utc(2024, 5, 31, 22, 0, 0))
    # 31 May 23:30 CEST is 21:30Z: still May; 1 June 00:30 CEST (22:30Z 31 May) is June
    assert one(utc(2024, 5, 31, 21, 30, 0), "month")[0] == utc(2024, 4, 30, 22, 0, 0)
    assert one(utc(2024, 5, 31, 22, 30, 0), "month") == (utc(2024, 5, 31, 22, 0, 0),
                                                          utc(2024, 6, 30, 22, 0, 0))
    # March 2024 starts in CET and ends in CEST
    assert one(utc(2024, 3, 10, 0, 0, 0), "month") == (utc(2024, 2, 29, 23, 0, 0),
                                                        utc(2024, 3, 31, 22, 0, 0))
    # December runs into the next year
    assert one(utc(2024, 12, 31, 22, 59, 0), "month") == (utc(2024, 11, 30, 23, 0, 0),
                                                           utc(2024, 12, 31, 23, 0, 0))


def test_year_is_the_local_year() -> None:
    assert one(utc(2024, 7, 1, 0, 0, 0), "year") == (utc(2023, 12, 31, 23, 0, 0),
                                                      utc(2024, 12, 31, 23, 0, 0))
    # 1 January 2025 00:30 in Paris is 31 December 2024 23:30Z: already 2025
    assert one(utc(2024, 12, 31, 23, 30, 0), "year") == (utc(2024, 12, 31, 23, 0, 0),
                                                          utc(2025, 12, 31, 23, 0, 0))


# -- zones with half-hour offsets ----------------------------------------------------------
def test_kolkata_half_hour_offset() -> None:
    kolkata = "Asia/Kolkata"  # UTC+05:30, no DST
    at = utc(2024, 5, 1, 20, 0, 0)  # 2024-05-02 01:30 IST
    assert one(at, "day", kolkata) == (utc(2024, 5, 1, 18, 30, 0), utc(2024, 5, 2, 18, 30, 0))
    assert one(at, "hour", kolkata) == (utc(2024, 5, 1, 19, 30, 0), utc(2024, 5, 1, 20, 30, 0))
    assert one(at, "month", kolkata) == (utc(2024, 4, 30, 18, 30, 0),
                                         utc(2024, 5, 31, 18, 30, 0))


def test_st_johns_spring_change_at_half_past() -> None:
    """NST (UTC-03:30) to NDT (UTC-02:30) at 02:00 local on 2024-03-10, i.e. 05:30Z."""
    zone = "America/St_Johns"
    # the local day is 23 hours: 00:00 NST (03:30Z) to next midnight NDT (02:30Z)
    assert one(utc(2024, 3, 10, 12, 0, 0), "day", zone) == (utc(2024, 3, 10, 3, 30, 0),
                                                            utc(2024, 3, 11, 2, 30, 0))
    # the UTC hour 05:00-06:00Z holds the change: each side gets its own local hour
    before = utc(2024, 3, 10, 5, 29, 59)  # 01:59:59 NST
    after = utc(2024, 3, 10, 5, 30, 0)  # 03:00:00 NDT
    later = utc(2024, 3, 10, 5, 45, 0)  # 03:15 NDT
    assert one(before, "hour", zone) == (utc(2024, 3, 10, 4, 30, 0), utc(2024, 3, 10, 5, 30, 0))
    assert one(after, "hour", zone) == (utc(2024, 3, 10, 5, 30, 0), utc(2024, 3, 10, 6, 30, 0))
    lo, hi = implied_bounds(np.array([before, after, later], dtype=np.int64), "hour", zone)
    assert lo.tolist() == [utc(2024, 3, 10, 4, 30, 0), utc(2024, 3, 10, 5, 30, 0),
                           utc(2024, 3, 10, 5, 30, 0)]
    assert hi.tolist() == [utc(2024, 3, 10, 5, 30, 0), utc(2024, 3, 10, 6, 30, 0),
                           utc(2024, 3, 10, 6, 30, 0)]


def test_st_johns_autumn_change_gives_two_distinct_0130_hours() -> None:
    """NDT back to NST at 02:00 NDT on 2024-11-03 (04:30Z): 01:30 local happens twice."""
    zone = "America/St_Johns"
    first = utc(2024, 11, 3, 4, 0, 0)  # 01:30 NDT
    second = utc(2024, 11, 3, 5, 0, 0)  # 01:30 NST
    assert one(first, "hour", zone) == (utc(2024, 11, 3, 3, 30, 0), utc(2024, 11, 3, 4, 30, 0))
    assert one(second, "hour", zone) == (utc(2024, 11, 3, 4, 30, 0), utc(2024, 11, 3, 5, 30, 0))
    lo, hi = one(first, "day", zone)
    assert (lo, hi) == (utc(2024, 11, 3, 2, 30, 0), utc(2024, 11, 4, 3, 30, 0))
    assert hi - lo == 25 * H


# -- precisions that imply nothing, implausible times --------------------------------------
@pytest.mark.parametrize("precision", ["second", "microsecond", "range", "", "fortnight"])
def test_exact_and_explicit_precisions_imply_nothing(precision: str) -> None:
    ts = np.array([T0, T0 + 123_456, utc(2024, 10, 27, 1, 30, 0)], dtype=np.int64)
    lo, hi = implied_bounds(ts, precision, PARIS)
    assert lo.tolist() == ts.tolist() and hi.tolist() == ts.tolist()
    assert one(T0, precision) is None


@pytest.mark.parametrize("ts", [0, SECONDS, SECONDS * 1000, -2_208_988_800_000_000,
                                PLAUSIBLE_UNTIL_US, PLAUSIBLE_FROM_US - 1])
def test_implausible_times_are_left_unchanged(ts: int) -> None:
    for precision in ("minute", "hour", "day", "month", "year"):
        lo, hi = implied_bounds(np.array([ts, T0], dtype=np.int64), precision, PARIS)
        assert int(lo[0]) == ts and int(hi[0]) == ts
        assert int(lo[1]) < int(hi[1])  # the plausible neighbour still gets its bounds
        assert one(ts, precision) is None


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert one(utc(2024, 5, 1, 14, 0, 0), "day", "Nowhere/Atlantis") == (
        utc(2024, 5, 1, 0, 0, 0), utc(2024, 5, 2, 0, 0, 0))


# -- plausible, unit_guess -----------------------------------------------------------------
def test_plausible_range_edges() -> None:
    ts = np.array([0, PLAUSIBLE_FROM_US - 1, PLAUSIBLE_FROM_US, T0, PLAUSIBLE_UNTIL_US - 1,
                   PLAUSIBLE_UNTIL_US, SECONDS, -T0], dtype=np.int64)
    assert plausible(ts).tolist() == [False, False, True, True, True, False, False, False]
    assert utc(1980, 1, 1, 0, 0, 0) == PLAUSIBLE_FROM_US
    assert utc(2100, 1, 1, 0, 0, 0) == PLAUSIBLE_UNTIL_US


@pytest.mark.parametrize(("value", "expected"), [
    (T0, True), (PLAUSIBLE_FROM_US, True), (PLAUSIBLE_UNTIL_US - 1, True),
    (0, False), (None, False), (SECONDS, False), (PLAUSIBLE_UNTIL_US, False),
    (float(T0), False), (str(T0), False), (True, False), (b"\x00", False),
])
def test_is_plausible(value: object, expected: bool) -> None:
    assert is_plausible(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    (SECONDS, "seconds"),
    (SECONDS * 1000, "milliseconds"),
    (SECONDS * 1_000_000_000, "nanoseconds"),
    (0, None),
    (5, None),
    (-2_208_988_800_000_000, None),  # 1900 in microseconds
    (T0, None),  # already microseconds: no other unit to guess
    (10**19, None),
])
def test_unit_guess(value: int, expected: str | None) -> None:
    assert unit_guess(value) == expected


# -- iso -----------------------------------------------------------------------------------
def test_iso() -> None:
    assert iso(T0) == "2024-05-01T10:00:00Z"
    assert iso(T0, "UTC") == "2024-05-01T10:00:00Z"
    assert iso(T0, PARIS) == "2024-05-01T12:00:00+02:00"
    assert iso(utc(2024, 1, 15, 8, 0, 0), PARIS) == "2024-01-15T09:00:00+01:00"
    assert iso(T0, "Asia/Kolkata") == "2024-05-01T15:30:00+05:30"
    assert iso(T0 + 123_456) == "2024-05-01T10:00:00.123456Z"
    assert iso(T0 + 5, PARIS) == "2024-05-01T12:00:00.000005+02:00"
    assert iso(0) is None and iso(0, PARIS) is None
    assert iso(None) is None
    assert iso(True) is None  # a bool is not a time
    assert iso(10**20) is None  # beyond year 9999


# -- the columnar read applies the case zone -----------------------------------------------
def test_read_event_columns_takes_a_day_in_the_case_zone(tmp_path: Path) -> None:
    path = make_case(tmp_path / "days.filature", events=0, fts=False)
    late = utc(2024, 5, 1, 22, 30, 0)  # 00:30 CEST on 2 May
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO event(id, ts, precision, ts_min, ts_max, kind, title) "
        "VALUES (?, ?, ?, ?, ?, 'message', 't')",
        [(1, late, "day", None, None),
         (2, T0, "day", T0 - H, T0 + H),  # stored bounds win over the precision
         (3, T0 + H, "second", None, None),
         (4, utc(2024, 10, 27, 1, 30, 0), "hour", None, None)])
    con.commit()
    con.close()
    with open_case(path) as source:
        con = source.connect()
        try:
            paris = read_event_columns(con, zone=PARIS)
            plain = read_event_columns(con)
        finally:
            con.close()
    assert paris.id.tolist() == [2, 3, 1, 4]  # by time
    by_id = {int(i): (int(a), int(b)) for i, a, b in zip(paris.id, paris.lo, paris.hi,
                                                          strict=True)}
    assert by_id[1] == (utc(2024, 5, 1, 22, 0, 0), utc(2024, 5, 2, 22, 0, 0))
    assert by_id[2] == (T0 - H, T0 + H)
    assert by_id[3] == (T0 + H, T0 + H)
    assert by_id[4] == (utc(2024, 10, 27, 1, 0, 0), utc(2024, 10, 27, 2, 0, 0))
    # without a zone the day is the UTC day: the zone really is what moved it
    in_utc = {int(i): (int(a), int(b)) for i, a, b in zip(plain.id, plain.lo, plain.hi,
                                                          strict=True)}
    assert in_utc[1] == (utc(2024, 5, 1, 0, 0, 0), utc(2024, 5, 2, 0, 0, 0))
