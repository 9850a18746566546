from datetime import UTC, datetime

from widgets.timefmt import NOT_SET, format_both, format_duration, format_instant


def us(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * 1_000_000


def test_offset_always_shown() -> None:
    assert format_instant(us(2024, 7, 1, 10, 0, 0), "Europe/Paris") == (
        "2024-07-01 12:00:00 CEST (UTC+02:00)"
    )
    assert format_instant(us(2024, 1, 1, 10, 0, 0), "UTC") == "2024-01-01 10:00:00 (UTC+00:00)"


def test_dst_overlap_is_disambiguated_by_offset() -> None:
    # 2024-10-27: 02:30 Paris happens twice, at 00:30 UTC and at 01:30 UTC.
    first = format_instant(us(2024, 10, 27, 0, 30, 0), "Europe/Paris")
    second = format_instant(us(2024, 10, 27, 1, 30, 0), "Europe/Paris")
    assert first == "2024-10-27 02:30:00 CEST (UTC+02:00)"
    assert second == "2024-10-27 02:30:00 CET (UTC+01:00)"


def test_dst_gap_never_shows_nonexistent_time() -> None:
    # 2024-03-31 01:00 UTC is 03:00 CEST: 02:xx never exists that day.
    assert format_instant(us(2024, 3, 31, 1, 0, 0), "Europe/Paris").startswith("2024-03-31 03:00")
    assert format_instant(us(2024, 3, 31, 0, 59, 59), "Europe/Paris").startswith(
        "2024-03-31 01:59:59 CET"
    )


def test_not_set_and_out_of_range() -> None:
    assert format_instant(None, "Europe/Paris") == NOT_SET
    assert format_instant(0, "Europe/Paris") == NOT_SET
    assert "out of calendar range" in format_instant(10**20, "UTC")
    # 1601-01-01, the Windows FILETIME zero, stays representable
    assert format_instant(-11644473600 * 1_000_000, "UTC").startswith("1601-01-01 00:00:00")


def test_unknown_zone_falls_back_to_utc() -> None:
    assert format_instant(us(2024, 1, 1), "Nowhere/Atlantis").endswith("(UTC+00:00)")


def test_both_zones_and_micro() -> None:
    text = format_both(us(2024, 7, 1, 10, 0, 0) + 123, "Europe/Paris", micro=True)
    assert text == (
        "2024-07-01 12:00:00.000123 CEST (UTC+02:00) = 2024-07-01 10:00:00.000123 (UTC+00:00)"
    )


def test_duration() -> None:
    assert format_duration(90 * 1_000_000) == "1 min 30 s"
    assert format_duration(3 * 86_400_000_000 + 4 * 3_600_000_000) == "3 d 4 h"
    assert format_duration(250_000) == "250 ms"
