"""Search hits as ids or as a bitmap give the same rows to every view."""

from __future__ import annotations

import numpy as np
import pytest

from storage.case.text_hits import TextHits


def as_bits(ids: list[int], base: int, nbits: int) -> TextHits:
    mask = np.zeros(nbits, dtype=bool)
    mask[np.asarray(ids, dtype=np.int64) - base] = True
    return TextHits.of_bits(np.packbits(mask), base)


IDS = [1, 2, 9, 16, 17, 40, 63, 64, 100]


@pytest.mark.parametrize("base", [0, 1 - 1, -7, -8])
def test_bitmap_and_ids_agree(base: int) -> None:
    hits = as_bits(IDS, base, 128 - base)
    assert hits.ids().tolist() == IDS
    assert len(hits) == len(IDS) == len(TextHits.of_ids(np.asarray(IDS)))


@pytest.mark.parametrize(("first", "count"), [(1, 100), (0, 130), (5, 10), (9, 1), (60, 200),
                                               (101, 5), (-20, 30), (200, 10)])
def test_id_range_mask(first: int, count: int) -> None:
    """Any window of ids, aligned on a byte or not, inside the bitmap or reaching past it."""
    hits = as_bits(IDS, 0, 104)
    mask = hits.id_range_mask(first, count)
    assert mask is not None and mask.dtype == bool and len(mask) == count
    expected = [first + i in IDS for i in range(count)]
    assert mask.tolist() == expected
    assert TextHits.of_ids(np.asarray(IDS)).id_range_mask(first, count) is None


def test_event_set_filters_the_same_with_ids_or_bits() -> None:
    from app.controllers.event_set import EventSet
    from app.state import Filters
    from storage.reads.events import EventColumns

    def event_set(ids: np.ndarray) -> EventSet:
        n = len(ids)
        ts = np.arange(n, dtype=np.int64) * 1_000_000
        columns = EventColumns(id=ids, ts=ts, end=ts, lo=ts, hi=ts,
                               kind=np.zeros(n, dtype=np.uint8),
                               actor=np.full(n, -1, dtype=np.int64),
                               platform=np.full(n, -1, dtype=np.int32), kinds=("message",))
        return EventSet(columns, {}, {})

    wanted = [3, 4, 10, 11, 12, 50, 99]
    for ids in (np.arange(1, 101, dtype=np.int64),  # 1..n: the bitmap is the mask
                np.arange(1, 201, 2, dtype=np.int64),  # gaps: ids are looked up
                np.arange(100, 0, -1, dtype=np.int64)):  # not in time order
        events = event_set(ids)
        from_ids = events.filter_rows(Filters(), TextHits.of_ids(np.asarray(wanted)))
        from_bits = events.filter_rows(Filters(), as_bits(wanted, 0, 256))
        assert from_ids.tolist() == from_bits.tolist()
        assert sorted(ids[from_ids].tolist()) == sorted(set(wanted) & set(ids.tolist()))
