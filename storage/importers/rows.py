"""What the timeline readers hand a case writer: chunks of events as columns, and bad rows.

A reader never writes a case. It yields :class:`EventChunk` objects of a bounded number of rows
(the memory of an import is that of one chunk, whatever the file's size), each with the rows it
refused (:class:`BadRow`, with the physical line where the record starts) and the caveats it
logged (:class:`RowNote`). The columns are what a bulk SQLite writer binds with
``executemany``: one array per ``event`` column; the free fields of the rows as columns too
(one per source column, packed into one JSON object per event by the writer, see
:mod:`storage.importers.packed_fields`), and the tags in long format (``(row, tag)``).

A file the reader cannot read faithfully is refused as a whole (:class:`ImportRefused`), with a
message a user can act on. The refusal can come after some chunks (a zone-less time on line
900,000): a writer builds its case in a new file and deletes it on any exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from storage.importers.times import TimeFlag

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from storage.importers.row_times import RowTimes


class ImportRefused(Exception):
    """The file cannot be read faithfully; ``str()`` says why, naming the file."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class MissingColumns(ImportRefused):
    """Required columns are absent: ``missing`` names them, ``found`` lists what is there."""

    def __init__(self, file: str, missing: Sequence[str], found: Sequence[str],
                 hint: str = "") -> None:
        self.missing = tuple(missing)
        self.found = tuple(found)
        shown = ", ".join(found[:30]) + (", …" if len(found) > 30 else "")
        super().__init__(file, f"missing required column(s): {', '.join(missing)}{hint} "
                               f"(found: {shown}); map them with a column mapping")


class ZoneRequired(ImportRefused):
    """A time has no UTC offset and no zone was given: reading it in UTC would be a guess."""

    def __init__(self, file: str, line: int, value: str) -> None:
        self.line = line
        self.value = value
        super().__init__(file, f"line {line}: {value!r} has no UTC offset; give the zone the "
                               "source used (an IANA name such as Europe/Paris, or UTC)")


