"""Reading Timesketch and Plaso timelines (issue #19): every sample gives the README's counts.

The expected results are those of ``../shared/data/README.md`` (section "timesketch", last
column), written out here as literals: event and bad-row counts, the lines and reasons of the
bad rows, and the instants as UTC wall-clock text checked by hand, never recomputed with the
code under test. Then the rules those files only touch: encodings, CRLF and multi-line
records, DST gaps and overlaps, precision, null dates, and the vectorised time reader checked
against its scalar reference.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.importers.rows import EventChunk, ImportRefused, MissingColumns, ZoneRequired
from storage.importers.time_scalar import localize_one
from storage.importers.times import (
    BAD,
    BLANK,
    OK,
    PRECISIONS,
    TimeFlag,
    localize,
    parse_epoch,
    parse_epoch_one,
    parse_iso,
    parse_iso_one,
    utc_text,
    zone_from_name,
)
from storage.importers.timesketch import (
    read_plaso_jsonl,
    read_timesketch,
    read_timesketch_csv,
)

if TYPE_CHECKING:
    from storage.importers.sources import TimelineRead

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # as tests/conftest.py
DATA = SHARED_DATA / "timesketch"
PARIS = ZoneInfo("Europe/Paris")


def us(text: str) -> int:
    """µs since 1970 of a UTC wall-clock literal such as ``2015-07-24T19:01:01.123``."""
    return (datetime.fromisoformat(text).replace(tzinfo=UTC)
            - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


class Read:
    """All chunks of one read, joined (tests only: a writer consumes them one by one)."""

    def __init__(self, read: TimelineRead) -> None:
        self.chunks: list[EventChunk] = list(read)
        self.summary = read.summary
        self.bad = [b for c in self.chunks for b in c.bad_rows]
        self.notes = [n for c in self.chunks for n in c.notes]
        self.events = [(c, i) for c in self.chunks for i in range(len(c))]

    def col(self, name: str) -> list:
        return [getattr(c, name)[i].item() if hasattr(getattr(c, name)[i], "item")
                else getattr(c, name)[i] for c, i in self.events]

    def times(self) -> list[str]:
        return [utc_text(t) for t in self.col("ts_us")]

    def flags(self) -> list[TimeFlag]:
        return [TimeFlag(f) for f in self.col("flags")]


def read(name: str, **kw: object) -> Read:
    path = DATA / name
    if name.startswith("plaso"):
        return Read(read_plaso_jsonl(path, **kw))  # type: ignore[arg-type]
    return Read(read_timesketch(path, **kw))  # type: ignore[arg-type]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the sample files, one by one ----------------------------------------------------------


def test_the_samples_are_there() -> None:
    names = {p.name for p in DATA.glob("*")} if DATA.is_dir() else set()
    assert {"sigma_events.csv", "plaso_json_line_centos_sshd_events.jsonl"} <= names, (
        f"the shared data folder is missing at {DATA} (CI has it beside the checkout)")


def test_sigma_events_csv() -> None:
    r = read("sigma_events.csv")
    assert len(r.events) == 4 and r.bad == [] and r.notes == []
    assert r.times() == ["2015-07-24T19:01:01Z", "2015-07-24T19:01:02Z",
                         "2015-07-24T19:01:03Z", "2015-07-24T19:01:03Z"]
    assert r.col("line") == [2, 3, 4, 5]
    c, i = r.events[3]
    assert c.message[i] == "Install: zmap:amd64 (1.1.0-1) [Commandline: apt-get install zmap]"
    assert c.timestamp_desc[i] == "foo"
    assert c.attributes(i)["parser"] == "apt_history"
    assert "extra_field_1" not in c.attributes(i)  # blank cells are not attributes


def test_sigma_events_jsonl_datetime_wins_and_the_disagreement_is_logged() -> None:
    r = read("sigma_events.jsonl")
    assert len(r.events) == 5 and r.bad == []
    assert r.times()[:4] == ["2015-07-24T19:01:01Z", "2015-07-24T19:01:02Z",
                             "2015-07-24T19:01:03Z", "2015-07-24T19:01:03Z"]
    assert r.times()[4] == "2022-01-22T23:07:43.502205Z"
    assert [TimeFlag.TIMESTAMP_DISAGREES in f for f in r.flags()] == [True] * 4 + [False]
    assert [n.line for n in r.notes] == [1, 2, 3, 4]
    assert "'123456789'" in r.notes[0].text and "names another time" in r.notes[0].text
    c, i = r.events[0]
    assert c.attributes(i)["timestamp"] == "123456789"  # kept as written
    assert c.attributes(r.events[4][1])["event_identifier"] == "11"


def test_e2e_evtx_multi_line_records_start_where_csv_says() -> None:
    r = read("e2e_evtx_part.csv")
    assert len(r.events) == 13 and r.bad == []
    with (DATA / "e2e_evtx_part.csv").open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        starts, end = [], rows.line_num
        for _ in rows:
            starts.append(end + 1)
            end = rows.line_num
    assert end == 316
    assert r.col("line") == starts
    assert starts[:3] == [2, 26, 50] and starts[-1] == 292
    c, i = r.events[0]
    assert c.attributes(i)["xml_string"].count("\n") == 23
    assert r.times()[0] == "2012-03-14T04:17:38.276340Z"
    assert r.col("precision")[0] == "microsecond"
    assert c.tags(i) == ()  # tag "[]"


def test_validate_timestamp_conversion_both_offset_spellings() -> None:
    r = read("validate_timestamp_conversion.csv")
    assert len(r.events) == 3 and r.bad == [] and r.notes == []
    assert r.col("ts_us") == [1331698658000000, 1658689261000000, 1437789661000000]
    assert r.col("ts_raw")[1] == "2022-07-24T19:01:01+0000"
    assert r.col("ts_zone") == ["+00:00", "+00:00", "+00:00"]


def test_timestamp_only_file_guesses_the_unit_per_row_and_says_so() -> None:
    r = read("csv_timestamp_no_datetime.csv")
    assert len(r.events) == 3 and r.bad == []
    assert r.times() == ["2022-07-24T19:01:01Z", "2022-07-24T19:01:01.123000Z",
                         "2022-07-24T19:01:01.123456Z"]
    assert r.col("precision") == ["second", "millisecond", "microsecond"]
    assert all(TimeFlag.UNIT_GUESSED | TimeFlag.FROM_TIMESTAMP in f for f in r.flags())
    assert r.col("ts_raw")[1] == ("1658689261123 [timestamp read as milliseconds, unit "
                                  "guessed by magnitude]")
    assert r.summary.units == {"seconds": 1, "milliseconds": 1, "microseconds": 1}
    assert any("guessed by magnitude" in n for n in r.summary.notes)


def test_blank_datetime_falls_back_to_timestamp_and_vice_versa() -> None:
    r = read("validate_no_datetime_timestamps.csv")
    assert len(r.events) == 5 and r.bad == []
    assert r.times() == ["2015-07-01T22:27:41Z", "2015-07-25T02:01:01Z",
                         "2015-07-25T02:01:01Z", "2014-07-25T02:01:01Z",
                         "2016-07-25T02:01:01Z"]
    assert [TimeFlag.FROM_TIMESTAMP in f for f in r.flags()] == [True, True, False, False,
                                                                 False]
    assert [n.line for n in r.notes] == [2, 3]  # blank and whitespace-only datetime
    assert "read as microseconds" in r.notes[0].text


def test_1601_is_kept_and_flagged_as_a_probable_null_date() -> None:
    r = read("validate_time_out_of_range.csv")
    assert len(r.events) == 2 and r.bad == []
    assert r.col("ts_us") == [-11644473600000000, us("2227-12-31T23:01:01")]
    assert [TimeFlag.PROBABLE_NULL in f for f in r.flags()] == [True, False]
    assert [n.line for n in r.notes] == [2] and "FILETIME" in r.notes[0].text


def test_zone_less_times_are_refused_without_a_zone() -> None:
    with pytest.raises(ZoneRequired) as err:
        read("invalid_datetime.csv")
    assert err.value.line == 2 and err.value.value == "2017-09-24 19:01:01"
    assert "no UTC offset" in str(err.value)


def test_zone_less_times_with_utc_three_events_and_line_5_bad() -> None:
    r = read("invalid_datetime.csv", zone="UTC")
    assert len(r.events) == 3
    assert r.times() == ["2017-09-24T19:01:01Z", "2017-07-24T19:01:01Z",
                         "2017-10-24T19:01:01Z"]
    assert [(b.line, "1234 19:01:01" in b.reason) for b in r.bad] == [(5, True)]
    assert all(TimeFlag.ZONE_GIVEN | TimeFlag.TIMESTAMP_DISAGREES in f for f in r.flags())
    assert r.col("ts_zone") == ["UTC"] * 3


def test_hh_mm_ss_with_dashes_is_never_read_as_five_o_clock() -> None:
    r = read("validate_date_events.csv")
    assert r.events == []
    assert [b.line for b in r.bad] == [2, 3]
    assert "HH-MM-SS" in r.bad[0].reason
    assert "2022-11-10T05:07:28.119860Z" in r.bad[0].reason  # what timestamp would say


def test_missing_columns_are_named_and_a_mapping_reads_the_file() -> None:
    with pytest.raises(MissingColumns) as err:
        read("incorrect.csv")
    assert err.value.missing == ("datetime", "timestamp_desc")
    assert "datetime, timestamp_desc" in str(err.value)
    r = read("incorrect.csv", zone="UTC",
             columns={"datetime": "DT", "timestamp_desc": "timestampDesc"})
    assert len(r.events) == 1 and r.bad == []
    assert r.times() == ["2020-09-18T21:58:07.470323Z"]
    c, i = r.events[0]
    assert c.timestamp_desc[i] == "Time Logged" and "DT" not in c.attributes(i)


def test_plaso_local_times_need_a_zone() -> None:
    with pytest.raises(ZoneRequired) as err:
        read("plaso_json_line_centos_sshd_events.jsonl")
    assert err.value.line == 1


def test_plaso_json_line_2002_events() -> None:
    r = read("plaso_json_line_centos_sshd_events.jsonl", zone="UTC")
    assert len(r.events) == 2002 and r.bad == []
    assert r.times()[0] == "2022-10-07T11:39:03Z"
    c, i = r.events[0]
    attrs = c.attributes(i)
    assert json.loads(attrs["pathspec"])["parent"]["parent"]["location"] == (
        "/home/vande/Downloads/centos_ssh.dd")
    assert attrs["hostname"] == "centos9-stream" and "__type__" not in attrs
    assert c.message[i].startswith("[sshd] [2111389]: Failed password")
    assert c.timestamp_desc[i] == "Content Modification Time"
    paris = read("plaso_json_line_centos_sshd_events.jsonl", zone="Europe/Paris")
    assert paris.times()[0] == "2022-10-07T09:39:03Z"  # CEST: Plaso's own number not used
    assert paris.col("ts_zone")[0] == "Europe/Paris"


# --- encodings, line ends, records --------------------------------------------------------

HEADER = b"message,datetime,timestamp_desc,extra\n"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + HEADER
                 + "Caf\u00e9 r\u00e9serv\u00e9,2024-05-03T15:00:00+02:00,Sent,\u00e9\n".encode())
    r = Read(read_timesketch_csv(path))
    assert r.summary.encoding == "utf-8-sig"
    assert r.col("message") == ["Caf\u00e9 r\u00e9serv\u00e9"]
    assert r.times() == ["2024-05-03T13:00:00Z"]


def test_latin1_is_decided_for_the_whole_file(tmp_path: Path) -> None:
    ascii_rows = b"".join(b"row %d,2024-05-03T15:00:00Z,Sent,x\n" % i for i in range(150_000))
    last = "d\u00e9j\u00e0,2024-05-03T15:00:01Z,Sent,\u00e9\n".encode("latin-1")
    path = write(tmp_path, "latin.csv", HEADER + ascii_rows + last)
    assert path.stat().st_size > 4 << 20  # the bad byte is past the first block read
    r = Read(read_timesketch_csv(path))
    assert r.summary.encoding == "latin-1"
    assert "line 150002" in r.summary.encoding_note
    assert r.col("message")[-1] == "d\u00e9j\u00e0" and len(r.events) == 150_001


def test_crlf_and_quoted_line_breaks(tmp_path: Path) -> None:
    data = (b'message,datetime,timestamp_desc\r\n'
            b'"two\r\nlines",2024-05-03T15:00:00Z,Sent\r\n'
            b'\r\n'
            b'plain,2024-05-03T15:00:01Z,Sent\r\n'
            b'"three\r\nlit\r\nlines",2024-05-03T15:00:02Z,Sent\r\n'
            b'last,2024-05-03T15:00:03Z,Sent\r\n')
    for rows in (1, 100):
        r = Read(read_timesketch_csv(write(tmp_path, "crlf.csv", data), chunk_rows=rows))
        assert r.col("line") == [2, 5, 6, 9]
        assert r.col("message")[0] == "two\r\nlines"
        assert r.summary.blank_records == 1 and r.bad == []


def test_bad_csv_records_are_reported_at_their_line(tmp_path: Path) -> None:
    data = (HEADER + b'a,2024-05-03T15:00:00Z,Sent,x\n'
            b'b,2024-05-03T15:00:00Z,Sent,x,one too many\n'
            b'c,2024-05-03T15:00:00Z,Sent,x,two,too many\n'
            b'"d\nd",2024-05-03T15:00:00Z,Sent,x\n'
            b',,,\n'
            b'e,2024-05-03 15:00:00,Sent,\n')
    r = Read(read_timesketch_csv(write(tmp_path, "bad.csv", data), zone="UTC"))
    assert r.col("line") == [2, 5, 8]
    assert [b.line for b in r.bad] == [3, 4]
    assert "header's 4" in r.bad[0].reason and "6 fields" in r.bad[1].reason
    assert r.summary.blank_records == 1


def test_bad_json_lines_are_bad_rows(tmp_path: Path) -> None:
    good = {"message": "m", "datetime": "2024-05-03T15:00:00Z", "timestamp_desc": "d",
            "tag": ["a", "b"], "n": 1.50, "big": 1331698658276340, "nested": {"k": [1, None]}}
    lines = [json.dumps(good), "{not json", "", "[1, 2]", '{"message": "m", "x": NaN}',
             json.dumps({"message": "no time", "timestamp_desc": "d"}),
             json.dumps({**good, "datetime": "", "timestamp": 1714748400})]
    path = write(tmp_path, "t.jsonl", ("\n".join(lines) + "\n").encode())
    r = Read(read_timesketch(path))
    assert r.col("line") == [1, 7]
    assert [(b.line, b.reason.split(":")[0]) for b in r.bad] == [
        (2, "not valid JSON"), (4, "not a JSON object"), (5, "not valid JSON"),
        (6, "missing key(s)")]
    c, i = r.events[0]
    assert c.tags(i) == ("a", "b")
    assert c.attributes(i)["n"] == "1.5" and c.attributes(i)["big"] == "1331698658276340"
    assert c.attributes(i)["nested"] == '{"k":[1,null]}'
    assert r.times()[1] == "2024-05-03T15:00:00Z" and r.summary.blank_records == 1


def test_tags_in_every_spelling(tmp_path: Path) -> None:
    data = (b"message,datetime,timestamp_desc,tag\n"
            b'a,2024-05-03T15:00:00Z,d,"[""x"", ""y z""]"\n'
            b'b,2024-05-03T15:00:00Z,d,"x, y"\n'
            b"c,2024-05-03T15:00:00Z,d,-\n"
            b"d,2024-05-03T15:00:00Z,d,\n"
            b"e,2024-05-03T15:00:00Z,d,[broken\n")
    r = Read(read_timesketch_csv(write(tmp_path, "tags.csv", data)))
    assert [c.tags(i) for c, i in r.events] == [("x", "y z"), ("x", "y"), (), (), ("[broken",)]


def test_files_refused_whole(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="empty"):
        read_timesketch_csv(write(tmp_path, "empty.csv", b""))
    with pytest.raises(ImportRefused, match="UTF-16"):
        read_timesketch_csv(write(tmp_path, "u16.csv", "message\n".encode("utf-16")))
    with pytest.raises(ImportRefused, match=r"\.csv or \.jsonl"):
        read_timesketch(write(tmp_path, "t.txt", HEADER))
    with pytest.raises(ValueError, match="unknown time zone"):
        read_timesketch_csv(DATA / "sigma_events.csv", zone="localtime")
    with pytest.raises(ValueError, match="unknown time zone"):
        zone_from_name("+02:00")


def test_a_mapping_names_only_what_can_be_mapped() -> None:
    with pytest.raises(ImportRefused, match="only message, datetime"):
        read_timesketch(DATA / "incorrect.csv", columns={"time": "DT"})
    with pytest.raises(ImportRefused, match="not in the file"):
        read_timesketch(DATA / "incorrect.csv", columns={"datetime": "When"})


def test_plaso_date_time_classes(tmp_path: Path) -> None:
    def event(date_time: dict, timestamp: int = 0) -> str:
        return json.dumps({"__container_type__": "event", "__type__": "AttributeContainer",
                           "date_time": {"__type__": "DateTimeValues", **date_time},
                           "timestamp": timestamp, "timestamp_desc": "Creation Time",
                           "message": "m", "tag": {"__type__": "EventTag", "labels": ["seen"]}})

    lines = [
        event({"__class_name__": "Filetime", "timestamp": 0}, -11644473600000000),
        event({"__class_name__": "Filetime", "timestamp": 133000000000000001}, 1655526400000000),
        event({"__class_name__": "PosixTime", "timestamp": 1665142743}, 123),
        event({"__class_name__": "TimeElementsInNanoseconds",
               "time_elements_tuple": [2022, 10, 7, 11, 39, 3, 123456789]}, 1665142743123456),
        event({"__class_name__": "NotSet", "string": "Not set"}),
        event({"__class_name__": "TimeElements", "is_local_time": True,
               "time_elements_tuple": [2024, 3, 31, 2, 30, 0]}),
        event({"__class_name__": "TimeElements", "is_local_time": True,
               "time_elements_tuple": [2024, 5, 3, 15, 0, 0]}),
    ]
    path = write(tmp_path, "p.jsonl", ("\n".join(lines) + "\n").encode())
    r = Read(read_plaso_jsonl(path, zone="Europe/Paris"))
    assert r.times() == ["1601-01-01T00:00:00Z", "2022-06-18T04:26:40Z",
                         "2022-10-07T11:39:03Z", "2022-10-07T11:39:03.123456Z",
                         "2024-05-03T13:00:00Z"]
    flags = r.flags()
    assert TimeFlag.PROBABLE_NULL in flags[0]
    assert [TimeFlag.SUB_MICROSECOND_DROPPED in f for f in flags] == [False, True, False, True,
                                                                      False]
    assert TimeFlag.TIMESTAMP_DISAGREES in flags[2]  # Plaso's 123 is not 2022
    assert [b.line for b in r.bad] == [5, 6]
    assert "NotSet" in r.bad[0].reason and "DST gap" in r.bad[1].reason
    assert r.col("ts_zone") == ["UTC"] * 4 + ["Europe/Paris"]
    assert [c.tags(i) for c, i in r.events] == [("seen",)] * 5


def test_jsonl_with_bom_and_crlf(tmp_path: Path) -> None:
    body = '{"message": "Caf\u00e9", "datetime": "2024-05-03T15:00:00Z", "timestamp_desc": "d"}'
    path = write(tmp_path, "b.jsonl", b"\xef\xbb\xbf" + (body + "\r\n" + body + "\r\n").encode())
    r = Read(read_timesketch(path))
    assert r.summary.encoding == "utf-8-sig"
    assert r.col("line") == [1, 2] and r.col("message") == ["Caf\u00e9"] * 2


def test_a_read_is_one_pass_in_bounded_chunks() -> None:
    whole = read("e2e_evtx_part.csv")
    opened = read_timesketch(DATA / "e2e_evtx_part.csv", chunk_rows=4)
    parts = Read(opened)
    assert [len(c) for c in parts.chunks] == [3, 4, 4, 2]  # the header is the first record
    assert parts.col("line") == whole.col("line") and parts.col("ts_us") == whole.col("ts_us")
    assert parts.summary.events == 13
    with pytest.raises(RuntimeError):
        list(opened)
    with read_timesketch(DATA / "e2e_evtx_part.csv", chunk_rows=4) as early:
        first = next(iter(early))
    assert len(first) == 3 and list(early.summary.columns)[:2] == ["__ts_timeline_id",
                                                                   "computer_name"]


# --- time rules ----------------------------------------------------------------------------

DST = b"message,datetime,timestamp_desc\n"


def test_dst_gap_and_overlap_in_paris(tmp_path: Path) -> None:
    path = write(tmp_path, "dst.csv", DST + b"gap,2024-03-31 02:30:00,d\n"
                 b"overlap,2024-10-27 02:30:00,d\nplain,2024-05-03 15:00:00,d\n")
    r = Read(read_timesketch_csv(path, zone="Europe/Paris"))
    assert r.times() == ["2024-05-03T13:00:00Z"]
    assert "does not exist in Europe/Paris (DST gap)" in r.bad[0].reason
    assert "ambiguous in Europe/Paris (DST overlap)" in r.bad[1].reason
    assert [b.line for b in r.bad] == [2, 3]
    earlier = Read(read_timesketch_csv(path, zone="Europe/Paris", fold="earlier"))
    later = Read(read_timesketch_csv(path, zone="Europe/Paris", fold="later"))
    assert earlier.col("ts_us")[0] == 1729989000000000  # 00:30 UTC, CEST
    assert later.col("ts_us")[0] == 1729992600000000  # 01:30 UTC, CET
    assert TimeFlag.FOLD_CHOSEN in earlier.flags()[0] and len(earlier.bad) == 1
    assert "[ambiguous local time" in earlier.col("ts_raw")[0]
    ranged = Read(read_timesketch_csv(path, zone="Europe/Paris", fold="range"))
    c, i = ranged.events[0]
    assert c.precision[i] == "range" and c.has_bounds[i]
    assert (c.ts_min[i], c.ts_max[i]) == (1729989000000000, 1729992600999999)


def test_precision_follows_the_digits_written() -> None:
    texts = ["2024-05-03T15:00Z", "2024-05-03T15:00:00Z", "2024-05-03T15:00:00.1Z",
             "2024-05-03T15:00:00.123Z", "2024-05-03T15:00:00.1234Z",
             "2024-05-03T15:00:00.123456Z", "2024-05-03T15:00:00.123456789Z",
             "2024-05-03T15:00:00.000000Z"]
    got = parse_iso(texts)
    assert [PRECISIONS[p] for p in got.precision] == [
        "minute", "second", "millisecond", "millisecond", "microsecond", "microsecond",
        "microsecond", "microsecond"]
    assert [utc_text(t) for t in got.ts_us[5:7]] == ["2024-05-03T15:00:00.123456Z"] * 2
    assert [TimeFlag.SUB_MICROSECOND_DROPPED in TimeFlag(int(f)) for f in got.flags] == [
        False] * 6 + [True, False]


def test_odd_texts_are_refused_with_a_reason() -> None:
    refused = {
        "2022-11-10T05-07-28+00:00": "HH-MM-SS", "1234 19:01:01": "not ISO 8601",
        "2015-07-24": "without a time", "2015-07-24T19": "without minutes",
        "2015-07-24T19+02": "without minutes", "2015-07-24T19:01:01+02": "offset without",
        "20150724T190101Z": "not ISO 8601", "2015-07-24T19:01:01.Z": "decimal separator",
        "2015-7-4T19:01:01Z": "not ISO 8601", "2015-07-24T19:01:60Z": "leap second",
        "2015-07-24T24:00:00Z": "24:00", "2023-02-29T00:00:00Z": "does not exist",
        "2015-07-24T19:01:01+25:00": "out of range", "0000-01-01T00:00:00Z": "year 0",
        "2015-07-24t19:01:01z": "not ISO 8601", "2015-07-24 19:01:01 +0200": "not ISO",
        "\u0662015-07-24T19:01:01Z": "not ISO 8601",  # an Arabic-Indic digit
    }
    got = parse_iso(list(refused))
    assert list(got.status) == [BAD] * len(refused)
    for i, why in enumerate(refused.values()):
        assert why in got.errors[i], (list(refused)[i], got.errors[i])


def test_the_calendar_edges_in_a_zone() -> None:
    texts = ["0001-01-01 00:00:00", "9999-12-31 23:59:59", "9999-12-31T23:59:59Z"]
    for zone in ("America/New_York", "Asia/Tokyo", "Europe/Paris"):
        got = parse_iso(texts, ZoneInfo(zone))
        for i, text in enumerate(texts):
            one = parse_iso_one(text, ZoneInfo(zone))
            if isinstance(one, str):
                assert got.status[i] == BAD and "out of range" in got.errors[i]
            else:
                assert got.status[i] == OK and got.ts_us[i] == one.ts_us


def test_null_dates_are_flagged() -> None:
    got = parse_iso(["1970-01-01T00:00:00Z", "1970-01-01T01:00:00+01:00",
                     "1601-01-01T00:00:00Z", "1601-01-01 00:00:00.000", "2024-01-01T00:00Z"],
                    ZoneInfo("UTC"))
    assert [TimeFlag.PROBABLE_NULL in TimeFlag(int(f)) for f in got.flags] == [
        True, True, True, True, False]


def test_epoch_units_by_magnitude() -> None:
    got = parse_epoch(["1714748400", "1714748400123", "1714748400123456",
                       "1714748400123456789", "-86400", "", " 1714748400 ", "1.5e9", "12a",
                       "1714748400.25", "9" * 25])
    want = us("2024-05-03T15:00:00")
    assert list(got.status) == [OK, OK, OK, OK, OK, BLANK, OK, BAD, BAD, OK, BAD]
    assert got.ts_us[:4].tolist() == [want, want + 123000, want + 123456, want + 123456]
    assert got.ts_us[4] == -86400 * 10**6 and got.ts_us[9] == want + 250000
    assert [PRECISIONS[p] for p in got.precision[[0, 1, 2, 3, 9]]] == [
        "second", "millisecond", "microsecond", "microsecond", "millisecond"]
    assert TimeFlag.SUB_MICROSECOND_DROPPED in TimeFlag(int(got.flags[3]))


def test_pandas_localize_agrees_with_zoneinfo_on_dst_days() -> None:
    """The vectorised path trusts pandas' transitions; zoneinfo is the reference."""
    for name, days in (("Europe/Paris", ("2024-03-31", "2024-10-27", "1976-03-28",
                                         "2037-10-25", "2100-03-28")),
                       ("America/New_York", ("2024-03-10", "2024-11-03")),
                       ("Australia/Lord_Howe", ("2024-04-07", "2024-10-06"))):
        zone = ZoneInfo(name)
        wall = np.array([us(f"{d}T00:00") + k * 5 * 60 * 10**6 for d in days
                         for k in range(24 * 12)], dtype=np.int64)
        got = localize(wall, zone)
        for j, w in enumerate(wall.tolist()):
            one = localize_one(w, zone, None)
            if isinstance(one, str):
                assert got.status[j] == BAD and j in got.errors, (name, w)
            else:
                assert got.status[j] == OK and got.ts_us[j] == one[0], (name, w)


