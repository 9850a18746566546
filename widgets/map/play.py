"""The map's play bar: animate shipments and rounds through the selected time range.

Play/pause, one step back or forward, a speed from ×60 (a minute a second: a courier's
round) to ×86,400 (a day a second: a month of parcels), and the clock in the case's zone.
The bar only asks (``sig_*_requested``); the app runs the clock and calls ``show_clock``.
Keys (with the map or the bar focused): Space plays or pauses, ``.``/``,`` step, ``]``/``[``
go faster or slower — the same animation is shown in court from the keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from widgets.plain_text import plain_label, set_plain

SPEEDS = (60, 600, 3_600, 21_600, 86_400)
"""Seconds of case time per second of animation."""
_PLAY = QT_TRANSLATE_NOOP("PlayBar", "Play")
_PAUSE = QT_TRANSLATE_NOOP("PlayBar", "Pause")


def _tr(text: str) -> str:
    return QCoreApplication.translate("PlayBar", text)


class PlayBar(QWidget):
    """Play, pause, step, speed.

    Signals
    -------
    sig_play_requested(bool)
        True: play (from the range's start if at its end); False: pause.
    sig_step_requested(int)
        One step forward (+1) or back (-1): a fiftieth of the range.
    sig_speed_requested(int)
        Seconds of case time per second of animation (one of :data:`SPEEDS`).
    """

    sig_play_requested = Signal(bool)
    sig_step_requested = Signal(int)
    sig_speed_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._playing = False
        self._play = QPushButton(_tr(_PLAY))
        self._play.setCheckable(True)
        self._back = QPushButton("◀︎")
        self._forward = QPushButton("▶︎")
        self._back.setToolTip(_tr("Step back (,)"))
        self._forward.setToolTip(_tr("Step forward (.)"))
        self._play.setToolTip(_tr("Play or pause the shipments and rounds (Space)"))
        self._speed = QComboBox()
        for speed in SPEEDS:
            self._speed.addItem(f"×{speed:,}", speed)
        self._speed.setCurrentIndex(SPEEDS.index(3_600))
        self._speed.setToolTip(_tr("Case time per second ([ slower, ] faster)"))
        self._clock = plain_label()
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        for w in (self._back, self._play, self._forward, self._speed):
            row.addWidget(w)
        row.addWidget(self._clock, 1)
        self._play.clicked.connect(lambda on: self.sig_play_requested.emit(bool(on)))
        self._back.clicked.connect(lambda: self.sig_step_requested.emit(-1))
        self._forward.clicked.connect(lambda: self.sig_step_requested.emit(1))
        self._speed.currentIndexChanged.connect(
            lambda i: self.sig_speed_requested.emit(int(self._speed.itemData(i))))

    # -- called by the app; never emits --------------------------------------------------------
    def show_playing(self, playing: bool) -> None:
        self._playing = playing
        self._play.blockSignals(True)
        self._play.setChecked(playing)
        self._play.setText(_tr(_PAUSE if playing else _PLAY))
        self._play.blockSignals(False)

    def show_clock(self, text: str) -> None:
        set_plain(self._clock, text)

    @property
    def speed(self) -> int:
        return int(self._speed.currentData())

    @property
    def playing(self) -> bool:
        return self._playing

    # -- the keyboard ---------------------------------------------------------------------------
    def handle_key(self, key: str) -> bool:
        """Act on a key typed on the map or the bar; False if it is not one of the bar's."""
        if key == " ":
            self.sig_play_requested.emit(not self._playing)
        elif key in (".", ","):
            self.sig_step_requested.emit(1 if key == "." else -1)
        elif key in ("[", "]"):
            i = self._speed.currentIndex() + (1 if key == "]" else -1)
            if 0 <= i < self._speed.count():
                self._speed.setCurrentIndex(i)  # emits sig_speed_requested
        else:
            return False
        return True
