"""Qt plumbing for the timeline probe: the app as ``main.py`` builds it, waits, timings, RSS.

Kept apart from the scenarios so that ``bench/timeline_probe.py`` reads as the list of what is
measured. Everything here runs in a probe subprocess, never in the parent: a process holds
one ``QApplication`` and its peak RSS would mix scenarios.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app import qt_log
from app.main_window import MainWindow
from app.settings import Settings
from app.workers import Runner
from storage.case.opener import clear_stale_working_copies
from widgets.timeline.lanes_item import LanesItem

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


WINDOW_SIZE = (1600, 1000)  # the size --screenshot uses by default
PAINT_GRACE_S = 5.0  # after sig_ready, how long a lanes paint may still take to come


def make_app() -> QApplication:
    """The QApplication exactly as ``app.cli.run_gui`` sets it up (minus the window)."""
    logging.basicConfig(level=logging.WARNING, format="filature: %(name)s: %(message)s")
    logging.getLogger("qt").addFilter(_drop_offscreen_raise)
    qt_log.install()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Filature")
    app.setOrganizationName("Filature")
    clear_stale_working_copies()
    return app


def _drop_offscreen_raise(record: logging.LogRecord) -> bool:
    """The offscreen plugin warns on every ``raise()`` (each selection raises a dock)."""
    return "does not support raise()" not in record.getMessage()


def new_window(runner: Runner, timeout_s: float = 30.0) -> MainWindow:
    """Construct and show an empty main window; return once its first paint is done.

    Offscreen, ``show()`` only queues the expose: the first paint (every widget, scroll-area
    viewports included) happens when the event loop runs, so spin it until the window has
    received its paint event. ``repaint()`` right after ``show()`` paints nothing.
    """
    window = MainWindow(runner, settings=Settings(), persist=False)
    window.resize(*WINDOW_SIZE)
    seen = _PaintSeen(window)
    window.show()
    spin_until(lambda: seen.painted, timeout_s)
    QApplication.processEvents()  # the rest of the same paint pass
    window.removeEventFilter(seen)
    return window


class _PaintSeen(QObject):
    """Event filter that notes the first paint event of the widget it watches."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def spin_until(done: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until ``done()``; False on time-out.

    It sleeps in ``WaitForMoreEvents`` (a 20 ms timer wakes it to re-check) rather than
    polling: on two cores a busy UI thread would steal one from the loading workers.
    """
    tick = QTimer()
    tick.start(20)
    deadline = time.perf_counter() + timeout_s
    try:
        while not done():
            if time.perf_counter() > deadline:
                return False
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        tick.stop()
    return True


def drain() -> float:
    """Run posted events (deferred updates, queued results); seconds spent."""
    t = time.perf_counter()
    QApplication.processEvents()
    return time.perf_counter() - t


def memory_mb() -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of this process, in MiB."""
    out: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    out["peak_rss_mb" if key == "VmHWM" else "rss_mb"] = round(
                        int(rest.split()[0]) / 1024, 1)
    except OSError:
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


@dataclass
class PaintLog:
    """What Qt painted, recorded by wrappers around two paint methods.

    ``LanesItem.paint`` (the lanes) and ``pyqtgraph.GraphicsView.paintEvent`` (a plot's
    viewport) are wrapped on their classes, in the probe process only. The bench does not
    force paints: it lets the event loop paint as it would on screen and reads here when the
    timeline's plot was painted with its lanes, how often, and for how long. Install before
    the first paint: shiboken caches a class's Python override once Qt has called it.
    """

    lanes: list[float] = field(default_factory=list)
    rebuilds: list[float] = field(default_factory=list)
    #: (view, end time, seconds, lanes painted) per paint of a plot viewport
    views: list[tuple[object, float, float, int]] = field(default_factory=list)

    def install(self) -> None:
        lanes_paint, update_view = LanesItem.paint, LanesItem.update_view
        view_paint = pg.GraphicsView.paintEvent
        log = self

        def timed_lanes(item: LanesItem, *args: object) -> None:
            t = time.perf_counter()
            lanes_paint(item, *args)  # type: ignore[arg-type]
            log.lanes.append(time.perf_counter() - t)

        def timed_update(item: LanesItem, *args: object) -> bool:
            t = time.perf_counter()
            rebuilt = update_view(item, *args)  # type: ignore[arg-type]
            if rebuilt:
                log.rebuilds.append(time.perf_counter() - t)
            return rebuilt

        def timed_view(view: object, event: object) -> None:
            n, t = len(log.lanes), time.perf_counter()
            view_paint(view, event)
            end = time.perf_counter()
            log.views.append((view, end, end - t, len(log.lanes) - n))

        LanesItem.paint = timed_lanes  # type: ignore[method-assign]
        LanesItem.update_view = timed_update  # type: ignore[method-assign]
        pg.GraphicsView.paintEvent = timed_view

    def plot_paints(self, plot: object, since: int = 0) -> list[tuple[float, float, int]]:
        """``(end, seconds, lanes painted)`` of each paint of ``plot`` from index ``since``."""
        return [(end, sec, n) for v, end, sec, n in self.views[since:] if v is plot]


