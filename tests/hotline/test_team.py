"""Community teams in the console, through the real app (PostgreSQL, Redis, Twilio
stand-in, a real RQ worker): a team member of a ward lists its residents, reports for
one with a phone after the code the resident reads back, adds one without a phone and
reports for them with a relation; the marks on the manager's pages; who may see what."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import HealthReport, QuarantineCase
from hotline import accounts
from tests.hotline.conftest import (
    CALLER,
    MANAGER_PHONE,
    Console,
    audit_entries,
    days,
    make_user,
    text,
)
from tests.test_processes import cli

TH, HAC_THANH, QUANG_PHU = 38, 14797, 16522
WARD = Area(TH, frozenset({HAC_THANH}))
OTHER = "+84912000222"
NEWCOMER = {"name": "Lê Thị Cúc", "birth_year": "1948", "address": "Xóm 3, thôn Đông",
            "start": "", "end": ""}


def signed_in(app, username: str) -> Console:
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser


@pytest.fixture
def ward(app, inbox) -> dict[str, int]:
    """A manager of Hac Thanh ward with a resident (CALLER), a manager of another ward
    with one (OTHER), and a team member of Hac Thanh signed in."""
    from gateway.quarantine.enrol import enrol
    ids = {"mgr": make_user(app, "mgr-hac", "manager", phone=MANAGER_PHONE, area=WARD),
           "other_mgr": make_user(app, "mgr-qp", "manager", phone="+84903000222",
                                  area=Area(TH, frozenset({QUANG_PHU})))}
    make_user(app, "to-hac", "community_team", area=WARD)
    with transaction(runtimes.of(app).sessions) as session:
        ids["case"] = enrol(session, phone=CALLER, name="Trần Văn Bình", manager="mgr-hac",
                            start=days(-1), end=days(12)).id
        ids["other_case"] = enrol(session, phone=OTHER, name="Phạm Thị Dung",
                                  manager="mgr-qp", start=days(-1), end=days(12)).id
    inbox.deliver()  # the welcome SMS
    return ids


@pytest.fixture
def team(app, ward) -> Console:
    return signed_in(app, "to-hac")


def reports(app) -> list[HealthReport]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(HealthReport).order_by(HealthReport.id)))


def newcomer(mgr_id: int, **changes) -> dict[str, str]:
    return {**NEWCOMER, "start": days(0).isoformat(), "end": days(13).isoformat(),
            "manager": str(mgr_id), **changes}


def test_a_team_member_sees_only_the_residents_of_their_area(app, ward, team):
    page = text(team.get("/hotline/team"))
    assert "Trần Văn Bình" in page and "Phạm Thị Dung" not in page
    assert "+849*****678" in page and CALLER not in page  # masked, as for venue staff
    assert "Chưa báo cáo" in page and "Dòng 1–1 trên tổng số 1" in page
    assert team.get(f"/hotline/team/residents/{ward['other_case']}/report").status_code == 404
    assert team.post(f"/hotline/team/residents/{ward['other_case']}/code").status_code == 404
    assert team.get(f"/hotline/cases/{ward['case']}").status_code == 403  # not a manager
    assert ("team.view", None) in [(e.action, e.phone) for e in audit_entries(app)]
    team.post("/hotline/language", {"lang": "en", "next": "/hotline/team"})
    english = text(team.get("/hotline/team"))
    assert "Residents who report their health" in english and "Not reported" in english


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
    team.post(f"/hotline/team/residents/{ward['case']}/code")
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


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": "X"}, "Họ tên từ 2 đến 80 ký tự"),
    ({"birth_year": "19"}, "Năm sinh 4 chữ số"),
    ({"address": ""}, "Địa chỉ từ 2 đến 120 ký tự"),
    ({"end": "2000-01-01"}, "Ngày kết thúc trước ngày bắt đầu"),
    ({"manager": "999999"}, "Chọn một cán bộ quản lý của địa bàn"),
    ({"manager": "99999999999999999999"}, "Chọn một cán bộ quản lý của địa bàn"),
])
def test_a_newcomer_s_mistakes_are_explained_and_kept(app, ward, team, changes, message):
    form = newcomer(ward["mgr"], **changes)
    response = team.post("/hotline/team/residents/new", form)
    assert response.status_code == 400 and message in text(response)
    for kept in ("name", "birth_year", "address"):  # what was typed stays in the form
        assert f'value="{form[kept]}"' in text(response)


def test_a_manager_of_another_ward_cannot_be_chosen(app, ward, team):
    response = team.post("/hotline/team/residents/new", newcomer(ward["other_mgr"]))
    assert response.status_code == 400
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(QuarantineCase).where(QuarantineCase.phone.is_(None))) \
            is None


def test_another_province_s_staff_never_see_the_team_s_residents(app, ward, team):
    team.post("/hotline/team/residents/new", newcomer(ward["mgr"]))
    make_user(app, "mgr-hn", "manager", phone="+84903000999", area=Area(1))
    make_user(app, "to-hn", "community_team", area=Area(1))
    with runtimes.of(app).sessions() as session:
        ids = list(session.scalars(select(QuarantineCase.id)))
    for username in ("mgr-hn", "to-hn"):
        browser = signed_in(app, username)
        pages = text(browser.get("/hotline/roster" if username == "mgr-hn"
                                 else "/hotline/team"))
        assert "Lê Thị Cúc" not in pages and "Trần Văn Bình" not in pages
        for case_id in ids:
            path = (f"/hotline/cases/{case_id}" if username == "mgr-hn"
                    else f"/hotline/team/residents/{case_id}/report")
            assert browser.get(path).status_code == 404
    operator = signed_in(app, "mgr-qp")  # the other ward's manager
    assert "Lê Thị Cúc" not in text(operator.get("/hotline/roster"))


def test_a_team_account_needs_an_area(app, config):
    with transaction(runtimes.of(app).sessions) as session, \
            pytest.raises(accounts.AccountError) as refused:
        accounts.create(session, username="to-x", role="community_team", password="x" * 12)
    assert refused.value.key == "team.area_needed"
    result = cli(config, "user", "create", "to-y", "--role", "community_team",
                 "--password-stdin", input="a long console password\n")
    assert result.exit_code == 2 and "a community_team needs an area" in result.output
    result = cli(config, "user", "create", "to-z", "--role", "community_team", "--province",
                 "38", "--commune", "Hac Thanh", "--password-stdin",
                 input="a long console password\n")
    assert result.exit_code == 0, result.output
    assert "limited to Thanh Hóa: Phường Hạc Thành" in result.output


def test_the_admin_form_makes_a_team_account_only_with_an_area(app):
    make_user(app, "root", "admin")
    admin = signed_in(app, "root")
    refused = admin.post("/hotline/admin/users", {
        "username": "to-2", "role": "community_team", "password": "a long password 1"})
    assert refused.status_code == 400
    assert "Tổ Covid cộng đồng cần một địa bàn" in text(refused)
    made = admin.post("/hotline/admin/users", {
        "username": "to-3", "role": "community_team", "password": "a long password 1",
        "province": "38", "communes": "Hac Thanh"})
    assert made.status_code == 302
    member = Console(app.test_client())
    assert member.login("to-3", "a long password 1").headers["Location"].endswith(
        "/hotline/team")
    assert "Thanh Hóa: Phường Hạc Thành" in text(member.get("/hotline/team"))


def test_a_team_account_is_capped_like_an_operator(app, ward, team, monkeypatch):
    runtime = runtimes.of(app)
    monkeypatch.setattr(runtime, "config",
                        dataclasses.replace(runtime.config, otp_operator_per_hour=1))
    send = f"/hotline/team/residents/{ward['case']}/code"
    assert team.post(send).headers["Location"].endswith("/hotline/team/code")
    refused = team.post(send, follow_redirects=True)
    assert "Tài khoản của bạn đã gửi quá nhiều mã trong giờ qua" in text(refused)
    assert ("otp.refused", "capped") in [(e.action, e.detail) for e in audit_entries(app)]


JOINER = "+84912000666"


@pytest.fixture
def hac_thanh_area(app, ward) -> dict:
    """An active isolation area of Hac Thanh managed by a province-wide health officer
    (not the ward's manager): its id and code."""
    from gateway.quarantine import isolation
    from gateway.store import users
    officer_id = make_user(app, "bs-th", "health_officer", area=Area(TH))
    with transaction(runtimes.of(app).sessions) as session:
        area = isolation.declare(session, province_code=TH, ward_code=HAC_THANH, street="",
                                 start=days(0), end=days(9), manager=users.by_username(
                                     session, "bs-th"), declared_by=None,
                                 officer_area=Area(TH), channel="hotline", operator="bs-th",
                                 day=days(0))
        return {"id": area.id, "code": area.code, "officer": officer_id}


def area_cases(app, area_id: int) -> list[QuarantineCase]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(QuarantineCase).where(
            QuarantineCase.area_id == area_id).order_by(QuarantineCase.id)))


