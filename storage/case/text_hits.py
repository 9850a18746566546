"""The events a text search found: a sorted id array, or a bitmap of ids.

A broad word at 10⁷ events (``signal``: 2.7 million hits) comes out of the search summary
as a bitmap. Listing its ids costs more than finding them (~12 ms to expand 10 million bits
into ids, ~20 ms more to turn those ids back into rows); the views' filter only needs a
mask over rows, which a bitmap of ids numbered like the rows gives directly (~2 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class TextHits:
    """Hits as ``ids`` (sorted, unique) or as packed ``bits`` whose first bit is id ``base``.

    Bits are packed eight ids a byte, most significant bit first (``np.packbits`` order).
    """

    ids_: np.ndarray | None = None
    bits: np.ndarray | None = None
    base: int = 0
    note: str | None = None
    """Why these hits came another way than asked (e.g. the index failed: a plain scan)."""

    @classmethod
    def of_ids(cls, ids: np.ndarray) -> TextHits:
        """Hits listed as sorted ids."""
        return cls(ids_=np.asarray(ids, dtype=np.int64))

    @classmethod
    def of_bits(cls, bits: np.ndarray, base: int) -> TextHits:
        """Hits as a packed bitmap of ids from ``base`` on."""
        return cls(bits=np.asarray(bits, dtype=np.uint8), base=int(base))

    def __len__(self) -> int:
        if self.ids_ is not None:
            return len(self.ids_)
        assert self.bits is not None
        return int(np.bitwise_count(self.bits).sum())

    def ids(self) -> np.ndarray:
        """The hits as sorted ids (expands a bitmap: ~12 ms for 10 million bits)."""
        if self.ids_ is not None:
            return self.ids_
        assert self.bits is not None
        ids = np.flatnonzero(np.unpackbits(self.bits).view(bool))
        ids += self.base
        return ids

    def id_range_mask(self, first_id: int, count: int) -> np.ndarray | None:
        """Whether each id of ``first_id .. first_id + count - 1`` is a hit; None for listed ids.

        For a bitmap only: the caller turns listed ids into rows its own way.
        """
        if self.bits is None:
            return None
        mask = np.zeros(count, dtype=bool)
        start = first_id - self.base  # bit of first_id in the bitmap
        lo, hi = max(start, 0), min(start + count, len(self.bits) * 8)
        if hi > lo:
            byte0 = lo // 8
            unpacked = np.unpackbits(self.bits[byte0 : (hi + 7) // 8]).view(bool)
            mask[lo - start : hi - start] = unpacked[lo - byte0 * 8 : hi - byte0 * 8]
        return mask
