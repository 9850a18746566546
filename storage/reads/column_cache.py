"""A case file's event columns, kept in the user's cache so that reopening it is quick.

Reading every event out of SQLite costs a Python integer per value: ~1.7 s at 10⁶ events,
~17 s at 10⁷, and no SQL does much better (SQLite's own per-row work is most of it). The
same columns saved as ``.npy`` files map back into memory in milliseconds. The case file is
never touched: entries live under ``<user cache>/columns/<key>/``, where ``<key>`` hashes
the file's identity (device, inode, size, modification and status-change times, the same
for a ``-wal`` file beside it) and this reader's version. A file that changes in any way
gets a new key; entries that are not used any more are removed, least recently used first,
once the folder holds more than :data:`LIMIT_BYTES`.

An entry is only used when it holds exactly the events the caller expects (their number,
from the first read, and the kind names in the same order) and its arrays are well formed;
anything else is a miss, and a broken entry is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from typing import TYPE_CHECKING

import numpy as np

from storage.paths import user_cache_dir
from storage.reads.events import EventColumns

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

log = logging.getLogger(__name__)

VERSION = "2"  # 2: a vague precision spans its calendar unit in the case zone
"""Bumped whenever what the columns mean (or how they are read) changes."""
LIMIT_BYTES = 4 << 30
"""The folder's size beyond which the least recently used entries are removed."""
_INTEGER_COLUMNS = ("id", "ts", "end", "lo", "hi", "actor")
_META = "columns.json"


def _folder() -> Path:
    folder = user_cache_dir() / "columns"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def entry_key(path: Path) -> str | None:
    """The cache key of the case file at ``path`` as it is now (None if it cannot be read)."""
    parts = [VERSION]
    for file in (path, path.with_name(path.name + "-wal")):
        try:
            st = file.stat()
        except FileNotFoundError:
            parts.append("-")
            continue
        except OSError:
            return None
        parts.append(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def load(path: Path, kinds: Sequence[str], count: int) -> EventColumns | None:
    """The cached columns of ``path``, or None (not cached, changed, or not as expected).

    The arrays are read-only memory maps of the cache files: the views only ever read them.
    """
    key = entry_key(path)
    if key is None:
        return None
    entry = _folder() / key
    if not entry.is_dir():
        return None
    try:
        meta = json.loads((entry / _META).read_text(encoding="utf-8"))
        if meta.get("version") != VERSION or tuple(meta.get("kinds", ())) != tuple(kinds):
            return None
        arrays = {name: np.load(entry / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                  for name in (*_INTEGER_COLUMNS, "kind", "platform")}
        columns = EventColumns(**{k: a.view(np.ndarray) for k, a in arrays.items()},
                               kinds=tuple(meta["all_kinds"]))
        _check(columns, count)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("dropping a broken column cache entry (%s)", exc)
        shutil.rmtree(entry, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # recently used: evicted last
    return columns


def save(path: Path, kinds: Sequence[str], columns: EventColumns) -> None:
    """Keep ``columns`` (read with ``kinds``) for the next opening of ``path``.

    Written to a temporary folder and renamed, so a reader never sees half an entry; then
    old entries are evicted. Failures (a full disk) only cost the next opening its speed.
    """
    key = entry_key(path)
    if key is None:
        return
    folder = _folder()
    entry = folder / key
    if entry.is_dir():
        return
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    try:
        tmp.mkdir()
        for name in (*_INTEGER_COLUMNS, "kind", "platform"):
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(getattr(columns, name)),
                    allow_pickle=False)
        meta = {"version": VERSION, "kinds": list(kinds), "all_kinds": list(columns.kinds),
                "events": len(columns)}
        (tmp / _META).write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, entry)
    except OSError as exc:
        log.warning("could not keep the event columns in the cache (%s)", exc)
        return
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    evict(folder, keep=entry)


def evict(folder: Path, keep: Path | None = None, limit: int = LIMIT_BYTES) -> None:
    """Remove least recently used entries until ``folder`` holds at most ``limit`` bytes."""
    entries = []
    stale = time.time() - 3600
    for entry in folder.iterdir():
        if entry.name.startswith("."):  # a write that never finished (the app was stopped)
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < stale:
                    shutil.rmtree(entry, ignore_errors=True)
            continue
        if not entry.is_dir():
            continue
        try:
            size = sum(f.stat().st_size for f in entry.iterdir())
            entries.append((entry.stat().st_mtime, size, entry))
        except OSError:
            continue
    total = sum(size for _, size, _ in entries)
    for _, size, entry in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if entry != keep:
            shutil.rmtree(entry, ignore_errors=True)
            total -= size


def _check(columns: EventColumns, count: int) -> None:
    """Raise ValueError unless the arrays are the expected, well-formed columns."""
    n = len(columns)
    if n != count:
        raise ValueError(f"{n} events cached, {count} expected")
    for name in (*_INTEGER_COLUMNS, "kind", "platform"):
        array = getattr(columns, name)
        if array.ndim != 1 or len(array) != n or array.dtype.kind not in "iu":
            raise ValueError(f"column {name} is not {n} integers")
    if int(columns.kind.max(initial=0)) >= max(len(columns.kinds), 1):
        raise ValueError("a kind code has no name")
    ts = columns.ts
    if n > 1 and not bool(np.all(ts[1:] >= ts[:-1])):
        raise ValueError("times are not sorted")
