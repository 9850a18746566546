"""Writing an export file whole or not at all."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def atomic_text(path: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """A text file (UTF-8) written beside ``path`` and moved onto it when the block ends.

    An export that fails half-way (a full disk, a bad row) leaves the old file, if any, as it
    was: a court bundle never holds a truncated export.
    """
    path = Path(path)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with part.open("w", encoding="utf-8", newline=newline) as f:
            yield f
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
