"""Console defects a new user met: venue staff pages spoke of a caller and an ended
call, the check-in did not name the visitor, a non-reporter showed a bare "· 1", a
skipped BHYT number read back as "0", the date hint disagreed with the browser's date
picker, and the per-user password box had no label."""

from __future__ import annotations

import re

import pytest

from tests.hotline.conftest import VISITOR, Console, days, make_user, text
from tests.hotline.test_call import FORM, verify
from tests.hotline.test_quarantine import cases, enrol, manager
from tests.hotline.test_staff import send_and_read, staff_for

CALLER_WORDS = re.compile(r"người gọi|cuộc gọi|caller|call\b", re.IGNORECASE)


def visible(page: str) -> str:
    """The page's text without tags, scripts and attributes."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S))


def test_the_staff_code_page_speaks_of_a_visitor(app, inbox, market):
    staff = staff_for(app, market)
    staff.post("/hotline/staff", {"venue": str(market["id"]), "phone": VISITOR})
    page = visible(text(staff.get("/hotline/staff/code")))
    assert "Nhập mã khách đọc" in page and "Xong" in page
    assert not CALLER_WORDS.search(page), CALLER_WORDS.search(page)
    done = staff.post("/hotline/call/end", follow_redirects=True)
    assert "Đã xong với khách này." in text(done)


def test_the_declaration_for_a_visitor_speaks_of_a_visitor(app, inbox, market):
    staff = staff_for(app, market)
    send_and_read(staff, inbox, market)
    for path in ("/hotline/declare", "/hotline/declare/confirm", "/hotline/declare/done"):
        if path.endswith("confirm"):
            staff.post("/hotline/declare", FORM)
        if path.endswith("done"):
            staff.post("/hotline/declare/submit")
        response = staff.get(path)
        assert response.status_code == 200, path
        page = visible(text(response))
        assert "khách" in page, path
        assert not CALLER_WORDS.search(page), (path, CALLER_WORDS.search(page))


def test_operators_keep_the_caller_wording(app, operator, inbox):
    verify(operator, inbox)
    operator.post("/hotline/declare", FORM)
    assert "Đọc lại cho người gọi" in text(operator.get("/hotline/declare/confirm"))


def test_the_check_in_names_the_visitor(app, inbox, market):
    staff = staff_for(app, market)
    send_and_read(staff, inbox, market)  # no declaration yet: declared on the spot
    staff.post("/hotline/declare", FORM)
    staff.post("/hotline/declare/submit")
    staff.post("/hotline/call/end")
    again = send_and_read(staff, inbox, market)
    assert again.headers["Location"].endswith("/hotline/staff")
    page = text(staff.get("/hotline/staff"))
    assert "Đã check-in Nguyễn Văn An (+849*****321) tại Chợ Bến Thành" in page
    assert VISITOR not in page


def test_a_skipped_bhyt_number_reads_back_as_none(app, operator, inbox):
    verify(operator, inbox)
    operator.post("/hotline/declare", FORM)  # insurance "0", id_number "0"
    page = text(operator.get("/hotline/declare/confirm"))
    bhyt = re.search(r"<dt>Số thẻ BHYT</dt>\s*<dd>([^<]*)</dd>", page)
    assert bhyt and bhyt[1] == "Không có"
    assert "<dd>0</dd>" not in page


@pytest.mark.parametrize(("start", "missed"), [(0, "1 ngày chưa báo cáo"),
                                               (-2, "3 ngày chưa báo cáo")])
def test_a_non_reporter_shows_the_missed_days_with_their_unit(app, start, missed):
    browser = manager(app)
    enrol(browser, start=days_from_today(start))
    assert missed in text(browser.get("/hotline/roster/digest"))


def test_the_unit_in_english_is_singular_for_one_day(app):
    browser = manager(app)
    enrol(browser, start=days_from_today(0))
    with browser.client.session_transaction() as session:
        session["lang"] = "en"
    assert "1 day missed" in text(browser.get("/hotline/roster/digest"))


def days_from_today(n: int) -> str:
    """The enrol form's start date, n days from today."""
    return days(n).isoformat()


def test_a_bad_date_hint_agrees_with_the_date_picker(app):
    browser = manager(app)
    response = enrol(browser, start="31-12")
    assert response.status_code == 400
    assert "Chọn một ngày trên lịch." in text(response)
    assert "năm-tháng-ngày" not in text(response)


def test_a_typed_day_month_year_date_is_read(app):
    browser = manager(app)
    start = days_from_today(0)
    typed = "/".join(reversed(start.split("-")))
    assert enrol(browser, start=typed).status_code == 302
    assert cases(app)[0].start_date.isoformat() == start


def test_each_password_box_has_a_label(app):
    make_user(app, "adm1", "admin")
    admin = Console(app.test_client())
    admin.login("adm1")
    page = text(admin.get("/hotline/admin/users"))
    boxes = re.findall(r'<input type="password" id="(password-\d+)"', page)
    assert boxes
    for box in boxes:
        assert f'<label for="{box}" class="inline-label">Mật khẩu mới</label>' in page
