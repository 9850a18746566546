"""Columnar event reads: every column right, whatever the ids, NULLs and vague times."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pytest

from storage.case.opener import open_case
from storage.reads.event_queries import (
    ids_ordered_by,
    linked_event_ids,
    record_exists,
    search_event_ids,
)
from storage.reads.events import NO_ID, read_event_columns, read_kind_times
from tests.factories import EXHIBITS, T0, event_row, make_case

if TYPE_CHECKING:
    from pathlib import Path

M = 60_000_000
ROWS = [
    # id, ts, precision, ts_min, ts_max, end_ts, kind, actor_id, platform_id
    (10, T0 + 5 * M, "second", None, None, None, "payment", 1, 2),
    (3, T0 + 1 * M, "minute", None, None, None, "message", None, 1),  # implied span
    (7, T0 + 1 * M, "range", T0, T0 + 2 * M, None, "message", 2, None),  # same ts: by id
    (500, T0 + 9 * M, "second", None, None, T0 + 30 * M, "courier_round", 3, 3),  # interval
    (42, T0 + 2 * M, "second", None, None, None, "odd_kind", -5, 70_000),  # out of range
    (43, T0 + 3 * M, "day", None, None, None, "payment", 2**40, None),  # huge actor id
]


@pytest.fixture
def case(tmp_path: Path) -> Path:
    path = make_case(tmp_path / "reads.filature", events=0, fts=False)
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO event(id, ts, precision, ts_min, ts_max, end_ts, kind, title, actor_id, "
        "platform_id) VALUES (?, ?, ?, ?, ?, ?, ?, 't', ?, ?)", ROWS)
    con.commit()
    con.close()
    return path


def read(case: Path, kinds=None):
    with open_case(case) as source:
        con = source.connect()
        try:
            return read_event_columns(con, kinds)
        finally:
            con.close()


def test_columns_are_sorted_by_time_then_id_with_every_value(case: Path) -> None:
    c = read(case)
    assert c.id.tolist() == [3, 7, 42, 43, 10, 500]
    assert c.ts.tolist() == [T0 + M, T0 + M, T0 + 2 * M, T0 + 3 * M, T0 + 5 * M, T0 + 9 * M]
    day = 86_400_000_000
    midnight = T0 - T0 % day  # a "day" without bounds is the calendar day (zone: UTC here)
    assert c.lo.tolist() == [T0 + M, T0, T0 + 2 * M, midnight, T0 + 5 * M, T0 + 9 * M]
    assert c.hi.tolist() == [T0 + 2 * M, T0 + 2 * M, T0 + 2 * M, midnight + day,
                             T0 + 5 * M, T0 + 9 * M]
    assert c.end.tolist() == [*c.ts.tolist()[:5], T0 + 30 * M]
    assert c.actor.tolist() == [NO_ID, 2, -5, 2**40, 1, 3]
    assert c.platform.tolist() == [1, NO_ID, 70_000, NO_ID, 2, 3]
    names = [c.kinds[k] for k in c.kind]
    assert names == ["message", "message", "odd_kind", "payment", "payment", "courier_round"]


def test_kinds_not_asked_for_become_other(case: Path) -> None:
    c = read(case, ["payment", "message"])
    assert c.kinds == ("payment", "message", "other")
    assert [c.kinds[k] for k in c.kind] == ["message", "message", "other", "payment",
                                            "payment", "other"]


@pytest.mark.parametrize("value", ["'yesterday'", "1.5e300", "x'00ff'"])
def test_a_time_that_is_not_an_integer_reads_as_not_set(case: Path, value: str) -> None:
    """The row is kept (listed, counted by the value checks), its time read as 0."""
    con = sqlite3.connect(case)
    con.execute(f"UPDATE event SET ts = {value}, ts_min = 'soon' WHERE id = 10")
    con.commit()
    con.close()
    c = read(case)
    assert sorted(c.id.tolist()) == [3, 7, 10, 42, 43, 500]
    assert c.ts[c.id == 10].tolist() == [0]
    assert c.ts.tolist() == sorted(c.ts.tolist())
    with open_case(case) as source:
        con = source.connect()
        times = read_kind_times(con)
        con.close()
    assert sorted(times["payment"].tolist()) == [0, T0 + 3 * M]


def test_kind_times_match_the_columns(case: Path) -> None:
    c = read(case)
    with open_case(case) as source:
        con = source.connect()
        times = read_kind_times(con)
        con.close()
    for i, kind in enumerate(c.kinds):
        assert times[kind].tolist() == c.ts[c.kind == i].tolist()


def test_kind_times_page_through_equal_times(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 4 over runs of equal times longer than a page: nothing lost or read twice."""
    import storage.reads.events as events

    path = make_case(tmp_path / "ties.filature", events=0, fts=False)
    rng = np.random.default_rng(5)
    ts = np.sort(rng.choice([T0, T0 + M, T0 + 2 * M, T0 + 7 * M], size=61)).tolist()
    kinds = rng.choice(["message", "payment"], size=61).tolist()
    con = sqlite3.connect(path)
    con.executemany("INSERT INTO event(id, ts, kind, title) VALUES (?, ?, ?, 't')",
                    [(100 - i, t, k) for i, (t, k) in enumerate(zip(ts, kinds, strict=True))])
    con.commit()
    con.close()
    monkeypatch.setattr(events, "TEXT_PAGE", 4)
    with open_case(path) as source:
        con = source.connect()
        times = read_kind_times(con)
        con.close()
    for kind in ("message", "payment"):
        assert times[kind].tolist() == sorted(t for t, k in zip(ts, kinds, strict=True)
                                              if k == kind)


