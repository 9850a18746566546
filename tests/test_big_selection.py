"""A selection's heavy work runs on workers, and the views still show exactly the selection.

At 10^7 events one actor holds 376,270 events: finding them, their places in the timeline's
data and their rows in the table's order used to take ~0.7 s of the UI thread per click. The
views now get the answer (``RecordLinks``), the timeline's thinned marks and the table's rows
from worker tasks. These tests hold those tasks back (``HeldRunner``: the app's inline runner,
with a queue the test empties in the order it likes) to prove that:

- nothing is marked until the workers answer, then exactly the actor's events are, in the
  table, the timeline and the inspector's count, and the actor's own lane at once;
- the three views share one scan for the answer;
- a newer selection wins over a stale answer, whatever order the tasks end in, and marks or
  rows made for data a view no longer shows are dropped;
- what the workers build (thinned marks, id lookups, row layout searches) is the same as the
  plain computation it replaces.

The thresholds under which small selections are answered at once are set to zero here, so a
factory case of 40 events takes the same path as a case of 10^7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from app.controllers import record_links
from app.controllers import table as table_controller
from app.controllers import timeline as timeline_controller
from app.controllers.event_set import EventSet
from app.controllers.record_links import SelectionJob
from app.state import EntityRef
from app.workers import Runner, TaskContext, TaskHandle
from tests.factories import make_case
from tests.windows import open_and_wait
from widgets.event_table_model import RowLookup
from widgets.timeline import Lane, TimelineData
from widgets.timeline.binning import IdLookup
from widgets.timeline.rows import LaneLayout
from widgets.timeline.selection import THIN_ABOVE, selection_marks

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from app.main_window import MainWindow

EVENTS = 40
ACTOR_EVENTS = {a: list(range(a, EVENTS + 1, 4)) for a in (1, 2, 3, 4)}  # factory actors cycle


class HeldRunner(Runner):
    """The thread pool, but while ``hold`` is set tasks wait in ``queue`` for the test.

    ``run`` then runs one on the test's thread and delivers its result as ``Runner.submit``
    does (dropped when cancelled): the test decides when, and in which order, answers come.
    """

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.queue: list[tuple[Callable[[TaskContext], Any], TaskContext,
                               Callable[[Any], None], Callable[[BaseException], None] | None]] = []

    def submit(self, fn: Callable[[TaskContext], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None] | None = None,
               on_progress: Callable[[str, float], None] | None = None, *,
               background: bool = False) -> TaskHandle:
        if not self.hold:
            return super().submit(fn, on_done, on_error, on_progress, background=background)
        ctx = TaskContext()
        self.queue.append((fn, ctx, on_done, on_error))
        return TaskHandle(ctx)

    def pending(self) -> list[Callable[[TaskContext], Any]]:
        """The tasks queued, once the event loop has queued what it defers (SelectionJob)."""
        QApplication.processEvents()
        return [fn for fn, *_rest in self.queue]

    def run(self, index: int = 0) -> None:
        """Run one queued task and deliver its result as ``Runner.submit`` would."""
        self.pending()
        fn, ctx, on_done, on_error = self.queue.pop(index)
        try:
            result = fn(ctx)
        except Exception as exc:
            if not ctx.cancelled() and on_error is not None:
                on_error(exc)
            return
        if not ctx.cancelled():
            on_done(result)

    def run_all(self, *, newest_first: bool = False) -> None:
        """Run every queued task, and those they queue, oldest (or newest) first."""
        while self.pending():
            self.run(-1 if newest_first else 0)


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "big.filature", events=EVENTS)


@pytest.fixture
def held(qtbot, case: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[MainWindow, HeldRunner]:
    """An open window whose selection work always goes through (held) worker tasks."""
    from app.main_window import MainWindow
    from app.settings import Settings

    monkeypatch.setattr(record_links, "AT_ONCE_EVENTS", 0)
    monkeypatch.setattr(timeline_controller, "AT_ONCE_IDS", 0)
    monkeypatch.setattr(table_controller, "AT_ONCE_IDS", 0)
    runner = HeldRunner()
    window = MainWindow(runner, settings=Settings(), persist=False)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    open_and_wait(window, qtbot, case)
    runner.wait_done()
    QApplication.processEvents()  # results of the opening's last tasks
    runner.hold = True
    yield window, runner
    runner.hold = False
    window.close()


def marked_in_timeline(window: MainWindow) -> list[int]:
    """Event ids the timeline's overlay marks."""
    return sorted(window.timeline.marked_ids().tolist())


def selected_in_table(window: MainWindow) -> list[int]:
    return sorted(window.table.selected_ids().tolist())


