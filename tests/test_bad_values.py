"""Bad values inside a valid case (issue #16): no traceback, no hang, the rest still shown.

Each damage is applied with plain ``sqlite3`` to a factory case of :data:`EVENTS` events:
text that is not UTF-8 (SQLite keeps any bytes under ``TEXT``), text or reals or blobs in
integer columns, 300 event kinds, 70 MB values, a broken full-text index. Every
damaged case must still open: ``main.py info`` exits 0 with valid JSON that names the odd
rows, ``--screenshot`` (with ``--select`` on the damaged row where there is one) writes its
PNG, and in a real window the table keeps every row and the inspector shows the bad value
visibly. Deep links out of range are refused in one line. :func:`tests.cli_run.run_cli`
fails any run that prints a traceback, hangs, or exits other than 0, 2 or 3.

Runtime (~90 s on two cores): one ``info`` (~0.8 s) and one screenshot (~2 s; ~7 s for the
70 MB values) per damage in subprocesses, the fields that are not UTF-8 together in one case
there; what the window shows is checked in-process, damage by damage, and so is ``info``
for each field that is not UTF-8 (``app.cli.main``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from app.state import EntityRef, Filters
from tests.cli_run import run_cli, stderr_lines
from tests.factories import event_row, make_case

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from app.main_window import MainWindow

EVENTS = 2000
BAD = 1002
"""The damaged event (a multiple of 3: factory events with a message)."""
ACTOR = event_row(BAD)[6]
"""The damaged event's actor."""
BAD_HEX = "6361666580FF"
"""``cafe`` then 0x80 0xFF: not UTF-8."""
BAD_TEXT = f"CAST(X'{BAD_HEX}' AS TEXT)"
MARKER = re.compile(r"⟨\\x[0-9A-Fa-f]{2}⟩")
"""How a byte that is not UTF-8 is shown (``storage.case.text_values``)."""
KINDS = 300
"""Distinct event kinds of the many-kinds case: more than a byte can number."""
HUGE = 70_000_000
"""Characters of a huge value: over the 64 MiB string limit of our connections."""
TOO_LONG = "too long to show whole"
PNG = b"\x89PNG\r\n\x1a\n"


# -- the damages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    """One way a case can hold bad values.

    ``apply(con, event_id)`` writes the damage (``event_id``: the event to damage);
    ``probe`` is SQL (``?`` = the event id) whose single value must equal ``expect`` once
    applied, so a test never passes on a case that is not damaged as meant.
    """

    apply: Callable[[sqlite3.Connection, int], None]
    probe: str
    expect: object
    select: str | None = "event"
    """Kind of the record ``--select`` names (its id: :meth:`target`); None: no --select."""
    inspect: tuple[str, int] | None = None
    """``(kind, id)`` the inspector shows the bad value for, in-process; None: the event."""
    info: Callable[[dict, int], None] | None = None
    """Extra checks on ``info``'s JSON for the damaged event id."""
    codes: frozenset[str] = field(default_factory=frozenset)
    """``value_issues`` codes ``info`` must report."""

    def target(self, event_id: int) -> str | None:
        return None if self.select is None else f"{self.select}:{event_id}"


def _sql(statement: str, *, event: bool = True) -> Callable[[sqlite3.Connection, int], None]:
    """A damage as one statement; ``?`` is the event id (when ``event``)."""

    def apply(con: sqlite3.Connection, event_id: int) -> None:
        con.execute(statement, (event_id,) if event else ())

    return apply


def _bad_utf8(table: str, column: str) -> Damage:
    """``table.column`` of the damaged event (or of the record it links to) not UTF-8."""
    where = "id = ?" if table == "event" else f"id = (SELECT {table}_id FROM event WHERE id = ?)"
    # an exhibit's own fields show in its record; the others in the event's
    inspect = ("exhibit", int(event_row(BAD)[13])) if table == "exhibit" else None
    return Damage(
        apply=_sql(f"UPDATE {table} SET {column} = {BAD_TEXT} WHERE {where}"),
        probe=f"SELECT typeof({column}) || ':' || hex({column}) FROM {table} WHERE {where}",
        expect=f"text:{BAD_HEX}",
        inspect=inspect,
    )


