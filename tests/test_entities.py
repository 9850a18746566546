"""One vocabulary of record kinds and one Filters type, shared by every layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from app.state import EntityRef as StateEntityRef
from app.state import Filters as StateFilters
from resources.entities import ENTITY_KINDS, EntityRef, Filters
from storage.case.opener import open_case
from storage.notes.store import REF_KINDS
from storage.reads.event_queries import record_exists
from tests.factories import make_case
from widgets.filter_bar import FilterChoice

if TYPE_CHECKING:
    from pathlib import Path


def test_every_layer_uses_the_same_classes() -> None:
    assert StateEntityRef is EntityRef
    assert StateFilters is Filters is FilterChoice


def test_notes_can_be_about_every_kind_of_record() -> None:
    assert set(ENTITY_KINDS) | {"case"} == REF_KINDS
    assert "platform" in REF_KINDS


@pytest.mark.parametrize("kind", ENTITY_KINDS)
def test_every_kind_names_a_table_of_the_case(tmp_path: Path, kind: str) -> None:
    path = make_case(tmp_path / "k.filature", events=20)
    with open_case(path) as source:
        con = source.connect()
        try:
            assert record_exists(con, kind, 1)
            assert not record_exists(con, kind, 999_999)
        finally:
            con.close()


def test_parse_and_limits() -> None:
    assert EntityRef.parse("platform:2") == EntityRef("platform", 2)
    assert str(EntityRef("shipment", 12)) == "shipment:12"
    for bad in ("shipment", "ship:1", "event:x", "event:99999999999999999999999"):
        with pytest.raises(ValueError):
            EntityRef.parse(bad)
    assert EntityRef.events([3, 1, 3]) == {EntityRef("event", 1), EntityRef("event", 3)}
    assert len(EntityRef.events(range(50), limit=10)) == 10


def test_filters_active() -> None:
    assert not Filters().active
    assert not Filters(text="   ").active
    assert Filters(platforms=frozenset({2})).active
