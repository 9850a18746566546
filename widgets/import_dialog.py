"""The options of File ▸ New Case from Files…: the files, the case to write, the zone, bad rows.

Plain data in and out (:class:`ImportChoice`); the app runs the import. File names are
shown as plain text (a file called ``<b>x</b>.csv`` is a file name, not markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.plain_text import plain_label, visible

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

TR_CONTEXT = "ImportDialog"
TIMELINE_FILTER = ("Timelines, spreadsheets and map layers (*.csv *.tsv *.tab *.xlsx "
                   "*.jsonl *.json *.ndjson *.geojson *.kml *.kmz *.gpx);;All files (*)")
PROFILE_FILTER = "Column-mapping profiles (*.json);;All files (*)"
SPREADSHEET_SUFFIXES = (".tsv", ".tab", ".xlsx", ".xlsm")
NO_ZONE = ""


def tr(text: str) -> str:
    return QCoreApplication.translate(TR_CONTEXT, text)


@dataclass(frozen=True)
class ImportChoice:
    """What the user asked for."""

    files: tuple[Path, ...]
    out: Path
    zone: str | None
    """The zone of times written without an offset; None: such times are refused."""
    skip_bad_rows: bool
    profile: Path | None = None
    """A column-mapping profile for the spreadsheets (every file but JSON lines)."""


class ImportDialog(QDialog):
    """Choose the case file, the zone of offset-less times and what to do with bad rows."""

    def __init__(self, files: Sequence[Path], zones: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New case from files"))
        self.setObjectName("importDialog")
        self._files = tuple(Path(f) for f in files)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(tr("Each file becomes an exhibit with its SHA-256; every "
                                        "event cites it and its line. The files are only "
                                        "read."), self))
        listing = QListWidget(self)
        for f in self._files:
            listing.addItem(visible(str(f), limit=300))  # item text is never rich text
        listing.setMaximumHeight(120)
        layout.addWidget(listing)
        form = QFormLayout()
        self.out_edit = QLineEdit(self)
        self.out_edit.setText(str(_default_out(self._files)))
        form.addRow(tr("New case file"), self._with_chooser(self.out_edit, self._browse))
        self.zone_box = QComboBox(self)
        self.zone_box.setEditable(False)
        self.zone_box.addItem(tr("None: refuse times written without an offset"), NO_ZONE)
        for zone in zones:
            self.zone_box.addItem(zone, zone)
        form.addRow(tr("Zone of times without an offset"), self.zone_box)
        self.profile_edit = QLineEdit(self)
        self.profile_edit.setPlaceholderText(tr("None: Timesketch and Plaso timelines"))
        if any(f.suffix.lower() in SPREADSHEET_SUFFIXES for f in self._files):
            self.profile_edit.setPlaceholderText(tr("Required for TSV and XLSX spreadsheets"))
        form.addRow(tr("Column-mapping profile"),
                    self._with_chooser(self.profile_edit, self._browse_profile))
        self.skip_box = QCheckBox(tr("Skip bad rows (each is recorded in the case's import "
                                     "log); otherwise stop at the first"), self)
        form.addRow("", self.skip_box)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Import"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _with_chooser(self, edit: QLineEdit, choose: Callable[[], None]) -> QHBoxLayout:
        """A path field with its Choose… button."""
        button = QPushButton(tr("Choose…"), self)
        button.clicked.connect(choose)
        row = QHBoxLayout()
        row.addWidget(edit)
        row.addWidget(button)
        return row

    def set_zone(self, zone: str | None) -> None:
        at = self.zone_box.findData(zone or NO_ZONE)
        if at >= 0:
            self.zone_box.setCurrentIndex(at)

    def choice(self) -> ImportChoice:
        zone = self.zone_box.currentData()
        profile = self.profile_edit.text().strip()
        return ImportChoice(self._files, Path(self.out_edit.text().strip()),
                            zone or None, self.skip_box.isChecked(),
                            Path(profile) if profile else None)

    def set_profile(self, path: Path | None) -> None:
        self.profile_edit.setText("" if path is None else str(path))

    def _browse_profile(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Column-mapping profile"),
                                              self.profile_edit.text(), PROFILE_FILTER)
        if path:
            self.profile_edit.setText(path)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("New case file"), self.out_edit.text(),
                                              "Filature case (*.filature)")
        if path:
            self.out_edit.setText(path if path.endswith(".filature") else path + ".filature")


def _default_out(files: Sequence[Path]) -> Path:
    if not files:
        return Path("imported.filature")
    first = files[0]
    candidate = first.with_name(f"{first.stem}.filature")
    n = 2
    while candidate.exists():
        candidate = first.with_name(f"{first.stem} ({n}).filature")
        n += 1
    return candidate
