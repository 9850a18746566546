"""Convert the basemap sources once into the bundled ``.npz`` layers (run by hand, not by the app).

    .venv/bin/python resources/basemap/build.py --source ../shared/data --out resources/basemap

Reads Natural Earth (world-atlas TopoJSON) and IGN (france-geojson GeoJSON) from ``--source``,
and writes one file per layer and level of detail, in the format ``resources.basemap`` loads
(its docstring lists the arrays). What each step is for:

1. Decode TopoJSON: arcs are quantized and delta-encoded (cumulative sum, then scale and
   translate); a ring lists arc indices, ``~i`` meaning arc ``i`` reversed.
2. Cut each ring for a flat map: longitudes are unwrapped so a ring crossing the antimeridian
   (Russia's Chukotka, Fiji) is continuous, a ring that goes round a pole (Antarctica's coast)
   is closed along that pole, then the ring is clipped to ±85.0511° and cut into the pieces
   inside -180…180° (shifted by ±360°). Edges the cuts add are marked "not stroked".
3. Project to EPSG:3857 with ``resources.geo`` (the same function the map uses), store float32
   offsets from a float64 origin per ring, and compute per-feature boxes and label points.

The output is deterministic (same sources → same bytes: the zip entries carry a fixed date),
so rebuilding leaves git clean; ``tests/test_basemap.py`` rebuilds into a temporary folder and
compares. Takes ~4 s.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make the checkout's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from resources.basemap import FORMAT_VERSION, file_name
from resources.geo import EARTH_RADIUS_M, MAX_LATITUDE, lonlat_to_mercator

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator

    from numpy.typing import NDArray

NATURAL_EARTH = "basemap/natural-earth"
IGN = "basemap/france-ign"
COUNTRY_CODES = "gazetteer/geonames/countries.json"


@dataclass
class Feature:
    """One source feature: polygons of closed lon/lat rings, the first ring of each the outer."""

    name: str
    code: str
    iso2: str
    polygons: list[list[NDArray[np.float64]]]


@dataclass
class Piece:
    """A polygon after cutting: projected closed rings and their "edge is real" flags."""

    rings: list[NDArray[np.float64]] = field(default_factory=list)
    strokes: list[NDArray[np.bool_]] = field(default_factory=list)


# --- sources ----------------------------------------------------------------------------------


def _topology_features(path: Path, obj: str, iso2_of: dict[int, str],
                       iso2_by_name: dict[str, str]) -> list[Feature]:
    """The features of one TopoJSON object, rings decoded to lon/lat degrees."""
    topo = json.loads(path.read_text(encoding="utf-8"))
    scale = np.asarray(topo["transform"]["scale"], dtype=np.float64)
    translate = np.asarray(topo["transform"]["translate"], dtype=np.float64)
    arcs = [np.cumsum(np.asarray(arc, dtype=np.int64).reshape(-1, 2), axis=0) * scale + translate
            for arc in topo["arcs"]]

    def ring(indices: list[int]) -> NDArray[np.float64]:
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        # consecutive arcs share an end point: keep it once
        return np.concatenate([parts[0]] + [p[1:] for p in parts[1:]])

    features = []
    for geometry in topo["objects"][obj]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [geometry["arcs"]]
        elif kind == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue  # null geometries carry nothing to draw
        name = (geometry.get("properties") or {}).get("name", "")
        code = str(geometry.get("id", ""))
        iso2 = iso2_of.get(int(code), "") if code.isdigit() else iso2_by_name.get(name, "")
        features.append(Feature(name, code, iso2,
                                [[ring(r) for r in polygon] for polygon in polygons]))
    return features


def _geojson_features(path: Path, code: str | None = None) -> list[Feature]:
    """The features of a GeoJSON file (a FeatureCollection or, as two IGN files are, a Feature)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    items = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
    features = []
    for item in items:
        geometry = item["geometry"]
        coords = geometry["coordinates"]
        polygons = [coords] if geometry["type"] == "Polygon" else coords
        props = item.get("properties") or {}
        rings = [[np.asarray(r, dtype=np.float64)[:, :2] for r in polygon] for polygon in polygons]
        features.append(Feature(props.get("nom", ""), code or props.get("code", ""), "", rings))
    return features


# --- cutting rings for a flat map -------------------------------------------------------------


