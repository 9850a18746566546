"""Keep the allocator from holding memory the app has freed (glibc only; no-op elsewhere).

Loading a case churns through millions of short-lived Python objects on worker threads and
through large numpy temporaries. glibc keeps freed pages in its arenas, and after the first
large block is freed it raises its mmap threshold (up to 32 MB), so later numpy arrays come
from the heap and stay resident after they are freed: at 10^6 events the process sat ~50 MB
above what it used. :func:`tune_allocator` pins the threshold at 1 MiB (big arrays are
mapped and unmapped, returned at once); :func:`release_free_memory` trims what small objects
left behind. Nothing here changes what the app holds; it only tidies the allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD = 1 << 20


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018  (musl has neither function: treat it as "elsewhere")
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def _trim() -> object | None:
    libc = _libc()
    return None if libc is None else libc.malloc_trim


@cache
def tune_allocator() -> bool:
    """Pin glibc's mmap threshold (once per process); True if the platform supports it."""
    libc = _libc()
    return libc is not None and bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_free_memory() -> bool:
    """Return free heap pages to the OS; True if the platform supports it."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)  # type: ignore[operator]
    return True