@dataclass
class OpenTiming:
    """``perf_counter`` marks of one open, from before the window is constructed."""

    t0: float
    window: float = 0.0
    open_called: float = 0.0
    first_data: float = 0.0
    first_painted: float = 0.0
    ready: float = 0.0
    first_stats: dict[str, object] = field(default_factory=dict)
    failed: str = ""

    def as_ms(self) -> dict[str, object]:
        def ms(a: float, b: float) -> float | None:
            return round((b - a) * 1e3, 1) if a and b else None

        return {
            "window_ms": ms(self.t0, self.window),
            "first_paint_ms": ms(self.t0, self.first_painted),
            "open_to_first_paint_ms": ms(self.open_called, self.first_painted),
            "first_data_to_paint_ms": ms(self.first_data, self.first_painted),
            "ready_ms": ms(self.t0, self.ready),
            "open_to_ready_ms": ms(self.open_called, self.ready),
            "first_frame": self.first_stats,
            "failed": self.failed or None,
        }


def open_timed(path: Path, paint_log: PaintLog, timeout_s: float
               ) -> tuple[MainWindow, Runner, OpenTiming]:
    """Build the window, open ``path`` and wait for ``sig_ready``, marking each step.

    "First painted" is the end of the first paint of the timeline's plot viewport that drew
    the lanes after ``sig_first_paint`` (the controller's ``set_data`` of the partial
    timeline). That signal can fire before the evidence page is even shown, so the bench
    waits for Qt's own paint instead of forcing one into a hidden widget.
    """
    timing = OpenTiming(t0=time.perf_counter())
    runner = Runner()
    window = new_window(runner)
    timing.window = time.perf_counter()
    plot = window.timeline.plot

    def on_first_paint(*_data: object) -> None:
        timing.first_data = time.perf_counter()

    def on_ready() -> None:
        timing.ready = time.perf_counter()

    def on_failed(_heading: str, message: str) -> None:
        timing.failed = message

    def on_painted() -> bool:
        done = [end for end, _s, n in paint_log.plot_paints(plot) if n and end >= timing.first_data]
        if timing.first_data and done and not timing.first_painted:
            timing.first_painted = done[0]
            timing.first_stats = window.timeline.render_stats()
        return bool(timing.first_painted)

    window.evidence.sig_first_paint.connect(on_first_paint)
    window.sig_ready.connect(on_ready)
    window.session.sig_failed.connect(on_failed)
    timing.open_called = time.perf_counter()
    window.open_case(path)
    def settled() -> bool:
        if timing.failed:
            return True
        late = timing.ready and time.perf_counter() - timing.ready > PAINT_GRACE_S
        return bool(timing.ready and (on_painted() or late))

    spin_until(settled, timeout_s)
    if not (timing.ready or timing.failed):
        timing.failed = f"not ready after {timeout_s:.0f} s"
    if not on_painted() and not timing.failed:
        timing.failed = "the timeline was never painted with its lanes"
    return window, runner, timing


def quit_fast(runner: Runner, on_exit: Callable[[], None]) -> None:
    """Close what runs, print, and leave without tearing down ten million rows' worth of Qt."""
    import os

    runner.wait_done(10_000)
    on_exit()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