def _clip_half_plane(points: list[tuple[float, float]], flags: list[bool], axis: int,
                     bound: float, keep_above: bool) -> tuple[list[tuple[float, float]],
                                                               list[bool]]:
    """Sutherland–Hodgman against one axis-aligned half-plane, for an open ring.

    ``flags[k]`` tells whether the edge from point k to point k + 1 (cyclically) is real. The
    output's edges along the clip line are marked False; for a concave ring they may run
    back and forth on the line, which the odd-even fill ignores (zero area).
    """

    def inside(p: tuple[float, float]) -> bool:
        return p[axis] >= bound if keep_above else p[axis] <= bound

    def cross(s: tuple[float, float], e: tuple[float, float]) -> tuple[float, float]:
        t = (bound - s[axis]) / (e[axis] - s[axis])
        other = 1 - axis
        q = [0.0, 0.0]
        q[axis] = bound
        q[other] = s[other] + t * (e[other] - s[other])
        return (q[0], q[1])

    out: list[tuple[float, float]] = []
    incoming: list[bool] = []  # the flag of the edge that *ends* at each output point
    n = len(points)
    for k in range(n):
        s, e, real = points[k], points[(k + 1) % n], flags[k]
        if inside(e):
            if not inside(s):
                out.append(cross(s, e))
                incoming.append(False)  # reached along the clip line
            out.append(e)
            incoming.append(real)
        elif inside(s):
            out.append(cross(s, e))
            incoming.append(real)
    if not out:
        return [], []
    # edge j → j+1 carries the incoming flag of point j+1
    return out, incoming[1:] + incoming[:1]


def _drop_repeats(points: list[tuple[float, float]],
                  flags: list[bool]) -> tuple[list[tuple[float, float]], list[bool]]:
    """Remove consecutive equal points (cyclically); a removed edge had zero length."""
    keep_p: list[tuple[float, float]] = []
    keep_f: list[bool] = []
    for p, f in zip(points, flags, strict=True):
        if keep_p and p == keep_p[-1]:
            keep_f[-1] = f  # the edge now leaving the kept point is this one's
            continue
        keep_p.append(p)
        keep_f.append(f)
    while len(keep_p) > 1 and keep_p[-1] == keep_p[0]:
        keep_p.pop()
        keep_f.pop()
    return keep_p, keep_f


def _cut_ring(ring: NDArray[np.float64]) -> Iterator[tuple[int, NDArray[np.float64],
                                                          NDArray[np.bool_]]]:
    """The pieces of one closed lon/lat ring on the flat map: ``(turns, ring, flags)``.

    ``flags`` has one entry per point of the closed ring: True where the edge leaving it is
    real, False at the end and on cut lines. ``turns`` (-1, 0, 1) tells the 360° window the
    piece came from, so the holes of a polygon are grouped with the right outer piece.
    """
    open_ring = ring[:-1] if np.array_equal(ring[0], ring[-1]) else ring
    if len(open_ring) < 2:
        return  # (a two-point sliver is kept: the 10m Vatican is one, and still a country)
    closed = np.vstack([open_ring, open_ring[:1]])
    lon_unwrapped = np.unwrap(closed[:, 0], period=360.0)
    winding = round((lon_unwrapped[-1] - lon_unwrapped[0]) / 360.0)
    lat = open_ring[:, 1]
    lo, hi = float(lon_unwrapped.min()), float(lon_unwrapped.max())
    needs_lat = bool(lat.min() < -MAX_LATITUDE or lat.max() > MAX_LATITUDE or winding != 0)
    # Natural Earth itself cuts some polygons at ±180° (islands of Fiji; Russia's in 10m): an
    # edge running along the antimeridian is a seam, not a coast, so it is not stroked.
    on_seam = np.abs(np.abs(open_ring[:, 0]) - 180.0) < 1e-6
    real = ~(on_seam & np.roll(on_seam, -1))
    if not needs_lat and lo >= -180.0 and hi <= 180.0:
        yield 0, closed, np.r_[real, False]
        return
    flags = real.tolist()
    points = list(zip(lon_unwrapped[:-1].tolist(), lat.tolist(), strict=True))
    if winding:
        # Round a pole: the closing edge lands one turn away. Close the ring along the pole
        # (the latitude clip below brings that edge up to ±85.05°), edges not stroked.
        pole = -90.0 if lat.mean() < 0 else 90.0
        lon0, lat0 = points[0]
        end = lon0 + 360.0 * winding
        points += [(end, lat0), (end, pole), (lon0, pole)]
        flags += [False, False, False]
        lo, hi = min(lo, end), max(hi, end)
    if needs_lat:
        points, flags = _clip_half_plane(points, flags, 1, -MAX_LATITUDE, keep_above=True)
        points, flags = _clip_half_plane(points, flags, 1, MAX_LATITUDE, keep_above=False)
    for turns in range(math.floor((lo + 180.0) / 360.0), math.ceil((hi - 180.0) / 360.0) + 1):
        shift = 360.0 * turns
        moved = [(x - shift, y) for x, y in points]
        piece, piece_flags = _clip_half_plane(moved, flags, 0, -180.0, keep_above=True)
        piece, piece_flags = _clip_half_plane(piece, piece_flags, 0, 180.0, keep_above=False)
        piece, piece_flags = _drop_repeats(piece, piece_flags)
        if len(piece) < 3:
            continue  # the 50m Antarctic cap at -89.999° ends here: nothing left after clipping
        xy = np.asarray(piece + piece[:1], dtype=np.float64)
        xy[:, 0] = np.clip(xy[:, 0], -180.0, 180.0)  # 180.00000000000003 after the shift
        if _area(xy) == 0.0:
            continue
        yield int(turns), xy, np.asarray([*piece_flags, False], dtype=bool)


