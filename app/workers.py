"""Background work: run storage calls on a thread pool, deliver results on the UI thread.

A task is a plain function ``fn(ctx) -> T`` that may call ``ctx.progress(text, fraction)`` and
should poll ``ctx.cancelled()`` between steps: cancelling is cooperative, like Qt's own. The
``Runner`` hands the result to ``on_done`` on the UI thread. Tests build ``Runner(inline=True)``:
the same callbacks, synchronously, so they need no event-loop waits.

``LatestOnly`` wraps a runner with a generation counter: only the newest request's result is
delivered, so a slow stale query can never overwrite a fresh one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
PROGRESS_INTERVAL_S = 0.1
log = logging.getLogger(__name__)


@dataclass
class TaskContext:
    """What a task sees of the outside world: a cancel flag and a progress callback."""

    _cancel: threading.Event = field(default_factory=threading.Event)
    _progress: Callable[[str, float], None] | None = None
    _last: tuple[str, float] = ("", 0.0)

    def cancelled(self) -> bool:
        """True once the owner asked the task to stop; check it between steps."""
        return self._cancel.is_set()

    def progress(self, text: str, fraction: float) -> None:
        """Report progress (``fraction`` in 0..1, or negative when unknown).

        At most one report per :data:`PROGRESS_INTERVAL_S` for the same step: each one makes
        the UI thread repaint, and with a fast loop that costs the task GIL time for nothing
        a person could see. A new step's text, and the end of a step, always go through.
        """
        if self._progress is None or self._cancel.is_set():
            return
        now = time.monotonic()
        last_text, last_time = self._last
        if text == last_text and fraction < 1.0 and now - last_time < PROGRESS_INTERVAL_S:
            return
        self._last = (text, now)
        self._progress(text, fraction)


class TaskHandle:
    """Lets the owner cancel a submitted task; the task's callbacks are then dropped."""

    def __init__(self, ctx: TaskContext) -> None:
        self._ctx = ctx

    def cancel(self) -> None:
        """Ask the task to stop; its result, if any, is no longer delivered."""
        self._ctx._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._ctx.cancelled()


class _Relay(QObject):
    """Lives on the UI thread; signals emitted from a worker arrive there queued."""

    sig_progress = Signal(str, float)
    sig_done = Signal(object)
    sig_failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], ctx: TaskContext, relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._ctx = ctx
        self._relay = relay

    def run(self) -> None:
        try:
            try:
                result = self._fn(self._ctx)
            except BaseException as exc:  # delivered to the owner, never lost in a thread
                self._relay.sig_failed.emit(exc)
            else:
                self._relay.sig_done.emit(result)
        except RuntimeError:
            # The relay's C++ side is gone: the application is shutting down under a task
            # still running. Nobody is left to tell; finishing quietly is the right end.
            if not self._ctx.cancelled():
                log.debug("task finished after its receiver was deleted")


class Runner(QObject):
    """Submits tasks to a ``QThreadPool`` (or runs them inline for tests)."""

    def __init__(self, *, inline: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.inline = inline
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(2, QThreadPool.globalInstance().maxThreadCount()))
        # Long scans nobody waits for (value checks, identifiers shared on events) get a
        # thread of their own: at 10^7 events they take seconds, and on the shared pool
        # they would hold both threads while a click's small read waited behind them.
        self._background = QThreadPool(self)
        self._background.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()

    def submit(
        self,
        fn: Callable[[TaskContext], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[str, float], None] | None = None,
        *,
        background: bool = False,
    ) -> TaskHandle:
        """Run ``fn`` in the background; callbacks run on the UI thread unless cancelled.

        ``background``: a long scan no view waits for; it runs on its own thread, one at a
        time, so it never delays the reads a click needs.
        """
        ctx = TaskContext()
        handle = TaskHandle(ctx)

        def done(result: T) -> None:
            if not ctx.cancelled():
                on_done(result)

        def failed(exc: BaseException) -> None:
            if ctx.cancelled():
                return
            if on_error is None:
                log.warning("background task failed: %s", exc)
                log.debug("background task failed", exc_info=exc)
            else:
                on_error(exc)

        if self.inline:
            ctx._progress = on_progress
            try:
                result = fn(ctx)
            except Exception as exc:
                failed(exc)
            else:
                done(result)
            return handle

        relay = _Relay()
        self._relays.add(relay)
        if on_progress is not None:
            relay.sig_progress.connect(
                lambda text, frac: None if ctx.cancelled() else on_progress(text, frac)
            )
        ctx._progress = relay.sig_progress.emit

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._relays.discard(relay)
            callback(value)

        relay.sig_done.connect(lambda result: finish(done, result))
        relay.sig_failed.connect(lambda exc: finish(failed, exc))
        (self._background if background else self._pool).start(_Job(fn, ctx, relay))
        return handle

    def wait_done(self, msecs: int = -1) -> bool:
        """Block until every running task has finished (tests and shutdown only)."""
        return self._background.waitForDone(msecs) and self._pool.waitForDone(msecs)


class LatestOnly(Generic[T]):
    """Deliver only the newest request's result; older ones are cancelled and dropped."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._gen = 0
        self._handle: TaskHandle | None = None

    def request(
        self,
        fn: Callable[[TaskContext], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[str, float], None] | None = None,
        *,
        background: bool = False,
    ) -> None:
        """Replace any pending request with this one (``background``: see Runner.submit)."""
        if self._handle is not None:
            self._handle.cancel()
        self._gen += 1
        gen = self._gen

        def deliver(result: T) -> None:
            if gen == self._gen:
                on_done(result)

        self._handle = self._runner.submit(fn, deliver, on_error, on_progress,
                                           background=background)

    def cancel(self) -> None:
        """Drop whatever is pending."""
        self._gen += 1
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class Beside(Generic[T]):
    """``fn`` running on a thread of its own from now on, beside the caller's own work.

    For reads inside a task that can overlap (SQLite releases the GIL while it steps): the
    task starts one, does its own read, then collects the other's result.
    """

    def __init__(self, fn: Callable[[], T], name: str) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None

        def body() -> None:
            try:
                self._value = fn()
            except BaseException as exc:  # handed to the thread that collects it
                self._error = exc

        self._thread = threading.Thread(target=body, name=name, daemon=True)
        self._thread.start()

    def join(self) -> BaseException | None:
        """Wait for ``fn``; the exception it raised, if any."""
        self._thread.join()
        return self._error

    def result(self) -> T:
        """Wait for ``fn`` and return its value (or raise what it raised)."""
        error = self.join()
        if error is not None:
            raise error
        return self._value  # type: ignore[return-value]
