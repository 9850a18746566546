"""The bundled demo case: generated on first use into the user's cache folder.

Generating beats shipping a binary: the generator is deterministic (same bytes, same
SHA-256 every time), the file is named after ``DEMO_VERSION`` so a new version of the story
replaces the old one, and the package carries no opaque database.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from storage.generator import DEMO_VERSION, write_demo_case
from storage.paths import user_cache_dir

if TYPE_CHECKING:
    from pathlib import Path

DEMO_SUFFIX = ".filature"


def demo_case_path() -> Path:
    """Where the demo case lives (it may not exist yet)."""
    return user_cache_dir() / f"demo-case-{DEMO_VERSION}{DEMO_SUFFIX}"


def ensure_demo_case() -> Path:
    """Return the demo case's path, writing it first if needed (atomically: no torn file)."""
    path = demo_case_path()
    if path.exists():
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_demo_case(tmp, overwrite=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
