"""Who may open what: every console route, for every role and for a signed-out
browser, is allowed or denied as this table says. A route missing from the table
fails the test, so a new page cannot arrive without deciding who may see it."""

from __future__ import annotations

import pytest

from gateway.store.users import ROLES
from tests.hotline.conftest import Console, make_user, make_venue

# Every role the store knows (a new one is checked against every route at once).
ANYONE = ("anonymous", *ROLES)
STAFF = ("operator", "venue_staff", "manager", "admin")
DECLARERS = ("operator", "venue_staff")

# (method, endpoint) → the roles allowed.
TABLE: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "hotline.home"): ANYONE,
    ("GET", "hotline.login"): ANYONE,
    ("POST", "hotline.login"): ANYONE,
    ("POST", "hotline.logout"): ANYONE,
    ("POST", "hotline.switch_language"): ANYONE,
    ("GET", "hotline.static"): ANYONE,
    ("GET", "hotline.call_start"): ("operator",),
    ("POST", "hotline.call_start"): ("operator",),
    ("GET", "hotline.call_code"): ("operator",),
    ("POST", "hotline.call_code"): ("operator",),
    ("POST", "hotline.call_resend"): DECLARERS,
    ("POST", "hotline.call_end"): DECLARERS,
    ("GET", "hotline.caller"): ("operator",),
    ("GET", "hotline.caller_checkin"): ("operator",),
    ("POST", "hotline.caller_checkin"): ("operator",),
    ("GET", "hotline.caller_report"): ("operator",),
    ("POST", "hotline.caller_report"): ("operator",),
    ("GET", "hotline.declare_form"): DECLARERS,
    ("POST", "hotline.declare_check"): DECLARERS,
    ("GET", "hotline.declare_confirm"): DECLARERS,
    ("POST", "hotline.declare_submit"): DECLARERS,
    ("GET", "hotline.declare_done"): DECLARERS,
    ("GET", "hotline.communes"): (*STAFF, "health_officer"),
    ("GET", "hotline.staff_home"): ("venue_staff",),
    ("POST", "hotline.staff_home"): ("venue_staff",),
    ("GET", "hotline.staff_code"): ("venue_staff",),
    ("POST", "hotline.staff_code"): ("venue_staff",),
    ("GET", "hotline.staff_visitors"): ("venue_staff",),
    ("GET", "hotline.roster"): ("manager",),
    ("GET", "hotline.roster_today"): ("manager",),
    ("GET", "hotline.roster_digest"): ("manager",),
    ("GET", "hotline.enrol_case"): ("manager",),
    ("POST", "hotline.enrol_case"): ("manager",),
    ("POST", "hotline.change_case"): ("manager",),
    # issue 16: a case's page
    ("GET", "hotline.case_page"): ("manager", "health_officer", "admin"),
    ("POST", "hotline.alert_clear"): ("manager",),
    ("GET", "hotline.case_close"): ("manager",),
    ("POST", "hotline.case_close"): ("manager",),
    ("POST", "hotline.case_reopen"): ("manager",),
    ("GET", "hotline.admin_users"): ("admin",),
    ("POST", "hotline.admin_users"): ("admin",),
    ("POST", "hotline.admin_user_change"): ("admin",),
    ("GET", "hotline.admin_venues"): ("admin",),
    ("POST", "hotline.admin_venues"): ("admin",),
    ("GET", "hotline.venue_poster"): ("admin",),
    ("GET", "hotline.venue_qr"): ("admin",),
    ("GET", "hotline.admin_tokens"): ("admin",),
    ("POST", "hotline.admin_tokens"): ("admin",),
    ("POST", "hotline.admin_token_revoke"): ("admin",),
    ("GET", "hotline.admin_audit"): ("admin",),
    ("POST", "hotline.admin_audit"): ("admin",),
    # issue 15: data-subject requests
    ("GET", "hotline.data_request_list"): ("admin",),
    ("POST", "hotline.data_request_list"): ("admin",),
    ("POST", "hotline.data_request_acknowledge"): ("admin",),
    ("POST", "hotline.data_request_export"): ("admin",),
    ("POST", "hotline.data_request_erase"): ("admin",),
    ("POST", "hotline.data_request_close"): ("admin",),
    # issue 16: the locality dashboard (a manager sees their own cases' part)
    ("GET", "hotline.dashboard"): ("health_officer", "manager", "admin"),
    # issue 16: search, paging, exports, print
    ("POST", "hotline.roster_search"): ("manager",),
    ("GET", "hotline.roster_print"): ("manager",),
    ("POST", "hotline.staff_visitors_search"): ("venue_staff",),
    ("POST", "hotline.admin_users_search"): ("admin",),
    ("POST", "hotline.admin_venues_search"): ("admin",),
    ("GET", "hotline.venue_visits"): ("admin",),
    ("POST", "hotline.venue_visits_search"): ("admin",),
    # every role may export the lists it sees (health officers: the dashboard's tables)
    ("POST", "hotline.export_list"): ROLES,
    ("GET", "hotline.export_progress"): ROLES,
    ("GET", "hotline.export_status"): ROLES,
    ("GET", "hotline.export_file"): ROLES,
    # issue 17: exposure notification
    ("GET", "hotline.exposure_cases"): ("health_officer", "manager", "admin"),
    ("POST", "hotline.exposure_mark"): ("health_officer", "manager", "admin"),
    ("GET", "hotline.exposure_case"): ("health_officer", "manager", "admin"),
    ("POST", "hotline.exposure_notify"): ("health_officer", "manager", "admin"),
    # issue 17: community teams (their own pages only)
    ("GET", "hotline.team_residents"): ("community_team",),
    ("GET", "hotline.team_add"): ("community_team",),
    ("POST", "hotline.team_add"): ("community_team",),
    ("POST", "hotline.team_send_code"): ("community_team",),
    ("GET", "hotline.team_code"): ("community_team",),
    ("POST", "hotline.team_code"): ("community_team",),
    ("POST", "hotline.team_resend"): ("community_team",),
    ("POST", "hotline.team_cancel"): ("community_team",),
    ("GET", "hotline.team_report"): ("community_team",),
    ("POST", "hotline.team_report"): ("community_team",),
    # issue 17: isolation areas
    ("GET", "hotline.isolation_areas"): ("health_officer", "manager", "admin"),
    ("POST", "hotline.declare_area"): ("health_officer", "manager", "admin"),
    ("GET", "hotline.isolation_area"): ("health_officer", "manager", "admin"),
    ("POST", "hotline.change_area"): ("health_officer", "manager", "admin"),
}


