"""``search_term``: a summary of the full-text index that answers broad words at once.

FTS5 walks a word's whole doclist to list its matches: ~40 ns a hit to count them and ~120 ns
to hand them over, so a word found in a quarter of 10⁷ events (``signal``: 2.7 million) takes
0.4 s whatever the SQL. A case written by Filature therefore carries, beside its FTS5 index,
every indexed term with its number of events and, for the frequent ones, those events as a
compressed bitmap of ids. Frequent words are answered from the bitmaps in milliseconds; rare
words still go to FTS5, where they are fast.

The summary is derived from the FTS5 index and split into tokens by FTS5 itself (the writer
reads the index's own vocabulary; a query is tokenized by an in-memory FTS5 table with the
same tokenizer), so both ways give the same ids, and a test compares them. It is optional:
cases without it (hand-made, older, or whose index is declared differently) are searched
through FTS5 alone, and a damaged row sends the search back to FTS5 too.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.case.fts import FTS_DDL, FTS_TABLE, fts_ids, is_prefix_word, quote
from storage.case.text_hits import TextHits

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

log = logging.getLogger(__name__)

SEARCH_TERM_TABLE = "search_term"
SEARCH_TERM_DDL = (
    f"CREATE TABLE {SEARCH_TERM_TABLE} (term TEXT NOT NULL PRIMARY KEY, "
    "docs INTEGER NOT NULL, first_id INTEGER, bits BLOB) WITHOUT ROWID"
)
BITMAP_MIN_DOCS = 100_000
"""Terms in at least this many events get a bitmap. Below it FTS5 lists a term's events in
≤ 15 ms, and a bitmap (up to an eighth of a byte per event of the case) would not pay."""

_TOKENIZE = re.search(r"tokenize='([^']*)'", FTS_DDL)
assert _TOKENIZE is not None
TOKENIZER = _TOKENIZE.group(1)
MAX_ID_SPAN = 1 << 27
"""Widest range of event ids searched through bitmaps: a word's bitmap is 16 MB there (and
the last step unpacks it to one byte per id). Filature numbers events 1..n; a case whose
ids spread wider is searched through FTS5 alone."""
SPARSE_BELOW = 64
"""A bitmap with fewer than one bit in this many set is compressed; a denser one is stored."""
_RARE_BATCH = 200  # rare terms ORed in one FTS5 query
_RARE_MAX = 2000  # more rare terms than this under one prefix: let FTS5 do the whole word


def encode_mask(mask: np.ndarray, first_id: int) -> tuple[int, bytes] | None:
    """``(first_id, bits)`` of a term whose events are ``mask`` over ids from ``first_id``.

    The bitmap starts at the multiple of 8 at or before the term's first event, so that
    every bitmap of a case lines up byte for byte (words are combined with byte-wide AND and
    OR); it is packed eight ids a byte, most significant bit first, in zlib's format. Sparse
    bitmaps (under 1 bit in 64 set) are compressed at level 1, to a fifth or less; denser
    ones shrink less for ~20 ms of compression and cost ~4.5 ms of inflating at every search
    (1.25 MB at 10⁷ events), so they are stored as they are (zlib's stored blocks, inflated
    at memcpy speed): at 10⁷ events 101 MB of bitmaps instead of 80 MB, searches of 1–3 %
    words three times faster. None if the mask is empty.
    """
    lead = first_id % 8  # ids before first_id down to a multiple of 8
    if lead:
        mask = np.concatenate([np.zeros(lead, dtype=bool), mask])
    packed = np.packbits(mask)
    used = packed != 0
    if not used.any():
        return None
    start, stop = int(used.argmax()), len(packed) - int(used[::-1].argmax())
    packed = packed[start:stop]
    sparse = int(np.bitwise_count(packed).sum()) * SPARSE_BELOW < len(packed) * 8
    return first_id - lead + 8 * start, zlib.compress(packed.tobytes(), 1 if sparse else 0)


def encode_ids(ids: np.ndarray) -> tuple[int, bytes] | None:
    """``(first_id, bits)`` of a term found in the events ``ids`` (ascending)."""
    if ids.size == 0:
        return None
    first = int(ids[0]) // 8 * 8
    mask = np.zeros(int(ids[-1]) - first + 1, dtype=bool)
    mask[ids - first] = True
    return encode_mask(mask, first)


def write_search_terms(con: sqlite3.Connection) -> None:
    """Create and fill ``search_term`` from the case's FTS5 index (built just before).

    For any writer: the vocabulary comes from ``fts5vocab`` (one pass over the index), the
    bitmaps from one FTS5 query per frequent term. The synthetic generator knows its texts
    and computes the same rows faster (:mod:`storage.synthetic.terms`).
    """
    con.execute(SEARCH_TERM_DDL)
    con.execute(f"CREATE VIRTUAL TABLE temp.fts_vocab USING fts5vocab(main, {FTS_TABLE}, 'row')")
    try:
        vocab = con.execute("SELECT term, doc FROM temp.fts_vocab").fetchall()
    finally:
        con.execute("DROP TABLE temp.fts_vocab")
    cur = con.cursor()
    rows: list[tuple[str, int, int | None, bytes | None]] = []
    for term, docs in vocab:
        first_id: int | None = None
        bits: bytes | None = None
        if docs >= BITMAP_MIN_DOCS:
            encoded = encode_ids(fts_ids(cur, quote(term)))
            if encoded is not None:
                first_id, bits = encoded
        rows.append((term, docs, first_id, bits))
    insert_search_terms(con, rows)


def insert_search_terms(
    con: sqlite3.Connection, rows: Iterable[tuple[str, int, int | None, bytes | None]]
) -> None:
    """Insert ``(term, docs, first_id, bits)`` rows into ``search_term``."""
    con.executemany(f"INSERT INTO {SEARCH_TERM_TABLE} VALUES (?, ?, ?, ?)", rows)


def text_tokens(texts: Sequence[str]) -> list[list[str]]:
    """The tokens FTS5 makes of each text, by an in-memory table with the case's tokenizer.

    A query word may give several tokens (``foo_bar``: FTS5 then reads a phrase) or none.
    The table lives on a connection per thread (making it costs ~1 ms, a call ~0.1 ms).
    """
    con = getattr(_tokenizers, "con", None)
    if con is None:
        con = sqlite3.connect(":memory:")
        con.execute(f"CREATE VIRTUAL TABLE q USING fts5(w, tokenize='{TOKENIZER}')")
        con.execute("CREATE VIRTUAL TABLE qv USING fts5vocab(q, 'instance')")
        _tokenizers.con = con
    tokens: list[list[str]] = [[] for _ in texts]
    con.execute("BEGIN")
    try:
        con.executemany("INSERT INTO q(rowid, w) VALUES (?, ?)", enumerate(texts))
        for doc, term in con.execute('SELECT doc, term FROM qv ORDER BY doc, "offset"'):
            tokens[doc].append(term)
    finally:
        con.execute("ROLLBACK")
    return tokens


_tokenizers = threading.local()


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """The usable summary of one case: its event id range, checked once per case."""

    lo: int
    hi: int

    @classmethod
    def of(cls, con: Any) -> SearchTerms | None:
        """The case's summary, or None if it has none this version can trust.

        Trusted only next to an FTS5 index declared exactly as Filature declares it (the
        same tokenizer made both), and with the columns this version reads.
        """
        cur = con.cursor()
        cur.execute("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name IN (?, ?)",
                    (FTS_TABLE, SEARCH_TERM_TABLE))
        ddl = {_normalise(sql) for (sql,) in cur.fetchall() if isinstance(sql, str)}
        if ddl != {_normalise(FTS_DDL), _normalise(SEARCH_TERM_DDL)}:
            return None
        cur.execute("SELECT min(id) FROM event")
        (lo,) = cur.fetchone()
        cur.execute("SELECT max(id) FROM event")
        (hi,) = cur.fetchone()
        if not isinstance(lo, int) or not isinstance(hi, int) or hi - lo >= MAX_ID_SPAN:
            return None  # no events, or ids too spread out for a bitmap of them
        return cls(lo, hi)

    @property
    def _base(self) -> int:
        """The id of the first bit of a case-wide bitmap (bitmaps start at multiples of 8)."""
        return self.lo // 8 * 8

    def _empty_bits(self) -> np.ndarray:
        return np.zeros((self.hi - self._base) // 8 + 1, dtype=np.uint8)

    def search(self, cur: Any, words: Sequence[str]) -> TextHits | None:
        """Events holding every word; None where FTS5 must answer instead.

        Each word becomes the set of its terms (the token, or every term it starts). Words
        with a frequent term are read as bitmaps (ORed over the word's terms, ANDed over
        the words); the other words go to FTS5 together, and their few hits are looked up
        in the bitmaps. Words that FTS5 reads as phrases (several tokens) go to FTS5.
        """
        tokens = text_tokens(words)
        if any(len(t) != 1 for t in tokens):
            return None
        fts_words: list[str] = []
        frequent: list[list[tuple[Any, ...]]] = []
        for word, (token,) in zip(words, tokens, strict=True):
            terms = self._terms(cur, token, prefix=is_prefix_word(word))
            if not terms:
                return TextHits.of_ids(np.empty(0, dtype=np.int64))  # a word no event holds
            if any(bits is not None for _, _, _, bits in terms):
                frequent.append(terms)
            else:
                fts_words.append(quote(token) + ("*" if is_prefix_word(word) else ""))
        found: np.ndarray | None = None  # packed bits of the frequent words so far, ANDed
        for terms in frequent:
            bits = self._word_bits(cur, terms)
            if bits is None:
                return None
            found = bits if found is None else np.bitwise_and(found, bits, out=found)
        if fts_words:
            ids = fts_ids(cur, " ".join(fts_words))
            if found is None:
                return TextHits.of_ids(ids)
            return TextHits.of_ids(ids[self._has(found, ids)])
        assert found is not None
        return TextHits.of_bits(found, self._base)

    def _has(self, bits: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Whether each of ``ids`` is set in the case-wide ``bits`` (False out of range)."""
        offset = ids - self._base
        inside = (ids >= self.lo) & (ids <= self.hi)
        offset = np.where(inside, offset, 0)
        return inside & ((bits[offset >> 3] >> (7 - (offset & 7)).astype(np.uint8)) & 1 == 1)

    def _terms(self, cur: Any, token: str, *, prefix: bool) -> list[tuple[Any, ...]]:
        if prefix:
            # U+10FFFF is no letter or digit, so no token continues with it: the range
            # [token, token + U+10FFFF] holds exactly the terms that start with ``token``.
            cur.execute(f"SELECT term, docs, first_id, bits FROM {SEARCH_TERM_TABLE} "
                        "WHERE term >= ? AND term <= ?", (token, token + "\U0010ffff"))
        else:
            cur.execute(f"SELECT term, docs, first_id, bits FROM {SEARCH_TERM_TABLE} "
                        "WHERE term = ?", (token,))
        return [r for r in cur.fetchall() if isinstance(r[0], str) and r[0].startswith(token)]

    def _word_bits(self, cur: Any, terms: list[tuple[Any, ...]]) -> np.ndarray | None:
        """Events holding any of ``terms``, as case-wide packed bits; None if damaged."""
        bits = self._empty_bits()
        rare: list[str] = []
        for term, docs, first_id, blob in terms:
            if blob is None:
                rare.append(term)
            elif not self._add_bitmap(bits, term, docs, first_id, blob):
                return None
        if len(rare) > _RARE_MAX:
            return None
        for start in range(0, len(rare), _RARE_BATCH):
            batch = rare[start : start + _RARE_BATCH]
            ids = fts_ids(cur, " OR ".join(quote(t) for t in batch))
            offset = ids[(ids >= self.lo) & (ids <= self.hi)] - self._base
            np.bitwise_or.at(bits, offset >> 3, (128 >> (offset & 7)).astype(np.uint8))
        return bits

    def _add_bitmap(self, bits: np.ndarray, term: str, docs: object, first_id: object,
                    blob: object) -> bool:
        """OR one term's bitmap into ``bits``; False (logged) if the row does not hold up."""
        if not isinstance(first_id, int) or not isinstance(blob, bytes) or \
                not isinstance(docs, int) or first_id < self._base or first_id % 8 or \
                first_id > self.hi:
            return _damaged(term)
        start = (first_id - self._base) // 8
        room = len(bits) - start  # bytes the bitmap may inflate to
        inflate = zlib.decompressobj()
        try:
            packed = inflate.decompress(blob, room)
        except zlib.error:
            return _damaged(term)
        if inflate.unconsumed_tail or not inflate.eof:
            return _damaged(term)
        term_bits = np.frombuffer(packed, dtype=np.uint8)
        if int(np.bitwise_count(term_bits).sum()) != docs:
            return _damaged(term)
        window = bits[start : start + len(term_bits)]
        np.bitwise_or(window, term_bits, out=window)
        return True


def _damaged(term: str) -> bool:
    log.warning("search summary row for %r is damaged; searching the FTS5 index instead",
                term[:40])
    return False


def _normalise(sql: str) -> str:
    return re.sub(r"\s+", " ", sql.strip()).casefold()
