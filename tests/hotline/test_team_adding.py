"""Community teams in the console, through the real app (PostgreSQL, Redis, Twilio
stand-in, a real RQ worker): a team member adds residents. One without a phone,
followed by a manager of the ward; and, to an active isolation area of the ward, one with
a phone (welcomed by SMS, never twice, never taken off their own case) or without. The
mistakes in each form are explained, and another commune's area is neither offered nor
taken."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase
from tests.hotline.conftest import (
    CALLER,
    audit_entries,
    days,
    make_user,
    text,
)
from tests.hotline.teams import (
    HAC_THANH,
    NEWCOMER,
    QUANG_PHU,
    TH,
    newcomer,
    signed_in,
    team_fixture,  # noqa: F401 (a fixture)
    ward_fixture,  # noqa: F401 (a fixture)
)


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