def test_actor_is_marked_exactly_once_the_workers_answer(held) -> None:
    window, runner = held
    window.select(EntityRef("actor", 2))
    assert marked_in_timeline(window) == [] and selected_in_table(window) == []
    assert runner.pending(), "the actor's events are found on a worker"
    assert marked_in_timeline(window) == [] and selected_in_table(window) == []
    runner.run_all()
    assert marked_in_timeline(window) == ACTOR_EVENTS[2]
    assert selected_in_table(window) == ACTOR_EVENTS[2]
    assert window.timeline.overlay.selection_size == len(ACTOR_EVENTS[2])
    assert f"{len(ACTOR_EVENTS[2]):,}" in window.inspector.text()  # the record's event count


def test_actor_lane_is_marked_at_once_when_lanes_are_by_actor(held) -> None:
    window, runner = held
    window.evidence.set_lane_mode("actor")
    runner.run_all()
    keys = [lane.key for lane in window.timeline.data.lanes]
    window.select(EntityRef("actor", 3))
    assert window.timeline.lane_axis.marked() == frozenset({keys.index("actor:3")})
    runner.run_all()
    assert marked_in_timeline(window) == ACTOR_EVENTS[3]
    data = window.timeline.data
    marked = np.isin(data.ids, window.timeline.marked_ids())
    assert {data.lanes[int(lane)].key for lane in data.lane[marked]} == {"actor:3"}


def test_the_views_share_one_scan(held, monkeypatch: pytest.MonkeyPatch) -> None:
    window, runner = held
    asked: list[tuple[str, int]] = []
    original = EventSet.ids_for

    def counted(self: EventSet, kind: str, ident: int) -> np.ndarray | None:
        asked.append((kind, ident))
        return original(self, kind, ident)

    monkeypatch.setattr(EventSet, "ids_for", counted)
    window.select(EntityRef("actor", 4))
    runner.run_all()
    assert asked.count(("actor", 4)) == 1
    assert selected_in_table(window) == ACTOR_EVENTS[4]


@pytest.mark.parametrize("newest_first", [False, True])
def test_a_newer_selection_wins_over_a_stale_answer(held, newest_first: bool) -> None:
    window, runner = held
    window.select(EntityRef("actor", 1))
    window.select(EntityRef("actor", 3))
    runner.run_all(newest_first=newest_first)
    assert marked_in_timeline(window) == ACTOR_EVENTS[3]
    assert selected_in_table(window) == ACTOR_EVENTS[3]
    assert window.inspector.text().startswith("Actor 3")


def test_stale_marks_do_not_follow_a_selection_shown_since(held) -> None:
    window, runner = held
    window.select(EntityRef("actor", 1))
    runner.run(0)  # one view's answer comes; the others' are still on their way
    window.select(EntityRef("actor", 2))
    runner.run_all(newest_first=True)  # actor 2 first, then actor 1's late marks and rows
    assert marked_in_timeline(window) == ACTOR_EVENTS[2]
    assert selected_in_table(window) == ACTOR_EVENTS[2]
    window.select(None)
    runner.run_all()
    assert marked_in_timeline(window) == [] and selected_in_table(window) == []


def test_marks_and_rows_for_replaced_data_are_dropped(held) -> None:
    window, runner = held
    ids = np.asarray(ACTOR_EVENTS[1], dtype=np.int64)
    old_marks = window.timeline.selection_marker()(ids)
    old_rows = window.table.selection_builder()(ids)
    window.evidence.set_lane_mode("platform")  # new timeline data, a new table order
    runner.run_all()
    window.table.sig_sort_requested.emit("kind", False)
    assert window.timeline.show_selection(old_marks) is False
    assert window.table.show_selection(old_rows) is False
    assert marked_in_timeline(window) == [] and selected_in_table(window) == []
    assert window.timeline.show_selection(window.timeline.selection_marker()(ids)) is True
    assert window.table.show_selection(window.table.selection_builder()(ids)) is True
    assert marked_in_timeline(window) == ACTOR_EVENTS[1]
    assert selected_in_table(window) == ACTOR_EVENTS[1]


def test_selection_follows_new_data_and_a_new_order(held) -> None:
    window, runner = held
    window.select(EntityRef("actor", 2))
    runner.run_all()
    window.table.sig_sort_requested.emit("actor", True)
    runner.run_all()
    assert selected_in_table(window) == ACTOR_EVENTS[2]
    window.evidence.set_lane_mode("actor")
    runner.run_all()
    assert marked_in_timeline(window) == ACTOR_EVENTS[2]


