"""Writing a table (headings and rows of plain values) as CSV or XLSX.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
a spreadsheet: a name typed as `=HYPERLINK(…)` by a caller would run when a manager
opens the file (CSV/formula injection). CSV text cells starting so are prefixed with an
apostrophe (OWASP's advice; spreadsheets show the rest as text). XLSX cells are written
as typed strings, never formulas, so they keep their text exactly.

CSV starts with a UTF-8 byte-order mark so spreadsheets read Vietnamese correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(MIMETYPES)
PROGRESS_EVERY = 500  # rows between progress reports of a long export
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet's name

Cell = str | int | float | date | datetime | bool | None
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Table:
    """A list as an export writes it: column headings and rows of plain values. Any
    function returning headings and rows (a console list, a dashboard table) can be
    exported by wrapping them in one."""

    title: str
    headings: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def defused(value: Any) -> Any:
    """A CSV cell that no spreadsheet takes for a formula: text starting with a
    formula character gets a leading apostrophe; numbers and dates are kept."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(value: Cell) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(table: Table, progress: Progress | None = None) -> bytes:
    """The table as CSV (UTF-8 with a byte-order mark, formula cells defused)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([defused(h) for h in table.headings])
    for row in _reported(table.rows, progress):
        writer.writerow([defused(_text(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(table: Table, progress: Progress | None = None) -> bytes:
    """The table as an XLSX workbook of one sheet, every text cell a plain string."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(table.title))
    sheet.append([_cell(sheet, heading) for heading in table.headings])
    for row in _reported(table.rows, progress):
        sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WRITERS: dict[str, Callable[[Table, Progress | None], bytes]] = {
    "csv": write_csv, "xlsx": write_xlsx}


def write(fmt: str, table: Table, progress: Progress | None = None) -> bytes:
    """The table in format `fmt` ('csv' or 'xlsx'); `progress(rows)` is called every
    PROGRESS_EVERY rows and at the end."""
    return WRITERS[fmt](table, progress)


def _cell(sheet: Any, value: Cell) -> WriteOnlyCell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no timezones: the caller's local time
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would write '=…' as a formula
    return cell


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a sheet's name.
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title).strip("'")
    return (cleaned or "export")[:SHEET_TITLE_MAX]


def _reported(rows: Iterable[Sequence[Cell]],
              progress: Progress | None) -> Iterator[Sequence[Cell]]:
    """The rows, calling `progress` with the count so far as they go."""
    count = 0
    for row in rows:
        count += 1
        yield row
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if progress is not None:
        progress(count)
