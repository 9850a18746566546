"""Errors the storage layer shows to users, and the helper that makes names safe to show.

A case comes from another unit and is hostile input: its file name, its time zone, even its
format version are strings an attacker chose. Everything that ends up in a message goes through
:func:`safe_text` so a message stays one visible line (no newline, no bidi override that
reorders the text around it, no zero-width character hiding a difference).
"""

from __future__ import annotations

import sqlite3
import unicodedata
from typing import Literal, get_args

OpenReason = Literal[
    "missing",
    "not_a_file",
    "not_sqlite",
    "corrupt",
    "locked_or_hot_journal",
    "not_a_case",
    "wrong_schema",
    "newer_format",
    "bad_url",
    "unavailable",
    "cancelled",
]

REASONS: frozenset[str] = frozenset(get_args(OpenReason))
"""Every valid ``CaseOpenError.reason``; the app maps them to headings and help."""


def safe_text(text: str, *, limit: int = 120) -> str:
    """Return ``text`` as one visible line of at most about ``limit`` characters.

    Control and format characters (category ``C*``: newlines, NUL, bidi overrides U+202A–202E
    and U+2066–2069, zero-width spaces and joiners) are replaced by a visible ``[U+XXXX]`` so a
    crafted file name can neither break the message into several lines nor hide or reorder
    part of it. The exact original stays available to the caller (e.g. ``CaseSource.path``).

    Parameters
    ----------
    text
        Any string, typically a file name or a value read from a case.
    limit
        Longer results are cut and end with an ellipsis; the message must stay readable.
    """
    out: list[str] = []
    for char in text:
        if unicodedata.category(char).startswith("C"):
            out.append(f"[U+{ord(char):04X}]")
        else:
            out.append(char)
    shown = "".join(out)
    if len(shown) > limit:
        shown = shown[: max(limit - 1, 1)] + "…"
    return shown


class CaseOpenError(Exception):
    """Why a case cannot be opened, in one line a user understands (no traceback, no SQL).

    Parameters
    ----------
    reason
        Machine-readable cause, one of :data:`REASONS`; the app and tests branch on it.
    message
        One line naming the file (its basename) and what is wrong, and what to do if anything.
        Line breaks are flattened here as a last line of defence; callers should already have
        passed every untrusted part through :func:`safe_text`.
    """

    def __init__(self, reason: str, message: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown CaseOpenError reason {reason!r}")
        flat = " ".join(message.split())
        super().__init__(flat)
        self.reason = reason
        self.message = flat

    def __str__(self) -> str:
        return self.message


class QueryCancelled(Exception):
    """A query on a hardened connection was stopped: cancelled by the user or over its deadline.

    Attributes
    ----------
    why
        ``"cancelled"`` when the caller's ``cancelled()`` returned true, ``"deadline"`` when the
        time budget ran out. Both leave the connection usable for the next statement.
    """

    def __init__(self, why: Literal["cancelled", "deadline"] = "cancelled") -> None:
        text = "query cancelled" if why == "cancelled" else "query took too long and was stopped"
        super().__init__(text)
        self.why = why


def from_sqlite_error(exc: sqlite3.Error, name: str) -> CaseOpenError:
    """Map a ``sqlite3`` exception to a one-line :class:`CaseOpenError` (never its text)."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return CaseOpenError(
            "locked_or_hot_journal",
            f"{name} is locked by another program; close that program and try again.",
        )
    if code == sqlite3.SQLITE_READONLY:
        return CaseOpenError(
            "locked_or_hot_journal",
            f"{name} needs recovery that cannot be done read-only; copy it with its -journal "
            "or -wal file into an empty folder and open the copy.",
        )
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return CaseOpenError("unavailable", f"{name} cannot be opened (no access to the file).")
    if code == sqlite3.SQLITE_INTERRUPT:
        return CaseOpenError("cancelled", f"{name}: opening cancelled.")
    return CaseOpenError(
        "corrupt",
        f"{name} is damaged or truncated and cannot be read. "
        "Ask the sending unit for a new copy of the original file.",
    )


def os_reason(exc: OSError) -> str:
    """``strerror`` of an ``OSError``, shown-safe (no path: it may hold odd names)."""
    return safe_text(exc.strerror or type(exc).__name__, limit=60)

class CaseDataError(Exception):
    """The case's rows break the format (e.g. text where a time belongs): one-line message."""
