"""The map's arithmetic: Web Mercator, zoom scales, distances, scale bars, place-name keys.

Pure numpy, no Qt: the basemap build (``resources/basemap/build.py``), the gazetteer build and
lookup (``storage.geo``) and the coming map widget must all project and normalise in exactly one
way, so they share this module. Every function that takes coordinates is vectorised: it takes
scalars or arrays (any shape, broadcast) and returns float64 arrays of the broadcast shape.

Conventions, fixed here once so that nobody has to guess:

* Arguments are ordered **lon, lat** (x before y), like the projected ``x, y`` they become.
* Projected coordinates are EPSG:3857 ("Web Mercator") metres on the WGS 84 equatorial radius:
  x in ±20,037,508.34 m at ±180°, y in the same range at ±85.0511°.
* Latitudes are clipped to ±:data:`MAX_LATITUDE` (where the projected world is a square; the
  poles themselves are at infinity). Longitudes are *not* wrapped: a ring the basemap build
  unwrapped across the antimeridian keeps x beyond ±20,037,508 m until it is cut.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

#: WGS 84 semi-major axis, the sphere EPSG:3857 projects (metres).
EARTH_RADIUS_M = 6_378_137.0
#: The mean Earth radius (IUGG), for great-circle distances: within 0.5 % of the ellipsoid.
MEAN_EARTH_RADIUS_M = 6_371_008.8
#: The latitude at which the Mercator world is square (y = ±π·R): ``atan(sinh(π))``, 85.0511°.
MAX_LATITUDE = math.degrees(math.atan(math.sinh(math.pi)))
#: Half the width (and height) of the projected world, metres: 20,037,508.34.
HALF_WORLD_M = math.pi * EARTH_RADIUS_M
#: The side of a map tile in pixels at which zoom levels are usually defined (OSM, Google).
TILE_SIZE_PX = 256


def lonlat_to_mercator(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project degrees to EPSG:3857 metres, latitude clipped to ±:data:`MAX_LATITUDE`.

    Clipping instead of returning ±inf at the poles keeps every projected ring finite (the
    Antarctic coast is drawn along the map's bottom edge). NaN stays NaN.
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LATITUDE, MAX_LATITUDE)
    x = np.radians(lon_a) * EARTH_RADIUS_M
    y = np.arctanh(np.sin(np.radians(lat_a))) * EARTH_RADIUS_M
    return x, y


def mercator_to_lonlat(
    x: ArrayLike, y: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unproject EPSG:3857 metres to degrees; y beyond the square world is clipped to its edge.

    The inverse of :func:`lonlat_to_mercator` for latitudes within ±:data:`MAX_LATITUDE`
    (round trip to ~1e-9°). Longitude is not wrapped, as in the forward direction.
    """
    x_a = np.asarray(x, dtype=np.float64)
    y_a = np.clip(np.asarray(y, dtype=np.float64), -HALF_WORLD_M, HALF_WORLD_M)
    lon = np.degrees(x_a / EARTH_RADIUS_M)
    lat = np.degrees(np.arctan(np.sinh(y_a / EARTH_RADIUS_M)))
    return lon, lat


def metres_per_pixel(zoom: ArrayLike, tile_size: int = TILE_SIZE_PX) -> NDArray[np.float64]:
    """Projected metres one pixel spans at a zoom level (zoom 0: the world in one tile).

    These are *Mercator* metres, what the view transform scales; ground metres are smaller by
    ``cos(lat)`` (:func:`ground_metres_per_pixel`). Fractional zooms are fine.
    """
    return 2.0 * HALF_WORLD_M / (tile_size * np.exp2(np.asarray(zoom, dtype=np.float64)))


def zoom_for_metres_per_pixel(
    mpp: ArrayLike, tile_size: int = TILE_SIZE_PX
) -> NDArray[np.float64]:
    """The (fractional) zoom level at which one pixel spans ``mpp`` projected metres."""
    return np.log2(2.0 * HALF_WORLD_M / (tile_size * np.asarray(mpp, dtype=np.float64)))


def ground_metres_per_pixel(mpp: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """Ground metres per pixel at latitude ``lat`` for ``mpp`` projected metres per pixel.

    Mercator stretches distances by ``1 / cos(lat)``, so a scale bar must use this (at the
    view's centre latitude), not the projected figure: at Paris the two differ by 1.52×.
    """
    lat_a = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LATITUDE, MAX_LATITUDE)
    return np.asarray(mpp, dtype=np.float64) * np.cos(np.radians(lat_a))


