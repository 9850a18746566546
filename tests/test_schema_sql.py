"""docs/schema.sql creates exactly what Filature's writers create, and makes cases it opens.

Also checks the "Writing times" recipe of docs/case-format.md: its integers for the Paris
autumn DST change, its Python function (run as a doctest) and its ``sqlite3`` examples.
"""

from __future__ import annotations

import doctest
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from storage.case.schema import IMPORT_TABLES, REQUIRED_INFO_KEYS, REQUIRED_TABLES
from storage.case.writer import create_case_file, finish_case_file
from tests.test_case_format_doc import DOC

if TYPE_CHECKING:
    from pathlib import Path

SCHEMA_SQL = DOC.parent / "schema.sql"
PRAGMAS = ("page_size", "application_id", "user_version", "journal_mode", "auto_vacuum",
           "encoding")
# The optional statements at the end of schema.sql, commented out: "-- CREATE ...;"
_OPTIONAL_MARK = "-- Optional, once your rows are in"
_COMMENTED_STATEMENT = re.compile(r"^-- ((?:CREATE|INSERT INTO|ANALYZE)\b.*;)$", re.M)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
PARIS = ZoneInfo("Europe/Paris")


def _optional_statements() -> list[str]:
    head, mark, tail = SCHEMA_SQL.read_text(encoding="utf-8").partition(_OPTIONAL_MARK)
    assert mark, "schema.sql lost its optional part"
    assert not _COMMENTED_STATEMENT.search(head), "a commented-out statement before the mark"
    return _COMMENTED_STATEMENT.findall(tail)


def _from_schema_sql(path: Path, *, optional: bool = False) -> None:
    """What a user does: run schema.sql on a new file (and, once rows are in, the rest)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(SCHEMA_SQL.read_text(encoding="utf-8"))
    if optional:
        con.executescript("\n".join(_optional_statements()))
    con.close()


def _from_code(path: Path, *, fts: bool) -> None:
    """What Filature's writers do, with no rows but ``case_info``."""
    con = create_case_file(path, {"title": "Empty", "time_zone": "Europe/Paris"})
    finish_case_file(con, fts=fts)


def _catalog(path: Path, *, stats: bool = True) -> list[tuple[str, str, str, str | None]]:
    """``sqlite_schema`` rows, DDL whitespace normalised (statistics tables if ``stats``)."""
    con = sqlite3.connect(path)
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
    con.close()
    return sorted(
        (kind, name, table, None if sql is None else re.sub(r"\s+", " ", sql).strip())
        for kind, name, table, sql in rows
        if stats or not name.startswith("sqlite_stat")
    )


def _pragmas(path: Path) -> dict[str, object]:
    con = sqlite3.connect(path)
    values = {name: con.execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS}
    con.close()
    return values


def test_schema_sql_is_what_the_writer_creates(tmp_path: Path) -> None:
    """Tables, indices and PRAGMAs: a column added to storage/case/schema.py fails here."""
    _from_code(tmp_path / "code.filature", fts=False)
    _from_schema_sql(tmp_path / "doc.filature")
    code = _catalog(tmp_path / "code.filature", stats=False)
    assert _catalog(tmp_path / "doc.filature") == code
    assert {name for kind, name, _, _ in code if kind == "table"} == {*REQUIRED_TABLES,
                                                                      *IMPORT_TABLES}
    assert _pragmas(tmp_path / "doc.filature") == _pragmas(tmp_path / "code.filature")
    assert _pragmas(tmp_path / "doc.filature")["page_size"] == 8192


def test_schema_sql_optional_part_is_what_the_writer_finishes(tmp_path: Path) -> None:
    """With the commented-out statements run: ``event_fts``, ``search_term``, statistics."""
    assert len(_optional_statements()) == 4
    _from_code(tmp_path / "code.filature", fts=True)
    _from_schema_sql(tmp_path / "doc.filature", optional=True)
    code = _catalog(tmp_path / "code.filature")
    assert _catalog(tmp_path / "doc.filature") == code
    names = {name for _, name, _, _ in code}
    assert {"event_fts", "event_fts_data", "search_term", "sqlite_stat1"} <= names
    assert _pragmas(tmp_path / "doc.filature") == _pragmas(tmp_path / "code.filature")


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 shell")
def test_schema_sql_through_the_sqlite3_shell(tmp_path: Path) -> None:
    """``sqlite3 my.filature < docs/schema.sql``, literally."""
    path = tmp_path / "shell.filature"
    with SCHEMA_SQL.open("rb") as script:
        result = subprocess.run(["sqlite3", "-bail", str(path)], stdin=script,
                                capture_output=True, timeout=60, check=False)
    assert result.returncode == 0 and not result.stdout and not result.stderr, result
    _from_code(tmp_path / "code.filature", fts=False)
    assert _catalog(path) == _catalog(tmp_path / "code.filature", stats=False)
    assert _pragmas(path) == _pragmas(tmp_path / "code.filature")


