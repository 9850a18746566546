"""User tile packs (MBTiles): drawn under the vectors; hostile packs give a message, not a crash."""

from __future__ import annotations

import hashlib
import math
import sqlite3
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from resources.geo import lonlat_to_mercator
from storage.notes.store import NotesStore
from storage.reads.tiles import MAX_TILE_BYTES, TilePackError, open_tile_pack
from tests.factories import make_case
from tests.windows import open_and_wait

if TYPE_CHECKING:
    from pathlib import Path

ZOOM = 6
PARIS = (2.35, 48.85)


def _png(colour: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def _tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 1 << zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _pack(path: Path, tiles: dict[tuple[int, int, int], bytes], fmt: str = "png") -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
                "tile_data BLOB)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)",
                    [("name", "Paris streets <b>test</b>"), ("format", fmt)])
    for (z, x, y), data in tiles.items():
        con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    con.commit()
    con.close()
    return path


def test_a_small_pack_is_drawn_and_its_hash_recorded(window, qtbot, tmp_path) -> None:
    x, y = _tile_of(*PARIS, ZOOM)
    pack = _pack(tmp_path / "paris.mbtiles", {(ZOOM, x, y): _png("#ff00ff")})
    open_and_wait(window, qtbot, make_case(tmp_path / "c.filature", events=10))
    with qtbot.waitSignal(window.map.sig_tiles_added, timeout=10_000) as signal:
        window.map.add_tile_pack(str(pack))
    assert signal.args == [""]
    view = window.map_view
    view.resize(400, 300)
    px, py = lonlat_to_mercator(*PARIS)
    view.set_view(float(px), float(py), 2 * 20_037_508.34 / 256 / (1 << ZOOM))
    image = view.grab().toImage()
    centre = image.pixelColor(200, 150)
    assert (centre.red(), centre.green(), centre.blue()) == (255, 0, 255)
    # a square the pack has no tile for is left to the vectors (no magenta there)
    view.set_view(float(px) + 3_000_000, float(py), view.metres_per_pixel)
    far = view.grab().toImage().pixelColor(200, 150)
    assert (far.red(), far.green(), far.blue()) != (255, 0, 255)
    store = NotesStore()
    try:
        (sha, path, name, size), = store.tile_packs()
    finally:
        store.close()
    assert sha == hashlib.sha256(pack.read_bytes()).hexdigest()
    assert path == str(pack) and size == pack.stat().st_size
    assert name == "Paris streets <b>test</b>"


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p.write_bytes(b"\x89PNG not a database at all" * 100), "not a SQLite"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE x (y)").connection.commit(),
     "not an MBTiles"),
    (lambda p: _pack(p, {(1, 0, 0): b"x"}, fmt="pbf"), "only raster"),
    (lambda p: _pack(p, {}), "no tiles"),
])
def test_hostile_packs_are_refused_with_a_message(tmp_path, make, says) -> None:
    path = tmp_path / "bad.mbtiles"
    make(path)
    with pytest.raises(TilePackError, match=says):
        open_tile_pack(path)


def test_a_huge_tile_or_bad_image_bytes_leave_the_map_working(window, qtbot, tmp_path) -> None:
    x, y = _tile_of(*PARIS, ZOOM)
    pack = _pack(tmp_path / "bad.mbtiles", {
        (ZOOM, x, y): b"\x00" * (MAX_TILE_BYTES + 1),  # too big to be a tile
        (ZOOM, x + 1, y): b"\x89PNG\r\n\x1a\n garbage",  # not an image
    })
    opened = open_tile_pack(pack)
    with pytest.raises(TilePackError, match="too big"):
        opened.tile(ZOOM, x, y)
    opened.close()
    open_and_wait(window, qtbot, make_case(tmp_path / "c.filature", events=10))
    with qtbot.waitSignal(window.map.sig_tiles_added, timeout=10_000):
        window.map.add_tile_pack(str(pack))
    view = window.map_view
    view.resize(400, 300)
    px, py = lonlat_to_mercator(*PARIS)
    mpp = 2 * 20_037_508.34 / 256 / (1 << ZOOM)
    for dx in (0.0, 256 * mpp):  # the huge tile, then the bad one
        view.set_view(float(px) + dx, float(py), mpp)
        view.grab()  # paints without raising
    assert view._tile_problem  # said on the map
    window.map.add_tile_pack(str(tmp_path / "missing.mbtiles"))
    qtbot.waitUntil(lambda: "no such file" in view._notice, timeout=10_000)
