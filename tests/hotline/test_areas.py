"""Access by area for console accounts and API tokens: `--province` / `--commune` on
`gateway token create` and `gateway user create`, the area on the admin's user page,
and a limited manager's console (roster, enrolment in a facility)."""

from __future__ import annotations

import json

from gateway import runtime as runtimes
from gateway.store import areas, tokens
from gateway.store.areas import Area
from gateway.store.db import transaction
from tests.hotline.conftest import MANAGER_PHONE, Console, make_user, make_venue, text, user
from tests.hotline.test_admin import admin
from tests.hotline.test_quarantine import cases, enrol
from tests.test_processes import cli

TH, HAC_THANH, HCM = 38, 14797, 79
PASSWORD_IN = "a long console password\n"


def token_area(app, name: str) -> Area | None:
    with runtimes.of(app).sessions() as session:
        [found] = [t for t in tokens.all_tokens(session) if t.name == name]
        return areas.of(session, token_id=found.id)


def user_area(app, username: str) -> Area | None:
    with runtimes.of(app).sessions() as session:
        return areas.of(session, user_id=user(app, username).id)


def test_token_create_with_a_province_and_communes(app, config):
    result = cli(config, "token", "create", "--name", "thanh-hoa", "--province", "Thanh Hoa",
                 "--commune", "Hac Thanh", "--commune", "16522")
    assert result.exit_code == 0, result.output
    assert "limited to Thanh Hóa: Phường Hạc Thành, Phường Quảng Phú" in result.output
    assert token_area(app, "thanh-hoa") == Area(TH, frozenset({HAC_THANH, 16522}))
    listed = cli(config, "token", "list", "--json")
    assert json.loads(listed.output.splitlines()[0])["area"] == (
        "Thanh Hóa: Phường Hạc Thành, Phường Quảng Phú")
    national = cli(config, "token", "create", "--name", "national")
    assert national.exit_code == 0 and token_area(app, "national") is None
    assert "area" not in cli(config, "token", "list").output.splitlines()[1]


def test_token_create_refuses_a_bad_area_naming_the_option(app, config):
    refusals = [(("--province", "Atlantis"), "--province", "no province is called 'Atlantis'"),
                (("--province", "39"), "--province", "39 is not the official code"),
                (("--province", "38", "--commune", "Hoan Kiem"), "--commune",
                 "Thanh Hóa has no commune called 'Hoan Kiem'"),
                (("--commune", "Hac Thanh"), "--commune", "--commune needs --province")]
    for options, hint, reason in refusals:
        result = cli(config, "token", "create", "--name", "bad", *options)
        assert result.exit_code == 2, result.output
        assert hint in result.output and reason in result.output
        assert "Traceback" not in result.output
    with runtimes.of(app).sessions() as session:
        assert tokens.all_tokens(session) == []


def test_user_create_limits_a_manager_and_refuses_other_roles(app, config):
    result = cli(config, "user", "create", "mgr-th", "--role", "manager", "--phone",
                 "0903000111", "--province", "38", "--password-stdin", input=PASSWORD_IN)
    assert result.exit_code == 0, result.output
    assert "limited to Thanh Hóa" in result.output
    assert user_area(app, "mgr-th") == Area(TH)
    refused = cli(config, "user", "create", "op-th", "--role", "operator", "--province", "38",
                  "--password-stdin", input=PASSWORD_IN)
    assert refused.exit_code == 2
    assert ("an area limits only manager, health_officer, community_team accounts"
            in refused.output)
    assert user(app, "op-th") is None
    bad = cli(config, "user", "create", "mgr-x", "--role", "manager", "--phone", "0903000111",
              "--province", "Atlantis", "--password-stdin", input=PASSWORD_IN)
    assert bad.exit_code == 2 and "--province" in bad.output and user(app, "mgr-x") is None


def test_an_admin_creates_a_manager_limited_to_communes(app):
    browser = admin(app)
    response = browser.post("/hotline/admin/users", {
        "username": "mgr2", "role": "manager", "phone": "0903000111",
        "password": "long enough password", "province": "38",
        "communes": "Hac Thanh, 16522"})
    assert response.status_code == 302
    assert user_area(app, "mgr2") == Area(TH, frozenset({HAC_THANH, 16522}))
    page = text(browser.get("/hotline/admin/users"))
    assert "Thanh Hóa: Phường Hạc Thành, Phường Quảng Phú" in page