def routes(app) -> list[tuple[str, str, str]]:
    """(method, endpoint, rule) of every console route."""
    return sorted((method, rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("hotline.")
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def test_the_table_covers_every_route(app):
    assert {(m, e) for m, e, _ in routes(app)} == set(TABLE)


def test_the_table_names_only_known_roles():
    named = {role for allowed in TABLE.values() for role in allowed}
    assert named <= set(ANYONE)
    assert "health_officer" in named  # the locality role reaches its own pages


def path_of(rule: str, venue_code: str, user_id: int) -> str:
    return (rule.replace("<int:user_id>", str(user_id)).replace("<code>", venue_code)
            .replace("<path:filename>", "console.css").replace("<int:request_id>", "1")
            .replace("<int:case_id>", "1").replace("<int:alert_id>", "1")
            .replace("<int:area_id>", "1"))


@pytest.mark.parametrize("role", ANYONE)
def test_each_role_reaches_exactly_its_pages(app, role):
    venue = make_venue(app)
    admin_id = make_user(app, "someone", "admin")
    browser = Console(app.test_client())
    if role != "anonymous":
        make_user(app, "me", role, venue_codes=(venue["code"],))
        assert browser.login("me").status_code == 302
    wrong = []
    for method, endpoint, rule in routes(app):
        if endpoint in ("hotline.logout", "hotline.login") and method == "POST":
            continue  # would end this browser's session: checked below
        path = path_of(rule, venue["code"], admin_id)
        response = browser.get(path) if method == "GET" else browser.post(path, {})
        location = response.headers.get("Location", "")
        denied = response.status_code == 403 or location.endswith("/hotline/login")
        if endpoint == "hotline.login" or endpoint == "hotline.home":
            denied = response.status_code == 403
        if denied == (role in TABLE[(method, endpoint)]):
            wrong.append(f"{method} {path}: {response.status_code} {location}")
    assert not wrong, "\n".join(wrong)
    if role != "anonymous":
        assert browser.get("/hotline/").status_code == 302
        browser.post("/hotline/logout")
        assert browser.get("/hotline/").headers["Location"].endswith("/hotline/login")


def test_denied_pages_say_so_in_the_users_language(app):
    make_user(app, "op1", "operator")
    browser = Console(app.test_client())
    browser.login("op1")
    response = browser.get("/hotline/admin/users")
    assert response.status_code == 403
    assert "không được mở trang này" in response.get_data(as_text=True)
