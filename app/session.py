"""The open case: opening it off the UI thread, its overview, its hash, closing it.

``CaseSession`` is the one owner of the storage ``CaseSource``. Views never see it: they get
plain data through controllers. Opening and hashing run on the ``Runner``; the UI thread only
receives results, so the window never freezes, even on a multi-gigabyte case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.workers import Beside
from storage.case.errors import CaseOpenError
from storage.case.integrity import sha256_file
from storage.case.opener import CaseSource, display_target, open_case
from storage.reads.overview import CaseOverview, read_overview

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from app.state import AppState
    from app.workers import Runner, TaskContext, TaskHandle

    Preload = Callable[[CaseSource, TaskContext], Any]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OpenedCase:
    """What the opening task hands back to the UI thread."""

    source: CaseSource
    overview: CaseOverview
    preloaded: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileHash:
    """SHA-256 of one evidence file."""

    path: Path
    sha256: str


class CaseSession(QObject):
    """Opens one case at a time and reports each step through signals."""

    sig_loading = Signal(str, str, float)  # what, step, fraction (<0: unknown)
    sig_opened = Signal(object)  # CaseOverview
    sig_failed = Signal(str, str)  # heading, one-line message
    sig_closed = Signal()
    sig_hash_progress = Signal(float)
    sig_hash_done = Signal(object)  # tuple[FileHash, ...]
    sig_hash_failed = Signal(str)
    sig_ready = Signal()  # everything for this case is loaded (overview and hash)

    def __init__(self, runner: Runner, parent: QObject | None = None, *,
                 state: AppState | None = None) -> None:
        """Run cases on ``runner``; reset ``state`` when a case opens or closes.

        Selection, filters and ranges belong to one case: the session clears them before
        any view hears of the new case, so no view depends on who was built first.
        """
        super().__init__(parent)
        self._runner = runner
        self._state = state
        self._source: CaseSource | None = None
        self._overview: CaseOverview | None = None
        self._hashes: tuple[FileHash, ...] | None = None
        self._target: str | None = None
        self._open_task: TaskHandle | None = None
        self._hash_task: TaskHandle | None = None
        self._busy = False
        self._preloads: dict[str, Preload] = {}
        self._preloaded: dict[str, Any] = {}

    def add_preload(self, name: str, fn: Preload) -> None:
        """Run ``fn(source, ctx)`` in every opening task, beside the check and the overview.

        This is how the first picture of a case comes early: a controller's first read
        overlaps SQLite's ``quick_check`` on the second core instead of waiting for it. The
        result (or the exception it raised) is :meth:`take_preloaded` once ``sig_opened`` fires;
        nothing read is shown before the check has passed.
        """
        self._preloads[name] = fn

    def take_preloaded(self, name: str) -> Any:
        """What preload ``name`` returned for the open case (an exception if it failed).

        Handed over once: the session does not keep it (a first timeline is tens of MB).
        """
        return self._preloaded.pop(name, None)

    # -- queries ----------------------------------------------------------------------------
    @property
    def source(self) -> CaseSource | None:
        """The open case's storage handle (for controllers that read from it)."""
        return self._source

    @property
    def overview(self) -> CaseOverview | None:
        """Overview of the open case, if any."""
        return self._overview

    @property
    def target(self) -> str | None:
        """What the user asked to open (path or URL), as given."""
        return self._target

    @property
    def case_sha256(self) -> str | None:
        """SHA-256 of the main case file once known: the key of the user's notes."""
        return self._hashes[0].sha256 if self._hashes else None

    @property
    def busy(self) -> bool:
        """True while opening or hashing."""
        return self._busy

    # -- commands ---------------------------------------------------------------------------
    def open(self, target: str | Path, *, prepare: object = None) -> None:
        """Close the current case and open ``target`` in the background.

        ``prepare`` is an optional callable returning the path to open, run on the worker
        first (used to generate the demo case on first use without blocking the window).
        """
        self.close()
        self._target = str(target)
        self._busy = True
        display = (display_target(self._target) if "://" in self._target
                   else Path(self._target).name)  # never a URL's password

        preloads = dict(self._preloads)

        def task(ctx: TaskContext) -> OpenedCase:
            path: str | Path = target
            if callable(prepare):
                ctx.progress("Preparing the demo case…", -1.0)
                path = prepare()
            source = open_case(
                path,
                progress=lambda text, frac: ctx.progress(text, frac),
                cancelled=ctx.cancelled,
                check=False,
            )
            return _read_while_checking(source, ctx, preloads)

        self.sig_loading.emit(display, "Starting…", -1.0)
        self._open_task = self._runner.submit(
            task,
            self._on_opened,
            self._on_open_failed,
            lambda text, frac: self.sig_loading.emit(display, text, frac),
        )

    def cancel(self) -> None:
        """Stop opening; the window goes back to its idle page."""
        if self._open_task is not None and self._busy and self._source is None:
            self._open_task.cancel()
            self._busy = False
            self.sig_failed.emit("Opening cancelled", "Nothing was opened.")

    def close(self) -> None:
        """Close the open case (deletes any private working copy)."""
        for task in (self._open_task, self._hash_task):
            if task is not None:
                task.cancel()
        self._open_task = self._hash_task = None
        had_case = self._source is not None
        if self._source is not None:
            self._source.close()
        self._source = None
        self._overview = None
        self._preloaded = {}
        self._hashes = None
        self._busy = False
        if had_case:
            if self._state is not None:
                self._state.reset()
            self.sig_closed.emit()

    # -- results ----------------------------------------------------------------------------
    def _on_opened(self, opened: OpenedCase) -> None:
        self._source = opened.source
        self._overview = opened.overview
        self._preloaded = dict(opened.preloaded)
        if self._state is not None:
            self._state.reset()  # before the views and the deep link hear of the case
        self.sig_opened.emit(opened.overview)
        self._start_hash(opened.source)

    def _on_open_failed(self, exc: BaseException) -> None:
        self._busy = False
        target = self._target or ""
        name = display_target(target) if "://" in target else Path(target).name or target
        if isinstance(exc, CaseOpenError):
            self.sig_failed.emit(f"Cannot open {name}", str(exc))
        else:
            log.warning("unexpected error while opening %s: %s", self._target, exc)
            log.debug("opening failed", exc_info=exc)
            self.sig_failed.emit(
                f"Cannot open {name}",
                f"{name}: unexpected error while reading the case ({type(exc).__name__}).",
            )

    def _start_hash(self, source: CaseSource) -> None:
        files = source.evidence_files()
        if not files:  # a server case: no file to hash
            self._hashes = ()
            self.sig_hash_done.emit(())
            self._finish()
            return

        def task(ctx: TaskContext) -> tuple[FileHash, ...]:
            sizes = [f.stat().st_size or 1 for f in files]
            total = sum(sizes)
            done = 0
            results = []
            for f, size in zip(files, sizes, strict=True):
                base = done
                known = source.known_sha256.get(f)
                if known is not None:  # hashed while copying to the working folder
                    results.append(FileHash(f, known))
                    done += size
                    continue

                def report(n: int, _of: int, base: int = base) -> None:
                    ctx.progress("hashing", (base + n) / total)

                digest = sha256_file(f, progress=report, cancelled=ctx.cancelled)
                results.append(FileHash(f, digest))
                done += size
            return tuple(results)

        self._hash_task = self._runner.submit(
            task,
            self._on_hashed,
            self._on_hash_failed,
            lambda _text, frac: self.sig_hash_progress.emit(frac),
        )

    def _on_hashed(self, hashes: tuple[FileHash, ...]) -> None:
        self._hashes = hashes
        self.sig_hash_done.emit(hashes)
        self._finish()

    def _on_hash_failed(self, exc: BaseException) -> None:
        log.warning("hashing failed: %s", exc)
        self.sig_hash_failed.emit(f"could not be computed ({type(exc).__name__}: {exc})")
        self._finish()

    def _finish(self) -> None:
        self._busy = False
        self.sig_ready.emit()


def _read_while_checking(
    source: CaseSource, ctx: TaskContext, preloads: Mapping[str, Preload]
) -> OpenedCase:
    """Preloads on this thread; ``quick_check`` and the overview each on their own.

    SQLite releases the GIL while it steps, so the check and the overview's counting really
    run beside the preloads' reads. Both are always waited for: if the check fails, its
    message wins over whatever error reading the damaged file caused, and nothing read is
    handed on before it has passed. A cancel reaches the check through ``ctx``.
    """
    checker = Beside(lambda: source.check_integrity(ctx.cancelled), "open-check")
    reader = Beside(lambda: read_overview(source), "open-overview")
    failure: BaseException | None = None
    results: dict[str, Any] = {}
    ctx.progress("Reading the case…", -1.0)
    try:
        for name, fn in preloads.items():
            try:
                results[name] = fn(source, ctx)
            except CaseOpenError:
                raise
            except Exception as exc:  # the preload's owner decides what to do
                results[name] = exc
    except BaseException as exc:
        failure = exc
    overview_error = reader.join()
    ctx.progress("Checking integrity…", -1.0)
    failure = checker.join() or failure or overview_error
    if failure is not None:
        source.close()
        raise failure
    return OpenedCase(source, reader.result(), results)
