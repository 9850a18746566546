"""The shipment map: basemap, places, flows of parcels and courier rounds."""

from widgets.map.scene import MapHighlight, MapScene, Route, VectorLayer
from widgets.map.view import MapView

__all__ = ["MapHighlight", "MapScene", "MapView", "Route", "VectorLayer"]
