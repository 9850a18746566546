"""The bundled basemap (resources/basemap): every layer loads fast and draws without seams.

The layers are shipped files, built once by ``resources/basemap/build.py``; the last test
rebuilds them from the shared sources (``../shared/data``, present in CI beside the checkout)
and checks the shipped files are what the script makes, so neither can drift.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from resources import basemap
from resources.basemap import Layer, layers, load_layer, lod_for_scale
from resources.basemap import build as basemap_build
from resources.geo import HALF_WORLD_M, lonlat_to_mercator

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXPECTED = {
    "countries": ("110m", "50m", "10m"),
    "land": ("50m",),
    "france": ("ign",),
    "regions": ("ign",),
    "departements": ("ign",),
    "communes": ("ign",),
}
ALL = [(name, lod) for name, lods in EXPECTED.items() for lod in lods]
WORLD = [(name, lod) for name, lod in ALL if name in ("countries", "land")]
NOTRE_DAME = (2.3499, 48.8530)


def _merc(lon: float, lat: float) -> tuple[float, float]:
    x, y = lonlat_to_mercator(lon, lat)
    return float(x), float(y)


def _inside(layer: Layer, feature: int, x: float, y: float) -> bool:
    """Odd-even point-in-polygon over all rings of a feature (how the view fills them)."""
    crossings = 0
    for r in layer.rings_of(feature):
        ring = layer.ring(r)
        (ax, ay), (bx, by) = ring[:-1].T, ring[1:].T
        straddles = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = ax + (y - ay) * (bx - ax) / (by - ay)
        crossings += int(np.count_nonzero(straddles & (x < at)))
    return crossings % 2 == 1


def _in_box(box: np.ndarray, x: float, y: float) -> bool:
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])


def test_layers_lists_every_bundled_layer() -> None:
    assert layers() == EXPECTED


@pytest.mark.parametrize(("name", "lod"), ALL)
def test_every_layer_loads_consistent_arrays(name: str, lod: str) -> None:
    layer = load_layer(name, lod)
    assert (layer.name, layer.lod) == (name, lod)
    n, r, f = len(layer.xy), layer.ring_count, layer.feature_count
    assert n > 0 and r > 0 and f > 0
    assert layer.xy.dtype == np.float64 and layer.xy.shape == (n, 2)
    assert np.all(np.isfinite(layer.xy))
    assert np.all(np.abs(layer.xy) <= HALF_WORLD_M)
    offsets = layer.ring_offsets
    assert offsets[0] == 0 and offsets[-1] == n and np.all(np.diff(offsets) >= 3)
    starts, ends = offsets[:-1], offsets[1:] - 1
    np.testing.assert_array_equal(layer.xy[starts], layer.xy[ends])  # closed rings
    assert not layer.stroke[ends].any()  # no outline joins one ring to the next
    assert layer.stroke.shape == (n,) and layer.stroke.mean() > 0.9
    assert layer.feature_rings[0] == 0 and layer.feature_rings[-1] == r
    np.testing.assert_array_equal(
        layer.ring_feature, np.repeat(np.arange(f), np.diff(layer.feature_rings)))
    for array in (layer.bbox, layer.main_bbox, layer.ring_bbox):
        assert np.all(array[:, :2] <= array[:, 2:])
    # the main box lies within the full box, and the label inside the main box
    assert np.all(layer.main_bbox[:, :2] >= layer.bbox[:, :2])
    assert np.all(layer.main_bbox[:, 2:] <= layer.bbox[:, 2:])
    lx, ly = layer.label.T
    mb = layer.main_bbox
    assert np.all((mb[:, 0] <= lx) & (lx <= mb[:, 2]) & (mb[:, 1] <= ly) & (ly <= mb[:, 3]))
    assert layer.names.dtype.kind == layer.codes.dtype.kind == layer.iso2.dtype.kind == "U"
    assert len(layer.names) == len(layer.codes) == len(layer.iso2) == f
    with pytest.raises(ValueError, match="read-only"):
        layer.xy[0, 0] = 0.0  # shared through the cache: nobody may edit it


@pytest.mark.parametrize(("name", "lod"), ALL)
def test_every_label_lies_inside_its_feature(name: str, lod: str) -> None:
    layer = load_layer(name, lod)
    box = layer.bbox
    slivers = (box[:, 2] == box[:, 0]) | (box[:, 3] == box[:, 1])  # the 10m Vatican: 2 points
    outside = [str(layer.names[f]) for f in range(layer.feature_count)
               if not slivers[f] and not _inside(layer, f, *layer.label[f])]
    assert outside == []


@pytest.mark.parametrize(("name", "lod"), ALL)
def test_load_is_fast_and_cached(name: str, lod: str) -> None:
    basemap._load.cache_clear()
    start = time.perf_counter()
    layer = load_layer(name, lod)
    elapsed = time.perf_counter() - start
    # ~1-15 ms measured (10m countries the slowest); generous for a busy CI machine, but a
    # parse at load time (the JSON sources take seconds) would fail it
    assert elapsed < 0.25
    assert load_layer(name, lod) is layer


def test_default_lod_and_errors() -> None:
    assert load_layer("countries").lod == "110m"
    assert load_layer("departements").lod == "ign"
    with pytest.raises(KeyError, match="bundled"):
        load_layer("rivers")
    with pytest.raises(KeyError, match="110m, 50m, 10m"):
        load_layer("countries", "1m")
    with pytest.raises(KeyError):
        load_layer("../../etc/passwd")


@pytest.mark.parametrize(
    ("mpp", "lod"),
    [(40_000.0, "110m"), (27_000.0, "110m"), (10_000.0, "110m"), (5_000.0, "50m"),
     (3_000.0, "50m"), (2_000.0, "10m"), (1_000.0, "10m"), (5.0, "10m"), (0.01, "10m")],
)
def test_lod_for_scale(mpp: float, lod: str) -> None:
    # world on a screen ~27 km/px, Europe ~5 km/px, a country ~1 km/px, a city ~5 m/px
    assert lod_for_scale(mpp) == lod


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan"), float("inf")])
def test_lod_for_scale_refuses_no_scale(bad: float) -> None:
    with pytest.raises(ValueError, match="metres per pixel"):
        lod_for_scale(bad)


@pytest.mark.parametrize("lod", ["110m", "50m", "10m"])
def test_france_metropolitan_polygon(lod: str) -> None:
    layer = load_layer("countries", lod)
    france = layer.find("FR")
    assert (layer.names[france], layer.codes[france]) == ("France", "250")
    assert layer.find("250") == france
    centre = _merc(2.3, 46.5)
    # the feature spans the globe (Guiana, Réunion…); its main box is the metropolitan part
    assert layer.bbox[france, 2] - layer.bbox[france, 0] > 5_000_000  # Guiana at least
    main = layer.main_bbox[france]
    assert _in_box(main, *centre)
    assert main[2] - main[0] < 1_700_000  # Brest to Corsica, not to the Indian Ocean
    assert _in_box(main, *_merc(9.2, 42.2))  # Corsica is kept with the mainland
    assert _inside(layer, france, *centre)
    label = layer.label[france]
    assert np.hypot(*(label - centre)) < 300_000
    assert _inside(layer, france, *label)
    assert layer.iso2[layer.find("528")] == "NL"


def test_france_ign_layers() -> None:
    metropole = load_layer("france")
    assert metropole.feature_count == 1 and _inside(metropole, 0, *_merc(2.3, 46.5))
    assert load_layer("regions").feature_count == 13
    departements = load_layer("departements")
    assert departements.feature_count == 96
    assert {"2A", "2B", "75", "93"} <= set(departements.codes.tolist())
    notre_dame = _merc(*NOTRE_DAME)
    paris_dep = departements.find("75")
    assert departements.names[paris_dep] == "Paris"
    assert _in_box(departements.bbox[paris_dep], *notre_dame)
    assert _inside(departements, paris_dep, *notre_dame)


def test_paris_and_seine_saint_denis_communes() -> None:
    communes = load_layer("communes")
    assert communes.feature_count == 41  # Paris + the 40 communes of the 93
    paris = communes.find("75056")
    notre_dame = _merc(*NOTRE_DAME)
    assert _in_box(communes.bbox[paris], *notre_dame)
    assert _inside(communes, paris, *notre_dame)
    saint_ouen = communes.find("93070")
    assert communes.names[saint_ouen] == "Saint-Ouen"  # IGN 2018: renamed -sur-Seine later
    assert not _inside(communes, saint_ouen, *notre_dame)
    assert _inside(communes, saint_ouen, *communes.label[saint_ouen])
    hits = communes.rings_in(*notre_dame, *notre_dame)
    assert paris in communes.ring_feature[hits]


def test_city_zoom_precision() -> None:
    """Stored as float32 offsets per ring, points come back within a millimetre.

    Absolute float32 would round Paris' y (6.25e6 m) to 0.5 m steps, visible at city zoom.
    """
    source = SHARED_DATA / "basemap" / "france-ign" / "departement-75-paris.geojson"
    outer = np.asarray(json.loads(source.read_text())["geometry"]["coordinates"][0])
    exact = np.column_stack(lonlat_to_mercator(outer[:, 0], outer[:, 1]))
    communes = load_layer("communes")
    ring = communes.ring(communes.rings_of(communes.find("75056"))[0])
    assert ring.shape == exact.shape
    assert np.abs(ring - exact).max() < 1e-3


@pytest.mark.parametrize(("name", "lod"), WORLD)
def test_no_ring_crosses_the_world(name: str, lod: str) -> None:
    """Russia, Fiji and Antarctica cross the antimeridian: cut there, no edge spans the map."""
    layer = load_layer(name, lod)
    xy, ends = layer.xy, layer.ring_offsets[1:] - 1
    inside_ring = np.ones(len(xy) - 1, dtype=bool)
    inside_ring[ends[:-1]] = False  # the jump from one ring to the next is no edge
    i = np.flatnonzero(inside_ring)
    a, b = xy[i], xy[i + 1]
    wide = np.abs(b[:, 0] - a[:, 0]) > HALF_WORLD_M / 2
    assert wide.any()  # Antarctica's fill closes along the bottom of the map...
    on_bottom = (np.abs(a[:, 1] + HALF_WORLD_M) < 1) & (np.abs(b[:, 1] + HALF_WORLD_M) < 1)
    assert np.all(on_bottom[wide])  # ...and that is the only kind of wide edge
    assert not layer.stroke[i[wide]].any()  # never outlined
    # no outline runs along the cuts either: the antimeridian or the ±85.05° clip
    stroked = layer.stroke[i]
    near = HALF_WORLD_M - 1
    on_x = (np.abs(a[:, 0]) >= near) & (np.abs(b[:, 0]) >= near) & (a[:, 0] == b[:, 0])
    on_y = (np.abs(a[:, 1]) >= near) & (np.abs(b[:, 1]) >= near)
    assert not (stroked & (on_x | on_y)).any()
    assert xy[:, 1].min() == pytest.approx(-HALF_WORLD_M)


@pytest.mark.parametrize("lod", ["110m", "50m", "10m"])
def test_russia_and_fiji_have_pieces_on_both_sides(lod: str) -> None:
    layer = load_layer("countries", lod)
    for iso in ("RU", "FJ"):
        rings = layer.rings_of(layer.find(iso))
        boxes = layer.ring_bbox[rings.start : rings.stop]
        assert (boxes[:, 2] > 0.9 * HALF_WORLD_M).any(), iso
        assert (boxes[:, 0] < -0.9 * HALF_WORLD_M).any(), iso
        assert np.all(boxes[:, 2] - boxes[:, 0] < 1.6 * HALF_WORLD_M), iso


def test_kosovo_without_iso_numeric_still_has_its_alpha2() -> None:
    layer = load_layer("countries", "50m")
    kosovo = int(np.flatnonzero(layer.names == "Kosovo")[0])
    assert layer.codes[kosovo] == "" and layer.iso2[kosovo] == "XK"


def _same_arrays(built: Path, shipped: Path) -> None:
    with np.load(built, allow_pickle=False) as new, np.load(shipped, allow_pickle=False) as old:
        assert sorted(new.files) == sorted(old.files)
        for key in new.files:
            a, b = new[key], old[key]
            assert (a.dtype, a.shape) == (b.dtype, b.shape), key
            if a.dtype.kind != "f":
                np.testing.assert_array_equal(a, b, err_msg=key)
            elif key == "label":
                # the label search compares float distances: a last-bit difference in another
                # CPU's libm could pick a neighbouring cell, within the search's precision
                size = (old["main_bbox"][:, 2:] - old["main_bbox"][:, :2]).max(axis=1)
                assert np.all(np.hypot(*(a - b).T) <= size / 100 + 1e-6), key
            else:
                # float32 offsets of world-wide rings step by 2 m: allow one step
                np.testing.assert_allclose(a, b, rtol=0, atol=2.5, err_msg=key)


def test_build_reproduces_the_shipped_files(tmp_path: Path) -> None:
    assert (SHARED_DATA / "basemap" / "natural-earth").is_dir(), (
        f"the shared data folder is missing at {SHARED_DATA} (CI has it beside the checkout)")
    sizes = basemap_build.build(SHARED_DATA, tmp_path)
    shipped = Path(basemap.__file__).resolve().parent
    assert sorted(sizes) == sorted(p.name for p in shipped.glob("*.npz"))
    assert sum(sizes.values()) < 10_000_000
    for name in sizes:
        _same_arrays(tmp_path / name, shipped / name)
