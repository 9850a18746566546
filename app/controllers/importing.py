"""File ▸ New Case from Files…: ask, import behind a cancellable progress dialog, open it.

The import writes a new file only (``storage.importers.case_build``): never the case open
for viewing, never a file the user did not confirm replacing. A file with bad rows under
the "stop" choice gets the first of them shown (file, line, reason) and the offer to import
again skipping them.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from app.failures import log_failure
from storage.importers.case_build import (
    BadRowPolicy,
    BadRowsFound,
    ImportReport,
    Source,
    build_case,
    takes_profile,
)
from storage.importers.profile import load_profile
from storage.importers.rows import ImportRefused
from widgets.import_dialog import TIMELINE_FILTER, ImportChoice, ImportDialog
from widgets.plain_text import visible

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.workers import Runner, TaskContext, TaskHandle

log = logging.getLogger(__name__)
TR_CONTEXT = "Import"
FIRST_ZONES = ("UTC", "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam", "Europe/Berlin",
               "Europe/Madrid", "Europe/London", "America/Martinique", "Indian/Reunion")


def tr(text: str) -> str:
    return QCoreApplication.translate(TR_CONTEXT, text)


def zone_choices() -> list[str]:
    """Zones offered for offset-less times: the usual ones first, then every IANA name."""
    rest = sorted(z for z in available_timezones()
                  if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return [*FIRST_ZONES, *(z for z in rest if z not in FIRST_ZONES)]


class ImportController(QObject):
    """Runs imports for the window; ``sig_imported(report)`` once a case is written."""

    sig_imported = Signal(object)
    sig_message = Signal(str)
    """One plain line for the status bar (cancelled, refused…)."""

    def __init__(self, runner: Runner, window: QWidget, open_case: Callable[[Path], None],
                 open_path: Callable[[], Path | None]) -> None:
        super().__init__(window)
        self._runner = runner
        self._window = window
        self._open_case = open_case
        self._open_path = open_path
        self._handle: TaskHandle | None = None
        self._progress: QProgressDialog | None = None
        self.last_error: str = ""

    @property
    def running(self) -> bool:
        return self._handle is not None

    # -- asking ---------------------------------------------------------------------------
    def ask(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self._window, tr("Timeline files to import"),
                                                "", TIMELINE_FILTER)
        if not files:
            return
        dialog = ImportDialog([Path(f) for f in files], zone_choices(), self._window)
        if dialog.exec() != ImportDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        add = False
        if choice.out.exists():
            box = QMessageBox(QMessageBox.Icon.Question, tr("The case file exists"),
                              tr("{name} exists. Add the files to that case, or replace it "
                                 "with a new case?").format(
                                  name=visible(choice.out.name, limit=200)),
                              QMessageBox.StandardButton.Cancel, self._window)
            add_button = box.addButton(tr("Add to It"), QMessageBox.ButtonRole.AcceptRole)
            replace_button = box.addButton(tr("Replace It"),
                                           QMessageBox.ButtonRole.DestructiveRole)
            box.setDefaultButton(add_button)
            box.exec()
            if box.clickedButton() not in (add_button, replace_button):
                return
            add = box.clickedButton() is add_button
        self.start(choice, overwrite=choice.out.exists() and not add, add=add)

    # -- running --------------------------------------------------------------------------
    def start(self, choice: ImportChoice, *, overwrite: bool = False,
              add: bool = False) -> str | None:
        """Import ``choice`` on a worker; a reason string if it cannot start.

        ``add`` adds the files to the existing case ``choice.out`` (never the one open).
        """
        if self._handle is not None:
            return self._refuse(tr("An import is already running."))
        out = choice.out
        if out.suffix.lower() != ".filature":
            out = out.with_name(out.name + ".filature")
        open_now = self._open_path()
        if open_now is not None and _same(open_now, out):
            return self._refuse(tr("The case open for viewing is never written: choose "
                                   "another case file."))
        if any(_same(f, out) for f in choice.files):
            return self._refuse(tr("The new case cannot replace one of the files imported."))
        try:
            profile = load_profile(choice.profile) if choice.profile is not None else None
        except ImportRefused as exc:
            return self._refuse(str(exc))
        sources = [Source(f, profile=profile if takes_profile(f) else None)
                   for f in choice.files]
        policy = BadRowPolicy.SKIP if choice.skip_bad_rows else BadRowPolicy.REJECT

        def task(ctx: TaskContext) -> ImportReport:
            def progress(p: object) -> None:
                ctx.progress(tr("Reading {file} ({i} of {n}): {events} events").format(
                    file=p.file, i=p.file_index + 1, n=p.files,  # type: ignore[attr-defined]
                    events=f"{p.events:,}"), p.fraction)  # type: ignore[attr-defined]

            return build_case(sources, out, zone=choice.zone, bad_rows=policy,
                              overwrite=overwrite, progress=progress, cancelled=ctx.cancelled,
                              add=add)

        dialog = QProgressDialog(tr("Importing…"), tr("Cancel"), 0, 1000, self._window)
        dialog.setWindowTitle(tr("New case from files"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)
        self._progress = dialog
        self._handle = self._runner.submit(
            task, lambda report: self._on_done(report),
            lambda exc: self._on_failed(exc, choice), self._on_progress)
        return None

    def cancel(self) -> None:
        """Stop the import: the worker stops at its next chunk and deletes its partial file."""
        if self._handle is None:
            return
        self._handle.cancel()
        self._handle = None
        self._close_progress()
        self.sig_message.emit(tr("Import cancelled; nothing was written."))

    def _on_progress(self, text: str, fraction: float) -> None:
        if self._progress is not None:
            self._progress.setLabelText(visible(text, limit=300))
            self._progress.setValue(int(max(fraction, 0.0) * 1000))

    def _on_done(self, report: ImportReport) -> None:
        self._handle = None
        self._close_progress()
        skipped = (tr(", {n} bad rows skipped (listed in the case's import log)").format(
            n=f"{report.skipped:,}") if report.skipped else "")
        self.sig_message.emit(tr("Imported {events} events from {files} files{skipped}.").format(
            events=f"{report.events:,}", files=len(report.files), skipped=skipped))
        self.sig_imported.emit(report)
        self._open_case(report.case)

    def _on_failed(self, exc: BaseException, choice: ImportChoice) -> None:
        self._handle = None
        self._close_progress()
        if isinstance(exc, BadRowsFound):
            lines = "\n".join(f"{Path(r.file).name}, line {r.line}: {r.reason}"
                              for r in exc.rows[:10])
            self.last_error = lines
            box = QMessageBox(QMessageBox.Icon.Warning, tr("Rows that cannot be imported"),
                              visible(tr("{file} holds rows that cannot be imported exactly. "
                                         "Nothing was written.").format(
                                  file=Path(exc.file).name), limit=400),
                              QMessageBox.StandardButton.Cancel, self._window)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setDetailedText(lines)
            again = box.addButton(tr("Import Skipping Bad Rows"),
                                  QMessageBox.ButtonRole.AcceptRole)
            box.finished.connect(lambda _r: box.clickedButton() is again and self.start(
                dataclasses.replace(choice, skip_bad_rows=True)))
            box.open()
            return
        if isinstance(exc, ImportRefused | OSError | ValueError):
            self._refuse(str(exc))
            return
        self._refuse(log_failure(log, "the import failed", exc))

    def _refuse(self, message: str) -> str:
        self.last_error = message
        self.sig_message.emit(message)
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Import"), visible(message, limit=2000),
                          QMessageBox.StandardButton.Ok, self._window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()
        return message

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.canceled.disconnect(self.cancel)
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None


def _same(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False
