"""Start-up through main.py, in subprocesses (a second QApplication in-process would abort).

Every run goes through :func:`tests.cli_run.run_cli`: a traceback on stderr, a hang or an exit
code other than 0, 2 or 3 fails the test whatever it checks besides.
"""

import json
from pathlib import Path

import pytest

from tests.cli_run import run_cli
from tests.factories import make_case


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def test_screenshot_of_demo_case(tmp_path: Path, _user_dirs: Path) -> None:
    out = tmp_path / "demo.png"
    result = run_cli("--screenshot", str(out), home=_user_dirs)
    assert result.returncode == 0, result.stderr
    width, height = png_size(out)
    assert width >= 1400 and height >= 900


def test_screenshot_of_generated_case_leaves_it_unchanged(tmp_path: Path, _user_dirs: Path) -> None:
    case = tmp_path / "gen.filature"
    gen = run_cli("generate", "--events", "5000", "--out", str(case), home=_user_dirs)
    assert gen.returncode == 0, gen.stderr
    assert json.loads(gen.stdout)["events"] == 5000
    before = case.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "gen.png"
    result = run_cli("--screenshot", str(out), str(case), home=_user_dirs)
    assert result.returncode == 0, result.stderr
    assert case.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*listing, "gen.png"])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plain.txt", b"hello\n"),
        ("empty.filature", b""),
        ("fake.db", b"SQLite format 3\x00" + b"\x00" * 50),
    ],
)
def test_bad_case_exits_2_with_one_line(
    tmp_path: Path, _user_dirs: Path, name: str, content: bytes
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    out = tmp_path / "x.png"
    result = run_cli("--screenshot", str(out), str(bad), home=_user_dirs)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert bad.read_bytes() == content


def test_info_and_missing_file(tmp_path: Path, _user_dirs: Path) -> None:
    missing = run_cli("info", str(tmp_path / "nope.filature"), home=_user_dirs)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1


def test_generate_refuses_to_overwrite(tmp_path: Path, _user_dirs: Path) -> None:
    target = tmp_path / "exists.filature"
    target.write_bytes(b"keep me")
    result = run_cli("generate", "--events", "1000", "--out", str(target), home=_user_dirs)
    assert result.returncode == 2 and target.read_bytes() == b"keep me"


def test_screenshot_with_deep_links(tmp_path: Path, _user_dirs: Path) -> None:
    case = make_case(tmp_path / "small.filature", events=30)
    out = tmp_path / "range.png"
    result = run_cli("--screenshot", str(out), "--size", "1400x900", str(case),
                      "--range", "2024-05-01T12:00/PT6H", "--select", "event:3",
                      home=_user_dirs)
    assert result.returncode == 0, result.stderr
    assert png_size(out) == (1400, 900)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--select", "event:99999"), "no such record"),
        (("--range", "2024-03-31T02:30/PT1H"), "does not exist in Europe/Paris"),
        (("--range", "yesterday/today"), "--range"),
        (("--select", "parcel-7"), "--select"),
    ],
)
def test_bad_deep_links_exit_2_with_one_line(
    tmp_path: Path, _user_dirs: Path, args: tuple[str, ...], needle: str
) -> None:
    case = make_case(tmp_path / "small.filature", events=5)
    out = tmp_path / "x.png"
    result = run_cli("--screenshot", str(out), str(case), *args, home=_user_dirs)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not out.exists()
