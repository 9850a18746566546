"""Geography without the network: place names and postcodes to coordinates, for the map.

``lookup`` (in :mod:`storage.geo.gazetteer`) reads only files bundled in ``resources``
(GeoNames and the French postcode list, converted once by ``resources/gazetteer/build.py``),
never writes, and imports no Qt: the map, an importer or a command-line tool can use it alike.
The projection and distance arithmetic live in ``resources.geo``; the basemap in
``resources.basemap``.
"""

from __future__ import annotations

from storage.geo.gazetteer import LookupResult, Place, lookup

__all__ = ["LookupResult", "Place", "lookup"]