def events_citing(window: MainWindow, column: str) -> dict[int, list[int]]:
    """Record id → the events whose ``column`` names it, as the case says."""
    con = window.session.source.connect()
    try:
        rows = con.execute(f"SELECT {column}, id FROM event WHERE {column} IS NOT NULL "
                           "ORDER BY id").fetchall()
    finally:
        con.close()
    out: dict[int, list[int]] = {}
    for record, event in rows:
        out.setdefault(int(record), []).append(int(event))
    return out


def test_records_read_from_the_case_are_read_once_for_every_view(held) -> None:
    window, runner = held
    events_of = events_citing(window, "identifier_id")
    first, second = sorted(events_of)[:2]
    window.select(EntityRef("identifier", first))
    reads = [fn for fn in runner.pending() if "RecordLinks" in fn.__qualname__]
    assert len(reads) == 1, "one read of the case, shared by the three views"
    window.select(EntityRef("identifier", second))
    runner.run_all(newest_first=True)  # the second identifier's read ends first
    assert marked_in_timeline(window) == events_of[second]
    assert selected_in_table(window) == events_of[second]
    assert window.inspector.text().startswith(f"Identifier {second}")
    shipment, scans = next(iter(events_citing(window, "shipment_id").items()))
    window.select(EntityRef("shipment", shipment))
    runner.run_all()
    assert marked_in_timeline(window) == scans
    assert selected_in_table(window) == scans
    assert window.inspector.text().startswith(f"Shipment {shipment}")


def test_selection_work_is_queued_after_the_click_and_replaced_work_never_runs(qtbot) -> None:
    runner = Runner()
    job: SelectionJob[str] = SelectionJob(runner)
    ran: list[str] = []
    got: list[str] = []

    def task(name: str) -> Callable[[TaskContext], str]:
        return lambda _ctx: ran.append(name) or name

    job.request(task("old"), got.append)
    job.request(task("new"), got.append)
    assert ran == [], "nothing is queued before the other handlers have queued theirs"
    qtbot.waitUntil(lambda: got == ["new"], timeout=5_000)
    job.request(task("cancelled"), got.append)
    job.cancel()
    runner.wait_done()
    QApplication.processEvents()
    runner.wait_done()
    QApplication.processEvents()
    assert ran == ["new"] and got == ["new"]
    inline: SelectionJob[str] = SelectionJob(Runner(inline=True))
    inline.request(task("at once"), got.append)
    assert got == ["new", "at once"]


# -- what the workers build, against the plain computation ----------------------------------
def _data(n: int, lanes: int, seed: int, *, dense: bool = True) -> TimelineData:
    rng = np.random.default_rng(seed)
    ts = np.sort(rng.integers(1_600_000_000_000_000, 1_700_000_000_000_000, n))
    ids = (np.arange(1, n + 1) if dense else np.sort(rng.choice(10 * n, n, replace=False)) + 1)
    kind = rng.integers(0, 5, n).astype(np.uint8)
    lane = rng.integers(0, lanes, n).astype(np.uint8)
    return TimelineData(ts=ts, end=ts, lo=ts, hi=ts, ids=ids.astype(np.int64), kind=kind,
                        kind_names=tuple(f"k{i}" for i in range(5)), lane=lane,
                        lanes=tuple(Lane(f"kind:{i}", str(i)) for i in range(lanes)))


@pytest.mark.parametrize("dense", [True, False])
def test_thinned_levels_keep_one_mark_per_lane_and_bin(dense: bool) -> None:
    data = _data(60_000, 6, seed=3, dense=dense)
    rng = np.random.default_rng(4)
    wanted = np.sort(rng.choice(data.ids, 4 * THIN_ABOVE, replace=False))
    marks = selection_marks(data, IdLookup(data.ids), np.append(wanted, [-5, 10**12]))
    assert len(marks) == len(wanted)
    np.testing.assert_array_equal(data.ids[marks.positions], wanted)
    assert marks.levels, "a selection this large is thinned"
    ts = data.ts[marks.positions]
    origin = int(data.ts[0])
    shifts = [level.shift for level in marks.levels]
    assert shifts == sorted(shifts)
    assert sum(len(level.x) for level in marks.levels) <= 2 * len(marks)
    for level in marks.levels:
        assert np.all(np.diff(level.x) >= 0)
        rep_ts = np.round(level.x * 1e6).astype(np.int64) + origin
        reps = set(zip(level.lane.tolist(), (rep_ts >> level.shift).tolist(), strict=True))
        every = set(zip(marks.lane.tolist(), (ts >> level.shift).tolist(), strict=True))
        assert reps == every and len(reps) == len(level.x)  # one per (lane, bin), none lost
    px_us = float(1 << (marks.levels[-1].shift + 1))
    assert marks.level_for(px_us) is marks.levels[-1]
    assert marks.level_for((1 << marks.levels[0].shift) - 1) is None


