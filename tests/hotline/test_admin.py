"""Administrators: users (with venues for venue staff), venues and their posters, API
tokens, and the audit log; plus the operator's check-in by venue code and the
commune type-ahead every form uses."""

from __future__ import annotations

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.models import ApiToken, Venue, Visit
from hotline import accounts
from tests.hotline.conftest import CALLER, Console, make_user, make_venue, text, user
from tests.hotline.test_call import FORM, verify


def admin(app) -> Console:
    make_user(app, "adm1", "admin")
    browser = Console(app.test_client())
    assert browser.login("adm1").status_code == 302
    return browser


def test_an_admin_creates_venue_staff_bound_to_venues(app, market):
    browser = admin(app)
    response = browser.post("/hotline/admin/users", {
        "username": "staff2", "role": "venue_staff", "venues": market["code"],
        "password": "long enough password", "display_name": "Lan"})
    assert response.status_code == 302
    created = user(app, "staff2")
    with runtimes.of(app).sessions() as session:
        assert [v.code for v in accounts.venues_of(session, created.id)] == [market["code"]]
    assert market["code"] in text(browser.get("/hotline/admin/users"))


def test_user_form_errors_are_explained_and_kept_but_never_the_password(app):
    browser = admin(app)
    cases = [({"username": "A B", "role": "operator"}, "Tên đăng nhập: 2-60"),
             ({"username": "adm1", "role": "operator"}, "đã có người dùng"),
             ({"username": "x1", "role": "venue_staff"}, "cần ít nhất một mã địa điểm"),
             ({"username": "x1", "role": "venue_staff", "venues": "1234567"},
              "Không có địa điểm mã 1234567"),
             ({"username": "x1", "role": "manager", "phone": "12"}, "Số di động không hợp lệ"),
             ({"username": "x1", "role": "operator", "password": "short"}, "ít nhất 10 ký tự")]
    for form, message in cases:
        response = browser.post("/hotline/admin/users", {"password": "short", **form})
        assert response.status_code == 400 and message in text(response), message
        assert f'value="{form["username"]}"' in text(response)
        assert 'value="short"' not in text(response)


def test_an_admin_sets_a_password_and_cannot_deactivate_themselves(app):
    browser = admin(app)
    make_user(app, "op1", "operator")
    browser.post(f"/hotline/admin/users/{user(app, 'op1').id}",
                 {"action": "password", "password": "a brand new password"})
    assert Console(app.test_client()).login("op1", "a brand new password").status_code == 302
    browser.post(f"/hotline/admin/users/{user(app, 'adm1').id}", {"action": "deactivate"})
    assert user(app, "adm1").active
    assert "Không thể tự khóa" in text(browser.get("/hotline/admin/users"))


def test_an_admin_registers_a_venue_and_downloads_its_poster(app):
    browser = admin(app)
    bad = browser.post("/hotline/admin/venues", {"name": "", "kind": "market",
                                                 "province": "", "ward": "zzzz"})
    assert bad.status_code == 400 and 'value="zzzz"' in text(bad)
    response = browser.post("/hotline/admin/venues", {
        "name": "Trường THCS Lê Lợi", "kind": "school", "province": "1",
        "ward": "Hoàn Kiếm", "street": "1 Tràng Thi", "contact": ""})
    assert response.status_code == 302
    with runtimes.of(app).sessions() as session:
        venue = session.scalar(select(Venue))
    assert (venue.ward_name, venue.channel, venue.operator) == ("Phường Hoàn Kiếm", "hotline",
                                                                "adm1")
    poster = browser.get(f"/hotline/admin/venues/{venue.code}/poster.svg")
    assert poster.mimetype == "image/svg+xml" and f"CI {venue.code}" in text(poster)
    qr = browser.get(f"/hotline/admin/venues/{venue.code}/qr.png")
    assert qr.data.startswith(b"\x89PNG")
    assert browser.get("/hotline/admin/venues/0000000/qr.png").status_code == 404


def test_api_tokens_are_shown_once_and_can_be_revoked(app):
    browser = admin(app)
    page = text(browser.post("/hotline/admin/tokens", {"name": "web", "scopes": ["read"]}))
    assert "chỉ hiện một lần" in page and 'id="token-secret">gw_' in page
    assert browser.post("/hotline/admin/tokens", {"name": "web"}).status_code == 400
    browser.post("/hotline/admin/tokens/revoke", {"name": "web"})
    with runtimes.of(app).sessions() as session:
        token = session.scalar(select(ApiToken))
    assert token.revoked_at is not None and "gw_" not in text(browser.get("/hotline/admin/tokens"))


def test_the_audit_log_shows_who_did_what_and_filters_by_phone(app, operator, inbox):
    verify(operator, inbox)
    operator.get("/hotline/caller")
    browser = admin(app)
    page = text(browser.get("/hotline/admin/audit"))
    assert "caller.view" in page and "otp.send" in page and "op1" in page
    filtered = text(browser.post("/hotline/admin/audit", {"phone": "0987 654 321"}))
    assert "caller.view" not in filtered
    assert "caller.view" in text(browser.post("/hotline/admin/audit", {"phone": CALLER}))
    assert browser.post("/hotline/admin/audit", {"phone": "12"}).status_code == 400


def test_an_operator_checks_a_verified_caller_in_by_venue_code(app, operator, inbox, market):
    verify(operator, inbox)
    no_declaration = operator.post("/hotline/caller/checkin", {"code": market["code"]})
    assert no_declaration.status_code == 400 and "khai báo trước" in text(no_declaration)
    operator.post("/hotline/declare", FORM)
    operator.post("/hotline/declare/submit")
    swapped = market["code"][:-2] + market["code"][-1] + market["code"][-2]
    if swapped != market["code"]:
        typo = operator.post("/hotline/caller/checkin", {"code": swapped})
        assert typo.status_code == 400 and f'value="{swapped}"' in text(typo)
    response = operator.post("/hotline/caller/checkin", {"code": market["code"]})
    assert response.status_code == 302
    assert "Đã check-in tại Chợ Bến Thành" in text(operator.get("/hotline/caller"))
    with runtimes.of(app).sessions() as session:
        visit = session.scalar(select(Visit))
    assert (visit.phone, visit.operator, visit.channel) == (CALLER, "op1", "hotline")


def test_the_commune_type_ahead_matches_like_an_sms_answer(app, operator):
    found = operator.get("/hotline/places/communes?province=1&q=hoan kiem").get_json()
    assert found["communes"][0]["name"] == "Phường Hoàn Kiếm"
    assert operator.get("/hotline/places/communes?province=99&q=a").get_json() == {
        "communes": []}


def test_a_second_venue_keeps_staff_bindings_apart(app):
    first, second = make_venue(app, "A"), make_venue(app, "B")
    make_user(app, "s1", "venue_staff", venue_codes=(first["code"],))
    make_user(app, "s2", "venue_staff", venue_codes=(second["code"], first["code"]))
    with runtimes.of(app).sessions() as session:
        assert [v.name for v in accounts.venues_of(session, user(app, "s2").id)] == ["A", "B"]
        assert [v.name for v in accounts.venues_of(session, user(app, "s1").id)] == ["A"]
