import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platformdirs location at a fresh temporary folder.

    Tests must never read or write the real user's notes, settings or cache.
    """
    root = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("FILATURE_HOME", str(root))
    return root