def test_a_small_selection_is_not_thinned_and_paints(qtbot) -> None:
    from widgets.timeline import TimelineView

    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    data = _data(30_000, 4, seed=5)
    view.set_data(data)
    small = selection_marks(data, IdLookup(data.ids), data.ids[:10])
    assert small.levels == ()
    assert view.show_selection(view.selection_marker()(data.ids[::3]))
    assert view.overlay.selection_size == len(data.ids[::3])
    view.grab()  # zoomed out: drawn from a level
    first = int(data.ts[0])
    view.show_range(first, first + 3_600_000_000)
    view.grab()  # zoomed in: what is in view, thinned or whole
    view.set_data(data)  # same ids marked again in the new data
    assert view.overlay.selection_size == len(data.ids[::3])


@pytest.mark.parametrize("kind", ["dense", "dense-descending", "gaps", "shuffled"])
def test_row_lookup_finds_the_rows_a_search_would(kind: str) -> None:
    rng = np.random.default_rng(9)
    ids = np.arange(100, 1_100, dtype=np.int64)
    if kind == "dense-descending":
        ids = ids[::-1].copy()
    elif kind == "gaps":
        ids = np.sort(rng.choice(10_000, 1_000, replace=False)).astype(np.int64)
    elif kind == "shuffled":
        ids = rng.permutation(ids)
    wanted = np.concatenate([rng.choice(ids, 50), [-1, 0, 99, 1_100, 10**9]])
    expected = np.array([int(np.flatnonzero(ids == w)[0]) if w in ids else -1 for w in wanted])
    np.testing.assert_array_equal(RowLookup(ids).rows_of(wanted), expected)
    positions = IdLookup(ids).positions(wanted)
    np.testing.assert_array_equal(positions, expected[expected >= 0])


def test_lane_layout_searches_match_a_scan_of_the_rows() -> None:
    layout = LaneLayout()
    lanes = [Lane(f"actor:{i}", str(i)) for i in range(50)]
    layout.set_lanes(lanes)
    for key in ("actor:3", "actor:10", "actor:11"):
        layout.set_collapsed(key, True)
    layout.set_hidden(frozenset({"actor:7", "actor:20"}))
    layout.move("actor:30", -25)

    def scan_at(y: float) -> int | None:
        return next((i for i in layout.display
                     if layout.y0[i] <= y < layout.y0[i] + layout.height[i]), None)

    def scan_in(a: float, b: float) -> list[int]:
        return [i for i in layout.display
                if layout.y0[i] < b and layout.y0[i] + layout.height[i] > a]

    for y in np.linspace(-2.0, layout.total + 2.0, 400):
        assert layout.lane_at(float(y)) == scan_at(float(y))
    for a, b in [(-1.0, 0.5), (3.2, 9.9), (0.0, layout.total), (10.0, 10.0), (40.0, 99.0)]:
        assert layout.lanes_in(a, b) == scan_in(a, b)


def test_event_rows_of_dense_ids_match_the_search() -> None:
    from storage.reads.events import EventColumns

    n = 500
    ts = np.arange(n, dtype=np.int64) * 10 + 1_600_000_000_000_000
    minus = np.full(n, -1, dtype=np.int64)
    for ids in (np.arange(7, 7 + n, dtype=np.int64), np.arange(7, 7 + 2 * n, 2, dtype=np.int64)):
        columns = EventColumns(id=ids, ts=ts, end=ts, lo=ts, hi=ts,
                               kind=np.zeros(n, dtype=np.uint8), kinds=("message",),
                               actor=minus, platform=minus)
        events = EventSet(columns, {}, {})
        wanted = np.array([ids[3], ids[-1], 0, ids[-1] + 1, ids[10]], dtype=np.int64)
        np.testing.assert_array_equal(events.rows_in_order(wanted), [3, n - 1, 10])


def test_on_the_thread_pool_the_last_selection_is_shown(held, qtbot) -> None:
    window, runner = held
    runner.hold = False  # real worker threads: answers come in whatever order they finish
    for actor in (1, 2, 3, 4, 2):
        window.select(EntityRef("actor", actor))
    qtbot.waitUntil(lambda: selected_in_table(window) == ACTOR_EVENTS[2]
                    and marked_in_timeline(window) == ACTOR_EVENTS[2], timeout=5_000)
    runner.wait_done()
    QApplication.processEvents()  # any late answer for an older selection
    assert selected_in_table(window) == ACTOR_EVENTS[2]
    assert marked_in_timeline(window) == ACTOR_EVENTS[2]
    qtbot.waitUntil(lambda: window.inspector.text().startswith("Actor 2"), timeout=5_000)
