"""What a case says of how it was imported: its files and the rows an import skipped.

Format 1.2's ``import_file`` and ``import_log`` (written by ``main.py import``): the Case dock
lists them so the investigator sees, beside the exhibits, which file gave which events, read
how, and which rows were left out and why. A case from another tool may hold anything in
these tables: every text is clipped, numbers that are not numbers read as 0, and the log is
read up to :data:`MAX_LOG_ROWS` (its total counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.case.text_values import clip_sql, clipped, long_values

MAX_LOG_ROWS = 2_000
NOTE_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """One row of ``import_file``, as plain values."""

    id: int
    name: str
    format: str
    events: int
    skipped: int
    time_zone: str
    profile: str
    sha256: str
    notes: str


@dataclass(frozen=True, slots=True)
class ImportLogLine:
    """One skipped row or caveat: the file it is in, its line, what happened and why."""

    file: str
    line: int
    outcome: str
    reason: str


@dataclass(frozen=True, slots=True)
class CaseImports:
    files: tuple[ImportedFile, ...] = ()
    log: tuple[ImportLogLine, ...] = ()
    log_total: int = 0
    skipped_total: int = 0
    """Rows of the log that are skipped rows (the rest are caveats on imported rows)."""


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_imports(con: Any) -> CaseImports:
    """The case's imports (empty for a case made otherwise, or older than format 1.2)."""
    tables = {r[0] for r in con.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN "
        "('import_file', 'import_log')").fetchall()}
    if "import_file" not in tables:
        return CaseImports()
    with long_values(con):
        rows = con.execute(
            f"SELECT id, {clip_sql('name', 300)}, {clip_sql('format', 60)}, events, "
            f"rows_skipped, {clip_sql('time_zone', 80)}, {clip_sql('profile', 400)}, "
            f"{clip_sql('sha256', 80)}, {clip_sql('notes', NOTE_CHARS)} FROM import_file "
            "ORDER BY id LIMIT 1000").fetchall()
        files = tuple(ImportedFile(
            _int(r[0]), str(clipped(r[1], r[2], 300) or ""), str(clipped(r[3], r[4], 60) or ""),
            _int(r[5]), _int(r[6]), str(clipped(r[7], r[8], 80) or ""),
            str(clipped(r[9], r[10], 400) or ""), str(clipped(r[11], r[12], 80) or ""),
            str(clipped(r[13], r[14], NOTE_CHARS) or "")) for r in rows)
        if "import_log" not in tables:
            return CaseImports(files)
        names = {f.id: f.name for f in files}
        log_rows = con.execute(
            f"SELECT import_id, line, {clip_sql('outcome', 40)}, {clip_sql('reason', 500)} "
            "FROM import_log ORDER BY import_id, line LIMIT ?", (MAX_LOG_ROWS,)).fetchall()
        total = int(con.execute("SELECT count(*) FROM import_log").fetchone()[0])
        skipped = int(con.execute("SELECT count(*) FROM import_log WHERE outcome = "
                                  "'skipped'").fetchone()[0])
    log = tuple(ImportLogLine(names.get(_int(r[0]), "?"), _int(r[1]),
                              str(clipped(r[2], r[3], 40) or ""),
                              str(clipped(r[4], r[5], 500) or "")) for r in log_rows)
    return CaseImports(files, log, total, skipped)
