"""Where the importers go (Timesketch, Plaso, spreadsheets, GeoJSON/KML: issue #19).

They write new cases through :mod:`storage.case.writer`; like the generator they sit above
the reads and the case format, and nothing below imports them.
"""
