"""docs/case-format.md must be enough to build a case by hand: its DDL is the code's DDL."""

import re
import sqlite3
from pathlib import Path

from storage.case.schema import FTS_DDL, REQUIRED_TABLES, Base
from storage.case.search_terms import SEARCH_TERM_DDL
from storage.case.writer import index_ddl, table_ddl

DOC = Path(__file__).resolve().parent.parent / "docs" / "case-format.md"


def _sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _normalise(sql: str) -> list[str]:
    statements = [s.strip() for s in sql.split(";") if s.strip()]
    return [re.sub(r"\s+", " ", s) for s in statements]


def test_doc_ddl_is_the_code_ddl() -> None:
    doc_ddl = _sql_blocks()[-1]
    assert _normalise(doc_ddl) == _normalise(";".join(table_ddl() + index_ddl()))


def test_doc_fts_statement_matches_code() -> None:
    assert _normalise(FTS_DDL)[0] in _normalise(_sql_blocks()[0])


def test_doc_search_term_statement_matches_code() -> None:
    assert _normalise(SEARCH_TERM_DDL) == _normalise(_sql_blocks()[1])


def test_every_column_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for table in Base.metadata.sorted_tables:
        assert f"### `{table.name}`" in text, table.name
        section = text.split(f"### `{table.name}`", 1)[1].split("\n### ", 1)[0]
        for column in table.columns:
            assert f"`{column.name}`" in section, f"{table.name}.{column.name} undocumented"


def _build_by_hand(path: Path) -> None:
    """What a user would do with the doc alone: the DDL, the FTS block, the example rows."""
    con = sqlite3.connect(path)
    con.executescript(_sql_blocks()[-1])
    con.executescript(_sql_blocks()[0])
    example = re.search(r"sqlite3 my-case.filature <<'SQL'\n(.*?)\nSQL", DOC.read_text(), re.S)
    assert example is not None
    con.executescript(example.group(1))
    con.commit()
    con.close()


def test_hand_built_case_from_doc(tmp_path: Path) -> None:
    """Build a case with plain sqlite3 from the doc alone, as a user would."""
    path = tmp_path / "hand.filature"
    _build_by_hand(path)
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert set(REQUIRED_TABLES) <= tables
    assert con.execute("SELECT count(*) FROM event").fetchone()[0] == 1
    con.close()


def test_hand_built_case_opens_and_renders(tmp_path: Path, _user_dirs: Path) -> None:
    """The app opens the doc's hand-made case: reads, overview, and a screenshot."""
    import os
    import subprocess
    import sys

    from storage.case.opener import open_case
    from storage.reads.events import read_event_columns
    from storage.reads.overview import read_overview

    path = tmp_path / "hand.filature"
    _build_by_hand(path)
    before = path.read_bytes()
    with open_case(path) as source:
        overview = read_overview(source)
        assert overview.counts["event"] == 1 and overview.title == "Hand-made case"
        reader = source.connect()
        assert len(read_event_columns(reader)) == 1
        reader.close()
    out = tmp_path / "hand.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FILATURE_HOME=str(_user_dirs))
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent.parent / "main.py"),
         "--screenshot", str(out), str(path)],
        capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.read_bytes() == before
