"""Any value in any cell of a case (issue #16): ``info`` and the window never crash or write.

Hypothesis fills random cells of a small factory case (every table, shadow tables of the
full-text index included) with random SQLite values of every type: NULL, 64-bit integers at
their edges, floats with NaN and infinities, text with markup, control and bidi characters,
text that is not UTF-8 (``CAST(? AS TEXT)`` of random bytes) and blobs, and sometimes adds a
row of random values. ``main.py info`` then runs in-process (``app.cli.main``, fast enough for
40 cases): it exits 0 with JSON or 2 with one line, no exception escapes, and the file is
not written (same SHA-256 and mtime, nothing beside it). Three fixed-seed cases go through
``--screenshot`` in a subprocess to cover the window's reads as well.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.cli_run import run_cli, stderr_lines
from tests.factories import T0, make_case

EVENTS = 30
EXAMPLE_SECONDS = 30
"""One example's ``info`` taking longer than this is a hang (30 events take ~0.1 s)."""
HOSTILE_TEXT = [
    "", " ", "\x00", "\n\r\t", "\u202e\u2066evil\u2069", "\u200b", "\ufeff", "\ud7ff",
    '<img src="/dev/zero">', "<b>bold</b><table><tr><td>x", "&amp;&#0;", "'; DROP TABLE x;--",
    "NaN", "inf", "-0", "1e999", "0x10", "2024-05-01T10:00:00Z", "Europe/Paris", "UTC",
    "1.1", "99.0", "event", "%s%n", "\\x00", "😀" * 50, "e\u0301" * 20,
]
EDGE_INTS = [0, 1, -1, 2**31, -(2**31), 2**53 + 1, 2**63 - 1, -(2**63), T0, T0 // 1_000_000,
             T0 // 1000, T0 * 1000, 255, 256, 257]


@dataclass(frozen=True)
class NotUtf8:
    """Bytes to store under ``TEXT`` (bound through ``CAST(? AS TEXT)``)."""

    data: bytes


@dataclass(frozen=True)
class Blob:
    """Bytes to store as a ``BLOB``."""

    data: bytes


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _bind(value: object) -> tuple[str, object]:
    """The SQL placeholder and parameter that store ``value`` with the type it stands for."""
    if isinstance(value, NotUtf8):
        return "CAST(? AS TEXT)", value.data
    if isinstance(value, Blob):
        return "?", value.data
    return "?", value


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    """``("rowid",)``, or the primary key of a ``WITHOUT ROWID`` table."""


def _schema(path: Path) -> tuple[Table, ...]:
    con = sqlite3.connect(path)
    try:
        tables = []
        rows = con.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table' "
                           "AND name NOT LIKE 'sqlite_%' AND name <> 'event_fts' "
                           "ORDER BY name").fetchall()
        for name, sql in rows:
            info = con.execute(f"PRAGMA table_info('{name}')").fetchall()
            columns = tuple(r[1] for r in info)
            key = ("rowid",)
            if "WITHOUT ROWID" in (sql or "").upper():
                key = tuple(r[1] for r in sorted(info, key=lambda r: r[5]) if r[5])
            tables.append(Table(name, columns, key))
        return tuple(tables)
    finally:
        con.close()


@dataclass(frozen=True)
class Update:
    table: int
    column: int
    row: int | None  # offset of the row among the table's; None: every row
    value: object


@dataclass(frozen=True)
class Insert:
    table: int
    values: tuple[tuple[int, object], ...]  # (column, value)


def _apply(path: Path, tables: tuple[Table, ...], ops: list[Update | Insert]) -> int:
    """Write ``ops`` into the case; a change SQLite refuses (a constraint) is skipped.

    Returns how many changed a row.
    """
    con = sqlite3.connect(path)
    applied = 0
    try:
        for op in ops:
            table = tables[op.table % len(tables)]
            try:
                if isinstance(op, Update):
                    column = table.columns[op.column % len(table.columns)]
                    mark, param = _bind(op.value)
                    params: list[object] = [param]
                    sql = f'UPDATE "{table.name}" SET "{column}" = {mark}'
                    if op.row is not None:  # the row-th row, wrapping around the table
                        key = ", ".join(table.key)
                        sql += (f" WHERE ({key}) IN (SELECT {key} FROM \"{table.name}\" "
                                f"LIMIT 1 OFFSET ? % max(1, (SELECT count(*) FROM "
                                f"\"{table.name}\")))")
                        params.append(op.row)
                    if con.execute(sql, params).rowcount < 1:
                        continue
                else:
                    chosen = {table.columns[c % len(table.columns)]: v for c, v in op.values}
                    binds = [_bind(v) for v in chosen.values()]
                    names = ", ".join(f'"{c}"' for c in chosen)
                    marks = ", ".join(m for m, _ in binds)
                    con.execute(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
                                [p for _, p in binds])
                applied += 1
            except (sqlite3.Error, OverflowError):
                continue  # NOT NULL, UNIQUE, a text primary key of a rowid table…
        con.commit()
    finally:
        con.close()
    return applied


# -- values ----------------------------------------------------------------------------------

_ints = st.one_of(st.integers(min_value=-(2**63), max_value=2**63 - 1),
                  st.sampled_from(EDGE_INTS))
_floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([math.nan, math.inf, -math.inf, 1.5e300, -0.0, 0.5]))
_texts = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_TEXT))
_bad_text = st.builds(  # 0xFE and 0xFF never occur in UTF-8; the rest is anything
    lambda head, bad, tail: NotUtf8(head + bad + tail), st.binary(max_size=12),
    st.sampled_from([b"\xff", b"\xfe", b"\xff\xfe\x00"]), st.binary(max_size=12),
).filter(lambda v: _not_utf8(v.data))
_blobs = st.binary(max_size=64).map(Blob)
VALUES = st.one_of(st.none(), _ints, _floats, _texts, _bad_text, _blobs)
_updates = st.builds(Update, table=st.integers(0, 1000), column=st.integers(0, 1000),
                     row=st.one_of(st.none(), st.integers(0, EVENTS)), value=VALUES)
_inserts = st.builds(Insert, table=st.integers(0, 1000), values=st.lists(
    st.tuples(st.integers(0, 1000), VALUES), min_size=1, max_size=12).map(tuple))
OPS = st.lists(st.one_of(_updates, _updates, _updates, _inserts), min_size=3, max_size=30)


def random_value(rng: random.Random) -> object:
    """A value like :data:`VALUES` draws, from a seeded generator (for the subprocess runs)."""
    pick = rng.randrange(6)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice(EDGE_INTS) if rng.random() < 0.5 else rng.randint(-(2**63), 2**63 - 1)
    if pick == 2:
        return rng.choice([math.nan, math.inf, -math.inf, 1.5e300, -0.0, rng.uniform(-1e9, 1e9)])
    if pick == 3:
        return rng.choice(HOSTILE_TEXT)
    if pick == 4:
        return NotUtf8(bytes([0xFF, *(rng.randrange(256) for _ in range(rng.randrange(16)))]))
    return Blob(bytes(rng.randrange(256) for _ in range(rng.randrange(40))))


def random_ops(rng: random.Random, count: int) -> list[Update | Insert]:
    ops: list[Update | Insert] = []
    for _ in range(count):
        if rng.random() < 0.2:
            ops.append(Insert(rng.randrange(1000), tuple(
                (rng.randrange(1000), random_value(rng)) for _ in range(rng.randint(1, 12)))))
        else:
            row = None if rng.random() < 0.15 else rng.randrange(EVENTS)
            ops.append(Update(rng.randrange(1000), rng.randrange(1000), row, random_value(rng)))
    return ops


# -- what must hold --------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What a case file must still be after Filature read it."""

    path: Path
    sha256: str
    mtime_ns: int
    listing: tuple[str, ...]

    @classmethod
    def of(cls, path: Path) -> Evidence:
        return cls(path, hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns,
                   tuple(sorted(p.name for p in path.parent.iterdir())))

    def assert_unchanged(self) -> None:
        now = Evidence.of(self.path)
        assert now.listing == self.listing, f"files appeared beside the case: {now.listing}"
        assert now.sha256 == self.sha256, "the case file was written to"
        assert now.mtime_ns == self.mtime_ns, "the case file's mtime changed"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_case(tmp_path_factory.mktemp("template") / "case.filature", events=EVENTS)


@pytest.fixture(scope="module")
def tables(template: Path) -> tuple[Table, ...]:
    found = _schema(template)
    assert {"event", "actor", "case_info", "exhibit", "event_fts_data"} <= {
        t.name for t in found}
    return found


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
def test_info_survives_any_values(template: Path, tables: tuple[Table, ...],
                                  tmp_path_factory: pytest.TempPathFactory,
                                  capsys: pytest.CaptureFixture[str],
                                  ops: list[Update | Insert]) -> None:
    from app.cli import main

    base = tmp_path_factory.getbasetemp()
    with tempfile.TemporaryDirectory(dir=base, prefix="prop-") as folder:
        case = Path(folder) / "case.filature"
        shutil.copyfile(template, case)
        applied = _apply(case, tables, ops)
        event(f"changes applied: {min(applied, 10)}{'+' if applied >= 10 else ''}")
        evidence = Evidence.of(case)
        capsys.readouterr()
        started = time.monotonic()
        code = main(["info", str(case)])  # an exception escaping fails the example
        elapsed = time.monotonic() - started
        out, err = capsys.readouterr()
        assert elapsed < EXAMPLE_SECONDS, f"info took {elapsed:.1f} s"
        assert "Traceback" not in err, err
        assert code in (0, 2), (code, err)
        event(f"exit {code}")
        if code == 0:
            facts = json.loads(out)
            assert isinstance(facts["counts"]["event"], int)
            json.dumps(facts, ensure_ascii=False).encode("utf-8")  # no lone surrogates
        else:
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("filature: "), err
            assert out == ""
        evidence.assert_unchanged()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_window_survives_random_values(template: Path, tables: tuple[Table, ...],
                                       tmp_path: Path, seed: int) -> None:
    """The window's reads (every column, names, the inspector) through ``--screenshot``."""
    rng = random.Random(seed)
    folder = tmp_path / "case"
    folder.mkdir()
    case = folder / "case.filature"
    shutil.copyfile(template, case)
    # case_info left alone: a damaged format version or title refuses the case (exit 2,
    # covered by the property above) before any view reads a row.
    damaged = tuple(t for t in tables if t.name != "case_info")
    applied = _apply(case, damaged, random_ops(rng, 60))
    assert applied >= 20, f"only {applied} changes applied: the case is hardly damaged"
    evidence = Evidence.of(case)
    out = tmp_path / "shot.png"
    result = run_cli("--screenshot", out, case, "--select", f"event:{rng.randint(1, EVENTS)}")
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 0:
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert len(stderr_lines(result)) == 1, result.stderr
    evidence.assert_unchanged()
