"""The investigator's own notes, tags and bookmarks, kept apart from the evidence.

Evidence is read-only: a case opened for viewing is never written. What the user adds lives in
one SQLite file in the platformdirs user data folder (``notes.sqlite3``), keyed by the SHA-256
of the case, so a copy of the same case finds its notes again and two cases never mix.

Durability rules (``NOTES-untrusted-input.md``, "Notes must survive crashes"):

- WAL journal with ``synchronous=FULL``: a commit that returned survives an application crash
  and a power loss (WAL with ``NORMAL`` can lose the last commits on power loss).
- Every public write is one ``BEGIN IMMEDIATE`` ... ``COMMIT`` and returns only after COMMIT
  returned, so the UI may say "saved" as soon as the call comes back.
- Any failure rolls the transaction back, leaving earlier data as it was, and surfaces as a
  :class:`NotesError` whose one-line message the UI can show as it is.
- This module never deletes, truncates or downgrades a file: one that is damaged, foreign or
  written by a newer Filature is refused and left byte-for-byte as it was.

Errors: :class:`NotesError` for what the user should be told (disk full, read-only folder,
damaged file, a note deleted in another window, a blank tag); ``ValueError``/``TypeError`` for
caller bugs (malformed SHA-256, unknown ``ref_kind``, a bookmark ending before it starts).
"""

from __future__ import annotations

import operator
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resources.entities import ENTITY_KINDS
from storage import paths
from storage.notes import schema as notes_schema
from storage.notes.schema import NotesError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from types import TracebackType

__all__ = ["REF_KINDS", "Bookmark", "Note", "NotesError", "NotesStore"]

