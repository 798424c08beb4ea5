"""Quarantine in the console: a manager enrols and follows their cases (roster,
today's reports, alerts, non-reporters, the digest), and an operator records a
verified caller's report, which alerts the manager on danger signs as an SMS would."""

from __future__ import annotations

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.models import HealthReport, QuarantineCase
from tests.hotline.conftest import (
    CALLER,
    MANAGER_PHONE,
    Console,
    audit_entries,
    days,
    make_user,
    text,
)
from tests.hotline.test_call import verify


def manager(app, username: str = "mgr1") -> Console:
    make_user(app, username, "manager", phone=MANAGER_PHONE)
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser


def enrol(browser, phone: str = CALLER, name: str = "Trần Thị Bình", **extra):
    form = {"phone": phone, "name": name, "start": days(-2).isoformat(),
            "end": days(11).isoformat(), "kind": "home", "venue": "", **extra}
    return browser.post("/hotline/roster/enrol", form)


def cases(app) -> list[QuarantineCase]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(QuarantineCase).order_by(QuarantineCase.id)))


def test_a_manager_enrols_a_case_and_it_gets_the_welcome_sms(app, inbox):
    browser = manager(app)
    response = enrol(browser)
    assert response.headers["Location"].endswith("/hotline/roster")
    [case] = cases(app)
    assert (case.phone, case.channel, case.operator, case.kind) == (
        CALLER, "hotline", "mgr1", "home")
    assert inbox.messages(CALLER)  # the welcome SMS went out
    page = text(browser.get("/hotline/roster"))
    assert "Trần Thị Bình" in page and "Chưa báo cáo" in page
    assert ("case.enrol", CALLER) in [(e.action, e.phone) for e in audit_entries(app)]


def test_enrolment_errors_are_explained_and_the_typed_values_kept(app):
    browser = manager(app)
    response = enrol(browser, phone="12", name="X", end="2020-01-01", kind="boat")
    page = text(response)
    assert response.status_code == 400
    for message in ("Số di động không hợp lệ", "Họ tên cần 2-80 ký tự",
                    "Ngày kết thúc trước ngày bắt đầu", "Vui lòng nhập"):
        assert message in page, message
    assert 'value="12"' in page and 'value="X"' in page and not cases(app)


def test_a_manager_sees_only_their_own_cases(app):
    enrol(manager(app, "mgr1"), name="Người Của Mgr1")
    other = manager(app, "mgr2")
    assert "Người Của Mgr1" not in text(other.get("/hotline/roster"))
    assert "Không có ai đang cách ly" in text(other.get("/hotline/roster"))


def test_an_operator_records_a_danger_report_and_the_manager_is_alerted(app, operator, inbox):
    mgr = manager(app)
    enrol(mgr)
    inbox.deliver()  # the welcome SMS first, so the newest message is the code
    verify(operator, inbox)
    response = operator.post("/hotline/caller/report", {"symptoms": ["3"],
                                                        "temperature": "39.5"})
    assert response.headers["Location"].endswith("/hotline/caller")
    assert "NGUY HIỂM" in text(operator.get("/hotline/caller"))
    with runtimes.of(app).sessions() as session:
        report = session.scalar(select(HealthReport))
    assert (report.symptoms, report.temperature, report.danger) == ([3], 39.5, True)
    assert (report.channel, report.operator) == ("hotline", "op1")
    assert "Tran Thi Binh" in inbox.messages(MANAGER_PHONE)[-1]["body"]
    today = text(mgr.get("/hotline/roster/today"))
    assert "Cảnh báo nguy hiểm" in today and "Khó thở" in today and "op1" in today


def test_a_report_form_error_is_explained_and_kept(app, operator, inbox):
    enrol(manager(app))
    inbox.deliver()
    verify(operator, inbox)
    response = operator.post("/hotline/caller/report", {"symptoms": ["0", "2"],
                                                        "temperature": "50"})
    page = text(response)
    assert response.status_code == 400 and 'value="50"' in page
    assert 'value="2" checked' in page


def test_a_caller_without_a_case_cannot_report(app, operator, inbox):
    verify(operator, inbox)
    page = text(operator.get("/hotline/caller/report"))
    assert "không đang cách ly" in page and "<fieldset" not in page


def test_non_reporters_and_the_digest(app, inbox):
    browser = manager(app)
    enrol(browser)
    today = text(browser.get("/hotline/roster/today"))
    assert "Trần Thị Bình" in today and "1 đang theo dõi · 0 đã báo cáo" in today
    digest = text(browser.get("/hotline/roster/digest"))
    assert "Cach ly" in digest and "Tran Thi Binh (3 ngay)" in digest
    assert [e.action for e in audit_entries(app)][-2:] == ["reports.view", "digest.view"]


def test_a_manager_extends_then_closes_a_case(app):
    browser = manager(app)
    enrol(browser)
    [case] = cases(app)
    later = days(20)
    response = browser.post("/hotline/roster/case", {"case": str(case.id), "action": "extend",
                                                     "end": later.isoformat()})
    assert response.headers["Location"].endswith("/hotline/roster")
    assert cases(app)[0].end_date == later
    assert f"đến {later.strftime('%d/%m/%Y')}" in text(browser.get("/hotline/roster"))
    early = browser.post("/hotline/roster/case", {"case": str(case.id), "action": "extend",
                                                  "end": days(-30).isoformat()})
    assert early.status_code == 302 and cases(app)[0].end_date == later
    assert "Ngày kết thúc trước ngày bắt đầu" in text(browser.get("/hotline/roster"))
    asked = browser.post("/hotline/roster/case", {"case": str(case.id), "action": "close"})
    assert asked.headers["Location"].endswith(f"/hotline/cases/{case.id}/close")
    assert cases(app)[0].status == "active"  # closing asks for confirmation first
    assert "Kết thúc cách ly của Trần Thị Bình?" in text(browser.get(asked.headers["Location"]))
    browser.post(f"/hotline/cases/{case.id}/close")
    assert cases(app)[0].status == "closed"
    roster = text(browser.get("/hotline/roster"))
    assert "Đã kết thúc cách ly của Trần Thị Bình." in roster
    assert "Không có ai đang cách ly." in roster  # the closed case left the roster
    actions = [(e.action, e.phone) for e in audit_entries(app)]
    assert ("case.extend", CALLER) in actions and ("case.close", CALLER) in actions


def test_a_manager_cannot_change_another_managers_case(app):
    enrol(manager(app, "mgr1"))
    [case] = cases(app)
    other = manager(app, "mgr2")
    response = other.post("/hotline/roster/case", {"case": str(case.id), "action": "close"})
    assert response.status_code == 404
    assert cases(app)[0].status == "active"
