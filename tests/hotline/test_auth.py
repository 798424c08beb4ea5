"""Signing in and out: hashed passwords, lock-out, the per-address limit, CSRF on
every form, cookie flags, the idle timeout and sessions that end on the server."""

from __future__ import annotations

import json
import re

from gateway import runtime as runtimes
from hotline import accounts, auth
from tests.hotline.conftest import PASSWORD, Console, make_user, text, user

_CSRF_VALUE = re.compile(r'value="[^"]{40,}"')


def test_the_sign_in_page_is_vietnamese_and_switches_to_english(console):
    page = text(console.get("/hotline/login"))
    assert "Đăng nhập" in page and "Mật khẩu" in page and 'lang="vi"' in page
    switched = console.post("/hotline/language", {"lang": "en", "next": "/hotline/login"})
    assert switched.headers["Location"].endswith("/hotline/login")
    page = text(console.get("/hotline/login"))
    assert "Sign in" in page and "Password" in page and 'lang="en"' in page


def test_the_language_switch_never_leaves_the_console(console):
    response = console.post("/hotline/language", {"lang": "en", "next": "//evil.example/x"})
    assert response.headers["Location"].endswith("/hotline/")


def test_passwords_are_stored_hashed(app):
    make_user(app, "op1", "operator")
    stored = user(app, "op1").password_hash
    assert PASSWORD not in stored and stored.startswith("scrypt:")


def test_a_right_password_goes_to_the_role_start_page(app, console):
    for username, role, start in (("op1", "operator", "/hotline/call"),
                                  ("mgr1", "manager", "/hotline/roster"),
                                  ("adm1", "admin", "/hotline/admin/users")):
        make_user(app, username, role)
        browser = Console(app.test_client())
        response = browser.login(username)
        assert response.headers["Location"].endswith(start), role


def test_missing_fields_are_named_and_the_username_is_kept(console):
    response = console.post("/hotline/login", {"username": "op1", "password": ""})
    assert response.status_code == 400
    assert "Vui lòng nhập mục này" in text(response) and 'value="op1"' in text(response)


def test_a_wrong_password_is_refused_without_saying_which_part(app, console):
    make_user(app, "op1", "operator")
    wrong = console.login("op1", "not the password")
    unknown = console.login("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in text(wrong)
    assert text(wrong).count("not the password") == 0  # never echoed back
    assert user(app, "op1").failed_logins == 1


def test_five_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(app, console):
    make_user(app, "op1", "operator")
    for _ in range(accounts.MAX_FAILED):
        assert console.login("op1", "wrong password!").status_code == 401
    assert user(app, "op1").locked_until is not None
    assert console.login("op1").status_code == 401  # even the right password
    make_user(app, "adm1", "admin")
    admin = Console(app.test_client())
    admin.login("adm1")
    admin.post(f"/hotline/admin/users/{user(app, 'op1').id}", {"action": "unlock"})
    assert console.login("op1").status_code == 302


def answer(response) -> tuple[int, str]:
    """Status and page text, without the per-session CSRF token."""
    return response.status_code, _CSRF_VALUE.sub('value=""', text(response))


def test_a_locked_account_answers_exactly_like_a_wrong_password(app, console, monkeypatch):
    # Telling them apart would tell an attacker which usernames exist.
    make_user(app, "op1", "operator")
    wrong = answer(console.login("op1", "wrong password!"))
    for _ in range(accounts.MAX_FAILED - 1):
        console.login("op1", "wrong password!")
    assert user(app, "op1").locked_until is not None
    hashes = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda *a: hashes.append(1) or real(*a))
    locked_wrong = answer(console.login("op1", "wrong password!"))
    locked_right = answer(console.login("op1"))
    unknown = answer(console.login("nobody", "wrong password!"))
    assert wrong == locked_wrong == locked_right
    assert wrong[0] == unknown[0] == 401 and "tạm" in wrong[1]  # the lock rule is stated
    assert "nobody" in unknown[1] and wrong[1] == unknown[1].replace("nobody", "op1")
    # The same cost class: one scrypt check per attempt, locked or not.
    assert len(hashes) == 3


def test_many_failures_from_one_address_are_slowed_down(app, console):
    make_user(app, "op1", "operator")
    for n in range(auth.IP_MAX_FAILURES):
        console.login(f"guess{n}", "wrong password!")
    blocked = console.login("op1")
    assert blocked.status_code == 429 and "Quá nhiều lần đăng nhập" in text(blocked)


def test_forms_without_a_valid_csrf_token_are_refused(app, console):
    make_user(app, "op1", "operator")
    missing = console.post("/hotline/login", {"username": "op1", "password": PASSWORD},
                           csrf=False)
    forged = console.post("/hotline/login", {"username": "op1", "password": PASSWORD,
                                             "csrf_token": "forged"})
    assert missing.status_code == forged.status_code == 400
    assert "Biểu mẫu đã hết hạn" in text(missing)
    console.login("op1")
    assert console.post("/hotline/logout", csrf=False).status_code == 400
    assert console.get("/hotline/call").status_code == 200  # still signed in


def test_every_form_on_every_page_carries_a_csrf_token(app, operator):
    for path in ("/hotline/call", "/hotline/login"):
        page = text(operator.get(path, follow_redirects=True))
        assert page.count("<form") == page.count('name="csrf_token"') > 0


def test_the_session_cookie_is_httponly_samesite_and_secure(app, console):
    make_user(app, "op1", "operator")
    cookie = console.login("op1").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_pages_forbid_framing_caching_and_foreign_scripts(console):
    headers = console.get("/hotline/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"


def test_an_idle_session_expires(app, operator):
    redis = runtimes.of(app).redis
    [key] = redis.keys("hotline:session:*")
    data = json.loads(redis.get(key))
    data["seen"] -= app.config["HOTLINE_IDLE_SECONDS"] + 1
    redis.set(key, json.dumps(data))
    response = operator.get("/hotline/call")
    assert response.headers["Location"].endswith("/hotline/login")
    assert "hết hạn" in text(operator.get("/hotline/login"))
    assert not redis.exists(key)


def test_signing_out_ends_the_session_on_the_server(app, client, operator):
    cookie = client.get_cookie("session").value
    operator.post("/hotline/logout")
    client.set_cookie("session", cookie)  # a copy of the old cookie is worth nothing
    assert client.get("/hotline/call").status_code == 302


def test_a_deactivated_user_is_signed_out_at_once(app, operator):
    make_user(app, "adm1", "admin")
    admin = Console(app.test_client())
    admin.login("adm1")
    admin.post(f"/hotline/admin/users/{user(app, 'op1').id}", {"action": "deactivate"})
    assert operator.get("/hotline/call").status_code == 302
    assert operator.login("op1").status_code == 401


def test_signing_in_gives_a_new_session_id(app, client, console):
    make_user(app, "op1", "operator")
    console.get("/hotline/login")
    console.login("op1")
    first = runtimes.of(app).redis.keys("hotline:session:*")
    console.post("/hotline/logout")
    console.login("op1")
    assert first and runtimes.of(app).redis.keys("hotline:session:*") != first


def test_the_idle_timeout_is_configured_in_minutes():
    import pytest

    from gateway.config import ConfigError
    from hotline import idle_minutes
    assert idle_minutes({}) == 15 and idle_minutes({"HOTLINE_IDLE_MINUTES": "30"}) == 30
    for bad in ("0", "-5", "ten"):
        with pytest.raises(ConfigError, match="HOTLINE_IDLE_MINUTES"):
            idle_minutes({"HOTLINE_IDLE_MINUTES": bad})
