"""What the window says, and which exit code a screenshot returns, when a background read fails.

A failure on a worker must reach the user as one line (status bar, the affected view) and
leave the window usable; a traceback is for developers, so it is logged at debug level only.
A failure caused by what the case holds (SQLite errors, values that break the format) is the
case's fault: exit 2, like a refused case. Anything else is ours: exit 3.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from storage.case.errors import CaseDataError, CaseOpenError

if TYPE_CHECKING:
    import logging

EXIT_BAD_CASE = 2
EXIT_INTERNAL = 3
_CASE_FAULTS = (sqlite3.Error, CaseDataError, CaseOpenError, UnicodeError)


def one_line(exc: BaseException) -> str:
    """The exception as one short line: its message, or its type when it has none."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:300] + "…"
    return text or type(exc).__name__


def exit_code(exc: BaseException) -> int:
    """2 when the case's content caused ``exc``, 3 when the program did."""
    return EXIT_BAD_CASE if isinstance(exc, _CASE_FAULTS) else EXIT_INTERNAL


def log_failure(log: logging.Logger, what: str, exc: BaseException) -> str:
    """Log ``what failed: reason`` as one line (traceback at debug level); return the line."""
    line = f"{what}: {one_line(exc)}"
    log.warning("%s", line)
    log.debug("%s", what, exc_info=exc)
    return line
