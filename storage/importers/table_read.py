"""Read a spreadsheet (CSV, TSV, XLSX) through a mapping profile into event chunks.

The records come from :mod:`storage.importers.csv_records` or
:mod:`storage.importers.xlsx_records`; this module applies the profile to each chunk: the time
(:mod:`storage.importers.profile_times`), the event's kind, title and message, the entities
the row names (kept as names in :class:`~storage.importers.rows.RecordLinks`; the case writer
creates each once), the multi-valued columns split, and every other column kept as an
attribute so nothing of the row is lost. Refusals that a profile makes certain (a column it
names is missing, a wall-time format without a zone) come before the first chunk.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from storage.importers.csv_records import csv_header, csv_records
from storage.importers.profile_times import needs_zone, read_times
from storage.importers.rows import (
    ImportRefused,
    ReadSummary,
    RecordLinks,
    ZoneRequired,
    build_chunk,
    kept_fields,
)
from storage.importers.sources import (
    DEFAULT_CHUNK_ROWS,
    TimelineRead,
    sniff_encoding,
    unique_names,
)
from storage.importers.time_scalar import zone_from_name
from storage.importers.xlsx_records import Workbook

if TYPE_CHECKING:
    from collections.abc import Iterator
    from zoneinfo import ZoneInfo

    from storage.importers.csv_records import RecordChunk
    from storage.importers.profile import EntitySpec, Profile, Slot
    from storage.importers.rows import EventChunk
    from storage.importers.times import FoldPolicy

SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx"}


def table_format(path: Path, profile: Profile) -> str:
    """``csv``, ``tsv`` or ``xlsx``: the profile's word, else the file's suffix."""
    if profile.format is not None:
        return profile.format
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImportRefused(str(path), f"cannot tell the table format from {path.suffix!r}: "
                                       'name it in the profile ("file": {"format": "csv"})')
    return fmt


def read_table(path: str | Path, profile: Profile, *, zone: str | None = None,
               fold: FoldPolicy | None = None,
               chunk_rows: int = DEFAULT_CHUNK_ROWS) -> TimelineRead:
    """Open a table with its profile: header checked, refusals raised here.

    The profile's time zone wins for its own file; ``zone`` (the import's ``--tz``) is used
    only when the profile names none.
    """
    path = Path(path)
    file = str(path)
    fmt = table_format(path, profile)
    zone_name = profile.time.zone or zone
    tz = zone_from_name(zone_name) if zone_name is not None else None
    if tz is None and needs_zone(profile.time):
        raise ImportRefused(file, f"profile {profile.name!r} reads times written without an "
                                  f"offset ({profile.time.format!r}) and names no zone: add "
                                  '"zone" to its "time", or give the zone the source used '
                                  "(--tz)")
    summary = ReadSummary(file, f"profile_{fmt}", bytes_total=path.stat().st_size)
    if fmt == "xlsx":
        book = Workbook(path, profile.sheet, file)
        try:
            names = book.names
            summary.notes += book.notes
            summary.encoding, summary.encoding_note = "xlsx", f"sheet {book.sheet!r}"
            spec = _Spec(file, profile, names, tz, fold, summary)
        except BaseException:
            book.close()
            raise
        return TimelineRead(summary, _chunks(spec, book.records(chunk_rows, summary)))
    enc = sniff_encoding(path, file)
    sep = profile.delimiter or ("\t" if fmt == "tsv" else ",")
    quoting = profile.quoting if profile.quoting is not None else fmt == "csv"
    quote = csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE
    names, notes = unique_names(csv_header(path, enc, file, sep, quote))
    summary.encoding, summary.encoding_note, summary.notes = enc.label, enc.note, notes
    spec = _Spec(file, profile, names, tz, fold, summary)
    records = csv_records(path, enc, file, names, chunk_rows, summary, sep=sep,
                          quoting=quote)
    return TimelineRead(summary, _chunks(spec, records))


class _Spec:
    """The profile bound to one file: its columns checked, its constants as columns."""

    def __init__(self, file: str, profile: Profile, names: list[str], zone: ZoneInfo | None,
                 fold: FoldPolicy | None, summary: ReadSummary) -> None:
        profile.check_columns(file, names)
        self.file, self.profile, self.zone, self.fold = file, profile, zone, fold
        self.summary = summary
        summary.columns = tuple(names)
        mapped = set() if profile.keep_mapped else profile.mapped_columns()
        self.kept = [n for n in names if n not in mapped and not profile.dropped(n)
                     and n not in profile.multi_valued]
        self.dropped = [n for n in names if profile.dropped(n)]
        if self.dropped:
            summary.notes.append(f"{len(self.dropped)} column(s) not kept, as the profile "
                                 f"says: {', '.join(self.dropped[:10])}"
                                 + (", …" if len(self.dropped) > 10 else ""))
        if profile.constants:  # the same on every row: said once, not stored a million times
            summary.notes.append("constants of the profile: " + "; ".join(
                f"{k} = {v}" for k, v in profile.constants.items()))
        time = profile.time.slot
        self.time_column = (time.column or "time") if time.value is None else "time (constant)"
        summary.notes.append(f"read with profile {profile.name!r} (SHA-256 "
                             f"{profile.sha256[:16]}…)" if profile.sha256 else
                             f"read with profile {profile.name!r}")
        self._split_cache: dict[tuple[str, str], list[str]] = {}

    def chunk(self, records: RecordChunk) -> EventChunk:
        p = self.profile
        n = len(records)
        cells = dict(records.columns)
        for key, value in p.constants.items():
            col = np.empty(n, dtype=object)
            col[:] = value
            cells[key] = col
        text = p.time.slot.evaluate(cells, n)
        times = read_times(p.time, text, self.zone, self.fold, self.time_column)
        if len(times.needs_zone):
            i = int(times.needs_zone[0])
            raise ZoneRequired(self.file, int(records.line[i]), str(text[i]))
        ok = times.ok
        message = (p.message.evaluate(cells, n) if p.message is not None
                   else np.full(n, "", dtype=object))
        kind = _or(p.kind.evaluate(cells, n), "other")
        title = (p.title.evaluate(cells, n) if p.title is not None
                 else np.where(message != "", message, kind))
        attrs = self._attributes(cells, ok)
        tags = self._tags(cells, n, ok)
        desc = np.full(n, "", dtype=object)
        chunk = build_chunk(self.file, records.line, times, message, desc, attrs, tags,
                            list(records.bad))
        links = self._links(cells, n, kind, title).take(ok)
        self.summary.add(chunk, times)
        return dataclasses.replace(chunk, links=links)

    def _attributes(self, cells: dict[str, np.ndarray], ok: np.ndarray) -> dict[str, np.ndarray]:
        fields = kept_fields(((name, cells[name]) for name in self.kept), ok)
        for name, sep in self.profile.multi_valued.items():
            col = self._spread(cells[name][ok], sep)
            if col is not None:
                fields[name] = col
        return fields

    def _spread(self, col: np.ndarray, sep: str) -> np.ndarray | None:
        """A multi-valued column as a list of its parts per row (``[]``: blank).

        A scrape repeats a few dozen ``ships_to`` texts on a million rows, so each distinct
        text is split once and its list shared by the rows that hold it.
        """
        if not len(col) or not (col != "").any():
            return None
        codes, uniques = pd.factorize(col)
        table = np.empty(len(uniques), dtype=object)
        for i, value in enumerate(uniques.tolist()):
            table[i] = self._split(value, sep)
        return table[codes]

    def _split(self, value: str, sep: str) -> list[str]:
        key = (value, sep)
        parts = self._split_cache.get(key)
        if parts is None:
            parts = [s.strip() for s in value.split(sep) if s.strip()]
            if len(self._split_cache) < 100_000:
                self._split_cache[key] = parts
        return parts

    def _tags(self, cells: dict[str, np.ndarray], n: int,
              ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.profile.tags is None:
            return np.zeros(0, np.int64), np.zeros(0, object)
        col = self.profile.tags.evaluate(cells, n)
        index = np.cumsum(ok) - 1
        rows: list[int] = []
        tags: list[str] = []
        for i in np.flatnonzero(ok & (col != "")).tolist():
            parts = self._split(col[i], self.profile.tag_separator)
            rows.extend([int(index[i])] * len(parts))
            tags.extend(parts)
        out = np.empty(len(tags), dtype=object)
        out[:] = tags
        return np.asarray(rows, dtype=np.int64), out

    def _links(self, cells: dict[str, np.ndarray], n: int, kind: np.ndarray,
               title: np.ndarray) -> RecordLinks:
        p = self.profile

        def values(entity: EntitySpec | None, attr: str, default: str = "") -> np.ndarray:
            slot: Slot | None = getattr(entity, attr) if entity is not None else None
            out = np.empty(n, dtype=object)
            if slot is None or slot.value is not None:  # one text for every row
                out[:] = default if slot is None else (slot.value or "").strip()
                return out
            # str.strip returns the same object when there is nothing to strip: a list pass
            # is ~20x faster than numpy's fixed-width string functions on object columns
            out[:] = [v.strip() for v in slot.evaluate(cells, n).tolist()]
            return out

        return RecordLinks(
            kind=kind, title=title,
            actor=values(p.actor, "name"), actor_role=values(p.actor, "kind", "unknown"),
            platform=values(p.platform, "name"), platform_kind=values(p.platform, "kind", "other"),
            identifier=values(p.identifier, "name"),
            identifier_kind=values(p.identifier, "kind", "other"),
            place=values(p.place, "name"), place_kind=values(p.place, "kind", "other"),
            place_country=values(p.place, "country"), place_lat=values(p.place, "lat"),
            place_lon=values(p.place, "lon"), place_precision=values(p.place, "precision"),
            fields={k: s.evaluate(cells, n) for k, s in p.fields.items()})


def _or(values: np.ndarray, default: str) -> np.ndarray:
    out = values.copy()
    out[out == ""] = default
    return out


def _chunks(spec: _Spec, records: Iterator[RecordChunk]) -> Iterator[EventChunk]:
    for chunk in records:
        yield spec.chunk(chunk)
