"""Binning and the lane index: pure numpy, no Qt."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.timeline import Lane, TimelineData
from widgets.timeline.binning import (
    BIN_LADDER_US,
    MIN,
    D,
    H,
    IdLookup,
    LaneIndex,
    S,
    W,
    aligned_edges,
    bin_width_still_fits,
    choose_bin_width,
)
from widgets.timeline.frame import compute_frame

T0 = 1_704_067_200_000_000  # 2024-01-01T00:00Z


def make_data(n: int, n_lanes: int = 5, n_kinds: int = 4, seed: int = 1,
              span_us: int = 365 * D, intervals: bool = False) -> TimelineData:
    rng = np.random.default_rng(seed)
    ts = np.sort(rng.integers(T0, T0 + span_us, n)).astype(np.int64)
    end = ts.copy()
    lo = ts.copy()
    hi = ts.copy()
    if intervals:
        iv = rng.random(n) < 0.2
        end[iv] += rng.integers(1, 3 * D, int(iv.sum()))
        unc = rng.random(n) < 0.1
        lo[unc] -= H
        hi[unc] += H
    return TimelineData(
        ts=ts, end=end, lo=lo, hi=hi, ids=np.arange(n, dtype=np.int64) * 3 + 7,
        kind=rng.integers(0, n_kinds, n).astype(np.uint8),
        kind_names=tuple(f"k{i}" for i in range(n_kinds)),
        lane=rng.integers(0, n_lanes, n).astype(np.int32),
        lanes=tuple(Lane(f"l:{i}", f"Lane {i}") for i in range(n_lanes)),
    )


def _histogram_per_lane(data: TimelineData, lane: int, edges: np.ndarray) -> np.ndarray:
    ts = data.ts[data.lane == lane]
    # np.histogram closes the last bin on the right; our bins are [a, b) throughout
    counts, _ = np.histogram(ts[ts < edges[-1]], bins=edges)
    return counts


@pytest.mark.parametrize("bin_us", [5 * MIN, H, 6 * H, D, W, 13 * W, 7 * S])
@pytest.mark.parametrize("intervals", [False, True])
def test_counts_per_lane_equal_numpy_histogram(bin_us: int, intervals: bool) -> None:
    data = make_data(20_000, intervals=intervals)
    index = LaneIndex(data)
    start, end = T0 + 10 * D + 12345, T0 + 40 * D + 999
    edges = aligned_edges(start, end, bin_us)
    for lane in range(len(data.lanes)):
        counts = index.counts(index.lane_groups(lane), edges).sum(axis=0)
        np.testing.assert_array_equal(counts, _histogram_per_lane(data, lane, edges))


def test_table_and_searchsorted_paths_agree() -> None:
    data = make_data(30_000)
    with_table = LaneIndex(data)
    without = LaneIndex(data, cell_budget=0)
    assert with_table.table is not None and without.table is None
    edges = aligned_edges(T0, T0 + 365 * D, D)
    groups = np.arange(with_table.n_groups)
    np.testing.assert_array_equal(with_table.counts(groups, edges),
                                  without.counts(groups, edges))


@pytest.mark.parametrize(("lanes", "intervals"), [([0, 1, 2], False), ([3, 0, 5, 1], True)])
def test_frame_counts_per_kind_and_total(lanes: list[int], intervals: bool) -> None:
    # intervals: several extent classes per kind; lane 5 exists but holds no event
    data = make_data(10_000, intervals=intervals)
    data = TimelineData(ts=data.ts, end=data.end, lo=data.lo, hi=data.hi, ids=data.ids,
                        kind=data.kind, kind_names=data.kind_names, lane=data.lane,
                        lanes=(*data.lanes, Lane("l:5", "Empty")))
    index = LaneIndex(data)
    frame = compute_frame(index, lanes, T0, T0 + 365 * D, D, detail_max=0)
    assert sorted(frame.lanes) == sorted(lanes)
    for lane, lf in frame.lanes.items():
        assert lf.detail == (lf.count == 0)  # detail_max=0: only an empty lane is "detail"
        assert (lf.count == 0) == (lane == 5)
        np.testing.assert_array_equal(lf.totals, lf.kind_counts.sum(axis=0))
        for row, k in enumerate(lf.kinds):
            sel = (data.lane == lane) & (data.kind == k)
            expected, _ = np.histogram(data.ts[sel & (data.ts < frame.edges[-1])],
                                       bins=frame.edges)
            np.testing.assert_array_equal(lf.kind_counts[row], expected)


def test_bin_ladder_choice_gives_two_to_five_px_per_bin() -> None:
    assert list(BIN_LADDER_US) == sorted(BIN_LADDER_US)
    for span in (2 * S, 90 * S, 3 * H, 2 * D, 30 * D, 365 * D, 3 * 365 * D):
        width = choose_bin_width(span, 1200)
        assert width in BIN_LADDER_US
        px = width * 1200 / span
        assert 1.5 <= px <= 6.0, (span, width, px)
        assert bin_width_still_fits(width, span, 1200)
    assert choose_bin_width(365 * D, 1200) == D
    assert choose_bin_width(3 * H, 1200) == 30 * S


def test_edges_are_aligned_to_an_absolute_grid() -> None:
    for width in (S, 15 * MIN, H, 3 * H, D):
        edges = aligned_edges(T0 + 123_456_789, T0 + 50 * D + 17, width)
        assert np.all(edges % width == 0)
        assert edges[0] <= T0 + 123_456_789 and edges[-1] >= T0 + 50 * D + 17
        assert np.all(np.diff(edges) == width)
    # panning by half a bin keeps the same grid (no shimmer): shared edges coincide exactly
    a = aligned_edges(T0 + 5 * H + 1, T0 + 9 * D, H)
    b = aligned_edges(T0 + 5 * H + 1_800_000_000, T0 + 9 * D + 1_800_000_000, H)
    assert np.all(np.isin(a[1:], b))
    weeks = aligned_edges(T0, T0 + 100 * D, W)
    monday_1970 = 4 * D
    assert np.all((weeks - monday_1970) % W == 0)


def test_events_between_finds_intervals_reaching_in() -> None:
    lanes = (Lane("a", "A"),)
    ts = np.array([T0, T0 + 10 * D, T0 + 20 * D], dtype=np.int64)
    end = ts.copy()
    end[0] = T0 + 12 * D  # a long shipment leg spanning the window below
    data = TimelineData(ts=ts, end=end, lo=ts.copy(), hi=ts.copy(),
                        ids=np.array([1, 2, 3], dtype=np.int64),
                        kind=np.zeros(3, dtype=np.uint8), kind_names=("leg",),
                        lane=np.zeros(3, dtype=np.int32), lanes=lanes)
    index = LaneIndex(data)
    found = index.events_between(index.lane_groups(0), T0 + 9 * D, T0 + 11 * D)
    assert found is not None
    assert set(data.ids[found]) >= {1, 2}
    only_ts = index.events_between(index.lane_groups(0), T0 + 9 * D, T0 + 11 * D, reach=False)
    assert only_ts is not None and list(data.ids[only_ts]) == [2]


def test_hostile_values_do_not_crash_the_index() -> None:
    n = 6
    ts = np.arange(n, dtype=np.int64) * S + T0
    lo = ts.copy()
    lo[1] = np.iinfo(np.int64).min  # overflow bait
    end = ts.copy()
    end[2] = ts[2] - D  # ends before it starts
    data = TimelineData(ts=ts, end=end, lo=lo, hi=ts.copy(), ids=np.arange(n, dtype=np.int64),
                        kind=np.array([0, 1, 250, 0, 1, 0], dtype=np.uint8),
                        kind_names=("a", "b"),
                        lane=np.array([0, 1, 0, 7, -1, 1], dtype=np.int32),
                        lanes=(Lane("x", "X"), Lane("y", "Y")))
    index = LaneIndex(data)
    assert len(index.order) == 4  # lanes 7 and -1 are dropped
    edges = aligned_edges(T0, T0 + 10 * S, S)
    total = index.counts(np.arange(index.n_groups), edges).sum()
    assert total == 4


def test_empty_data_index() -> None:
    index = LaneIndex(TimelineData.empty())
    assert index.n_groups == 0
    assert index.counts(np.zeros(0, dtype=np.int64), aligned_edges(0, D, H)).shape == (0, 24)


def test_id_lookup_sorted_and_unsorted() -> None:
    ids = np.array([5, 9, 11, 40], dtype=np.int64)
    assert list(IdLookup(ids).positions(np.array([11, 5, 99]))) == [2, 0]
    shuffled = np.array([40, 5, 11, 9], dtype=np.int64)
    assert sorted(IdLookup(shuffled).positions(np.array([9, 40]))) == [0, 3]
    assert len(IdLookup(np.full(3, -1, dtype=np.int64)).positions(np.array([-1]))) == 0