def test_area_errors_on_the_user_page_are_explained(app):
    browser = admin(app)
    base = {"username": "mgr3", "role": "manager", "phone": "0903000111",
            "password": "long enough password"}
    cases_ = [({"province": "38", "communes": "Hoan Kiem"},
               "“Hoan Kiem” không phải tên chính xác hay mã của một xã/phường"),
              ({"province": "999"}, "Không có tỉnh/thành phố “999”"),
              ({"communes": "Hac Thanh"}, "Chọn tỉnh/thành phố trước khi ghi xã/phường"),
              ({"role": "operator", "province": "38"},
               "Chỉ giới hạn địa bàn cho cán bộ quản lý")]
    for form, message in cases_:
        response = browser.post("/hotline/admin/users", {**base, **form})
        assert response.status_code == 400 and message in text(response), message
    assert user(app, "mgr3") is None


def test_an_admin_changes_and_lifts_a_managers_area(app):
    browser = admin(app)
    make_user(app, "mgr4", "manager", phone=MANAGER_PHONE)
    path = f"/hotline/admin/users/{user(app, 'mgr4').id}"
    browser.post(path, {"action": "area", "province": "38", "communes": "14797"})
    assert user_area(app, "mgr4") == Area(TH, frozenset({HAC_THANH}))
    assert "Đã đặt địa bàn cho mgr4" in text(browser.get("/hotline/admin/users"))
    browser.post(path, {"action": "area", "province": ""})
    assert user_area(app, "mgr4") is None
    make_user(app, "op4", "operator")
    browser.post(f"/hotline/admin/users/{user(app, 'op4').id}",
                 {"action": "area", "province": "38"})
    assert user_area(app, "op4") is None
    assert "Chỉ giới hạn địa bàn cho cán bộ quản lý" in text(browser.get("/hotline/admin/users"))


def limited_manager(app, username: str, area: Area) -> Console:
    make_user(app, username, "manager", phone=MANAGER_PHONE)
    with transaction(runtimes.of(app).sessions) as session:
        areas.assign(session, area, user_id=user(app, username).id)
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser


def test_a_limited_manager_enrols_only_in_a_facility_of_their_area(app):
    facility = make_venue(app, "Khu cách ly Củ Chi")  # Ho Chi Minh City
    thanh_hoa = limited_manager(app, "mgr-th", Area(TH))
    response = enrol(thanh_hoa, kind="facility", venue=facility["code"])
    assert response.status_code == 400
    assert "Cơ sở cách ly này nằm ngoài địa bàn của bạn (Thanh Hóa)" in text(response)
    assert cases(app) == []
    home = enrol(thanh_hoa, name="Lê Văn Cường")  # home quarantine: no facility to check
    assert home.status_code == 302
    saigon = limited_manager(app, "mgr-hcm", Area(HCM))
    assert enrol(saigon, phone="0987654321", kind="facility",
                 venue=facility["code"]).status_code == 302
    assert "Lê Văn Cường" in text(thanh_hoa.get("/hotline/roster"))
    assert "Lê Văn Cường" not in text(saigon.get("/hotline/roster"))
    assert len(cases(app)) == 2


def test_an_admin_creates_a_token_limited_to_a_province(app):
    browser = admin(app)
    response = browser.post("/hotline/admin/tokens", {
        "name": "thanh-hoa", "scopes": ["read"], "province": "38", "communes": ""})
    assert response.status_code == 200 and 'id="token-secret"' in text(response)
    assert token_area(app, "thanh-hoa") == Area(TH)
    assert "Thanh Hóa" in text(browser.get("/hotline/admin/tokens"))
    bad = browser.post("/hotline/admin/tokens", {"name": "bad", "scopes": ["read"],
                                                 "province": "38", "communes": "Hoan Kiem"})
    assert bad.status_code == 400 and "“Hoan Kiem” không phải tên chính xác" in text(bad)
    with runtimes.of(app).sessions() as session:
        assert [k.name for k in tokens.all_tokens(session)] == ["thanh-hoa"]
