"""Command line: open a case, render a screenshot, generate a synthetic case, print facts.

Exit codes: 0 success; 2 the case (or the command line) is unusable, with one line on stderr;
3 an internal failure or time-out while rendering a screenshot.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import typing
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
SCREENSHOT_TIMEOUT_MS = 300_000

USAGE = """\
python main.py [CASE] [--range START/END] [--select KIND:ID] [--select-range START/END]
                      [--screenshot OUT.png [--wait-loaded]] [--size WxH]
       python main.py generate --events N --out PATH [--seed S] [--no-fts] [--force]
       python main.py import SOURCE... --out CASE [--tz ZONE] [--skip-bad-rows]
       python main.py export CASE [--events OUT.jsonl] [--places OUT.kml] [--actors OUT.csv]
       python main.py info CASE"""


class _Parser(argparse.ArgumentParser):
    """Command-line mistakes get one line on stderr and exit 2, like unusable cases."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see --help)\n")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("size must look like 1600x1000") from None
    if w < 200 or h < 200 or w > 10_000 or h > 10_000:
        raise argparse.ArgumentTypeError("size must be between 200x200 and 10000x10000")
    return w, h


def _deep_link(parser_name: str) -> Callable[[str], object]:
    """An argparse ``type`` for ``--range``/``--select``: the deep-link parser, one-line errors."""

    def parse(text: str) -> object:
        from app import deep_link

        try:
            return getattr(deep_link, parser_name)(text)
        except deep_link.DeepLinkError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def gui_parser() -> argparse.ArgumentParser:
    """Arguments of the window (the default command)."""
    p = _Parser(prog="main.py", usage=USAGE, description=(
        "Filature: offline viewer for the evidence of online-trafficking cases. "
        "Without CASE, opens the bundled demo case."))
    p.add_argument("case", nargs="?", help="case file path or SQLAlchemy URL")
    p.add_argument("--screenshot", metavar="OUT.png", type=Path, help=(
        "render the window offscreen to a PNG, then exit: as soon as the timeline shows "
        "the case (cases of 200,000 events and more: other views may still be loading), or "
        "once everything is loaded with --wait-loaded, --range or --select"))
    p.add_argument("--wait-loaded", action="store_true", help=(
        "with --screenshot: wait until every view holds every event and the case's SHA-256 "
        "is known"))
    p.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH",
                   help="window size for --screenshot (default 1600x1000)")
    p.add_argument("--range", type=_deep_link("parse_range"), metavar="START/END", help=(
        "show this time range, ISO 8601: 2024-03-31T00:00/2024-04-01T00:00, START/PT6H or "
        "P2D/END; times without an offset are in the case's time zone"))
    p.add_argument("--select", type=_deep_link("parse_select"), metavar="KIND:ID",
                   help="select a record: event:123, actor:7, shipment:12, platform:2 …")
    p.add_argument("--select-range", type=_deep_link("parse_range"), metavar="START/END",
                   help=("select a time range as Shift+drag does (the map, the table and the "
                         "cards keep what falls in it); shown whole unless --range says more"))
    return p


def generate_parser() -> argparse.ArgumentParser:
    """Arguments of ``generate``."""
    p = _Parser(prog="main.py generate",
                                description="Write a realistic synthetic case of N events.")
    p.add_argument("--events", type=int, required=True, help="number of events (1000 … 10^7)")
    p.add_argument("--out", type=Path, required=True, help="case file to write")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same bytes)")
    p.add_argument("--no-fts", action="store_true", help="skip the full-text index")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    return p


