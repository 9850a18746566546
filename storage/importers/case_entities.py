"""The actors, accounts, platforms and places that profiled rows name, each written once.

A listing scrape names its 180 vendors on 1,504 rows; a carrier's return names the same relay
point on thousands. Rows carry names (:class:`~storage.importers.rows.RecordLinks`); this
module turns them into ids, creating a record the first time a name is seen in the case and
reusing it after, one dictionary lookup per distinct name per chunk (``pandas.factorize``
finds the distinct names; no Python work per row).

What makes two rows the same entity: an actor by display name; a platform by name (the
case format keeps platform names unique); an identifier by kind, value and platform (the
same pseudonym on two markets is two accounts); a place by name, kind and country. An
identifier and an actor on the same row are linked by a ``uses`` attribution citing the
file, once per pair: the row is the evidence, the link is not a conclusion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from storage.case import vocab

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from storage.importers.rows import RecordLinks

_SEP = "\x1f"
COUNTRY_KINDS = frozenset({"country"})


class Entities:
    """Get-or-create of the entities rows name, for one case being written."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        self.platforms: dict[str, int] = {
            name: pid for pid, name in con.execute("SELECT id, name FROM platform")}
        self.actors: dict[str, int] = {}
        for aid, name in con.execute("SELECT id, display_name FROM actor ORDER BY id"):
            self.actors.setdefault(name, aid)
        self.identifiers: dict[str, int] = {}
        for iid, kind, value, platform in con.execute(
                "SELECT id, kind, value, platform_id FROM identifier ORDER BY id"):
            key = _SEP.join((kind, value, "" if platform is None else str(platform)))
            self.identifiers.setdefault(key, iid)
        self.places: dict[str, int] = {}
        for pid, name, kind, country in con.execute(
                "SELECT id, name, kind, coalesce(country_code, '') FROM place ORDER BY id"):
            self.places.setdefault(_SEP.join((name, kind, country)), pid)
        self.attributions: set[tuple[int, int]] = set(con.execute(
            "SELECT identifier_id, actor_id FROM attribution"))
        self.created = {"actor": 0, "identifier": 0, "platform": 0, "place": 0,
                        "attribution": 0}

    def link(self, links: RecordLinks, exhibit: int, file: str) -> dict[str, list[object]]:
        """``actor_id``, ``identifier_id``, ``platform_id``, ``place_id`` per row (None: none)."""
        platform = self._ids(links.platform, [links.platform_kind],
                             lambda key, first: self._platform(key, first))
        actor = self._ids(links.actor, [links.actor_role],
                          lambda key, first: self._actor(key, first, exhibit))
        plat_text = np.asarray([str(p) if p is not None else "" for p in platform], dtype=object)
        ident = self._ids(links.identifier, [links.identifier_kind, plat_text],
                          lambda key, first: self._identifier(key, first, exhibit),
                          key_parts=(1, 0, 2))
        codes, distinct = pd.factorize(links.place_country)
        upper = np.empty(len(distinct), dtype=object)
        upper[:] = [c.upper() for c in distinct.tolist()]
        country = upper[codes] if len(codes) else links.place_country
        place = self._ids(links.place, [links.place_kind, country,
                                        links.place_lat, links.place_lon,
                                        links.place_precision],
                          lambda key, first: self._place(key, first), key_parts=(0, 1, 2))
        self._attribute(ident, actor, exhibit, file)
        return {"actor_id": actor, "identifier_id": ident, "platform_id": platform,
                "place_id": place}

    def actor(self, name: str, role: str, exhibit: int) -> int:
        """The actor of this display name (created with ``role`` if the case has none)."""
        return self._actor(name, [name, role], exhibit)

    def _ids(self, names: np.ndarray, extra: list[np.ndarray],
             make: Callable[[str, list[str]], int],
             key_parts: tuple[int, ...] = (0,)) -> list[object]:
        """Ids per row: factorize the row keys, look each distinct key up or ``make`` it.

        A row's key joins its name and ``extra`` columns picked by ``key_parts`` (0 is the
        name); ``make(key, first)`` receives the parts of the first row with that key.
        """
        n = len(names)
        if not n or not (names != "").any():
            return [None] * n
        columns = [names, *extra]
        keyed = [columns[k] for k in key_parts]
        joined = keyed[0] if len(keyed) == 1 else _join(keyed)
        codes, uniques = pd.factorize(joined)
        firsts = np.full(len(uniques), -1, np.int64)
        order = np.arange(n)[::-1]
        firsts[codes[order]] = order  # the first row of each key (reversed writes win)
        ids: list[object] = []
        for u, key in enumerate(uniques.tolist()):
            row = int(firsts[u])
            if names[row] == "":
                ids.append(None)
                continue
            ids.append(make(key, [str(c[row]) for c in columns]))
        lookup = np.asarray(ids, dtype=object)
        return lookup[codes].tolist()

    def _platform(self, name: str, first: list[str]) -> int:
        pid = self.platforms.get(name)
        if pid is None:
            kind = first[1] if first[1] in vocab.PLATFORM_KINDS else "other"
            pid = self._insert("platform", "INSERT INTO platform(name, kind) VALUES (?, ?)",
                               (name, kind))
            self.platforms[name] = pid
        return pid

    def _actor(self, name: str, first: list[str], exhibit: int) -> int:
        aid = self.actors.get(name)
        if aid is None:
            role = first[1] or "unknown"
            aid = self._insert("actor", "INSERT INTO actor(display_name, role, exhibit_id) "
                                        "VALUES (?, ?, ?)", (name, role, exhibit))
            self.actors[name] = aid
        return aid

    def _identifier(self, key: str, first: list[str], exhibit: int) -> int:
        iid = self.identifiers.get(key)
        if iid is None:
            value, kind, platform = first[0], first[1] or "other", first[2]
            iid = self._insert(
                "identifier", "INSERT INTO identifier(kind, value, platform_id, exhibit_id) "
                              "VALUES (?, ?, ?, ?)",
                (kind, value, int(platform) if platform else None, exhibit))
            self.identifiers[key] = iid
        return iid

    def _place(self, key: str, first: list[str]) -> int:
        pid = self.places.get(key)
        if pid is None:
            name, kind, country, lat, lon, precision = first
            kind = kind or "other"
            y, x = _coordinate(lat, 90.0), _coordinate(lon, 180.0)
            if y is None or x is None:
                y = x = None
            if not precision:
                precision = ("country" if kind in COUNTRY_KINDS
                             else "exact" if y is not None else "city")
            code = country.strip().upper()
            pid = self._insert(
                "place", "INSERT INTO place(name, kind, lat, lon, precision, country_code) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                (name, kind, y, x, precision, code or None))
            self.places[key] = pid
        return pid

    def _attribute(self, ident: list[object], actor: list[object], exhibit: int,
                   file: str) -> None:
        pairs = {(i, a) for i, a in zip(ident, actor, strict=True)
                 if i is not None and a is not None} - self.attributions
        for i, a in sorted(pairs):  # type: ignore[type-var]
            self._insert("attribution",
                         "INSERT INTO attribution(identifier_id, actor_id, kind, justification, "
                         "exhibit_id) VALUES (?, ?, 'uses', ?, ?)",
                         (i, a, f"named together on a row of {file}", exhibit))
        self.attributions |= pairs  # type: ignore[arg-type]

    def _insert(self, table: str, sql: str, values: tuple[object, ...]) -> int:
        self.created[table] += 1
        return int(self.con.execute(sql, values).lastrowid or 0)


def _join(columns: list[np.ndarray]) -> np.ndarray:
    out = columns[0].astype(object)
    for col in columns[1:]:
        out = out + _SEP + col.astype(object)
    return out


def _coordinate(text: str, limit: float) -> float | None:
    try:
        value = float(text.replace(",", ".")) if text.strip() else None
    except ValueError:
        return None
    if value is None or not -limit <= value <= limit:
        return None
    return value


def numbers(values: np.ndarray) -> tuple[list[object], np.ndarray]:
    """Cells as floats for ``event.amount``/``quantity``, and the rows that are not numbers.

    None where blank or not a finite number; a decimal comma (``12,5``) is read as a point.
    """
    text = pd.Series(values, dtype=object)
    parsed = pd.to_numeric(text, errors="coerce")  # blanks and padding: NaN, redone below
    retry = parsed.isna().to_numpy() & (values != "")
    if retry.any():  # " 12 ", "7,5": the few cells the fast path did not take
        fixed = [v.strip().replace(",", ".") for v in values[retry].tolist()]
        parsed[retry] = pd.to_numeric(pd.Series(fixed, dtype=object), errors="coerce").array
    arr = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(arr)
    bad = np.zeros(len(values), bool)
    missing = np.flatnonzero(~finite)
    if len(missing):  # not a number, unless the cell is blank
        bad[missing] = [v.strip() != "" for v in values[missing].tolist()]
    return np.where(finite, arr, None).tolist(), bad
