"""Offline place lookup: a place name (or a French postcode) from the evidence to coordinates.

Searches the bundled ``resources/gazetteer/gazetteer.npz`` (GeoNames cities of ≥ 15,000 people
worldwide and of ≥ 500 in France, the Netherlands and Belgium, with French postcodes; built by
``resources/gazetteer/build.py``). Nothing is fetched and nothing is written. The index is read
once, on the first lookup (~60 ms: the names are deflated), then shared read-only by every
thread; a lookup is two binary searches over the sorted keys, well under a millisecond.

Names are untrusted text from a case: any string is accepted (10,000 characters, control
characters, lone surrogates, other scripts), reduced to its ``resources.geo.place_key`` first,
so case, accents, hyphens, apostrophes and "St"/"Saint" do not matter.

Ranking, best first: a place whose own name matches before one that matches an alternate
name, then places in the ``country`` asked for, then in the ``admin1`` region asked for, then
by population. The answer is *ambiguous* when another place ranked as well is a plausible
reading too: at least 1/20 of the best's population (Saint-Ouen 93, 39,353 people, and
Saint-Ouen in Loir-et-Cher, 3,197) and more than 10 km away (so a city's own districts or
GeoNames' duplicates do not count); a place reached by an alternate name counts if it is
bigger than the best. Paris, France and Paris, Texas (1/86) is
not ambiguous; a name the view shows with ``ambiguous`` set deserves a "which one?" prompt.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from resources import resource_path
from resources.geo import haversine_m, place_key

#: The version of ``gazetteer.npz`` this reader understands (``resources/gazetteer/build.py``).
FORMAT_VERSION = 1
GAZETTEER_FILE = "gazetteer/gazetteer.npz"
#: At most this many places are returned (a common alternate such as "San José" has dozens).
MAX_CANDIDATES = 50
#: A runner-up this share of the best's population, or more, makes the answer ambiguous.
PLAUSIBLE_SHARE = 1 / 20
#: Places closer than this to the best are the same place for ambiguity (districts, dupes).
SAME_PLACE_M = 10_000.0

Match = Literal["name", "alternate", "postcode"]


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer place, as plain values (safe to hand to any thread or view).

    ``insee`` is the commune's INSEE code for French places GeoNames and the commune list
    agree on (``""`` otherwise): the code of ``resources.basemap``'s communes layer, so the
    map can outline the commune. ``match`` tells how the query reached it.
    """

    geonameid: int
    name: str
    lat: float
    lon: float
    country: str
    admin1: str
    population: int
    insee: str
    match: Match


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The best place for a query (None when nothing matched), the others, best first.

    ``key`` is the normalised text searched; ``postcode`` the French postcode read from the
    query, if any.
    """

    key: str
    best: Place | None
    candidates: tuple[Place, ...]
    ambiguous: bool
    postcode: str | None = None


class _Index:
    """The arrays of ``gazetteer.npz`` and the searches over them (read-only once built)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        version = int(arrays["format"])
        if version != FORMAT_VERSION:
            raise ValueError(f"gazetteer format {version}, expected {FORMAT_VERSION} "
                             "(rebuild with resources/gazetteer/build.py)")
        self.keys = arrays["key_blob"].tobytes()
        self.key_offsets = np.r_[0, np.cumsum(arrays["key_lengths"], dtype=np.int64)]
        self.key_place = arrays["key_place"]
        self.key_kind = arrays["key_kind"]
        self.names = arrays["name_blob"].tobytes()
        self.name_offsets = np.r_[0, np.cumsum(arrays["name_lengths"], dtype=np.int64)]
        self.ids = arrays["place_id"]
        self.lat = arrays["place_lat"]
        self.lon = arrays["place_lon"]
        self.country = arrays["place_country"]
        self.admin1 = arrays["place_admin1"]
        self.population = arrays["place_population"]
        self.insee = arrays["place_insee"]
        self.postcode = arrays["postcode"]
        self.postcode_level = arrays["postcode_level"]
        self.postcode_place = arrays["postcode_place"]
        self.countries: dict[str, str] = {}
        for iso2, iso3, name in zip(arrays["country_iso2"].tolist(),
                                    arrays["country_iso3"].tolist(),
                                    arrays["country_name"].tolist(), strict=True):
            for alias in (iso2, iso3, name):
                self.countries[place_key(alias)] = iso2

    def _key(self, i: int) -> bytes:
        return self.keys[int(self.key_offsets[i]) : int(self.key_offsets[i + 1])]

    def key_range(self, key: bytes) -> range:
        """The index entries filed under exactly ``key`` (two binary searches)."""
        lo, hi = 0, len(self.key_place)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        start, hi = lo, len(self.key_place)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key(mid) <= key:
                lo = mid + 1
            else:
                hi = mid
        return range(start, lo)

    def name(self, i: int) -> str:
        return self.names[int(self.name_offsets[i]) : int(self.name_offsets[i + 1])].decode()

    def place(self, i: int, match: Match) -> Place:
        return Place(
            geonameid=int(self.ids[i]),
            name=self.name(i),
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            country=self.country[i].decode("ascii"),
            admin1=self.admin1[i].decode("ascii"),
            population=int(self.population[i]),
            insee=self.insee[i].decode("ascii"),
            match=match,
        )

    def country_code(self, country: str) -> str:
        """ISO alpha-2 for ``"FR"``, ``"fra"`` or ``"France"``; ``""`` if unknown."""
        return self.countries.get(place_key(country), "")


@functools.cache
def _index() -> _Index:
    with np.load(resource_path(GAZETTEER_FILE), allow_pickle=False) as z:
        return _Index({key: z[key] for key in z.files})


