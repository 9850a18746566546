"""The test window: one way to build it and to wait until it shows a case."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from app.deep_link import DeepLink
    from app.main_window import MainWindow


def open_and_wait(window: MainWindow, qtbot, case: Path, link: DeepLink | None = None, *,
                  timeout: int = 30_000) -> None:
    """Open ``case`` and return once the window says everything is shown (``sig_ready``)."""
    with qtbot.waitSignal(window.sig_ready, timeout=timeout):
        window.open_case(case, link)
