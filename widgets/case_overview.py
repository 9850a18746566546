"""Case overview: what the open case is, what it holds, and whether its hash is known.

Takes plain data through :meth:`CaseOverviewView.show_overview` (any object with the
attributes of :class:`OverviewLike`, e.g. ``storage.reads.overview.CaseOverview``) and never
queries anything itself. Every evidence string goes through :mod:`widgets.plain_text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.fonts import monospace_font
from widgets.labels import vocab_label
from widgets.plain_text import plain_label, set_plain, tooltip_text, visible
from widgets.timefmt import format_duration, format_instant

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

TR_CONTEXT = "CaseOverview"


def _tr(text: str) -> str:
    return QCoreApplication.translate(TR_CONTEXT, text)


SIDE_BY_SIDE_PX = 760
"""Narrower than this, the case facts and the contents tables stack."""

TABLE_NAMES = {  # source texts, translated where shown
    "event": QT_TRANSLATE_NOOP("CaseOverview", "Events"),
    "actor": QT_TRANSLATE_NOOP("CaseOverview", "Actors"),
    "identifier": QT_TRANSLATE_NOOP("CaseOverview", "Identifiers"),
    "attribution": QT_TRANSLATE_NOOP("CaseOverview", "Attributions"),
    "platform": QT_TRANSLATE_NOOP("CaseOverview", "Platforms"),
    "place": QT_TRANSLATE_NOOP("CaseOverview", "Places"),
    "shipment": QT_TRANSLATE_NOOP("CaseOverview", "Shipments"),
    "shipment_leg": QT_TRANSLATE_NOOP("CaseOverview", "Shipment legs"),
    "relation": QT_TRANSLATE_NOOP("CaseOverview", "Relations"),
    "exhibit": QT_TRANSLATE_NOOP("CaseOverview", "Exhibits"),
}


class ExhibitLike(Protocol):
    """What the overview reads of an exhibit."""

    label: str
    kind: str
    description: str | None
    acquired_at: int | None
    acquired_by: str | None
    sha256: str | None


class ImportedFileLike(Protocol):
    """What the overview reads of an imported file."""

    name: str
    format: str
    events: int
    skipped: int
    time_zone: str
    profile: str
    notes: str


class ImportLogLike(Protocol):
    file: str
    line: int
    outcome: str
    reason: str


class ImportsLike(Protocol):
    """The files a case was imported from and its import log (``storage.reads.imports``)."""

    files: Sequence[ImportedFileLike]
    log: Sequence[ImportLogLike]
    log_total: int
    skipped_total: int


class OverviewLike(Protocol):
    """What the overview reads of a case overview."""

    info: Mapping[str, str]
    time_zone: str
    first_ts: int | None
    last_ts: int | None
    counts: Mapping[str, int]
    kind_counts: Mapping[str, int]
    exhibits: Sequence[ExhibitLike]
    unplaced_events: int


def _readonly_table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[object]], numeric: set[int]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(visible(value, limit=500))  # table items are plain text
            if c in numeric:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class CaseOverviewView(QWidget):
    """Title block, facts, counts per table and per kind, and the exhibit register."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._banner = plain_label()
        self._banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._banner.setObjectName("classificationBanner")
        self._banner.setStyleSheet(
            "#classificationBanner { background: #7a1f1f; color: white; padding: 3px;"
            " font-weight: bold; letter-spacing: 1px; }"
        )
        self._title = plain_label()
        title_font = QFont(self._title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.6)
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._title.setWordWrap(True)
        self._description = plain_label()
        self._description.setWordWrap(True)

        self._facts: dict[str, QLabel] = {}
        facts_box = QGroupBox(_tr("Case"))
        form = QFormLayout(facts_box)
        for key, caption in (
            ("reference", _tr("Reference")),
            ("zone", _tr("Time zone")),
            ("span_local", _tr("Time span (case zone)")),
            ("span_utc", _tr("Time span (UTC)")),
            ("duration", _tr("Duration")),
            ("source", _tr("Source")),
            ("format", _tr("Case format")),
        ):
            label = plain_label()
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self._facts[key] = label
            form.addRow(caption, label)
        self._hash_label = plain_label(_tr("not computed"))
        self._hash_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._hash_label.setFont(monospace_font())
        # 64 hex digits must not break, nor widen the dock: clipped when narrow, whole in the
        # tooltip, in a selection and in the status bar.
        self._hash_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._hash_progress = QProgressBar()
        self._hash_progress.setRange(0, 1000)
        self._hash_progress.setTextVisible(False)
        self._hash_progress.setMaximumHeight(8)
        self._hash_progress.hide()
        hash_row = QVBoxLayout()
        hash_row.setSpacing(2)
        hash_row.addWidget(self._hash_label)
        hash_row.addWidget(self._hash_progress)
        form.addRow(_tr("SHA-256"), hash_row)
        self._warnings = plain_label()
        self._open_warnings: tuple[str, ...] = ()
        self._warnings.setWordWrap(True)
        self._warnings.setStyleSheet("color: #9a5b00;")
        form.addRow("", self._warnings)

        self._counts = _readonly_table([_tr("Table"), _tr("Rows")])
        self._kinds = _readonly_table([_tr("Event kind"), _tr("Events")])
        counts_box = QGroupBox(_tr("Contents"))
        self._contents = QBoxLayout(QBoxLayout.Direction.LeftToRight, counts_box)
        self._contents.addWidget(self._counts)
        self._contents.addWidget(self._kinds)

        self._exhibits = _readonly_table(
            [_tr("Exhibit"), _tr("Kind"), _tr("Acquired"), _tr("By"), _tr("SHA-256"),
             _tr("Description")])
        exhibits_box = QGroupBox(_tr("Exhibits"))
        QVBoxLayout(exhibits_box).addWidget(self._exhibits)

        # What main.py import wrote: each file, and the rows it left out (and why).
        self._imports = _readonly_table(
            [_tr("File"), _tr("Format"), _tr("Events"), _tr("Rows skipped"), _tr("Time zone"),
             _tr("Profile"), _tr("Notes")])
        self._import_log = _readonly_table(
            [_tr("File"), _tr("Line"), _tr("Outcome"), _tr("Reason")])
        self._import_log_note = plain_label()
        self._imports_box = QGroupBox(_tr("Imports"))
        imports_layout = QVBoxLayout(self._imports_box)
        imports_layout.addWidget(self._imports)
        imports_layout.addWidget(self._import_log_note)
        imports_layout.addWidget(self._import_log)
        self._imports_box.hide()

        top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        top.addWidget(facts_box, 3)
        top.addWidget(counts_box, 2)
        self._top = top
        layout = QVBoxLayout(self)
        layout.addWidget(self._banner)
        layout.addWidget(self._title)
        layout.addWidget(self._description)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        layout.addLayout(top, 3)
        layout.addWidget(exhibits_box, 2)
        layout.addWidget(self._imports_box, 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side when there is room; stacked in a narrow dock (scrolls down, not across).

        Applies to the case facts and the contents, and to the two contents tables.
        """
        super().resizeEvent(event)
        wide = event.size().width() >= SIDE_BY_SIDE_PX
        direction = (QBoxLayout.Direction.LeftToRight if wide
                     else QBoxLayout.Direction.TopToBottom)
        self._top.setDirection(direction)
        self._contents.setDirection(direction)
        self._top.setStretch(0, 3 if wide else 0)  # stacked, the facts take only their height
        self._top.setStretch(1, 2 if wide else 1)

    # -- called by the controller; never emits -------------------------------------------
    def show_overview(
        self, overview: OverviewLike, *, source: str, warnings: Sequence[str] = ()
    ) -> None:
        """Display ``overview`` of the case opened from ``source``."""
        info = overview.info
        zone = overview.time_zone
        classification = info.get("classification", "")
        set_plain(self._banner, classification)
        self._banner.setVisible(bool(classification))
        set_plain(self._title, info.get("title") or _tr("Untitled case"))
        set_plain(self._description, info.get("description", ""))
        self._description.setVisible(bool(info.get("description")))
        set_plain(self._facts["reference"], info.get("reference") or "—")
        set_plain(self._facts["zone"], zone)
        first, last = overview.first_ts, overview.last_ts
        if first is None or last is None:
            span_local = span_utc = _tr("no events")
            duration = "—"
        else:
            span_local = f"{format_instant(first, zone)}  →  {format_instant(last, zone)}"
            span_utc = f"{format_instant(first, 'UTC')}  →  {format_instant(last, 'UTC')}"
            duration = format_duration(last - first)
        set_plain(self._facts["span_local"], span_local)
        set_plain(self._facts["span_utc"], span_utc)
        set_plain(self._facts["duration"], duration)
        set_plain(self._facts["source"], source)
        set_plain(self._facts["format"], info.get("format_version", "?"))
        unplaced = overview.unplaced_events
        if unplaced:
            text = (_tr("1 event has no time or an implausible one (time not set): listed in "
                        "the table, left off the timeline") if unplaced == 1
                    else _tr("{n} events have no time or an implausible one (time not set): "
                             "listed in the table, left off the timeline").format(
                                 n=f"{unplaced:,}"))
            warnings = [*warnings, text]
        self._open_warnings = tuple(warnings)
        self.show_value_issues(())

        count_rows = [
            (_tr(TABLE_NAMES[name]), f"{n:,}")
            for name, n in overview.counts.items()
            if name in TABLE_NAMES
        ]
        _fill(self._counts, count_rows, numeric={1})
        kind_rows = [(vocab_label(kind), f"{n:,}") for kind, n in overview.kind_counts.items()]
        _fill(self._kinds, kind_rows, numeric={1})
        exhibit_rows = [
            (
                ex.label,
                vocab_label(ex.kind) if isinstance(ex.kind, str) else ex.kind,
                format_instant(ex.acquired_at, zone),
                ex.acquired_by or "",
                ex.sha256 or "",
                ex.description or "",
            )
            for ex in overview.exhibits
        ]
        _fill(self._exhibits, exhibit_rows, numeric=set())
        self._show_imports(getattr(overview, "imports", None))

    def _show_imports(self, imports: ImportsLike | None) -> None:
        files = tuple(imports.files) if imports is not None else ()
        self._imports_box.setVisible(bool(files))
        if imports is None or not files:
            return
        _fill(self._imports, [(f.name, f.format, f"{f.events:,}", f"{f.skipped:,}",
                               f.time_zone, f.profile, f.notes.replace("\n", " · "))
                              for f in files], numeric={2, 3})
        log = tuple(imports.log)
        self._import_log.setVisible(bool(log))
        total, skipped = imports.log_total, imports.skipped_total
        shown = _tr("Import log: {skipped} rows skipped, {noted} imported with a caveat").format(
            skipped=f"{skipped:,}", noted=f"{total - skipped:,}")
        if len(log) < total:
            shown += " " + _tr("(the first {n} shown)").format(n=f"{len(log):,}")
        set_plain(self._import_log_note, shown if log else _tr("Import log: nothing skipped"))
        _fill(self._import_log, [(x.file, f"{x.line:,}", x.outcome, x.reason) for x in log],
              numeric={1})

    def imports_text(self) -> str:
        """The imports as shown, one line per file (tests, screen readers)."""
        lines = []
        for r in range(self._imports.rowCount()):
            cells = [self._imports.item(r, c) for c in range(self._imports.columnCount())]
            lines.append(" | ".join(c.text() if c is not None else "" for c in cells))
        lines.append(self._import_log_note.text())
        for r in range(self._import_log.rowCount()):
            cells = [self._import_log.item(r, c) for c in range(self._import_log.columnCount())]
            lines.append(" | ".join(c.text() if c is not None else "" for c in cells))
        return "\n".join(lines)

    def show_value_issues(self, lines: Sequence[str]) -> None:
        """Add the value checks' findings (they come after the overview) to its warnings."""
        shown = [*self._open_warnings, *lines]
        set_plain(self._warnings, "\n".join(f"⚠ {w}" for w in shown))
        self._warnings.setVisible(bool(shown))

    def warnings_text(self) -> str:
        """The warnings as shown (for tests)."""
        return self._warnings.text()

    def show_hash_progress(self, fraction: float) -> None:
        """The case file's SHA-256 is being computed (``fraction`` 0..1)."""
        set_plain(self._hash_label, _tr("computing… {percent}").format(percent=f"{fraction:.0%}"))
        self._hash_progress.show()
        self._hash_progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def show_hash(self, text: str) -> None:
        """Final state of the hash: the hex digest, or why there is none."""
        self._hash_progress.hide()
        set_plain(self._hash_label, text)
        self._hash_label.setToolTip(tooltip_text(text))

    def hash_text(self) -> str:
        """What the hash field shows (for tests and the status bar)."""
        return self._hash_label.text()
