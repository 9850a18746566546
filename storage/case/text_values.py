r"""Text read from a case as it is, even when it is not valid UTF-8 or is absurdly long.

SQLite stores whatever bytes a writer gave it under ``TEXT``; Python's ``sqlite3`` refuses
to decode a value that is not UTF-8 ("Could not decode to UTF-8 column 'kind'"), which would
stop a whole read for one bad byte. Every hardened connection therefore decodes text with
:func:`decode_text`: valid text comes back as ``str``, anything else as a
:class:`FlaggedText` showing each bad byte as ``⟨\xNN⟩`` and keeping the original bytes, so
the inspector can say "not valid UTF-8" and a query can still find the row by its exact value
(:func:`text_param`).

A value longer than SQLite's string limit on our connections fails its whole row ("string or
blob too big"). Readers of free text select it through :func:`clip_sql` (``substr`` and
``length`` under a raised limit, :func:`long_values`) and rebuild it with :func:`clipped`: a
:class:`FlaggedText` with the first characters and a note of the full length.
"""

from __future__ import annotations

import codecs
import sqlite3
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

NOT_UTF8 = "not valid UTF-8: the bytes that are not are shown as ⟨\\xNN⟩"
SHOWN_CHARS = 200_000
"""Characters of one free-text value a reader keeps (a whole chat message, not a 70 MB one)."""
HARD_LENGTH = 1_000_000_000
"""SQLite's compiled maximum string length: the limit :func:`long_values` raises to."""


def _visible_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    bad = error.object[error.start : error.end]
    return "".join(f"⟨\\x{b:02X}⟩" for b in bad), error.end


codecs.register_error("filature-visible", _visible_bytes)


class FlaggedText(str):
    """A string from the case that is not exactly what the case holds, and why.

    ``raw`` is the original bytes when they are not valid UTF-8; ``full_length`` the length
    in characters of a value cut to what is shown. ``notes`` says both in words.
    """

    raw: bytes | None
    full_length: int | None

    def __new__(cls, shown: str, *, raw: bytes | None = None,
                full_length: int | None = None) -> FlaggedText:
        self = super().__new__(cls, shown)
        self.raw = raw
        self.full_length = full_length
        return self

    @property
    def notes(self) -> tuple[str, ...]:
        """What differs from the stored value, in words."""
        out = []
        if self.raw is not None:
            out.append(NOT_UTF8)
        if self.full_length is not None:
            out.append(f"too long to show whole: the first {len(self):,} of "
                       f"{self.full_length:,} characters are shown")
        return tuple(out)

    def __reduce__(self) -> tuple[Any, ...]:  # keep the flags through pickling (workers)
        return (_rebuild, (str(self), self.raw, self.full_length))


def _rebuild(shown: str, raw: bytes | None, full_length: int | None) -> FlaggedText:
    return FlaggedText(shown, raw=raw, full_length=full_length)


def decode_text(data: bytes) -> str:
    """``sqlite3`` text factory: UTF-8 text as ``str``, anything else flagged, never an error."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return FlaggedText(data.decode("utf-8", "filature-visible"), raw=bytes(data))


def text_notes(value: object) -> tuple[str, ...]:
    """The notes of a :class:`FlaggedText`, or none for any other value."""
    return value.notes if isinstance(value, FlaggedText) else ()


def text_param(value: str) -> object:
    """What to bind to find ``value`` in the case: its original bytes if it was not UTF-8.

    Bind it with :func:`bind_text`'s placeholder so SQLite compares it as text.
    """
    if isinstance(value, FlaggedText) and value.raw is not None:
        return value.raw
    return value


def bind_text(value: str) -> str:
    """The SQL placeholder for :func:`text_param` of ``value``."""
    if isinstance(value, FlaggedText) and value.raw is not None:
        return "CAST(? AS TEXT)"
    return "?"


def clip_sql(column: str, limit: int = SHOWN_CHARS) -> str:
    """Two result columns: the first ``limit`` characters of ``column`` and its length."""
    return f"substr({column}, 1, {limit}), length({column})"


def clipped(value: object, length: object, limit: int = SHOWN_CHARS) -> object:
    """The value of a :func:`clip_sql` pair, flagged when it was cut."""
    if not isinstance(value, str) or not isinstance(length, int) or length <= limit:
        return value
    raw = value.raw if isinstance(value, FlaggedText) else None
    return FlaggedText(str(value), raw=raw, full_length=length)


@contextmanager
def long_values(con: sqlite3.Connection) -> Iterator[None]:
    """Let one read reach values over the connection's string limit (to ``substr`` them).

    The limit stays what it was for everything else: only queries that clip their text run
    inside. Connections that are not ``sqlite3`` ones (a server's) are left as they are.
    """
    setlimit = getattr(con, "setlimit", None)
    if setlimit is None:
        yield
        return
    before = setlimit(sqlite3.SQLITE_LIMIT_LENGTH, HARD_LENGTH)
    try:
        yield
    finally:
        setlimit(sqlite3.SQLITE_LIMIT_LENGTH, before)