REF_KINDS = frozenset({"case", *ENTITY_KINDS})
"""What a note, tag or bookmark may be about: the case itself or any record a view selects."""
"""What a note, tag or bookmark may point at; ``("case", 0)`` is the whole case."""

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class Note:
    """One note as stored; times are UTC microseconds since the epoch."""

    id: int
    case_sha256: str
    ref_kind: str
    ref_id: int
    text: str
    created_us: int
    modified_us: int


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A named time window of a case, with the references it was made for, in their order."""

    id: int
    case_sha256: str
    name: str
    start_us: int
    end_us: int
    refs: tuple[tuple[str, int], ...]
    created_us: int


class NotesStore:
    """The user's notes file, safe to share between the UI thread and workers.

    One connection opened with ``check_same_thread=False``; a lock serialises its use because a
    sqlite3 connection (and its transaction state) must not be driven by two threads at once.
    Other windows or processes open their own ``NotesStore`` on the same file: WAL lets them
    read while one writes, and ``busy_timeout`` makes concurrent writers queue.

    Parameters
    ----------
    path
        The notes file; by default ``notes.sqlite3`` in :func:`storage.paths.user_data_dir`.
        Never a path inside a case folder.

    Raises
    ------
    NotesError
        If the file cannot be created or opened, is damaged or not a notes file, or was written
        by a newer Filature. The file is then left untouched.
    """

    path: Path

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        if path is None:
            try:
                path = paths.user_data_dir() / "notes.sqlite3"
            except OSError as exc:
                raise NotesError(
                    notes_schema.one_line(f"Cannot create the notes folder: {exc}.")
                ) from exc
        self.path = Path(path)
        self._con = notes_schema.open_notes_file(self.path)

    # ----------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close the file; further calls raise :class:`NotesError`. Safe to call twice."""
        with self._lock:  # waits for a worker's transaction in flight to finish
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> NotesStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------------ test-only hook

    def _set_max_page_count(self, pages: int) -> int:
        """Cap the file size of this connection (tests simulate a full disk with it).

        ``max_page_count`` is per connection and never set below the current size; the
        effective cap is returned.
        """
        with self._lock:
            con = self._connection()
            return int(notes_schema.pragma(con, f"max_page_count = {int(pages)}"))

    # -------------------------------------------------------------------------------- notes

    def add_note(self, case_sha256: str, ref_kind: str, ref_id: int, text: str) -> Note:
        """Save a new note on ``(ref_kind, ref_id)`` of a case; returns it once committed."""
        case = _check_case(case_sha256)
        kind, rid = _check_ref(ref_kind, ref_id)
        _check_text(text, "note")
        now = _now_us()
        with self._transaction("save the note", write=True) as con:
            cur = con.execute(
                "INSERT INTO note (case_sha256, ref_kind, ref_id, text, created_us, modified_us)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (case, kind, rid, text, now, now),
            )
            note_id = int(cur.lastrowid or 0)
        return Note(note_id, case, kind, rid, text, now, now)

    def update_note(self, note_id: int, text: str) -> Note:
        """Replace a note's text.

        Raises
        ------
        NotesError
            If the note no longer exists (deleted in another window): the caller still holds
            the text and can save it as a new note instead of losing it.
        """
        nid = _check_int(note_id, "note_id")
        _check_text(text, "note")
        now = _now_us()
        with self._transaction("save the note", write=True) as con:
            row = con.execute(
                "SELECT case_sha256, ref_kind, ref_id, created_us FROM note WHERE id = ?", (nid,)
            ).fetchone()
            if row is None:
                raise NotesError(
                    "This note no longer exists (deleted in another window?); "
                    "its new text was not saved."
                )
            case, kind, rid, created = row
            modified = max(now, created)  # a clock set back must not put an edit before birth
            con.execute(
                "UPDATE note SET text = ?, modified_us = ? WHERE id = ?", (text, modified, nid)
            )
        return Note(nid, case, kind, rid, text, created, modified)

    def delete_note(self, note_id: int) -> None:
        """Delete a note; deleting one that is already gone does nothing."""
        nid = _check_int(note_id, "note_id")
        with self._transaction("delete the note", write=True) as con:
            con.execute("DELETE FROM note WHERE id = ?", (nid,))

    def notes(
        self, case_sha256: str, ref_kind: str | None = None, ref_id: int | None = None
    ) -> list[Note]:
        """Notes of a case, oldest first; narrowed to a kind, or to one reference."""
        case = _check_case(case_sha256)
        sql = (
            "SELECT id, case_sha256, ref_kind, ref_id, text, created_us, modified_us"
            " FROM note WHERE case_sha256 = ?"
        )
        params: list[Any] = [case]
        if ref_kind is None:
            if ref_id is not None:
                raise ValueError("ref_id given without ref_kind")
        elif ref_id is None:
            if ref_kind not in REF_KINDS:
                raise ValueError(f"unknown ref_kind {ref_kind!r}")
            sql += " AND ref_kind = ?"
            params.append(ref_kind)
        else:
            sql += " AND ref_kind = ? AND ref_id = ?"
            params.extend(_check_ref(ref_kind, ref_id))
        sql += " ORDER BY created_us, id"
        with self._transaction("read the notes", write=False) as con:
            rows = con.execute(sql, params).fetchall()
        return [Note(*row) for row in rows]

    # --------------------------------------------------------------------------------- tags

    def add_tag(self, case_sha256: str, ref_kind: str, ref_id: int, tag: str) -> None:
        """Tag a reference; tagging it again with the same tag does nothing."""
        case = _check_case(case_sha256)
        kind, rid = _check_ref(ref_kind, ref_id)
        _check_tag(tag)
        with self._transaction("save the tag", write=True) as con:
            con.execute(
                "INSERT INTO tag (case_sha256, ref_kind, ref_id, tag, created_us)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (case, kind, rid, tag, _now_us()),
            )

    def remove_tag(self, case_sha256: str, ref_kind: str, ref_id: int, tag: str) -> None:
        """Remove a tag from a reference; removing an absent tag does nothing."""
        case = _check_case(case_sha256)
        kind, rid = _check_ref(ref_kind, ref_id)
        _check_text(tag, "tag")
        with self._transaction("remove the tag", write=True) as con:
            con.execute(
                "DELETE FROM tag WHERE case_sha256 = ? AND ref_kind = ? AND ref_id = ? AND tag = ?",
                (case, kind, rid, tag),
            )

    def tags(self, case_sha256: str, ref_kind: str, ref_id: int) -> list[str]:
        """Tags on one reference, sorted (case-insensitively, then exactly)."""
        case = _check_case(case_sha256)
        kind, rid = _check_ref(ref_kind, ref_id)
        with self._transaction("read the tags", write=False) as con:
            rows = con.execute(
                "SELECT tag FROM tag WHERE case_sha256 = ? AND ref_kind = ? AND ref_id = ?"
                " ORDER BY tag COLLATE NOCASE, tag",
                (case, kind, rid),
            ).fetchall()
        return [str(tag) for (tag,) in rows]

    def case_tags(self, case_sha256: str) -> list[str]:
        """Every tag used in a case, sorted (case-insensitively, then exactly)."""
        case = _check_case(case_sha256)
        with self._transaction("read the tags", write=False) as con:
            rows = con.execute(
                "SELECT DISTINCT tag FROM tag WHERE case_sha256 = ?"
                " ORDER BY tag COLLATE NOCASE, tag",
                (case,),
            ).fetchall()
        return [str(tag) for (tag,) in rows]

    def tagged(self, case_sha256: str, tag: str) -> list[tuple[str, int]]:
        """References of a case carrying exactly ``tag``, sorted by kind then id."""
        case = _check_case(case_sha256)
        _check_text(tag, "tag")
        with self._transaction("read the tags", write=False) as con:
            rows = con.execute(
                "SELECT ref_kind, ref_id FROM tag WHERE case_sha256 = ? AND tag = ?"
                " ORDER BY ref_kind, ref_id",
                (case, tag),
            ).fetchall()
        return [(str(kind), int(rid)) for kind, rid in rows]

    def annotated(self, case_sha256: str, ref_kind: str) -> dict[int, tuple[tuple[str, ...], int]]:
        """Every record of one kind carrying tags or notes: ``{id: (tags, notes)}``.

        What a list view (the event table, the timeline's tooltips) needs to mark its rows
        without one lookup per painted row: users annotate hundreds of records, not millions.
        """
        case = _check_case(case_sha256)
        if ref_kind not in REF_KINDS:
            raise ValueError(f"unknown ref_kind {ref_kind!r}")
        out: dict[int, tuple[list[str], int]] = {}
        with self._transaction("read the tags", write=False) as con:
            for rid, tag in con.execute(
                "SELECT ref_id, tag FROM tag WHERE case_sha256 = ? AND ref_kind = ?"
                " ORDER BY ref_id, tag COLLATE NOCASE, tag", (case, ref_kind)):
                out.setdefault(int(rid), ([], 0))[0].append(str(tag))
            for rid, n in con.execute(
                "SELECT ref_id, count(*) FROM note WHERE case_sha256 = ? AND ref_kind = ?"
                " GROUP BY ref_id", (case, ref_kind)):
                tags = out.get(int(rid), ([], 0))[0]
                out[int(rid)] = (tags, int(n))
        return {rid: (tuple(tags), n) for rid, (tags, n) in out.items()}

    # ---------------------------------------------------------------------------- tile packs

    def add_tile_pack(self, sha256: str, path: str, name: str, size: int) -> None:
        """Record an offline map tile pack the user added (again: its path is updated)."""
        sha = _check_case(sha256)
        _check_text(path, "path")
        with self._transaction("save the tile pack", write=True) as con:
            con.execute(
                "INSERT INTO tile_pack (sha256, path, name, bytes, added_us) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, name = excluded.name",
                (sha, path, name[:500], int(size), _now_us()),
            )

    def tile_packs(self) -> list[tuple[str, str, str, int]]:
        """Every tile pack added: (sha256, path, name, bytes), most recent first."""
        with self._transaction("read the tile packs", write=False) as con:
            rows = con.execute(
                "SELECT sha256, path, name, bytes FROM tile_pack ORDER BY added_us DESC"
            ).fetchall()
        return [(str(a), str(b), str(c), int(d)) for a, b, c, d in rows]

    # ---------------------------------------------------------------------------- bookmarks

    def add_bookmark(
        self,
        case_sha256: str,
        name: str,
        start_us: int,
        end_us: int,
        refs: Iterable[tuple[str, int]] = (),
    ) -> Bookmark:
        """Save a named time window ``[start_us, end_us]``; repeated refs are kept once."""
        case = _check_case(case_sha256)
        _check_text(name, "bookmark name")
        start = _check_int(start_us, "start_us")
        end = _check_int(end_us, "end_us")
        if end < start:
            raise ValueError(f"bookmark ends ({end}) before it starts ({start})")
        checked = tuple(dict.fromkeys(_check_ref(kind, rid) for kind, rid in refs))
        now = _now_us()
        with self._transaction("save the bookmark", write=True) as con:
            cur = con.execute(
                "INSERT INTO bookmark (case_sha256, name, start_us, end_us, created_us)"
                " VALUES (?, ?, ?, ?, ?)",
                (case, name, start, end, now),
            )
            bookmark_id = int(cur.lastrowid or 0)
            con.executemany(
                "INSERT INTO bookmark_ref (bookmark_id, pos, ref_kind, ref_id) VALUES (?, ?, ?, ?)",
                ((bookmark_id, pos, kind, rid) for pos, (kind, rid) in enumerate(checked)),
            )
        return Bookmark(bookmark_id, case, name, start, end, checked, now)

    def bookmarks(self, case_sha256: str) -> list[Bookmark]:
        """Bookmarks of a case, in time order (start, then creation)."""
        case = _check_case(case_sha256)
        with self._transaction("read the bookmarks", write=False) as con:
            rows = con.execute(
                "SELECT id, name, start_us, end_us, created_us FROM bookmark"
                " WHERE case_sha256 = ? ORDER BY start_us, id",
                (case,),
            ).fetchall()
            ref_rows = con.execute(
                "SELECT r.bookmark_id, r.ref_kind, r.ref_id FROM bookmark_ref AS r"
                " JOIN bookmark AS b ON b.id = r.bookmark_id"
                " WHERE b.case_sha256 = ? ORDER BY r.bookmark_id, r.pos",
                (case,),
            ).fetchall()
        refs: dict[int, list[tuple[str, int]]] = {}
        for bookmark_id, kind, rid in ref_rows:
            refs.setdefault(int(bookmark_id), []).append((str(kind), int(rid)))
        return [
            Bookmark(bid, case, name, start, end, tuple(refs.get(bid, ())), created)
            for bid, name, start, end, created in rows
        ]

    def delete_bookmark(self, bookmark_id: int) -> None:
        """Delete a bookmark and its references; an absent bookmark is ignored."""
        bid = _check_int(bookmark_id, "bookmark_id")
        with self._transaction("delete the bookmark", write=True) as con:
            con.execute("DELETE FROM bookmark WHERE id = ?", (bid,))

    # ----------------------------------------------------------------------------- overview

    def case_summary(self, case_sha256: str) -> dict[str, int]:
        """Counts for the case overview.

        Keys: ``notes``; ``tags`` (tag placements: one tag on three actors counts three);
        ``distinct_tags``; ``bookmarks``.
        """
        case = _check_case(case_sha256)
        with self._transaction("read the notes", write=False) as con:
            notes, tags, distinct, bookmarks = con.execute(
                "SELECT (SELECT count(*) FROM note WHERE case_sha256 = :c),"
                " (SELECT count(*) FROM tag WHERE case_sha256 = :c),"
                " (SELECT count(DISTINCT tag) FROM tag WHERE case_sha256 = :c),"
                " (SELECT count(*) FROM bookmark WHERE case_sha256 = :c)",
                {"c": case},
            ).fetchone()
        return {
            "notes": int(notes),
            "tags": int(tags),
            "distinct_tags": int(distinct),
            "bookmarks": int(bookmarks),
        }

    # ------------------------------------------------------------------------------ helpers

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            raise NotesError("The notes store is closed.")
        return self._con

    @contextmanager
    def _transaction(self, action: str, *, write: bool) -> Iterator[sqlite3.Connection]:
        """Run the body in one transaction under the lock; commit, or roll back and explain.

        Writes take the write lock up front (``BEGIN IMMEDIATE``) so a busy file makes the
        call wait (``busy_timeout``) at the start instead of failing half-way. Reads use a
        plain ``BEGIN`` so multi-query reads see one consistent snapshot.
        """
        with self._lock:
            con = self._connection()
            try:
                con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield con
                con.execute("COMMIT")
            except sqlite3.Error as exc:
                notes_schema.rollback(con)
                raise notes_schema.as_notes_error(exc, self.path, action) from exc
            except BaseException:
                notes_schema.rollback(con)
                raise


