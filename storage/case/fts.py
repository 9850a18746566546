"""The case's FTS5 index: its definition, and reading its matches as numpy id arrays.

Both text search and the writer of the search summary (:mod:`storage.case.search_terms`) need
"every rowid matching this FTS5 query, ascending", as fast as SQLite can hand them over.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import numpy as np

from storage.case.ints import parse_ints

#: Name of the optional full-text index over ``event.title`` and ``event.message``.
FTS_TABLE = "event_fts"
FTS_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "title, message, content='event', content_rowid='id', columnsize=0, "
    "tokenize='unicode61 remove_diacritics 2')"
)
"""External-content FTS5 index: the text lives once, in ``event``.

Writers build it once the events are in: ``FTS_REBUILD`` (the demo, hand-made cases), or,
for the synthetic generator, rows inserted by its worker into a side database whose shadow
tables are copied in (checked by FTS5's ``integrity-check`` in the tests).
"""

FTS_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 32
"""Words of a query beyond this are ignored (a pasted paragraph must not build a huge query)."""

_ID_PAGE = 1_000_000  # ids per group_concat page: at most ~20 MB of text, under the limits


def query_words(text: str) -> list[str]:
    """The words of what a user typed, as the search sees them (at most ``MAX_WORDS``)."""
    return _WORD.findall(text)[:MAX_WORDS]


def is_prefix_word(word: str) -> bool:
    """Whether ``word`` matches as a prefix (three letters or more) or as a whole token.

    A prefix of one or two letters matches most of the index ("garde à vue": 25 ms with
    ``"à"*``, 0.4 ms with ``"à"``, at 10⁶ events), so short words match whole tokens only.
    """
    return len(word) >= 3


def quote(text: str) -> str:
    """``text`` as an FTS5 string: inside it, FTS5 syntax is plain text."""
    return '"' + text.replace('"', '""') + '"'


def fts_query(text: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word quoted, all ANDed.

    FTS5 syntax (``NEAR``, ``-``, ``:``, quotes) in a search box would raise or surprise;
    quoting each word keeps the meaning "events containing all these words". Words of three
    letters or more match as prefixes (``colis`` finds ``colissimo``).
    """
    words = query_words(text)
    if not words:
        return None
    return " ".join(quote(w) + ("*" if is_prefix_word(w) else "") for w in words)


def fts_ids(cur: Any, query: str) -> np.ndarray:
    """Rowids matching the FTS5 ``query``, ascending, as one ``group_concat`` parsed by numpy.

    Fetching one row per hit costs a Python tuple and int each (0.19 s for 295,000 hits at
    10⁶ events); ``group_concat`` plus numpy's C parser takes 0.04 s. A result longer than
    SQLite's string limit (millions of hits) is read again a page at a time, following the
    rowid (keyset pagination); paging costs ~40 % more, so it is only the fallback.
    """
    try:
        cur.execute(f"SELECT group_concat(rowid), count(*) FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH ?", (query,))
        text, count = cur.fetchone()
    except sqlite3.Error:  # SQLITE_TOOBIG: more hits than one string may hold
        return _fts_ids_paged(cur, query)
    ids = parse_ints(text, count, "full-text index")
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        ids.sort()  # FTS5 answers in rowid order; a hostile index might not
    return ids


def _fts_ids_paged(cur: Any, query: str) -> np.ndarray:
    parts: list[np.ndarray] = []
    after = -(1 << 63)
    while True:
        cur.execute(
            f"SELECT group_concat(rowid), count(*), max(rowid) FROM (SELECT rowid FROM "
            f"{FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?)",
            (query, after, _ID_PAGE))
        text, count, last = cur.fetchone()
        if not count:
            break
        parts.append(parse_ints(text, count, "full-text index"))
        if count < _ID_PAGE:
            break
        after = int(last)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def fts_answers(cur: Any, probes: int = 5) -> bool:
    """Whether the index finds events it should: a few titles searched for their own words.

    A damaged index does not always raise: FTS5 reads a structure record overwritten with
    junk as "no documents", and every search then finds nothing, silently. Searching the
    first words of a few titles and expecting those rows costs a few index lookups, once per
    case. A case with no words to probe is taken as fine.
    """
    cur.execute("SELECT id, substr(title, 1, 200) FROM event WHERE typeof(id) = 'integer' "
                f"AND typeof(title) = 'text' AND title <> '' ORDER BY id LIMIT {int(probes)}")
    for ident, title in cur.fetchall():
        if type(title) is not str:  # a FlaggedText (not UTF-8), a blob…: not a probe
            continue
        words = [w for w in query_words(title) if w.isalnum()][:2]
        query = fts_query(" ".join(words)) if words else None
        if query is None:
            continue
        cur.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid = ?",
                    (query, ident))
        if not cur.fetchone()[0]:
            return False
    return True
