"""Community teams in the console, through the real app (PostgreSQL, Redis, Twilio
stand-in, a real RQ worker): a team member records a resident's report. For one with a
phone, after the code the resident reads back (one code, one resident, one report;
capped like an operator's codes); for one without a phone, with the member's relation.
Danger signs alert the manager, and the manager's pages mark the resident and the
report."""

from __future__ import annotations

import csv
import dataclasses
import io

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.db import transaction
from gateway.store.models import HealthReport, QuarantineCase
from tests.hotline.conftest import (
    CALLER,
    MANAGER_PHONE,
    audit_entries,
    days,
    make_user,
    text,
)
from tests.hotline.teams import (
    WARD,
    newcomer,
    signed_in,
    team_fixture,  # noqa: F401 (a fixture)
    ward_fixture,  # noqa: F401 (a fixture)
)


def reports(app) -> list[HealthReport]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(HealthReport).order_by(HealthReport.id)))


def test_a_resident_with_a_phone_reads_back_a_code_before_the_team_reports(app, ward, team,
                                                                           inbox):
    report_page = f"/hotline/team/residents/{ward['case']}/report"
    # no code yet: the form is not shown
    assert team.get(report_page).headers["Location"].endswith("/hotline/team")
    response = team.post(f"/hotline/team/residents/{ward['case']}/code")
    assert response.headers["Location"].endswith("/hotline/team/code")
    assert "+849*****678" in text(team.get("/hotline/team/code"))
    code = inbox.otp(CALLER)
    wrong = "000000" if code != "000000" else "111111"
    assert "còn 4 lần thử" in text(team.post("/hotline/team/code", {"code": wrong}))
    response = team.post("/hotline/team/code", {"code": code})
    assert response.headers["Location"].endswith(report_page)
    assert "đã đọc lại mã" in text(team.get(report_page))
    response = team.post(report_page, {"symptoms": ["1"], "temperature": "38,2"})
    assert response.headers["Location"].endswith("/hotline/team")
    [report] = reports(app)
    assert (report.case_id, report.channel, report.operator, report.relation,
            report.verified, report.symptoms, report.temperature) == (
        ward["case"], "team", "to-hac", None, True, [1], 38.2)
    page = text(team.get("/hotline/team"))
    assert "Tổ báo hộ: to-hac, đã xác minh mã" in page and "sot, 38.2C" in page
    # one code, one report: the next one needs a new code
    assert team.get(report_page).headers["Location"].endswith("/hotline/team")
    done = [(e.action, e.phone, e.detail) for e in audit_entries(app)]
    assert ("otp.send", CALLER, "team") in done
    assert ("otp.verify", CALLER, "ok") in done
    assert ("team.report", CALLER, f"case {ward['case']}: recorded, verified by the code "
                                   "read back") in done


def test_a_code_read_back_for_one_resident_does_not_open_another(app, ward, team, inbox):
    second = make_user(app, "mgr-hac2", "manager", phone="+84903000333", area=WARD)
    assert second
    from gateway.quarantine.enrol import enrol
    with transaction(runtimes.of(app).sessions) as session:
        other = enrol(session, phone="+84912000444", name="Vũ Văn Em", manager="mgr-hac2",
                      start=days(0), end=days(5)).id
    sent = team.post(f"/hotline/team/residents/{ward['case']}/code")
    assert sent.headers["Location"].endswith("/hotline/team/code"), text(team.get("/hotline/team"))
    team.post("/hotline/team/code", {"code": inbox.otp(CALLER)})
    response = team.post(f"/hotline/team/residents/{other}/report", {"symptoms": ["0"]})
    assert response.status_code == 302 and reports(app) == []


def test_a_danger_report_for_a_resident_alerts_their_manager(app, ward, team, inbox):
    team.post(f"/hotline/team/residents/{ward['case']}/code")
    team.post("/hotline/team/code", {"code": inbox.otp(CALLER)})
    team.post(f"/hotline/team/residents/{ward['case']}/report", {"symptoms": ["3"]})
    [alert] = [m["body"] for m in inbox.messages(MANAGER_PHONE) if m["body"].startswith("KHAN")]
    assert "Tran Van Binh" in alert and "kho tho" in alert


