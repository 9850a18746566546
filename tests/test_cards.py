"""Seller cards: the gallery and the full card, their figures against SQL, linked both ways."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.state import EntityRef
from tests.factories import make_case
from tests.windows import open_and_wait
from widgets.cards.gallery import search_key

if TYPE_CHECKING:
    from pathlib import Path

    from app.main_window import MainWindow

EVENTS = 60
HOSTILE = '<img src="x"><a href="http://evil.example">Boss</a>\u202eLOOC'


@pytest.fixture
def case(tmp_path: Path) -> Path:
    path = make_case(tmp_path / "cards.filature", events=EVENTS)
    con = sqlite3.connect(path)
    con.execute("UPDATE actor SET display_name = ? WHERE id = 3", (HOSTILE,))
    con.commit()
    con.close()
    return path


def _sql(case: Path, query: str, *args: object) -> list[tuple]:
    con = sqlite3.connect(case)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def _open(window: MainWindow, qtbot, case: Path) -> None:
    open_and_wait(window, qtbot, case)
    qtbot.waitUntil(lambda: window.cards.ready, timeout=10_000)


def _select_actor(window: MainWindow, qtbot, actor: int) -> str:
    window.select(EntityRef("actor", actor))
    qtbot.waitUntil(lambda: window.card.shown_actor() == actor, timeout=10_000)
    return window.card.text()


def test_gallery_lists_every_actor_with_sql_figures(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    gallery = window.gallery
    ids = gallery.shown_ids()
    assert sorted(ids) == [r[0] for r in _sql(case, "SELECT id FROM actor ORDER BY id")]
    counts = dict(_sql(case, "SELECT actor_id, count(*) FROM event GROUP BY actor_id"))
    model = gallery.list_view().model()
    for row, actor in enumerate(ids):
        card = model.card(row)
        assert card.events == counts.get(actor, 0)
    # most active first
    assert [model.card(r).events for r in range(len(ids))] == sorted(counts.values(),
                                                                      reverse=True)


def test_search_finds_a_card_by_any_identifier_value(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    holders = {r[0] for r in _sql(
        case, "SELECT a.actor_id FROM attribution a JOIN identifier i ON i.id = a.identifier_id "
        "WHERE replace(i.value, ' ', '') LIKE '%+3370000%'")}
    window.gallery.set_query("+33 7 00")
    assert set(window.gallery.shown_ids()) == holders == {2, 4}
    window.gallery.set_query("chimiste_6")  # part of an account
    assert window.gallery.shown_ids() == [1]
    window.gallery.set_query("bc1qexample")  # a wallet attributed to nobody finds nobody
    assert window.gallery.shown_ids() == []
    window.gallery.set_query("")
    assert len(window.gallery.shown_ids()) == 4
    assert search_key("+33 6 39.12-00") == "+3363912" + "00"


def test_full_card_figures_equal_sql(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    text = _select_actor(window, qtbot, 1)
    assert "« Le Chimiste » (actor 1)" in text
    (n,) = _sql(case, "SELECT count(*) FROM event WHERE actor_id = 1")[0]
    assert f"Events: {n:,}" in text
    for kind, label in (("ad_posted", "Ads"), ("payment", "Payments"), ("message", "Messages")):
        (k,) = _sql(case, "SELECT count(*) FROM event WHERE actor_id = 1 AND kind = ?", kind)[0]
        assert f"{label} {k:,}" in text
    (sent,) = _sql(case, "SELECT count(*) FROM shipment WHERE sender_actor_id = 1")[0]
    assert f"Shipments sent {sent:,}" in text
    for currency, total in _sql(case, "SELECT currency, sum(amount) FROM event WHERE "
                                "actor_id = 1 AND kind = 'payment' GROUP BY currency"):
        assert f"{total:,.2f} {currency}" in text
    # identifiers with attribution, confidence, justification and exhibit
    assert "chimiste_69 (Snapchat) — uses, 90%" in text
    assert "Why: Same selfie in profile and in phone gallery" in text
    assert "Exhibit S-01" in text
    # associates both ways
    assert "Supplier NL (supplier of this actor), 70%" in text
    assert "Courier K. (works for this actor), 90%" in text


def test_shared_and_third_party_identifier_flagged_on_both_cards(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    courier = _select_actor(window, qtbot, 2)
    assert "⚠ +33 7 00 00 00 01" in courier
    assert "also used by Supplier NL" in courier
    assert "registered to a third party" in courier
    supplier = _select_actor(window, qtbot, 4)
    assert "also used by Courier K." in supplier
    cards = {window.gallery.list_view().model().card(r).actor_id:
             window.gallery.list_view().model().card(r)
             for r in range(len(window.gallery.shown_ids()))}
    assert "shared identifier" in cards[2].flags and "shared identifier" in cards[4].flags
    assert "shared identifier" not in cards[3].flags


def test_click_through_both_ways(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    view = window.gallery.list_view()
    row = window.gallery.shown_ids().index(2)
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.selection() == frozenset({EntityRef("actor", 2)})
    ids = {r[0] for r in _sql(case, "SELECT id FROM event WHERE actor_id = 2")}
    qtbot.waitUntil(lambda: {int(i) for i in window.table.selected_ids()} == ids,
                    timeout=10_000)
    qtbot.waitUntil(lambda: window.card.shown_actor() == 2, timeout=10_000)
    # an event elsewhere brings its actor's card forward
    (event_id,) = _sql(case, "SELECT min(id) FROM event WHERE actor_id = 3")[0]
    window.select(EntityRef("event", event_id))
    qtbot.waitUntil(lambda: window.card.shown_actor() == 3, timeout=10_000)
    current = view.currentIndex()
    assert view.model().card(current.row()).actor_id == 3
    # an identifier brings the card of the actor it is attributed to
    window.select(EntityRef("identifier", 1))
    qtbot.waitUntil(lambda: window.card.shown_actor() == 1, timeout=10_000)
    # a card's item leads to its record: an associate's card, an exhibit
    tree = window.card.tree()
    target = next(tree.topLevelItem(g).child(c) for g in range(tree.topLevelItemCount())
                  for c in range(tree.topLevelItem(g).childCount())
                  if "Supplier NL" in tree.topLevelItem(g).child(c).text(0))
    tree.itemActivated.emit(target, 0)
    assert window.selection() == frozenset({EntityRef("actor", 4)})


def test_hostile_pseudonym_shown_literally(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    model = window.gallery.list_view().model()
    row = window.gallery.shown_ids().index(3)
    shown = model.data(model.index(row, 0), Qt.ItemDataRole.DisplayRole)
    assert '<img src="x">' in shown and "⟨U+202E⟩" in shown
    tip = model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;img" in tip or "<img" not in tip  # a tooltip is escaped, never markup
    text = _select_actor(window, qtbot, 3)
    assert '<img src="x"><a href="http://evil.example">Boss</a>⟨U+202E⟩LOOC' in text


def test_weeks_and_last_seen_from_memory(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    model = window.gallery.list_view().model()
    figures = window.cards._figures
    for actor, last in _sql(case, "SELECT actor_id, max(ts) FROM event GROUP BY actor_id"):
        i = figures.index(actor)
        assert int(figures.last[i]) == last
        row = window.gallery.shown_ids().index(actor)
        assert int(np.sum(model.card(row).weeks)) <= model.card(row).events


def test_link_chart_is_the_same_picture_every_run(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    with qtbot.waitSignal(window.cards.sig_chart_shown, timeout=10_000):
        window.select(EntityRef("actor", 1))
    chart = window.link_chart
    first = chart.node_positions()
    # 1's relations: supplier 4 and courier 2 (1 hop), and whoever they link to (2 hops)
    assert {1, 2, 4} <= set(chart.node_ids())
    window.select(EntityRef("actor", 3))
    qtbot.waitUntil(lambda: window.card.shown_actor() == 3, timeout=10_000)
    with qtbot.waitSignal(window.cards.sig_chart_shown, timeout=10_000):
        window.select(EntityRef("actor", 1))
    assert chart.node_positions() == first
    # the same layout from scratch (another process would compute the same numbers)
    from app.controllers.link_chart import link_index, network

    cards = window.cards
    activity = dict(zip(cards._figures.ids.tolist(), cards._figures.events.tolist(),
                        strict=True))
    a = network(1, link_index(cards._directory, cards._relations, cards._shared, activity))
    b = network(1, link_index(cards._directory, cards._relations, dict(cards._shared),
                              cards._figures))
    assert [(n.actor_id, n.x, n.y) for n in a[0]] == [(n.actor_id, n.x, n.y) for n in b[0]]
    assert [(e.a, e.b, e.label) for e in a[1]] == [(e.a, e.b, e.label) for e in b[1]]


def test_click_on_a_chart_node_selects_that_actor(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    window.links_dock.raise_()
    with qtbot.waitSignal(window.cards.sig_chart_shown, timeout=10_000):
        window.select(EntityRef("actor", 1))
    chart = window.link_chart
    point = chart.node_point(4).toPoint()
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.selection() == frozenset({EntityRef("actor", 4)})


def test_chart_labels_and_tooltips_are_plain_text(window, qtbot, case) -> None:
    con = sqlite3.connect(case)
    con.execute("INSERT INTO relation(from_actor_id, to_actor_id, kind, confidence, "
                "justification) VALUES (3, 1, 'customer_of', 0.5, ?)", (HOSTILE,))
    con.commit()
    con.close()
    _open(window, qtbot, case)
    with qtbot.waitSignal(window.cards.sig_chart_shown, timeout=10_000):
        window.select(EntityRef("actor", 1))
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    labels = [item.text() for item in window.link_chart.scene().items()
              if isinstance(item, QGraphicsSimpleTextItem)]
    assert any(label.startswith('<img src="x">') for label in labels)
    tips = [item.toolTip() for item in window.link_chart.scene().items() if item.toolTip()]
    assert all("<img" not in tip for tip in tips)


def test_a_shipment_or_an_identifier_brings_its_actor_card(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    (sender,) = _sql(case, "SELECT sender_actor_id FROM shipment WHERE id = 1")[0]
    window.select(EntityRef("shipment", 1))
    qtbot.waitUntil(lambda: window.card.shown_actor() == sender, timeout=10_000)
    window.select(EntityRef("identifier", 2))
    qtbot.waitUntil(lambda: window.card.shown_actor() == 1, timeout=10_000)
    assert window.card_dock.isVisible()


def test_demo_case_cards_equal_sql(window, qtbot) -> None:
    """The demo's seller: every figure of their card against the case itself."""
    from app.demo import ensure_demo_case

    demo = ensure_demo_case()
    _open(window, qtbot, demo)
    (seller,) = _sql(demo, "SELECT id FROM actor WHERE role = 'seller' ORDER BY id LIMIT 1")[0]
    text = _select_actor(window, qtbot, seller)
    (n,) = _sql(demo, "SELECT count(*) FROM event WHERE actor_id = ?", seller)[0]
    assert f"Events: {n:,}" in text
    for kind, label in (("ad_posted", "Ads"), ("message", "Messages")):
        (k,) = _sql(demo, "SELECT count(*) FROM event WHERE actor_id = ? AND kind = ?",
                    seller, kind)[0]
        assert f"{label} {k:,}" in text
    values = [v for (v,) in _sql(demo, "SELECT i.value FROM attribution a JOIN identifier i "
                                 "ON i.id = a.identifier_id WHERE a.actor_id = ?", seller)]
    assert values and all(v[:20] in text for v in values)
    third = [v for (v,) in _sql(demo, "SELECT i.value FROM attribution a JOIN identifier i ON "
                                "i.id = a.identifier_id WHERE a.actor_id = ? AND "
                                "i.third_party = 1", seller)]
    for value in third:
        assert f"{value[:32]}: a third party's" in text
    model = window.gallery.list_view().model()
    counts = dict(_sql(demo, "SELECT actor_id, count(*) FROM event WHERE actor_id IS NOT NULL "
                       "GROUP BY actor_id"))
    for row in range(model.rowCount()):
        card = model.card(row)
        assert card.events == counts.get(card.actor_id, 0)


