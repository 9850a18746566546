"""The offline basemap: country, coast and French boundary rings, projected and ready to draw.

The layers are converted once from Natural Earth and IGN sources by ``build.py`` (see
``resources/README.md``) into one ``.npz`` per layer and level of detail, so drawing them is a
read and a few array operations, never a parse: a layer loads in 1–15 ms (measured: the 10m
countries, 545,000 points, 13 ms; an IGN layer 1 ms). Nothing here reads the network or
writes.

Arrays, shared by every layer (N points, R rings, F features):

``xy``
    (N, 2) float64, EPSG:3857 metres. Rings are stored one after another, each *closed* (its
    last point repeats its first) and each within x ∈ ±20,037,508 m: rings that crossed the
    antimeridian were cut there by the build, so no edge spans the world.
``ring_offsets``
    (R + 1,) int64: ring ``r`` is ``xy[ring_offsets[r]:ring_offsets[r + 1]]``.
``stroke``
    (N,) bool: whether the edge from point i to point i + 1 is a real boundary. False at the
    last point of every ring and along every cut (the antimeridian, whether the build or
    Natural Earth cut there, and the ±85.05° edge), so outlines drawn with it show no seams.
    It is pyqtgraph's ``connect`` array: the whole layer's outline is one
    ``arrayToQPath(x, y, connect=stroke)``.
``ring_feature``, ``ring_bbox``
    (R,) int32 owner feature and (R, 4) ``xmin, ymin, xmax, ymax``: cull rings to the view.
``feature_rings``
    (F + 1,) int64: feature ``f`` owns rings ``feature_rings[f]:feature_rings[f + 1]``; fill
    them together with the odd-even rule (holes and the cut pieces then come out right).
``names``, ``codes``, ``iso2``
    (F,) fixed-width unicode: the name, the source's code (ISO 3166 numeric for countries,
    e.g. ``"250"``; INSEE code for French regions, departements and communes), and the ISO
    alpha-2 code of countries (``"FR"``; ``""`` where none applies).
``bbox``, ``main_bbox``, ``label``
    (F, 4), (F, 4), (F, 2) float64 metres: the feature's bounding box, that of its largest
    polygon (fit views to this one: France's ``bbox`` spans the globe because of its overseas
    territories, its ``main_bbox`` is the metropolitan polygon), and a label point inside that
    polygon, as far from its edges as possible (pole of inaccessibility).

Coordinates are stored on disk as float32 offsets from a float64 origin per ring (half the
size of float64, ~1 mm resolution even for a 30 km commune ring; absolute float32 would give
0.5 m steps around Paris) and rebuilt as float64 on load, the type Qt's painter paths take.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from resources import resource_path
from resources.geo import HALF_WORLD_M

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Bumped when the arrays' meaning changes; a file of another version is refused on load.
FORMAT_VERSION = 1
#: The folder of the bundled files, relative to the ``resources`` package.
FOLDER = "basemap"
#: Levels of detail from coarse to fine. Natural Earth's are its scales (1:110M, 1:50M,
#: 1:10M); ``ign`` is the IGN Admin Express simplified geometry (finer than 10m).
LOD_ORDER = ("110m", "50m", "10m", "ign")

#: Coarsest Natural Earth level usable at or above these *projected* metres per pixel.
#: A scale's nominal pixel (0.28 mm) is 30.8 km at 1:110M and 14 km at 1:50M; each still
#: looks right up to ~3× over-zoom. So the world (≥ 10 km/px) gets 110m, Europe (~5 km/px)
#: 50m, a country (~1 km/px) and anything closer 10m, whose 0.0036° grid is the finest NE has.
LOD_MIN_MPP = (("110m", 10_000.0), ("50m", 3_000.0), ("10m", 0.0))


def file_name(name: str, lod: str) -> str:
    """The bundled file of a layer at a level of detail (``countries-10m.npz``)."""
    return f"{name}-{lod}.npz"


@dataclass(frozen=True, slots=True, eq=False)
class Layer:
    """One layer at one level of detail; the arrays are read-only and shared (cached).

    ``eq=False``: layers compare by identity (elementwise array equality has no truth value).
    See the module docstring for what each array holds.
    """

    name: str
    lod: str
    xy: NDArray[np.float64]
    ring_offsets: NDArray[np.int64]
    stroke: NDArray[np.bool_]
    ring_feature: NDArray[np.int32]
    ring_bbox: NDArray[np.float64]
    feature_rings: NDArray[np.int64]
    names: NDArray[np.str_]
    codes: NDArray[np.str_]
    iso2: NDArray[np.str_]
    bbox: NDArray[np.float64]
    main_bbox: NDArray[np.float64]
    label: NDArray[np.float64]

    @property
    def feature_count(self) -> int:
        """How many features (countries, departements…) the layer has."""
        return len(self.names)

    @property
    def ring_count(self) -> int:
        """How many closed rings the layer has, all features together."""
        return len(self.ring_offsets) - 1

    def ring(self, r: int) -> NDArray[np.float64]:
        """Ring ``r`` as an (n, 2) view of :attr:`xy` (closed: first point == last)."""
        return self.xy[self.ring_offsets[r] : self.ring_offsets[r + 1]]

    def rings_of(self, feature: int) -> range:
        """The ring indices of one feature."""
        return range(int(self.feature_rings[feature]), int(self.feature_rings[feature + 1]))

    def find(self, code: str) -> int:
        """The index of the feature with this code (``"250"``, ``"75"``) or ISO alpha-2.

        Raises ``KeyError`` when none has it.
        """
        hits = np.flatnonzero((self.codes == code) | ((self.iso2 == code) & (self.iso2 != "")))
        if hits.size == 0:
            raise KeyError(code)
        return int(hits[0])

    def rings_in(self, xmin: float, ymin: float, xmax: float, ymax: float) -> NDArray[np.intp]:
        """Indices of the rings whose bounding box meets the rectangle (a view's extent)."""
        b = self.ring_bbox
        hit = (b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin)
        return np.flatnonzero(hit)


def layers() -> dict[str, tuple[str, ...]]:
    """Every bundled layer with its levels of detail, coarse to fine, read from the folder."""
    return dict(_bundled())


@functools.cache
def _bundled() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The folder listed once: shipped files do not change while the app runs."""
    found: dict[str, list[str]] = {}
    for path in sorted(resource_path(FOLDER).glob("*.npz")):
        name, sep, lod = path.stem.rpartition("-")
        if sep and lod in LOD_ORDER:
            found.setdefault(name, []).append(lod)
    return tuple((name, tuple(sorted(lods, key=LOD_ORDER.index))) for name, lods in found.items())


def lod_for_scale(metres_per_pixel: float) -> str:
    """The Natural Earth level of detail to draw at ``metres_per_pixel`` *projected* metres.

    Thresholds in :data:`LOD_MIN_MPP`. Raises ``ValueError`` for a non-finite or non-positive
    scale (a view not laid out yet), rather than guessing.
    """
    if not (math.isfinite(metres_per_pixel) and metres_per_pixel > 0.0):
        raise ValueError(f"metres per pixel must be finite and > 0: {metres_per_pixel!r}")
    for lod, minimum in LOD_MIN_MPP:
        if metres_per_pixel >= minimum:
            return lod
    return LOD_MIN_MPP[-1][0]


def load_layer(name: str, lod: str | None = None) -> Layer:
    """Load a bundled layer (cached: the second call returns the same object).

    ``lod`` None takes the layer's coarsest level (the only one for all but ``countries``).
    Raises ``KeyError`` for an unknown layer or level, naming what exists.
    """
    available = dict(_bundled())
    if name not in available:
        raise KeyError(f"no basemap layer {name!r}; bundled: {', '.join(sorted(available))}")
    lods = available[name]
    chosen = lods[0] if lod is None else lod
    if chosen not in lods:
        raise KeyError(f"layer {name!r} has no level {lod!r}; it has {', '.join(lods)}")
    return _load(name, chosen)


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@functools.cache
def _load(name: str, lod: str) -> Layer:
    """Read one file; only validated (name, lod) pairs reach here, so the cache is bounded."""
    path = resource_path(f"{FOLDER}/{file_name(name, lod)}")
    with np.load(path, allow_pickle=False) as z:
        version = int(z["format"])
        if version != FORMAT_VERSION:
            raise ValueError(f"{path.name}: basemap format {version}, expected {FORMAT_VERSION}"
                             " (rebuild with resources/basemap/build.py)")
        offsets = z["ring_offsets"]
        origin = z["ring_origin"]
        xy = np.repeat(origin, np.diff(offsets), axis=0)
        xy += z["dxy"]
        # float32 offsets of a world-wide ring (Antarctica, 4e7 m) round by up to 1 m: keep
        # the promise that every point lies inside the square world.
        np.clip(xy, -HALF_WORLD_M, HALF_WORLD_M, out=xy)
        stroke = np.ones(len(xy), dtype=bool)
        stroke[offsets[1:] - 1] = False
        stroke[z["seams"]] = False
        arrays = {key: z[key] for key in ("ring_feature", "ring_bbox", "feature_rings", "names",
                                         "codes", "iso2", "bbox", "main_bbox", "label")}
    return Layer(
        name=name,
        lod=lod,
        xy=_readonly(xy),
        ring_offsets=_readonly(offsets),
        stroke=_readonly(stroke),
        **{key: _readonly(value) for key, value in arrays.items()},
    )
