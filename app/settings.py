"""User settings: recent cases, window layout. Stored under platformdirs, never in a case.

An INI file through ``QSettings`` so geometry and dock state (``QByteArray``) round-trip, in
the platformdirs config folder so ``FILATURE_HOME`` moves it with everything else.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from storage.paths import user_config_dir

MAX_RECENT = 10


class Settings:
    """Thin typed wrapper around one ``QSettings`` file."""

    def __init__(self) -> None:
        path = user_config_dir() / "settings.ini"
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        """Where the settings live (shown in the README and the About box)."""
        return self._qs.fileName()

    def recent_cases(self) -> list[str]:
        """Most recent first; paths or URLs exactly as the user opened them."""
        value = self._qs.value("recent/cases", [])
        if isinstance(value, str):  # QSettings returns a bare string for one-item lists
            value = [value]
        return [str(v) for v in value if v][:MAX_RECENT] if isinstance(value, list) else []

    def add_recent_case(self, target: str) -> list[str]:
        """Put ``target`` first, drop duplicates, keep ``MAX_RECENT``; return the new list."""
        items = [target] + [t for t in self.recent_cases() if t != target]
        items = items[:MAX_RECENT]
        self._qs.setValue("recent/cases", items)
        self._qs.sync()
        return items

    def clear_recent_cases(self) -> None:
        """Forget the recent list (e.g. before lending the laptop)."""
        self._qs.remove("recent/cases")
        self._qs.sync()

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """Saved (geometry, dock state), either possibly missing."""
        geometry = self._qs.value("window/geometry")
        state = self._qs.value("window/state")
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the layout for the next start."""
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
        self._qs.sync()

    def hide_empty_lanes(self) -> bool:
        """View ▸ Hide Empty Lanes, as the user last left it (off by default)."""
        value = self._qs.value("view/hide_empty_lanes", False)
        return value in (True, "true", "1", 1)

    def set_hide_empty_lanes(self, on: bool) -> None:
        """Remember View ▸ Hide Empty Lanes."""
        self._qs.setValue("view/hide_empty_lanes", bool(on))
        self._qs.sync()
