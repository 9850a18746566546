"""The inspector shows every kind of record, not only events: its own fields and its links.

A factory case is opened in a real ``MainWindow`` (thread-pool runner, as the app runs) and
records are selected through the scripting surface (``window.select``) or by clicking the
inspector's own links. Expected values are the factory's rows (tests/factories.py) or what
the test counts itself with SQL.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QListWidget

from app.state import EntityRef
from storage.case.opener import open_case
from storage.reads.records import CITING_TABLES, READERS, read_record
from tests.factories import make_case
from tests.windows import open_and_wait

if TYPE_CHECKING:
    from pathlib import Path

    from app.main_window import MainWindow

EVENTS = 40
LINK_ROLE = Qt.ItemDataRole.UserRole + 1


@pytest.fixture
def case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "records.filature", events=EVENTS)


def show(window: MainWindow, qtbot, ref: EntityRef, heading: str) -> str:
    """Select ``ref`` and return the inspector's text once its heading is shown."""
    window.select(ref)
    qtbot.waitUntil(lambda: window.inspector.text().startswith(heading), timeout=5_000)
    return window.inspector.text()


def links(window: MainWindow) -> QListWidget:
    found = window.inspector.findChild(QListWidget, "inspectorLinks")
    assert found is not None
    return found


def link_refs(window: MainWindow) -> list[tuple[str, int]]:
    view = links(window)
    return [tuple(view.item(r).data(LINK_ROLE)) for r in range(view.count())]


def link_texts(window: MainWindow) -> list[str]:
    view = links(window)
    return [view.item(r).text() for r in range(view.count())]


def lines(text: str) -> list[str]:
    return text.split("\n")


