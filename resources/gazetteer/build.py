"""Convert the GeoNames and French postcode sources once into ``gazetteer.npz`` (run by hand).

    .venv/bin/python resources/gazetteer/build.py --source ../shared/data --out resources/gazetteer

Inputs (``--source``): ``gazetteer/geonames/cities15000.json`` (34,006 places worldwide),
``cities500_FR_NL_BE.json`` (19,584 places of ≥ 500 people in France, the Netherlands and
Belgium), ``countries.json`` and ``gazetteer/fr-communes/communes.json.gz`` (INSEE communes and
their postcodes). The output is what ``storage.geo.gazetteer`` searches:

* **places** (52,432, the union by geonameid, sorted by it): id, lat/lon, country, admin1 code,
  population, INSEE code (French places matched to a commune), name. Codes are ASCII byte
  strings and names one UTF-8 blob with lengths: fixed-width unicode would store every name
  at the longest name's width in UTF-32, eight times the size.
* **keys**: every name and alternate name under its ``resources.geo.place_key`` (casefolded,
  accents and punctuation dropped, St → Saint), sorted by UTF-8 bytes so a lookup is a binary
  search, each with its place and whether it is the place's own name (0) or an alternate (1).
  All scripts are kept (a case's messages may name Москва or الدار البيضاء), but not
  alternates that are only digits (GeoNames lists some admin codes as names).
* **postcodes**: French postcode → the places of the communes it serves (and of a Paris, Lyon
  or Marseille arrondissement, marked level 0), for communes GeoNames has (most communes of
  fewer than 500 people have no point, so their postcodes resolve to nothing).
* **countries**: ISO alpha-2, alpha-3 and English name, to read a ``country`` argument.

Text members are deflated (keys sorted by bytes compress 3×), the rest stored. Output bytes are
deterministic. Takes ~5 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make the checkout's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from resources.basemap.build import write_npz
from resources.geo import place_key

#: Bumped when the arrays' meaning changes; ``storage.geo.gazetteer`` refuses other versions.
FORMAT_VERSION = 1
FILE_NAME = "gazetteer.npz"
GEONAMES = "gazetteer/geonames"
COMMUNES = "gazetteer/fr-communes/communes.json.gz"
#: Members written deflated: text, and the arrays that follow its order.
DEFLATED = frozenset({"key_blob", "key_lengths", "key_place", "key_kind", "name_blob",
                      "name_lengths", "place_admin1", "place_insee", "place_country"})


def _blob(texts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 strings as one uint8 array and uint16 lengths (the reader sums them to offsets).

    Lengths rather than offsets: half the size, they deflate well, and the sum is a
    millisecond. Keys are at most ``MAX_KEY_CHARS`` (200) characters and names under 100, so
    far under 65,535 bytes (checked).
    """
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    if lengths.size and lengths.max() > np.iinfo(np.uint16).max:
        raise ValueError("a name too long for uint16 lengths")
    return np.frombuffer(b"".join(texts), dtype=np.uint8).copy(), lengths.astype(np.uint16)


def _places(source: Path) -> list[dict[str, Any]]:
    """Both GeoNames files merged by geonameid (the FR/NL/BE file repeats its big cities)."""
    merged: dict[int, dict[str, Any]] = {}
    for name in ("cities500_FR_NL_BE.json", "cities15000.json"):
        data = json.loads((source / GEONAMES / name).read_text(encoding="utf-8"))
        for record in data.values():
            merged[int(record["geonameid"])] = record
    return [merged[k] for k in sorted(merged)]


_ARRONDISSEMENT = re.compile(r"(\d+)(?:e|er) arrondissement")


def _commune_places(communes: list[dict[str, Any]], places: list[dict[str, Any]],
                    keys: list[str]) -> dict[str, int]:
    """INSEE code → index of the GeoNames place of that commune, where one can be told.

    Matched on the name's key within the same region (GeoNames' French admin1 codes are the
    INSEE region codes), else on an alternate name's; several go to the closest population,
    and a place goes to one commune only. Municipal arrondissements are matched by number
    ("Paris 18 Buttes-Montmartre", "Lyon 03"), the two-digit GeoNames form first: its
    "Paris 12e Arrondissement" duplicate sits in the Bois de Vincennes, not in the 12th's
    built-up part.
    """
    by_key: dict[tuple[str, str], list[int]] = {}
    by_alternate: dict[tuple[str, str], list[int]] = {}
    for i, (p, key) in enumerate(zip(places, keys, strict=True)):
        if p["countrycode"] == "FR":
            by_key.setdefault((key, p["admin1code"]), []).append(i)
            for alternate in {place_key(a) for a in p.get("alternatenames") or ()} - {key}:
                by_alternate.setdefault((alternate, p["admin1code"]), []).append(i)
    names = {c["code"]: c["nom"] for c in communes}
    candidates: list[tuple[float, str, int]] = []
    for c in communes:
        region, kind = c.get("region", ""), c.get("type")
        if kind == "commune-actuelle":
            # GeoNames' "Saint-Ouen" is INSEE's "Saint-Ouen-sur-Seine" (an alternate there)
            key = (place_key(c["nom"]), region)
            hits = by_key.get(key) or by_alternate.get(key, [])
        elif kind == "arrondissement-municipal":
            city = place_key(names.get(c.get("commune", ""), ""))
            numbered = _ARRONDISSEMENT.search(place_key(c["nom"]))
            if not city or numbered is None:
                continue
            number = int(numbered.group(1))  # from the name: Lyon's codes run 69381…69389
            two_digit = re.compile(rf"{re.escape(city)} {number:02d}( |$)")
            hits = [i for (key, reg), ids in by_key.items() if reg == region
                    and two_digit.match(key) for i in ids]
            if not hits:
                hits = [i for (key, reg), ids in by_key.items() if reg == region
                        and key.startswith(city + " ")
                        and (m := _ARRONDISSEMENT.search(key)) and int(m.group(1)) == number
                        for i in ids]
        else:
            continue  # former communes: their postcodes are listed under the current one
        if hits:
            population = max(int(c.get("population") or 0), 1)
            mismatch = {i: abs(math.log(max(int(places[i]["population"] or 0), 1) / population))
                        for i in hits}
            best = min(hits, key=lambda i: (mismatch[i], i))
            candidates.append((mismatch[best], c["code"], best))
    # One commune per place: two "Saint-Martin" of one region would otherwise both get the
    # bigger one's point, 100 km from the smaller (whose postcode then resolves to nothing).
    found: dict[str, int] = {}
    taken: set[int] = set()
    for _, code, i in sorted(candidates):
        if i not in taken:
            taken.add(i)
            found[code] = i
    return found