def test_a_team_adds_a_resident_with_a_phone_to_the_isolation_area(app, hac_thanh_area,
                                                                   team, inbox):
    code = hac_thanh_area["code"]
    form = text(team.get("/hotline/team/residents/new"))
    assert f'<option value="{hac_thanh_area["id"]}" selected>{code} · Phường Hạc Thành' \
        in form  # the one area of the ward, preselected
    response = team.post("/hotline/team/residents/new", {
        "name": "Vũ Thị Hoa", "phone": "0912 000 666", "area": str(hac_thanh_area["id"])})
    assert response.headers["Location"].endswith("/hotline/team")
    page = text(team.get("/hotline/team"))
    assert f"Vũ Thị Hoa đã vào khu vực cách ly {code}" in page
    assert "Vũ Thị Hoa" in page and "+849*****666" in page
    [case] = area_cases(app, hac_thanh_area["id"])
    assert (case.phone, case.kind, case.channel, case.operator, case.manager_id) == (
        JOINER, "area", "team", "to-hac", hac_thanh_area["officer"])
    inbox.deliver()
    [welcome] = [m["body"] for m in inbox.messages(JOINER)]
    assert welcome.startswith(f"Khu vuc cua ban (ma {code}) cach ly")
    # a second click: the same resident, said so, nobody texted again
    again = team.post("/hotline/team/residents/new", {
        "name": "Vũ Thị Hoa", "phone": JOINER, "area": str(hac_thanh_area["id"])},
        follow_redirects=True)
    assert f"Vũ Thị Hoa đã ở khu vực cách ly {code}" in text(again)
    # a phone with its own case (the ward's manager follows it) stays on it
    own = team.post("/hotline/team/residents/new", {
        "name": "Trần Văn Bình", "phone": CALLER, "area": str(hac_thanh_area["id"])},
        follow_redirects=True)
    assert "Số này đã có hồ sơ cách ly riêng (Trần Văn Bình)" in text(own)
    assert len(area_cases(app, hac_thanh_area["id"])) == 1
    inbox.deliver()
    assert len(inbox.messages(JOINER)) == 1
    done = [(e.action, e.phone, e.detail) for e in audit_entries(app)
            if e.action == "team.resident_join"]
    assert done == [("team.resident_join", JOINER, f"case {case.id}: area {code}, joined"),
                    ("team.resident_join", JOINER,
                     f"case {case.id}: area {code}, already in the area"),
                    ("team.resident_join", CALLER,
                     f"case {ward_case(app)}: area {code}, own case")]
    # the area's page counts them
    officer = signed_in(app, "bs-th")
    assert 'id="residents">1<' in text(officer.get(f"/hotline/areas/{hac_thanh_area['id']}"))


