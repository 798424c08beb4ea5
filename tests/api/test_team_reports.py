"""Community teams' records on the API and the change feed: a resident without a
phone is a case without a phone; a report a team member made carries channel `team`,
the operator, the relation and whether a code verified it; a token of another
province sees none of it."""

from __future__ import annotations

from datetime import timedelta

from gateway import runtime as runtimes
from gateway.quarantine import residents as rules
from gateway.quarantine import today as local_today
from gateway.store import areas, quarantine, users
from gateway.store.areas import Area
from gateway.store.db import transaction
from tests.api.conftest import ME
from tests.api.test_areas import limited
from tests.api.test_events import drain

TH, HAC_THANH = 38, 14797
WARD = Area(TH, frozenset({HAC_THANH}))


def resident_with_reports(app) -> tuple[int, int]:
    """A resident without a phone with today's team report, and a resident with a
    phone whose report came first over SMS, then from the team; (their case ids)."""
    day = local_today(runtimes.of(app).config.tz)
    with transaction(runtimes.of(app).sessions) as session:
        boss = users.create(session, username="mgr-hac", role="manager", phone="+84903000111")
        areas.assign(session, WARD, user_id=boss.id)
        lone = rules.add(session, rules.Newcomer("Le Thi Cuc", "1948", "Xom 3", boss.id, day,
                                                 day + timedelta(days=13)),
                         area=WARD, operator="to-hac", today=day)
        quarantine.record_report(session, lone.id, day, symptoms=[], temperature=37.0,
                                 danger=False, channel="team", operator="to-hac",
                                 relation="neighbour", verified=False)
        phoned = quarantine.create_case(session, phone=ME, full_name="Tran Van Binh",
                                        kind="home", start_date=day - timedelta(days=1),
                                        end_date=day + timedelta(days=5), manager_id=boss.id)
        quarantine.record_report(session, phoned.id, day - timedelta(days=1), symptoms=[],
                                 temperature=None, danger=False, channel="sms")
        quarantine.record_report(session, phoned.id, day, symptoms=[2], temperature=None,
                                 danger=False, channel="team", operator="to-hac")
        return lone.id, phoned.id


def test_a_resident_without_a_phone_is_a_case_without_a_phone(app, api):
    lone, _ = resident_with_reports(app)
    case = api.get(f"/api/v1/quarantine-cases/{lone}").json
    assert (case["phone"], case["full_name"], case["birth_year"], case["address"]) == (
        None, "Le Thi Cuc", 1948, "Xom 3")
    assert (case["channel"], case["operator"], case["manager"]) == ("team", "to-hac", "mgr-hac")


def test_team_reports_say_who_made_them_for_whom_and_how(app, api):
    lone, phoned = resident_with_reports(app)
    [report] = api.get(f"/api/v1/quarantine-cases/{lone}/reports").json["items"]
    assert (report["channel"], report["operator"], report["reported_by"], report["verified"]) \
        == ("team", "to-hac", {"operator": "to-hac", "relation": "neighbour"}, False)
    reports = api.get(f"/api/v1/quarantine-cases/{phoned}/reports").json["items"]
    assert [(r["channel"], r["reported_by"], r["verified"]) for r in reports] == [
        ("sms", None, True),
        ("team", {"operator": "to-hac", "relation": None}, True)]


def test_the_feed_carries_them_like_any_record(app, api):
    lone, _ = resident_with_reports(app)
    events, _ = drain(api)  # waits for other test runs' transactions, as the feed does
    [case] = [e["record"] for e in events
              if e["topic"] == "quarantine_case" and e["record_id"] == lone]
    assert case["phone"] is None and case["channel"] == "team"
    [report] = [e["record"] for e in events if e["topic"] == "health_report"
                and e["record"] and e["record"]["case_id"] == lone]
    assert report["reported_by"] == {"operator": "to-hac", "relation": "neighbour"}
    assert report["verified"] is False


def test_a_token_of_another_province_sees_none_of_it(app, client, api):
    lone, phoned = resident_with_reports(app)
    ha_noi = limited(app, client, "ha-noi", Area(1))
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    for case_id in (lone, phoned):
        assert ha_noi.get(f"/api/v1/quarantine-cases/{case_id}").status_code == 404
        assert ha_noi.get(f"/api/v1/quarantine-cases/{case_id}/reports").status_code == 404
        assert thanh_hoa.get(f"/api/v1/quarantine-cases/{case_id}").status_code == 200
    assert ha_noi.get("/api/v1/quarantine-cases").json["items"] == []


def test_the_openapi_document_describes_them(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    report, case = schemas["ReportOut"]["properties"], schemas["CaseOut"]["properties"]
    assert {"reported_by", "verified"} <= set(report)
    assert "team" in report["channel"]["description"]
    assert schemas["ReportedByOut"]["properties"]["relation"]["description"].startswith(
        "neighbour, family, team_member")
    assert case["phone"]["nullable"] is True  # OpenAPI 3.0's way of saying "or null"
    assert case["phone"]["description"].startswith("null for a resident without a phone")
