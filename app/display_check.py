"""Can a real window open? Asked before the ``QApplication`` exists, answered in one line.

Why: when Qt cannot start its platform plugin it does not raise, it calls ``qFatal`` and the
process aborts (exit code 134) after a few lines of advice that name the wrong package
(``xcb-cursor0``, when a dozen other ``libxcb-*`` libraries may be missing too). The command
line promises one line on stderr and exit code 2 for anything the user can fix, so
:func:`window_problem` repeats the part of Qt's choice that can fail *before* Qt makes it:

1. Which platform: ``QT_QPA_PLATFORM`` when set (a ``"xcb;wayland"`` list is tried in order,
   ``"xcb:option=value"`` carries options). Otherwise, on Linux, what Qt 6's
   ``QGuiApplicationPrivate::createPlatformIntegration`` builds: ``wayland;xcb`` when
   ``WAYLAND_DISPLAY`` is set (or ``XDG_SESSION_TYPE=wayland``) and the plugin is installed,
   else ``xcb`` (the default PySide6's Linux wheels are built with).
2. Is there a display: ``DISPLAY`` for xcb; the Wayland socket for wayland. Only the variable
   (or the socket file) is checked: connecting to an X server could mean a TCP connection
   (``ssh -X`` displays), and this program opens no network connection of any kind.
3. Can the plugin be loaded: ``ctypes.CDLL`` on the plugin file runs the same dynamic loader Qt
   uses; its ``OSError`` names the first missing shared library. Each other library the plugin
   links against (the tables below, from ``readelf -d`` on PySide6's ``libqxcb.so``,
   ``libQt6XcbQpa.so.6``, ``libqwayland.so`` and ``libQt6WaylandClient.so.6``) is then tried on
   its own, so the message lists every package to install at once, with its Debian name.
   A plugin that loads stays loaded: Qt's own ``dlopen`` of the same file finds it there.

The check only refuses what Qt would certainly abort on: another operating system (macOS,
Windows: their plugins need nothing extra), a platform that needs no display (``offscreen``,
``minimal``, ``vnc``, ``eglfs`` …), a plugin file it cannot find or a list with one usable
entry all pass. Pure Python (``ctypes``), no Qt import, no network: it runs in milliseconds.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

# soname -> Debian (and Ubuntu) package. Every system library the xcb and wayland plugins of
# PySide6 6.8-6.11 link against, directly or through libQt6XcbQpa / libQt6WaylandClient.
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

# What each plugin needs from the system, in the order the loader meets them.
XCB_LIBRARIES: tuple[str, ...] = (
    "libGL.so.1", "libxkbcommon.so.0", "libxkbcommon-x11.so.0", "libxcb-cursor.so.0",
    "libxcb-icccm.so.4", "libxcb-util.so.1", "libxcb-image.so.0", "libxcb-keysyms.so.1",
    "libxcb-randr.so.0", "libxcb-render-util.so.0", "libxcb-shm.so.0", "libxcb-sync.so.1",
    "libxcb-xfixes.so.0", "libxcb-render.so.0", "libxcb-shape.so.0", "libxcb-xkb.so.1",
    "libxcb.so.1", "libX11-xcb.so.1", "libX11.so.6", "libglib-2.0.so.0",
    "libgthread-2.0.so.0",
)
WAYLAND_LIBRARIES: tuple[str, ...] = (
    "libwayland-client.so.0", "libwayland-cursor.so.0", "libGL.so.1", "libxkbcommon.so.0",
)

NO_X_DISPLAY = "no display: set DISPLAY, run under xvfb-run, or use --screenshot OUT.png"
NO_WAYLAND_DISPLAY = ("no Wayland display: set WAYLAND_DISPLAY, use QT_QPA_PLATFORM=xcb, "
                      "or use --screenshot OUT.png")

_MISSING = re.compile(r"([\w.+-]+\.so(?:\.[\w.]+)?): cannot open shared object file")


def platform_candidates(env: Mapping[str, str], system: str,
                        plugin_exists: Callable[[str], bool]) -> list[str]:
    """The platform plugins Qt will try, in order, lower case and without options.

    Without ``QT_QPA_PLATFORM``, empty on other systems than Linux: PySide6's macOS and Windows
    plugins (cocoa, windows) need no extra system library and always have a screen.
    """
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        names = [entry.split(":", 1)[0].strip().lower() for entry in chosen.split(";")]
        return [name for name in names if name]
    if not system.startswith("linux"):
        return []
    wayland = "WAYLAND_DISPLAY" in env or env.get("XDG_SESSION_TYPE") == "wayland"
    if wayland and plugin_exists("wayland"):
        return ["wayland", "xcb"]  # Qt falls back to xcb (XWayland) when wayland fails
    return ["xcb"]


def plugin_dirs(env: Mapping[str, str]) -> list[Path]:
    """Folders Qt looks in for platform plugins: the environment's first, then PySide6's."""
    dirs: list[Path] = []
    if env.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        dirs.append(Path(env["QT_QPA_PLATFORM_PLUGIN_PATH"]))
    dirs += [Path(p) / "platforms" for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep)
             if p]
    # find_spec: where PySide6 is installed, without running its __init__
    spec = importlib.util.find_spec("PySide6")
    for location in (spec.submodule_search_locations or []) if spec else []:
        dirs.append(Path(location) / "Qt" / "plugins" / "platforms")
    return dirs


def plugin_file(name: str, dirs: Sequence[Path]) -> Path | None:
    """The plugin's shared library (one ``libqwayland.so`` serves every ``wayland*`` key)."""
    stem = "wayland" if name.startswith("wayland") else name
    for folder in dirs:
        path = folder / f"libq{stem}.so"
        if path.is_file():
            return path
    return None


