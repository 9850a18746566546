"""A bounded hand-over of messages between two threads, with a stop flag for a reader gone.

Both of Filature's helper processes are fed (or feed) through a pipe by a thread, and a
pipe's reader can die: a writer waiting for room must then be released, not left blocked
forever. The generator's worker and the import's pipe writer use this one.
"""

from __future__ import annotations

import queue
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Stopped(Exception):
    """The other side of the outbox went away: stop sending."""


class Outbox(Generic[T]):
    """Bounded hand-over of messages, with a stop flag so a blocked writer can be released."""

    def __init__(self, size: int) -> None:
        self._box: queue.Queue[T] = queue.Queue(size)
        self._stop = threading.Event()

    def offer(self, message: T) -> bool:
        """Queue ``message`` if there is room; False if the reader is still behind."""
        if self._stop.is_set():
            raise Stopped
        try:
            self._box.put_nowait(message)
        except queue.Full:
            return False
        return True

    def put(self, message: T) -> None:
        """Queue ``message``, waiting for room (raises :class:`Stopped` if told to stop)."""
        while not self._stop.is_set():
            try:
                self._box.put(message, timeout=0.05)
                return
            except queue.Full:
                continue
        raise Stopped

    def get(self) -> T:
        """The next message (blocks)."""
        return self._box.get()

    def stop(self) -> None:
        """Make the writer's next :meth:`offer` or :meth:`put` raise :class:`Stopped`."""
        self._stop.set()
