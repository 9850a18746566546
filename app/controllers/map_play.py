"""Plays the shipments and rounds through time on the map, with the timeline following.

The range is the timeline's selected range, or the whole case. The clock advances by the
chosen speed times the real time elapsed (not per tick: a slow frame does not slow the
case's time), at up to 30 frames a second; a step is a fiftieth of the range. The map's
flows are re-merged once per step of case time, its moving parcels every frame.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from widgets.timefmt import format_instant

if TYPE_CHECKING:
    from app.controllers.case_events import CaseEvents
    from app.session import CaseSession
    from app.state import AppState
    from storage.reads.overview import CaseOverview
    from widgets.map import MapView
    from widgets.map.play import PlayBar

FRAME_MS = 16
"""Ticks a second up to 60: a frame costs a few ms (the picture is reused), so the play
bar reaches 30 frames a second with room for a slow one."""
STEPS = 50


class PlayController(QObject):
    """Runs the animation's clock for one map and its play bar."""

    def __init__(self, view: MapView, bar: PlayBar, state: AppState, session: CaseSession,
                 events: CaseEvents) -> None:
        super().__init__(view)
        self._view, self._bar, self._state, self._events = view, bar, state, events
        self._span: tuple[int, int] | None = None
        self._clock: int | None = None
        self._speed = bar.speed
        self._last = 0.0
        self._timer = QTimer(self, interval=FRAME_MS)
        self._timer.timeout.connect(self._on_tick)
        bar.sig_play_requested.connect(self.play)
        bar.sig_step_requested.connect(self.step)
        bar.sig_speed_requested.connect(self._on_bar_speed_requested)
        state.sig_time_selection_changed.connect(lambda _w: self.stop())
        session.sig_opened.connect(self._on_session_opened)
        events.sig_reset.connect(self.stop)

    def _on_session_opened(self, overview: CaseOverview) -> None:
        self._span = ((overview.first_ts, overview.last_ts)
                      if overview.first_ts is not None and overview.last_ts is not None
                      else None)
        self.stop()

    def _range(self) -> tuple[int, int] | None:
        window = self._state.time_selection
        if window is not None:
            return window.start, window.end
        return self._span

    @property
    def clock(self) -> int | None:
        return self._clock

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self, on: bool = True) -> None:
        span = self._range()
        if not on or span is None:
            self._timer.stop()
            self._bar.show_playing(False)
            return
        if self._clock is None or self._clock >= span[1]:
            self._set_clock(span[0])
        self._last = time.perf_counter()
        self._timer.start()
        self._bar.show_playing(True)

    def step(self, direction: int) -> None:
        span = self._range()
        if span is None:
            return
        start, end = span
        now = start if self._clock is None else self._clock
        self._set_clock(min(max(now + direction * max((end - start) // STEPS, 1), start), end))

    def stop(self) -> None:
        """Animation off: the map shows every leg of the range again."""
        self._timer.stop()
        self._bar.show_playing(False)
        self._set_clock(None)

    def _on_bar_speed_requested(self, speed: int) -> None:
        self._speed = int(speed)

    def _on_tick(self) -> None:
        span = self._range()
        if span is None or self._clock is None:
            self.stop()
            return
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        clock = self._clock + int(elapsed * self._speed * 1_000_000)
        if clock >= span[1]:
            clock = span[1]
            self._timer.stop()
            self._bar.show_playing(False)
        self._set_clock(clock)

    def _set_clock(self, clock: int | None) -> None:
        self._clock = clock
        span = self._range()
        bucket = 0 if span is None else max((span[1] - span[0]) // STEPS, 1)
        self._view.set_clock(clock, bucket)
        self._state.set_clock(clock)
        zone = self._events.display_zone
        self._bar.show_clock("" if clock is None else format_instant(clock, zone))
