"""Evidence inspector: every field of the selected record, its exhibit and the exhibit's hash.

The app formats the values (times in both zones, amounts with currency) and passes an
:class:`InspectorRecord`; the inspector only lays them out. Values are evidence, so they are
hostile until shown otherwise: short ones go in plain-text labels, long or multi-line ones in a
read-only ``QPlainTextEdit`` (which never parses markup), and invisible characters are spelled
out by :func:`widgets.plain_text.visible`. What the user *copies* is the exact original string,
never the rendering with ``⟨U+202E⟩`` markers or a cut-off tail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QGuiApplication, QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets.fonts import monospace_font
from widgets.plain_text import plain_label, set_plain, tooltip_text, visible

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

NOTHING_SELECTED = "Nothing selected"
#: Values longer than this, with a line break, or with an unbreakable run longer than
#: ``_LONG_WORD`` (a URL, a hash) get a read-only text box that wraps anywhere and scrolls.
_LONG = 160
_LONG_WORD = 40
#: A text box shows this much of a value (the copy is always whole).
_BOX_LIMIT = 200_000
_BOX_MAX_LINES = 12
_REF_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class InspectorRecord:
    """One record as the app formatted it; every string is shown as plain text."""

    heading: str
    fields: Sequence[tuple[str, str]]
    exhibit_label: str | None
    exhibit_sha256: str | None
    exhibit_kind: str | None = None
    warnings: Sequence[str] = ()


def _monospace() -> QFont:
    return monospace_font()


def _needs_box(value: str) -> bool:
    """Whether a value is too long or too unbreakable for a word-wrapping label."""
    if len(value) > _LONG or "\n" in value:
        return True
    return any(len(word) > _LONG_WORD for word in value.split())


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class _FieldRow:
    """One caption and value of the form, kept and refilled as the selection changes.

    Building a row's widgets for every record, and deleting them for the next, was a third
    of a selection's cost (~9 ms of 27 at 10⁶ events); refilling them is cheap. The value
    shows in a word-wrapping label, or in a read-only text box when it is long (see
    :func:`_needs_box`); the other one is hidden.
    """

    def __init__(self, on_menu: Callable[[QWidget, QPoint, str], None]) -> None:
        self.value = ""
        self.caption = plain_label()
        self.label = _selectable(plain_label())
        self.box = QPlainTextEdit()
        self.box.setReadOnly(True)
        self.box.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.value_host = QWidget()
        stack = QVBoxLayout(self.value_host)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.addWidget(self.label)
        stack.addWidget(self.box)
        for widget in (self.label, self.box):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda pos, w=widget: on_menu(w, pos, self.value)
            )

    def show(self, label: str, value: str, width: int) -> str:
        """Fill the row; returns the value as displayed.

        ``width`` is what the form gives values (0 if not known yet). A value that fits in
        it goes in a label that does not wrap: a wrapping label's height-for-width layout
        cost ~1 ms per field on every selection, and most values (times, names, amounts)
        are one short line.
        """
        self.value = value
        set_plain(self.caption, label)
        self.caption.setToolTip(tooltip_text(label))
        boxed = _needs_box(value)
        if boxed:
            shown = visible(value, limit=_BOX_LIMIT)
            self.box.setPlainText(shown)
            # Lines as wrapped at the box's width (60 characters before the first layout)
            per_line = max(20, (width - 24) // max(self.box.fontMetrics().averageCharWidth(),
                                                   1)) if width > 0 else 60
            wrapped = sum(-(-max(len(line), 1) // per_line)
                          for line in shown[:20_000].split("\n"))
            lines = min(_BOX_MAX_LINES, wrapped)
            self.box.setFixedHeight(self.box.fontMetrics().lineSpacing() * max(lines, 2) + 12)
            self.label.clear()
        else:
            shown = visible(value)
            set_plain(self.label, value)
            self.box.clear()
            self.fit(width)
        self.label.setVisible(not boxed)
        self.box.setVisible(boxed)
        return shown

    def fit(self, width: int) -> None:
        """Wrap the label only if its text is wider than ``width`` (or the width is unknown)."""
        fits = 0 < self.label.fontMetrics().horizontalAdvance(self.label.text()) < width
        self.label.setWordWrap(not fits)  # (Qt returns early when nothing changes)
        # An unwrapped label must not widen the panel (its text fits anyway); a wrapped one
        # needs its preferred width to get its height for that width.
        policy = QSizePolicy.Policy.Ignored if fits else QSizePolicy.Policy.Preferred
        self.label.setSizePolicy(policy, QSizePolicy.Policy.Preferred)


class InspectorView(QWidget):
    """Heading, warnings, fields, exhibit (label, kind, SHA-256) and links to related records.

    Signals
    -------
    sig_ref_requested(str, int)
        The user activated a link: record kind (``"actor"``, ``"exhibit"``…) and id.
    """

    sig_ref_requested = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._record: InspectorRecord | None = None
        self._shown: list[str] = []  # what text() returns, in screen order

        self._heading = _selectable(plain_label())
        font = QFont(self._heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self._heading.setFont(font)
        self._copy_action = QAction("Copy", self)
        self._copy_action.setToolTip("Copy every field exactly as recorded (original text)")
        self._copy_action.triggered.connect(self._on_copy_triggered)
        self._copy_button = QToolButton()
        self._copy_button.setDefaultAction(self._copy_action)
        top = QHBoxLayout()
        top.addWidget(self._heading, 1)
        top.addWidget(self._copy_button, 0, Qt.AlignmentFlag.AlignTop)

        self._warnings = _selectable(plain_label())
        self._warnings.setStyleSheet("color: #9a5b00;")

        self._form_host = QWidget()
        self._rows: list[_FieldRow] = []  # reused from record to record: no widget churn
        self._used_rows = 0  # rows filled for the record shown
        self._visible_rows = 0  # rows the form shows: the first ones
        self._form = QFormLayout(self._form_host)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self._exhibit_box = QFrame()
        self._exhibit_box.setFrameShape(QFrame.Shape.StyledPanel)
        exhibit_form = QFormLayout(self._exhibit_box)
        self._exhibit_label = _selectable(plain_label())
        self._exhibit_kind = _selectable(plain_label())
        self._sha = _selectable(plain_label())
        self._sha.setObjectName("exhibitSha256")
        self._sha.setFont(_monospace())
        self._sha.setWordWrap(False)  # a hash must not break; clipped, never widening the panel
        self._sha.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._sha.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._sha.customContextMenuRequested.connect(self._on_sha_menu_requested)
        exhibit_form.addRow(plain_label("Exhibit"), self._exhibit_label)
        exhibit_form.addRow(plain_label("Kind"), self._exhibit_kind)
        exhibit_form.addRow(plain_label("SHA-256"))
        exhibit_form.addRow(self._sha)  # its own full-width row: 64 hex digits are wide

        self._links_caption = plain_label("Related")
        self._links = QListWidget()
        self._links.setObjectName("inspectorLinks")
        self._links.itemActivated.connect(self._on_links_activated)  # Enter / double-click
        single_click = QStyle.StyleHint.SH_ItemView_ActivateItemOnSingleClick
        if not self._links.style().styleHint(single_click, None, self._links):
            self._links.itemClicked.connect(self._on_links_activated)  # a link takes one click

        body = QWidget()
        column = QVBoxLayout(body)
        column.addLayout(top)
        column.addWidget(self._warnings)
        column.addWidget(self._form_host)
        column.addWidget(self._exhibit_box)
        column.addWidget(self._links_caption)
        column.addWidget(self._links)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.show_record(None)

    # -- called by the controller; never emits -------------------------------------------
    def show_record(
        self, record: InspectorRecord | None, links: Sequence[tuple[str, str, int]] = ()
    ) -> None:
        """Show ``record`` and links ``(caption, kind, id)``; ``None`` shows "Nothing selected"."""
        if record is None:
            self._show_message(NOTHING_SELECTED)
            return
        self._record = record
        self._clear_fields()
        self._shown = [visible(record.heading)]
        set_plain(self._heading, record.heading)
        self._copy_action.setEnabled(True)
        warning_text = "\n".join(f"⚠ {w}" for w in record.warnings)
        set_plain(self._warnings, warning_text)
        self._warnings.setVisible(bool(record.warnings))
        if record.warnings:
            self._shown.append(visible(warning_text))
        for label, value in record.fields:
            self._add_field(label, value)
        self._hide_unused()
        self._form_host.setVisible(bool(record.fields))
        self._show_exhibit(record)
        self._show_links(links)

    def show_many(self, count: int) -> None:
        """Several records are selected: the inspector shows one at a time, so say how many."""
        noun = "event" if count == 1 else "events"
        self._show_message(f"{count:,} {noun} selected")

    def text(self) -> str:
        """Everything shown, as displayed (hidden characters spelled out), one item a line."""
        return "\n".join(self._shown)

    def copy_text(self) -> str:
        """The record as the exact original strings: what "Copy" puts on the clipboard."""
        record = self._record
        if record is None:
            return self._heading.text()
        lines = [record.heading]
        lines += [f"Warning: {w}" for w in record.warnings]
        lines += [f"{label}: {value}" for label, value in record.fields]
        if record.exhibit_label is not None:
            lines.append(f"Exhibit: {record.exhibit_label}")
        if record.exhibit_kind is not None:
            lines.append(f"Exhibit kind: {record.exhibit_kind}")
        if record.exhibit_sha256 is not None:
            lines.append(f"SHA-256: {record.exhibit_sha256}")
        return "\n".join(lines)

    # -- building the form -------------------------------------------------------------------
    def _show_message(self, message: str) -> None:
        self._record = None
        self._clear_fields()
        self._hide_unused()
        set_plain(self._heading, message)
        self._shown = [message]
        self._copy_action.setEnabled(False)
        for widget in (self._warnings, self._form_host, self._exhibit_box):
            widget.hide()
        self._show_links(())

    def _clear_fields(self) -> None:
        self._used_rows = 0  # rows beyond the new record's fields are hidden by _hide_unused

    def _add_field(self, label: str, value: str) -> None:
        if self._used_rows == len(self._rows):
            row = _FieldRow(self._on_field_menu_requested)
            self._rows.append(row)
            self._form.addRow(row.caption, row.value_host)
            self._visible_rows += 1
        shown = self._rows[self._used_rows].show(label, value, self._value_width())
        self._used_rows += 1
        self._shown.append(f"{visible(label)}: {shown}")

    def _value_width(self) -> int:
        """Width the form gave values at its last layout (0 before the first)."""
        if self._rows and self._visible_rows:
            return self._rows[0].value_host.width()
        return 0

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Values that fitted may not fit any more (or the other way): refit after layout."""
        super().resizeEvent(event)
        QTimer.singleShot(0, self._refit)

    def _refit(self) -> None:
        width = self._value_width()
        for row in self._rows[: self._used_rows]:
            if row.label.isVisibleTo(self):
                row.fit(width)

    def _hide_unused(self) -> None:
        """Show exactly the rows in use, touching only rows that change (~0.2 ms each)."""
        for i in range(self._used_rows, self._visible_rows):
            self._form.setRowVisible(i, False)
        for i in range(self._visible_rows, self._used_rows):
            self._form.setRowVisible(i, True)
        self._visible_rows = self._used_rows

    def _show_exhibit(self, record: InspectorRecord) -> None:
        has_exhibit = any(
            v is not None
            for v in (record.exhibit_label, record.exhibit_kind, record.exhibit_sha256)
        )
        self._exhibit_box.setVisible(has_exhibit)
        if not has_exhibit:
            return
        exhibit = record.exhibit_label or "—"
        kind = record.exhibit_kind or "—"
        sha = record.exhibit_sha256 or "no hash recorded"
        set_plain(self._exhibit_label, exhibit)
        set_plain(self._exhibit_kind, kind)
        set_plain(self._sha, sha)
        self._sha.setToolTip(tooltip_text(sha))
        self._shown += [
            f"Exhibit: {visible(exhibit)}",
            f"Kind: {visible(kind)}",
            f"SHA-256: {visible(sha)}",
        ]

    def _show_links(self, links: Sequence[tuple[str, str, int]]) -> None:
        self._links.clear()
        links = [(c, k, r) for c, k, r in links if isinstance(r, int)]  # followable ones only
        for caption, kind, ref in links:
            item = QListWidgetItem(visible(caption, limit=200))  # list items are plain text
            item.setData(_REF_ROLE, (kind, int(ref)))
            item.setToolTip(tooltip_text(f"{caption}\n{kind} #{ref}"))
            self._links.addItem(item)
            self._shown.append(f"→ {visible(caption, limit=200)}")
        rows = min(len(links), 6)
        self._links.setFixedHeight(self._links.sizeHintForRow(0) * rows + 6 if rows else 0)
        self._links.setVisible(bool(links))
        self._links_caption.setVisible(bool(links))

    # -- user input ------------------------------------------------------------------------
    def _on_links_activated(self, item: QListWidgetItem) -> None:
        kind, ref = item.data(_REF_ROLE)
        self.sig_ref_requested.emit(kind, ref)

    def _on_copy_triggered(self) -> None:
        QGuiApplication.clipboard().setText(self.copy_text())

    def _on_sha_menu_requested(self, pos: QPoint) -> None:
        record = self._record
        if record is not None and record.exhibit_sha256:
            self._on_field_menu_requested(self._sha, pos, record.exhibit_sha256)

    def _on_field_menu_requested(self, widget: QWidget, pos: QPoint, value: str) -> None:
        menu = QMenu(widget)
        menu.addAction("Copy value (original)").triggered.connect(
            lambda: QGuiApplication.clipboard().setText(value)
        )
        menu.addAction("Copy all fields (original)").triggered.connect(self._on_copy_triggered)
        menu.popup(widget.mapToGlobal(pos))
