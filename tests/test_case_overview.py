"""The case overview fits a narrow dock: it stacks and scrolls down instead of across."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QBoxLayout, QGroupBox, QLabel, QTableWidget

from widgets.case_overview import SIDE_BY_SIDE_PX, TR_CONTEXT, CaseOverviewView

SHA = "ca756c2687e68d74087d63a434576f0ed9b0c0ffee0123456789abcdef012345"


@dataclass
class Exhibit:
    label: str = "Scellé 01"
    kind: str = "phone_extraction"
    description: str | None = None
    acquired_at: int | None = 1_700_000_000_000_000
    acquired_by: str | None = "OPJ"
    sha256: str | None = SHA


@dataclass
class Overview:
    info: dict[str, str] = field(default_factory=lambda: {
        "title": "A case", "reference": "CYBER-2024-0417", "classification": "DEMO"})
    time_zone: str = "Europe/Paris"
    first_ts: int | None = 1_704_711_600_000_000
    last_ts: int | None = 1_733_997_600_000_000
    counts: dict[str, int] = field(default_factory=lambda: {"event": 2981, "exhibit": 27})
    kind_counts: dict[str, int] = field(default_factory=lambda: {"account_created": 12})
    exhibits: list[Exhibit] = field(default_factory=lambda: [Exhibit()])
    unplaced_events: int = 0


def test_narrow_dock_stacks_and_never_needs_more_width(qtbot) -> None:
    view = CaseOverviewView()
    qtbot.addWidget(view)
    view.show_overview(Overview(), source="/cases/a-rather-long-path/to/the/case.filature")
    view.show_hash(SHA)
    view.resize(420, 1000)
    view.show()
    qtbot.waitExposed(view)
    assert view._top.direction() == QBoxLayout.Direction.TopToBottom
    assert view.minimumSizeHint().width() <= 420  # the 64-digit hash does not widen it
    assert SHA in view._hash_label.toolTip()
    view.resize(SIDE_BY_SIDE_PX + 200, 800)
    qtbot.waitUntil(lambda: view._top.direction() == QBoxLayout.Direction.LeftToRight)


FRENCH = {"Contents": "Contenu", "Exhibits": "Scellés", "Events": "Événements",
          "Rows": "Lignes", "Time zone": "Fuseau horaire",
          "{n} events have no time or an implausible one (time not set): listed in the table, "
          "left off the timeline": "{n} événements sans heure plausible"}


class French(QTranslator):
    """Some of the overview's texts in French, without a ``.qm`` file."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        return FRENCH.get(source) if context == TR_CONTEXT else None

    def isEmpty(self) -> bool:
        return False


def test_the_overview_texts_are_translated(qtbot) -> None:
    translator = French()
    assert QCoreApplication.installTranslator(translator)
    try:
        view = CaseOverviewView()
        qtbot.addWidget(view)
        view.show_overview(Overview(unplaced_events=3), source="case.filature")
        titles = {box.title() for box in view.findChildren(QGroupBox)}
        assert {"Contenu", "Scellés"} <= titles
        tables = view.findChildren(QTableWidget)
        headers = {t.horizontalHeaderItem(c).text() for t in tables
                   for c in range(t.columnCount())}
        assert {"Lignes", "Événements"} <= headers
        cells = {t.item(r, 0).text() for t in tables for r in range(t.rowCount())
                 if t.item(r, 0) is not None}
        assert "Événements" in cells  # the "event" table's row in the contents
        labels = {w.text() for w in view.findChildren(QLabel)}
        assert "Fuseau horaire" in labels
        assert "3 événements sans heure plausible" in view.warnings_text()
    finally:
        QCoreApplication.removeTranslator(translator)
