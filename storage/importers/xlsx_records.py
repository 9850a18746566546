"""Rows of an Excel workbook (``.xlsx``) as text records, streamed a chunk at a time.

Platforms answer requisitions with spreadsheets. A workbook is a zip of XML parts, so it is
untrusted in two more ways than a CSV: its zip can expand to far more than its size (a zip
bomb), and its XML could declare entities. Before openpyxl sees it, the zip's directory is
checked (total expanded size and ratio) and every part is refused if it declares a DTD
entity; then the sheet is streamed in openpyxl's read-only mode, so memory is one chunk of
rows whatever the sheet's size.

Cells become the text a CSV export of the sheet would hold: numbers as written without a
trailing ``.0`` for integers, ``TRUE``/``FALSE``, dates and times in ISO 8601
(``2024-07-03T14:05:00``, ``2024-07-03`` for a date cell) — a profile reads them with
``"format": "iso"`` or ``%Y-%m-%dT%H:%M:%S``. A record's line is its row number in the sheet.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.importers.csv_records import RecordChunk
from storage.importers.rows import BadRow, ImportRefused
from storage.importers.sources import unique_names

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from storage.importers.rows import ReadSummary

MAX_EXPANDED_BYTES = 4 << 30
"""A workbook whose parts expand to more than this is refused (the biggest platform returns
seen are a few hundred MB of XML)."""
MAX_RATIO = 200
"""…and one whose parts expand more than this many times their compressed size."""
MAX_CELL_CHARS = 1_000_000


class Workbook:
    """An opened sheet: its header (made unique) and its data rows, read once."""

    def __init__(self, path: Path, sheet: str | None, file: str) -> None:
        self.file = file
        _check_zip(path, file)
        try:
            import openpyxl  # here: only an .xlsx import pays for loading openpyxl

            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except ImportRefused:
            raise
        except Exception as exc:  # openpyxl raises anything on a broken workbook
            raise ImportRefused(file, f"not a readable Excel workbook: {exc}") from exc
        try:
            if sheet is None:
                ws = self._book.worksheets[0]
            elif sheet in self._book.sheetnames:
                ws = self._book[sheet]
            else:
                raise ImportRefused(file, f"no sheet named {sheet!r} (sheets: "
                                          f"{', '.join(self._book.sheetnames)})")
            self.sheet = ws.title
            self._rows = ws.iter_rows(values_only=True)
            self.header_line, header = self._header()
        except BaseException:
            self.close()
            raise
        self.names, self.notes = unique_names(header)

    def _header(self) -> tuple[int, list[str]]:
        for no, row in enumerate(self._rows, 1):
            cells = [cell_text(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                return no, cells
            if no >= 100:
                break
        raise ImportRefused(self.file, "no header row in the first 100 rows of the sheet")

    def records(self, chunk_rows: int, summary: ReadSummary) -> Iterator[RecordChunk]:
        k = len(self.names)
        line = self.header_line
        rows: list[list[str]] = []
        lines: list[int] = []
        bad: list[BadRow] = []
        try:
            for row in self._rows:
                line += 1
                cells = [cell_text(v) for v in row]
                while len(cells) > k and cells[-1] == "":
                    cells.pop()
                if not any(cells):
                    summary.blank_records += 1
                    continue
                if len(cells) > k:
                    bad.append(BadRow(self.file, line, f"a value beyond the header's {k} "
                                                       "columns"))
                    continue
                cells += [""] * (k - len(cells))
                rows.append(cells)
                lines.append(line)
                if len(rows) >= chunk_rows:
                    yield self._chunk(rows, lines, bad)
                    rows, lines, bad = [], [], []
        except ImportRefused:
            raise
        except Exception as exc:
            raise ImportRefused(self.file, f"the workbook is damaged after row {line}: "
                                           f"{exc}") from exc
        finally:
            self.close()
        if rows or bad:
            yield self._chunk(rows, lines, bad)

    def _chunk(self, rows: list[list[str]], lines: list[int], bad: list[BadRow]) -> RecordChunk:
        cols: dict[str, np.ndarray] = {}
        for j, name in enumerate(self.names):
            col = np.empty(len(rows), dtype=object)
            col[:] = [r[j] for r in rows]
            cols[name] = col
        return RecordChunk(cols, np.asarray(lines, dtype=np.int64), bad)

    def close(self) -> None:
        book = getattr(self, "_book", None)
        if book is not None:
            book.close()
            self._book = None


def cell_text(value: Any) -> str:
    """A cell as the text a CSV export would hold (see the module doc)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value if len(value) <= MAX_CELL_CHARS else value[:MAX_CELL_CHARS]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep="T")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _check_zip(path: Path, file: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            expanded = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if expanded > MAX_EXPANDED_BYTES or expanded > MAX_RATIO * max(packed, 1 << 16):
                raise ImportRefused(file, f"the workbook expands to {expanded:,} bytes from "
                                          f"{packed:,}: refused as a probable zip bomb")
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with z.open(info) as part:
                        head = part.read(1 << 16)
                    if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
                        raise ImportRefused(file, f"part {info.filename} declares a DTD: "
                                                  "refused (an Excel workbook never does)")
    except zipfile.BadZipFile as exc:
        raise ImportRefused(file, "not an Excel workbook (.xlsx is a zip file; an old .xls "
                                  "or a CSV renamed .xlsx is not): save it as .xlsx or CSV"
                            ) from exc
    except OSError as exc:
        raise ImportRefused(file, f"cannot read the workbook: {exc}") from exc