def missing_libraries(plugin: Path, needed: Sequence[str],
                      load: Callable[[str], object]) -> tuple[list[str], str | None]:
    """Sonames the plugin cannot find, and the loader's message when it names none.

    ``([], None)`` means the plugin loaded. The loader stops at the first missing library, so
    the others in ``needed`` are tried one by one to report them all in one go.
    """
    try:
        load(str(plugin))
    except OSError as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        found = _MISSING.search(text)
        if found is None:
            return [], text
        missing = [found.group(1)]
    else:
        return [], None
    for soname in needed:
        if soname in missing:
            continue
        try:
            load(soname)
        except OSError:
            missing.append(soname)
    return missing, None


def _wayland_socket_exists(env: Mapping[str, str]) -> bool:
    name = env.get("WAYLAND_DISPLAY") or "wayland-0"
    if os.path.isabs(name):
        return Path(name).exists()
    runtime = env.get("XDG_RUNTIME_DIR")
    return bool(runtime) and (Path(runtime) / name).exists()


def _library_problem(name: str, missing: Sequence[str]) -> str:
    bundled = [s for s in missing if s.startswith("libQt6") or s.startswith("libicu")]
    if bundled:
        return (f"PySide6 is incomplete ({', '.join(bundled)} not found): reinstall it with "
                "pip install --force-reinstall PySide6-Essentials")
    debs = list(dict.fromkeys(DEBIAN_PACKAGES[s] for s in missing if s in DEBIAN_PACKAGES))
    unknown = [s for s in missing if s not in DEBIAN_PACKAGES]
    text = f"the window needs system libraries ({', '.join(missing)} not found"
    text += f", for Qt's {name} platform plugin)"
    if debs:
        text += f": apt-get install {' '.join(debs)}"
    if unknown and not debs:
        text += ": install them with the system's package manager"
    return text


def platform_problem(name: str, env: Mapping[str, str], dirs: Sequence[Path],
                     load: Callable[[str], object]) -> str | None:
    """Why platform ``name`` would abort Qt's start, or None when it should start."""
    if name == "xcb":
        needed, has_display = XCB_LIBRARIES, bool(env.get("DISPLAY"))
        no_display = NO_X_DISPLAY
    elif name.startswith("wayland"):
        needed, has_display = WAYLAND_LIBRARIES, _wayland_socket_exists(env)
        no_display = NO_WAYLAND_DISPLAY
    else:
        return None  # offscreen, minimal, vnc, eglfs, linuxfb…: no display server to find
    problems = []
    plugin = plugin_file(name, dirs)
    if plugin is not None:  # not found: Qt may know a folder we don't; let it decide
        missing, error = missing_libraries(plugin, needed, load)
        if missing:
            problems.append(_library_problem(name, missing))
        elif error:
            problems.append(f"Qt's {name} platform plugin cannot be loaded: {error}")
    if not has_display:
        problems.append(no_display)
    return "; and ".join(problems) or None


def window_problem(env: Mapping[str, str] | None = None, *, system: str | None = None,
                   dirs: Sequence[Path] | None = None,
                   load: Callable[[str], object] | None = None) -> str | None:
    """One line saying why Qt could not open a window here, or None when it should.

    Every argument defaults to the real thing (``os.environ``, ``sys.platform``, the plugin
    folders, ``ctypes.CDLL``); tests pass fakes. With a list of platforms, one usable entry is
    enough (Qt tries them in order) and the first entry's problem is reported otherwise.
    """
    env = os.environ if env is None else env
    system = sys.platform if system is None else system
    if not system.startswith("linux"):
        return None  # cocoa/windows, or a platform named on a system we have no table for
    found = plugin_dirs(env) if dirs is None else dirs
    load = ctypes.CDLL if load is None else load
    names = platform_candidates(env, system, lambda n: plugin_file(n, found) is not None)
    problems = []
    for name in names:
        problem = platform_problem(name, env, found, load)
        if problem is None:
            return None  # Qt stops at the first entry that starts, so do we
        problems.append(problem)
    if not problems:
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    return f"QT_QPA_PLATFORM={chosen}: {problems[0]}" if len(names) > 1 and chosen else problems[0]