@dataclass(frozen=True, slots=True)
class BadRow:
    """A record that was not imported: the file, the line where it starts, and why."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class RowNote:
    """A caveat on an imported record (a guessed unit, a disagreeing timestamp…)."""

    file: str
    line: int
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class EventChunk:
    """Consecutive events of one file, as aligned columns (index ``i`` is one event).

    ``line`` is the physical line (1-based) where each record starts; ``ts_us`` int64 µs UTC;
    ``precision`` the ``event.precision`` name; ``flags`` :class:`TimeFlag` bits (uint16);
    ``ts_min``/``ts_max`` meaningful where ``has_bounds``; ``ts_raw`` the time as the source
    wrote it (with the reader's choice in brackets when it had to make one) and ``ts_zone``
    the offset or zone it was read in, for ``event.ts_raw``/``ts_zone``. ``fields`` holds
    every other field of the rows, a column per field name in the source's order, aligned with
    the events: a cell is the text the source held (``""`` when blank: not an attribute) or,
    for a multi-valued column, a list of texts; ``tag_row``/``tag`` are the parsed tags.
    ``bad_rows`` and ``notes`` cover the same stretch of the file.
    """

    file: str
    line: np.ndarray
    ts_us: np.ndarray
    precision: np.ndarray
    flags: np.ndarray
    ts_min: np.ndarray
    ts_max: np.ndarray
    has_bounds: np.ndarray
    ts_raw: np.ndarray
    ts_zone: np.ndarray
    message: np.ndarray
    timestamp_desc: np.ndarray
    fields: dict[str, np.ndarray]
    tag_row: np.ndarray
    tag: np.ndarray
    bad_rows: tuple[BadRow, ...]
    notes: tuple[RowNote, ...]
    links: RecordLinks | None = None
    """What a mapping profile read besides the time and text (None for timelines)."""

    def __len__(self) -> int:
        return len(self.ts_us)

    def attributes(self, i: int) -> dict[str, str | list[str]]:
        """Event ``i``'s attributes as a dict (for inspection and tests; writers use columns)."""
        return {k: col[i] for k, col in self.fields.items() if not is_blank(col[i])}

    def tags(self, i: int) -> tuple[str, ...]:
        """Event ``i``'s tags, in file order."""
        return tuple(self.tag[np.flatnonzero(self.tag_row == i)].tolist())


@dataclass(frozen=True, slots=True, eq=False)
class RecordLinks:
    """A profiled row's event columns and the entities it names, aligned with the chunk.

    Every array is ``object`` (text as read; ``""`` where a row names nothing). ``kind`` and
    ``title`` replace the timeline defaults (``timestamp_desc``, the message's first line);
    an entity is identified by its name (and kind), the writer creating each once per case.
    ``fields`` holds the event's typed columns (``amount``, ``quantity``… as text, converted
    by the writer with a note when a cell is not a number).
    """

    kind: np.ndarray
    title: np.ndarray
    actor: np.ndarray
    actor_role: np.ndarray
    platform: np.ndarray
    platform_kind: np.ndarray
    identifier: np.ndarray
    identifier_kind: np.ndarray
    place: np.ndarray
    place_kind: np.ndarray
    place_country: np.ndarray
    place_lat: np.ndarray
    place_lon: np.ndarray
    place_precision: np.ndarray
    fields: dict[str, np.ndarray]

    def take(self, keep: np.ndarray) -> RecordLinks:
        """The rows ``keep`` selects (a mask or indices), for the chunk's accepted rows."""
        return RecordLinks(**{name: getattr(self, name)[keep] for name in _LINK_ARRAYS},
                           fields={k: v[keep] for k, v in self.fields.items()})


_LINK_ARRAYS = ("kind", "title", "actor", "actor_role", "platform", "platform_kind",
                "identifier", "identifier_kind", "place", "place_kind", "place_country",
                "place_lat", "place_lon", "place_precision")


@dataclass(slots=True)
class ReadSummary:
    """What a reader learnt about a file; complete once its chunks are exhausted.

    ``encoding`` is the codec used (``utf-8``, ``utf-8-sig``, ``latin-1``) and
    ``encoding_note`` why; ``notes`` the file-level caveats; ``units`` the rows whose time came
    from an epoch number, by unit; ``flags`` the rows carrying each :class:`TimeFlag`.
    """

    file: str
    format: str
    encoding: str = "utf-8"
    encoding_note: str = ""
    columns: tuple[str, ...] = ()
    events: int = 0
    bad_rows: int = 0
    blank_records: int = 0
    notes: list[str] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    bytes_total: int = 0
    bytes_done: int = 0
    """How far the chunks yielded so far reach into the file (for a progress bar)."""

    def add(self, chunk: EventChunk, times: RowTimes | None = None) -> None:
        """Count a chunk about to be yielded."""
        self.events += len(chunk)
        self.bad_rows += len(chunk.bad_rows)
        if times is not None:
            for unit, n in times.units.items():
                self.units[unit] = self.units.get(unit, 0) + n
        for flag in TimeFlag:
            n = int(np.count_nonzero(chunk.flags & int(flag)))
            if n:
                self.flags[flag.name or str(int(flag))] = (
                    self.flags.get(flag.name or str(int(flag)), 0) + n)


def is_blank(cell: object) -> bool:
    """Whether a field cell holds nothing: a blank text, an empty list, or no value at all."""
    return cell is None or (isinstance(cell, str | list) and not cell)


def kept_fields(columns: Iterable[tuple[str, np.ndarray]],
                keep: np.ndarray) -> dict[str, np.ndarray]:
    """The ``keep`` rows of ``columns``, by name; a column blank on every kept row is left out.

    The first column of a repeated name wins (a reader makes header names unique before).
    """
    out: dict[str, np.ndarray] = {}
    for name, col in columns:
        if name in out:
            continue
        kept = col[keep]
        if len(kept) and (kept != "").any():
            out[name] = kept
    return out


def parse_tags(value: object) -> list[str]:
    """Timesketch's ``tag``: a JSON list, a comma-separated string, or "-" / blank for none.

    A text that starts like a JSON list but is not one is read as comma-separated, brackets
    included, so nothing is dropped.
    """
    if isinstance(value, list):
        items = [v if isinstance(v, str) else json_text(v) for v in value]
        return [t for t in items if t.strip() not in ("", "-")]
    text = value if isinstance(value, str) else json_text(value)
    stripped = text.strip()
    if stripped in ("", "-", "[]"):
        return []
    if stripped.startswith("["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parse_tags(parsed)
    return [t.strip() for t in stripped.split(",") if t.strip() not in ("", "-")]


def long_tags(values: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(row, tag)`` of a chunk's tag cells (kept rows renumbered as events)."""
    index = np.cumsum(keep) - 1
    rows: list[int] = []
    tags: list[str] = []
    seen: dict[str, list[str]] = {}  # timelines repeat a few tag values on many rows
    for i in np.flatnonzero(keep & (values != "") & (values != "-")).tolist():
        value = values[i]
        parsed = seen.get(value)
        if parsed is None:
            parsed = seen[value] = parse_tags(value)
        rows.extend([int(index[i])] * len(parsed))
        tags.extend(parsed)
    out = np.empty(len(tags), dtype=object)
    out[:] = tags
    return np.asarray(rows, dtype=np.int64), out


def json_text(value: object) -> str:
    """An attribute value from JSON as text: strings as they are, the rest as compact JSON.

    Numbers keep the digits the file wrote (floats arrive as :class:`decimal.Decimal`), so a
    16-digit microsecond count is not rounded through a float.
    """
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def build_chunk(file: str, line: np.ndarray, times: RowTimes, message: np.ndarray,
                desc: np.ndarray, fields: dict[str, np.ndarray],
                tags: tuple[np.ndarray, np.ndarray], bad: list[BadRow]) -> EventChunk:
    """Assemble a chunk from per-row columns, keeping the rows ``times`` accepted.

    ``line``, ``message`` and ``desc`` are aligned with ``times``' rows; ``fields`` (see
    :func:`kept_fields`) and ``tags`` are already the kept rows'; ``bad`` holds the reader's
    own bad rows (bad JSON, wrong field counts), merged here with the time refusals in line
    order.
    """
    ok = times.ok
    for i, why in times.errors.items():
        bad.append(BadRow(file, int(line[i]), why))
    bad.sort(key=lambda b: b.line)
    notes = tuple(RowNote(file, int(line[i]), text) for i, text in times.notes)
    return EventChunk(
        file=file, line=line[ok], ts_us=times.ts_us[ok], precision=times.precision[ok],
        flags=times.flags[ok], ts_min=times.ts_min[ok], ts_max=times.ts_max[ok],
        has_bounds=times.has_bounds[ok], ts_raw=times.ts_raw[ok], ts_zone=times.ts_zone[ok],
        message=message[ok], timestamp_desc=desc[ok], fields=fields, tag_row=tags[0], tag=tags[1],
        bad_rows=tuple(bad), notes=notes)
