"""Spreadsheets imported through a column-mapping profile (issue #19): the listings scrape with
the shipped profile, times written every way, TSV/XLSX, and profiles that must be refused.

The listings' expected counts are the README's (``../shared/data/README.md``, "listings").
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from app.cli import main as cli_main
from storage.case.opener import open_case
from storage.importers.case_build import BadRowPolicy, BadRowsFound, Source, build_case
from storage.importers.profile import ProfileError, load_profile, parse_profile
from storage.importers.rows import ImportRefused
from tests.factories import sql_rows, sql_value

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LISTINGS = DATA / "listings" / "dream_market_cocaine_listings_2017.csv"
LISTINGS_PROFILE = ROOT / "docs" / "profiles" / "dream-market-listings.json"
JULY_2017 = 1_498_867_200_000_000  # 2017-07-01T00:00:00Z
AUGUST_2017 = 1_501_545_600_000_000




def _profile(tmp_path: Path, body: dict, name: str = "p.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"filature_profile": 1, "name": "test", **body}), "utf-8")
    return path


@pytest.fixture(scope="module")
def listings_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("listings") / "listings.filature"
    report = build_case([Source(LISTINGS, profile=LISTINGS_PROFILE)], out)
    assert report.events == 1504
    assert report.skipped == 0
    return out


def test_listings_give_180_vendors_each_with_a_market_account(listings_case: Path) -> None:
    assert sql_value(listings_case, "SELECT count(*) FROM actor") == 180
    assert sql_rows(listings_case, "SELECT DISTINCT role FROM actor") == [("seller",)]
    assert sql_rows(listings_case, "SELECT name, kind FROM platform") == [
        ("Dream Market", "market")]
    accounts = sql_rows(listings_case, "SELECT i.value, a.display_name FROM identifier i "
                                       "JOIN attribution t ON t.identifier_id = i.id "
                                       "JOIN actor a ON a.id = t.actor_id "
                                       "WHERE i.kind = 'account' AND i.platform_id = 1")
    assert len(accounts) == 180
    assert all(value == name for value, name in accounts)  # the vendor's market name


def test_listings_give_1504_ads_linked_to_their_vendor(listings_case: Path) -> None:
    counts = sql_rows(listings_case, "SELECT count(*), count(actor_id), count(identifier_id), "
                                     "count(platform_id), count(place_id), count(amount), "
                                     "count(quantity) FROM event WHERE kind = 'ad_posted'")
    assert counts == [(1504, 1504, 1504, 1504, 1504, 1504, 1504)]
    first = sql_rows(listings_case, "SELECT e.title, a.display_name, p.name, e.amount, e.currency, "
                                    "e.quantity, e.unit, e.source_record FROM event e "
                                    "JOIN actor a ON a.id = e.actor_id JOIN place p "
                                    "ON p.id = e.place_id ORDER BY e.id LIMIT 1")
    assert first == [("!!!!!INTRO OFFER!!!!! 1GR COCAINE 90%", "Mister-Molly", "NL", 0.02577,
                      "BTC", 1.0, "g", "line 2")]
    per_vendor = dict(sql_rows(listings_case, "SELECT a.display_name, count(*) FROM event e "
                                              "JOIN actor a ON a.id = e.actor_id GROUP BY 1"))
    assert sum(per_vendor.values()) == 1504


def test_listings_origin_countries_are_places(listings_case: Path) -> None:
    places = dict(sql_rows(listings_case, "SELECT p.name, count(*) FROM event e JOIN place p "
                                          "ON p.id = e.place_id GROUP BY 1"))
    assert len(places) == 17
    assert {k: places[k] for k in ("NL", "DE", "GB", "US", "European Union", "FR")} == {
        "NL": 496, "DE": 376, "GB": 251, "US": 112, "European Union": 72, "FR": 70}
    kinds = sql_rows(listings_case, "SELECT DISTINCT kind, precision, country_code IS NULL, lat "
                                    "FROM place ORDER BY 1")
    # nothing invented: no coordinates (the map places countries itself); EU and WW, which
    # are not countries, mapped by the profile to regions without a country code
    assert kinds == [("country", "country", 0, None), ("other", "region", 1, None)]
    assert sql_rows(listings_case, "SELECT name FROM place WHERE kind = 'other' ORDER BY 1") == [
        ("European Union",), ("Worldwide",)]


def test_listings_scrape_month_is_kept_as_a_month(listings_case: Path) -> None:
    assert sql_rows(listings_case, "SELECT DISTINCT ts, precision, ts_min, ts_max, ts_raw, ts_zone "
                                   "FROM event") == [
        (JULY_2017, "month", JULY_2017, AUGUST_2017 - 1, "2017-07", "UTC")]


def test_listings_keep_every_other_column(listings_case: Path) -> None:
    keys = dict(sql_rows(listings_case, "SELECT j.key, count(*) FROM event_attribute a, "
                                        "json_each(a.fields) j GROUP BY j.key"))
    assert keys["column 1"] == 1504  # the unnamed index column, named
    assert "scraped" not in keys  # a constant: in the import notes, not on every row
    assert keys["vendor_link"] == 1504
    assert keys["ships_from_to"] == 1504
    assert not any(k.startswith(("ships_to_", "ships_from_N", "ships_from_U")) for k in keys)
    assert "vendor_name" not in keys  # read into the actor, not repeated
    # multi-valued: "WW, EU" is two values, in either order
    ships = [json.loads(v) for (v,) in sql_rows(
        listings_case, "SELECT j.value FROM event_attribute a, json_each(a.fields) j "
                       "WHERE j.key = 'ships_to'")]
    assert all(isinstance(v, list) and v for v in ships)  # a list, even of one value
    assert any(len(v) > 1 for v in ships)
    assert all(p.strip() == p and "," not in p for v in ships for p in v)


def test_listings_provenance(listings_case: Path) -> None:
    (fmt, profile, events, zone), = sql_rows(listings_case, "SELECT format, profile, events, "
                                                        "time_zone FROM import_file")
    assert (fmt, events, zone) == ("profile_csv", 1504, "UTC")
    assert profile.startswith("Dream Market listings scrape (July 2017) (SHA-256 ")
    assert sql_value(listings_case, "SELECT count(*) FROM event WHERE exhibit_id = 1") == 1504
    assert sql_value(listings_case, "SELECT count(*) FROM actor WHERE exhibit_id = 1") == 180


def test_listings_case_opens(listings_case: Path) -> None:
    with open_case(listings_case) as case:
        assert case.info["format_version"] == "1.2"


def test_cli_import_with_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "l.filature"
    assert cli_main(["import", str(LISTINGS), "--profile", str(LISTINGS_PROFILE),
                     "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events"] == 1504
    assert report["files"][0]["format"] == "profile_csv"


def test_a_spreadsheet_without_profile_is_refused_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(ImportRefused, match="profile"):
        build_case([Source(path)], tmp_path / "x.filature")


def test_incorrect_csv_is_importable_through_a_profile(tmp_path: Path) -> None:
    profile = _profile(tmp_path, {
        "time": {"column": "DT", "format": "%Y-%m-%d %H:%M:%S.%f", "zone": "UTC"},
        "kind": {"column": "data_type"}, "message": {"column": "message"},
        "title": {"template": "{Protocol}: {Info}"}})
    out = tmp_path / "c.filature"
    build_case([Source(DATA / "timesketch" / "incorrect.csv", profile=profile)], out)
    assert sql_rows(out, "SELECT ts, precision, kind, title FROM event") == [
        (1600466287470323, "microsecond", "pcap:wireshark:entry",
         "ARP: Who has 10.42.85.10? (ARP Probe)")]


# --- times ------------------------------------------------------------------------------------


def _import_times(tmp_path: Path, values: list[str], time: dict, *,
                  bad_rows: BadRowPolicy = BadRowPolicy.SKIP, fold: str = "range") -> Path:
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("when,what\n" + "".join(f"{v},row {i}\n" for i, v in enumerate(values)),
                        "utf-8")
    profile = _profile(tmp_path, {"time": time, "message": {"column": "what"}})
    out = tmp_path / "t.filature"
    build_case([Source(csv_path, profile=profile)], out, bad_rows=bad_rows, overwrite=True,
               fold=fold)  # type: ignore[arg-type]
    return out


def test_french_dates_are_day_first_and_dst_is_exact(tmp_path: Path) -> None:
    out = _import_times(tmp_path, ["03/07/2024 14:05", "31/03/2024 02:30", "27/10/2024 02:30"],
                        {"column": "when", "format": "%d/%m/%Y %H:%M", "zone": "Europe/Paris"})
    rows = sql_rows(out, "SELECT message, ts, precision, ts_min, ts_max FROM event ORDER BY id")
    summer = int(datetime.fromisoformat("2024-07-03T12:05:00+00:00").timestamp()) * 10**6
    assert rows[0] == ("row 0", summer, "minute", None, None)
    # 02:30 on 31 March does not exist in Paris: reported, not shifted
    log = sql_rows(out, "SELECT line, outcome, reason FROM import_log ORDER BY line")
    assert log[0][:2] == (3, "skipped") and "31/03/2024 02:30" in log[0][2]
    # 02:30 on 27 October happens twice: kept as the range of both readings (the CLI's
    # default fold policy)
    overlap = rows[1]
    assert overlap[0] == "row 2" and overlap[2] == "range"
    # from the first reading's minute to the end of the second's
    assert overlap[4] - overlap[3] + 1 == 3_600_000_000 + 60_000_000


def test_a_day_is_a_day_even_the_short_one(tmp_path: Path) -> None:
    out = _import_times(tmp_path, ["2024-03-31"],
                        {"column": "when", "format": "%Y-%m-%d", "zone": "Europe/Paris"})
    (ts, precision, lo, hi), = sql_rows(out, "SELECT ts, precision, ts_min, ts_max FROM event")
    assert precision == "day"
    assert ts == lo == int(datetime.fromisoformat("2024-03-30T23:00:00+00:00").timestamp()) * 10**6
    assert hi - lo + 1 == 23 * 3600 * 10**6  # the clocks went forward that day


def test_epoch_milliseconds_are_exact_and_nothing_is_guessed(tmp_path: Path) -> None:
    out = _import_times(tmp_path, ["1658689261123", "abc", ""],
                        {"column": "when", "format": "epoch_ms"})
    assert sql_rows(out, "SELECT ts, precision FROM event") == [(1658689261123000, "millisecond")]
    reasons = [r for (r,) in sql_rows(out, "SELECT reason FROM import_log ORDER BY line")]
    assert reasons == ["when 'abc' is not a number", "no time: when is blank"]


def test_offsets_in_the_text_need_no_zone(tmp_path: Path) -> None:
    out = _import_times(tmp_path, ["2024-07-03 14:05:00+0200"],
                        {"column": "when", "format": "%Y-%m-%d %H:%M:%S%z"})
    assert sql_value(out, "SELECT ts FROM event") == 1720008300 * 10**6


def test_a_wall_time_format_without_zone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="names no zone"):
        _import_times(tmp_path, ["03/07/2024 14:05"],
                      {"column": "when", "format": "%d/%m/%Y %H:%M"})


def test_the_cli_zone_serves_a_profile_without_one(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("when,what\n03/07/2024 14:05,a\n", "utf-8")
    profile = _profile(tmp_path, {"time": {"column": "when", "format": "%d/%m/%Y %H:%M"}})
    out = tmp_path / "t.filature"
    assert cli_main(["import", str(csv_path), "--profile", str(profile), "--tz",
                     "Europe/Paris", "--out", str(out)]) == 0
    assert sql_value(out, "SELECT ts FROM event") == 1720008300 * 10**6
    assert sql_value(out, "SELECT ts_zone FROM event") == "Europe/Paris"


def test_a_text_that_does_not_match_the_format_is_a_bad_row(tmp_path: Path) -> None:
    with pytest.raises(BadRowsFound, match="line 3"):
        _import_times(tmp_path, ["03/07/2024", "2024-07-03"],
                      {"column": "when", "format": "%d/%m/%Y", "zone": "UTC"},
                      bad_rows=BadRowPolicy.REJECT)


def test_dates_before_1677_are_read(tmp_path: Path) -> None:
    out = _import_times(tmp_path, ["01/01/1601 00:00"],
                        {"column": "when", "format": "%d/%m/%Y %H:%M", "zone": "UTC"})
    assert sql_value(out, "SELECT ts FROM event") == -11_644_473_600 * 10**6


# --- encodings, TSV, XLSX ---------------------------------------------------------------------


def test_latin1_crlf_tsv_with_quotes_as_text(tmp_path: Path) -> None:
    path = tmp_path / "orange.tsv"
    body = ("date\tnuméro\tcorrespondant\tdurée\r\n"
            "03/07/2024 14:05\t+33 6 12 34 56 78\t\"Dédé\t42\r\n"
            "03/07/2024 14:09\t+33 6 12 34 56 78\tMaëlle\t7\r\n")
    path.write_bytes(body.encode("latin-1"))
    profile = _profile(tmp_path, {
        "time": {"column": "date", "format": "%d/%m/%Y %H:%M", "zone": "Europe/Paris"},
        "kind": {"value": "message"}, "message": {"template": "call with {correspondant}"},
        "identifier": {"value": {"column": "numéro"}, "kind": {"value": "phone"}}})
    out = tmp_path / "o.filature"
    build_case([Source(path, profile=profile)], out)
    assert sql_rows(out, "SELECT message, source_record FROM event ORDER BY id") == [
        ('call with "Dédé', "line 2"), ("call with Maëlle", "line 3")]
    assert sql_rows(out, "SELECT kind, value FROM identifier") == [("phone", "+33 6 12 34 56 78")]
    assert sql_value(out, "SELECT encoding FROM import_file") == "latin-1"


def test_utf8_bom_csv(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffwhen,what\n2024-07-03,été\n".encode())
    profile = _profile(tmp_path, {"time": {"column": "when", "format": "%Y-%m-%d",
                                           "zone": "UTC"}, "message": {"column": "what"}})
    out = tmp_path / "b.filature"
    build_case([Source(path, profile=profile)], out)
    assert sql_value(out, "SELECT message FROM event") == "été"


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Réquisition"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_dates_numbers_and_names(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "snap.xlsx", [
        ["Horodatage", "Compte", "Montant", "Texte"],
        [datetime(2024, 7, 3, 14, 5, 9), "dealer_75", 50, "<img src=x> dispo"],
        [None, None, None, None],
        [datetime(2024, 7, 3, 14, 6), "dealer_75", 12.5, "ok"],
    ])
    profile = _profile(tmp_path, {
        "file": {"sheet": "Réquisition"},
        "time": {"column": "Horodatage", "format": "iso", "zone": "Europe/Paris"},
        "message": {"column": "Texte"}, "fields": {"amount": {"column": "Montant"},
                                                   "currency": {"value": "EUR"}},
        "actor": {"name": {"column": "Compte"}, "role": {"value": "seller"}},
        "platform": {"name": {"value": "Snapchat"}, "kind": {"value": "social"}},
        "identifier": {"value": {"column": "Compte"}, "kind": {"value": "account"}}})
    out = tmp_path / "s.filature"
    report = build_case([Source(path, profile=profile)], out)
    assert report.files[0].blank_records == 1
    assert sql_rows(out, "SELECT ts, amount, currency, message, source_record FROM event "
                         "ORDER BY id") == [
        (1720008309 * 10**6, 50.0, "EUR", "<img src=x> dispo", "line 2"),
        (1720008360 * 10**6, 12.5, "EUR", "ok", "line 4")]
    assert sql_value(out, "SELECT count(*) FROM actor") == 1
    assert sql_value(out, "SELECT format FROM import_file") == "profile_xlsx"


def test_a_broken_or_hostile_workbook_is_refused(tmp_path: Path) -> None:
    profile = _profile(tmp_path, {"time": {"column": "a", "format": "iso", "zone": "UTC"}})
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(ImportRefused, match="not an Excel workbook"):
        build_case([Source(renamed, profile=profile)], tmp_path / "x.filature")
    entity = tmp_path / "entity.xlsx"
    with zipfile.ZipFile(entity, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x '
                                          'SYSTEM "file:///etc/passwd">]><t>&x;</t>')
    with pytest.raises(ImportRefused, match="DTD"):
        build_case([Source(entity, profile=profile)], tmp_path / "x.filature")
    assert not (tmp_path / "x.filature").exists()


def test_a_number_that_is_not_one_is_noted_not_invented(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("when,price\n2024-07-03,12\n2024-07-03,about 10\n2024-07-03,\"7,5\"\n",
                    "utf-8")
    profile = _profile(tmp_path, {"time": {"column": "when", "format": "%Y-%m-%d",
                                           "zone": "UTC"},
                                  "fields": {"amount": {"column": "price"}}})
    out = tmp_path / "n.filature"
    build_case([Source(path, profile=profile)], out)
    amounts = [a for (a,) in sql_rows(out, "SELECT amount FROM event ORDER BY id")]
    assert amounts == [12.0, None, 7.5]
    assert sql_rows(out, "SELECT line, outcome FROM import_log") == [(3, "note")]


# --- profiles refused -------------------------------------------------------------------------


def test_a_value_map_rewrites_codes_and_checks_kinds() -> None:
    import numpy as np

    profile = parse_profile({"filature_profile": 1, "time": {"column": "t"}, "place": {
        "name": "c", "kind": {"column": "c", "map": {"EU": "other"}, "default": "country"}}})
    cells = {"c": np.asarray(["NL", "EU", "NL"], dtype=object)}
    assert profile.place is not None
    assert profile.place.kind.evaluate(cells, 3).tolist() == ["country", "other", "country"]
    with pytest.raises(ProfileError, match="each must be one of"):
        parse_profile({"filature_profile": 1, "time": {"column": "t"}, "place": {
            "name": "c", "kind": {"column": "c", "map": {"EU": "continent"}}}})
    with pytest.raises(ProfileError, match="not to a constant"):
        parse_profile({"filature_profile": 1, "time": {"column": "t"},
                       "kind": {"value": "x", "map": {"a": "b"}}})


@pytest.mark.parametrize(("body", "message"), [
    ({"time": {"column": "t"}, "colum": "x"}, "unknown key"),
    ({}, '"time" is required'),
    ({"time": {"column": "t", "format": "%q"}}, "strftime"),
    ({"time": {"column": "t"}, "title": {"template": "{a.__class__}"}}, "plain"),
    ({"time": {"column": "t"}, "title": {"template": "{a!r}"}}, "plain"),
    ({"time": {"column": "t"}, "actor": {"name": "a", "role": {"value": "boss"}}}, "one of"),
    ({"time": {"column": "t", "format": "%Y-%m-%d", "precision": "second"}}, "finer"),
])
def test_bad_profiles_are_refused_with_what_to_fix(body: dict, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile({"filature_profile": 1, **body})


def test_profile_version_json_and_size_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="filature_profile"):
        parse_profile({"filature_profile": 2, "time": {"column": "t"}})
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    with pytest.raises(ProfileError, match="not valid JSON"):
        load_profile(bad)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (2 << 20))
    with pytest.raises(ProfileError, match="small JSON"):
        load_profile(huge)


def test_a_profile_naming_a_missing_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("when,what\n2024-07-03,x\n", "utf-8")
    profile = _profile(tmp_path, {"time": {"column": "date", "format": "%Y-%m-%d",
                                           "zone": "UTC"}})
    with pytest.raises(ImportRefused, match="lacks: date"):
        build_case([Source(path, profile=profile)], tmp_path / "m.filature")


def test_the_shipped_profile_is_documented() -> None:
    readme = (ROOT / "docs" / "profiles" / "README.md").read_text("utf-8")
    assert "dream-market-listings.json" in readme
    assert load_profile(LISTINGS_PROFILE).name
