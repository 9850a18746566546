"""Case URLs (issue #17): ``sqlite:///path`` opens; a case server URL is refused in one line.

Until the shared-server work, ``postgresql://…`` (or any other server dialect) must not reach
the SQLite-only bulk reads: ``open_case`` refuses it before trying any connection, ``info``
and ``--screenshot`` exit 2 with that one line, and the window shows it on its message page.
A password in the URL is never shown.
"""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING

import pytest

from storage.case.errors import CaseOpenError
from storage.case.opener import open_case
from tests.cli_run import run_cli, stderr_lines
from tests.factories import make_case

if TYPE_CHECKING:
    from pathlib import Path

SERVER_URL = "postgresql://user:secret@localhost/case"
SERVER_URLS = [
    SERVER_URL,
    "postgresql+psycopg://user:secret@db.unit.local:5432/op12?sslpassword=secret",
    "postgresql://user:se@cret@localhost/case",  # an unescaped "@" in the password
    "mysql://user:secret@localhost/case",
    "oracle://user:secret@localhost:1521/case",
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Make any attempt to open a socket, resolve a host or build an engine fail the test.

    Returns the list of attempts (each also raises, in case the caller swallowed it).
    """
    tries: list[tuple[object, ...]] = []

    def refuse(*args: object, **kwargs: object) -> None:
        tries.append(args)
        raise AssertionError(f"network use while opening a case: {args!r}")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr("storage.case.opener.create_engine", refuse)
    return tries


@pytest.mark.parametrize("url", SERVER_URLS)
def test_open_case_refuses_a_server_without_connecting(
    url: str, no_network: list[tuple[object, ...]]
) -> None:
    with pytest.raises(CaseOpenError) as info:
        open_case(url)
    err = info.value
    assert no_network == []
    assert err.reason == "unavailable"
    message = str(err)
    assert "\n" not in message
    assert "not supported yet" in message and "SQLite case file (.filature)" in message
    assert "secret" not in message and "cret" not in message


def test_open_case_names_postgresql() -> None:
    with pytest.raises(CaseOpenError) as info:
        open_case(SERVER_URL)
    assert str(info.value) == (
        "postgresql://user:***@localhost/case: case servers (PostgreSQL) are not supported "
        "yet: open a SQLite case file (.filature)."
    )


def test_sqlite_url_still_opens(tmp_path: Path, no_network: list[tuple[object, ...]]) -> None:
    (tmp_path / "op 12").mkdir()
    case = make_case(tmp_path / "op 12" / "case.filature", events=30)
    with open_case(f"sqlite:///{case}") as source:
        assert source.path == case
        assert source.display_name == "case.filature"
        con = source.connect()
        try:
            assert con.execute("SELECT count(*) FROM event").fetchone() == (30,)
        finally:
            con.close()
    assert no_network == []


@pytest.mark.parametrize("url", [SERVER_URL, SERVER_URLS[1]])
def test_info_refuses_a_server_url(url: str) -> None:
    result = run_cli("info", url)
    assert result.returncode == 2
    lines = stderr_lines(result)
    assert len(lines) == 1, lines
    assert "not supported yet" in lines[0]
    assert "secret" not in result.stderr and "secret" not in result.stdout


def test_screenshot_refuses_a_server_url(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    result = run_cli(SERVER_URL, "--screenshot", out)
    assert result.returncode == 2
    lines = stderr_lines(result)
    assert len(lines) == 1, lines
    assert "not supported yet" in lines[0]
    assert "secret" not in result.stderr and "secret" not in result.stdout


def test_info_still_opens_a_sqlite_url(tmp_path: Path) -> None:
    case = make_case(tmp_path / "case.filature", events=30)
    result = run_cli("info", f"sqlite:///{case}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["event"] == 30


def test_window_shows_the_refusal(window, qtbot) -> None:
    with qtbot.waitSignal(window.session.sig_failed, timeout=10_000):
        window.open_case(SERVER_URL)
    shown = window.message_page.message_text()
    assert "not supported yet" in shown
    assert "secret" not in shown
    assert window.message_page.isVisible()