def test_a_resident_without_a_phone_is_added_and_reported_for_with_a_relation(app, ward,
                                                                              team, inbox):
    form = text(team.get("/hotline/team/residents/new"))
    assert f'<option value="{ward["mgr"]}" selected' in form  # the ward's only manager
    assert "mgr-qp" not in form
    response = team.post("/hotline/team/residents/new", newcomer(ward["mgr"]))
    assert response.headers["Location"].endswith("/hotline/team")
    with runtimes.of(app).sessions() as session:
        case = session.scalar(select(QuarantineCase).where(QuarantineCase.phone.is_(None)))
    assert (case.full_name, case.birth_year, case.address, case.manager_id, case.channel) == (
        "Lê Thị Cúc", 1948, "Xóm 3, thôn Đông", ward["mgr"], "team")
    page = text(team.get("/hotline/team"))
    assert "Lê Thị Cúc (1948)" in page and "Không có điện thoại" in page
    # not reported yet: the manager's digest names them, marked
    digest = text(signed_in(app, "mgr-hac").get("/hotline/roster/digest"))
    assert 'Lê Thị Cúc · <span class="mono"><span class="badge" data-mark="no-phone">' \
           "Không có điện thoại</span>" in digest
    report_page = f"/hotline/team/residents/{case.id}/report"
    assert "chưa xác minh" in text(team.get(report_page))
    # a relation is required
    response = team.post(report_page, {"symptoms": ["0"]})
    assert response.status_code == 400 and "Chọn quan hệ" in text(response)
    response = team.post(report_page, {"symptoms": ["0"], "relation": "other",
                                       "relation_other": "con gái"})
    assert response.headers["Location"].endswith("/hotline/team")
    [report] = reports(app)
    assert (report.channel, report.operator, report.relation, report.verified) == (
        "team", "to-hac", "con gái", False)
    assert "Tổ báo hộ: to-hac (con gái), chưa xác minh" in text(team.get("/hotline/team"))
    # nobody was texted for them: the one report alerted no one and texted no code
    assert inbox.messages(MANAGER_PHONE) == []
    done = [(e.action, e.phone, e.detail) for e in audit_entries(app)]
    assert ("team.resident_add", None, f"case {case.id}: no phone, manager #{ward['mgr']}") \
        in done
    assert ("team.report", None, f"case {case.id}: recorded, no phone, relation con gái, "
                                 "not verified") in done


def test_danger_signs_reported_for_a_resident_without_a_phone_alert_the_manager(
        app, ward, team, inbox):
    team.post("/hotline/team/residents/new", newcomer(ward["mgr"]))
    with runtimes.of(app).sessions() as session:
        case_id = session.scalar(select(QuarantineCase.id).where(QuarantineCase.phone.is_(None)))
    team.post(f"/hotline/team/residents/{case_id}/report",
              {"symptoms": ["3"], "temperature": "39", "relation": "family"})
    [alert] = [m["body"] for m in inbox.messages(MANAGER_PHONE)]
    assert alert.startswith("KHAN cach ly - Le Thi Cuc: kho tho, 39.0C luc ")
    # a second click on "add" does not double the resident
    response = team.post("/hotline/team/residents/new", newcomer(ward["mgr"]))
    assert response.status_code == 400 and "đã có trong danh sách" in text(response)


def test_the_manager_s_pages_mark_the_resident_and_the_report(app, ward, team):
    team.post("/hotline/team/residents/new", newcomer(ward["mgr"]))
    with runtimes.of(app).sessions() as session:
        case_id = session.scalar(select(QuarantineCase.id).where(QuarantineCase.phone.is_(None)))
    team.post(f"/hotline/team/residents/{case_id}/report",
              {"symptoms": ["0"], "relation": "neighbour"})
    manager = signed_in(app, "mgr-hac")
    mark = "Tổ báo hộ: to-hac (hàng xóm), chưa xác minh"
    roster = text(manager.get("/hotline/roster"))
    assert "Lê Thị Cúc" in roster and "Không có điện thoại" in roster and mark in roster
    case_page = text(manager.get(f"/hotline/cases/{case_id}"))
    assert "Xóm 3, thôn Đông" in case_page and "Không có điện thoại" in case_page
    assert mark in case_page
    assert mark in text(manager.get("/hotline/roster/today"))
    assert "Không có điện thoại" not in text(manager.get("/hotline/roster/digest"))  # reported
    assert "Không có điện thoại" in text(manager.get("/hotline/roster/print"))
    manager.get("/hotline/roster")
    exported = manager.post("/hotline/exports", {"list": "roster", "format": "csv", "q": ""})
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[:2] for row in rows if row[0] == "Lê Thị Cúc"] == [
        ["Lê Thị Cúc", "Không có điện thoại"]]


def test_a_team_account_is_capped_like_an_operator(app, ward, team, monkeypatch):
    runtime = runtimes.of(app)
    monkeypatch.setattr(runtime, "config",
                        dataclasses.replace(runtime.config, otp_operator_per_hour=1))
    send = f"/hotline/team/residents/{ward['case']}/code"
    assert team.post(send).headers["Location"].endswith("/hotline/team/code")
    refused = team.post(send, follow_redirects=True)
    assert "Tài khoản của bạn đã gửi quá nhiều mã trong giờ qua" in text(refused)
    assert ("otp.refused", "capped") in [(e.action, e.detail) for e in audit_entries(app)]
