"""Exposure notification in the console: a health officer marks a case (the phone
posted, never in a URL), reviews the exposed phones (masked), confirms once, follows
the answers; an officer of another province can neither see nor confirm it; every
step is in the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.areas import Area
from gateway.store.models import AuditEntry, QuarantineCase
from tests.conftest import Phone
from tests.hotline.conftest import Console, make_user, text
from tests.tracing.conftest import CASE, HN, START, TH, place, visit

NEAR, FAR = "+84987000001", "+84987000002"


def local(moment) -> str:
    """A moment as the form's datetime-local box sends it (Hanoi time)."""
    return moment.astimezone(runtimes.current().config.tz).strftime("%Y-%m-%dT%H:%M")


def signed_in(app, client, username: str, area: Area) -> Console:
    make_user(app, username, "health_officer", area=area)
    browser = Console(client)
    assert browser.login(username).status_code == 302
    return browser


def test_an_officer_marks_reviews_confirms_and_sees_the_answers(app, client, inbox):
    market = place(app, "Chợ Đồng Xuân")
    visit(app, market, CASE, START, 90)
    visit(app, market, NEAR, START + timedelta(minutes=20), 40)
    visit(app, market, FAR, START + timedelta(hours=6), 40)
    officer = signed_in(app, client, "officer_hn", Area(HN))
    assert 'href="/hotline/exposures"' in text(officer.get("/hotline/dashboard"))
    marked = officer.post("/hotline/exposures", {
        "phone": "0912.345.678", "from": local(START - timedelta(hours=2)),
        "to": local(START + timedelta(hours=2))})
    assert marked.status_code == 302
    page = officer.get(marked.headers["Location"])
    body = text(page)
    assert "Chợ Đồng Xuân" in body and NEAR not in body and CASE not in body
    assert 'id="confirm-notify"' in body and inbox.messages(NEAR) == []

    case_path = marked.headers["Location"]
    listed = text(officer.get("/hotline/exposures"))
    assert f'href="{case_path}"' in listed and "+849*****678" in listed
    assert "Chờ xác nhận" in listed
    assert officer.post(case_path + "/notify").status_code == 302
    [sms] = inbox.messages(NEAR)
    assert "Cho Dong Xuan" in sms["body"] and "345678" not in sms["body"]
    after = text(officer.get(case_path))
    assert 'id="confirm-notify"' not in after  # nobody left to text
    assert officer.post(case_path + "/notify").status_code == 302
    assert len(inbox.messages(NEAR)) == 1 and inbox.messages(FAR) == []

    Phone(client, NEAR).sms("2")
    answered = text(officer.get(case_path))
    assert "2 – có triệu chứng" in answered

    with runtimes.of(app).sessions() as session:
        actions = [(e.username, e.action, e.phone) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("exposure.%"))
            .order_by(AuditEntry.id))]
    assert ("officer_hn", "exposure.mark", CASE) in actions
    assert actions.count(("officer_hn", "exposure.notify", CASE)) == 2
    assert ("officer_hn", "exposure.view", CASE) in actions


def test_an_officer_of_another_province_can_neither_see_nor_confirm(app, client, inbox):
    market = place(app, "Chợ Đồng Xuân")
    visit(app, market, CASE, START, 90)
    visit(app, market, NEAR, START + timedelta(minutes=20), 40)
    hanoi = signed_in(app, client, "officer_hn", Area(HN))
    case_path = hanoi.post("/hotline/exposures", {
        "phone": CASE, "from": local(START - timedelta(hours=2)),
        "to": local(START + timedelta(hours=2))}).headers["Location"]
    hanoi.post("/hotline/logout")
    thanh_hoa = signed_in(app, client, "officer_th", Area(TH))
    assert thanh_hoa.get(case_path).status_code == 404
    assert thanh_hoa.post(case_path + "/notify").status_code == 404
    assert f'href="{case_path}"' not in text(thanh_hoa.get("/hotline/exposures"))
    assert "Chưa có ca nào." in text(thanh_hoa.get("/hotline/exposures"))
    # Marking the same phone from Thanh Hoa lists nobody: the market is in Ha Noi.
    own = thanh_hoa.post("/hotline/exposures", {
        "phone": CASE, "from": local(START - timedelta(hours=2)),
        "to": local(START + timedelta(hours=2))})
    assert own.headers["Location"] != case_path
    nobody = text(thanh_hoa.get(own.headers["Location"]))
    assert "Không có ai tiếp xúc trong khu vực của bạn." in nobody
    assert inbox.messages(NEAR) == []


def test_bad_marks_get_the_form_back_with_reasons(app, client):
    officer = signed_in(app, client, "officer_hn", Area(HN))
    refused = officer.post("/hotline/exposures", {"phone": "123", "from": "", "to": "x"})
    assert refused.status_code == 400
    body = text(refused)
    assert "Số điện thoại di động không hợp lệ." in body and "Nhập ngày và giờ." in body
    backwards = officer.post("/hotline/exposures", {
        "phone": CASE, "from": local(START), "to": local(START - timedelta(hours=1))})
    assert backwards.status_code == 400 and "Thời gian không hợp lệ" in text(backwards)


def test_confirming_in_the_console_can_enrol_the_exposed(app, client, inbox):
    market = place(app, "Chợ Đồng Xuân")
    visit(app, market, CASE, START, 90)
    visit(app, market, NEAR, START + timedelta(minutes=20), 40)
    make_user(app, "bs_lan", "manager", phone="+84903000111", area=Area(HN))
    officer = signed_in(app, client, "officer_hn", Area(HN))
    case_path = officer.post("/hotline/exposures", {
        "phone": CASE, "from": local(START - timedelta(hours=2)),
        "to": local(START + timedelta(hours=2))}).headers["Location"]
    refused = officer.post(case_path + "/notify", {"enrol": "1", "manager": "nobody"},
                           follow_redirects=True)
    assert "Không thể đưa vào cách ly" in text(refused) and inbox.messages(NEAR) == []
    done = officer.post(case_path + "/notify", {"enrol": "1", "manager": "bs_lan",
                                                "days": "14"}, follow_redirects=True)
    assert "Đã đưa 1 người vào theo dõi cách ly tại nhà." in text(done)
    with runtimes.of(app).sessions() as session:
        [enrolled] = session.scalars(select(QuarantineCase)).all()
    assert (enrolled.phone, enrolled.channel, enrolled.operator) == (NEAR, "hotline",
                                                                     "officer_hn")
