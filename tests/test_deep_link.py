"""``--range`` and ``--select``: ISO 8601 parsing, the case's zone, and its DST gap and overlap."""

from __future__ import annotations

import pytest

from app.deep_link import DeepLinkError, parse_range, parse_select
from app.state import EntityRef

H = 3_600_000_000
# 2024-03-30T23:00:00Z: midnight of 31 March in Paris (still winter time, UTC+1)
MIDNIGHT_MAR31 = 1_711_839_600_000_000


def test_naive_times_are_the_case_zone() -> None:
    start, end = parse_range("2024-03-31T00:00/2024-03-31T06:00").resolve("Europe/Paris")
    assert start == MIDNIGHT_MAR31
    # 02:00 → 03:00 jump: six wall-clock hours are five real ones
    assert end - start == 5 * H


def test_offsets_and_z_are_taken_as_written() -> None:
    start, end = parse_range("2024-03-30T23:00Z/2024-03-31T03:00+02:00").resolve("Asia/Tokyo")
    assert start == MIDNIGHT_MAR31
    assert end == MIDNIGHT_MAR31 + 2 * H  # 03:00+02:00 is 01:00Z
    with pytest.raises(DeepLinkError, match="after the start"):
        parse_range("2024-03-30T23:00Z/2024-03-30T23:00Z").resolve("UTC")


def test_dates_and_durations() -> None:
    start, end = parse_range("2024-03-31/P1D").resolve("Europe/Paris")
    assert (start, end - start) == (MIDNIGHT_MAR31, 24 * H)
    start, end = parse_range("PT1H30M/2024-03-31T00:00:00+01:00").resolve("UTC")
    assert (start, end) == (MIDNIGHT_MAR31 - 90 * 60_000_000, MIDNIGHT_MAR31)
    start, end = parse_range("2024-03-31T00:00Z/PT0.5S").resolve("UTC")
    assert end - start == 500_000


def test_a_time_in_the_spring_gap_is_refused() -> None:
    spec = parse_range("2024-03-31T02:30/2024-03-31T04:00")
    with pytest.raises(DeepLinkError, match="does not exist in Europe/Paris") as info:
        spec.resolve("Europe/Paris")
    assert "+01:00" in str(info.value) and "+02:00" in str(info.value)
    assert spec.resolve("UTC")[1] - spec.resolve("UTC")[0] == 90 * 60_000_000


def test_a_time_in_the_autumn_overlap_is_refused_unless_offset_given() -> None:
    with pytest.raises(DeepLinkError, match="happened twice") as info:
        parse_range("2024-10-27T02:30/2024-10-27T04:00").resolve("Europe/Paris")
    assert "2024-10-27T02:30:00+02:00" in str(info.value)
    assert "2024-10-27T02:30:00+01:00" in str(info.value)
    first, _ = parse_range("2024-10-27T02:30+02:00/PT1H").resolve("Europe/Paris")
    second, _ = parse_range("2024-10-27T02:30+01:00/PT1H").resolve("Europe/Paris")
    assert second - first == H


@pytest.mark.parametrize("text", [
    "2024-03-31", "2024-03-31/", "/2024-03-31", "a/b", "2024-13-01/2024-12-01",
    "P1D/PT2H", "2024-03-31/P1Y", "2024-03-31/P", "2024-03-31/PT", "x/y/z",
])
def test_bad_ranges_say_what_is_expected(text: str) -> None:
    with pytest.raises(DeepLinkError, match="--range"):
        parse_range(text)


def test_select_parses_kind_and_id() -> None:
    assert parse_select("event:42") == EntityRef("event", 42)
    assert parse_select("shipment:7") == EntityRef("shipment", 7)
    for bad in ("42", "evt:1", "event:x", "event:"):
        with pytest.raises(DeepLinkError, match="--select"):
            parse_select(bad)
