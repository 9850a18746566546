"""Tags and notes: from the card, the table and the timeline; in the notes store, never the case."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from app.state import EntityRef, Filters
from storage.notes.store import NotesStore
from tests.factories import make_case
from tests.windows import open_and_wait

if TYPE_CHECKING:
    from pathlib import Path


def _case(tmp_path: Path) -> Path:
    return make_case(tmp_path / "notes.filature", events=40)


def _ids(case: Path, sql: str) -> set[int]:
    con = sqlite3.connect(case)
    try:
        return {r[0] for r in con.execute(sql)}
    finally:
        con.close()


def test_tags_and_notes_are_shown_and_filter_the_views(window, qtbot, tmp_path) -> None:
    case = _case(tmp_path)
    before = hashlib.sha256(case.read_bytes()).hexdigest()
    open_and_wait(window, qtbot, case)
    notes = window.annotations
    assert notes.available
    assert notes.add_tag(EntityRef("event", 5), "suspect")
    assert notes.add_note(EntityRef("event", 5), "Same wording as the Telegram ad")
    assert notes.add_tag(EntityRef("actor", 2), "courier cell")
    window.select(EntityRef("event", 5))
    qtbot.waitUntil(lambda: "Your tags: suspect" in window.inspector.text(), timeout=10_000)
    assert "Your note: Same wording as the Telegram ad" in window.inspector.text()
    # the filter bar lists the tags and filters by them
    assert window.filter_bar._tags.isVisibleTo(window.filter_bar)
    window.state.set_filters(Filters(tags=frozenset({"suspect"})))
    qtbot.waitUntil(lambda: window.table.model().rowCount() == 1, timeout=10_000)
    window.state.set_filters(Filters(tags=frozenset({"courier cell"})))
    courier = _ids(case, "SELECT id FROM event WHERE actor_id = 2")
    qtbot.waitUntil(lambda: window.table.model().rowCount() == len(courier), timeout=10_000)
    shown = {window.table.model().id_at(r) for r in range(window.table.model().rowCount())}
    assert shown == courier
    # the card shows the actor's tags
    window.state.set_filters(Filters())
    window.select(EntityRef("actor", 2))
    qtbot.waitUntil(lambda: "Your tags: courier cell" in window.card.text(), timeout=10_000)
    # kept in the notes store, keyed by the case's hash; the case is untouched
    sha = window.session.case_sha256
    assert sha == before
    store = NotesStore()
    try:
        assert store.tags(sha, "event", 5) == ["suspect"]
        assert [n.text for n in store.notes(sha, "event", 5)] == [
            "Same wording as the Telegram ad"]
    finally:
        store.close()
    assert hashlib.sha256(case.read_bytes()).hexdigest() == before


def _trigger_first(owner, qtbot, text_part: str) -> None:
    menus = [m for m in owner.findChildren(QMenu) if m.isVisible()]
    assert menus, "no context menu"
    action = next(a for a in menus[-1].actions() if text_part in a.text())
    action.trigger()
    menus[-1].close()


def test_table_and_card_context_menus_ask_to_annotate(window, qtbot, tmp_path,
                                                       monkeypatch) -> None:
    import app.main_window as main_window

    monkeypatch.setattr(main_window.QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("from the table", True)))
    monkeypatch.setattr(main_window.QInputDialog, "getMultiLineText",
                        staticmethod(lambda *a, **k: ("a note from the card", True)))
    open_and_wait(window, qtbot, _case(tmp_path))
    table = window.table.table()
    rect = table.visualRect(window.table.model().index(3, 0))
    with qtbot.waitSignal(window.table.sig_annotate_requested) as blocker:
        window.table._on_table_menu_requested(rect.center())
        _trigger_first(table, qtbot, "Tag event")
    event_id = window.table.model().id_at(3)
    assert blocker.args == ["event", event_id, "tag"]
    assert window.annotations.tags(EntityRef("event", event_id)) == ["from the table"]
    window.select(EntityRef("actor", 1))
    qtbot.waitUntil(lambda: window.card.shown_actor() == 1, timeout=10_000)
    with qtbot.waitSignal(window.card.sig_annotate_requested) as blocker:
        window.card._annotate_menu(window.card, window.card.rect().center(), None)
        _trigger_first(window.card, qtbot, "Add a note")
    assert blocker.args == ["actor", 1, "note"]
    assert [n.text for n in window.annotations.notes(EntityRef("actor", 1))] == [
        "a note from the card"]
    qtbot.waitUntil(lambda: "Your note: a note from the card" in window.card.text(),
                    timeout=10_000)


def test_nothing_is_written_before_the_hash_is_known(qtbot, tmp_path) -> None:
    from app.controllers.annotations import WAITING, Annotations
    from app.session import CaseSession
    from app.workers import Runner

    session = CaseSession(Runner(inline=True))
    notes = Annotations(session)
    failed: list[str] = []
    notes.sig_failed.connect(failed.append)
    assert not notes.available
    assert not notes.add_tag(EntityRef("event", 1), "x")
    assert failed == [WAITING]
    assert notes.tags(EntityRef("event", 1)) == []


def test_right_click_on_a_timeline_event_offers_to_tag_it(window, qtbot, tmp_path,
                                                           monkeypatch) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication

    import app.main_window as main_window
    from tests.test_linked_views import timeline_point

    monkeypatch.setattr(main_window.QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("seen twice", True)))
    open_and_wait(window, qtbot, _case(tmp_path))
    view = window.timeline
    target = 7
    t = int(view.data.ts[list(view.data.ids).index(target)])
    view.show_range(t - 3_600_000_000, t + 3_600_000_000)
    point = timeline_point(view, target)
    viewport = view.plot.viewport()
    with qtbot.waitSignal(view.sig_annotate_requested) as blocker:
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                                  viewport.mapToGlobal(point))
        QApplication.sendEvent(viewport, event)
        _trigger_first(view, qtbot, "Tag event")
    assert blocker.args == ["event", target, "tag"]
    assert window.annotations.tags(EntityRef("event", target)) == ["seen twice"]
    # empty space: no menu
    empty = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(2, 2),
                              viewport.mapToGlobal(QPoint(2, 2)))
    assert not view._event_menu(empty)


def test_tags_show_on_table_rows_and_timeline_tooltips(window, qtbot, tmp_path) -> None:
    from widgets.event_table_model import COLUMN_KEYS

    case = _case(tmp_path)
    open_and_wait(window, qtbot, case)
    notes = window.annotations
    actor = min(_ids(case, "SELECT actor_id FROM event WHERE actor_id IS NOT NULL"))
    theirs = _ids(case, f"SELECT id FROM event WHERE actor_id = {actor}")
    mine = min(theirs)
    assert notes.add_tag(EntityRef("event", mine), "<b>key</b>")
    assert notes.add_note(EntityRef("event", mine), "seen twice")
    assert notes.add_tag(EntityRef("actor", actor), "head")
    model = window.table.model()
    column = COLUMN_KEYS.index("tags")

    def cell(event_id: int) -> str:
        row = model.row_of(event_id)
        assert row is not None
        return model.data(model.index(row, column))

    qtbot.waitUntil(lambda: cell(mine) != "", timeout=10_000)
    assert cell(mine) == "<b>key</b> · 1 note | actor: head"  # literal, never markup
    other = max(theirs)
    assert cell(other) == "actor: head"
    untagged = next(i for i in range(1, 41) if i not in theirs)
    assert cell(untagged) == ""
    # sorting by the tags column puts annotated rows first, the rest in time order
    model.sort(column)
    qtbot.waitUntil(lambda: model.id_at(0) == mine, timeout=10_000)
    # the timeline's tooltip line carries them too
    line = window.timeline.detail_provider(mine)
    assert "Tags: <b>key</b> · 1 note" in line
    assert "Actor's tags: head" in line


def test_a_tag_on_an_identifier_or_shipment_filters_their_events(window, qtbot,
                                                                  tmp_path) -> None:
    case = _case(tmp_path)
    open_and_wait(window, qtbot, case)
    ident = min(_ids(case, "SELECT identifier_id FROM event WHERE identifier_id IS NOT NULL"))
    ship = min(_ids(case, "SELECT shipment_id FROM event WHERE shipment_id IS NOT NULL"))
    expected = _ids(case, f"SELECT id FROM event WHERE identifier_id = {ident} "
                          f"OR shipment_id = {ship}")
    assert window.annotations.add_tag(EntityRef("identifier", ident), "line")
    assert window.annotations.add_tag(EntityRef("shipment", ship), "line")
    window.state.set_filters(Filters(tags=frozenset({"line"})))
    model = window.table.model()
    qtbot.waitUntil(lambda: model.rowCount() == len(expected), timeout=10_000)
    assert {model.id_at(r) for r in range(model.rowCount())} == expected


def test_the_gallery_and_card_show_tags_on_actors_and_identifiers(window, qtbot,
                                                                    tmp_path) -> None:
    case = _case(tmp_path)
    open_and_wait(window, qtbot, case)
    actor, ident = next(iter(sorted(
        (a, i) for a, i in _pairs(case, "SELECT actor_id, identifier_id FROM attribution"))))
    assert window.annotations.add_tag(EntityRef("actor", actor), "<i>boss</i>")
    assert window.annotations.add_tag(EntityRef("identifier", ident), "stolen line")
    qtbot.waitUntil(lambda: window.gallery.mark_of(actor) == "<i>boss</i>", timeout=10_000)
    window.select(EntityRef("actor", actor))
    qtbot.waitUntil(lambda: "Your tags: stolen line" in window.card.text(), timeout=10_000)
    assert "Your tags: <i>boss</i>" in window.card.text()


def _pairs(case: Path, sql: str) -> list[tuple[int, int]]:
    con = sqlite3.connect(case)
    try:
        return [(int(a), int(b)) for a, b in con.execute(sql)]
    finally:
        con.close()