def info_parser() -> argparse.ArgumentParser:
    """Arguments of ``info``."""
    p = _Parser(prog="main.py info",
                                description="Open a case read-only and print its facts as JSON.")
    p.add_argument("case", help="case file path or SQLAlchemy URL")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``main.py`` and of the ``filature`` script."""
    try:
        return _main(argv)
    except BrokenPipeError:  # `main.py import … | head`: the reader left, not a failure
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush is quiet
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "generate":
        return run_generate(generate_parser().parse_args(args[1:]))
    if args and args[0] == "import":
        from app.cli_import import import_parser, run_import

        return run_import(import_parser(_Parser).parse_args(args[1:]))
    if args and args[0] == "export":
        from app.cli_export import export_parser, run_export

        return run_export(export_parser(_Parser).parse_args(args[1:]))
    if args and args[0] == "info":
        return run_info(info_parser().parse_args(args[1:]))
    return run_gui(gui_parser().parse_args(args))


def _fail(message: str) -> int:
    print(f"filature: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_generate(ns: argparse.Namespace) -> int:
    """``main.py generate``: write a synthetic case and print a JSON report."""
    from storage.synthetic.generator import write_synthetic_case

    if ns.events < 1:
        return _fail("--events must be at least 1")
    if ns.out.exists() and not ns.force:
        return _fail(f"{ns.out} already exists (use --force to overwrite)")

    def progress(done: int, total: int) -> None:
        print(f"\r{done:,}/{total:,} events", end="", file=sys.stderr, flush=True)

    report = write_synthetic_case(ns.out, ns.events, seed=ns.seed, fts=not ns.no_fts,
                                  overwrite=ns.force, progress=progress)
    print(file=sys.stderr)
    print(json.dumps({
        "path": str(report.path),
        "events": report.events,
        "seconds": round(report.seconds, 3),
        "events_per_second": round(report.events_per_second),
        "bytes": report.path.stat().st_size,
    }))
    return EXIT_OK


def run_info(ns: argparse.Namespace) -> int:
    """``main.py info``: validate a case without a window; exit 2 if it is unusable."""
    from storage.case.errors import CaseOpenError
    from storage.case.integrity import sha256_file
    from storage.case.opener import open_case
    from storage.case.time_rules import iso
    from storage.reads.overview import read_overview
    from storage.reads.value_checks import check_values

    try:
        with open_case(ns.case) as source:
            overview = read_overview(source)
            con = source.connect()
            try:
                issues = check_values(con)
            finally:
                con.close()
            hashes = {str(p): sha256_file(p) for p in source.evidence_files()}
            zone = overview.time_zone

            def instant(ts: int | None) -> dict[str, object]:
                return {"us": ts, "utc": iso(ts), "case_zone": iso(ts, zone)}

            facts = {
                "case": ns.case,
                "info": dict(overview.info),
                "time_zone": zone,
                "first_ts": overview.first_ts,
                "last_ts": overview.last_ts,
                "first": instant(overview.first_ts),
                "last": instant(overview.last_ts),
                "counts": dict(overview.counts),
                "events_time_not_set": overview.unplaced_events,
                "sha256": hashes,
                "warnings": [*source.warnings, *(issue.line() for issue in issues)],
                "value_issues": [
                    {"code": i.code, "count": i.count, "examples": list(i.examples),
                     "message": i.message} for i in issues
                ],
            }
    except CaseOpenError as exc:
        return _fail(str(exc))
    except Exception as exc:  # never a traceback: one line, 2 if the case caused it, else 3
        from app.failures import exit_code, one_line

        print(f"filature: {ns.case}: {one_line(exc)}", file=sys.stderr)
        return exit_code(exc)
    print(json.dumps(facts, indent=2, ensure_ascii=False))
    return EXIT_OK


def _report_uncaught(job: object) -> None:
    """An exception escaping a Qt slot becomes one log line (and exit 3 for a screenshot).

    PySide prints the traceback and carries on; a user should read one sentence, and a
    screenshot that hit a bug must not exit 0.
    """
    from app.failures import EXIT_INTERNAL, one_line

    log = logging.getLogger(__name__)

    def hook(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        log.warning("internal error: %s: %s", kind.__name__, one_line(exc))
        log.debug("internal error", exc_info=(kind, exc, tb))  # type: ignore[arg-type]
        failed = getattr(job, "fail_later", None)
        if callable(failed):
            failed(EXIT_INTERNAL, f"internal error: {one_line(exc)}")

    sys.excepthook = hook


def run_gui(ns: argparse.Namespace) -> int:
    """Open the window (or render it to ``--screenshot`` and exit)."""
    if ns.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        if not ns.screenshot.parent.exists():
            return _fail(f"cannot write {ns.screenshot}: folder does not exist")
    else:
        # Qt aborts (exit 134) when its platform plugin cannot start: ask first, in one line.
        from app.display_check import window_problem

        problem = window_problem()
        if problem is not None:
            return _fail(problem)
    from PySide6.QtWidgets import QApplication

    from app import qt_log
    from app.main_window import MainWindow
    from app.screenshot import ScreenshotJob
    from app.settings import Settings
    from app.workers import Runner
    from storage.case.opener import clear_stale_working_copies

    logging.basicConfig(level=logging.WARNING, format="filature: %(name)s: %(message)s")
    qt_log.install()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from app.fonts import install_fonts  # needs the QApplication, before any window
    install_fonts(app)
    app.setApplicationName("Filature")
    app.setOrganizationName("Filature")
    clear_stale_working_copies()
    runner = Runner()
    window = MainWindow(runner, settings=Settings(), persist=ns.screenshot is None)
    job = None
    if ns.screenshot is not None:
        window.resize(*ns.size)
        wait_loaded = (ns.wait_loaded or ns.range is not None or ns.select is not None
                       or ns.select_range is not None)
        job = ScreenshotJob(window, ns.screenshot, timeout_ms=SCREENSHOT_TIMEOUT_MS,
                            wait_loaded=wait_loaded)
    _report_uncaught(job)
    window.show()
    from app.deep_link import DeepLink

    link = DeepLink(range=ns.range, select=ns.select, time_selection=ns.select_range)
    if ns.case:
        window.open_case(ns.case, link)
    else:
        window.open_demo(link)
    code = app.exec()
    runner.wait_done(10_000)
    if job is not None:
        if job.error:
            print(f"filature: {job.error}", file=sys.stderr)
        return job.exit_code
    return code