def _info_title_marked(facts: dict, _event_id: int) -> None:
    title = facts["info"]["title"]
    assert MARKER.search(title) or "\ufffd" in title, f"title shown as {title!r}"


def _warned(*needles: str) -> Callable[[dict, int], None]:
    def check(facts: dict, event_id: int) -> None:
        lines = [w for w in facts["warnings"]
                 if all(n in w for n in needles) and re.search(rf"\b{event_id}\b", w)]
        assert lines, (f"no warning names event {event_id} with {needles}: "
                       f"{facts['warnings']}")

    return check


def _text_actor_ids(con: sqlite3.Connection, _event_id: int) -> None:
    """Table ``actor`` rebuilt with ``id TEXT PRIMARY KEY``, plus an actor ``'abc'``."""
    con.executescript("""
        CREATE TABLE actor_text (id TEXT PRIMARY KEY, display_name TEXT NOT NULL,
                                 role TEXT NOT NULL, notes TEXT, exhibit_id INTEGER);
        INSERT INTO actor_text SELECT id, display_name, role, notes, exhibit_id FROM actor;
        DROP TABLE actor;
        ALTER TABLE actor_text RENAME TO actor;
        INSERT INTO actor VALUES ('abc', 'Text-id actor', 'seller', NULL, 1);
    """)


def _unknown_tokenizer(con: sqlite3.Connection, _event_id: int) -> None:
    """``event_fts`` declared with a tokenizer this SQLite does not have."""
    con.execute("PRAGMA writable_schema = ON")
    con.execute("UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE name = 'event_fts'",
                ("tokenize='unicode61 remove_diacritics 2'", "tokenize='nosuch'"))
    con.commit()
    con.execute("PRAGMA writable_schema = OFF")


