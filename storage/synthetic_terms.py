"""The search summary of a synthetic case, from the text codes its worker already holds.

Every synthetic event's text is one of a fixed set of titles and one of a fixed set of
messages (its "text code", ``title * 256 + message``), so the terms of an event are those of
its two texts. Counting events per code while the chunks go by, then looking each frequent
term up per code, gives exactly the rows that :func:`storage.search_terms.write_search_terms`
would read back from the FTS5 index, for a fraction of the time (a test compares both).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from storage import search_terms
from storage.search_terms import encode_mask, text_tokens

if TYPE_CHECKING:
    from collections.abc import Sequence

MESSAGE_CODES = 256
"""Messages per title in a text code (``title * MESSAGE_CODES + message``)."""


class TermCounter:
    """Counts events per text code as chunks arrive, then makes the ``search_term`` rows."""

    def __init__(self, titles: Sequence[str], messages: Sequence[str]) -> None:
        assert len(messages) <= MESSAGE_CODES
        self._titles = list(titles)
        self._messages = list(messages)
        self._counts = np.zeros(len(titles) * MESSAGE_CODES, dtype=np.int64)
        self._codes: list[np.ndarray] = []
        self._next_id = 1

    def add(self, first_id: int, codes: np.ndarray) -> None:
        """Count a chunk whose events, ids from ``first_id`` on, have the text ``codes``."""
        if first_id != self._next_id:
            raise ValueError(f"chunk starts at id {first_id}, expected {self._next_id}")
        self._counts += np.bincount(codes, minlength=len(self._counts))
        self._codes.append(codes)
        self._next_id += len(codes)

    def rows(self) -> list[tuple[str, int, int | None, bytes | None]]:
        """``(term, docs, first_id, bits)`` for every term of the case's texts."""
        title_terms = [set(t) for t in text_tokens(self._titles)]
        message_terms = [set(t) for t in text_tokens(self._messages)]
        vocabulary = sorted(set().union(*title_terms, *message_terms))
        codes = np.concatenate(self._codes) if self._codes else np.empty(0, dtype=np.int32)
        rows: list[tuple[str, int, int | None, bytes | None]] = []
        for term in vocabulary:
            in_title = np.fromiter((term in s for s in title_terms), dtype=bool,
                                   count=len(title_terms))
            in_message = np.zeros(MESSAGE_CODES, dtype=bool)
            in_message[: len(message_terms)] = [term in s for s in message_terms]
            has = (in_title[:, None] | in_message[None, :]).ravel()
            docs = int(self._counts[has].sum())
            if docs == 0:
                continue  # a text no event uses: not in the index either
            encoded = None
            if docs >= search_terms.BITMAP_MIN_DOCS:
                encoded = encode_mask(has[codes], 1)
            first_id, bits = encoded if encoded is not None else (None, None)
            rows.append((term, docs, first_id, bits))
        return rows