def ward_case(app) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(QuarantineCase.id).where(QuarantineCase.phone == CALLER))


@pytest.mark.parametrize(("form", "field_message"), [
    ({"phone": "0912"}, "Số điện thoại di động không hợp lệ"),
    ({"phone": "024 3826 1234"}, "Số điện thoại di động không hợp lệ"),
    ({"area": ""}, "Chọn một khu vực cách ly đang áp dụng"),
    ({"area": "999999"}, "Chọn một khu vực cách ly đang áp dụng"),
    ({"area": "99999999999999999999"}, "Chọn một khu vực cách ly đang áp dụng"),
    ({"name": ""}, "Họ tên từ 2 đến 80 ký tự"),
])
def test_a_resident_with_a_phone_s_mistakes_are_explained(app, hac_thanh_area, team, form,
                                                         field_message):
    posted = {"name": "Vũ Thị Hoa", "phone": JOINER, "area": str(hac_thanh_area["id"]),
              **form}
    response = team.post("/hotline/team/residents/new", posted)
    assert response.status_code == 400 and field_message in text(response)
    assert f'value="{posted["phone"]}"' in text(response)  # what was typed stays
    assert area_cases(app, hac_thanh_area["id"]) == []


def test_another_commune_s_area_is_not_offered_nor_taken(app, ward, team):
    from gateway.quarantine import isolation
    from gateway.store import users
    make_user(app, "bs-th", "health_officer", area=Area(TH))
    with transaction(runtimes.of(app).sessions) as session:
        other = isolation.declare(session, province_code=TH, ward_code=QUANG_PHU, street="",
                                  start=days(0), end=days(9),
                                  manager=users.by_username(session, "bs-th"),
                                  declared_by=None, officer_area=Area(TH), channel="hotline",
                                  operator="bs-th", day=days(0))
        other_id, other_code = other.id, other.code
    assert other_code not in text(team.get("/hotline/team/residents/new"))
    response = team.post("/hotline/team/residents/new", {
        "name": "Vũ Thị Hoa", "phone": JOINER, "area": str(other_id)})
    assert response.status_code == 400 and area_cases(app, other_id) == []


def test_a_resident_without_a_phone_is_put_in_the_isolation_area(app, hac_thanh_area,
                                                                 team, inbox):
    response = team.post("/hotline/team/residents/new", {
        **NEWCOMER, "area": str(hac_thanh_area["id"])})  # no dates nor manager: the area's
    assert response.headers["Location"].endswith("/hotline/team")
    [case] = area_cases(app, hac_thanh_area["id"])
    assert (case.phone, case.full_name, case.kind, case.manager_id, case.end_date) == (
        None, "Lê Thị Cúc", "area", hac_thanh_area["officer"], days(9))
    assert "Lê Thị Cúc (1948)" in text(team.get("/hotline/team"))
    officer = signed_in(app, "bs-th")
    assert 'id="residents">1<' in text(officer.get(f"/hotline/areas/{hac_thanh_area['id']}"))
    done = [(e.action, e.phone, e.detail) for e in audit_entries(app)]
    assert ("team.resident_add", None, f"case {case.id}: no phone, manager "
                                       f"#{hac_thanh_area['officer']}, area "
                                       f"#{hac_thanh_area['id']}") in done
