"""The main process's end of the synthetic worker: start it, give it the job, read its messages.

The worker runs as ``python -m storage.synthetic.worker`` with pickles over its stdin and
stdout (no ``multiprocessing``: its ``spawn`` re-imports the caller's ``__main__`` in the child,
SQLAlchemy and all, ~0.7 s; ``fork`` is unsafe in a process that has other threads, as the
viewer does). It is started first, so that its interpreter starts while this process draws the
cast, and it is killed if the run stops early.

A frozen application has no Python to run ``-m`` with: there the same :func:`produce` runs on
a thread of this process. Slower (one GIL), but the messages, hence the file, are the same.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from storage.synthetic.worker import DONE, END, ERROR, Message, Outbox, Stopped, produce

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

    from storage.synthetic.worker import Job

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


class WorkerLink:
    """A running worker; use as a context manager, which stops it on the way out."""

    def __init__(self, *, in_process: bool | None = None) -> None:
        if in_process is None:
            in_process = bool(getattr(sys, "frozen", False)) or not sys.executable
        self._proc: subprocess.Popen[bytes] | None = None
        self._outbox: Outbox | None = None
        self._thread: threading.Thread | None = None
        if not in_process:
            path = os.environ.get("PYTHONPATH")
            env = {**os.environ, "OPENBLAS_NUM_THREADS": "1",
                   "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, path) if p)}
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "storage.synthetic.worker"], env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def __enter__(self) -> WorkerLink:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def start(self, job: Job) -> None:
        """Hand the worker its job."""
        if self._proc is not None:
            assert self._proc.stdin is not None
            pickle.dump(job, self._proc.stdin, protocol=5)
            self._proc.stdin.close()
            return
        outbox = self._outbox = Outbox(2)

        def run() -> None:
            try:
                produce(job, outbox)
            except Stopped:
                pass
            except BaseException as error:  # handed to the reader, which raises it
                with contextlib.suppress(Stopped):  # unless the reader went away
                    outbox.put(Message(ERROR, error=error))

        self._thread = threading.Thread(target=run, name="synthetic-worker", daemon=True)
        self._thread.start()

    def chunks(self) -> Iterator[Message]:
        """The chunk messages (CHUNK or FILE), in order, until the last one."""
        while (message := self._receive()).tag != END:
            yield message

    def wait_done(self) -> None:
        """Block until the side database is complete and closed."""
        message = self._receive()
        if message.tag != DONE:
            raise RuntimeError(f"synthetic worker: unexpected {message.tag!r}")
        if self._proc is not None and self._proc.wait() != 0:
            raise RuntimeError(f"synthetic worker exited with {self._proc.returncode}")

    def close(self) -> None:
        """Stop the worker if it still runs (a cancelled run) and release its resources."""
        if self._outbox is not None and self._thread is not None:
            self._outbox.stop()
            self._thread.join()
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe is not None:
                    pipe.close()

    def _receive(self) -> Message:
        if self._outbox is not None:
            message = self._outbox.get()
            if message.tag == ERROR:
                raise RuntimeError("synthetic worker failed") from message.error
            return message
        assert self._proc is not None and self._proc.stdout is not None
        try:
            received: Message = pickle.load(self._proc.stdout)
        except EOFError:
            code = self._proc.wait()
            raise RuntimeError(f"synthetic worker stopped early (exit code {code}); "
                               "its error is on stderr") from None
        return received
