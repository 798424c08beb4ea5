"""Community teams in the console, through the real app (PostgreSQL, Redis, Twilio
stand-in, a real RQ worker): whom a team member sees. The residents of their ward only,
phones masked, and never another province's; nobody of another province sees theirs; and
a team account needs an area, from the command line and the admin form alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase
from hotline import accounts
from tests.hotline.conftest import (
    CALLER,
    Console,
    audit_entries,
    make_user,
    text,
)
from tests.hotline.teams import (
    newcomer,
    signed_in,
    team_fixture,  # noqa: F401 (a fixture)
    ward_fixture,  # noqa: F401 (a fixture)
)
from tests.test_processes import cli


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
