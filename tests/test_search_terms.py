"""The search summary (``search_term``) gives exactly what FTS5 gives, or steps aside."""

from __future__ import annotations

import shutil
import sqlite3
import zlib
from typing import TYPE_CHECKING

import numpy as np
import pytest

import storage.case.search_terms as search_terms
import storage.synthetic.chunks as synthetic_chunks
from storage.case.search_terms import SearchTerms, encode_ids, write_search_terms
from storage.reads.event_queries import search_event_ids
from storage.synthetic.generator import write_demo_case, write_synthetic_case

if TYPE_CHECKING:
    from pathlib import Path

N = 20_000
LOW = 150
"""Bitmap threshold for these small cases: frequent and rare terms, sparse and dense bitmaps."""

QUERIES = (
    "signal",  # frequent
    "sig",  # a prefix over frequent terms only
    "colis",  # a prefix over a frequent term and rare ones (colis, colissimo...)
    "col", "liv", "a",  # short prefixes; a one-letter word matches whole tokens only
    "reçu", "RECU", "colis reçu",  # accents and case are folded as FTS5 folds them
    "garde à vue", "perquisition", "scooter stealth",  # rare words, alone and with frequent
    "message signal", "on message payment",  # several frequent words
    "signal perquisition",  # a frequent word and a rare one
    "zzzz", "signal zzzz",  # a word no event holds
    "foo_bar", "menu-promo",  # words FTS5 reads as phrases
    '" OR 1=1 --', "NEAR(a b)",  # FTS5 syntax is text
)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20,000-event synthetic case whose summary was made by the generator's worker."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_terms, "BITMAP_MIN_DOCS", LOW)
        patch.setattr(synthetic_chunks, "CHUNK_EVENTS", 2000)
        path = tmp_path_factory.mktemp("terms") / "synthetic.filature"
        write_synthetic_case(path, N, seed=3)
    return path


def rows(path: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT term, docs, first_id, bits FROM search_term "
                           "ORDER BY term").fetchall()
    finally:
        con.close()


def both_ways(path: Path, query: str) -> tuple[np.ndarray, np.ndarray]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        terms = SearchTerms.of(con)
        assert terms is not None
        return (search_event_ids(con, query, has_fts=True),
                search_event_ids(con, query, has_fts=True, terms=terms))
    finally:
        con.close()


