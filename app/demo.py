"""The bundled demo case: generated on first use into the user's cache folder.

Generating beats shipping a binary: the generator is deterministic (same bytes, same
SHA-256 every time), and the package carries no opaque database. The file is named after
``DEMO_VERSION`` *and* a fingerprint of the schema the writer emits, so a new version of the
story or of the case format (an index, an FTS option) replaces the cached file by itself
instead of leaving users on a demo whose hash no longer matches a fresh one.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from typing import TYPE_CHECKING

from storage.case.schema import FORMAT_VERSION, FTS_DDL
from storage.case.search_terms import SEARCH_TERM_DDL
from storage.case.writer import index_ddl, table_ddl
from storage.paths import user_cache_dir
from storage.synthetic.generator import DEMO_VERSION, write_demo_case

if TYPE_CHECKING:
    from pathlib import Path

DEMO_PREFIX = "demo-case-"
DEMO_SUFFIX = ".filature"


@cache
def _schema_fingerprint() -> str:
    text = "\n".join([*table_ddl(), *index_ddl(), FTS_DDL, SEARCH_TERM_DDL, FORMAT_VERSION])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def demo_case_path() -> Path:
    """Where the demo case lives (it may not exist yet)."""
    name = f"{DEMO_PREFIX}{DEMO_VERSION}-{_schema_fingerprint()}{DEMO_SUFFIX}"
    return user_cache_dir() / name


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
    for old in path.parent.glob(f"{DEMO_PREFIX}*{DEMO_SUFFIX}"):
        if old != path:  # an older story or format: nobody opens it again
            old.unlink(missing_ok=True)
    return path
