"""File ▸ New Case from Files… in the window (issue #19): progress, cancel, bad rows, opening.

The dialogs are bypassed through ``ImportController.start`` (what the options dialog returns);
the options dialog itself is checked for what it hands back.
"""

from __future__ import annotations

from pathlib import Path

from app.state import EntityRef
from widgets.import_dialog import ImportChoice, ImportDialog

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "timesketch"


def test_an_imported_case_opens_with_its_fields_in_the_inspector(window, qtbot,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "new.filature"
    choice = ImportChoice((DATA / "sigma_events.jsonl", DATA / "e2e_evtx_part.csv"), out,
                          None, False)
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        assert window.importer.start(choice) is None
    assert out.exists()
    assert window.session.target == str(out)
    assert window.evidence.events is not None and len(window.evidence.events) == 18
    window.select(EntityRef("event", 1))
    qtbot.waitUntil(lambda: "Imported from" in window.inspector.text(), timeout=10_000)
    text = window.inspector.text()
    assert "sigma_events.jsonl" in text and "timestamp = 123456789" in text
    assert "different instants" in text  # the time caveat, as a warning


def test_bad_rows_stop_the_import_and_offer_to_skip(window, qtbot, tmp_path: Path) -> None:
    out = tmp_path / "bad.filature"
    choice = ImportChoice((DATA / "invalid_datetime.csv",), out, "UTC", False)
    window.importer.start(choice)
    qtbot.waitUntil(lambda: not window.importer.running, timeout=10_000)
    assert not out.exists()
    assert "line 5" in window.importer.last_error
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        window.importer.start(ImportChoice(choice.files, out, "UTC", True))
    assert len(window.evidence.events) == 3
    # the Case dock lists the file and the row it skipped, with the reason
    shown = window.overview_view.imports_text()
    assert "invalid_datetime.csv | timesketch_csv | 3 | 1 | UTC" in shown
    assert "Import log: 1 rows skipped, 3 imported with a caveat" in shown
    assert "invalid_datetime.csv | 5 | skipped | datetime '1234 19:01:01'" in shown


def test_the_open_case_is_never_the_target(window, qtbot, tmp_path: Path) -> None:
    out = tmp_path / "first.filature"
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        window.importer.start(ImportChoice((DATA / "sigma_events.csv",), out, None, False))
    before = out.read_bytes()
    reason = window.importer.start(ImportChoice((DATA / "sigma_events.jsonl",), out, None,
                                                False), overwrite=True)
    assert reason and "open for viewing is never written" in reason
    assert out.read_bytes() == before


def test_cancel_leaves_no_file(window, qtbot, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("message,datetime,timestamp_desc\n")
        for i in range(300_000):
            f.write(f"row {i},2024-01-01T00:00:{i % 60:02d}+00:00,Write time\n")
    out = tmp_path / "big.filature"
    window.importer.start(ImportChoice((big,), out, None, False))
    assert window.importer.running
    window.importer.cancel()
    assert not window.importer.running
    window.importer._runner.wait_done(30_000)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


def test_the_options_dialog_hands_back_the_choice(qtbot, tmp_path: Path) -> None:
    files = [tmp_path / "<b>x</b>.csv"]
    dialog = ImportDialog(files, ["UTC", "Europe/Paris"])
    qtbot.addWidget(dialog)
    assert dialog.choice().zone is None  # no zone unless one is chosen
    dialog.set_zone("Europe/Paris")
    dialog.skip_box.setChecked(True)
    choice = dialog.choice()
    assert choice.zone == "Europe/Paris" and choice.skip_bad_rows
    assert choice.out == tmp_path / "<b>x</b>.filature"
    assert choice.files == tuple(files)


LISTINGS = DATA.parent / "listings" / "dream_market_cocaine_listings_2017.csv"
LISTINGS_PROFILE = Path(__file__).resolve().parents[1] / "docs" / "profiles" / \
    "dream-market-listings.json"


def test_imported_listings_fill_the_cards_and_the_map(window, qtbot, tmp_path: Path) -> None:
    out = tmp_path / "listings.filature"
    choice = ImportChoice((LISTINGS,), out, None, False, LISTINGS_PROFILE)
    with qtbot.waitSignal(window.sig_ready, timeout=60_000):
        assert window.importer.start(choice) is None
    qtbot.waitUntil(lambda: len(window.gallery.shown_ids()) == 180, timeout=20_000)
    window.select(EntityRef("actor", 1))
    qtbot.waitUntil(lambda: window.card.shown_actor() == 1, timeout=10_000)
    assert "Mister-Molly" in window.card.text() and "Dream Market" in window.card.text()
    qtbot.waitUntil(lambda: window.map.ready, timeout=20_000)
    scene = window.map_view._scene
    placed = {name for name, x in zip(scene.place_names, scene.place_x.tolist(), strict=True)
              if x == x}  # not NaN
    assert {"NL", "DE", "GB", "FR", "US"} <= placed  # countries drawn where the map names them
    assert not {"European Union", "Worldwide"} & placed  # not countries: never invented
    window.select(EntityRef("place", 1))
    qtbot.waitUntil(lambda: "Map position" in window.inspector.text(), timeout=10_000)
    assert "a country (NL)" in window.inspector.text()


def test_the_dialog_hands_back_a_profile(qtbot, tmp_path: Path) -> None:
    dialog = ImportDialog([tmp_path / "return.xlsx"], ["UTC"])
    qtbot.addWidget(dialog)
    assert dialog.choice().profile is None
    assert "Required" in dialog.profile_edit.placeholderText()
    dialog.set_profile(LISTINGS_PROFILE)
    assert dialog.choice().profile == LISTINGS_PROFILE


def test_files_are_added_to_a_case_that_is_not_open(window, qtbot, tmp_path: Path) -> None:
    first = tmp_path / "first.filature"
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        window.importer.start(ImportChoice((DATA / "sigma_events.csv",), first, None, False))
    reason = window.importer.start(ImportChoice((DATA / "sigma_events.jsonl",), first, None,
                                                False), add=True)
    assert reason and "never written" in reason  # the case being viewed
    other = tmp_path / "other.filature"
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        window.importer.start(ImportChoice((DATA / "e2e_evtx_part.csv",), other, None, False))
    with qtbot.waitSignal(window.sig_ready, timeout=30_000):
        assert window.importer.start(ImportChoice((DATA / "sigma_events.csv",), first, None,
                                                  False), add=True) is None
    assert window.session.target == str(first)
    assert len(window.evidence.events) == 8


def test_a_place_selected_from_the_command_line_gets_the_maps_word(window, qtbot,
                                                                   tmp_path: Path) -> None:
    from app.deep_link import DeepLink
    from storage.importers.case_build import Source, build_case

    out = tmp_path / "listings.filature"
    build_case([Source(LISTINGS, profile=LISTINGS_PROFILE)], out)
    with qtbot.waitSignal(window.sig_ready, timeout=60_000):
        window.open_case(out, DeepLink(select=EntityRef("place", 1)))
    qtbot.waitUntil(lambda: "Map position" in window.inspector.text(), timeout=10_000)