def _postcode_of(words: list[str]) -> tuple[str | None, list[str]]:
    """A five-digit French postcode at the start or end of the words, and the other words."""

    def is_postcode(word: str) -> bool:
        return len(word) == 5 and word.isascii() and word.isdigit()

    if words and is_postcode(words[0]):
        return words[0], words[1:]
    if len(words) > 1 and is_postcode(words[-1]):
        return words[-1], words[:-1]
    return None, words


def _plausible_others(ix: _Index, best: int, group: list[int]) -> bool:
    """Whether another place of the best's rank group is a plausible reading (docstring)."""
    others = np.asarray([i for i in group if i != best], dtype=np.intp)
    if others.size == 0:
        return False
    big = ix.population[others].astype(np.float64) >= PLAUSIBLE_SHARE * float(ix.population[best])
    far = haversine_m(ix.lon[best], ix.lat[best], ix.lon[others], ix.lat[others]) > SAME_PLACE_M
    return bool(np.any(big & far))


def _by_name(ix: _Index, key: str, country: str | None, admin1: str | None) -> LookupResult:
    entries = ix.key_range(key.encode())
    tier: dict[int, int] = {}
    for e in entries:
        place, kind = int(ix.key_place[e]), int(ix.key_kind[e])
        tier[place] = min(kind, tier.get(place, kind))
    if not tier:
        return LookupResult(key, None, (), False)

    def rank(i: int) -> tuple[int, int, int]:
        other_country = country is not None and ix.country[i].decode("ascii") != country
        other_region = admin1 is not None and ix.admin1[i].decode("ascii") != admin1
        return (tier[i], int(other_country), int(other_region))

    order = sorted(tier, key=lambda i: (rank(i), -int(ix.population[i]), int(ix.ids[i])))
    best = order[0]
    # A reading by an alternate name counts against a best found by its own name only if it
    # is bigger: a village's own name can be a city's alternate (if a hamlet were called
    # "Londres", London would still be a plausible reading), but Sèvres-Anxaumont, also
    # "Sèvres", does not make Sèvres ambiguous; nor Parys (South Africa, 71,000) Paris.
    same = [i for i in order if rank(i) == rank(best)]
    bigger = [i for i in order if rank(i)[1:] == rank(best)[1:] and rank(i)[0] > rank(best)[0]
              and ix.population[i] >= ix.population[best]]
    places = [ix.place(i, "name" if tier[i] == 0 else "alternate")
              for i in order[:MAX_CANDIDATES]]
    ambiguous = _plausible_others(ix, best, same) or _plausible_others(ix, best, bigger)
    return LookupResult(key, places[0], tuple(places[1:]), ambiguous)


def _by_postcode(ix: _Index, key: str, postcode: str, rest: list[str]) -> LookupResult | None:
    """Places of the communes a postcode serves, the named one first; None if it has none.

    An arrondissement (75018 → Paris 18) ranks before its city. Several communes under one
    postcode, with no name to choose, are ambiguous; so is a name that none of them bears.
    """
    code = int(postcode)
    lo = int(np.searchsorted(ix.postcode, code, side="left"))
    hi = int(np.searchsorted(ix.postcode, code, side="right"))
    if lo == hi:
        return None
    wanted = " ".join(rest)

    def named(i: int) -> bool:
        own = place_key(ix.name(i))
        return not wanted or own == wanted or own.startswith(wanted + " ")

    rows = [(0 if named(int(ix.postcode_place[r])) else 1, int(ix.postcode_level[r]),
             -int(ix.population[ix.postcode_place[r]]), int(ix.postcode_place[r]))
            for r in range(lo, hi)]
    rows.sort()
    best_named, best_level = rows[0][0], rows[0][1]
    peers = {r[3] for r in rows if r[0] == best_named and r[1] == best_level}
    ambiguous = best_named == 1 or len(peers) > 1
    places = [ix.place(r[3], "postcode") for r in rows[:MAX_CANDIDATES]]
    return LookupResult(key, places[0], tuple(places[1:]), ambiguous, postcode)


def lookup(name: str, country: str | None = None, admin1: str | None = None) -> LookupResult:
    """The best gazetteer place for ``name``, the other candidates, and whether it is ambiguous.

    ``country`` (ISO alpha-2 or alpha-3, or an English name) and ``admin1`` (GeoNames' region
    code, e.g. ``"11"`` for Île-de-France) rank places in them first; they do not exclude
    others. A French postcode, alone or beside a name (``"93400"``, ``"75018 Paris"``,
    ``"Saint-Ouen 93400"``), is read through the postcode table when ``country`` is unset or
    France. Unknown names give ``best=None``. Raises ``TypeError`` only for non-text arguments.
    """
    for value in (country, admin1):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"country and admin1 are text, not {type(value).__name__}")
    key = place_key(name)  # TypeError for a non-str name
    if not key:
        return LookupResult(key, None, (), False)
    ix = _index()
    wanted_country = ix.country_code(country) if country is not None else None
    wanted_admin1 = admin1.strip().upper() if admin1 is not None else None
    postcode, rest = _postcode_of(key.split(" "))
    if postcode is not None and wanted_country in (None, "FR"):
        found = _by_postcode(ix, key, postcode, rest)
        if found is not None:
            return found
    result = _by_name(ix, key, wanted_country, wanted_admin1)
    if result.best is None and postcode is not None and rest:
        # "Amsterdam 10115" or an unknown postcode: the name alone may still be known
        result = _by_name(ix, " ".join(rest), wanted_country, wanted_admin1)
    return result
