""""Fit all" shows the events' uncertainty and durations, within reach of their instants."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from widgets.timeline.view import BOUNDS_REACH_US, _fitted_span

DAY = 86_400_000_000
JULY_1 = 1_498_867_200_000_000


def _data(ts: list[int], lo: list[int], hi: list[int], end: list[int] | None = None):
    return SimpleNamespace(ts=np.asarray(ts), lo=np.asarray(lo), hi=np.asarray(hi),
                           end=np.asarray(end if end is not None else ts))


def test_a_month_known_only_as_a_month_is_shown_whole() -> None:
    month_end = JULY_1 + 31 * DAY - 1
    assert _fitted_span(_data([JULY_1] * 3, [JULY_1] * 3, [month_end] * 3)) == (JULY_1,
                                                                                month_end)


def test_durations_count_too() -> None:
    ts = [JULY_1, JULY_1 + DAY]
    assert _fitted_span(_data(ts, ts, ts, end=[JULY_1, JULY_1 + 3 * DAY]))[1] == JULY_1 + 3 * DAY


def test_a_bogus_bound_does_not_make_the_case_a_sliver() -> None:
    year_9999 = 253_370_764_800_000_000
    first, last = _fitted_span(_data([JULY_1], [0], [year_9999]))
    assert (first, last) == (JULY_1 - BOUNDS_REACH_US, JULY_1 + BOUNDS_REACH_US)
