"""A health officer reads the case pages of their area: the whole history, read only (no
note box, no close, reopen or extend; those POSTs answer 403 and change nothing); a case
outside their area is a 404, as for a manager. Every view is audited."""

from __future__ import annotations

from gateway.store.areas import Area
from tests.hotline.conftest import (
    CALLER,
    MANAGER_PHONE,
    Console,
    audit_entries,
    days,
    make_user,
    text,
)
from tests.hotline.test_case_page import report, stored_alerts
from tests.hotline.test_quarantine import cases, enrol
from tests.store.dashboard_data import HAC_THANH, HN, TH


def a_case(app, area: Area | None = None) -> int:
    """mgr1 (limited to `area`) and their case, with a danger report today; its id."""
    make_user(app, "mgr1", "manager", phone=MANAGER_PHONE, area=area)
    manager = Console(app.test_client())
    assert manager.login("mgr1").status_code == 302
    enrol(manager)
    [case] = cases(app)
    report(app, case.id, days(0), symptoms=(3,), temperature=39.1, danger=True)
    return case.id


def officer(app, username: str, area: Area) -> Console:
    make_user(app, username, "health_officer", area=area)
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser


def test_an_officer_of_the_area_reads_the_case_but_does_not_act(app):
    case_id = a_case(app, area=Area(TH))
    reader = officer(app, "officer", Area(TH))
    response = reader.get(f"/hotline/cases/{case_id}")
    page = text(response)
    assert response.status_code == 200
    assert "Trần Thị Bình" in page and 'id="temperature-chart"' in page and CALLER not in page
    for control in ("<textarea", 'id="close-case"', 'id="reopen"', "clear-alert"):
        assert control not in page, control
    assert ("case.view", "officer") in [(e.action, e.username) for e in audit_entries(app)]

    [alert] = stored_alerts(app)
    path = f"/hotline/cases/{case_id}"
    assert reader.post(f"{path}/alerts/{alert.id}/clear", {"note": "gọi rồi"}).status_code == 403
    assert reader.get(f"{path}/close").status_code == 403
    assert reader.post(f"{path}/close").status_code == 403
    assert reader.post(f"{path}/reopen", {"end": days(20).isoformat()}).status_code == 403
    assert reader.post("/hotline/roster/case", {"case": case_id, "action": "extend",
                                                  "end": days(30).isoformat()}).status_code == 403
    [case] = cases(app)
    assert (case.status, case.end_date) == ("active", days(11))
    assert stored_alerts(app)[0].cleared_at is None


def test_an_officer_outside_the_area_gets_not_found(app):
    case_id = a_case(app, area=Area(TH))
    assert officer(app, "officer-hn", Area(HN)).get(
        f"/hotline/cases/{case_id}").status_code == 404
    # An officer of one commune: a case whose manager holds the whole province is not
    # inside their area (a case lies where its manager's area lies).
    assert officer(app, "officer-ht", Area(TH, frozenset({HAC_THANH}))).get(
        f"/hotline/cases/{case_id}").status_code == 404


def test_a_case_of_an_unlimited_manager_is_in_no_officers_area(app):
    case_id = a_case(app)
    assert officer(app, "officer", Area(TH)).get(f"/hotline/cases/{case_id}").status_code == 404