def _area(ring: NDArray[np.float64]) -> float:
    """Shoelace area (signed) of a closed ring (first point == last)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def _project(ring: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = lonlat_to_mercator(ring[:, 0], ring[:, 1])
    return np.column_stack([x, y])


def _pieces(feature: Feature) -> list[Piece]:
    """Every polygon of a feature, cut and projected; one Piece per polygon and window."""
    pieces: list[Piece] = []
    for polygon in feature.polygons:
        by_shift: dict[int, Piece] = {}
        for ring in polygon:
            for shift, cut, flags in _cut_ring(ring):
                # A hole stays even if its outer ring left nothing: the 50m Antarctica is an
                # "outer" cap at -89.999° (gone after clipping) with the coast as its "hole",
                # and closed along the pole that coast is the continent (odd-even fill).
                piece = by_shift.setdefault(shift, Piece())
                piece.rings.append(_project(cut))
                piece.strokes.append(flags)
        pieces.extend(by_shift[s] for s in sorted(by_shift))
    return pieces


# --- label points -----------------------------------------------------------------------------


def _signed_distance(px: NDArray[np.float64], py: NDArray[np.float64],
                     segments: NDArray[np.float64]) -> NDArray[np.float64]:
    """Distance from each point to the nearest edge, negative outside (odd-even rule)."""
    ax, ay, bx, by = segments.T
    dx, dy = bx - ax, by - ay
    length2 = np.where(dx * dx + dy * dy == 0.0, 1.0, dx * dx + dy * dy)
    safe_dy = np.where(dy == 0.0, 1.0, dy)
    out = np.empty(len(px))
    step = max(1, 1_000_000 // max(len(ax), 1))
    for start in range(0, len(px), step):
        x = px[start : start + step, None]
        y = py[start : start + step, None]
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / length2, 0.0, 1.0)
        d2 = ((ax + t * dx - x) ** 2 + (ay + t * dy - y) ** 2).min(axis=1)
        crosses = ((ay > y) != (by > y)) & (x < ax + (y - ay) * dx / safe_dy)
        inside = crosses.sum(axis=1) % 2 == 1
        out[start : start + step] = np.where(inside, np.sqrt(d2), -np.sqrt(d2))
    return out


def _segments(rings: list[NDArray[np.float64]], budget: int | None) -> NDArray[np.float64]:
    """The edges of closed rings as (E, 4); with a budget, every k-th point (a coarse copy)."""
    stride = 1 if budget is None else max(1, math.ceil(sum(len(r) for r in rings) / budget))
    parts = []
    for ring in rings:
        coarse = ring if stride == 1 else np.vstack([ring[:-1:stride], ring[-1:]])
        if len(coarse) >= 4 or stride == 1:
            parts.append(np.hstack([coarse[:-1], coarse[1:]]))
    return np.vstack(parts)


def pole_of_inaccessibility(rings: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """The point inside a polygon (outer ring first, then holes) farthest from its edges.

    Where a label reads best: the centroid of a crescent such as Croatia falls outside it.
    A grid search that splits only the cells that could still beat the best
    point found, to 1/200 of the polygon's size; vectorised one level of cells at a time.
    Big polygons are searched on a decimated copy (≤ 1,500 points), then checked on the real
    one; ties and order are fixed, so the result is deterministic.
    """
    outer = rings[0]
    lo, hi = outer.min(axis=0), outer.max(axis=0)
    size = hi - lo
    if min(size) <= 0.0:
        return (lo + hi) / 2.0
    precision = max(size) / 200.0
    a = _area(outer)
    x0, y0, x1, y1 = outer[:-1, 0], outer[:-1, 1], outer[1:, 0], outer[1:, 1]
    cross = x0 * y1 - x1 * y0
    centroid = (np.array([np.dot(x0 + x1, cross), np.dot(y0 + y1, cross)]) / (6.0 * a)
                if a else (lo + hi) / 2.0)
    seeds = np.array([centroid, (lo + hi) / 2.0])
    for budget in (1500, None):
        segments = _segments(rings, budget)
        d = _signed_distance(seeds[:, 0], seeds[:, 1], segments)
        best, best_d = seeds[int(np.argmax(d))], float(d.max())
        half = min(size) / 2.0
        gx = np.arange(lo[0] + half, hi[0] + half, 2 * half)
        gy = np.arange(lo[1] + half, hi[1] + half, 2 * half)
        cells = np.column_stack([np.repeat(gx, len(gy)), np.tile(gy, len(gx))])
        while len(cells):
            d = _signed_distance(cells[:, 0], cells[:, 1], segments)
            i = int(np.argmax(d))
            if d[i] > best_d:
                best, best_d = cells[i], float(d[i])
            potential = d + half * math.sqrt(2.0)
            promising = potential > best_d + precision
            cells, potential = cells[promising], potential[promising]
            if len(cells) > 4096:  # bound the work: the most promising cells first
                order = np.argsort(-potential, kind="stable")[:4096]
                cells = cells[np.sort(order)]
            half /= 2.0
            cells = np.vstack([cells + np.array([sx * half, sy * half])
                               for sx in (-1, 1) for sy in (-1, 1)])
            if half < precision / 4.0:
                break
        full = _segments(rings, None)
        if budget is None or _signed_distance(best[:1], best[1:], full)[0] > 0.0:
            return np.asarray(best, dtype=np.float64)
    return np.asarray(best, dtype=np.float64)


# --- packing ----------------------------------------------------------------------------------


def _true_area(ring: NDArray[np.float64]) -> float:
    """Area of a projected ring, scaled back to the ground (Mercator inflates it by 1/cos²).

    So the "largest polygon" of Norway is the mainland, not Svalbard, drawn larger at 78°N.
    """
    y_mid = (ring[:, 1].min() + ring[:, 1].max()) / 2.0
    lat = 2.0 * math.atan(math.exp(y_mid / EARTH_RADIUS_M)) - math.pi / 2.0
    return abs(_area(ring)) * math.cos(lat) ** 2


def _main_bbox(main: Piece, pieces: list[Piece]) -> list[float]:
    """The box to fit a view to: the largest polygon and the pieces lying near it.

    "Near" is within a fifth of the largest polygon's size: metropolitan France keeps Corsica
    and its Atlantic islands but not Guiana or Réunion; the United States keep neither Alaska
    nor Hawaii. The full ``bbox`` is there for the rest.
    """
    lo, hi = main.rings[0].min(axis=0), main.rings[0].max(axis=0)
    margin = (hi - lo) / 5.0
    near_lo, near_hi = lo - margin, hi + margin
    box_lo, box_hi = lo.copy(), hi.copy()
    for piece in pieces:
        p_lo, p_hi = piece.rings[0].min(axis=0), piece.rings[0].max(axis=0)
        if np.all(p_lo <= near_hi) and np.all(p_hi >= near_lo):
            box_lo, box_hi = np.minimum(box_lo, p_lo), np.maximum(box_hi, p_hi)
    return [*box_lo, *box_hi]


def pack(features: list[Feature]) -> dict[str, np.ndarray]:
    """The arrays of one layer file (see ``resources.basemap``), features in source order."""
    points: list[NDArray[np.float64]] = []
    strokes: list[NDArray[np.bool_]] = []
    ring_feature: list[int] = []
    feature_rings = [0]
    names, codes, iso2 = [], [], []
    bbox, main_bbox, label = [], [], []
    for feature in features:
        pieces = [p for p in _pieces(feature) if p.rings]
        if not pieces:
            continue
        for piece in pieces:
            points.extend(piece.rings)
            strokes.extend(piece.strokes)
            ring_feature.extend([len(names)] * len(piece.rings))
        feature_rings.append(len(ring_feature))
        names.append(feature.name)
        codes.append(feature.code)
        iso2.append(feature.iso2)
        every = np.vstack([r for p in pieces for r in p.rings])
        bbox.append([*every.min(axis=0), *every.max(axis=0)])
        main = max(pieces, key=lambda p: _true_area(p.rings[0]))
        main_bbox.append(_main_bbox(main, pieces))
        label.append(pole_of_inaccessibility(main.rings))
    counts = np.array([len(r) for r in points], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    ring_lo = np.array([r.min(axis=0) for r in points])
    ring_hi = np.array([r.max(axis=0) for r in points])
    origin = (ring_lo + ring_hi) / 2.0
    xy = np.vstack(points)
    dxy = (xy - np.repeat(origin, counts, axis=0)).astype(np.float32)
    stroke = np.concatenate(strokes)
    ends = np.zeros(len(xy), dtype=bool)
    ends[offsets[1:] - 1] = True
    return {
        "format": np.array(FORMAT_VERSION, dtype=np.int32),
        "dxy": dxy,
        "ring_origin": origin,
        "ring_offsets": offsets,
        "seams": np.flatnonzero(~stroke & ~ends).astype(np.int32),
        "ring_feature": np.asarray(ring_feature, dtype=np.int32),
        "ring_bbox": np.hstack([ring_lo, ring_hi]),
        "feature_rings": np.asarray(feature_rings, dtype=np.int64),
        "names": np.asarray(names, dtype=np.str_),
        "codes": np.asarray(codes, dtype=np.str_),
        "iso2": np.asarray(iso2, dtype="<U2"),
        "bbox": np.asarray(bbox, dtype=np.float64),
        "main_bbox": np.asarray(main_bbox, dtype=np.float64),
        "label": np.asarray(label, dtype=np.float64),
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray],
              deflate: Collection[str] = ()) -> None:
    """Write an ``.npz`` whose bytes depend only on the arrays (fixed zip dates and order).

    Members are stored uncompressed unless named in ``deflate``: the basemap's floats barely
    compress, and loading them is then a read with no inflate (the gazetteer deflates its
    text). Written beside the target and renamed, so a reader never sees half a file.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            for key in sorted(arrays):
                buffer = io.BytesIO()
                array = np.asarray(arrays[key])
                np.lib.format.write_array(buffer, array if array.flags.c_contiguous
                                          else array.copy(order="C"), allow_pickle=False)
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = (zipfile.ZIP_DEFLATED if key in deflate
                                      else zipfile.ZIP_STORED)
                zf.writestr(info, buffer.getvalue(), compresslevel=9 if key in deflate else None)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shipped file is world-readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- the layers -------------------------------------------------------------------------------


