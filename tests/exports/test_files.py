"""The export writers: CSV parsed back and XLSX read back with openpyxl hold the same
cells, a formula typed into a name stays text in both, and progress is reported."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from gateway.exports import files

HEADINGS = ("Họ tên", "Số điện thoại", "Ngày", "Còn (ngày)")
ROWS = [("Nguyễn Văn An", "+84912345678", date(2026, 12, 2), 7),
        ("Trần Thị Bình", None, date(2026, 12, 3), 0)]
# Every start a spreadsheet reads as a formula (OWASP's list), and harmless look-alikes.
INJECTIONS = [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("a=1", "a=1"),
    ("Lê Văn C", "Lê Văn C"),
]


def table(rows=ROWS) -> files.Table:
    return files.Table("Danh sách", HEADINGS, rows)


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_csv_holds_the_headings_and_rows():
    assert read_csv(files.write("csv", table())) == [
        list(HEADINGS),
        ["Nguyễn Văn An", "'+84912345678", "2026-12-02", "7"],
        ["Trần Thị Bình", "", "2026-12-03", "0"]]


def test_xlsx_reads_back_with_openpyxl():
    book = load_workbook(io.BytesIO(files.write("xlsx", table())))
    sheet = book.active
    assert sheet.title == "Danh sách"
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert rows[0] == HEADINGS
    assert rows[1][0] == "Nguyễn Văn An" and rows[1][1] == "+84912345678"
    assert rows[1][2].date() == date(2026, 12, 2) and rows[1][3] == 7
    assert rows[2][1] is None


@pytest.mark.parametrize(("typed", "in_csv"), INJECTIONS)
def test_a_formula_typed_into_a_cell_stays_text(typed, in_csv):
    body = files.write("csv", table([(typed, "x", None, 1)]))
    assert read_csv(body)[1][0] == in_csv
    book = load_workbook(io.BytesIO(files.write("xlsx", table([(typed, "x", None, 1)]))))
    cell = book.active["A2"]
    # Kept as typed (XML reads a carriage return as a line feed), and a string: never
    # a formula cell.
    assert cell.value == typed.replace("\r", "\n") and cell.data_type == "s"


def test_a_heading_is_defused_too():
    body = files.write("csv", files.Table("t", ["=cmd"], []))
    assert read_csv(body) == [["'=cmd"]]


def test_progress_is_reported_in_steps_and_at_the_end(monkeypatch):
    monkeypatch.setattr(files, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    files.write("xlsx", table([("a", "b", None, i) for i in range(5)]), seen.append)
    assert seen == [2, 4, 5]


def test_a_sheet_title_excel_refuses_is_cleaned():
    body = files.write("xlsx", files.Table("Nhật ký [a/b]: 2026*?" + "x" * 40, ["h"], []))
    title = load_workbook(io.BytesIO(body)).active.title
    assert title == "Nhật ký _a_b__ 2026__xxxxxxxxxx" and len(title) == 31
