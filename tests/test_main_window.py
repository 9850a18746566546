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


def test_big_case_screenshot_is_taken_at_first_paint(
    make_window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From EARLY_FROM_EVENTS on, the picture is the first painted timeline; the table says
    it is still loading. (The full read is held back here so that the order is certain.)"""
    import threading

    import app.controllers.case_events as evidence
    import app.screenshot as shot
    from tests.factories import make_case

    release = threading.Event()
    read = evidence.read_event_columns

    def held_read(*args: object, **kwargs: object):
        release.wait(30)
        return read(*args, **kwargs)

    monkeypatch.setattr(evidence, "read_event_columns", held_read)
    monkeypatch.setattr(shot, "EARLY_FROM_EVENTS", 1_000)
    finished: list[tuple[int, str, bool, str]] = []

    def finish(job: shot.ScreenshotJob, code: int, error: str) -> None:
        window = job._window
        finished.append((code, error, window.evidence.loaded, window.table.notice()))
        release.set()

    monkeypatch.setattr(shot.ScreenshotJob, "_finish", finish)
    case = make_case(tmp_path / "big.filature", events=3000)
    out = tmp_path / "early.png"
    window = make_window(persist=False)
    window.resize(1200, 800)
    shot.ScreenshotJob(window, out, timeout_ms=60_000, wait_loaded=False)
    window.show()
    window.open_case(case)
    qtbot.waitUntil(lambda: bool(finished), timeout=30_000)
    code, error, loaded, notice = finished[0]
    assert (code, error) == (0, "")
    assert not loaded and notice == "Loading 3,000 events…"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    qtbot.waitUntil(lambda: window.evidence.loaded, timeout=30_000)
    assert window.table.notice() == ""


def test_small_case_screenshot_waits_for_everything(
    make_window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.screenshot as shot
    from tests.factories import make_case

    finished: list[tuple[bool, bool]] = []
    monkeypatch.setattr(shot.ScreenshotJob, "_finish", lambda job, code, error: finished.append(
        (job._window.evidence.loaded, job._window.is_ready)))
    window = make_window(persist=False)
    shot.ScreenshotJob(window, tmp_path / "small.png", timeout_ms=60_000, wait_loaded=False)
    window.show()
    window.open_case(make_case(tmp_path / "small.filature", events=300))
    qtbot.waitUntil(lambda: bool(finished), timeout=30_000)
    assert finished[0] == (True, True)
