"""``main.py export``: an opened case (read-only) to the files other tools read."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

EXIT_OK = 0
EXIT_BAD_INPUT = 2
GEO_SUFFIXES = (".geojson", ".json", ".kml")


def export_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = parser_class(prog="main.py export", description=(
        "Export a case (opened read-only, never written): events to a Timesketch timeline, "
        "places and shipments to GeoJSON or KML, actors and identifiers to CSV."))
    p.add_argument("case", help="case file path or SQLAlchemy URL")
    p.add_argument("--events", type=Path, metavar="OUT.jsonl",
                   help="every event, as Timesketch JSON lines (imports back the same)")
    p.add_argument("--places", type=Path, metavar="OUT.geojson|OUT.kml",
                   help="places with coordinates, as points")
    p.add_argument("--shipments", type=Path, metavar="OUT.geojson|OUT.kml",
                   help="shipment legs with both ends placed, as lines")
    p.add_argument("--actors", type=Path, metavar="OUT.csv", help="actors, one row each")
    p.add_argument("--identifiers", type=Path, metavar="OUT.csv",
                   help="identifiers with their attributions")
    p.add_argument("--no-formula-guard", action="store_true", help=(
        "write CSV cells as they are, even those a spreadsheet would run as formulas"))
    return p


def run_export(ns: argparse.Namespace) -> int:
    from storage.case.errors import CaseOpenError
    from storage.case.opener import open_case
    from storage.exports.geo import export_geojson, export_kml
    from storage.exports.tables import export_actors_csv, export_identifiers_csv
    from storage.exports.timesketch import export_timesketch_jsonl

    outputs = [p for p in (ns.events, ns.places, ns.shipments, ns.actors, ns.identifiers) if p]
    if not outputs:
        return _fail("nothing to export: give --events, --places, --shipments, --actors or "
                     "--identifiers")
    for geo in (ns.places, ns.shipments):
        if geo is not None and geo.suffix.lower() not in GEO_SUFFIXES:
            return _fail(f"{geo}: a map layer ends with .geojson or .kml")
    report: dict[str, object] = {"case": ns.case}
    try:
        with open_case(ns.case) as source:
            con = source.connect()
            try:
                if ns.events:
                    r = export_timesketch_jsonl(con, ns.events)
                    report["events"] = {"file": str(r.path), "events": r.events,
                                        "without_iso_time": r.out_of_range}
                for name, path in (("places", ns.places), ("shipments", ns.shipments)):
                    if path is None:
                        continue
                    write = export_kml if path.suffix.lower() == ".kml" else export_geojson
                    g = write(con, path, name)
                    report[name] = {"file": str(g.path), "written": g.written,
                                    "left_out_unplaced": g.unplaced}
                guard = not ns.no_formula_guard
                for name, path, write_csv in (("actors", ns.actors, export_actors_csv),
                                              ("identifiers", ns.identifiers,
                                               export_identifiers_csv)):
                    if path is not None:
                        t = write_csv(con, path, guard=guard)
                        report[name] = {"file": str(t.path), "rows": t.rows,
                                        "cells_guarded": t.guarded}
            finally:
                con.close()
    except CaseOpenError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc} (the export was not written)")
    print(json.dumps(report, ensure_ascii=False))
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"filature: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