def _country_codes(source: Path) -> tuple[dict[int, str], dict[str, str]]:
    """ISO numeric → alpha-2, and name → alpha-2 for the few features without an id (Kosovo)."""
    countries: dict[str, Any] = json.loads((source / COUNTRY_CODES).read_text(encoding="utf-8"))
    by_number = {int(c["isonumeric"]): c["iso"] for c in countries.values() if c["isonumeric"]}
    by_name = {c["name"]: c["iso"] for c in countries.values()}
    return by_number, by_name


def layer_sources(source: Path) -> Iterator[tuple[str, str, list[Feature]]]:
    """Every bundled layer as ``(name, lod, features)``, read from the source folder."""
    by_number, by_name = _country_codes(source)
    ne = source / NATURAL_EARTH
    for lod in ("110m", "50m", "10m"):
        yield "countries", lod, _topology_features(ne / f"countries-{lod}.json", "countries",
                                                   by_number, by_name)
    land = _topology_features(ne / "land-50m.json", "land", {}, {})
    for feature in land:
        feature.name = "Land"
    yield "land", "50m", land
    ign = source / IGN
    metropole = _geojson_features(ign / "metropole-version-simplifiee.geojson", code="FX")
    for feature in metropole:
        feature.name, feature.iso2 = "France métropolitaine", "FR"
    yield "france", "ign", metropole
    yield "regions", "ign", _geojson_features(ign / "regions-version-simplifiee.geojson")
    yield "departements", "ign", _geojson_features(
        ign / "departements-version-simplifiee.geojson")
    # Paris is both a departement (75) and a commune (INSEE 75056): here, the commune.
    paris = _geojson_features(ign / "departement-75-paris.geojson", code="75056")
    yield "communes", "ign", paris + _geojson_features(
        ign / "communes-93-seine-saint-denis.geojson")


def build(source: Path, out: Path) -> dict[str, int]:
    """Write every layer into ``out``; returns each file's size in bytes."""
    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, lod, features in layer_sources(source):
        path = out / file_name(name, lod)
        write_npz(path, pack(features))
        sizes[path.name] = path.stat().st_size
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--source`` (the shared data folder) and ``--out`` (this folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True,
                        help="folder holding basemap/ and gazetteer/ (the shared data)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    sizes = build(args.source, args.out)
    for name, size in sizes.items():
        print(f"{name:28} {size / 1e6:7.3f} MB")
    print(f"{'total':28} {sum(sizes.values()) / 1e6:7.3f} MB "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
