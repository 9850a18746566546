"""Column-mapping profiles: how a spreadsheet from a platform or a carrier becomes events.

A profile is a small JSON file (format in ``docs/profiles/README.md``) that says which column
is the time and how it is written, what each row is (its kind, title, message), who it is
about (actor, platform, identifier), where (a place), and which columns are multi-valued or
not worth keeping. The same return from the same platform comes in every month: the
investigator writes its profile once and keeps it with the case notes.

A profile is untrusted input too (it arrives on a USB key with the data): it is read with a
size limit, every key is checked (an unknown key is refused, so a misspelt ``"colum"`` is not
silently ignored), and every column it names must exist in the file being read.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from storage.case import vocab
from storage.importers.rows import ImportRefused

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

PROFILE_VERSION = 1
MAX_PROFILE_BYTES = 1 << 20
TABLE_FORMATS = ("csv", "tsv", "xlsx")
TIME_PRECISIONS = ("microsecond", "millisecond", "second", "minute", "hour", "day", "month",
                   "year")
EPOCH_FORMATS = {"epoch_s": 1_000_000, "epoch_ms": 1_000, "epoch_us": 1}


class ProfileError(ImportRefused):
    """The profile cannot be used: ``str()`` names the profile and what to fix."""


@dataclass(frozen=True, slots=True)
class Slot:
    """Where one value of an event comes from: a column, a constant, or a template.

    A template is ``str.format`` text over column names (``"{grams} g at {btc_price} BTC"``);
    only plain ``{name}`` fields are allowed, so a profile cannot reach attributes of values.
    """

    column: str | None = None
    value: str | None = None
    template: str | None = None
    map: Mapping[str, str] | None = None
    """Texts replaced after reading (``{"EU": "other"}``): a code list, a value to correct."""
    default: str | None = None
    """With ``map``: the text of every value the map does not name (None: kept as read)."""

    def columns(self) -> tuple[str, ...]:
        if self.column is not None:
            return (self.column,)
        if self.template is not None:
            return tuple(dict.fromkeys(f for _t, f, _s, _c in
                                       string.Formatter().parse(self.template) if f))
        return ()

    def evaluate(self, cells: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        """The slot's text for ``n`` rows (object array of ``str``)."""
        raw = self._raw(cells, n)
        if self.map is None or not len(raw):
            return raw
        codes, distinct = pd.factorize(raw)
        mapped = np.empty(len(distinct), dtype=object)
        mapped[:] = [self.map.get(v, v if self.default is None else self.default)
                     for v in distinct.tolist()]
        return mapped[codes]

    def _raw(self, cells: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        if self.column is not None:
            return cells[self.column]
        out = np.empty(n, dtype=object)
        if self.template is None:
            out[:] = self.value or ""
            return out
        parts: list[np.ndarray | str] = []
        for literal, name, _spec, _conv in string.Formatter().parse(self.template):
            if literal:
                parts.append(literal)
            if name:
                parts.append(cells[name])
        out[:] = ""
        for part in parts:
            out = out + part  # numpy object arrays concatenate str element-wise
        return out


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """The time of a row: a column (or constant) read with ``format`` in ``zone``.

    ``format`` is ``iso`` (the strict ISO 8601 of Timesketch files), an epoch unit
    (``epoch_s``/``epoch_ms``/``epoch_us``) or a ``strftime`` pattern; the precision is the
    pattern's finest field unless ``precision`` says it is coarser (a date written with a
    midnight time that means "that day").
    """

    slot: Slot
    format: str
    zone: str | None
    precision: str | None


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """An actor, platform, identifier or place named on each row (``name`` empty: none)."""

    name: Slot
    kind: Slot
    country: Slot | None = None
    lat: Slot | None = None
    lon: Slot | None = None
    precision: Slot | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A parsed, checked profile (see the module doc and ``docs/profiles/README.md``)."""

    name: str
    sha256: str
    path: str
    format: str | None
    delimiter: str | None
    quoting: bool | None
    sheet: str | None
    constants: dict[str, str]
    time: TimeSpec
    kind: Slot
    title: Slot | None
    message: Slot | None
    actor: EntitySpec | None
    platform: EntitySpec | None
    identifier: EntitySpec | None
    place: EntitySpec | None
    fields: dict[str, Slot]
    multi_valued: dict[str, str]
    tags: Slot | None
    tag_separator: str
    drop: tuple[str, ...]
    keep_mapped: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    def slots(self) -> list[Slot]:
        """Every value the profile reads, event and entities."""
        slots: list[Slot | None] = [self.time.slot, self.kind, self.title, self.message,
                                    self.tags, *self.fields.values()]
        for entity in (self.actor, self.platform, self.identifier, self.place):
            if entity is not None:
                slots += [entity.name, entity.kind, entity.country, entity.lat, entity.lon,
                          entity.precision]
        return [s for s in slots if s is not None]

    def used_columns(self) -> set[str]:
        """The file's columns the profile reads (each must exist)."""
        out = {c for s in self.slots() for c in s.columns()}
        return (out | set(self.multi_valued)) - set(self.constants)

    def mapped_columns(self) -> set[str]:
        """Columns read straight into an event or entity column (not kept as attributes)."""
        return {s.column for s in self.slots() if s.column is not None}

    def dropped(self, column: str) -> bool:
        return any(fnmatch.fnmatchcase(column, pattern) for pattern in self.drop)

    def check_columns(self, file: str, found: Sequence[str]) -> None:
        missing = sorted(self.used_columns() - set(found))
        if missing:
            shown = ", ".join(found[:30]) + (", …" if len(found) > 30 else "")
            raise ImportRefused(file, f"profile {self.name!r} names column(s) the file lacks: "
                                      f"{', '.join(missing)} (found: {shown})")


EVENT_FIELDS = ("amount", "currency", "product", "quantity", "unit")
_TOP_KEYS = {"filature_profile", "name", "description", "file", "constants", "time", "kind",
             "title", "message", "actor", "platform", "identifier", "place", "fields",
             "multi_valued", "tags", "drop", "keep_mapped"}
_FILE_KEYS = {"format", "delimiter", "quoting", "sheet"}
_TIME_KEYS = {"column", "value", "format", "zone", "precision"}
_ENTITY_KEYS = {"actor": {"name", "role"}, "platform": {"name", "kind"},
                "identifier": {"value", "kind"},
                "place": {"name", "kind", "country_code", "lat", "lon", "precision"}}
_ENTITY_KINDS = {"actor": vocab.ACTOR_ROLES, "platform": vocab.PLATFORM_KINDS,
                 "identifier": vocab.IDENTIFIER_KINDS, "place": vocab.PLACE_KINDS}
_STRFTIME_FIELD = re.compile(r"%(.)")
_FORMAT_PRECISION = (("f", "microsecond"), ("S", "second"), ("M", "minute"), ("H", "hour"),
                     ("I", "hour"), ("d", "day"), ("j", "day"), ("m", "month"), ("b", "month"),
                     ("B", "month"), ("Y", "year"), ("y", "year"))


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file (refused with the reason, naming the file)."""
    path = Path(path)
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PROFILE_BYTES:
            raise ProfileError(file, f"a profile is a small JSON file; this one is {size:,} "
                                     "bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(file, f"cannot read the profile: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ProfileError(file, "a profile is UTF-8 JSON; this file is not UTF-8") from exc
    except (ValueError, RecursionError) as exc:
        raise ProfileError(file, f"not valid JSON: {exc}") from exc
    return parse_profile(data, file, hashlib.sha256(raw).hexdigest())


def parse_profile(data: Any, file: str = "profile", sha256: str = "") -> Profile:
    """A profile from its parsed JSON (see :func:`load_profile`)."""
    p = _Checker(file)
    obj = p.mapping(data, "the profile", _TOP_KEYS)
    version = obj.get("filature_profile")
    if version != PROFILE_VERSION:
        p.fail(f'"filature_profile" must be {PROFILE_VERSION} (this version reads profiles of '
               f"version {PROFILE_VERSION}); found {version!r}")
    name = p.text(obj.get("name"), "name") or Path(file).stem
    spec = p.mapping(obj.get("file", {}), "file", _FILE_KEYS)
    fmt = p.choice(spec.get("format"), "file.format", TABLE_FORMATS)
    delimiter = p.text(spec.get("delimiter"), "file.delimiter")
    if delimiter is not None and len(delimiter) != 1:
        p.fail('"file.delimiter" is one character (use "\\t" for tabs)')
    quoting = spec.get("quoting")
    if quoting is not None and not isinstance(quoting, bool):
        p.fail('"file.quoting" is true or false')
    constants = {p.text(k, "constants"): p.text(v, f"constants.{k}") or ""
                 for k, v in p.mapping(obj.get("constants", {}), "constants", None).items()}
    if "time" not in obj:
        p.fail('"time" is required: the column the time is in (or a constant such as a scrape '
               "date), its format and zone")
    fields = {k: p.slot(v, f"fields.{k}") for k, v in
              p.mapping(obj.get("fields", {}), "fields", set(EVENT_FIELDS)).items()}
    multi = {p.text(k, "multi_valued"): p.text(v, f"multi_valued.{k}") or ","
             for k, v in p.mapping(obj.get("multi_valued", {}), "multi_valued", None).items()}
    tags_spec = obj.get("tags")
    tags, separator = None, ","
    if tags_spec is not None:
        t = p.mapping(tags_spec, "tags", {"column", "value", "template", "separator"})
        separator = p.text(t.pop("separator", ","), "tags.separator") or ","
        tags = p.slot(t, "tags")
    drop = obj.get("drop", [])
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        p.fail('"drop" is a list of column names or patterns such as "ships_to_*"')
    keep_mapped = obj.get("keep_mapped", False)
    if not isinstance(keep_mapped, bool):
        p.fail('"keep_mapped" is true or false')
    kind = p.slot(obj.get("kind", {"value": "other"}), "kind")
    if kind.value is not None and not kind.value.strip():
        p.fail('"kind" is empty')
    return Profile(
        name=name, sha256=sha256, path=file, format=fmt, delimiter=delimiter, quoting=quoting,
        sheet=p.text(spec.get("sheet"), "file.sheet"), constants=constants,
        time=p.time(obj["time"]), kind=kind,
        title=p.slot(obj["title"], "title") if "title" in obj else None,
        message=p.slot(obj["message"], "message") if "message" in obj else None,
        actor=p.entity(obj, "actor"), platform=p.entity(obj, "platform"),
        identifier=p.entity(obj, "identifier"), place=p.entity(obj, "place"),
        fields=fields, multi_valued=multi, tags=tags, tag_separator=separator,
        drop=tuple(drop), keep_mapped=keep_mapped)


def format_precision(fmt: str) -> str:
    """The finest field a ``strftime`` pattern writes (``%d/%m/%Y %H:%M`` → ``minute``)."""
    present = set(_STRFTIME_FIELD.findall(fmt))
    for code, precision in _FORMAT_PRECISION:
        if code in present:
            return precision
    return ""


class _Checker:
    """Checks a profile's JSON piece by piece; every failure names the key to fix."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, reason: str) -> None:
        raise ProfileError(self.file, reason)

    def mapping(self, value: Any, where: str, keys: set[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"{where} must be a JSON object")
        if keys is not None:
            unknown = sorted(set(value) - keys)
            if unknown:
                self.fail(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(sorted(keys))})")
        return dict(value)

    def text(self, value: Any, where: str) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(f'"{where}" must be text, not {type(value).__name__}')
        if len(value) > 10_000:
            self.fail(f'"{where}" is longer than 10,000 characters')
        return value

    def choice(self, value: Any, where: str, allowed: Sequence[str]) -> Any:
        value = self.text(value, where)
        if value is not None and value not in allowed:
            self.fail(f'"{where}" must be one of {", ".join(allowed)}; found {value!r}')
        return value

    def slot(self, value: Any, where: str) -> Slot:
        if isinstance(value, str):
            return Slot(column=value)
        obj = self.mapping(value, where, {"column", "value", "template", "map", "default"})
        mapping = obj.pop("map", None)
        default = self.text(obj.pop("default", None), f"{where}.default")
        if len(obj) != 1:
            self.fail(f'"{where}" takes one of "column", "value" or "template"')
        key, text = next(iter(obj.items()))
        if mapping is not None or default is not None:
            if key == "value":
                self.fail(f'"{where}": a "map" or "default" applies to a column or a template, '
                          "not to a constant")
            if mapping is None:
                self.fail(f'"{where}.default" goes with a "map"')
            mapping = {self.text(k, f"{where}.map"): self.text(v, f"{where}.map.{k}") or ""
                       for k, v in self.mapping(mapping, f"{where}.map", None).items()}
        text = self.text(text, f"{where}.{key}")
        if text is None:
            self.fail(f'"{where}.{key}" must be text')
        if key == "template":
            try:
                parsed = list(string.Formatter().parse(text))
            except ValueError as exc:
                self.fail(f'"{where}.template": {exc} (write a literal brace as {{{{ or }}}})')
            for _lit, name, spec, conv in parsed:
                if name is not None and (not name or spec or conv or "." in name
                                         or "[" in name):
                    self.fail(f'"{where}.template": only plain {{column}} fields are allowed; '
                              f"found {{{name}{'!' + conv if conv else ''}"
                              f"{':' + spec if spec else ''}}}")
        return Slot(**{key: text}, map=mapping, default=default)

    def time(self, value: Any) -> TimeSpec:
        obj = self.mapping(value, "time", _TIME_KEYS)
        source = {k: obj[k] for k in ("column", "value") if k in obj}
        if len(source) != 1:
            self.fail('"time" takes a "column" or a "value" (a constant such as a scrape date)')
        fmt = self.text(obj.get("format", "iso"), "time.format")
        if fmt != "iso" and fmt not in EPOCH_FORMATS and not format_precision(fmt):
            self.fail(f'"time.format" {fmt!r} is neither "iso", an epoch unit '
                      f"({', '.join(EPOCH_FORMATS)}) nor a strftime pattern with a date field")
        if fmt != "iso" and fmt not in EPOCH_FORMATS and "%z" in fmt and "zone" in obj:
            self.fail('"time": the format reads an offset (%z); a "zone" would be ignored')
        zone = self.text(obj.get("zone"), "time.zone")
        precision = self.choice(obj.get("precision"), "time.precision", TIME_PRECISIONS)
        if precision is not None and fmt not in EPOCH_FORMATS and fmt != "iso":
            finest = format_precision(fmt)
            if TIME_PRECISIONS.index(precision) < TIME_PRECISIONS.index(finest):
                self.fail(f'"time.precision" {precision!r} is finer than the format writes '
                          f"({finest})")
        return TimeSpec(self.slot(source, "time"), fmt, zone, precision)

    def entity(self, obj: dict[str, Any], key: str) -> EntitySpec | None:
        if key not in obj:
            return None
        spec = self.mapping(obj[key], key, _ENTITY_KEYS[key])
        name_key = "value" if key == "identifier" else "name"
        kind_key = "role" if key == "actor" else "kind"
        if name_key not in spec:
            self.fail(f'"{key}.{name_key}" is required')
        kind = self.slot(spec.get(kind_key, {"value": _ENTITY_KINDS[key][-1]}),
                         f"{key}.{kind_key}")
        named = [*(kind.map or {}).values(), *([kind.default] if kind.default else [])]
        odd = sorted({v for v in named if v not in _ENTITY_KINDS[key]})
        if odd:
            self.fail(f'"{key}.{kind_key}.map" gives {", ".join(map(repr, odd))}: each must be '
                      f"one of {', '.join(_ENTITY_KINDS[key])}")
        if kind.value is not None and kind.value not in _ENTITY_KINDS[key]:
            self.fail(f'"{key}.{kind_key}" must be one of {", ".join(_ENTITY_KINDS[key])}; '
                      f"found {kind.value!r}")

        def optional(k: str) -> Slot | None:
            return self.slot(spec[k], f"{key}.{k}") if k in spec else None

        return EntitySpec(self.slot(spec[name_key], f"{key}.{name_key}"), kind,
                          optional("country_code"), optional("lat"), optional("lon"),
                          optional("precision"))
