"""Hostile input to the console gets a page with the reason (or a 400/404), never a
server error: control characters in any field, ids beyond the id column."""

import pytest

from tests.hotline.conftest import make_user, text


@pytest.fixture
def manager(app, client):
    """A browser signed in as a quarantine manager."""
    from tests.hotline.conftest import Console
    make_user(app, "mgr1", "manager", phone="+84903000111")
    browser = Console(client)
    assert browser.login("mgr1").status_code == 302
    return browser


@pytest.mark.parametrize("case", ["99999999999999999999", "2147483648", "²", "-1", ""])
def test_a_case_id_beyond_the_column_is_not_found(manager, case):
    response = manager.post("/hotline/roster/case", {"action": "close", "case": case})
    assert response.status_code == 404


def test_a_nul_in_any_field_is_refused_with_the_reason(operator):
    response = operator.post("/hotline/call", {"phone": "0912\x00345678"})
    assert response.status_code == 400
    assert "phone" in text(response) and "NUL" in text(response)


def test_a_control_character_in_the_query_is_refused(operator):
    response = operator.post("/hotline/call?x=%07", {"phone": "0912345678"})
    assert response.status_code == 400


def test_a_user_id_beyond_the_column_is_no_route(app, client):
    from tests.hotline.conftest import Console
    make_user(app, "adm1", "admin")
    admin = Console(client)
    assert admin.login("adm1").status_code == 302
    assert admin.post("/hotline/admin/users/99999999999", {"action": "disable"}
                      ).status_code == 404


def test_an_audit_page_before_beyond_the_column_is_answered(app, client):
    from tests.hotline.conftest import Console
    make_user(app, "adm1", "admin")
    admin = Console(client)
    assert admin.login("adm1").status_code == 302
    assert admin.get("/hotline/admin/audit?before=99999999999999").status_code < 500
