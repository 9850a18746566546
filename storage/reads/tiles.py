"""User tile packs: raster MBTiles files for street detail, opened as untrusted files.

An MBTiles file is SQLite (``metadata(name, value)``, ``tiles(zoom_level, tile_column,
tile_row, tile_data)``, rows counted from the south: TMS). It comes from outside the unit,
like a case, so it gets the same defences: the header checked by hand, a read-only hardened
connection (``storage.case.hardening``), SQLite's quick check, and every value bounded — a
tile bigger than :data:`MAX_TILE_BYTES` is refused rather than decoded. Vector tiles (``pbf``)
are refused with a message: the map draws raster tiles only.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from storage.case.errors import CaseOpenError
from storage.case.hardening import connect_readonly
from storage.case.integrity import quick_check, read_header, sha256_file

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_TILE_BYTES = 2 << 20
"""A 256-px raster tile is 5–60 KB; anything over 2 MB is not a tile (or a decompression
bomb), and is not read."""
RASTER_FORMATS = frozenset({"png", "jpg", "jpeg", "webp"})


class TilePackError(Exception):
    """A tile pack cannot be used; the message is one line for the user."""


@dataclass(eq=False)
class TilePack:
    """One open tile pack; :meth:`tile` may be called from the UI thread (a primary-key read)."""

    path: Path
    name: str
    sha256: str
    size: int
    format: str
    min_zoom: int
    max_zoom: int
    metadata: dict[str, str]
    _con: sqlite3.Connection = field(repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def tile(self, zoom: int, x: int, y: int) -> bytes | None:
        """The tile's bytes at ``zoom``/``x``/``y`` (rows from the north, as maps count them).

        None when the pack has no such tile. Raises :class:`TilePackError` for a tile too big
        to be one, or when the file went bad under us.
        """
        row = (1 << zoom) - 1 - y  # TMS counts rows from the south
        try:
            with self._lock:
                found = self._con.execute(
                    "SELECT length(tile_data), typeof(tile_data) FROM tiles WHERE zoom_level = ? "
                    "AND tile_column = ? AND tile_row = ?", (zoom, x, row)).fetchone()
                if found is None:
                    return None
                length, kind = found
                if kind != "blob" or not isinstance(length, int):
                    raise TilePackError(f"{self.name}: tile {zoom}/{x}/{y} is not image data")
                if length > MAX_TILE_BYTES:
                    raise TilePackError(f"{self.name}: tile {zoom}/{x}/{y} is {length:,} bytes: "
                                        "too big to be a map tile, not drawn")
                (data,) = self._con.execute(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                    "AND tile_row = ?", (zoom, x, row)).fetchone()
        except sqlite3.Error as exc:
            raise TilePackError(f"{self.name} cannot be read any more ({exc})") from exc
        return bytes(data)

    def close(self) -> None:
        with self._lock:
            self._con.close()


def open_tile_pack(path: str | Path, cancelled: Callable[[], bool] | None = None) -> TilePack:
    """Check and open ``path`` (on a worker: it hashes and checks the whole file)."""
    path = Path(path)
    name = path.name[:200]
    try:
        read_header(path, name)
        sha = sha256_file(path, cancelled=cancelled)
        con = connect_readonly(path)
    except CaseOpenError as exc:
        raise TilePackError(str(exc).replace("case file", "tile pack")) from exc
    except (OSError, sqlite3.Error) as exc:
        raise TilePackError(f"{name} cannot be opened as a tile pack ({exc})") from exc
    try:
        quick_check(con, name=name, cancelled=cancelled)
        tables = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')")}
        if not {"tiles", "metadata"} <= tables:
            raise TilePackError(f"{name} is SQLite but not an MBTiles tile pack (it has no "
                                "'tiles' and 'metadata' tables)")
        metadata = {}
        for key, value in con.execute(
                "SELECT substr(name, 1, 100), substr(value, 1, 2000) FROM metadata LIMIT 200"):
            if isinstance(key, str):
                metadata[key] = value if isinstance(value, str) else str(value)
        fmt = metadata.get("format", "png").strip().casefold()
        if fmt not in RASTER_FORMATS:
            raise TilePackError(f"{name} holds {fmt or 'unknown'} tiles; only raster tile packs "
                                "(png, jpg, webp) can be drawn")
        zooms = con.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        if zooms is None or not all(isinstance(z, int) for z in zooms):
            raise TilePackError(f"{name} holds no tiles")
        low, high = (max(0, min(int(z), 24)) for z in zooms)
    except CaseOpenError as exc:
        con.close()
        raise TilePackError(str(exc).replace("The case", name)) from exc
    except sqlite3.Error as exc:
        con.close()
        raise TilePackError(f"{name} cannot be read as a tile pack ({exc})") from exc
    except TilePackError:
        con.close()
        raise
    return TilePack(path, metadata.get("name", "")[:200] or name, sha, path.stat().st_size, fmt,
                    low, high, metadata, con)
