"""Runs the bad-value checks of the open case and shows what they find in the Case dock.

The checks scan the event table (~0.3 s at 10⁶ events), so they start once the views are
filled, on a worker: the first picture never waits for them. ``done`` tells the screenshot
when their findings are on screen.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.workers import LatestOnly
from storage.reads.value_checks import ValueIssue, check_values

if TYPE_CHECKING:
    from app.session import CaseSession
    from app.workers import Runner, TaskContext
    from widgets.case_overview import CaseOverviewView

log = logging.getLogger(__name__)


class ValueChecksController(QObject):
    """Checks the open case's values after loading and lists the findings in the overview."""

    sig_done = Signal()

    def __init__(self, session: CaseSession, runner: Runner,
                 overview: CaseOverviewView) -> None:
        super().__init__(session)
        self._session = session
        self._overview = overview
        self._job: LatestOnly[tuple[ValueIssue, ...]] = LatestOnly(runner)
        self.issues: tuple[ValueIssue, ...] = ()
        self.done = False
        session.sig_opened.connect(self._on_session_opened)
        session.sig_closed.connect(self._on_session_closed)

    def start(self) -> None:
        """Check the open case (called once its events are in the views)."""
        source = self._session.source
        if source is None or self.done:
            return

        def task(ctx: TaskContext) -> tuple[ValueIssue, ...]:
            con = source.connect()
            try:
                return check_values(con, ctx.cancelled)
            finally:
                con.close()

        self._job.request(task, self._on_checked, self._on_failed, background=True)

    def _on_checked(self, issues: tuple[ValueIssue, ...]) -> None:
        self.issues = issues
        self._overview.show_value_issues([issue.line() for issue in issues])
        self._finish()

    def _on_failed(self, exc: BaseException) -> None:
        log.warning("checking the case's values failed: %s", exc)
        self._overview.show_value_issues([f"The values of this case could not be checked: "
                                          f"{exc}"])
        self._finish()

    def _finish(self) -> None:
        self.done = True
        self.sig_done.emit()

    def _on_session_opened(self, _overview: object) -> None:
        self._job.cancel()
        self.issues = ()
        self.done = False

    def _on_session_closed(self) -> None:
        self._on_session_opened(None)