DAMAGES: dict[str, Damage] = {
    # -- text that is not UTF-8
    "utf8-event.kind": _bad_utf8("event", "kind"),
    "utf8-event.title": _bad_utf8("event", "title"),
    "utf8-event.message": _bad_utf8("event", "message"),
    "utf8-actor.display_name": _bad_utf8("actor", "display_name"),
    "utf8-platform.name": _bad_utf8("platform", "name"),
    "utf8-exhibit.label": _bad_utf8("exhibit", "label"),
    "utf8-exhibit.kind": _bad_utf8("exhibit", "kind"),
    "utf8-exhibit.description": _bad_utf8("exhibit", "description"),
    "utf8-identifier.value": _bad_utf8("identifier", "value"),
    "utf8-case_info.title": Damage(
        apply=_sql(f"UPDATE case_info SET value = {BAD_TEXT} WHERE key = 'title'", event=False),
        probe="SELECT hex(value) FROM case_info WHERE key = 'title' AND ? > 0",
        expect=BAD_HEX, select=None, info=_info_title_marked),
    # -- not an integer where an integer belongs
    "ts-text-NaN": Damage(
        apply=_sql("UPDATE event SET ts = 'NaN' WHERE id = ?"),
        probe="SELECT typeof(ts) FROM event WHERE id = ?", expect="text",
        info=_warned("not an integer"), codes=frozenset({"time_unreadable"})),
    "ts-real-1.5e300": Damage(
        apply=_sql("UPDATE event SET ts = 1.5e300 WHERE id = ?"),
        probe="SELECT typeof(ts) FROM event WHERE id = ?", expect="real",
        info=_warned("not an integer"), codes=frozenset({"time_unreadable"})),
    "ts-blob": Damage(
        apply=_sql("UPDATE event SET ts = x'00ff' WHERE id = ?"),
        probe="SELECT typeof(ts) FROM event WHERE id = ?", expect="blob",
        info=_warned("not an integer"), codes=frozenset({"time_unreadable"})),
    "ts_min-text": Damage(
        apply=_sql("UPDATE event SET ts_min = 'soon' WHERE id = ?"),
        probe="SELECT typeof(ts_min) FROM event WHERE id = ?", expect="text",
        info=_warned("not an integer"), codes=frozenset({"bounds_unreadable"})),
    "actor_id-text": Damage(
        apply=_sql("UPDATE event SET actor_id = 'abc' WHERE id = ?"),
        probe="SELECT typeof(actor_id) FROM event WHERE id = ?", expect="text",
        info=_warned("actor_id")),
    "counterpart_id-infinite": Damage(  # found by tests/test_bad_values_property.py
        apply=_sql("UPDATE event SET counterpart_id = 9e999 WHERE id = ?"),
        probe="SELECT typeof(counterpart_id) FROM event WHERE id = ?", expect="real",
        info=_warned("counterpart_id")),
    "actor.id-declared-text": Damage(
        apply=_text_actor_ids,
        probe="SELECT group_concat(typeof(id)) FROM (SELECT DISTINCT typeof(id) AS id "
              "FROM actor) WHERE ? > 0",
        expect="text"),
    # -- more kinds than a byte can number
    "kinds-over-256": Damage(  # 300, not one per event: 2,000 lanes take ~15 s to draw
        apply=_sql(f"UPDATE event SET kind = 'kind_' || (id % {KINDS})", event=False),
        probe="SELECT count(DISTINCT kind) FROM event WHERE ? > 0", expect=KINDS),
    # -- a full-text index that cannot be read
    "fts-unknown-tokenizer": Damage(
        apply=_unknown_tokenizer,
        probe="SELECT instr(sql, 'nosuch') > 0 FROM sqlite_schema "
              "WHERE name = 'event_fts' AND ? > 0", expect=1, select=None),
    # Every row but the averages (id 1): the structure record (id 10) reads as an empty
    # index, so FTS5 answers every query with no hit and no error.
    "fts-corrupt-shadow-rows": Damage(
        apply=_sql("UPDATE event_fts_data SET block = x'00' WHERE id > 1", event=False),
        probe="SELECT count(*) > 0 FROM event_fts_data WHERE block = x'00' AND ? > 0",
        expect=1, select=None),
    # The segment pages only: FTS5 queries fail with SQLITE_CORRUPT.
    "fts-corrupt-segment-pages": Damage(
        apply=_sql("UPDATE event_fts_data SET block = x'00' WHERE id > 10", event=False),
        probe="SELECT count(*) > 0 FROM event_fts_data WHERE block = x'00' AND ? > 0",
        expect=1, select=None),
}
HUGE_DAMAGES: dict[str, Damage] = {
    "huge-event.title": Damage(
        apply=_sql(f"UPDATE event SET title = printf('%.*c', {HUGE}, 'x') WHERE id = ?"),
        probe="SELECT typeof(title) || ':' || length(title) FROM event WHERE id = ?",
        expect=f"text:{HUGE}"),
    "huge-actor.display_name": Damage(
        apply=_sql(f"UPDATE actor SET display_name = printf('%.*c', {HUGE}, 'y') "
                   "WHERE id = (SELECT actor_id FROM event WHERE id = ?)"),
        probe="SELECT typeof(display_name) || ':' || length(display_name) FROM actor "
              "WHERE id = (SELECT actor_id FROM event WHERE id = ?)",
        expect=f"text:{HUGE}"),
}
ALL_DAMAGES = {**DAMAGES, **HUGE_DAMAGES}
UTF8 = [name for name in DAMAGES if name.startswith("utf8-")]
UTF8_ALL = "utf8-all"
"""Every field of :data:`UTF8` not UTF-8 at once, on the damaged event and what it links to:
one subprocess case for them all (the window checks them one by one, in-process)."""
ALL_AT_ONCE = "all-at-once"
"""Every damage of :data:`DAMAGES` in one case, each on an event of its own."""
COMBINED = {
    UTF8_ALL: [(name, BAD) for name in UTF8],
    ALL_AT_ONCE: [(name, BAD + 3 * i) for i, name in enumerate(sorted(
        DAMAGES, key=lambda n: (n != "kinds-over-256", n.startswith("fts-"))))],
}
"""Cases with several damages: ``(damage, event id)`` in the order they are applied."""
SUBPROCESS = [UTF8_ALL, *(n for n in ALL_DAMAGES if n not in UTF8), ALL_AT_ONCE]
"""What goes through ``main.py`` (the fields of :data:`UTF8` one by one: in-process)."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Built:
    """A damaged case on disk and what it must stay."""

    path: Path
    event_id: int
    sha256: str

    def assert_unchanged(self) -> None:
        assert _sha256(self.path) == self.sha256, f"{self.path.name} was written to"
        beside = sorted(p.name for p in self.path.parent.iterdir())
        assert beside == [self.path.name], f"files appeared beside the case: {beside}"


def _build(folder: Path, name: str) -> Built:
    path = folder / "case.filature"
    make_case(path, events=EVENTS)
    todo = COMBINED.get(name, [(name, BAD)])
    for part, event_id in todo:
        damage = ALL_DAMAGES[part]
        con = sqlite3.connect(path)
        try:
            damage.apply(con, event_id)
            con.commit()
            got = con.execute(damage.probe, (event_id,)).fetchone()
        finally:
            con.close()
        # an earlier damage may change what a later probe sees (kinds, actor ids)
        if name == UTF8_ALL or name not in COMBINED:
            assert got is not None and got[0] == damage.expect, (part, got)
    return Built(path, BAD, _sha256(path))


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Built]:
    """``damaged(name)``: the case with damage ``name``, built once for the module."""
    built: dict[str, Built] = {}

    def get(name: str) -> Built:
        if name not in built:
            built[name] = _build(tmp_path_factory.mktemp(re.sub(r"\W", "_", name)), name)
        return built[name]

    return get


# -- through main.py -------------------------------------------------------------------------


def _info(built: Built) -> dict:
    result = run_cli("info", built.path)
    assert result.returncode == 0, result.stderr
    built.assert_unchanged()
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", UTF8)
def test_info_in_process_with_text_that_is_not_utf8(damaged: Callable[[str], Built],
                                                    capsys: pytest.CaptureFixture[str],
                                                    name: str) -> None:
    """Each field alone, through ``app.cli.main`` (the subprocess runs :data:`UTF8_ALL`)."""
    from app.cli import main

    built = damaged(name)
    code = main(["info", str(built.path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    facts = json.loads(out)
    assert facts["counts"]["event"] == EVENTS
    if name == "utf8-case_info.title":
        _info_title_marked(facts, built.event_id)
    built.assert_unchanged()


@pytest.mark.parametrize("name", SUBPROCESS)
def test_info_shows_a_damaged_case(damaged: Callable[[str], Built], name: str) -> None:
    built = damaged(name)
    facts = _info(built)
    assert facts["counts"]["event"] == EVENTS
    if name == UTF8_ALL:
        _info_title_marked(facts, built.event_id)
        return
    if name == ALL_AT_ONCE:
        codes = {i["code"] for i in facts["value_issues"]}
        assert {"time_unreadable", "bounds_unreadable"} <= codes, facts["value_issues"]
        return
    damage = ALL_DAMAGES[name]
    if damage.info is not None:
        damage.info(facts, built.event_id)
    codes = {i["code"] for i in facts["value_issues"]}
    assert damage.codes <= codes, facts["value_issues"]
    for issue in facts["value_issues"]:
        if issue["code"] in damage.codes:
            assert built.event_id in issue["examples"], issue


@pytest.mark.parametrize("name", SUBPROCESS)
def test_screenshot_of_a_damaged_case(damaged: Callable[[str], Built], tmp_path: Path,
                                      name: str) -> None:
    """With ``--select`` on the damaged row when it has one (which waits for every view)."""
    built = damaged(name)
    target = None if name == ALL_AT_ONCE else f"event:{built.event_id}" if name == UTF8_ALL \
        else ALL_DAMAGES[name].target(built.event_id)
    out = tmp_path / "shot.png"
    args = ["--screenshot", out, built.path, *(["--select", target] if target else [])]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == PNG
    built.assert_unchanged()


def _one_line(result: object, needle: str) -> None:
    lines = stderr_lines(result)  # type: ignore[arg-type]
    assert len(lines) == 1 and needle in lines[0], result.stderr  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def small_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_case(tmp_path_factory.mktemp("small") / "small.filature", events=30)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--select", "event:99999999999999999999999"), "--select"),
        (("--range", "0001-01-01/9999-12-31"), "--range"),
        (("--select", "event:5000000"), "no such record"),
    ],
    ids=["select-id-over-64-bits", "range-year-1-to-9999", "select-missing-record"],
)
def test_deep_link_out_of_range_exits_2_in_one_line(small_case: Path, tmp_path: Path,
                                                    args: tuple[str, ...], needle: str) -> None:
    out = tmp_path / "x.png"
    result = run_cli("--screenshot", out, small_case, *args)
    assert result.returncode == 2, result.stderr
    _one_line(result, needle)
    assert not out.exists()


@pytest.fixture(scope="module")
def bad_zone_case(tmp_path_factory: pytest.TempPathFactory) -> Built:
    path = make_case(tmp_path_factory.mktemp("zone") / "zone.filature", events=30)
    con = sqlite3.connect(path)
    con.execute("UPDATE case_info SET value = CAST(X'4575726F70652F5061726973FF' AS TEXT) "
                "WHERE key = 'time_zone'")  # "Europe/Paris" and 0xFF
    con.commit()
    con.close()
    return Built(path, 1, _sha256(path))


@pytest.mark.parametrize("command", ["info", "screenshot"])
def test_time_zone_not_utf8_is_not_called_damage(bad_zone_case: Built, tmp_path: Path,
                                                 command: str) -> None:
    """Refused (2, one line) or opened (0), but the file is not "damaged or truncated"."""
    out = tmp_path / "zone.png"
    args = ["info", bad_zone_case.path] if command == "info" else [
        "--screenshot", out, bad_zone_case.path]
    result = run_cli(*args)
    assert "damaged or truncated" not in result.stderr, result.stderr
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 2:
        assert len(stderr_lines(result)) == 1, result.stderr
    elif command == "info":
        facts = json.loads(result.stdout)
        assert facts["time_zone"], facts
    else:
        assert out.read_bytes()[:8] == PNG
    bad_zone_case.assert_unchanged()


# -- in a window -----------------------------------------------------------------------------


@pytest.fixture
def no_logged_traceback(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail if anything logged an error or a traceback (the CLI would print it on stderr)."""
    caplog.set_level(logging.WARNING)
    yield
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in bad)


