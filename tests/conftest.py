import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platformdirs location at a fresh temporary folder.

    Tests must never read or write the real user's notes, settings or cache.
    """
    root = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("FILATURE_HOME", str(root))
    return root


@pytest.fixture(scope="session")
def qapp(qapp: "QApplication") -> "QApplication":
    """pytest-qt's application, with the bundled fonts installed as ``main.py`` installs them.

    Every test that draws or measures text (through ``qtbot`` or ``qapp``) then sees the fonts
    users and exhibits see, whatever fonts the machine has. Imported here, not at the top, so
    tests that use no Qt never load it.
    """
    from app.fonts import install_fonts

    install_fonts(qapp)
    return qapp


@pytest.fixture
def window(qtbot):
    """A shown main window (1500×950) that saves nothing; closed at teardown."""
    from app.main_window import MainWindow
    from app.settings import Settings
    from app.workers import Runner

    win = MainWindow(Runner(), settings=Settings(), persist=False)
    qtbot.addWidget(win)
    win.resize(1500, 950)
    win.show()
    yield win
    win.close()


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> object:
    """Fail any test that opens an internet socket (the app is offline, always).

    Every connection the process tries (a tile server, a font download, telemetry) goes
    through ``socket.socket.connect``/``connect_ex`` or ``socket.create_connection``; Unix
    sockets (an X server under xvfb) stay allowed. Qt's own network module is never imported
    (tests/test_offline_imports.py).
    """
    import socket

    attempts: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError(f"network access attempted in a test: {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        guard(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    yield attempts
    socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex
    assert not attempts, f"the test session tried the network: {attempts}"