# -- a case by hand from schema.sql -----------------------------------------------------------

FIRST = 1_729_989_000_000_000  # 2024-10-27 02:30 CEST, the first one (00:30 UTC)
SECOND = 1_729_992_600_000_000  # 2024-10-27 02:30 CET, the second one (01:30 UTC)
SKIPPED_READ = 1_711_848_600_000_000  # 2024-03-31 "02:30" read as 03:30 CEST (01:30 UTC)

_ROWS = f"""
INSERT INTO case_info VALUES ('format_version', '1.1'), ('title', 'From schema.sql'),
    ('time_zone', 'Europe/Paris'), ('reference', 'TEST-SQL-1'),
    ('classification', 'TEST DATA'), ('description', 'Built from docs/schema.sql by hand.'),
    ('created_at', '2024-11-02T10:00:00Z'), ('generator', 'sqlite3 shell');
INSERT INTO exhibit(id, label, kind, sha256)
    VALUES (1, 'Scellé 01', 'phone_extraction', '{"ab" * 32}');
INSERT INTO actor(id, display_name, role, exhibit_id) VALUES (1, 'GreenLeaf75', 'seller', 1);
INSERT INTO event(id, ts, precision, ts_min, ts_max, ts_raw, ts_zone, kind, title, message,
                  actor_id, exhibit_id) VALUES
    (1, {SKIPPED_READ}, 'minute', NULL, NULL, '31/03/2024 02:30 [nonexistent local time: '
     || 'clocks went from 02:00 to 03:00; read as 03:30 CEST]',
     'Europe/Paris', 'ad_posted', 'Menu posted', 'Beuh et résine, livraison Lyon', 1, 1),
    (2, {FIRST}, 'range', {FIRST}, {SECOND + 60_000_000 - 1},
     '27/10/2024 02:30 [ambiguous local time: occurs twice, 00:30 UTC (CEST) or 01:30 UTC (CET)]',
     'Europe/Paris', 'message', 'Night message', 'Livraison demain au relais', 1, 1),
    (3, {SECOND + 3_600_000_000}, 'second', NULL, NULL, '2024-10-27T03:30:00+01:00', '+01:00',
     'payment', 'Payment received', NULL, 1, 1);
"""


def _hand_case(path: Path, *, fts: bool) -> None:
    _from_schema_sql(path)
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(_ROWS)
    if fts:  # what the doc recommends for hand-made cases: the index, not the summary
        con.executescript("\n".join(s for s in _optional_statements() if "search_term" not in s))
    con.close()


def test_rows_cover_the_documented_case_info_keys() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### `case_info`", 1)[1].split("\n### ", 1)[0]
    keys = set(re.findall(r"^\| `(\w+)` \| (?:✓ )?\| ", section.split("| key |", 1)[1], re.M))
    assert set(REQUIRED_INFO_KEYS) <= keys
    assert keys == set(re.findall(r"\('(\w+)', '", _ROWS.split("INSERT INTO exhibit")[0]))