# -- shipment --------------------------------------------------------------------------------
def test_a_shipment_shows_its_parcel_legs_and_exhibit(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    text = show(window, qtbot, EntityRef("shipment", 1), "Shipment 1 — Colissimo 6A12345678901")
    shown = lines(text)
    for line in ("Carrier: Colissimo", "Tracking number: 6A12345678901", "Status: seized",
                 "Sender: Courier K. (actor 2)", "Recipient: Customer 17 (actor 3)",
                 "Declared content: Cosmetics", "Real content: MDMA 480 g", "Weight: 512 g",
                 "Exhibit: S-03"):
        assert line in shown, line
    # legs: places by name, times in the case zone (T0 = 10:00Z = 12:00 CEST)
    assert ("Leg 1: Rotterdam → Chilly-Mazarin hub\n2024-05-01 14:00:00 CEST (UTC+02:00) → "
            "2024-05-02 08:00:00 CEST (UTC+02:00)") in text
    assert ("Leg 2: Chilly-Mazarin hub → Relais Colis 69007\n2024-05-02 10:00:00 CEST "
            "(UTC+02:00) → 2024-05-02 18:00:00 CEST (UTC+02:00)") in text
    refs = link_refs(window)
    for ref in (("actor", 2), ("actor", 3), ("place", 2), ("place", 4), ("place", 3),
                ("exhibit", 3)):
        assert ref in refs, ref
    assert len(refs) == len(set(refs))  # place 4 ends leg 1 and starts leg 2: listed once
    assert "Sender: Courier K." in link_texts(window)
    assert "Recipient: Customer 17" in link_texts(window)


def test_clicking_a_link_selects_that_record(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    show(window, qtbot, EntityRef("shipment", 1), "Shipment 1")
    view = links(window)
    row = link_refs(window).index(("actor", 2))
    item = view.item(row)
    view.scrollToItem(item)
    with qtbot.waitSignal(window.inspector.sig_ref_requested, timeout=5_000) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.visualItemRect(item).center())
    assert blocker.args == ["actor", 2]
    assert window.selection() == frozenset({EntityRef("actor", 2)})
    qtbot.waitUntil(lambda: window.inspector.text().startswith("Actor 2 — Courier K."),
                    timeout=5_000)
    # the actor's events are selected in the table too: 2, 6, 10, ...
    assert sorted(window.table.selected_ids().tolist()) == list(range(2, EVENTS + 1, 4))
    # activating (Enter / double-click) a link goes there as well
    row = link_refs(window).index(("exhibit", 1))
    with qtbot.waitSignal(window.state.sig_selection_changed, timeout=5_000):
        view.itemActivated.emit(view.item(row))
    assert window.selection() == frozenset({EntityRef("exhibit", 1)})
    qtbot.waitUntil(lambda: window.inspector.text().startswith("Exhibit 1 — S-01"),
                    timeout=5_000)


# -- exhibit, identifier, place, platform, actor ---------------------------------------------
def test_an_exhibit_shows_who_cites_it(window, qtbot, case) -> None:
    con = sqlite3.connect(case)
    counts = {t: con.execute(f"SELECT count(*) FROM {t} WHERE exhibit_id = 1").fetchone()[0]
              for t in CITING_TABLES}
    con.close()
    assert counts["event"] > 0 and counts["relation"] == 1 and counts["shipment"] == 0
    open_and_wait(window, qtbot, case)
    shown = lines(show(window, qtbot, EntityRef("exhibit", 1), "Exhibit 1 — S-01"))
    for line in ("Label: S-01", "Kind: phone extraction", "Acquired by: OPJ Martin",
                 "Description: Seller's phone"):
        assert line in shown, line
    # acquired the day before T0, at 10:00Z = 12:00 CEST
    assert ("Acquired: 2024-04-30 12:00:00 CEST (UTC+02:00) = 2024-04-30 10:00:00 (UTC+00:00)"
            in shown)
    cited = next(line for line in shown if line.startswith("Cited by: "))
    parts = cited.removeprefix("Cited by: ").split(", ")
    expected = [f"{n:,} {t.replace('_', ' ')}" for t, n in counts.items() if n]
    assert parts == expected


def test_a_third_party_identifier_shows_both_attributions(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    text = show(window, qtbot, EntityRef("identifier", 4), "Identifier 4 — +33 7 00 00 00 01")
    assert "third party" in text
    assert "attributed to 2 actors" in text
    assert "Kind: phone" in lines(text)
    assert ("uses: Courier K. (actor 2), confidence 60%; exhibit S-03\nUsed for pickup SMS"
            in text)
    assert "registered to: Supplier NL (actor 4), confidence 100%\nOperator answer" in text
    refs = link_refs(window)
    assert ("actor", 2) in refs and ("actor", 4) in refs and ("exhibit", 3) in refs


def test_place_platform_and_actor_show_their_own_fields(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    shown = lines(show(window, qtbot, EntityRef("place", 1), "Place 1 — Lyon"))
    for line in ("Name: Lyon", "Kind: city", "Position (lat, lon): 45.76400, 4.83570",
                 "Country: FR", "Shipment legs: 0"):
        assert line in shown, line
    shown = lines(show(window, qtbot, EntityRef("place", 4), "Place 4 — Chilly-Mazarin hub"))
    assert "Shipment legs: 2" in shown  # the end of leg 1 and the start of leg 2

    shown = lines(show(window, qtbot, EntityRef("platform", 1), "Platform 1 — Snapchat"))
    assert "Name: Snapchat" in shown and "Kind: social" in shown
    assert "Identifiers: 1" in shown  # only chimiste_69 lives on Snapchat

    text = show(window, qtbot, EntityRef("actor", 1), "Actor 1 — « Le Chimiste »")
    shown = lines(text)
    assert "Name: « Le Chimiste »" in shown and "Role: seller" in shown
    assert "Account: chimiste_69 (uses, confidence 90%)" in shown
    assert "Phone: +33 6 12 34 56 78 (uses, confidence 80%)" in shown
    assert "Relation: Supplier NL (supplier of this actor), confidence 70%\nWire transfers" in text
    assert "Relation: Courier K. (works for this actor), confidence 90%\nChats" in text
    assert f"Events: {EVENTS // 4}" in shown  # events 1, 5, 9, ...
    refs = link_refs(window)
    for ref in (("identifier", 1), ("identifier", 2), ("actor", 4), ("actor", 2),
                ("exhibit", 1)):
        assert ref in refs, ref


# -- missing records, hostile text -----------------------------------------------------------
def test_a_record_that_is_not_in_the_case_says_so(window, qtbot, case) -> None:
    open_and_wait(window, qtbot, case)
    show(window, qtbot, EntityRef("shipment", 1), "Shipment 1")
    text = show(window, qtbot, EntityRef("shipment", 999), "Shipment 999")
    assert "not in the case" in text
    assert "Carrier" not in text  # nothing of the previous record is left
    assert links(window).count() == 0
    text = show(window, qtbot, EntityRef("actor", 77), "Actor 77")
    assert "not in the case" in text


def test_record_reads_return_none_for_a_missing_id(case) -> None:
    with open_case(case) as source:
        con = source.connect()
        try:
            for kind in READERS:
                assert read_record(con, kind, 999) is None, kind
                assert read_record(con, kind, 1) is not None, kind
            assert read_record(con, "event", 1) is None  # events have their own read
            assert read_record(con, "sqlite_schema", 1) is None
        finally:
            con.close()


def test_hostile_text_in_a_shipment_is_shown_literally(window, qtbot, tmp_path) -> None:
    hostile = "<img src=x>\u202eevil"
    path = make_case(tmp_path / "hostile.filature", events=10, fts=False)
    con = sqlite3.connect(path)
    con.execute("UPDATE shipment SET real_content = ? WHERE id = 1", (hostile,))
    con.commit()
    con.close()
    open_and_wait(window, qtbot, path)
    text = show(window, qtbot, EntityRef("shipment", 1), "Shipment 1")
    assert "Real content: <img src=x>⟨U+202E⟩evil" in lines(text)
    assert "\u202e" not in text
    for label in window.inspector.findChildren(QLabel):
        if "<img" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText


# -- events with odd times ---------------------------------------------------------------------
def test_events_with_vague_reversed_or_second_times_warn(window, qtbot, tmp_path) -> None:
    path = make_case(tmp_path / "times.filature", events=10, fts=False)
    con = sqlite3.connect(path)
    con.execute("UPDATE event SET precision = 'day' WHERE id = 1")  # T0 = 12:00 CEST
    con.execute("UPDATE event SET ts_min = ts + 60000000, ts_max = ts WHERE id = 2")
    con.execute("UPDATE event SET ts = 1714557600 WHERE id = 3")  # T0 in seconds
    con.commit()
    con.close()
    open_and_wait(window, qtbot, path)

    text = show(window, qtbot, EntityRef("event", 1), "Event 1 —")
    assert ("Between (from the precision): 2024-05-01 00:00:00 CEST (UTC+02:00) = 2024-04-30 "
            "22:00:00 (UTC+00:00)\nand before 2024-05-02 00:00:00 CEST (UTC+02:00) = "
            "2024-05-01 22:00:00 (UTC+00:00)") in text
    assert "⚠ the time is only known to the day (Europe/Paris): see the bounds" in text
    assert "wrong way round" not in text

    text = show(window, qtbot, EntityRef("event", 2), "Event 2 —")
    assert "the bounds are the wrong way round (ts_min after ts_max)" in text
    assert "Between: " in text

    text = show(window, qtbot, EntityRef("event", 3), "Event 3 —")
    assert "looks like seconds" in text
    assert "left off the timeline" in text
    assert "Between (from the precision)" not in text
