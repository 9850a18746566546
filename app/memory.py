"""Give freed heap memory back to the system after a big load (glibc only; a no-op elsewhere).

Loading a case churns through millions of short-lived Python objects on worker threads.
glibc keeps the freed pages in its arenas, so the process's resident size stays at the peak
(about 60 MB more than needed at 10^6 events) although nothing uses them. ``malloc_trim``
returns them. Nothing here changes what the app holds; it only tidies the allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache


@cache
def _trim() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # musl has no malloc_trim
        return None


def release_free_memory() -> bool:
    """Return free heap pages to the OS; True if the platform supports it."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)  # type: ignore[operator]
    return True
