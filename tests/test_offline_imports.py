"""Offline, always: no module of ours imports anything that can open a network connection.

import-linter (pyproject.toml) forbids whole top-level packages such as ``socket``; it cannot
name submodules of external packages, so Qt's network modules and ``urllib.request`` are
checked here, on the source.
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "widgets", "storage", "resources")
FORBIDDEN = (
    "PySide6.QtNetwork",
    "PySide6.QtNetworkAuth",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebSockets",
    "PySide6.QtPositioning",
    "PySide6.QtLocation",
    "PySide6.QtHttpServer",
    "urllib.request",
    "socket",
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_network_imports() -> None:
    offenders = []
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")] + [REPO / "main.py"]
    assert len(files) > 10
    for path in files:
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN):
                offenders.append(f"{path.relative_to(REPO)}: {name}")
    assert offenders == []
