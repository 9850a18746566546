"""Offline place lookup (storage/geo): names and French postcodes from evidence to points.

Against the bundled gazetteer (GeoNames + INSEE postcodes, built by
``resources/gazetteer/build.py``). Names come from cases, so hostile text must never crash
the lookup or slow it down.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from storage.geo import LookupResult, Place, lookup
from storage.geo.gazetteer import _index


def _best(name: str, **kwargs: str) -> Place:
    result = lookup(name, **kwargs)
    assert result.best is not None, name
    return result.best


def test_paris_is_in_france() -> None:
    result = lookup("Paris")
    assert result.best is not None
    assert (result.best.name, result.best.country, result.best.admin1) == ("Paris", "FR", "11")
    assert result.best.lat == pytest.approx(48.85, abs=0.05)
    assert result.best.lon == pytest.approx(2.35, abs=0.05)
    assert result.best.insee == "75056" and result.best.match == "name"
    # Paris, Texas is a candidate, but 1/86 the size: not a plausible second reading
    assert "US" in {c.country for c in result.candidates}
    assert not result.ambiguous


def test_country_ranks_first_but_excludes_nothing() -> None:
    result = lookup("Paris", country="US")
    assert result.best is not None and result.best.country == "US"
    assert "FR" in {c.country for c in result.candidates}
    for spelled in ("us", "USA", "United States"):
        assert _best("Paris", country=spelled).country == "US"
    # an unknown country changes nothing
    assert _best("Paris", country="Atlantis").country == "FR"


def test_amsterdam_is_in_the_netherlands() -> None:
    best = _best("Amsterdam")
    assert (best.country, best.admin1) == ("NL", "07")
    assert not lookup("Amsterdam").ambiguous
    assert _best("amsterdam", country="US").country == "US"


def test_saint_ouen_is_ambiguous() -> None:
    result = lookup("Saint-Ouen")
    assert result.ambiguous
    assert result.best is not None
    # three places are called exactly Saint-Ouen; the biggest (93, 39,353 people) first
    exact = [p for p in (result.best, *result.candidates) if p.name == "Saint-Ouen"]
    assert len(exact) == 3
    assert [p.admin1 for p in exact] == ["11", "24", "32"]
    assert result.best.population > 30_000 and result.best.insee == "93070"
    populations = [p.population for p in exact]
    assert populations == sorted(populations, reverse=True)
    # own names before alternates ("Saint-Ouen-sur-Morin" is also filed as "Saint-Ouen")
    matches = [p.match for p in (result.best, *result.candidates)]
    assert matches == sorted(matches, key=["name", "alternate"].index)


def test_region_settles_saint_ouen() -> None:
    result = lookup("Saint-Ouen", admin1="11")
    assert result.best is not None and result.best.admin1 == "11"
    assert not result.ambiguous
    assert _best("Saint-Ouen", admin1="32").population < 10_000


@pytest.mark.parametrize(
    "spelling",
    ["Saint-Ouen", "saint-ouen", "SAINT OUEN", "St-Ouen", "st. ouen", "ST OUEN", "Saint Ouën",
     "  saint\touen  ", "Ｓａｉｎｔ－Ｏｕｅｎ"],
)
def test_spellings_meet_the_same_place(spelling: str) -> None:
    result = lookup(spelling)
    assert result.key == "saint ouen"
    assert result.best is not None and result.best.insee == "93070"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("sevres", "Sèvres"),
        ("SÈVRES", "Sèvres"),
        ("L'Haÿ-les-Roses", "L'Haÿ-les-Roses"),
        ("L’Hay les Roses", "L'Haÿ-les-Roses"),
        ("lhay-les-roses", "L'Haÿ-les-Roses"),
        ("villeneuve d ascq", "Villeneuve-d'Ascq"),
        ("s-Hertogenbosch", "'s-Hertogenbosch"),
        ("Bruxelles", "Brussels"),
        ("Den Haag", "The Hague"),
        ("Москва", "Moscow"),
        ("Saint-Ouen-sur-Seine", "Saint-Ouen"),
    ],
)
def test_accents_case_punctuation_and_alternates(query: str, name: str) -> None:
    assert _best(query).name == name


def test_postcodes() -> None:
    saint_ouen = lookup("93400")
    assert saint_ouen.postcode == "93400"
    assert saint_ouen.best is not None and saint_ouen.best.insee == "93070"
    assert saint_ouen.best.match == "postcode" and not saint_ouen.ambiguous
    # a postcode settles the ambiguous name
    both = lookup("Saint-Ouen 93400")
    assert both.best is not None and both.best.insee == "93070" and not both.ambiguous
    # an arrondissement before its city
    result = lookup("75018 Paris")
    assert result.best is not None and result.best.insee == "75118"
    assert result.best.name.startswith("Paris 18")
    assert [c.insee for c in result.candidates] == ["75056"] and not result.ambiguous
    assert _best("69003").insee == "69383"  # Lyon's arrondissement codes are 6938n
    assert _best("13001").insee == "13201"
    # one postcode for several villages, no name to choose: ambiguous
    shared = lookup("01400")
    assert shared.ambiguous and len(shared.candidates) >= 2
    # a name none of its communes bears: said to be ambiguous, not silently trusted
    assert lookup("75018 Lyon").ambiguous
    # an unknown postcode falls back to the name; a postcode outside France is no postcode
    assert _best("Amsterdam 99999").country == "NL"
    assert lookup("75018", country="NL").best is None


def test_unknown_names_give_no_result() -> None:
    for name in ("Zzyzxqqv", "", "   ", "!!!", "00000", "Parisss"):
        result = lookup(name)
        assert result == LookupResult(result.key, None, (), False)


HOSTILE = [
    "x" * 10_000,
    "Paris" * 2_000,
    "\x00" * 10_000,
    "\ud800\udfff\ud800" * 3_000,  # lone surrogates: cannot even be encoded
    "e\u0301" * 5_000,  # 10,000 characters, half of them combining accents
    "\u202eSIRAP\u202c",  # a bidi override around a reversed name
    "Pa\u200bris",  # a zero-width space inside
    "Saint-Ouen\n' OR 1=1 --",
    "%s%n{0}{name}\\x00",
    "🏴‍☠️" * 2_000,
    "Z̴̧͎̈́ả̸͙l̶̰͝g̵̣̓o̴̧̔" * 500,
    "٧٥٠١٨",  # postcode-like Arabic-Indic digits
    "9" * 5000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_never_crashes(text: str) -> None:
    start = time.perf_counter()
    result = lookup(text, country=text, admin1=text)
    assert time.perf_counter() - start < 0.5
    assert isinstance(result, LookupResult)
    assert len(result.key) <= 200
    assert len(result.candidates) <= 50


def test_non_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        lookup(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        lookup("Paris", country=250)  # type: ignore[arg-type]


def test_lookups_are_quick() -> None:
    lookup("Paris")  # the index is read once, on the first lookup
    start = time.perf_counter()
    for name in ("Paris", "Saint-Ouen", "Amsterdam", "75018", "Zzyzx") * 20:
        lookup(name)
    assert (time.perf_counter() - start) / 100 < 0.005


def test_bundled_index_covers_both_sources() -> None:
    ix = _index()
    # cities15000 (34,006) and cities500 of FR/NL/BE (19,584), merged by geonameid
    assert len(ix.ids) == 52_432
    assert np.all(np.diff(ix.ids) > 0)
    assert set(np.unique(ix.country).tolist()) >= {b"FR", b"NL", b"BE", b"US", b"CN"}
    assert np.all(np.abs(ix.lat) <= 90) and np.all(np.abs(ix.lon) <= 180)
    assert np.all(ix.population >= 0)
    # keys sorted by UTF-8 bytes, the order the binary search assumes
    keys = [ix._key(i) for i in range(0, len(ix.key_place), 997)]
    assert keys == sorted(keys)
    assert ix.keys.decode("utf-8")  # one valid UTF-8 blob
