"""Build a case from timelines, spreadsheets and map layers: a file an exhibit, a row an event.

The one place where Filature writes a case from evidence it did not make. The case is
written to hidden files beside the target and moved into place only when every file has
been read: a refusal, a cancellation or a crash leaves no half-built case behind and never
touches an existing file. A new case's attribute and tag rows are bound by a helper process
(:mod:`storage.importers.side_tables`); the readers are chosen by :func:`detect_format`.

Bad rows follow the user's choice (:class:`BadRowPolicy`): ``reject`` stops at the first
chunk that holds one and reports it (file, line, reason); ``skip`` imports the rest and
records every skipped row in ``import_log``. Caveats on rows that were imported (a guessed
epoch unit, a ``timestamp`` that disagrees with ``datetime``) go to ``import_log`` too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from storage.case.errors import CaseOpenError
from storage.case.opener import open_case
from storage.case.schema import (
    FORMAT_MAJOR,
    FORMAT_MINOR,
    FORMAT_VERSION,
    FTS_DDL,
    FTS_REBUILD,
    FTS_TABLE,
    IMPORT_TABLES,
)
from storage.case.search_terms import SEARCH_TERM_TABLE, write_search_terms
from storage.case.writer import (
    create_case_file,
    finish_case_file,
    index_ddl,
    seal_case_file,
    table_ddl,
)
from storage.importers.case_entities import Entities, numbers
from storage.importers.exported_times import restore_bounds
from storage.importers.geo_case import GeoWriter
from storage.importers.geo_read import GeoRefused, read_geo
from storage.importers.packed_fields import fields_json, fields_objects, write_fields
from storage.importers.plaso import read_plaso_jsonl
from storage.importers.profile import Profile, load_profile
from storage.importers.rows import BadRow, ImportRefused
from storage.importers.side_tables import SideTables
from storage.importers.sources import first_object, sniff_encoding
from storage.importers.table_read import SUFFIX_FORMATS, read_table
from storage.importers.timesketch import read_timesketch_csv, read_timesketch_jsonl

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from storage.importers.rows import EventChunk, ReadSummary
    from storage.importers.sources import TimelineRead
    from storage.importers.times import FoldPolicy

FORMATS = ("timesketch_csv", "timesketch_jsonl", "plaso_jsonl", "profile", "geo")
GEO_SUFFIXES = (".geojson", ".kml", ".kmz", ".gpx")
TITLE_CHARS = 200
"""An event's title is its message's first line, up to this many characters (the message is
kept whole)."""
KIND_FROM = ("data_type",)
"""The attribute an imported event's kind is taken from when the row has it (Plaso's
``fs:stat``, ``windows:evtx:record``…); otherwise the kind is its ``timestamp_desc``."""
HELPER_PACKS_FROM = 5_000
"""Events of a chunk from which its fields are packed by the helper: the helper loads pandas
for it (~0.5 s, while this process reads on), which a small file would wait for."""


class BadRowPolicy(Enum):
    REJECT = "reject"
    SKIP = "skip"


class ImportCancelled(Exception):
    """The user stopped the import; nothing was written."""


class BadRowsFound(ImportRefused):
    """A file holds rows that cannot be imported exactly, and the policy is ``reject``."""

    def __init__(self, file: str, rows: Sequence[BadRow]) -> None:
        self.rows = tuple(rows)
        first = self.rows[0]
        more = f" (and {len(self.rows) - 1:,} more in the same stretch)" if len(rows) > 1 else ""
        super().__init__(file, f"line {first.line}: {first.reason}{more}; import again "
                               "skipping bad rows to record them in the case's import log")


@dataclass(frozen=True)
class Source:
    """A file to import and how to read it (``format`` None: from its name and first line).

    ``profile`` (a mapping profile's path, or one already loaded) reads a spreadsheet: its
    format is then ``profile``.
    """

    path: Path
    format: str | None = None
    columns: Mapping[str, str] | None = None
    profile: Path | Profile | None = None

    def loaded_profile(self) -> Profile | None:
        if self.profile is None or isinstance(self.profile, Profile):
            return self.profile
        return load_profile(self.profile)


@dataclass(frozen=True)
class Progress:
    """How far an import is: the file being read and the whole job, in bytes."""

    file: str
    file_index: int
    files: int
    bytes_done: int
    bytes_total: int
    events: int
    skipped: int

    @property
    def fraction(self) -> float:
        return min(self.bytes_done / self.bytes_total, 1.0) if self.bytes_total else 0.0


@dataclass
class FileReport:
    """What came of one file (also written into ``import_file``)."""

    path: Path
    format: str
    sha256: str
    size_bytes: int
    events: int = 0
    skipped: int = 0
    blank_records: int = 0
    encoding: str = ""
    notes: list[str] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import wrote: the case and one report per file."""

    case: Path
    files: list[FileReport]
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(f.events for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.files)


def detect_format(path: Path) -> str:
    """The reader for a file: by its suffix, and for JSON lines by its first object's keys."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "timesketch_csv"
    if suffix in GEO_SUFFIXES or (suffix == ".json" and _looks_like_geojson(path)):
        return "geo"
    if suffix in (".jsonl", ".json", ".ndjson"):
        first = first_object(path, sniff_encoding(path, str(path)), str(path))
        if "date_time" in first or "__container_type__" in first:
            return "plaso_jsonl"
        return "timesketch_jsonl"
    if suffix in SUFFIX_FORMATS:
        raise ImportRefused(str(path), f"a {suffix} spreadsheet is read with a column-mapping "
                                       "profile (--profile; see docs/profiles/README.md)")
    raise ImportRefused(str(path), "not a timeline this version reads (a Timesketch .csv or "
                                   ".jsonl, Plaso's psort -o json_line output, or a CSV, TSV "
                                   "or XLSX with a profile)")


def takes_profile(path: Path) -> bool:
    """Whether an import's ``--profile`` applies to this file.

    It does to spreadsheets, not to JSON-lines timelines or map layers.
    """
    suffix = Path(path).suffix.lower()
    return suffix not in (".jsonl", ".ndjson", ".json", *GEO_SUFFIXES)


def _looks_like_geojson(path: Path) -> bool:
    """A ``.json`` that is one GeoJSON object rather than JSON lines (by its first 4 KB)."""
    with path.open("rb") as f:
        head = f.read(4096)
    return b'"type"' in head and (b'"FeatureCollection"' in head or b'"Feature"' in head)


def open_timeline(source: Source, fmt: str, zone: str | None,
                  fold: FoldPolicy | None, profile: Profile | None = None) -> TimelineRead:
    if fmt == "profile":
        if profile is None:
            raise ImportRefused(str(source.path), "the profile format needs a profile")
        return read_table(source.path, profile, zone=zone, fold=fold)
    if fmt == "timesketch_csv":
        return read_timesketch_csv(source.path, zone=zone, fold=fold, columns=source.columns)
    if fmt == "timesketch_jsonl":
        return read_timesketch_jsonl(source.path, zone=zone, fold=fold, columns=source.columns)
    if fmt == "plaso_jsonl":
        return read_plaso_jsonl(source.path, zone=zone, fold=fold)
    raise ImportRefused(str(source.path), f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def file_sha256(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and size, read in 4 MB blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(4 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def build_case(sources: Sequence[Source], out: Path, *, title: str = "",
               zone: str | None = None, case_zone: str | None = None,
               fold: FoldPolicy | None = None,
               bad_rows: BadRowPolicy = BadRowPolicy.REJECT, overwrite: bool = False,
               progress: Callable[[Progress], None] | None = None,
               cancelled: Callable[[], bool] | None = None, fts: bool = True,
               add: bool = False) -> ImportReport:
    """Read ``sources`` into a new case at ``out`` (``add``: into the existing case there).

    ``zone`` is the zone of times written without an offset (an IANA name; none: such files
    are refused, the computer's zone is never assumed); ``case_zone`` the zone the case is
    shown in (default ``zone``, else UTC). ``cancelled`` is polled between chunks.

    Adding copies the case beside itself, appends to the copy (new ids after the case's,
    actors and places it already holds reused by name) and replaces the case with it only
    when every file is in: a failure leaves the case as it was. The case must not be open
    for viewing (the window refuses; evidence being viewed is never written).
    """
    out = Path(out)
    if add and not out.is_file():
        raise FileNotFoundError(f"{out} does not exist: there is no case to add to")
    if out.exists() and not overwrite and not add:
        raise FileExistsError(f"{out} already exists (choose another name, or overwrite it)")
    started = time.perf_counter()
    paths = [Path(s.path) for s in sources]
    for path in paths:
        if not path.is_file():
            raise ImportRefused(str(path), "no such file")
    total = sum(p.stat().st_size for p in paths)
    part = out.with_name(f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    info = {"title": title or _title(paths), "time_zone": case_zone or zone or "UTC",
            "source": "import: " + ", ".join(p.name for p in paths)[:500],
            "created_by": "Filature import"}
    # A new case's fields, tags and text index are written by a helper process (the second
    # core); adding to a case writes here (the copied rows would need the case's next ids).
    side = (SideTables(part.parent, fts=fts) if not add and SideTables.available()
            else None)
    reports: list[FileReport] = []
    try:
        con = (_open_for_adding(out, part, info["source"]) if add
               else create_case_file(part, info, overwrite=True))
    except BaseException:
        if side is not None:
            side.close()
        raise
    try:
        writer = _Writer(con, side)
        done_before = 0
        for index, source in enumerate(sources):
            fmt = ("profile" if source.profile is not None
                   else source.format or detect_format(Path(source.path)))
            report = _import_file(writer, source, fmt, zone, fold, bad_rows, index,
                                  len(sources), done_before, total, progress, cancelled)
            reports.append(report)
            done_before += report.size_bytes
        final = part
        if side is not None:
            con = side.absorb(con, part)
            final = side.path
        if add:
            _finish_added(con, fts=fts)
        else:  # the helper built the text index, when there is one
            finish_case_file(con, fts=fts and side is None)
        os.replace(final, out)
        if final != part:
            part.unlink(missing_ok=True)
    except BaseException:
        try:
            con.close()
        finally:
            part.unlink(missing_ok=True)
            if side is not None:
                side.close()
        raise
    return ImportReport(out, reports, time.perf_counter() - started)


def _open_for_adding(case: Path, part: Path, source: str) -> sqlite3.Connection:
    """A writable copy of ``case`` at ``part``, checked and brought to format 1.2.

    The case is checked by the hardened opener first (a hostile or damaged file is refused
    before anything is copied or written).
    """
    try:
        with open_case(case) as opened:
            version = str(opened.info.get("format_version", ""))
    except CaseOpenError as exc:
        raise ImportRefused(str(case), f"cannot add to it: {exc}") from exc
    major, _, minor = version.partition(".")
    if major != str(FORMAT_MAJOR):
        raise ImportRefused(str(case), f"case format {version or '?'}: this version adds "
                                       f"only to format {FORMAT_MAJOR}.x cases")
    shutil.copyfile(case, part)
    con = sqlite3.connect(part, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("BEGIN")
        for ddl in table_ddl(IMPORT_TABLES):
            con.execute(ddl.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1))
        if not minor.isdigit() or int(minor) < FORMAT_MINOR:
            con.execute("UPDATE case_info SET value = ? WHERE key = 'format_version'",
                        (FORMAT_VERSION,))
        con.execute("INSERT INTO case_info(key, value) VALUES ('source', ?) ON CONFLICT(key) "
                    "DO UPDATE SET value = substr(value || '; ' || excluded.value, 1, 2000)",
                    (source,))
    except BaseException:
        con.close()
        raise
    return con


def _finish_added(con: sqlite3.Connection, *, fts: bool) -> None:
    """Indices for the new rows' tables, the text index rebuilt over every event."""
    for ddl in index_ddl():
        con.execute(ddl.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    has_fts = con.execute("SELECT 1 FROM sqlite_schema WHERE name = ?",
                          (FTS_TABLE,)).fetchone() is not None
    if fts or has_fts:
        if not has_fts:
            con.execute(FTS_DDL)
        con.execute(FTS_REBUILD)
        con.execute(f"DROP TABLE IF EXISTS {SEARCH_TERM_TABLE}")
        write_search_terms(con)
    seal_case_file(con)


def _title(paths: Sequence[Path]) -> str:
    if len(paths) == 1:
        return f"Imported timeline: {paths[0].name}"
    return f"Imported timelines: {paths[0].name} and {len(paths) - 1} more"


def _import_file(writer: _Writer, source: Source, fmt: str, zone: str | None,
                 fold: FoldPolicy | None, policy: BadRowPolicy, index: int, files: int,
                 done_before: int, total: int, progress: Callable[[Progress], None] | None,
                 cancelled: Callable[[], bool] | None) -> FileReport:
    path = Path(source.path)
    if fmt == "geo":
        return _import_geo(writer, path, zone, policy, index, files, done_before, total,
                           progress)
    profile = source.loaded_profile()
    sha, size = file_sha256(path)
    with open_timeline(source, fmt, zone, fold, profile) as read:
        summary = read.summary
        fmt = summary.format
        report = FileReport(path, fmt, sha, size)
        exhibit = writer.exhibit(path, fmt, sha)
        profile_text = f"{profile.name} (SHA-256 {profile.sha256})" if profile else None
        import_id = writer.import_file(exhibit, path, fmt, size, sha,
                                       (profile.time.zone if profile else None) or zone,
                                       profile_text)
        for chunk in read:
            if cancelled is not None and cancelled():
                raise ImportCancelled(f"import cancelled while reading {path.name}")
            if chunk.bad_rows and policy is BadRowPolicy.REJECT:
                raise BadRowsFound(str(path), chunk.bad_rows)
            if fmt.startswith("timesketch"):
                chunk = restore_bounds(chunk)
            writer.events(chunk, exhibit, import_id)
            writer.log(import_id, chunk)
            report.events += len(chunk)
            report.skipped += len(chunk.bad_rows)
            if progress is not None:
                progress(Progress(path.name, index, files, done_before + summary.bytes_done,
                                  total, writer.next_event - 1, report.skipped))
        _fill_report(report, summary)
        writer.close_import(import_id, report)
    if progress is not None:
        progress(Progress(path.name, index, files, done_before + size, total,
                          writer.next_event - 1, report.skipped))
    return report


def _import_geo(writer: _Writer, path: Path, zone: str | None, policy: BadRowPolicy,
                index: int, files: int, done_before: int, total: int,
                progress: Callable[[Progress], None] | None) -> FileReport:
    """A GeoJSON/KML/KMZ/GPX layer: read whole (a layer is small), then written."""
    try:
        read = read_geo(path, zone=zone)
    except GeoRefused as exc:
        raise ImportRefused(str(path), exc.reason) from exc
    bad = [BadRow(str(path), line, reason) for line, reason in read.bad]
    if bad and policy is BadRowPolicy.REJECT:
        raise BadRowsFound(str(path), bad)
    sha, size = file_sha256(path)
    fmt = read.format
    report = FileReport(path, fmt, sha, size)
    exhibit = writer.exhibit(path, fmt, sha)
    import_id = writer.import_file(exhibit, path, fmt, size, sha, zone)
    geo = GeoWriter(writer.con, writer.entities, exhibit, path.name, writer.next_event,
                    writer.attributes)
    written = geo.write(read)
    writer.next_event = geo.next_event
    rows = [(import_id, b.line, "skipped", b.reason) for b in bad]
    rows += [(import_id, line, "skipped", reason) for line, reason in written.skipped]
    if rows:
        writer.con.executemany("INSERT INTO import_log(import_id, line, outcome, reason) "
                               "VALUES (?, ?, ?, ?)", rows)
    report.events = written.events
    report.skipped = len(rows)
    report.encoding = "utf-8"
    report.notes = [*read.notes, f"{written.places:,} places, {written.shipments:,} shipments "
                                 f"({written.legs:,} legs), {written.rounds:,} courier rounds"
                    + (f"; {written.areas:,} areas not imported (the case format has none)"
                       if written.areas else "")]
    writer.close_import(import_id, report)
    if progress is not None:
        progress(Progress(path.name, index, files, done_before + size, total,
                          writer.next_event - 1, report.skipped))
    return report


def _fill_report(report: FileReport, summary: ReadSummary) -> None:
    report.blank_records = summary.blank_records
    report.encoding = summary.encoding
    report.notes = [n for n in (summary.encoding_note, *summary.notes) if n]
    report.flags = dict(summary.flags)
    report.units = dict(summary.units)


class _Writer:
    """Bulk inserts into the new case; ids are handed out here, in file order."""

    def __init__(self, con: sqlite3.Connection, side: SideTables | None = None) -> None:
        self.con = con
        self.side = side
        self.next_event = 1 + (con.execute("SELECT max(id) FROM event").fetchone()[0] or 0)
        self._labels: set[str] = {label for (label,) in con.execute("SELECT label FROM exhibit")}
        self._imported_at = time.time_ns() // 1000
        self.entities = Entities(con)

    def exhibit(self, path: Path, fmt: str, sha: str) -> int:
        label = path.name
        n = 2
        while label in self._labels:  # two files of the same name from different folders
            label = f"{path.name} ({n})"
            n += 1
        self._labels.add(label)
        cur = self.con.execute(
            "INSERT INTO exhibit(label, kind, description, acquired_at, acquired_by, sha256, "
            "path, notes) VALUES (?, 'timeline', ?, ?, 'Filature import', ?, ?, NULL)",
            (label, f"{fmt} file imported by Filature", self._imported_at, sha, str(path)))
        return int(cur.lastrowid or 0)

    def import_file(self, exhibit: int, path: Path, fmt: str, size: int, sha: str,
                    zone: str | None, profile: str | None = None) -> int:
        cur = self.con.execute(
            "INSERT INTO import_file(exhibit_id, name, format, size_bytes, sha256, time_zone, "
            "profile, imported_at, events, rows_skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
            (exhibit, path.name, fmt, size, sha, zone, profile, self._imported_at))
        return int(cur.lastrowid or 0)

    def close_import(self, import_id: int, report: FileReport) -> None:
        notes = "\n".join(report.notes) or None
        self.con.execute(
            "UPDATE import_file SET encoding = ?, events = ?, rows_skipped = ?, "
            "blank_records = ?, notes = ? WHERE id = ?",
            (report.encoding, report.events, report.skipped, report.blank_records, notes,
             import_id))

    def events(self, chunk: EventChunk, exhibit: int, import_id: int) -> None:
        n = len(chunk)
        if not n:
            return
        first = self.next_event
        ids = np.arange(first, first + n, dtype=np.int64)
        self.next_event += n
        links = chunk.links
        if links is not None:
            kind = links.kind
            title = [_title_of(t) for t in links.title.tolist()]
            linked = self.entities.link(links, exhibit, Path(chunk.file).name)
            fields = self._fields(chunk, links.fields, import_id)
        else:
            kind = chunk.timestamp_desc.copy()
            for key in KIND_FROM:
                col = chunk.fields.get(key)
                if col is not None:
                    given = col != ""
                    kind[given] = col[given]
            title = [_title_of(m) for m in chunk.message.tolist()]
            linked = fields = {}
        bounded = chunk.has_bounds
        ts_min = np.where(bounded, chunk.ts_min, None)
        ts_max = np.where(bounded, chunk.ts_max, None)
        zone = np.where(chunk.ts_zone == "", None, chunk.ts_zone)
        record = [f"line {x}" for x in chunk.line.tolist()]
        message = np.where(chunk.message == "", None, chunk.message) if links else chunk.message
        columns = [ids.tolist(), chunk.ts_us.tolist(), chunk.precision.tolist(),
                   ts_min.tolist(), ts_max.tolist(), chunk.ts_raw.tolist(), zone.tolist(),
                   kind.tolist(), title, message.tolist(), [exhibit] * n, record]
        if links is not None:  # a timeline's rows bind 12 values, not 21 (~15% of its time)
            none = [None] * n
            columns += [linked.get(k, none) for k in _LINK_COLUMNS]
            columns += [fields.get(k, none) for k in _FIELD_COLUMNS]
        self.con.executemany(_INSERT_LINKED if links is not None else _INSERT_TIMELINE,
                             zip(*columns, strict=True))
        if self.side is not None and self.side.fts:
            self.side.text(first, columns[8], columns[9])  # title, message as bound
        # timestamp_desc is a field of the row like any other: kept for the export's sake
        packed = ({"timestamp_desc": chunk.timestamp_desc, **chunk.fields} if links is None
                  else chunk.fields)
        if packed:
            self._source_fields(first, packed, n)
        if len(chunk.tag_row):
            self._long(_INSERT_TAG, [(chunk.tag_row + first).tolist(), chunk.tag.tolist()])
        flagged = np.flatnonzero(chunk.flags)
        if len(flagged):
            self.con.executemany(
                "INSERT INTO event_time_flag(event_id, flags) VALUES (?, ?)",
                zip(ids[flagged].tolist(), chunk.flags[flagged].astype(np.int64).tolist(),
                    strict=True))

    def attributes(self, events: list[object], keys: list[object],
                   values: list[object]) -> None:
        """Fields in long form (a map layer's properties) as ``event_attribute`` rows."""
        rows = fields_objects(events, keys, values)  # type: ignore[arg-type]
        if rows:
            self._long(_INSERT_ATTRIBUTE, [list(c) for c in zip(*rows, strict=True)])

    def _source_fields(self, first: int, fields: dict[str, np.ndarray], n: int) -> None:
        """A chunk's fields from event ``first`` on, packed (by the helper when there is one)."""
        if self.side is None:
            write_fields(self.con, first, fields, n)
        elif n >= HELPER_PACKS_FROM:
            self.side.fields(first, fields, n)
        else:
            packed = fields_json(fields, n)
            self.side.execute(packed.sql, (first, packed.text))

    def _long(self, sql: str, columns: list[list[object]]) -> None:
        if self.side is not None:
            self.side.insert(sql, columns)
        else:
            self.con.executemany(sql, zip(*columns, strict=True))

    def _fields(self, chunk: EventChunk, fields: Mapping[str, np.ndarray],
                import_id: int) -> dict[str, list[object]]:
        """The event's typed columns; a cell that is not a number is noted and left out."""
        out: dict[str, list[object]] = {}
        for key, values in fields.items():
            if key not in _NUMERIC_FIELDS:
                out[key] = np.where(values == "", None, values).tolist()
                continue
            out[key], bad = numbers(values)
            rows = [(import_id, int(chunk.line[i]), "note",
                     f"{key} {values[i]!r} is not a number: not set on the event")
                    for i in np.flatnonzero(bad).tolist()]
            if rows:
                self.con.executemany("INSERT INTO import_log(import_id, line, outcome, reason) "
                                     "VALUES (?, ?, ?, ?)", rows)
        return out

    def log(self, import_id: int, chunk: EventChunk) -> None:
        rows = [(import_id, b.line, "skipped", b.reason) for b in chunk.bad_rows]
        rows += [(import_id, n.line, "note", n.text) for n in chunk.notes]
        if rows:
            self.con.executemany(
                "INSERT INTO import_log(import_id, line, outcome, reason) VALUES (?, ?, ?, ?)",
                rows)


_LINK_COLUMNS = ["actor_id", "identifier_id", "platform_id", "place_id"]
_FIELD_COLUMNS = ["amount", "currency", "product", "quantity", "unit"]
_NUMERIC_FIELDS = ("amount", "quantity")
_EVENT_COLUMNS = ("id, ts, precision, ts_min, ts_max, ts_raw, ts_zone, kind, title, message, "
                  "exhibit_id, source_record")
_INSERT_TIMELINE = f"INSERT INTO event({_EVENT_COLUMNS}) VALUES ({', '.join(['?'] * 12)})"
_LINKED_COLUMNS = _LINK_COLUMNS + _FIELD_COLUMNS
_INSERT_ATTRIBUTE = "INSERT INTO event_attribute(event_id, fields) VALUES (?, ?)"
_INSERT_TAG = "INSERT INTO event_tag(event_id, tag) VALUES (?, ?)"
_INSERT_LINKED = (f"INSERT INTO event({_EVENT_COLUMNS}, {', '.join(_LINKED_COLUMNS)}) "
                  f"VALUES ({', '.join(['?'] * (12 + len(_LINKED_COLUMNS)))})")


def _title_of(message: str) -> str:
    line = message.split("\n", 1)[0] if "\n" in message else message
    return line if len(line) <= TITLE_CHARS else line[:TITLE_CHARS - 1] + "…"
