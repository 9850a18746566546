"""Building a case from timeline files (issue #19): counts, provenance, bad rows, atomicity.

Counts are the README's (``../shared/data/README.md``, section "timesketch"), as literals.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.cli import main as cli_main
from storage.case.opener import open_case
from storage.importers.case_build import (
    BadRowPolicy,
    BadRowsFound,
    ImportCancelled,
    Source,
    build_case,
)
from storage.importers.rows import ZoneRequired
from tests.factories import sql_rows, sql_value

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "timesketch"




@pytest.mark.parametrize(("name", "events"), [
    ("sigma_events.csv", 4),
    ("sigma_events.jsonl", 5),
    ("e2e_evtx_part.csv", 13),
    ("validate_timestamp_conversion.csv", 3),
    ("csv_timestamp_no_datetime.csv", 3),
    ("validate_no_datetime_timestamps.csv", 5),
    ("validate_time_out_of_range.csv", 2),
    ("plaso_json_line_centos_sshd_events.jsonl", 2002),
])
def test_sample_files_import_with_expected_counts(tmp_path: Path, name: str,
                                                  events: int) -> None:
    out = tmp_path / "case.filature"
    report = build_case([Source(DATA / name)], out, zone="UTC")
    assert report.events == events
    assert sql_value(out, "SELECT count(*) FROM event") == events
    assert sql_value(out, "SELECT events FROM import_file") == events
    with open_case(out) as source:  # a valid case: the hardened opener takes it
        assert source is not None


def test_each_file_is_an_exhibit_cited_by_its_events(tmp_path: Path) -> None:
    out = tmp_path / "case.filature"
    files = [DATA / "sigma_events.csv", DATA / "e2e_evtx_part.csv"]
    build_case([Source(f) for f in files], out)
    exhibits = sql_rows(out, "SELECT id, label, kind, sha256, path FROM exhibit ORDER BY id")
    assert [(e[1], e[2]) for e in exhibits] == [("sigma_events.csv", "timeline"),
                                               ("e2e_evtx_part.csv", "timeline")]
    for (ex_id, _label, _kind, sha, _path), f in zip(exhibits, files, strict=True):
        assert sha == hashlib.sha256(f.read_bytes()).hexdigest()
        assert sql_value(out, "SELECT size_bytes FROM import_file WHERE exhibit_id = ?",
                     ex_id) == f.stat().st_size
    assert sql_rows(out, "SELECT exhibit_id, count(*) FROM event GROUP BY 1 ORDER BY 1") == [
        (exhibits[0][0], 4), (exhibits[1][0], 13)]
    assert sql_value(out, "SELECT count(*) FROM event WHERE source_record IS NULL") == 0
    # a record spanning many physical lines cites the line where it starts
    lines = [r[0] for r in sql_rows(out, "SELECT source_record FROM event WHERE exhibit_id = ? "
                                         "ORDER BY id", exhibits[1][0])]
    assert lines[0] == "line 2"
    assert len(set(lines)) == 13


def test_fields_without_columns_are_attributes_and_tags(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("message,datetime,timestamp_desc,tag,filename,empty\n"
                   'hello,2024-03-31T01:30:00+00:00,Write time,"[""a"", ""b""]",x.txt,\n',
                   encoding="utf-8")
    out = tmp_path / "case.filature"
    build_case([Source(src)], out)
    (fields,), = sql_rows(out, "SELECT fields FROM event_attribute")
    attrs = json.loads(fields)  # one object per event, in the file's column order
    # the tag cell is kept as written too (an export gives it back unchanged)
    assert list(attrs.items()) == [("timestamp_desc", "Write time"), ("tag", '["a", "b"]'),
                                   ("filename", "x.txt")]
    assert [t for (t,) in sql_rows(out, "SELECT tag FROM event_tag ORDER BY id")] == ["a", "b"]
    assert sql_rows(out, "SELECT kind, title, message, ts FROM event") == [
        ("Write time", "hello", "hello", 1_711_848_600_000_000)]


def test_zone_less_times_are_refused_without_a_zone(tmp_path: Path) -> None:
    out = tmp_path / "case.filature"
    with pytest.raises(ZoneRequired):
        build_case([Source(DATA / "invalid_datetime.csv")], out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no half-built case left behind


def test_bad_rows_reject_or_skip_into_the_import_log(tmp_path: Path) -> None:
    out = tmp_path / "case.filature"
    with pytest.raises(BadRowsFound) as caught:
        build_case([Source(DATA / "invalid_datetime.csv")], out, zone="UTC")
    assert [(r.line, r.reason.split(":")[0]) for r in caught.value.rows] == [
        (5, "datetime '1234 19")]
    assert list(tmp_path.iterdir()) == []
    report = build_case([Source(DATA / "invalid_datetime.csv")], out, zone="UTC",
                        bad_rows=BadRowPolicy.SKIP)
    assert (report.events, report.skipped) == (3, 1)
    skipped = sql_rows(out, "SELECT line, reason FROM import_log WHERE outcome = 'skipped'")
    assert len(skipped) == 1 and skipped[0][0] == 5 and "1234 19:01:01" in skipped[0][1]
    assert sql_value(out, "SELECT rows_skipped FROM import_file") == 1


def test_time_caveats_are_logged_and_flagged(tmp_path: Path) -> None:
    out = tmp_path / "case.filature"
    build_case([Source(DATA / "validate_time_out_of_range.csv")], out)
    notes = sql_rows(out, "SELECT line, reason FROM import_log WHERE outcome = 'note'")
    assert any("1601" in reason for _line, reason in notes)
    assert sql_value(out, "SELECT count(*) FROM event_time_flag") == 1


def test_existing_case_is_never_overwritten_unasked(tmp_path: Path) -> None:
    out = tmp_path / "case.filature"
    out.write_bytes(b"the user's file")
    with pytest.raises(FileExistsError):
        build_case([Source(DATA / "sigma_events.csv")], out)
    assert out.read_bytes() == b"the user's file"


def test_a_failure_midway_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "case.filature"
    out.write_bytes(b"the user's file")
    with pytest.raises(BadRowsFound):
        build_case([Source(DATA / "sigma_events.csv"), Source(DATA / "invalid_datetime.csv")],
                   out, zone="UTC", overwrite=True)
    assert out.read_bytes() == b"the user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.filature"]


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "case.filature"
    seen = []
    with pytest.raises(ImportCancelled):
        build_case([Source(DATA / "sigma_events.csv")], out,
                   progress=seen.append, cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    seen = []
    files = [DATA / "sigma_events.csv", DATA / "plaso_json_line_centos_sshd_events.jsonl"]
    build_case([Source(f) for f in files], tmp_path / "c.filature", zone="UTC",
               progress=seen.append)
    assert seen[-1].fraction == 1.0 and seen[-1].events == 2006
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)


def test_latin1_and_bom_files_record_their_encoding(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("message,datetime,timestamp_desc\r\n"
                      "Reçu à Marseille,2024-10-27T02:30:00+01:00,Scan\r\n".encode("latin-1"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + "message,datetime,timestamp_desc\n"
                    "Café,2024-10-27T02:30:00+02:00,Scan\n".encode())
    out = tmp_path / "case.filature"
    report = build_case([Source(latin), Source(bom)], out)
    assert [f.encoding for f in report.files] == ["latin-1", "utf-8-sig"]
    # the same wall time on both sides of the autumn change: two instants an hour apart
    assert sql_rows(out, "SELECT message, ts FROM event ORDER BY id") == [
        ("Reçu à Marseille", 1_729_992_600_000_000), ("Café", 1_729_989_000_000_000)]


def test_cli_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "case.filature"
    src = str(DATA / "invalid_datetime.csv")
    assert cli_main(["import", src, "--out", str(out)]) == 2
    assert "no UTC offset" in capsys.readouterr().err
    assert cli_main(["import", src, "--out", str(out), "--tz", "UTC"]) == 2
    err = capsys.readouterr().err
    assert "invalid_datetime.csv:5:" in err and not out.exists()
    assert cli_main(["import", src, "--out", str(out), "--tz", "UTC", "--skip-bad-rows"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["events"], report["rows_skipped"]) == (3, 1)
    assert cli_main(["import", src, "--out", str(out), "--tz", "UTC"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_a_timeline_resaved_with_semicolons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("message;datetime;timestamp_desc;user\r\n"
                    "Connexion, échec;2024-03-31T01:30:00+01:00;Event Recorded;dédé\r\n",
                    "utf-8")
    out = tmp_path / "x.filature"
    report = build_case([Source(path)], out)
    assert report.events == 1
    assert sql_rows(out, "SELECT message, ts FROM event") == [("Connexion, échec",
                                                             1711845000000000)]
    assert any("separated by ';'" in n for n in report.files[0].notes)
