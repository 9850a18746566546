"""A busy lane shows where its uncertain events may lie, not only their best estimates."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from widgets.timeline import Lane, TimelineData
from widgets.timeline.binning import D, H, LaneIndex
from widgets.timeline.frame import build_geometry, compute_frame
from widgets.timeline.uncertainty import LaneSpans

JULY_2017 = 1_498_867_200_000_000
AUGUST_2017 = 1_501_545_600_000_000


def _data(ts: np.ndarray, lo: np.ndarray, hi: np.ndarray, lane: np.ndarray,
          n_lanes: int = 2) -> TimelineData:
    order = np.argsort(ts, kind="stable")
    ts, lo, hi, lane = ts[order], lo[order], hi[order], lane[order]
    n = len(ts)
    return TimelineData(ts=ts, end=ts.copy(), lo=lo, hi=hi, ids=np.arange(1, n + 1),
                        kind=np.zeros(n, dtype=np.uint8), kind_names=("ad_posted",),
                        lane=lane.astype(np.int32),
                        lanes=tuple(Lane(f"l:{i}", f"Lane {i}") for i in range(n_lanes)))


def _listings(n: int = 1504) -> TimelineData:
    """The listings' shape: every ad known only as 'July 2017', one exact event beside."""
    ts = np.r_[np.full(n, JULY_2017), JULY_2017 + 40 * D].astype(np.int64)
    lo = np.r_[np.full(n, JULY_2017), JULY_2017 + 40 * D].astype(np.int64)
    hi = np.r_[np.full(n, AUGUST_2017 - 1), JULY_2017 + 40 * D].astype(np.int64)
    return _data(ts, lo, hi, np.r_[np.zeros(n), 1])


def test_spans_are_the_union_of_the_intervals() -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    ts = np.sort(rng.integers(0, 400 * D, n)).astype(np.int64)
    unc = rng.random(n) < 0.3
    lo, hi = ts.copy(), ts.copy()
    lo[unc] -= rng.integers(1, 3 * D, int(unc.sum()))
    hi[unc] += rng.integers(0, 3 * D, int(unc.sum()))
    lane = rng.integers(0, 3, n)
    data = _data(ts, lo, hi, lane, n_lanes=3)
    spans = LaneSpans(data, 3)
    assert spans.lanes() == [0, 1, 2]
    grid = np.arange(-4 * D, 404 * D, H)  # every hour: inside a span iff inside an interval
    for k in range(3):
        got = spans.within(k, -10 * D, 410 * D, 0)
        assert (np.diff(got.ravel()) > 0).all()  # disjoint, sorted
        mine = (data.lane == k) & ((data.lo < data.ts) | (data.hi > data.ts))
        a, b = data.lo[mine], data.hi[mine]
        want = ((grid[:, None] >= a) & (grid[:, None] <= b)).any(axis=1)
        inside = ((grid[:, None] >= got[:, 0]) & (grid[:, None] <= got[:, 1])).any(axis=1)
        assert (inside == want).all()


def test_a_busy_lane_of_month_long_times_draws_the_month() -> None:
    data = _listings()
    index = LaneIndex(data)
    frame = compute_frame(index, [0, 1], JULY_2017 - 30 * D, AUGUST_2017 + 30 * D, D,
                          detail_max=10)
    assert not frame.lanes[0].detail and frame.lanes[1].detail
    assert frame.lanes[0].spans.tolist() == [[JULY_2017, AUGUST_2017 - 1]]
    layout = SimpleNamespace(y0=np.array([0.0, 1.0]), height=np.array([1.0, 1.0]))
    geometry = build_geometry(frame, data, layout, JULY_2017, 1)
    # one whisker and its two caps, on the busy lane's middle, from 1 July to 31 July
    middle = geometry.whiskers[geometry.whiskers[:, 1] == geometry.whiskers[:, 3]]
    assert middle.tolist() == [[0.0, 0.5, (AUGUST_2017 - 1 - JULY_2017) * 1e-6, 0.5]]
    assert len(geometry.whiskers) == 3


def test_spans_narrower_than_two_bins_are_left_to_the_bars() -> None:
    data = _listings()
    index = LaneIndex(data)
    frame = compute_frame(index, [0], JULY_2017 - 400 * D, AUGUST_2017 + 400 * D, 30 * D,
                          detail_max=10)
    assert len(frame.lanes[0].spans) == 0  # a month at a month a bin: the bar says it all


def test_exact_times_have_no_spans() -> None:
    ts = np.arange(0, 100 * D, D, dtype=np.int64)
    data = _data(ts, ts.copy(), ts.copy(), np.zeros(len(ts)))
    index = LaneIndex(data)
    assert index.spans is None
    frame = compute_frame(index, [0], 0, 100 * D, D, detail_max=0)
    assert len(frame.lanes[0].spans) == 0


@pytest.mark.parametrize("lo", [np.iinfo(np.int64).min, -(1 << 62)])
def test_hostile_bounds_stay_finite_and_off_screen(lo: int) -> None:
    ts = np.full(50, JULY_2017, dtype=np.int64)
    data = _data(ts, np.full(50, lo), np.full(50, np.iinfo(np.int64).max), np.zeros(50))
    index = LaneIndex(data)
    frame = compute_frame(index, [0], JULY_2017 - D, JULY_2017 + D, H, detail_max=10)
    layout = SimpleNamespace(y0=np.array([0.0, 1.0]), height=np.array([1.0, 1.0]))
    w = build_geometry(frame, data, layout, JULY_2017, 1).whiskers
    assert len(w) and np.isfinite(w).all()
    assert w[:, 0].min() < -D * 1e-6 and w[:, 2].max() > D * 1e-6  # beyond both edges


def test_dense_lanes_draw_no_span_over_their_own_bars() -> None:
    """A year of hourly activity, a tenth of it known to ±1 h: the bars already say it."""
    rng = np.random.default_rng(3)
    ts = np.sort(rng.integers(JULY_2017, JULY_2017 + 365 * D, 50_000)).astype(np.int64)
    unc = rng.random(len(ts)) < 0.1
    lo, hi = ts - np.where(unc, H, 0), ts + np.where(unc, H, 0)
    data = _data(ts, lo, hi, np.zeros(len(ts)))
    frame = compute_frame(LaneIndex(data), [0], JULY_2017, JULY_2017 + 365 * D, 6 * H,
                          detail_max=10)
    assert len(frame.lanes[0].spans) == 0