def _iso_like(draw: st.DrawFn) -> str:
    """A well-formed ISO text in any of the accepted spellings, sometimes with one flaw."""
    year = draw(st.sampled_from([1, 1601, 1970, 2024, 2037, 2100, 9999]))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    hour, minute, sec = draw(st.integers(0, 24)), draw(st.integers(0, 60)), draw(
        st.integers(0, 60))
    text = f"{year:04d}-{month:02d}-{day:02d}{draw(st.sampled_from('T '))}{hour:02d}:{minute:02d}"
    if draw(st.booleans()):
        text += f":{sec:02d}"
        if draw(st.booleans()):
            text += draw(st.sampled_from(".,")) + draw(st.text(_DIGIT, min_size=1, max_size=16))
    text += draw(st.sampled_from(["", "Z", "+00:00", "+0000", "-05:30", "+14:00", "+2400",
                                  "-0059"]))
    if draw(st.integers(0, 4)) == 0:  # one flaw somewhere
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.sampled_from(list("-:T .,Z+9a\u0663"))) + text[at + 1:]
    return text


_DIGIT = st.sampled_from("0123456789")
_PIECES = st.lists(st.one_of(
    st.text(_DIGIT, min_size=1, max_size=5), st.sampled_from(list("-:T .,Z+ ")),
    st.sampled_from(["2024-10-27", "02:30", ":00", ".123456789", "+02:00", "-0530", "Z",
                     "1601-01-01", "2024-02-29", "2023-02-29", "23:59:59", "24:00"])),
    min_size=1, max_size=8).map("".join)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_PIECES, st.composite(_iso_like)()), min_size=1, max_size=20))
def test_vectorised_reading_matches_the_reference(texts: list[str]) -> None:
    for zone in (None, PARIS):
        got = parse_iso(texts, zone, "earlier")
        for i, text in enumerate(texts):
            one = parse_iso_one(text, zone, "earlier")
            if one is None:
                assert got.status[i] == BLANK
            elif isinstance(one, str):
                assert got.status[i] == BAD and got.errors[i] == one, text
            else:
                assert (got.status[i], got.ts_us[i], got.precision[i], got.flags[i],
                        got.ts_min[i], got.ts_max[i]) == (
                    one.status, one.ts_us, one.precision, one.flags, one.ts_min,
                    one.ts_max), text
                if one.status == OK:
                    assert got.zone_label[i] == one.zone_label, text
    numbers = parse_epoch(texts)
    for i, text in enumerate(texts):
        ref = parse_epoch_one(text)
        if ref is None:
            assert numbers.status[i] == BLANK
        elif isinstance(ref, str):
            assert numbers.status[i] == BAD
        else:
            assert (numbers.ts_us[i], numbers.unit[i], numbers.precision[i]) == ref[:3], text
