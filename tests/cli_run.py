"""Run ``python main.py …`` in a subprocess the way the CLI tests need it.

:func:`run_cli` is the one place tests start ``main.py``: it runs it with the offscreen Qt
platform, in the repository, with the test's ``FILATURE_HOME`` (``tests/conftest.py`` points
it at a fresh folder per test), and it enforces what every command promises whatever its
input (issue #16): it never prints a Python traceback, it ends (a hang fails the test instead
of blocking the suite) and it exits 0 (done), 2 (case or command line refused, one line) or 3
(internal failure), never with a signal or another code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MAIN = REPO / "main.py"
EXIT_CODES = (0, 2, 3)
"""Every exit code ``main.py`` may end with (see ``app/cli.py``)."""
CRASH_MARKERS = ("Traceback", "Fatal Python error")
"""Text on stderr that means an exception or a crash reached the user."""


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_cli(
    *args: str | os.PathLike[str],
    timeout: float = 90,
    home: str | os.PathLike[str] | None = None,
    codes: tuple[int, ...] | None = EXIT_CODES,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python main.py *args`` and return the finished process (text output).

    Fails the calling test (``pytest.fail``) when the process runs longer than ``timeout``
    seconds (it is killed, with any process it started), when stderr holds a traceback, or
    when the exit code is not one of ``codes`` (``None``: any code).

    Parameters
    ----------
    home
        ``FILATURE_HOME`` of the run; by default the test's own (the ``_user_dirs`` fixture
        sets it in ``os.environ``).
    env
        Extra environment variables for the run.
    """
    run_env = dict(os.environ)
    run_env["QT_QPA_PLATFORM"] = "offscreen"
    if home is not None:
        run_env["FILATURE_HOME"] = str(home)
    if "FILATURE_HOME" not in run_env:
        pytest.fail("run_cli needs FILATURE_HOME: the _user_dirs fixture (conftest) sets it")
    run_env.update(env or {})
    argv = [sys.executable, str(MAIN), *(str(a) for a in args)]
    shown = " ".join(["main.py", *(str(a) for a in args)])
    # A session of its own, so that a hang can be ended with everything it started.
    proc = subprocess.Popen(argv, cwd=REPO, env=run_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="backslashreplace", start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"{shown} did not finish within {timeout:g} s (a hang); stderr:\n"
                    f"{_tail(stderr)}", pytrace=False)
    result = subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)
    if any(marker in stderr for marker in CRASH_MARKERS):
        pytest.fail(f"{shown} exited {proc.returncode} with a traceback on stderr:\n"
                    f"{_tail(stderr)}", pytrace=False)
    if codes is not None and proc.returncode not in codes:
        pytest.fail(f"{shown} exited {proc.returncode}, not one of {codes}; stderr:\n"
                    f"{_tail(stderr)}", pytrace=False)
    return result


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The non-empty lines ``result`` wrote on stderr."""
    return [line for line in result.stderr.splitlines() if line.strip()]