def _open(window: MainWindow, qtbot, built: Built) -> None:
    with qtbot.waitSignal(window.sig_ready, timeout=60_000):
        window.open_case(built.path)


def _wait(qtbot, what: str, condition: Callable[[], bool], shown: Callable[[], str],
          timeout: int = 5_000) -> None:
    """``qtbot.waitUntil`` that fails saying what was shown instead."""
    try:
        qtbot.waitUntil(condition, timeout=timeout)
    except Exception:  # pytest-qt raises its own TimeoutError
        lines = [f"{line[:160]}… [{len(line):,} characters]" if len(line) > 160 else line
                 for line in shown().splitlines()[:40]]
        pytest.fail(f"{what}; shown instead:\n" + "\n".join(lines), pytrace=False)


def _all_rows(window: MainWindow, qtbot) -> None:
    model = window.table.model()
    _wait(qtbot, f"the table does not list all {EVENTS} events",
          lambda: model.rowCount() == EVENTS,
          lambda: f"{model.rowCount()} rows; notice: {window.table.notice()!r}")


def _inspect(window: MainWindow, qtbot, kind: str, ident: int) -> str:
    window.select(EntityRef(kind, ident))  # type: ignore[arg-type]
    heading = f"{kind.capitalize()} {ident}"
    _wait(qtbot, f"the inspector does not show {heading}",
          lambda: window.inspector.text().startswith(heading), window.inspector.text)
    return window.inspector.text()