def haversine_m(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in metres on the mean-radius sphere (error ≤ 0.5 % vs WGS 84).

    The haversine form stays accurate for short distances (two ends of a street), where the
    spherical law of cosines loses all its digits. The ``min(1, …)`` guards antipodal rounding.
    """
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    return 2.0 * MEAN_EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


@dataclass(frozen=True, slots=True)
class ScaleBar:
    """A scale bar: a round ground length and the pixels it spans at the current scale."""

    metres: float
    pixels: float
    label: str


def _length_label(metres: float) -> str:
    """``"500 m"``, ``"2 km"``, ``"0.5 m"``: lengths from :func:`scale_bar` are 1, 2 or 5 × 10^k."""
    if metres >= 1000.0:
        return f"{metres / 1000.0:g} km"
    return f"{metres:g} m"


def scale_bar(ground_mpp: float, max_pixels: float) -> ScaleBar:
    """The longest length of 1, 2 or 5 × 10^k metres that fits in ``max_pixels``.

    ``ground_mpp`` is *ground* metres per pixel (:func:`ground_metres_per_pixel` at the view's
    centre). Raises ``ValueError`` for a non-finite or non-positive input: a view with no
    extent yet should draw no bar rather than a wrong one.
    """
    if not (math.isfinite(ground_mpp) and ground_mpp > 0.0):
        raise ValueError(f"metres per pixel must be finite and > 0: {ground_mpp!r}")
    if not (math.isfinite(max_pixels) and max_pixels >= 1.0):
        raise ValueError(f"the bar needs at least one pixel: {max_pixels!r}")
    budget = ground_mpp * max_pixels
    exponent = math.floor(math.log10(budget))
    metres = 10.0**exponent
    for step in (5.0, 2.0, 1.0):
        candidate = step * 10.0**exponent
        if candidate <= budget * (1.0 + 1e-12):
            metres = candidate
            break
    # 10**-1 * 5 is 0.5000000000000001 in floats: round to the digits the label shows.
    metres = float(f"{metres:.12g}")
    return ScaleBar(metres, metres / ground_mpp, _length_label(metres))


# --- place names ------------------------------------------------------------------------------
# The gazetteer is built (resources/gazetteer/build.py) and searched (storage/geo/gazetteer.py)
# through this one key, so a name written any way the evidence writes it meets the same entry.

#: Letters NFKD does not decompose but that a French or Dutch writer types as plain Latin.
_FOLD = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ħ": "h",
                       "ı": "i", "þ": "th", "ð": "d", "ŧ": "t", "ĳ": "ij"})
#: Abbreviations that stand for a whole word in place names ("St-Ouen", "Ste Maxime").
_WORDS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
#: Elided articles and prepositions (French l', d'…; Dutch 's, 't), glued to the next word so
#: that "L'Haÿ", "L Hay" and "Lhay" give one key, as writers drop or space the apostrophe.
_ELIDED = frozenset("cdjlmnst")
#: The longest key kept: no place name is longer (the longest GeoNames name has 57 letters,
#: alternates a little more); a longer text cannot match, so it is not normalised in full.
MAX_KEY_CHARS = 200


def place_key(text: str) -> str:
    """The key a place name is filed and looked up under: case, accents and punctuation ignored.

    ``"Saint-Ouen"``, ``"ST OUEN"``, ``"St. Ouen"`` and ``"saint ouen"`` all give
    ``"saint ouen"``; ``"L’Haÿ-les-Roses"``, ``"L Hay les Roses"`` and ``"Lhay-les-Roses"``
    give ``"lhay les roses"``. Steps: casefold, NFKD, drop combining marks, fold a few letters
    (œ, ø, ł…), turn anything that is not a letter or digit (hyphens, apostrophes, dots,
    controls, lone surrogates) into a space, expand St/Ste, glue a one-letter elided word to
    the next, collapse spaces. Text in other scripts stays in its script (``"москва"``).

    Untrusted text is fine: any string gives a key, in time linear in ``MAX_KEY_CHARS`` (longer
    input is cut first: ten times the longest name, so no real name is affected).
    """
    if not isinstance(text, str):
        raise TypeError(f"a place name is text, not {type(text).__name__}")
    clipped = text[: MAX_KEY_CHARS * 4]
    # NFKD before and after casefold: compatibility forms (ℌ, ﬁ, full-width letters) fold too.
    folded = unicodedata.normalize("NFKD", clipped).casefold()
    decomposed = unicodedata.normalize("NFKD", folded).translate(_FOLD)
    chars = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category[0] == "M":
            continue  # combining accents, and the vowel signs of other scripts
        chars.append(ch if category[0] in "LN" else " ")
    words = [_WORDS.get(word, word) for word in "".join(chars).split()]
    glued: list[str] = []
    for word in words:
        if glued and glued[-1] in _ELIDED:
            glued[-1] += word
        else:
            glued.append(word)
    return " ".join(glued)[:MAX_KEY_CHARS]
