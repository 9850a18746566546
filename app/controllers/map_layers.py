"""The map's basemap and places, made ready to draw: bundled layers, projected places.

The basemap is the bundled Natural Earth and IGN layers (``resources/basemap``), each shown
in the band of scales where it looks right: 110m countries for the world, 50m for Europe,
10m for a country, IGN régions, départements and communes closer in. Places are projected
to Web Mercator; a place with a name but no coordinates is placed from the bundled
gazetteer, and said to be approximate and from where (nothing is written into the case).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

import numpy as np

from resources.basemap import load_layer
from resources.geo import lonlat_to_mercator, mercator_to_lonlat
from storage.geo.gazetteer import lookup
from widgets.map import MapScene, VectorLayer

if TYPE_CHECKING:
    from storage.reads.geo import MapData

log = logging.getLogger(__name__)
APPROXIMATE = frozenset({"city", "region", "country", "approximate", "unknown"})
"""Precisions drawn as approximate (a ring instead of a dot)."""
GAZETTEER_LIMIT = 5_000
EXTENT_M = {"country": 400_000.0, "region": 100_000.0, "city": 8_000.0, "street": 300.0,
            "approximate": 8_000.0}
"""How far a place of each precision may be from its point: what framing it shows."""
"""Places looked up by name at most (~0.1 ms each, on the worker that reads the map: a
hostile case with 10⁶ unplaced names would otherwise hold it for minutes)."""

# (layer, level, fill, min_mpp, max_mpp, colour, width, label_max_mpp)
_BANDS = (
    ("land", "50m", True, 0.0, 1e9, "#000000", 0.0, 0.0),
    ("countries", "110m", False, 10_000.0, 1e9, "#9e9e9e", 0.8, 0.0),
    ("countries", "50m", False, 3_000.0, 10_000.0, "#9e9e9e", 0.9, 9_000.0),
    ("countries", "10m", False, 0.0, 3_000.0, "#8d8d8d", 1.1, 3_000.0),
    ("regions", "ign", False, 0.0, 2_500.0, "#b0a58f", 0.9, 0.0),
    ("departements", "ign", False, 0.0, 1_200.0, "#c9bfa9", 0.7, 700.0),
    ("communes", "ign", False, 0.0, 120.0, "#d6cdb8", 0.6, 60.0),
)


@functools.cache
def basemap_layers() -> tuple[VectorLayer, ...]:
    """Every bundled layer in its band of scales, bottom first (built once per process)."""
    out = []
    for name, lod, fill, lo, hi, colour, width, label_max in _BANDS:
        try:
            layer = load_layer(name, lod)
        except (KeyError, OSError, ValueError) as exc:  # a damaged install: say it, draw the rest
            log.warning("basemap layer %s-%s not loaded: %s", name, lod, exc)
            continue
        connect = layer.stroke.astype(np.int32)
        out.append(VectorLayer(
            name=f"{name}-{lod}", x=layer.xy[:, 0], y=layer.xy[:, 1], connect=connect,
            min_mpp=lo, max_mpp=hi, fill=fill, colour=colour, width=width,
            label_x=layer.label[:, 0] if label_max else np.empty(0),
            label_y=layer.label[:, 1] if label_max else np.empty(0),
            label_text=[str(n) for n in layer.names] if label_max else (),
            label_max_mpp=label_max))
    return tuple(out)


@functools.cache
def _country_points() -> dict[str, tuple[float, float]]:
    """ISO alpha-2 → the label point of the country (Web Mercator metres), for country places.

    A listing that "ships from NL" names a country, not a city: the point goes where the
    map writes the country's name, inside its main polygon, never at a capital it did not
    name.
    """
    try:
        layer = load_layer("countries", "110m")
    except (KeyError, OSError, ValueError) as exc:
        log.warning("country points not loaded: %s", exc)
        return {}
    return {str(code): (float(x), float(y)) for code, (x, y) in
            zip(layer.iso2.tolist(), layer.label.tolist(), strict=True) if code}


def map_scene(data: MapData, zone: str) -> MapScene:
    """Project the case's places (placing named ones from the gazetteer) and list the legs."""
    p = data.places
    lon, lat = p.lon.copy(), p.lat.copy()
    approx = np.asarray([prec.casefold() in APPROXIMATE for prec in p.precision], dtype=bool)
    notes = ["" if not a else f"approximate position ({prec})"
             for a, prec in zip(approx.tolist(), p.precision, strict=True)]
    countries = _country_points()
    for i in np.flatnonzero(~np.isfinite(lon)).tolist():
        if p.kinds[i].casefold() != "country" and p.precision[i].casefold() != "country":
            continue
        code = (p.country[i] or p.names[i]).strip().upper()
        point = countries.get(code)
        if point is not None:
            lon[i], lat[i] = mercator_to_lonlat(*point)
            approx[i] = True
            notes[i] = (f"approximate: a country ({code}), drawn inside its outline "
                        "(Natural Earth)")
    missing = np.flatnonzero(~np.isfinite(lon))
    for i in missing[:GAZETTEER_LIMIT].tolist():
        if p.kinds[i].casefold() == "country" or p.precision[i].casefold() == "country":
            notes[i] = "a country the basemap does not know (not an ISO 3166 code): not placed"
            continue
        name = p.names[i].strip()
        if not name:
            continue
        result = lookup(name, country=p.country[i] or None)
        if result.best is None:
            notes[i] = "no position in the case, and the gazetteer does not know this name"
            continue
        best = result.best
        lon[i], lat[i] = best.lon, best.lat
        approx[i] = True
        others = len(result.candidates)
        notes[i] = (f"approximate: placed from the GeoNames gazetteer ({best.name}, "
                    f"{best.country}, population {best.population:,})"
                    + (f"; ambiguous, {others} other places have this name" if
                       result.ambiguous else ""))
    x, y = lonlat_to_mercator(lon, lat)
    extent = np.asarray([EXTENT_M.get(prec.casefold(), 0.0) for prec in p.precision])
    extent[approx & (extent == 0.0)] = EXTENT_M["city"]  # placed from the gazetteer
    legs, shipments = data.legs, data.shipments
    return MapScene(
        place_ids=p.ids, place_x=np.asarray(x, dtype=np.float64),
        place_y=np.asarray(y, dtype=np.float64), place_events=data.place_events,
        place_approx=approx, place_names=p.names, place_notes=notes,
        leg_origin=legs.origin.astype(np.int64), leg_destination=legs.destination.astype(np.int64),
        leg_status=shipments.status[legs.shipment] if len(legs) else np.empty(0, np.uint8),
        leg_weight_g=(shipments.weight_g[legs.shipment].astype(np.float64) if len(legs)
                      else np.empty(0)),
        leg_shipment=shipments.ids[legs.shipment] if len(legs) else np.empty(0, np.int64),
        leg_departed=legs.departed, leg_arrived=legs.arrived, zone=zone,
        place_extent_m=extent)