def test_selected_actor_lane_is_marked_when_lanes_are_by_actor(window, qtbot, case) -> None:
    _open(window, qtbot, case)
    window.timeline.sig_lane_mode_requested.emit("actor")
    qtbot.waitUntil(lambda: any(k.startswith("actor:") for k in window.timeline.lane_order()),
                    timeout=10_000)
    window.select(EntityRef("actor", 2))
    keys = [lane.key for lane in window.timeline.data.lanes]
    qtbot.waitUntil(lambda: window.timeline.lane_axis.marked() == {keys.index("actor:2")},
                    timeout=10_000)
    window.select(EntityRef("event", 1))
    assert window.timeline.lane_axis.marked() == frozenset()


def test_case_aggregates_equal_the_per_actor_reads(case) -> None:
    """What the background scan gives every card equals what one card reads alone."""
    from storage.case.opener import open_case
    from storage.reads.actors import (
        read_actor_aggregates,
        read_actor_detail,
        read_shipment_counts,
    )

    with open_case(case) as source:
        con = source.connect()
        try:
            counts = read_shipment_counts(con)
            aggregates = read_actor_aggregates(con)
            for (actor,) in _sql(case, "SELECT id FROM actor"):
                alone = read_actor_detail(con, actor)
                known = read_actor_detail(con, actor, aggregates)
                assert alone == known
                assert aggregates.shipments_of(actor) == counts.get(actor, (0, 0))
        finally:
            con.close()
    assert counts == {2: (1, 0), 3: (0, 1)}
    shared = {}
    for ident, actor in _sql(case, "SELECT DISTINCT identifier_id, actor_id FROM event WHERE "
                             "identifier_id IS NOT NULL AND actor_id IS NOT NULL"):
        shared.setdefault(ident, set()).add(actor)
    assert aggregates.shared_on_events == {i: tuple(sorted(a)) for i, a in shared.items()
                                           if len(a) > 1}


def test_a_card_behind_another_tab_is_built_when_its_tab_comes_forward(window, qtbot,
                                                                       case) -> None:
    """Every event selection picks its actor's card: behind the inspector it costs nothing."""
    _open(window, qtbot, case)
    event, actor = _sql(case, "SELECT id, actor_id FROM event WHERE actor_id IS NOT NULL "
                              "ORDER BY id LIMIT 1")[0]
    window.select(EntityRef("event", event))  # the inspector comes to the front
    qtbot.waitUntil(lambda: window.card.shown_actor() == actor, timeout=10_000)
    assert window.card._stale and window.card._tree.topLevelItemCount() == 0
    window.card_dock.raise_()
    qtbot.waitUntil(lambda: not window.card._stale, timeout=5_000)
    assert window.card._tree.topLevelItemCount() > 0
    assert window.card.text().startswith(_sql(case, "SELECT display_name FROM actor "
                                                    "WHERE id = ?", actor)[0][0])
