"""Venue staff check visitors in at their venues by phone and OTP read-back, declare
for a visitor without a valid declaration and then check them in, and list today's
visitors."""

from __future__ import annotations

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.models import Visit
from tests.hotline.conftest import VISITOR, Console, audit_entries, make_user, make_venue, text
from tests.hotline.test_call import FORM, records, verify


def visits(app) -> list[Visit]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Visit).order_by(Visit.id)))


def staff_for(app, *venues: dict) -> Console:
    make_user(app, "staff1", "venue_staff", venue_codes=tuple(v["code"] for v in venues))
    browser = Console(app.test_client())
    assert browser.login("staff1").status_code == 302
    return browser


def send_and_read(staff, inbox, venue: dict, phone: str = VISITOR):
    sent = staff.post("/hotline/staff", {"venue": str(venue["id"]), "phone": phone})
    assert sent.headers.get("Location", "").endswith("/hotline/staff/code"), text(sent)
    return staff.post("/hotline/staff/code", {"code": inbox.otp(phone)})


def test_a_visitor_with_a_declaration_is_checked_in(app, operator, inbox, market):
    verify(operator, inbox, VISITOR, VISITOR)
    operator.post("/hotline/declare", FORM)
    operator.post("/hotline/declare/submit")
    staff = staff_for(app, market)
    response = send_and_read(staff, inbox, market)
    assert response.headers["Location"].endswith("/hotline/staff")
    assert "Đã check-in Nguyễn Văn An (+849*****321) tại Chợ Bến Thành" in text(
        staff.get("/hotline/staff"))
    [visit] = visits(app)
    assert (visit.phone, visit.venue_id, visit.operator, visit.channel) == (
        VISITOR, market["id"], "staff1", "hotline")
    assert visit.declaration_id == records(app)[0].id


def test_a_visitor_without_a_declaration_is_declared_for_then_checked_in(app, inbox, market):
    staff = staff_for(app, market)
    response = send_and_read(staff, inbox, market)
    assert response.headers["Location"].endswith("/hotline/declare")
    assert "chưa có tờ khai" in text(staff.get("/hotline/declare"))
    assert staff.post("/hotline/declare", FORM).status_code == 302
    staff.post("/hotline/declare/submit")
    page = text(staff.get("/hotline/declare/done"))
    [record], [visit] = records(app), visits(app)
    assert record.code in page and "Đã check-in tại Chợ Bến Thành" in page
    assert (record.operator, record.subject_phone) == ("staff1", VISITOR)
    assert (visit.declaration_id, visit.operator) == (record.id, "staff1")
    assert record.code in inbox.messages(VISITOR)[-1]["body"]


def test_a_wrong_code_is_explained_and_kept(app, inbox, market):
    staff = staff_for(app, market)
    staff.post("/hotline/staff", {"venue": str(market["id"]), "phone": VISITOR})
    right = inbox.otp(VISITOR)
    wrong = "000000" if right != "000000" else "111111"
    response = staff.post("/hotline/staff/code", {"code": wrong})
    assert response.status_code == 400 and f'value="{wrong}"' in text(response)
    assert "Mã không đúng" in text(response) and not visits(app)


def test_staff_check_in_only_at_their_own_venues(app, inbox, market):
    other = make_venue(app, "Bệnh viện Chợ Rẫy")
    staff = staff_for(app, market)
    response = staff.post("/hotline/staff", {"venue": str(other["id"]), "phone": "0987abc"})
    page = text(response)
    assert response.status_code == 400
    assert "Chọn một địa điểm của bạn" in page and "Số di động không hợp lệ" in page
    assert 'value="0987abc"' in page and "Bệnh viện Chợ Rẫy" not in page


def test_todays_visitors_show_masked_phones_and_names(app, inbox, market):
    staff = staff_for(app, market)
    send_and_read(staff, inbox, market)
    staff.post("/hotline/declare", FORM)
    staff.post("/hotline/declare/submit")
    page = text(staff.get("/hotline/staff/visitors"))
    assert "Nguyễn Văn An" in page and "+849*****321" in page and VISITOR not in page
    assert audit_entries(app)[-1].action == "visits.list"
