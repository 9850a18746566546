"""The real window's start-up check: which Qt platform, is there a display, do its libraries load.

The decision logic runs against fake environments, plugin folders and loaders, so no display
(and no missing library) is needed. Start-up itself is tested in a subprocess: Qt aborts the
process when its platform plugin fails, and a second QApplication in this one would too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.display_check import (
    DEBIAN_PACKAGES,
    NO_X_DISPLAY,
    WAYLAND_LIBRARIES,
    XCB_LIBRARIES,
    platform_candidates,
    window_problem,
)

REPO = Path(__file__).resolve().parent.parent


class FakeLoader:
    """``ctypes.CDLL`` stand-in: every name in ``missing`` (a soname, or a plugin file whose
    first missing dependency is ``missing[0]``) fails the way glibc's loader reports it."""

    def __init__(self, *missing: str, error: str | None = None, only: str | None = None) -> None:
        self.missing = set(missing)
        self.first = missing[0] if missing else None
        self.error = error
        self.only = only  # the one plugin file that fails, e.g. "libqwayland.so"; else all
        self.calls: list[str] = []

    def __call__(self, name: str) -> object:
        self.calls.append(name)
        if name.endswith(".so") and "/" in name:  # the plugin itself
            if self.only and not name.endswith("/" + self.only):
                return object()
            if self.error:
                raise OSError(self.error)
            if self.first:
                raise OSError(f"{self.first}: cannot open shared object file: "
                              "No such file or directory")
            return object()
        if name in self.missing:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()


