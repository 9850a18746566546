from PySide6.QtCore import QCoreApplication

from app.workers import Beside, LatestOnly, Runner, TaskContext


def test_inline_runner_delivers_result_and_progress(qtbot) -> None:
    runner = Runner(inline=True)
    seen: list[object] = []

    def task(ctx: TaskContext) -> int:
        ctx.progress("half", 0.5)
        return 42

    runner.submit(task, seen.append, on_progress=lambda t, f: seen.append((t, f)))
    assert seen == [("half", 0.5), 42]


def test_errors_reach_the_owner(qtbot) -> None:
    runner = Runner(inline=True)
    errors: list[BaseException] = []

    def boom(ctx: TaskContext) -> None:
        raise ValueError("bad")

    runner.submit(boom, lambda _: None, errors.append)
    assert isinstance(errors[0], ValueError)


def test_thread_pool_delivers_on_ui_thread(qtbot) -> None:
    runner = Runner()
    results: list[int] = []
    runner.submit(lambda ctx: 7, results.append)
    qtbot.waitUntil(lambda: results == [7])


def test_cancelled_task_is_not_delivered(qtbot) -> None:
    runner = Runner(inline=False)
    results: list[int] = []
    started = []

    def slow(ctx: TaskContext) -> int:
        started.append(1)
        while not ctx.cancelled():
            pass
        return 1

    handle = runner.submit(slow, results.append)
    qtbot.waitUntil(lambda: started == [1])
    handle.cancel()
    assert runner.wait_done(5000)
    QCoreApplication.processEvents()  # deliver anything queued
    assert results == []


def test_latest_only_drops_stale_results(qtbot) -> None:
    runner = Runner(inline=True)
    latest: LatestOnly[int] = LatestOnly(runner)
    got: list[int] = []
    latest.request(lambda ctx: 1, got.append)
    latest.request(lambda ctx: 2, got.append)
    assert got == [1, 2]  # inline: each finishes before the next starts

    threaded = LatestOnly(Runner())
    gate: list[int] = []

    def first(ctx: TaskContext) -> int:
        while not gate:
            pass
        return 1

    out: list[int] = []
    threaded.request(first, out.append)
    threaded.request(lambda ctx: 2, out.append)
    qtbot.waitUntil(lambda: out == [2])
    gate.append(1)
    threaded._runner.wait_done(5000)
    QCoreApplication.processEvents()  # deliver anything queued
    assert out == [2]


def test_beside_runs_on_its_own_thread_and_hands_back_result_or_error() -> None:
    import threading

    import pytest

    started = threading.Event()
    go = threading.Event()

    def work() -> str:
        started.set()
        go.wait(5)
        return threading.current_thread().name

    job = Beside(work, "beside-test")
    assert started.wait(5)  # it runs before anyone asks for the result
    go.set()
    assert job.result() == "beside-test"

    def fail() -> None:
        raise ValueError("broken page")

    failing = Beside(fail, "beside-fail")
    error = failing.join()
    assert isinstance(error, ValueError)
    with pytest.raises(ValueError, match="broken page"):
        failing.result()
