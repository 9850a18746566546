"""Calendar ticks in a time zone, across daylight-saving changes, and the UTC toggle."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from widgets.timefmt import to_datetime
from widgets.timeline.calendar_ticks import (
    STEPS,
    TickStep,
    choose_steps,
    offsets_caption,
    tick_instants,
    tick_labels,
    zone_caption,
)
from widgets.timeline.time_axis import TimeAxisItem

PARIS = "Europe/Paris"
HOUR = 3_600_000_000
DAY = 24 * HOUR


def us(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()) * 1_000_000


def step(unit: str, count: int) -> TickStep:
    return next(s for s in STEPS if s.unit == unit and s.count == count)


def local(t: int, zone: str = PARIS) -> datetime:
    dt = to_datetime(t, zone)
    assert dt is not None
    return dt


def test_spring_forward_has_no_nonexistent_labels() -> None:
    start, end = us("2024-03-30T20:00"), us("2024-03-31T06:00")
    for st in (step("h", 1), step("min", 30), step("min", 15)):
        ticks = tick_instants(start, end, st, PARIS)
        labels = tick_labels(ticks, st, PARIS)
        assert len(set(ticks)) == len(ticks)
        on_the_31st = [lb for t, lb in zip(ticks, labels, strict=True)
                       if local(t).date().isoformat() == "2024-03-31"]
        assert not [lb for lb in on_the_31st if lb.startswith("02:")], on_the_31st
        # every tick sits on the local clock grid
        assert all(local(t).minute % (st.count if st.unit == "min" else 60) == 0 for t in ticks)
    hourly = tick_instants(start, end, step("h", 1), PARIS)
    assert all(b - a == HOUR for a, b in itertools.pairwise(hourly))
    labels = tick_labels(hourly, step("h", 1), PARIS)
    assert "01:00" in labels and "03:00 CEST" in labels


def test_fall_back_shows_both_two_oclocks_with_their_offsets() -> None:
    start, end = us("2024-10-26T20:00"), us("2024-10-27T06:00")
    hourly = tick_instants(start, end, step("h", 1), PARIS)
    labels = tick_labels(hourly, step("h", 1), PARIS)
    assert len(set(hourly)) == len(hourly)
    assert "02:00 CEST" in labels and "02:00 CET" in labels
    first = hourly[labels.index("02:00 CEST")]
    second = hourly[labels.index("02:00 CET")]
    assert second - first == HOUR
    assert local(first).utcoffset() != local(second).utcoffset()
    halves = tick_labels(tick_instants(start, end, step("min", 30), PARIS), step("min", 30),
                         PARIS)
    assert {"02:30 CEST", "02:30 CET"} <= set(halves)
    # outside the overlap, no abbreviation clutters the labels
    assert "04:00" in labels and "22:00" in labels


@pytest.mark.parametrize(("day", "gap_hours"), [("2024-03-31", 23), ("2024-10-27", 25)])
def test_daily_ticks_at_local_midnight(day: str, gap_hours: int) -> None:
    start, end = us(f"{day}T00:00") - 3 * DAY, us(f"{day}T00:00") + 3 * DAY
    ticks = tick_instants(start, end, step("d", 1), PARIS)
    assert all((local(t).hour, local(t).minute) == (0, 0) for t in ticks)
    gaps = [(b - a) // HOUR for a, b in itertools.pairwise(ticks)]
    assert gaps.count(gap_hours) == 1
    assert all(g in (24, gap_hours) for g in gaps)
    labels = tick_labels(ticks, step("d", 1), PARIS)
    assert labels[0].endswith(("Mar", "Oct")) and len(set(labels)) == len(labels)


def test_weeks_months_years_follow_the_local_calendar() -> None:
    start, end = us("2023-11-15T00:00"), us("2025-02-10T00:00")
    mondays = tick_instants(start, start + 60 * DAY, step("w", 1), PARIS)
    assert all(local(t).weekday() == 0 and local(t).hour == 0 for t in mondays)
    months = tick_instants(start, end, step("mo", 1), PARIS)
    assert all(local(t).day == 1 and local(t).hour == 0 for t in months)
    assert len(months) == 15
    quarters = tick_labels(tick_instants(start, end, step("mo", 3), PARIS), step("mo", 3), PARIS)
    assert quarters[:3] == ["Jan 2024", "Apr 2024", "Jul 2024"]
    years = tick_instants(start, end, step("y", 1), PARIS)
    assert [local(t).year for t in years] == [2024, 2025]
    assert local(years[0]).hour == 0  # local New Year, 23:00 UTC the day before


def test_half_hour_zone_is_aligned_to_its_own_clock() -> None:
    start, end = us("2024-05-01T00:00"), us("2024-05-01T12:00")
    ticks = tick_instants(start, end, step("h", 1), "Asia/Kolkata")
    assert ticks and all(local(t, "Asia/Kolkata").minute == 0 for t in ticks)
    assert all(t % HOUR == HOUR // 2 for t in ticks)  # UTC+05:30


def test_choose_steps_is_monotonic_and_minor_is_finer() -> None:
    spans = [2e6, 6e7, 3.6e9, 8.64e10, 2.6e12, 3.2e13, 3e14]
    majors = [choose_steps(s, 1000)[0].approx_us for s in spans]
    assert majors == sorted(majors)
    for s in spans:
        major, minor = choose_steps(s, 1000)
        assert minor is None or minor.approx_us < major.approx_us


def test_offsets_caption_shows_the_change() -> None:
    assert offsets_caption(us("2024-10-26T20:00"), us("2024-10-27T06:00"), PARIS) == (
        "UTC+02:00 → UTC+01:00")
    assert offsets_caption(us("2024-01-10T00:00"), us("2024-01-11T00:00"), PARIS) == "UTC+01:00"
    text = zone_caption(us("2024-01-10T00:00"), us("2024-01-11T00:00"), PARIS, False)
    assert text.startswith("Europe/Paris (UTC+01:00)")
    utc = zone_caption(us("2024-01-10T00:00"), us("2024-01-11T00:00"), PARIS, True)
    assert "axis in UTC" in utc and "Europe/Paris (UTC+01:00)" in utc
    assert "2024-01-10 00:00:00" in utc  # the range is given in the axis's zone
    bogus = zone_caption(us("2024-01-10T00:00"), us("2024-01-11T00:00"), "Mars/Olympus", False)
    assert bogus.startswith("Mars/Olympus (unknown zone: times shown in UTC)")


def test_axis_item_ticks_and_utc_toggle(qtbot) -> None:
    axis = TimeAxisItem("bottom")
    origin = us("2024-10-26T00:00")
    axis.set_origin(origin)
    axis.set_zone(PARIS)
    start, end = us("2024-10-26T22:00"), us("2024-10-27T04:00")
    x0, x1 = (start - origin) / 1e6, (end - origin) / 1e6
    levels = axis.tickValues(x0, x1, 1200)
    major_x = levels[0][1]
    labels = axis.tickStrings(major_x, 1.0, levels[0][0])
    assert "02:00 CEST" in labels and "02:00 CET" in labels
    assert all(x0 <= x <= x1 for x in major_x)
    assert [origin + round(x * 1e6) for x in major_x] == [t for t, _ in axis.last_ticks]
    assert all(lb == "" for lb in axis.tickStrings(levels[1][1], 1.0, levels[1][0]))

    axis.set_zone("UTC")
    levels = axis.tickValues(x0, x1, 1200)
    labels = axis.tickStrings(levels[0][1], 1.0, levels[0][0])
    assert not any("CE" in lb for lb in labels)
    assert "00:00" in labels or any(lb.startswith("Sun 27") for lb in labels)
    assert all((origin + round(x * 1e6)) % (30 * 60_000_000) == 0 for x in levels[0][1])