@pytest.mark.parametrize("bad", ["'yesterday'", "1.5", "'1,2'", "x'00'"])
def test_a_time_that_is_not_an_integer_reads_as_zero_in_kind_times(case: Path,
                                                                  bad: str) -> None:
    con = sqlite3.connect(case)
    con.execute(f"UPDATE event SET ts = {bad} WHERE id = 10")
    con.commit()
    con.close()
    with open_case(case) as source:
        con = source.connect()
        try:
            times = read_kind_times(con)
        finally:
            con.close()
    assert times["payment"].tolist() == [0, T0 + 3 * M]


def test_factory_case_round_trips_through_both_reads(tmp_path: Path) -> None:
    path = make_case(tmp_path / "f.filature", events=300)
    con = sqlite3.connect(path)
    expected = con.execute(
        "SELECT id, ts, coalesce(actor_id, -1), coalesce(platform_id, -1) FROM event "
        "ORDER BY ts, id").fetchall()
    con.close()
    c = read(path)
    got = list(zip(c.id.tolist(), c.ts.tolist(), c.actor.tolist(), c.platform.tolist(),
                   strict=True))
    assert got == [tuple(r) for r in expected]


def test_links_search_and_existence(tmp_path: Path) -> None:
    path = make_case(tmp_path / "f.filature", events=30)
    with open_case(path) as source:
        con = source.connect()
        assert record_exists(con, "event", 30) and not record_exists(con, "event", 31)
        assert record_exists(con, "shipment", 1) and not record_exists(con, "sqlite_schema", 1)
        assert linked_event_ids(con, "actor", 2).tolist() == list(range(2, 31, 4))
        shipment = linked_event_ids(con, "shipment", 1)
        assert len(shipment) > 0 and np.all(np.diff(shipment) > 0)
        assert linked_event_ids(con, "nonsense", 1).size == 0
        assert search_event_ids(con, "relay", has_fts=True).tolist() == list(range(3, 31, 3))
        assert search_event_ids(con, "relay", has_fts=False).tolist() == list(range(3, 31, 3))
        assert search_event_ids(con, '" OR 1=1 --', has_fts=True).size == 0
        con.close()


class _TooBig:
    """A connection whose one-string answers are 'too big', as with millions of hits."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    def cursor(self) -> _TooBig:
        self._cur = self._con.cursor()
        return self

    def execute(self, sql: str, params: tuple = ()) -> object:
        if "group_concat" in sql and "LIMIT" not in sql:
            raise sqlite3.DataError("string or blob too big")
        return self._cur.execute(sql, params)

    def fetchone(self) -> object:
        return self._cur.fetchone()


def test_search_pages_through_many_hits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.case.fts as fts

    path = make_case(tmp_path / "f.filature", events=100)
    with open_case(path) as source:
        con = source.connect()
        whole = search_event_ids(con, "parcel", has_fts=True)
        monkeypatch.setattr(fts, "_ID_PAGE", 7)
        paged = search_event_ids(_TooBig(con), "parcel", has_fts=True)
        con.close()
    assert len(whole) > 20 and np.array_equal(whole, paged)
    assert np.all(np.diff(paged) > 0)


def test_short_words_match_whole_tokens_only() -> None:
    from storage.case.fts import fts_query

    assert fts_query("garde à vue") == '"garde"* "à" "vue"*'
    assert fts_query('  "NEAR(x y)" -z ') == '"NEAR"* "x" "y" "z"'
    assert fts_query("!!!") is None


def test_kinds_by_skip_scan_and_its_fallback(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.reads.events as events

    with open_case(case) as source:
        con = source.connect()
        found = events.distinct_kinds(con)
        assert found == sorted({row[6] for row in ROWS})
        monkeypatch.setattr(events, "_SKIP_SCAN_LIMIT", 2)
        assert sorted(events.distinct_kinds(con)) == found
        times = read_kind_times(con)
        con.close()
    sizes = [len(v) for v in times.values()]
    assert sizes == sorted(sizes, reverse=True)  # most frequent first: the lanes' order


def test_kind_times_of_a_kind_without_events_are_empty(case: Path) -> None:
    with open_case(case) as source:
        con = source.connect()
        try:
            times = read_kind_times(con, ["payment", "no_such_kind"])
        finally:
            con.close()
    assert times["no_such_kind"].tolist() == [] and len(times["payment"]) == 2


@pytest.mark.parametrize("ascending", [True, False])
def test_text_columns_are_ordered_by_their_table_key(tmp_path: Path, ascending: bool) -> None:
    """``ids_ordered_by`` takes the table's column keys (never its translated header text)."""
    path = make_case(tmp_path / "order.filature", events=12, fts=False)
    rows = [event_row(i) for i in range(1, 13)]
    labels = {number: label for number, label, *_ in EXHIBITS}
    values = {  # key -> sort value of a factory row
        "title": lambda r: r[4],
        "amount": lambda r: (r[11] is not None, r[11] or 0.0),  # NULL first, as in SQLite
        "exhibit": lambda r: labels[r[13]],
    }
    with open_case(path) as source:
        con = source.connect()
        try:
            for key, value in values.items():
                expected = sorted(rows, key=lambda r: (r[1], r[0]))  # ties: time, then id
                expected.sort(key=value, reverse=not ascending)  # stable: ties keep that
                got = ids_ordered_by(con, key, ascending).tolist()
                assert got == [r[0] for r in expected], key
            with pytest.raises(KeyError):
                ids_ordered_by(con, "Title", ascending)  # the old header text is no key
        finally:
            con.close()