def _now_us() -> int:
    return time.time_ns() // 1000


def _check_case(case_sha256: str) -> str:
    if not isinstance(case_sha256, str) or not _SHA256_RE.fullmatch(case_sha256):
        raise ValueError(f"case_sha256 must be 64 lowercase hex digits, got {case_sha256!r}")
    return case_sha256


def _check_int(value: int, name: str) -> int:
    """Accept Python and numpy integers (ids often come out of DataFrames), not bools/floats."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    number = operator.index(value)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise ValueError(f"{name} {number} does not fit in 64 bits")
    return number


def _check_ref(ref_kind: str, ref_id: int) -> tuple[str, int]:
    if not isinstance(ref_kind, str) or ref_kind not in REF_KINDS:
        raise ValueError(f"unknown ref_kind {ref_kind!r}; expected one of {sorted(REF_KINDS)}")
    rid = _check_int(ref_id, "ref_id")
    if ref_kind == "case" and rid != 0:
        raise ValueError(f"a 'case' reference has ref_id 0, got {rid}")
    return ref_kind, rid


def _check_text(text: str, what: str) -> None:
    """Text is stored exactly as given; refuse only what SQLite cannot hold (lone surrogates)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be str, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotesError(
            f"The {what} contains a broken character (unpaired surrogate at position "
            f"{exc.start}) and was not saved; retype or remove it."
        ) from exc


def _check_tag(tag: str) -> None:
    _check_text(tag, "tag")
    if not tag.strip():
        raise NotesError("A tag cannot be blank.")
