"""A case's page in the console: who may open it (its manager, an administrator; others
get 404), what it shows (masked phone, every day with missed ones, the chart and its
table, the symptom grid, alerts), clearing an alert with a note (once, audited, never
without a note), closing after a confirmation and reopening."""

from __future__ import annotations

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.phones import mask
from gateway.store import alerts
from gateway.store import quarantine as store
from gateway.store.db import transaction
from gateway.store.models import Alert
from tests.hotline.conftest import CALLER, Console, audit_entries, days, make_user, text
from tests.hotline.test_quarantine import cases, enrol, manager


def report(app, case_id: int, day, symptoms=(), temperature=None, danger=False) -> int:
    """Store a report for `day` (and its alert when `danger`); the report id."""
    with transaction(runtimes.of(app).sessions) as session:
        saved, _ = store.record_report(session, case_id, day, symptoms=symptoms,
                                       temperature=temperature, danger=danger,
                                       channel="sms")
        if danger:
            alerts.raise_alert(session, case_id, saved.id, [s for s in symptoms if s in (3, 7, 8)])
        return saved.id


def stored_alerts(app) -> list[Alert]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def a_case(app) -> tuple[Console, int]:
    """mgr1 and their case (started 2 days ago); reported 2 days ago with 37.2 and
    today with breathlessness and 39.1, missed yesterday."""
    browser = manager(app)
    enrol(browser)
    [case] = cases(app)
    report(app, case.id, days(-2), temperature=37.2)
    report(app, case.id, days(0), symptoms=(3,), temperature=39.1, danger=True)
    return browser, case.id


def test_the_roster_links_to_the_case_page_without_the_phone(app):
    browser, case_id = a_case(app)
    roster = text(browser.get("/hotline/roster"))
    assert f'href="/hotline/cases/{case_id}"' in roster
    assert CALLER not in f"/hotline/cases/{case_id}"
    assert f'href="/hotline/cases/{case_id}"' in text(browser.get("/hotline/roster/today"))


def test_the_page_shows_the_person_days_chart_grid_and_alert(app):
    browser, case_id = a_case(app)
    page = text(browser.get(f"/hotline/cases/{case_id}"))
    assert "Trần Thị Bình" in page and mask(CALLER) in page and CALLER not in page
    assert "1/3 ngày chưa báo cáo" in page
    assert page.count('<li class="missed"') == 1  # yesterday, in the timeline
    assert f'data-day="{days(-1).isoformat()}"' in page
    assert page.count('<circle class="point') == 2
    assert 'data-temperature="37.2"' in page and 'data-temperature="39.1"' in page
    assert '<circle class="point danger"' in page  # 39.1 is past the danger line
    assert 'id="temperature-table"' in page and "<td>39.1</td>" in page
    assert 'id="symptom-grid"' in page and "Khó thở" in page
    assert "Chưa xử lý" in page and "<textarea" in page
    assert ("case.view", CALLER) in [(e.action, e.phone) for e in audit_entries(app)]


def test_another_manager_and_other_roles_cannot_open_it(app):
    _, case_id = a_case(app)
    other = manager(app, "mgr2")
    assert other.get(f"/hotline/cases/{case_id}").status_code == 404
    assert other.get(f"/hotline/cases/{case_id}/close").status_code == 404
    [alert] = stored_alerts(app)
    cleared = other.post(f"/hotline/cases/{case_id}/alerts/{alert.id}/clear", {"note": "x"})
    assert cleared.status_code == 404 and stored_alerts(app)[0].cleared_at is None
    assert other.get("/hotline/cases/99999999999").status_code == 404
    make_user(app, "op1", "operator")
    operator = Console(app.test_client())
    operator.login("op1")
    assert operator.get(f"/hotline/cases/{case_id}").status_code == 403


def test_an_administrator_reads_it_but_does_not_act(app):
    _, case_id = a_case(app)
    make_user(app, "root", "admin")
    admin = Console(app.test_client())
    admin.login("root")
    page = text(admin.get(f"/hotline/cases/{case_id}"))
    assert "Trần Thị Bình" in page and "<textarea" not in page and "close-case" not in page