def build_arrays(source: Path) -> dict[str, np.ndarray]:
    """Every array of ``gazetteer.npz`` (see the module docstring)."""
    places = _places(source)
    keys = [place_key(p["name"]) for p in places]
    communes = json.loads(gzip.decompress((source / COMMUNES).read_bytes()))
    insee_of = _commune_places(communes, places, keys)
    insee = [b""] * len(places)
    for code, i in insee_of.items():
        insee[i] = code.encode("ascii")

    entries: dict[tuple[bytes, int], int] = {}
    for i, (p, own) in enumerate(zip(places, keys, strict=True)):
        if own:
            entries[(own.encode(), i)] = 0
        for alternate in p.get("alternatenames") or ():
            key = place_key(alternate)
            if key and not key.replace(" ", "").isdigit():
                entries.setdefault((key.encode(), i), 1)
    ordered = sorted(entries)
    key_blob, key_lengths = _blob([k for k, _ in ordered])
    name_blob, name_lengths = _blob([p["name"].encode() for p in places])

    postcode_rows: set[tuple[int, int, int]] = set()
    for c in communes:
        i = insee_of.get(c["code"])
        if i is None:
            continue
        level = 0 if c.get("type") == "arrondissement-municipal" else 1
        for postcode in c.get("codesPostaux") or ():
            if len(postcode) == 5 and postcode.isdigit():
                postcode_rows.add((int(postcode), level, i))
    rows = sorted(postcode_rows)

    countries = json.loads((source / GEONAMES / "countries.json").read_text(encoding="utf-8"))
    country_rows = sorted((c["iso"], c["iso3"], c["name"]) for c in countries.values())
    admin1 = [(p.get("admin1code") or "").encode("ascii") for p in places]
    return {
        "format": np.array(FORMAT_VERSION, dtype=np.int32),
        "place_id": np.array([int(p["geonameid"]) for p in places], dtype=np.int32),
        "place_lat": np.array([float(p["latitude"]) for p in places], dtype=np.float64),
        "place_lon": np.array([float(p["longitude"]) for p in places], dtype=np.float64),
        "place_country": np.array([p["countrycode"].encode("ascii") for p in places],
                                  dtype="S2"),
        "place_admin1": np.array(admin1, dtype=f"S{max(len(a) for a in admin1)}"),
        "place_population": np.array([int(p["population"] or 0) for p in places],
                                     dtype=np.int32),
        "place_insee": np.array(insee, dtype="S5"),
        "name_blob": name_blob,
        "name_lengths": name_lengths,
        "key_blob": key_blob,
        "key_lengths": key_lengths,
        "key_place": np.array([i for _, i in ordered], dtype=np.int32),
        "key_kind": np.array([entries[e] for e in ordered], dtype=np.uint8),
        "postcode": np.array([r[0] for r in rows], dtype=np.int32),
        "postcode_level": np.array([r[1] for r in rows], dtype=np.uint8),
        "postcode_place": np.array([r[2] for r in rows], dtype=np.int32),
        "country_iso2": np.array([r[0] for r in country_rows], dtype=np.str_),
        "country_iso3": np.array([r[1] for r in country_rows], dtype=np.str_),
        "country_name": np.array([r[2] for r in country_rows], dtype=np.str_),
    }


def build(source: Path, out: Path) -> Path:
    """Write ``gazetteer.npz`` into ``out`` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAME
    write_npz(path, build_arrays(source), deflate=DEFLATED)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--source`` (the shared data folder) and ``--out`` (this folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True,
                        help="folder holding gazetteer/ (the shared data)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = build(args.source, args.out)
    print(f"{path.name}: {path.stat().st_size / 1e6:.3f} MB "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