@pytest.fixture
def plugins(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "platforms"
    folder.mkdir()
    for stem in ("xcb", "wayland", "offscreen", "minimal", "vnc"):
        (folder / f"libq{stem}.so").write_bytes(b"\x7fELF")
    return [folder]


def problem(env: dict[str, str], plugins: list[Path], load: FakeLoader | None = None,
            system: str = "linux") -> str | None:
    return window_problem(env, system=system, dirs=plugins, load=load or FakeLoader())


# -- which platform --------------------------------------------------------------------------
@pytest.mark.parametrize(("env", "wayland_installed", "expected"), [
    ({}, True, ["xcb"]),
    ({"DISPLAY": ":0"}, True, ["xcb"]),
    ({"WAYLAND_DISPLAY": "wayland-0"}, True, ["wayland", "xcb"]),
    ({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, True, ["wayland", "xcb"]),
    ({"WAYLAND_DISPLAY": "wayland-0"}, False, ["xcb"]),
    ({"QT_QPA_PLATFORM": "offscreen", "WAYLAND_DISPLAY": "w"}, True, ["offscreen"]),
    ({"QT_QPA_PLATFORM": "xcb;wayland"}, True, ["xcb", "wayland"]),
    ({"QT_QPA_PLATFORM": " Wayland-EGL ; xcb:nograb ;"}, True, ["wayland-egl", "xcb"]),
    ({"QT_QPA_PLATFORM": ""}, True, ["xcb"]),
])
def test_platform_choice_on_linux(env, wayland_installed, expected) -> None:
    assert platform_candidates(env, "linux", lambda name: wayland_installed) == expected


@pytest.mark.parametrize("system", ["darwin", "win32"])
def test_macos_and_windows_always_pass(system: str, plugins) -> None:
    assert platform_candidates({}, system, lambda name: True) == []
    loader = FakeLoader("libxcb-icccm.so.4")
    assert problem({}, plugins, loader, system=system) is None
    assert problem({"QT_QPA_PLATFORM": "xcb"}, plugins, loader, system=system) is None
    assert loader.calls == []


@pytest.mark.parametrize("name", ["offscreen", "minimal", "vnc", "eglfs", "linuxfb"])
def test_platforms_without_a_display_server_pass(name: str, plugins) -> None:
    loader = FakeLoader("libxcb-icccm.so.4")
    assert problem({"QT_QPA_PLATFORM": name}, plugins, loader) is None
    assert loader.calls == []  # not even loaded


# -- xcb ---------------------------------------------------------------------------------------
def test_xcb_with_display_and_libraries_passes(plugins) -> None:
    loader = FakeLoader()
    assert problem({"DISPLAY": ":0"}, plugins, loader) is None
    assert loader.calls == [str(plugins[0] / "libqxcb.so")]  # the plugin loaded: nothing else


def test_xcb_without_display(plugins) -> None:
    assert problem({"QT_QPA_PLATFORM": "xcb"}, plugins) == NO_X_DISPLAY
    assert problem({"DISPLAY": ""}, plugins) == NO_X_DISPLAY
    assert "xvfb-run" in NO_X_DISPLAY and "--screenshot" in NO_X_DISPLAY


def test_missing_libraries_are_all_named_with_their_packages(plugins) -> None:
    loader = FakeLoader("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    text = problem({"DISPLAY": ":0"}, plugins, loader)
    assert text is not None and "\n" not in text
    assert "apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in text
    assert "libxcb-keysyms.so.1" in text
    assert NO_X_DISPLAY not in text


def test_missing_libraries_and_no_display_make_one_line(plugins) -> None:
    text = problem({}, plugins, FakeLoader("libxcb-icccm.so.4"))
    assert text is not None and "\n" not in text
    assert "apt-get install libxcb-icccm4" in text
    assert text.endswith(NO_X_DISPLAY)


def test_unknown_library_and_other_loader_errors(plugins) -> None:
    text = problem({"DISPLAY": ":0"}, plugins, FakeLoader("libfancy.so.3"))
    assert text is not None and "libfancy.so.3" in text and "apt-get" not in text
    text = problem({"DISPLAY": ":0"}, plugins,
                   FakeLoader(error="/x/libqxcb.so: undefined symbol: _ZN7QWidget\nmore"))
    assert text is not None and "undefined symbol" in text and "\n" not in text


def test_a_broken_pyside6_install_says_reinstall(plugins) -> None:
    text = problem({"DISPLAY": ":0"}, plugins, FakeLoader("libQt6XcbQpa.so.6"))
    assert text is not None and "reinstall" in text and "apt-get" not in text


def test_plugin_not_found_leaves_the_decision_to_qt(tmp_path: Path) -> None:
    loader = FakeLoader("libxcb-icccm.so.4")
    assert window_problem({"DISPLAY": ":0"}, system="linux", dirs=[tmp_path],
                          load=loader) is None
    assert loader.calls == []


def test_plugin_path_from_the_environment_comes_first(tmp_path: Path, plugins) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "libqxcb.so").write_bytes(b"")
    loader = FakeLoader()
    env = {"DISPLAY": ":0", "QT_QPA_PLATFORM_PLUGIN_PATH": str(own)}
    from app.display_check import plugin_dirs

    assert window_problem(env, system="linux", dirs=[*plugin_dirs(env), *plugins],
                          load=loader) is None
    assert loader.calls == [str(own / "libqxcb.so")]


# -- wayland and lists -------------------------------------------------------------------------
def test_wayland_needs_its_socket(tmp_path: Path, plugins) -> None:
    env = {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-1",
           "XDG_RUNTIME_DIR": str(tmp_path)}
    text = problem(env, plugins)
    assert text is not None and "WAYLAND_DISPLAY" in text
    (tmp_path / "wayland-1").touch()
    assert problem(env, plugins) is None
    text = problem(env, plugins, FakeLoader("libwayland-cursor.so.0"))
    assert text is not None and "apt-get install libwayland-cursor0" in text


def test_a_wayland_session_falls_back_to_xcb_like_qt(tmp_path: Path, plugins) -> None:
    env = {"WAYLAND_DISPLAY": "wayland-1", "XDG_RUNTIME_DIR": str(tmp_path), "DISPLAY": ":0"}
    # no Wayland socket (a stale variable over ssh -X): Qt goes on to xcb, so must we
    assert problem(env, plugins) is None
    # the Wayland plugin cannot load, XWayland is there: fine as well
    broken_wayland = FakeLoader("libwayland-cursor.so.0", only="libqwayland.so")
    assert problem(env, plugins, broken_wayland) is None
    del env["DISPLAY"]
    text = problem(env, plugins)  # neither: the first (Wayland) problem, no variable prefix
    assert text is not None and text.startswith("no Wayland display")


def test_a_list_passes_when_one_entry_can_start(tmp_path: Path, plugins) -> None:
    env = {"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"}
    assert problem(env, plugins) is None  # no Wayland socket, but xcb has a display
    env = {"QT_QPA_PLATFORM": "xcb;wayland"}
    text = problem(env, plugins, FakeLoader("libxcb-icccm.so.4"))
    assert text is not None and text.startswith("QT_QPA_PLATFORM=xcb;wayland: ")
    assert "libxcb-icccm4" in text and "\n" not in text


def test_every_library_the_plugins_need_has_a_package() -> None:
    assert set(XCB_LIBRARIES) | set(WAYLAND_LIBRARIES) <= set(DEBIAN_PACKAGES)


def test_readme_and_ci_install_every_package_the_window_needs() -> None:
    debs = {DEBIAN_PACKAGES[s] for s in XCB_LIBRARIES}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    window_line = next(line for line in readme.splitlines()
                       if line.startswith("sudo apt-get install") and "libxcb-cursor0" in line)
    assert debs <= set(window_line.split())
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert debs <= set(ci.replace('"', " ").split())
    assert "xvfb-run -a env QT_QPA_PLATFORM=xcb" in ci


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PySide6's Linux plugins")
def test_the_tables_cover_what_the_real_xcb_plugin_links() -> None:
    """Read DT_NEEDED from the installed plugin (no loader, no readelf): nothing unmapped."""
    from app.display_check import plugin_dirs, plugin_file

    plugin = plugin_file("xcb", plugin_dirs({}))
    assert plugin is not None
    qpa = plugin.parent.parent.parent / "lib" / "libQt6XcbQpa.so.6"
    needed = _needed(plugin) | (_needed(qpa) if qpa.exists() else set())
    system = {n for n in needed if not n.startswith(("libQt6", "libstdc++", "libm.", "libc.",
                                                    "libgcc_s"))}
    assert system <= set(XCB_LIBRARIES)


def _needed(path: Path) -> set[str]:
    """DT_NEEDED entries of a 64-bit little-endian ELF file."""
    import struct

    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    names = set()
    for sec in sections:
        if sec[1] != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[sec[6]]  # sh_link: the dynamic string table
        for off in range(sec[4], sec[4] + sec[5], 16):
            tag, val = struct.unpack_from("<qQ", data, off)
            if tag == 0:
                break
            if tag == 1:  # DT_NEEDED
                start = strtab[4] + val
                names.add(data[start:data.index(b"\0", start)].decode())
    return names


# -- start-up, in a subprocess -----------------------------------------------------------------
def test_window_without_display_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", FILATURE_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, str(REPO / "main.py")], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("filature: ")
    assert "Traceback" not in result.stderr
    assert "display" in lines[0] or "apt-get install" in lines[0]
