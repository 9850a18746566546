"""The map's arithmetic (resources/geo.py): projection, scales, distances, place-name keys.

Pure numpy, no Qt: every figure here is what the basemap build, the gazetteer and the coming
map view all rely on, so a change shows up here first.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from resources.geo import (
    HALF_WORLD_M,
    MAX_LATITUDE,
    ground_metres_per_pixel,
    haversine_m,
    lonlat_to_mercator,
    mercator_to_lonlat,
    metres_per_pixel,
    place_key,
    scale_bar,
    zoom_for_metres_per_pixel,
)


def test_known_points() -> None:
    x, y = lonlat_to_mercator(0.0, 0.0)
    assert (float(x), float(y)) == (0.0, 0.0)
    x, y = lonlat_to_mercator(180.0, MAX_LATITUDE)
    assert float(x) == pytest.approx(HALF_WORLD_M, abs=1e-6)
    assert float(y) == pytest.approx(HALF_WORLD_M, abs=1e-3)  # the square world
    # Notre-Dame de Paris, against the textbook form y = R·ln(tan(π/4 + φ/2)) (the module
    # uses R·atanh(sin φ), the same function, more stable near the poles)
    x, y = lonlat_to_mercator(2.3499, 48.8530)
    r = 6_378_137.0
    assert float(x) == pytest.approx(r * math.radians(2.3499), abs=1e-6)
    expected_y = r * math.log(math.tan(math.pi / 4 + math.radians(48.8530) / 2))
    assert float(y) == pytest.approx(expected_y, abs=1e-6)
    assert 6_249_955 < float(y) < 6_249_956


def test_round_trip_vectorised() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(-180, 180, size=(50, 40))
    lat = rng.uniform(-MAX_LATITUDE, MAX_LATITUDE, size=(50, 40))
    x, y = lonlat_to_mercator(lon, lat)
    assert x.shape == y.shape == (50, 40)
    back_lon, back_lat = mercator_to_lonlat(x, y)
    np.testing.assert_allclose(back_lon, lon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back_lat, lat, rtol=0, atol=1e-9)


def test_poles_are_clipped_not_infinite() -> None:
    x, y = lonlat_to_mercator([0.0, 0.0, 0.0, 0.0], [90.0, -90.0, 89.9, -120.0])
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, [HALF_WORLD_M, -HALF_WORLD_M, HALF_WORLD_M, -HALF_WORLD_M])
    _, lat = mercator_to_lonlat(0.0, 10 * HALF_WORLD_M)
    assert float(lat) == pytest.approx(MAX_LATITUDE)
    # longitudes are not wrapped: the basemap build relies on that for unwrapped rings
    x, _ = lonlat_to_mercator(190.0, 0.0)
    assert float(x) > HALF_WORLD_M
    lon, lat = mercator_to_lonlat(np.nan, 0.0)
    assert math.isnan(float(lon))


def test_zoom_scales() -> None:
    assert float(metres_per_pixel(0)) == pytest.approx(156_543.034, abs=1e-3)
    assert float(metres_per_pixel(19)) == pytest.approx(0.29858, abs=1e-5)
    zooms = np.array([0.0, 3.5, 12.0, 20.0])
    np.testing.assert_allclose(zoom_for_metres_per_pixel(metres_per_pixel(zooms)), zooms)
    # at Paris a projected metre is 0.66 ground metres: the scale bar needs the latter
    assert float(ground_metres_per_pixel(100.0, 48.85)) == pytest.approx(65.80, abs=0.01)
    assert float(ground_metres_per_pixel(100.0, 0.0)) == 100.0


def test_haversine() -> None:
    # Paris → Amsterdam, 430 km; a quarter of the equator; the same point; short distances
    assert float(haversine_m(2.3522, 48.8566, 4.8897, 52.3740)) == pytest.approx(430e3, rel=0.01)
    assert float(haversine_m(0, 0, 90, 0)) == pytest.approx(math.pi / 2 * 6_371_008.8)
    assert float(haversine_m(2.35, 48.85, 2.35, 48.85)) == 0.0
    assert float(haversine_m(2.35, 48.85, 2.35, 48.85 + 1e-5)) == pytest.approx(1.112, abs=1e-3)
    antipodes = haversine_m(0.0, 0.0, 180.0, 0.0)
    assert float(antipodes) == pytest.approx(math.pi * 6_371_008.8)
    many = haversine_m(np.zeros(5), np.zeros(5), np.arange(5.0), np.zeros(5))
    assert many.shape == (5,) and np.all(np.diff(many) > 0)


@pytest.mark.parametrize(
    ("mpp", "max_px", "metres", "label"),
    [
        (1.0, 100, 100.0, "100 m"),
        (1.0, 99, 50.0, "50 m"),
        (3.0, 120, 200.0, "200 m"),
        (5.0, 150, 500.0, "500 m"),
        (5.0, 99, 200.0, "200 m"),
        (1000.0, 150, 100_000.0, "100 km"),
        (5000.0, 150, 500_000.0, "500 km"),
        (26.0, 100, 2000.0, "2 km"),
        (0.01, 120, 1.0, "1 m"),
        (0.004, 120, 0.2, "0.2 m"),
    ],
)
def test_scale_bar(mpp: float, max_px: float, metres: float, label: str) -> None:
    bar = scale_bar(mpp, max_px)
    assert bar.metres == metres
    assert bar.label == label
    assert bar.pixels == pytest.approx(metres / mpp)
    assert bar.pixels <= max_px + 1e-9
    # and it is the longest such length: the next one up would not fit
    assert bar.pixels * 2 > max_px or bar.pixels * 2.5 > max_px


def test_scale_bar_always_one_two_five() -> None:
    for mpp in np.geomspace(0.01, 1e5, 200):
        bar = scale_bar(float(mpp), 150)
        mantissa = bar.metres / 10 ** math.floor(math.log10(bar.metres))
        assert round(mantissa, 9) in (1.0, 2.0, 5.0)
        assert 150 / 2.5 <= bar.pixels <= 150


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_scale_bar_refuses_no_scale(bad: float) -> None:
    with pytest.raises(ValueError, match="metres per pixel"):
        scale_bar(bad, 100)
    with pytest.raises(ValueError, match="pixel"):
        scale_bar(1.0, 0.5)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Saint-Ouen", "saint ouen"),
        ("ST OUEN", "saint ouen"),
        ("St. Ouen", "saint ouen"),
        ("  saint   ouen ", "saint ouen"),
        ("Ste-Maxime", "sainte maxime"),
        ("L’Haÿ-les-Roses", "lhay les roses"),
        ("L Hay les Roses", "lhay les roses"),
        ("'s-Hertogenbosch", "shertogenbosch"),
        ("Œuilly", "oeuilly"),
        ("Ｐａｒｉｓ", "paris"),  # full-width letters
        ("Straße", "strasse"),
        ("Москва", "москва"),
        ("Zürich\x00\u200b", "zurich"),
        ("!!!", ""),
    ],
)
def test_place_key(text: str, key: str) -> None:
    assert place_key(text) == key


def test_place_key_hostile() -> None:
    assert len(place_key("a" * 10_000)) <= 200
    assert place_key("\ud800" * 5000) == ""  # lone surrogates cannot even be encoded
    assert place_key("e\u0301" * 5000).startswith("eee")
    assert place_key("\u202eSIRAP") == "sirap"  # bidi override dropped
    with pytest.raises(TypeError):
        place_key(b"Paris")  # type: ignore[arg-type]
