"""Packed source fields (``event_attribute.fields``): written exactly, read back safely."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pytest

from storage.case.opener import open_case
from storage.exports.timesketch import event_objects
from storage.importers.case_build import Source, build_case
from storage.importers.packed_fields import PackedFields, fields_json, fields_objects
from storage.reads.event_extras import read_event_extras

if TYPE_CHECKING:
    from pathlib import Path

NASTY = ['a"b\\c', "\x00z", "é★🔥", "\u2028x", "</script>", "/var/log/", "\\/", "\t\n\r",
         "\x7f\x1b", "<img src=x onerror=alert(1)>", "a\\", "null", ":null", "{}"]


def _col(values: list[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def _rows(packed: PackedFields, first: int = 1) -> dict[int, dict[str, object]]:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE event_attribute(event_id INTEGER PRIMARY KEY, fields TEXT)")
    con.execute(packed.sql, (first, packed.text))
    return {eid: json.loads(f) for eid, f in con.execute("SELECT * FROM event_attribute")}


@pytest.mark.parametrize("dense", [True, False])
def test_every_text_comes_back_exactly(dense: bool) -> None:
    n = len(NASTY)
    fields = {"name": _col(NASTY), "same": _col(["x"] * n)}
    if not dense:  # mostly blank columns: each object made from its own cells
        fields.update({f"k{j}": _col([""] * n) for j in range(6)})
        fields["k0"][3] = "only here"
    rows = _rows(fields_json(fields, n), first=10)
    assert [rows[10 + i]["name"] for i in range(n)] == NASTY
    assert list(rows[10]) == ["name", "same"]  # the source's order, blank columns absent
    if not dense:
        assert rows[13] == {"name": NASTY[3], "k0": "only here", "same": "x"}


def test_blank_cells_are_no_members_and_blank_events_no_rows() -> None:
    fields = {"a": _col(["1", "", "", "4"]), "b": _col(["x", "", "null", ""])}
    rows = _rows(fields_json(fields, 4))
    assert rows == {1: {"a": "1", "b": "x"}, 3: {"b": "null"}, 4: {"a": "4"}}


def test_multi_valued_columns_are_lists() -> None:
    fields = {"to": _col([["GB", "FR"], [], ["WW"]]), "n": _col(["1", "2", "3"])}
    rows = _rows(fields_json(fields, 3))
    assert rows == {1: {"to": ["GB", "FR"], "n": "1"}, 2: {"n": "2"}, 3: {"to": ["WW"], "n": "3"}}


def test_long_form_fields_gather_repeated_keys() -> None:
    rows = dict(fields_objects([5, 5, 5, 6], ["a", "to", "to", "a"], ["1", "GB", "FR", ""]))
    assert {k: json.loads(v) for k, v in rows.items()} == {5: {"a": "1", "to": ["GB", "FR"]}}


def _case(tmp_path: Path) -> Path:
    src = tmp_path / "t.csv"
    src.write_text("message,datetime,timestamp_desc,data_type,filename\n"
                   "hello,2024-03-31T01:30:00+00:00,Write time,fs:stat,/etc/<b>x</b>\n"
                   "again,2024-03-31T01:31:00+00:00,Write time,fs:stat,\n", encoding="utf-8")
    out = tmp_path / "case.filature"
    build_case([Source(src)], out)
    return out


def _extras(case: Path, event: int):
    with open_case(case) as opened:
        con = opened.connect()
        try:
            return read_event_extras(con, event)
        finally:
            con.close()


def test_the_inspector_reads_an_events_fields_in_order(tmp_path: Path) -> None:
    extras = _extras(_case(tmp_path), 1)
    assert extras.attributes == [("timestamp_desc", "Write time"), ("data_type", "fs:stat"),
                                 ("filename", "/etc/<b>x</b>")]
    assert extras.attributes_total == 3 and extras.attributes_unreadable is None
    assert [k for k, _v in _extras(tmp_path / "case.filature", 2).attributes] == [
        "timestamp_desc", "data_type"]


@pytest.mark.parametrize("fields", ["not json", "[1, 2]", "42", '{"a": '])
def test_a_tampered_fields_row_is_said_not_shown(tmp_path: Path, fields: str) -> None:
    case = _case(tmp_path)
    con = sqlite3.connect(case)
    con.execute("UPDATE event_attribute SET fields = ? WHERE event_id = 1", (fields,))
    con.commit()
    con.close()
    extras = _extras(case, 1)
    assert extras.attributes == [] and not extras.empty
    assert extras.attributes_unreadable == "the source fields are not a JSON object: not shown"
    with open_case(case) as opened:  # the export leaves them out rather than guessing
        c = opened.connect()
        try:
            objs = list(event_objects(c))
        finally:
            c.close()
    assert "data_type" not in objs[0] and objs[1]["data_type"] == "fs:stat"


def test_a_table_of_another_shape_is_said_not_shown(tmp_path: Path) -> None:
    case = _case(tmp_path)
    con = sqlite3.connect(case)
    con.execute("DROP TABLE event_attribute")
    con.execute("CREATE TABLE event_attribute(id INTEGER PRIMARY KEY, event_id, key, value)")
    con.execute("INSERT INTO event_attribute(event_id, key, value) VALUES (1, 'k', 'v')")
    con.commit()
    con.close()
    extras = _extras(case, 1)
    assert extras.attributes == []
    assert "not the case format's" in (extras.attributes_unreadable or "")


def test_list_values_are_shown_joined(tmp_path: Path) -> None:
    case = _case(tmp_path)
    con = sqlite3.connect(case)
    con.execute("UPDATE event_attribute SET fields = ? WHERE event_id = 1",
                ('{"to": ["GB", "FR"], "blank": null, "n": 3}',))
    con.commit()
    con.close()
    extras = _extras(case, 1)
    assert [(k, str(v)) for k, v in extras.attributes] == [("to", "GB, FR"), ("n", "3")]


@pytest.mark.parametrize("names", [("a", "b"), ("a/b", 'q"\\'), ("x\x01", "é★")])
def test_blank_cells_of_any_column_name_are_no_members(names: tuple[str, str]) -> None:
    first, second = names
    fields = {first: _col(["1", "", "3", ""]), second: _col(["", "", "z", ',"a":null'])}
    packed = fields_json(fields, 4)
    assert _rows(packed) == {1: {first: "1"}, 3: {first: "3", second: "z"},
                             4: {second: ',"a":null'}}
