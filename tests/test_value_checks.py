"""Bad values in a case that opens: each is named with its count and example ids, never fatal.

Every case here is a clean factory case altered with plain ``sqlite3`` the way a careless
importer or a hand would: a time of 0, in seconds, as text; bounds reversed; references to
rows the case does not have (in tables numbered without holes and with holes).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.case.opener import open_case
from storage.reads.overview import read_overview
from storage.reads.value_checks import EXAMPLES, ValueIssue, check_values
from tests.factories import STEP, T0, make_case

REPO = Path(__file__).resolve().parent.parent
EVENTS = 20
SECONDS = 1_714_557_600  # T0 in seconds
NINETEEN_HUNDRED = -2_208_988_800_000_000  # 1900-01-01T00:00Z in microseconds


def altered(tmp_path: Path, *statements: str, name: str = "odd.filature") -> Path:
    path = make_case(tmp_path / name, events=EVENTS, fts=False)
    con = sqlite3.connect(path)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()
    return path


def checks(path: Path) -> tuple[ValueIssue, ...]:
    with open_case(path) as source:
        con = source.connect()
        try:
            return check_values(con)
        finally:
            con.close()


def summary(issues: tuple[ValueIssue, ...]) -> list[tuple[str, int, tuple[int, ...]]]:
    return [(i.code, i.count, i.examples) for i in issues]


def test_a_clean_case_has_no_issue(tmp_path: Path) -> None:
    assert checks(make_case(tmp_path / "clean.filature", events=EVENTS)) == ()


# Factory events: actor = 1 + (i-1) % 4, place = 1 + (i-1) % 4, platform = 1 + (i-1) % 3.
CASES = [
    pytest.param(["UPDATE event SET ts = 0 WHERE id = 4"],
                 [("time_not_set", 1, (4,))], id="ts-zero"),
    pytest.param([f"UPDATE event SET ts = {SECONDS} WHERE id = 5"],
                 [("time_in_seconds", 1, (5,))], id="seconds"),
    pytest.param([f"UPDATE event SET ts = {SECONDS * 1000} WHERE id = 6"],
                 [("time_in_milliseconds", 1, (6,))], id="milliseconds"),
    pytest.param([f"UPDATE event SET ts = {SECONDS * 1_000_000_000} WHERE id = 7"],
                 [("time_in_nanoseconds", 1, (7,))], id="nanoseconds"),
    pytest.param([f"UPDATE event SET ts = {NINETEEN_HUNDRED} WHERE id = 8"],
                 [("time_implausible", 1, (8,))], id="year-1900"),
    pytest.param(["UPDATE event SET ts = 'NaN' WHERE id = 9"],
                 [("time_unreadable", 1, (9,))], id="text-NaN"),
    pytest.param(["UPDATE event SET ts = 1.5e300 WHERE id = 10"],
                 [("time_unreadable", 1, (10,))], id="real"),
    pytest.param(["UPDATE event SET ts = x'00ff' WHERE id = 11"],
                 [("time_unreadable", 1, (11,))], id="blob"),
    pytest.param([f"UPDATE event SET ts_min = ts + {STEP}, ts_max = ts WHERE id = 12"],
                 [("bounds_reversed", 1, (12,))], id="bounds-reversed"),
    pytest.param(["UPDATE event SET ts_min = 'soon' WHERE id = 13"],
                 [("bounds_unreadable", 1, (13,))], id="ts_min-text"),
    pytest.param(["UPDATE event SET actor_id = 99 WHERE id = 14"],
                 [("dangling_actor_id", 1, (14,))], id="actor"),
    pytest.param(["UPDATE event SET actor_id = 'boss' WHERE id = 3"],
                 [("dangling_actor_id", 1, (3,))], id="actor-text"),
    pytest.param(["UPDATE event SET place_id = 99 WHERE id = 15"],
                 [("dangling_place_id", 1, (15,))], id="place"),
    pytest.param(["UPDATE event SET shipment_id = 2 WHERE id = 16"],
                 [("dangling_shipment_id", 1, (16,))], id="shipment"),
    pytest.param(["UPDATE event SET exhibit_id = 4 WHERE id = 17"],
                 [("dangling_exhibit_id", 1, (17,))], id="exhibit"),
    pytest.param(["UPDATE event SET counterpart_id = 99 WHERE id = 18"],
                 [("dangling_counterpart_id", 1, (18,))], id="counterpart"),
    pytest.param(["UPDATE event SET identifier_id = 5 WHERE id = 19"],
                 [("dangling_identifier_id", 1, (19,))], id="identifier"),
    pytest.param(["UPDATE event SET platform_id = 0 WHERE id = 20"],
                 [("dangling_platform_id", 1, (20,))], id="platform-below-range"),
    # ids with holes: a cited id inside [min, max] that is missing needs the NOT IN lookup
    pytest.param(["DELETE FROM actor WHERE id = 3"],
                 [("dangling_actor_id", 5, (3, 7, 11))], id="actor-hole"),
    pytest.param(["DELETE FROM place WHERE id = 2", "UPDATE event SET place_id = 99 WHERE id = 1"],
                 [("dangling_place_id", 6, (1, 2, 6))], id="place-hole-and-beyond"),
    pytest.param(["DELETE FROM platform"],
                 [("dangling_platform_id", EVENTS, (1, 2, 3))], id="platform-table-empty"),
    pytest.param(["UPDATE event SET ts = 0 WHERE id IN (2, 5, 9, 12)"],
                 [("time_not_set", 4, (2, 5, 9))], id="more-than-examples"),
    pytest.param(["UPDATE event SET exhibit_id = 9 WHERE id = 3",
                  f"UPDATE event SET ts = {SECONDS} WHERE id = 2",
                  "UPDATE event SET ts = 0 WHERE id = 1"],
                 [("time_not_set", 1, (1,)), ("time_in_seconds", 1, (2,)),
                  ("dangling_exhibit_id", 1, (3,))], id="several-in-report-order"),
]


@pytest.mark.parametrize(("statements", "expected"), CASES)
def test_each_bad_value_is_named_counted_and_located(
    tmp_path: Path, statements: list[str], expected: list[tuple[str, int, tuple[int, ...]]]
) -> None:
    issues = checks(altered(tmp_path, *statements))
    assert summary(issues) == expected
    for issue in issues:
        assert len(issue.examples) == min(issue.count, EXAMPLES)
        assert issue.message


def test_messages_say_what_is_wrong(tmp_path: Path) -> None:
    path = altered(tmp_path,
                   "UPDATE event SET ts = 0 WHERE id = 1",
                   f"UPDATE event SET ts = {SECONDS} WHERE id = 2",
                   f"UPDATE event SET ts = {SECONDS * 1000} WHERE id = 3",
                   "UPDATE event SET ts_min = ts + 1, ts_max = ts WHERE id = 4",
                   "UPDATE event SET exhibit_id = 7 WHERE id = 5")
    messages = {i.code: i.message for i in checks(path)}
    assert "not set" in messages["time_not_set"]
    assert "seconds" in messages["time_in_seconds"]
    assert "milliseconds" in messages["time_in_milliseconds"]
    assert "wrong way round" in messages["bounds_reversed"]
    assert "exhibit" in messages["dangling_exhibit_id"]


def test_an_issue_reads_as_one_line() -> None:
    one = ValueIssue("time_not_set", 1, (12,), "no time (0 or NULL: not set)")
    assert one.line() == "1 event: no time (0 or NULL: not set) (e.g. event 12)"
    many = ValueIssue("time_in_seconds", 1234, (3, 40, 77), "time looks like seconds")
    line = many.line()
    assert line == "1,234 events: time looks like seconds (e.g. event 3, 40, 77…)"
    assert "\n" not in line


# -- main.py info ----------------------------------------------------------------------------
def run_info(case: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FILATURE_HOME=str(home))
    return subprocess.run([sys.executable, str(REPO / "main.py"), "info", str(case)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=REPO)


def test_info_lists_the_issues_and_the_plausible_span(tmp_path: Path, _user_dirs: Path) -> None:
    case = altered(tmp_path,
                   "UPDATE event SET ts = 0 WHERE id = 1",  # the earliest event
                   f"UPDATE event SET ts = {SECONDS} WHERE id = 2",
                   "UPDATE event SET ts = 'NaN' WHERE id = 20",  # the latest event
                   "UPDATE event SET actor_id = 99 WHERE id = 7")
    expected = checks(case)
    assert summary(expected) == [("time_unreadable", 1, (20,)), ("time_not_set", 1, (1,)),
                                 ("time_in_seconds", 1, (2,)), ("dangling_actor_id", 1, (7,))]
    result = run_info(case, _user_dirs)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    facts = json.loads(result.stdout)
    lines = [i.line() for i in expected]
    assert all(line in facts["warnings"] for line in lines)
    assert facts["value_issues"] == [
        {"code": i.code, "count": i.count, "examples": list(i.examples), "message": i.message}
        for i in expected]
    assert facts["events_time_not_set"] == 3  # 0, seconds, text
    first, last = T0 + 2 * STEP, T0 + 18 * STEP  # events 3 and 19
    assert facts["first_ts"] == first and facts["last_ts"] == last
    assert facts["first"] == {"us": first, "utc": "2024-05-01T12:00:00Z",
                              "case_zone": "2024-05-01T14:00:00+02:00"}
    assert facts["last"] == {"us": last, "utc": "2024-05-02T04:00:00Z",
                             "case_zone": "2024-05-02T06:00:00+02:00"}
    assert facts["time_zone"] == "Europe/Paris"


def test_info_on_a_clean_case_has_no_value_warning(tmp_path: Path, _user_dirs: Path) -> None:
    case = make_case(tmp_path / "clean.filature", events=5)
    result = run_info(case, _user_dirs)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["value_issues"] == [] and facts["events_time_not_set"] == 0
    assert facts["first"]["utc"] == "2024-05-01T10:00:00Z"


# -- the overview ----------------------------------------------------------------------------
def test_overview_span_ignores_times_it_cannot_place(tmp_path: Path) -> None:
    case = altered(tmp_path,
                   "UPDATE event SET ts = 0 WHERE id = 1",
                   "UPDATE event SET ts = 'NaN' WHERE id = 20",
                   "UPDATE event SET ts = 5000000000000000 WHERE id = 19",  # year 2128
                   f"UPDATE event SET ts = {NINETEEN_HUNDRED} WHERE id = 10")
    with open_case(case) as source:
        overview = read_overview(source)
    assert overview.unplaced_events == 4
    assert overview.first_ts == T0 + 1 * STEP  # event 2
    assert overview.last_ts == T0 + 17 * STEP  # event 18
    assert overview.counts["event"] == EVENTS  # all still counted


def test_overview_of_a_clean_case(tmp_path: Path) -> None:
    with open_case(make_case(tmp_path / "clean.filature", events=EVENTS)) as source:
        overview = read_overview(source)
    assert overview.unplaced_events == 0
    assert (overview.first_ts, overview.last_ts) == (T0, T0 + (EVENTS - 1) * STEP)
