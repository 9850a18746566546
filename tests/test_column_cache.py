"""The column cache: same columns back, never stale, never trusted when broken."""

from __future__ import annotations

import json
import os
import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pytest

from storage.reads import column_cache
from storage.reads.events import distinct_kinds, read_event_columns
from tests.factories import make_case

if TYPE_CHECKING:
    from pathlib import Path

    from storage.reads.events import EventColumns

FIELDS = ("id", "ts", "end", "lo", "hi", "kind", "actor", "platform")


def read(path: Path) -> tuple[list[str], EventColumns]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        kinds = distinct_kinds(con)
        return kinds, read_event_columns(con, kinds)
    finally:
        con.close()


def same(a: EventColumns, b: EventColumns) -> bool:
    return a.kinds == b.kinds and all(np.array_equal(getattr(a, f), getattr(b, f))
                                      for f in FIELDS)


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "cached.filature", events=500)


def entries() -> list[Path]:
    folder = column_cache._folder()
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


def test_saved_columns_come_back_read_only(case: Path) -> None:
    kinds, columns = read(case)
    assert column_cache.load(case, kinds, len(columns)) is None  # nothing kept yet
    column_cache.save(case, kinds, columns)
    again = column_cache.load(case, kinds, len(columns))
    assert again is not None and same(columns, again)
    assert not again.ts.flags.writeable  # a memory map of the cache file: views only read
    assert len(entries()) == 1


def test_a_changed_file_is_a_miss(case: Path) -> None:
    kinds, columns = read(case)
    column_cache.save(case, kinds, columns)
    con = sqlite3.connect(case)
    with con:
        con.execute("UPDATE event SET ts = ts + 1 WHERE id = 1")
    con.close()
    assert column_cache.load(case, kinds, len(columns)) is None


def test_a_wal_file_beside_the_case_is_part_of_its_identity(case: Path) -> None:
    kinds, columns = read(case)
    column_cache.save(case, kinds, columns)
    before = column_cache.entry_key(case)
    case.with_name(case.name + "-wal").write_bytes(b"\0" * 32)
    assert column_cache.entry_key(case) != before
    assert column_cache.load(case, kinds, len(columns)) is None


def test_other_kinds_or_count_are_a_miss(case: Path) -> None:
    kinds, columns = read(case)
    column_cache.save(case, kinds, columns)
    assert column_cache.load(case, list(reversed(kinds)), len(columns)) is None
    assert column_cache.load(case, kinds, len(columns) + 1) is None


@pytest.mark.parametrize("damage", ["truncate", "meta", "unsorted", "kind"])
def test_a_broken_entry_is_dropped(case: Path, damage: str) -> None:
    kinds, columns = read(case)
    column_cache.save(case, kinds, columns)
    (entry,) = entries()
    if damage == "truncate":
        data = (entry / "ts.npy").read_bytes()
        (entry / "ts.npy").write_bytes(data[: len(data) // 2])
    elif damage == "meta":
        (entry / "columns.json").write_text("{not json", encoding="utf-8")
    elif damage == "unsorted":
        np.save(entry / "ts.npy", columns.ts[::-1].copy())
    else:
        np.save(entry / "kind.npy", np.full(len(columns), 250, dtype=np.uint8))
    assert column_cache.load(case, kinds, len(columns)) is None
    assert entries() == []


def test_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    cases = [make_case(tmp_path / f"c{i}.filature", events=300) for i in range(3)]
    for i, path in enumerate(cases):
        kinds, columns = read(path)
        column_cache.save(path, kinds, columns)
        entry = column_cache._folder() / str(column_cache.entry_key(path))
        os.utime(entry, (1_000_000 + i, 1_000_000 + i))
    size = sum(f.stat().st_size for e in entries() for f in e.iterdir())
    column_cache.evict(column_cache._folder(), limit=size * 2 // 3)
    kept = {p.name for p in entries()}
    assert str(column_cache.entry_key(cases[0])) not in kept  # the oldest went
    assert str(column_cache.entry_key(cases[2])) in kept


def test_reopening_a_case_uses_its_columns(qtbot, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's second opening of a case reads no event columns from SQLite."""
    import app.controllers.case_events as evidence
    from app.main_window import MainWindow
    from app.settings import Settings
    from app.workers import Runner

    monkeypatch.setattr(evidence, "CACHE_FROM_EVENTS", 100)
    case = make_case(tmp_path / "reopen.filature", events=600)
    reads: list[int] = []
    real = evidence.read_event_columns

    def counted(*args: object, **kwargs: object) -> EventColumns:
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence, "read_event_columns", counted)
    window = MainWindow(Runner(), settings=Settings(), persist=False)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        window.open_case(case)
    first = window.timeline.data
    first_ids, first_ts = first.ids.copy(), first.ts.copy()
    qtbot.waitUntil(lambda: len(entries()) == 1, timeout=10_000)  # written beside the views
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        window.open_case(case)
    assert reads == [1]
    again = window.timeline.data
    assert np.array_equal(again.ids, first_ids) and np.array_equal(again.ts, first_ts)
    assert json.loads((entries()[0] / "columns.json").read_text())["events"] == 600
    window.close()
