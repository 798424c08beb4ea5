"""Quarantine cases over the API: enrol (with the same welcome SMS as the CLI), list,
read, extend or close, and the daily reports, whichever channel made them."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.quarantine.enrol import enrol
from gateway.store import alerts, quarantine
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.api.conftest import ME, OTHER, case_body, manager, venue


def outbox(app) -> list[OutboundMessage]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_enrol_sends_the_same_welcome_sms_as_the_cli(app, api):
    boss = manager(app)
    made = api.post("/api/v1/quarantine-cases", case_body(boss, operator="ward-officer"))
    assert made.status_code == 201, made.json
    case = made.json
    assert (case["phone"], case["manager"], case["status"], case["channel"]) == (
        ME, boss, "active", "web")
    assert case["operator"] == "ward-officer" and case["alert"] is False
    start = date.fromisoformat(case["start_date"])
    with transaction(runtimes.of(app).sessions) as session:
        enrol(session, phone=OTHER, name="Le Van C", manager=boss, start=start,
              end=date.fromisoformat(case["end_date"]))
    by_api, by_cli = outbox(app)
    assert (by_api.phone, by_cli.phone) == (ME, OTHER)
    assert by_api.body == by_cli.body
    assert (by_api.kind, by_api.priority) == (by_cli.kind, by_cli.priority)
    assert by_api.dedup_key == f"welcome:{case['id']}"


def test_facility_cases_name_their_venue(app, api):
    boss, site = manager(app), venue(api, name="Ky tuc xa", kind="other")
    case = api.post("/api/v1/quarantine-cases", case_body(
        boss, kind="facility", venue_code=site["code"])).json
    assert (case["kind"], case["venue_code"]) == ("facility", site["code"])


@pytest.mark.parametrize(("changes", "field"), [
    ({"manager": "nobody"}, "manager"),
    ({"venue_code": "1234567"}, "venue_code"),
    ({"kind": "hotel"}, "kind"),
    ({"full_name": "X"}, "full_name"),
    ({"end_date": "2020-01-01"}, "end_date"),
    ({"start_date": "01/02/2026"}, "start_date"),
    ({"phone": "hello"}, "phone"),
])
def test_invalid_enrolments(app, api, changes, field):
    manager(app)
    response = api.post("/api/v1/quarantine-cases", case_body("manager1", **changes))
    assert response.status_code == 422, response.json
    assert field in {e["field"] for e in response.json["errors"]}
    assert outbox(app) == []


def test_operators_are_not_managers(app, api):
    from gateway.store import users
    with transaction(runtimes.of(app).sessions) as session:
        users.create(session, username="op", role="operator")
    response = api.post("/api/v1/quarantine-cases", case_body("op"))
    assert response.json["errors"][0] == {"field": "manager", "location": "json",
                                          "reason": "not an active quarantine manager"}


def test_a_second_active_case_in_the_same_dates_is_a_conflict(app, api):
    boss = manager(app)
    first = api.post("/api/v1/quarantine-cases", case_body(boss)).json
    again = api.post("/api/v1/quarantine-cases", case_body(boss))
    assert again.status_code == 409 and again.json["case_id"] == first["id"]
    assert len(outbox(app)) == 1


def test_extend_then_close(app, api):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    later = (date.fromisoformat(case["end_date"]) + timedelta(days=7)).isoformat()
    extended = api.patch(f"/api/v1/quarantine-cases/{case['id']}", {"end_date": later})
    assert extended.status_code == 200 and extended.json["end_date"] == later
    closed = api.patch(f"/api/v1/quarantine-cases/{case['id']}", {"status": "closed"}).json
    assert closed["status"] == "closed"
    refused = api.patch(f"/api/v1/quarantine-cases/{case['id']}", {"end_date": later})
    assert refused.status_code == 409
    assert api.get(f"/api/v1/quarantine-cases/{case['id']}").json["status"] == "closed"


def test_reopen_through_status_active(app, api):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    path = f"/api/v1/quarantine-cases/{case['id']}"
    assert api.patch(path, {"status": "active"}).json["status"] == "active"  # no change
    api.patch(path, {"status": "closed"})
    reopened = api.patch(path, {"status": "active"})
    assert reopened.status_code == 200 and reopened.json["status"] == "active"
    assert reopened.json["end_date"] == case["end_date"]


def test_reopening_a_case_whose_last_day_passed_needs_a_new_end_date(app, api):
    today = date.today()
    case = api.post("/api/v1/quarantine-cases", case_body(
        manager(app), start_date=(today - timedelta(days=10)).isoformat(),
        end_date=(today - timedelta(days=1)).isoformat())).json
    path = f"/api/v1/quarantine-cases/{case['id']}"
    api.patch(path, {"status": "closed"})
    refused = api.patch(path, {"status": "active"})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "end_date"
    later = (today + timedelta(days=4)).isoformat()
    reopened = api.patch(path, {"status": "active", "end_date": later}).json
    assert (reopened["status"], reopened["end_date"]) == ("active", later)


def test_reopening_over_a_newer_case_is_a_conflict(app, api):
    boss = manager(app)
    old = api.post("/api/v1/quarantine-cases", case_body(boss)).json
    api.patch(f"/api/v1/quarantine-cases/{old['id']}", {"status": "closed"})
    new = api.post("/api/v1/quarantine-cases", case_body(boss)).json
    refused = api.patch(f"/api/v1/quarantine-cases/{old['id']}", {"status": "active"})
    assert refused.status_code == 409 and refused.json["case_id"] == new["id"]


def test_a_case_is_read_with_its_alerts(app, api):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    assert case["alerts"] == []
    with transaction(runtimes.of(app).sessions) as session:
        report, _ = quarantine.record_report(session, case["id"], date.today(), symptoms=[3],
                                             temperature=39.5, danger=True, channel="sms")
        alerts.raise_alert(session, case["id"], report.id, [3, 0])
    read = api.get(f"/api/v1/quarantine-cases/{case['id']}").json
    assert read["alert"] is True
    [alert] = read["alerts"]
    assert (alert["report_id"], alert["reasons"], alert["cleared_at"], alert["note"]) == (
        report.id, [0, 3], None, "")
    with transaction(runtimes.of(app).sessions) as session:
        alerts.clear_alert(session, case["id"], alert["id"], "manager1", "called, fine")
    read = api.get(f"/api/v1/quarantine-cases/{case['id']}").json
    assert read["alert"] is False
    assert (read["alerts"][0]["cleared_by"], read["alerts"][0]["note"]) == (
        "manager1", "called, fine")
    listed = api.get("/api/v1/quarantine-cases").json["items"]
    assert listed[0]["alerts"][0]["id"] == alert["id"]


@pytest.mark.parametrize(("body", "status"), [
    ({}, 422), ({"status": "open"}, 422), ({"end_date": "2000-01-01"}, 422),
    ({"end_date": "soon"}, 422), ({"colour": "red"}, 422),
])
def test_invalid_changes(app, api, body, status):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    assert api.patch(f"/api/v1/quarantine-cases/{case['id']}", body).status_code == status


def test_unknown_cases_are_404(api):
    for case_id in ("999", str(2**40)):
        assert api.get(f"/api/v1/quarantine-cases/{case_id}").status_code == 404
        assert api.patch(f"/api/v1/quarantine-cases/{case_id}", {"status": "closed"}
                         ).status_code == 404
        assert api.get(f"/api/v1/quarantine-cases/{case_id}/reports").status_code == 404


def test_list_cases_by_phone_status_and_manager(app, api):
    boss, other_boss = manager(app), manager(app, "manager2")
    mine = api.post("/api/v1/quarantine-cases", case_body(boss)).json
    theirs = api.post("/api/v1/quarantine-cases", case_body(other_boss, phone=OTHER)).json
    api.patch(f"/api/v1/quarantine-cases/{theirs['id']}", {"status": "closed"})

    def ids(query):
        return [c["id"] for c in api.get("/api/v1/quarantine-cases",
                                         query_string=query).json["items"]]

    assert ids({}) == [mine["id"], theirs["id"]]
    searched = api.post("/api/v1/quarantine-cases/search", {"phone": "0987654321"}).json
    assert [c["id"] for c in searched["items"]] == [theirs["id"]]
    assert ids({"status": "active"}) == [mine["id"]]
    assert ids({"manager": "manager2"}) == [theirs["id"]]


def test_daily_reports_from_any_channel(app, api):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    today = date.today()
    with transaction(runtimes.of(app).sessions) as session:
        quarantine.record_report(session, case["id"], today - timedelta(days=1), symptoms=[],
                                 temperature=None, danger=False, channel="sms")
        quarantine.record_report(session, case["id"], today, symptoms=[3], temperature=39.2,
                                 danger=True, channel="hotline", operator="op1")
    reports = api.get(f"/api/v1/quarantine-cases/{case['id']}/reports").json["items"]
    assert [(r["channel"], r["operator"], r["danger"]) for r in reports] == [
        ("sms", None, False), ("hotline", "op1", True)]
    assert reports[1]["symptoms"] == [3] and reports[1]["temperature"] == 39.2
