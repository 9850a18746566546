"""``main.py import``: build a new case from timeline files, with a progress bar.

One line of progress on stderr (rewritten in place when stderr is a terminal, a line every
few seconds otherwise), a JSON report on stdout, exit 2 with the file, line and reason when
a file cannot be imported as asked.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from storage.importers.case_build import ImportReport, Progress
    from storage.importers.times import FoldPolicy

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_CANCELLED = 130


def import_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = parser_class(
        prog="main.py import",
        description="Build a new case from timeline files (Timesketch CSV or JSON lines, "
                    "Plaso psort -o json_line), spreadsheets read with a mapping profile "
                    "(CSV, TSV, XLSX) and map layers (GeoJSON, KML, KMZ, GPX: places, shipment "
                    "legs, courier rounds). Each file becomes an exhibit with its SHA-256; "
                    "every event cites it and its line.")
    p.add_argument("sources", nargs="+", type=Path, metavar="SOURCE", help="files to import")
    p.add_argument("--out", type=Path, required=True, metavar="CASE", help="case file to write")
    p.add_argument("--tz", metavar="ZONE", help=(
        "IANA zone (Europe/Paris, UTC…) of times written without an offset; without it such "
        "times are refused: the computer's zone is never assumed"))
    p.add_argument("--case-tz", metavar="ZONE",
                   help="zone the case is shown in (default: --tz, else UTC)")
    p.add_argument("--fold", choices=("range", "earlier", "later", "refuse"), default="range",
                   help=("a wall time the clocks show twice (the autumn change): an event "
                         "spanning both instants (default), the earlier or the later one, or "
                         "report the row"))
    p.add_argument("--skip-bad-rows", action="store_true", help=(
        "import the good rows and record the bad ones in the case's import log (default: "
        "refuse the file at its first bad row)"))
    p.add_argument("--format", choices=("timesketch_csv", "timesketch_jsonl", "plaso_jsonl"),
                   help="read every SOURCE as this format (default: from each file)")
    p.add_argument("--map", action="append", default=[], metavar="NAME=COLUMN", help=(
        "the file's COLUMN stands for NAME (message, datetime, timestamp_desc, timestamp, "
        "tag); repeatable"))
    p.add_argument("--profile", type=Path, metavar="PROFILE", help=(
        "a column-mapping profile (JSON, docs/profiles/README.md) for spreadsheets: CSV, TSV "
        "or XLSX from a platform or carrier; applies to every SOURCE but JSON lines and map "
        "layers"))
    p.add_argument("--title", default="", help="the case's title")
    p.add_argument("--no-fts", action="store_true", help="skip the full-text index")
    p.add_argument("--force", action="store_true", help="overwrite an existing case file")
    p.add_argument("--add", action="store_true", help=(
        "add to the existing case CASE instead (it must not be open for viewing); the case is "
        "replaced only once every file is in"))
    return p


class _Bar:
    """A progress line on stderr: in place on a terminal, every 5 s into a log."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if not self._tty and now - self._last < 5.0 and p.fraction < 1.0:
            return
        self._last = now
        width = 30
        full = int(p.fraction * width)
        bar = "#" * full + "-" * (width - full)
        line = (f"[{bar}] {p.fraction:6.1%}  file {p.file_index + 1}/{p.files} {p.file}  "
                f"{p.events:,} events" + (f", {p.skipped:,} rows skipped" if p.skipped else ""))
        print(("\r" if self._tty else "") + line, end="" if self._tty else "\n",
              file=sys.stderr, flush=True)

    def done(self) -> None:
        if self._tty:
            print(file=sys.stderr)


def _mapping(items: list[str]) -> dict[str, str] | None:
    out = {}
    for item in items:
        name, sep, column = item.partition("=")
        if not sep or not name or not column:
            raise ValueError(f"--map {item!r}: expected NAME=COLUMN")
        out[name.strip()] = column
    return out or None


def run_import(ns: argparse.Namespace) -> int:
    from storage.importers.case_build import (
        BadRowPolicy,
        BadRowsFound,
        ImportCancelled,
        Source,
        build_case,
        takes_profile,
    )
    from storage.importers.profile import load_profile
    from storage.importers.rows import ImportRefused

    try:
        columns = _mapping(ns.map)
        fold: FoldPolicy | None = None if ns.fold == "refuse" else ns.fold
    except ValueError as exc:
        return _fail(str(exc))
    if ns.add and ns.force:
        return _fail("--add and --force exclude each other")
    if ns.out.exists() and not ns.force and not ns.add:
        return _fail(f"{ns.out} already exists (--add adds to it, --force overwrites it)")
    if ns.out.resolve() in {s.resolve() for s in ns.sources}:
        return _fail(f"{ns.out} is also a source: the case must be a new file")
    try:
        profile = load_profile(ns.profile) if ns.profile is not None else None
    except ImportRefused as exc:
        return _fail(str(exc))
    sources = [Source(path, ns.format, columns, profile if takes_profile(path) else None)
               for path in ns.sources]
    bar = _Bar()
    try:
        report = build_case(
            sources, ns.out, title=ns.title, zone=ns.tz, case_zone=ns.case_tz, fold=fold,
            bad_rows=BadRowPolicy.SKIP if ns.skip_bad_rows else BadRowPolicy.REJECT,
            overwrite=ns.force, progress=bar, fts=not ns.no_fts, add=ns.add)
    except BadRowsFound as exc:
        bar.done()
        for row in exc.rows[:20]:
            print(f"filature: {row.file}:{row.line}: {row.reason}", file=sys.stderr)
        return _fail(f"{exc} (nothing was written; --skip-bad-rows imports the rest)")
    except ImportRefused as exc:
        bar.done()
        return _fail(f"{exc} (nothing was written)")
    except (OSError, ValueError) as exc:  # a zone name, a file that vanished, a full disk
        bar.done()
        return _fail(f"{exc} (nothing was written)")
    except (KeyboardInterrupt, ImportCancelled):
        bar.done()
        print("filature: import cancelled; nothing was written", file=sys.stderr)
        return EXIT_CANCELLED
    bar.done()
    print(json.dumps(report_json(report), ensure_ascii=False))
    return EXIT_OK


def report_json(report: ImportReport) -> dict[str, object]:
    return {
        "case": str(report.case),
        "events": report.events,
        "rows_skipped": report.skipped,
        "seconds": round(report.seconds, 3),
        "rows_per_second": round(report.events / report.seconds) if report.seconds else None,
        "files": [{
            "file": str(f.path), "format": f.format, "sha256": f.sha256,
            "size_bytes": f.size_bytes, "events": f.events, "rows_skipped": f.skipped,
            "blank_records": f.blank_records, "encoding": f.encoding, "notes": f.notes,
            "time_flags": f.flags, "epoch_units": f.units,
        } for f in report.files],
    }


def _fail(message: str) -> int:
    print(f"filature: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