@pytest.mark.parametrize("fts", [False, True], ids=["plain", "with-event_fts"])
def test_case_from_schema_sql_opens_and_reads(tmp_path: Path, fts: bool) -> None:
    from storage.case.opener import open_case
    from storage.case.search_terms import SearchTerms
    from storage.reads.event_queries import read_event_detail, search_event_ids
    from storage.reads.events import read_event_columns
    from storage.reads.overview import read_overview

    path = tmp_path / "hand.filature"
    _hand_case(path, fts=fts)
    before = path.read_bytes()
    with open_case(path) as source:
        assert not source.warnings
        assert source.time_zone == "Europe/Paris" and source.has_fts is fts
        overview = read_overview(source)
        assert overview.title == "From schema.sql" and overview.counts["event"] == 3
        con = source.connect()
        try:
            columns = read_event_columns(con)
            assert len(columns) == 3
            detail = read_event_detail(con, 2)
            assert detail is not None
            assert (detail.ts, detail.ts_min, detail.ts_zone) == (FIRST, FIRST, "Europe/Paris")
            assert detail.ts_raw is not None and detail.ts_raw.startswith("27/10/2024 02:30")
            assert detail.exhibit_label == "Scellé 01" and detail.actor == "GreenLeaf75"
            offset = read_event_detail(con, 3)
            assert offset is not None and offset.ts_zone == "+01:00"
            terms = SearchTerms.of(con) if fts else None
            assert terms is None  # no summary in a hand-made case: FTS5 (or a scan) answers
            found = search_event_ids(con, "livraison", has_fts=fts, terms=terms)
            assert found.tolist() == [1, 2]
        finally:
            con.close()
    assert path.read_bytes() == before


# -- the "Writing times" recipe of docs/case-format.md ------------------------------------------


def _times_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    _head, mark, rest = text.partition("\n## Writing times")
    assert mark, "docs/case-format.md has no 'Writing times' section"
    return rest.split("\n## ", 1)[0]


def _block(section: str, language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, f"expected one {language} block"
    return blocks[0]


def _doc_integer(text: str, after: str) -> int:
    match = re.search(re.escape(after) + r"[^\n]*\n(\d+)\n", text)
    assert match is not None, after
    return int(match.group(1))


def test_recipe_integers_for_the_repeated_paris_time() -> None:
    """2024-10-27 02:30 in Paris happens twice: the doc's two integers are those instants."""
    session = _block(_times_section(), "pycon")
    first = _doc_integer(session, "datetime(2024, 10, 27, 2, 30), \"Europe/Paris\", fold=0)")
    second = _doc_integer(session, "datetime(2024, 10, 27, 2, 30), \"Europe/Paris\", fold=1)")
    assert (first, second) == (FIRST, SECOND)
    for fold, value, offset in ((0, first, 2), (1, second, 1)):
        local = datetime(2024, 10, 27, 2, 30, tzinfo=PARIS, fold=fold)
        assert local.utcoffset() == timedelta(hours=offset)
        assert (local - EPOCH) // ONE_US == value
        assert datetime(2024, 10, 27, 2 - offset, 30, tzinfo=UTC) == EPOCH + value * ONE_US
    # the prose and the sqlite3 examples quote the same integers, and the range's upper bound
    section = _times_section()
    assert f"`{first}` (00:30 UTC)" in section and f"`{second}` (01:30 UTC)" in section
    assert f"`{second + 60_000_000 - 1}` for a time given to the minute" in section


def test_recipe_skipped_paris_time() -> None:
    """2024-03-31 02:30 never happens in Paris: Python reads it at +01:00, as the doc says."""
    local = datetime(2024, 3, 31, 2, 30, tzinfo=PARIS)
    assert (local - EPOCH) // ONE_US == SKIPPED_READ
    assert local.astimezone(UTC).astimezone(PARIS).strftime("%H:%M %Z") == "03:30 CEST"
    assert f"(`{SKIPPED_READ}`)" in _times_section()


def test_recipe_runs_as_written() -> None:
    """The doc's Python function, fed its own examples (a doctest), skipped time included."""
    section = _times_section()
    namespace: dict[str, object] = {}
    exec(compile(_block(section, "python"), str(DOC), "exec"), namespace)
    test = doctest.DocTestParser().get_doctest(_block(section, "pycon"), namespace,
                                                "case-format.md: Writing times", str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries == 4


def test_recipe_sqlite3_examples() -> None:
    """Each ``SELECT`` of the shell note gives the integer its comment shows."""
    con = sqlite3.connect(":memory:")
    lines = [line for line in _block(_times_section(), "sql").splitlines() if line.strip()]
    assert len(lines) == 3
    for line in lines:
        query, comment = line.split("--", 1)
        assert con.execute(query.rstrip().rstrip(";")).fetchone()[0] == int(comment.split(",")[0])
    con.close()
