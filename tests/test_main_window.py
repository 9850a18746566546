"""The main window opens the demo case, shows its overview and hash, and reports bad files."""

from pathlib import Path

import pytest

from app.main_window import MainWindow
from app.settings import Settings
from app.workers import Runner


@pytest.fixture
def make_window(qtbot):
    windows: list[MainWindow] = []

    def make(**kwargs) -> MainWindow:
        window = MainWindow(Runner(), settings=Settings(), **kwargs)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def test_opens_demo_case_with_overview_and_hash(make_window, qtbot) -> None:
    window = make_window()
    with qtbot.waitSignal(window.session.sig_ready, timeout=60_000):
        window.open_demo()
    overview = window.session.overview
    assert overview is not None
    assert overview.counts["event"] > 100
    assert overview.time_zone == "Europe/Paris"
    sha = window.session.case_sha256
    assert sha is not None and len(sha) == 64
    assert sha in window.overview_view.hash_text()
    assert overview.title in window.windowTitle()


def test_bad_file_shows_one_clear_message(make_window, qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a case\n")
    window = make_window()
    with qtbot.waitSignal(window.session.sig_failed, timeout=30_000) as blocker:
        window.open_case(bad)
    heading, message = blocker.args
    assert "notes.txt" in heading
    assert "\n" not in message and "Traceback" not in message
    assert message in window.message_page.message_text()
    assert bad.read_text() == "this is not a case\n"


def test_recent_cases_and_layout_persist(make_window, qtbot, tmp_path: Path) -> None:
    window = make_window()
    missing = tmp_path / "gone.filature"
    with qtbot.waitSignal(window.session.sig_failed, timeout=30_000):
        window.open_case(missing)
    assert Settings().recent_cases()[0] == str(missing)
    window.show()
    window.resize(701, 555)
    window.close()
    again = make_window()
    assert (again.size().width(), again.size().height()) == (701, 555)
    assert next(a.text() for a in again.recent_menu.actions()) == str(missing)


def test_screenshot_mode_does_not_touch_settings(make_window, qtbot, tmp_path: Path) -> None:
    window = make_window(persist=False)
    with qtbot.waitSignal(window.session.sig_failed, timeout=30_000):
        window.open_case(tmp_path / "nope.filature")
    assert Settings().recent_cases() == []


@pytest.mark.parametrize("damage", ["truncate", "scramble_page"])
def test_damaged_case_is_refused_even_though_reads_overlap_the_check(
    make_window, qtbot, tmp_path: Path, damage: str
) -> None:
    from tests.factories import make_case

    case = make_case(tmp_path / "damaged.filature", events=3000)
    data = bytearray(case.read_bytes())
    page = 8192
    middle = (len(data) // page // 2) * page
    if damage == "truncate":
        data = data[:middle]
    else:
        data[middle : middle + page] = bytes((i * 37 + 11) % 256 for i in range(page))
    case.write_bytes(bytes(data))
    window = make_window()
    opened: list[object] = []
    window.session.sig_opened.connect(opened.append)
    with qtbot.waitSignal(window.session.sig_failed, timeout=30_000) as blocker:
        window.open_case(case)
    _heading, message = blocker.args
    assert "damaged" in message and "damaged.filature" in message
    assert opened == []
    assert len(window.timeline.data) == 0  # nothing read from it was shown
    assert case.read_bytes() == bytes(data)