@pytest.mark.parametrize("name", UTF8)
def test_window_shows_text_that_is_not_utf8(window, qtbot, damaged, no_logged_traceback,
                                            name: str) -> None:
    built = damaged(name)
    _open(window, qtbot, built)
    _all_rows(window, qtbot)
    if name == "utf8-case_info.title":
        title = window.windowTitle()
        assert MARKER.search(title) or "\ufffd" in title, title
        return
    kind, ident = DAMAGES[name].inspect or ("event", built.event_id)
    text = _inspect(window, qtbot, kind, ident)
    _wait(qtbot, "the bad bytes are not shown as ⟨\\xNN⟩ in the inspector",
          lambda: MARKER.search(window.inspector.text()) is not None, window.inspector.text)
    if name == "utf8-event.title":
        assert "not valid UTF-8" in window.inspector.text(), text
        model = window.table.model()
        row = model.row_of(built.event_id)
        assert row is not None
        title_column = 4
        _wait(qtbot, "the table's title cell does not show the bad bytes",
              lambda: MARKER.search(str(model.index(row, title_column).data())) is not None,
              lambda: str(model.index(row, title_column).data()))


@pytest.mark.parametrize("name", ["ts-text-NaN", "ts-real-1.5e300", "ts-blob", "ts_min-text",
                                  "actor_id-text", "kinds-over-256"])
