"""The user's tags and notes on records of the case: kept in the notes store, never the case.

Keyed by the case's SHA-256 (the same file always finds its notes, a changed file does not
inherit them), so tagging waits until the hash is known. The store is the user's own small
SQLite file in their data folder: its reads are indexed lookups of a few rows, answered on
the UI thread; what the views derive from them (the events a tag filter keeps) is computed
with the other filters on a worker.

Views ask through ``sig_annotate_requested(kind, id, what)`` (``what`` is ``"tag"`` or
``"note"``); the window asks the user for the words and calls :meth:`add_tag` /
:meth:`add_note`; every view that shows the record hears ``sig_changed``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from storage.notes.store import NotesError, NotesStore

if TYPE_CHECKING:
    from app.session import CaseSession
    from app.state import EntityRef
    from storage.notes.store import Note

log = logging.getLogger(__name__)
WAITING = "Tags and notes are available once the case's SHA-256 is computed"


class Annotations(QObject):
    """Tags and notes of the open case, read and written through one ``NotesStore``."""

    sig_changed = Signal(object)  # the EntityRef whose tags or notes changed
    sig_failed = Signal(str)  # one line: the notes store could not be used
    sig_marks_changed = Signal()  # any tag or note changed, or they became available

    def __init__(self, session: CaseSession, store: NotesStore | None = None) -> None:
        super().__init__(session)
        self._session = session
        self._store = store
        self._broken: str | None = None
        self._marks: dict[str, dict[int, str]] = {}  # kind -> {id: mark text}, per case
        session.sig_opened.connect(lambda _overview: self._marks.clear())
        session.sig_closed.connect(self._marks.clear)
        session.sig_hash_done.connect(self._on_session_hash_done)

    @property
    def available(self) -> bool:
        """Whether tags and notes can be read and written now (the case's hash is known)."""
        return self._session.case_sha256 is not None and self._open() is not None

    def _on_session_hash_done(self, _hashes: object) -> None:
        self._marks.clear()
        self.sig_marks_changed.emit()

    def why_not(self) -> str:
        """Why :attr:`available` is False, in one line."""
        return self._broken or WAITING

    def _open(self) -> NotesStore | None:
        if self._store is None and self._broken is None:
            try:
                self._store = NotesStore()
            except NotesError as exc:
                self._broken = str(exc)
                self.sig_failed.emit(self._broken)
        return self._store

    def _case(self) -> str | None:
        sha = self._session.case_sha256
        return sha if sha is not None and self._open() is not None else None

    # -- reads ------------------------------------------------------------------------------
    def tags(self, ref: EntityRef) -> list[str]:
        """The tags on ``ref`` (none while the hash is unknown)."""
        case = self._case()
        if case is None or self._store is None:
            return []
        try:
            return self._store.tags(case, ref.kind, ref.id)
        except NotesError as exc:
            self.sig_failed.emit(str(exc))
            return []

    def notes(self, ref: EntityRef) -> list[Note]:
        """The notes on ``ref``, oldest first."""
        case = self._case()
        if case is None or self._store is None:
            return []
        try:
            return self._store.notes(case, ref.kind, ref.id)
        except NotesError as exc:
            self.sig_failed.emit(str(exc))
            return []

    def marks(self, kind: str) -> dict[int, str]:
        """``{id: "tag, tag · 2 notes"}`` for every annotated record of ``kind`` (cached).

        List views show these on their rows; the cache is dropped when anything changes.
        """
        cached = self._marks.get(kind)
        if cached is not None:
            return cached
        case = self._case()
        if case is None or self._store is None:
            return {}
        try:
            found = self._store.annotated(case, kind)
        except (NotesError, ValueError) as exc:
            self.sig_failed.emit(str(exc))
            return {}
        marks = self._marks[kind] = {i: mark_text(t, n) for i, (t, n) in found.items()}
        return marks

    def all_tags(self) -> list[str]:
        """Every tag used in this case, sorted (for the filter bar)."""
        case = self._case()
        if case is None or self._store is None:
            return []
        try:
            return self._store.case_tags(case)
        except NotesError as exc:
            self.sig_failed.emit(str(exc))
            return []

    def tagged(self, tags: frozenset[str]) -> list[tuple[str, int]]:
        """Every ``(kind, id)`` of this case carrying any of ``tags``."""
        case = self._case()
        if case is None or self._store is None:
            return []
        found: set[tuple[str, int]] = set()
        try:
            for tag in sorted(tags):
                found.update(self._store.tagged(case, tag))
        except NotesError as exc:
            self.sig_failed.emit(str(exc))
        return sorted(found)

    # -- writes -----------------------------------------------------------------------------
    def record_tile_pack(self, sha256: str, path: str, name: str, size: int) -> bool:
        """Remember a map tile pack by its SHA-256 (not tied to a case: any map may use it)."""
        store = self._open()
        if store is None:
            self.sig_failed.emit(self.why_not())
            return False
        try:
            store.add_tile_pack(sha256, path, name, size)
        except (NotesError, ValueError) as exc:
            self.sig_failed.emit(str(exc))
            return False
        return True

    def add_tag(self, ref: EntityRef, tag: str) -> bool:
        """Tag ``ref``; False (and ``sig_failed``) if it could not be saved."""
        return self._write(ref, lambda s, case: s.add_tag(case, ref.kind, ref.id, tag.strip()))

    def remove_tag(self, ref: EntityRef, tag: str) -> bool:
        """Remove a tag from ``ref``."""
        return self._write(ref, lambda s, case: s.remove_tag(case, ref.kind, ref.id, tag))

    def add_note(self, ref: EntityRef, text: str) -> bool:
        """Add a note to ``ref``; "saved" is only said once the store committed it."""
        return self._write(ref, lambda s, case: s.add_note(case, ref.kind, ref.id, text))

    def _write(self, ref: EntityRef, action: object) -> bool:
        case = self._case()
        if case is None or self._store is None:
            self.sig_failed.emit(self.why_not())
            return False
        try:
            action(self._store, case)  # type: ignore[operator]
        except (NotesError, ValueError) as exc:
            self.sig_failed.emit(str(exc))
            return False
        self._marks.clear()
        self.sig_changed.emit(ref)
        self.sig_marks_changed.emit()
        return True


def mark_text(tags: tuple[str, ...] | list[str], notes: int) -> str:
    """One line for a row: the tags, then how many notes (the notes themselves are long)."""
    parts = [", ".join(tags)] if tags else []
    if notes:
        parts.append(f"{notes} note" + ("s" if notes > 1 else ""))
    return " · ".join(parts)
