"""The console in both languages through its gettext catalogs: counted texts agree with
their count, symptoms come from the one table, venue kinds, audit actions and details
and each table's headings are translated."""

from __future__ import annotations

import csv
import io

import pytest

from hotline import audit_words, catalogs, lists
from tests.hotline.conftest import Console, days, make_user, text
from tests.hotline.test_admin import admin
from tests.hotline.test_case_page import a_case
from tests.hotline.test_quarantine import enrol, manager


def english(browser: Console, page: str) -> Console:
    browser.post("/hotline/language", {"lang": "en", "next": page})
    return browser


def test_a_wrong_password_names_the_minutes_in_each_language(app, console):
    make_user(app, "op1", "operator")
    vi = text(console.login("op1", "not the password"))
    assert "tạm khóa 15 phút" in vi
    en = text(english(console, "/hotline/login").login("op1", "not the password"))
    assert "locked for 15 minutes" in en


def test_the_digest_counts_missed_days_in_the_singular_and_the_plural(app):
    browser = manager(app)
    enrol(browser, start=days(-2).isoformat())  # 3 days without a report, today too
    enrol(browser, phone="+84912000111", name="Lê Văn Cường", start=days(0).isoformat())
    vi = text(browser.get("/hotline/roster/digest"))
    assert "3 ngày chưa báo cáo" in vi and "1 ngày chưa báo cáo" in vi
    en = text(english(browser, "/hotline/roster/digest").get("/hotline/roster/digest"))
    assert "3 days missed" in en and "1 day missed" in en and "1 days" not in en


def test_the_case_page_speaks_english_with_the_symptom_table(app):
    browser, case_id = a_case(app)
    page = text(english(browser, "/hotline/roster").get(f"/hotline/cases/{case_id}"))
    assert "1 of 3 days missed" in page
    assert "Shortness of breath" in page and "Loss of taste or smell" in page
    assert "Khó thở" not in page
    roster = text(browser.get("/hotline/roster"))
    assert "Shortness of breath, 39.1 °C" in roster and "Quarantine roster" in roster


def test_venue_and_token_tables_have_their_own_headings_and_kinds_are_words(app, market):
    browser = admin(app)
    venues = text(browser.get("/hotline/admin/venues"))
    table = venues[venues.index('<table id="venues">'):]
    assert "<th>Tên địa điểm</th>" in table and "Họ tên" not in table
    assert "(Chợ)" in table and '<option value="market" >Chợ</option>' in venues
    tokens = text(browser.get("/hotline/admin/tokens"))
    assert "<th>Tên mã truy cập</th>" in tokens and "Họ tên" not in tokens
    venues_en = text(english(browser, "/hotline/admin/venues").get("/hotline/admin/venues"))
    assert "<th>Venue name</th>" in venues_en and "(Market)" in venues_en


def test_the_audit_log_reads_in_words_and_keeps_the_action_name(app, market):
    browser = admin(app)
    browser.get("/hotline/admin/venues")
    browser.get(f"/hotline/admin/venues/{market['code']}/visits")
    page = text(browser.get("/hotline/admin/audit"))
    assert "Xem lượt check-in của địa điểm" in page and ">visits.venue</small>" in page
    assert f"{market['code']}; 0 dòng" in page
    page = text(english(browser, "/hotline/admin/audit").get("/hotline/admin/audit"))
    assert "Venue&#39;s check-ins viewed" in page and f"{market['code']}; 0 rows" in page


def test_an_audit_export_has_the_words_and_the_action_name(app, market):
    browser = admin(app)
    browser.get(f"/hotline/admin/venues/{market['code']}/visits")
    response = english(browser, "/hotline/admin/audit").post(
        "/hotline/exports", {"list": "audit", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    heading = rows[0] if rows[0][0] == "Time" else rows[1]
    assert heading == ["Time", "User", "Action", "Action code", "Phone", "Detail"]
    assert ["Venue's check-ins viewed", "visits.venue"] in [r[2:4] for r in rows]


WORDS = {language: audit_words.Words(lambda key, lang=language, **v: catalogs.say(lang, key, **v),
                                     lambda key, n, lang=language, **v: catalogs.say_n(
                                         lang, key, n, **v))
         for language in catalogs.LANGUAGES}


@pytest.mark.parametrize(("recorded", "vi", "en"), [
    ("case 12", "hồ sơ 12", "case 12"),
    ("case 3 until 2026-12-31", "hồ sơ 3, đến hết 2026-12-31", "case 3, until 2026-12-31"),
    ("case 3 alert 9: gọi lại; ổn", "hồ sơ 3, cảnh báo 9: gọi lại; ổn",
     "case 3, alert 9: gọi lại; ổn"),
    ("erasure request 4", "yêu cầu số 4 (Xóa dữ liệu)", "request 4 (Erasure)"),
    ("csv, search: 'bình'; 1 rows", "CSV, tìm: 'bình'; 1 dòng", "CSV, search: 'bình'; 1 row"),
    ("xlsx, 3 rows", "XLSX, 3 dòng", "XLSX, 3 rows"),
    ("prefilled", "điền sẵn từ tờ khai trước", "prefilled from the last one"),
    ("1234567 repeated", "địa điểm 1234567: check-in lặp lại", "venue 1234567: repeated check-in"),
    ("something else entirely", "something else entirely", "something else entirely"),
])
def test_audit_details_are_read_back_in_each_language(recorded, vi, en):
    assert audit_words.detail(recorded, WORDS["vi"]) == vi
    assert audit_words.detail(recorded, WORDS["en"]) == en


def test_audit_actions_and_export_steps_are_words():
    titles = lists.list_titles()
    assert audit_words.action("case.enrol", WORDS["en"], titles) == "Enrolled in quarantine"
    assert audit_words.action("export.roster.download", WORDS["vi"], titles) == \
        "Tải tệp xuất: Danh sách cách ly"
    assert audit_words.action("export.users", WORDS["en"], titles) == "Export: Users"
    assert audit_words.action("made.up", WORDS["en"], titles) == "made.up"


def test_the_console_records_only_actions_it_has_words_for():
    import ast
    from pathlib import Path
    recorded = set()
    for path in Path(catalogs.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record"
                    and getattr(node.func.value, "id", "") == "audit"):
                continue
            action = node.args[2]
            # one of two actions ("area.lift" if lift else "area.change"): both
            choices = (action.body, action.orelse) if isinstance(action, ast.IfExp) \
                else (action,)
            for choice in choices:
                if isinstance(choice, ast.Constant):
                    recorded.add(choice.value)
                else:  # an f-string: its fixed start
                    recorded.add(choice.values[0].value + "*")
    literal = {a for a in recorded if not a.endswith("*")}
    assert literal <= set(audit_words.ACTIONS)
    # Built from a value: exports (by list, read by audit_words.action), a request's
    # outcome and the roster's case change.
    assert {a for a in recorded if a.endswith("*")} == {"export.*", "privacy.*", "case.*"}
    assert {"privacy.done", "privacy.refused", "case.extend", "case.close"} <= set(
        audit_words.ACTIONS)