def test_window_stays_usable_with_values_of_the_wrong_type(window, qtbot, damaged,
                                                           no_logged_traceback,
                                                           name: str) -> None:
    built = damaged(name)
    _open(window, qtbot, built)
    _all_rows(window, qtbot)
    text = _inspect(window, qtbot, "event", built.event_id)
    assert "could not be read" not in text, text
    assert "Title:" in text, text
    if name.startswith("ts-"):
        assert "not an integer" in text, text


@pytest.mark.parametrize(("name", "records"), [
    ("huge-event.title", [("event", BAD)]),
    ("huge-actor.display_name", [("event", BAD), ("actor", ACTOR)]),
])
def test_window_shows_a_huge_value_cut(window, qtbot, damaged, no_logged_traceback,
                                       name: str, records: list[tuple[str, int]]) -> None:
    built = damaged(name)
    _open(window, qtbot, built)
    _all_rows(window, qtbot)
    for kind, ident in records:
        text = _inspect(window, qtbot, kind, ident)
        _wait(qtbot, f"{kind} {ident}: no note that the value is cut",
              lambda: TOO_LONG in window.inspector.text(), window.inspector.text)
        assert len(text) < HUGE // 10, f"the inspector holds {len(text):,} characters"


def _parcel_events() -> list[int]:
    found = []
    for i in range(1, EVENTS + 1):
        row = event_row(i)
        if "parcel" in f"{row[4]} {row[5] or ''}".lower():
            found.append(i)
    return found


def _visible_texts(window: MainWindow) -> list[str]:
    """Text and tooltips of every visible widget, and the status bar's message."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

    texts = [window.statusBar().currentMessage(), window.table.notice()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        texts.append(widget.toolTip())
    return [t for t in texts if t]


@pytest.mark.parametrize("name", ["fts-unknown-tokenizer", "fts-corrupt-shadow-rows",
                                  "fts-corrupt-segment-pages"])
def test_text_search_survives_a_broken_index(window, qtbot, damaged, no_logged_traceback,
                                             name: str) -> None:
    built = damaged(name)
    _open(window, qtbot, built)
    _all_rows(window, qtbot)
    expected = _parcel_events()
    assert 0 < len(expected) < EVENTS
    window.state.set_filters(Filters(text="parcel"))
    model = window.table.model()
    _wait(qtbot, f"the search does not find the {len(expected)} events with 'parcel'",
          lambda: model.rowCount() == len(expected),
          lambda: f"{model.rowCount()} rows; count: {window.filter_bar.result_count_text()!r}")
    assert sorted(model.id_at(r) for r in range(model.rowCount())) == expected
    want = f"{len(expected):,} of {EVENTS:,} events"
    _wait(qtbot, f"the filter bar does not say {want!r}",
          lambda: window.filter_bar.result_count_text() == want,
          window.filter_bar.result_count_text)

    def says_scan() -> bool:
        return any("index" in t.lower() and "scan" in t.lower()
                   for t in _visible_texts(window))

    _wait(qtbot, "nothing visible says the index failed and a plain scan was used",
          says_scan, lambda: "\n".join(_visible_texts(window)))
