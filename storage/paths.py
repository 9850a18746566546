"""Where Filature keeps the user's own files: notes, settings, cache, working copies.

Everything goes through platformdirs so the locations follow each OS's rules. The
``FILATURE_HOME`` environment variable moves all of them under one folder: tests use it to
stay away from the real user's files, and a unit can use it to keep a portable install on a
removable drive.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Filature"


def _root_override() -> Path | None:
    value = os.environ.get("FILATURE_HOME")
    return Path(value) if value else None


def _resolve(kind: str) -> Path:
    root = _root_override()
    if root is not None:
        path = root / kind
    elif kind == "data":
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    elif kind == "config":
        path = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    else:
        path = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    """The user's notes store lives here (never next to the evidence)."""
    return _resolve("data")


def user_config_dir() -> Path:
    """Settings, window layout and recent files."""
    return _resolve("config")


def user_cache_dir() -> Path:
    """The generated demo case and private working copies of WAL-mode cases."""
    return _resolve("cache")


def working_dir() -> Path:
    """Private folder for working copies; emptied when the case closes and at start-up."""
    path = user_cache_dir() / "working"
    path.mkdir(parents=True, exist_ok=True)
    return path