def test_generator_rows_are_those_read_back_from_the_index(
        case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's shortcut (text codes) and the generic writer (FTS5's vocabulary) agree."""
    monkeypatch.setattr(search_terms, "BITMAP_MIN_DOCS", LOW)
    copy = tmp_path / "rebuilt.filature"
    shutil.copy(case, copy)
    con = sqlite3.connect(copy, isolation_level=None)
    con.execute("BEGIN")
    con.execute("DROP TABLE search_term")
    write_search_terms(con)
    con.execute("COMMIT")
    con.close()
    made = rows(case)
    assert made == rows(copy)
    with_bits = [r for r in made if r[3] is not None]
    assert 5 < len(with_bits) < len(made)  # both kinds of terms are there
    assert all(r[1] >= LOW for r in with_bits)
    assert all(r[1] < LOW for r in made if r[3] is None)
    packed = {r[0]: len(zlib.decompress(r[3])) for r in with_bits}
    squeezed = [r for r in with_bits if len(r[3]) < packed[r[0]] // 2]
    stored = [r for r in with_bits if len(r[3]) > packed[r[0]]]
    assert squeezed and stored  # sparse bitmaps are compressed, dense ones stored


@pytest.mark.parametrize("query", QUERIES)
def test_summary_search_equals_fts5(case: Path, query: str) -> None:
    plain, summarised = both_ways(case, query)
    assert plain.tolist() == summarised.tolist()


def test_the_summary_answers_frequent_words(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """"signal" is answered from its bitmap alone: FTS5 is not asked."""
    import storage.case.search_terms as module

    def no_fts(*args: object) -> np.ndarray:
        raise AssertionError("FTS5 was asked")

    monkeypatch.setattr(module, "fts_ids", no_fts)
    con = sqlite3.connect(f"file:{case}?mode=ro", uri=True)
    try:
        terms = SearchTerms.of(con)
        assert terms is not None
        hits = terms.search(con.cursor(), ["signal"])
    finally:
        con.close()
    assert hits is not None and len(hits) > LOW


def test_demo_has_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "demo.filature"
    write_demo_case(path)
    terms = rows(path)
    assert terms and all(isinstance(t, str) and d > 0 for t, d, _, _ in terms)
    plain, summarised = both_ways(path, "colis")
    assert len(plain) > 0 and plain.tolist() == summarised.tolist()


@pytest.mark.parametrize("damage", [
    "UPDATE search_term SET bits = x'00112233' WHERE term = 'signal'",  # not zlib
    "UPDATE search_term SET docs = docs + 1 WHERE term = 'signal'",  # count disagrees
    "UPDATE search_term SET first_id = first_id + 3 WHERE term = 'signal'",  # misaligned
    "UPDATE search_term SET first_id = -8000 WHERE term = 'signal'",  # before the events
    "UPDATE search_term SET first_id = 'x' WHERE term = 'signal'",  # not a number
    "UPDATE search_term SET bits = zeroblob(10) WHERE term = 'signal'",
])
def test_a_damaged_summary_sends_the_search_to_fts5(case: Path, tmp_path: Path,
                                                     damage: str) -> None:
    copy = tmp_path / "damaged.filature"
    shutil.copy(case, copy)
    con = sqlite3.connect(copy)
    with con:
        con.execute(damage)
    con.close()
    for query in ("signal", "signal perquisition", "sig"):
        plain, summarised = both_ways(copy, query)
        assert plain.tolist() == summarised.tolist()


def test_a_bitmap_bigger_than_the_case_is_refused(case: Path, tmp_path: Path) -> None:
    """A hostile bitmap that inflates past the case's ids (a zip bomb) is not inflated."""
    copy = tmp_path / "bomb.filature"
    shutil.copy(case, copy)
    bomb = zlib.compress(b"\xff" * (N * 4), 9)
    con = sqlite3.connect(copy)
    with con:
        con.execute("UPDATE search_term SET bits = ?, docs = ? WHERE term = 'signal'",
                    (bomb, N * 32))
    con.close()
    plain, summarised = both_ways(copy, "signal")
    assert plain.tolist() == summarised.tolist()


def test_summary_is_ignored_without_its_index(case: Path, tmp_path: Path) -> None:
    """Trusted only beside the FTS5 index Filature declares (the same tokenizer made both)."""
    copy = tmp_path / "other-index.filature"
    shutil.copy(case, copy)
    con = sqlite3.connect(copy)
    with con:
        con.execute("DROP TABLE event_fts")
        con.execute("CREATE VIRTUAL TABLE event_fts USING fts5(title, message, "
                    "content='event', content_rowid='id', tokenize='porter')")
    assert SearchTerms.of(con) is None
    with con:
        con.execute("DROP TABLE search_term")
    assert SearchTerms.of(con) is None
    con.close()


@pytest.mark.parametrize("ids", [[1], [7, 8, 9], [8, 15, 16, 1000], [3, 64, 65, 4096]])
def test_bitmaps_start_on_a_multiple_of_eight(ids: list[int]) -> None:
    encoded = encode_ids(np.asarray(ids, dtype=np.int64))
    assert encoded is not None
    first_id, blob = encoded
    assert first_id % 8 == 0 and first_id <= ids[0] < first_id + 8
    bits = np.unpackbits(np.frombuffer(zlib.decompress(blob), dtype=np.uint8))
    assert (np.flatnonzero(bits) + first_id).tolist() == ids


def test_ids_spread_too_wide_for_bitmaps_go_to_fts5(case: Path, tmp_path: Path) -> None:
    """A hostile id near 2^62 must not make the search allocate a bitmap of every id."""
    copy = tmp_path / "spread.filature"
    shutil.copy(case, copy)
    con = sqlite3.connect(copy)
    with con:
        con.execute("UPDATE event SET id = ? WHERE id = (SELECT max(id) FROM event)",
                    (1 << 62,))
    assert SearchTerms.of(con) is None
    con.close()