def test_clearing_an_alert_needs_a_note_and_happens_once(app):
    browser, case_id = a_case(app)
    [alert] = stored_alerts(app)
    path = f"/hotline/cases/{case_id}/alerts/{alert.id}/clear"
    unknown = f"/hotline/cases/{case_id}/alerts/99999999999/clear"
    assert browser.post(unknown, {"note": "ok"}).status_code == 404
    assert browser.post(f"/hotline/cases/{case_id}/alerts/{alert.id + 1}/clear",
                        {"note": "ok"}).status_code == 404
    refused = browser.post(path, {"note": "   "})
    assert refused.status_code == 302 and stored_alerts(app)[0].cleared_at is None
    assert "Cần ghi chú" in text(browser.get(f"/hotline/cases/{case_id}"))
    assert browser.post(path, {"note": "x" * 501}).status_code == 302
    assert stored_alerts(app)[0].cleared_at is None
    browser.post(path, {"note": "Đã gọi, chuyển viện"})
    browser.post(path, {"note": "second click"})  # a double submit
    [cleared] = stored_alerts(app)
    assert (cleared.cleared_by, cleared.note) == ("mgr1", "Đã gọi, chuyển viện")
    assert [e.action for e in audit_entries(app)].count("alert.clear") == 1
    assert not cases(app)[0].alert
    page = text(browser.get(f"/hotline/cases/{case_id}"))
    assert "mgr1 xử lý lúc" in page and "Đã gọi, chuyển viện" in page
    assert "<textarea" not in page


def test_clearing_without_the_csrf_token_is_refused(app):
    browser, case_id = a_case(app)
    [alert] = stored_alerts(app)
    response = browser.post(f"/hotline/cases/{case_id}/alerts/{alert.id}/clear",
                            {"note": "ok"}, csrf=False)
    assert response.status_code == 400 and stored_alerts(app)[0].cleared_at is None


def test_closing_asks_first_then_reopening_undoes_it(app):
    browser, case_id = a_case(app)
    confirm = text(browser.get(f"/hotline/cases/{case_id}/close"))
    assert "Kết thúc cách ly của Trần Thị Bình?" in confirm and cases(app)[0].status == "active"
    browser.post(f"/hotline/cases/{case_id}/close")
    browser.post(f"/hotline/cases/{case_id}/close")  # a double submit
    assert cases(app)[0].status == "closed"
    page = text(browser.get(f"/hotline/cases/{case_id}"))
    assert "Đã kết thúc" in page and 'id="reopen-form"' in page
    browser.post(f"/hotline/cases/{case_id}/reopen", {"end": cases(app)[0].end_date.isoformat()})
    browser.post(f"/hotline/cases/{case_id}/reopen", {})  # a double submit
    assert cases(app)[0].status == "active"
    actions = [(e.action, e.phone) for e in audit_entries(app)]
    assert actions.count(("case.close", CALLER)) == 1
    assert actions.count(("case.reopen", CALLER)) == 1


def test_reopening_a_case_whose_last_day_passed_needs_a_new_one(app):
    browser = manager(app)
    enrol(browser, start=days(-10).isoformat(), end=days(-1).isoformat())
    [case] = cases(app)
    browser.post(f"/hotline/cases/{case.id}/close")
    response = browser.post(f"/hotline/cases/{case.id}/reopen", {"end": days(-1).isoformat()})
    assert response.status_code == 302 and cases(app)[0].status == "closed"
    assert "Ngày cuối đã qua" in text(browser.get(f"/hotline/cases/{case.id}"))
    bad = browser.post(f"/hotline/cases/{case.id}/reopen", {"end": "31/02/2026"})
    assert bad.status_code == 302 and cases(app)[0].status == "closed"
    assert "Chọn một ngày trên lịch." in text(browser.get(f"/hotline/cases/{case.id}"))
    browser.post(f"/hotline/cases/{case.id}/reopen", {"end": days(5).isoformat()})
    assert (cases(app)[0].status, cases(app)[0].end_date) == ("active", days(5))
    assert any(e.action == "case.reopen" and days(5).isoformat() in e.detail
               for e in audit_entries(app))


def test_a_case_page_in_english(app):
    browser, case_id = a_case(app)
    browser.post("/hotline/language", {"lang": "en", "next": f"/hotline/cases/{case_id}"})
    page = text(browser.get(f"/hotline/cases/{case_id}"))
    assert "Quarantine case: Trần Thị Bình" in page and "1 of 3 days missed" in page
    assert "Shortness of breath" in page and "Clear the alert" in page


def test_a_case_yet_to_start_has_no_days(app):
    browser = manager(app)
    enrol(browser, start=days(2).isoformat(), end=days(9).isoformat())
    [case] = cases(app)
    page = text(browser.get(f"/hotline/cases/{case.id}"))
    assert "Chưa đến ngày cách ly đầu tiên." in page and "<circle" not in page
