"""`/api/v1/isolation-areas` on PostgreSQL with a real RQ worker: declaring an area
enrols the residents its job finds (cases of kind `area` carrying the area's code), a
declaration made there while it is active joins at once, moving the end date moves
the residents' cases, lifting closes them; each change is an `isolation_area` event
and an audit entry. A token limited to Thanh Hoa cannot declare, see or lift a Ha Noi
area, nor name a manager outside its area; bad input gets a 422 naming the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.config import Config
from gateway.quarantine import today
from gateway.store.areas import Area
from gateway.store.models import AuditEntry, QuarantineCase
from tests.api.conftest import ME, OTHER, Api, declared
from tests.api.test_areas import area_manager, limited
from tests.api.test_events import drain
from tests.declare.conftest import Inbox

HN, HN_WARD = 1, 70
TH, TH_WARD, TH_WARD2 = 38, 14797, 16522
OUTSIDE = "urn:gateway:problem:outside-area"


def day() -> date:
    """Today in the gateway's timezone (the API dates areas by it)."""
    return today(Config().tz)


def area_body(manager_name: str, **changes) -> dict:
    """An area of Phường Hạc Thành (Thanh Hoa), from today for five days."""
    return {"province_code": TH, "ward_code": TH_WARD, "street": "Le Loi",
            "start_date": day().isoformat(),
            "end_date": (day() + timedelta(days=5)).isoformat(), "manager": manager_name,
            **changes}


def cases(app, phone: str) -> list[QuarantineCase]:
    """A phone's cases."""
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(QuarantineCase).where(QuarantineCase.phone == phone)))


def fields(answer) -> set[str]:
    """The fields a 422 problem names."""
    return {error["field"] for error in answer.json["errors"]}


@pytest.fixture
def th_manager(app) -> str:
    """A manager limited to Thanh Hoa."""
    return area_manager(app, "bs_th", Area(TH))


def test_declare_enrol_join_extend_lift_with_feed_and_audit(app, api, th_manager):
    declared(api, ME, province_code=TH, ward_code=TH_WARD, street="12 Lê Lợi")
    declared(api, "+84911000001", province_code=TH, ward_code=TH_WARD2, street="12 Le Loi")
    _, start = drain(api)

    made = api.post("/api/v1/isolation-areas", area_body(th_manager, operator="web-officer"))
    assert made.status_code == 201, made.json
    area = made.json
    assert (area["status"], area["manager"], area["channel"], area["operator"],
            area["enrolled_at"], area["declared_by"]) == (
        "active", "bs_th", "web", "web-officer", None, None)
    assert len(area["code"]) == 7 and area["ward_name"] == "Phường Hạc Thành"
    Inbox(app, None).deliver()  # the enrolment job

    found = api.post("/api/v1/quarantine-cases/search", {"phone": ME}).json["items"]
    assert [(c["kind"], c["area_code"], c["manager"], c["end_date"]) for c in found] == [
        ("area", area["code"], "bs_th", area["end_date"])]
    assert cases(app, "+84911000001") == []  # another commune
    assert api.get(f"/api/v1/isolation-areas/{area['id']}").json["enrolled_at"] is not None

    declared(api, OTHER, province_code=TH, ward_code=TH_WARD, street="Ngo 4 le loi")
    assert [(c.kind, c.status) for c in cases(app, OTHER)] == [("area", "active")]

    later = (day() + timedelta(days=9)).isoformat()
    moved = api.patch(f"/api/v1/isolation-areas/{area['id']}", {"end_date": later})
    assert moved.status_code == 200 and moved.json["end_date"] == later
    assert {c.end_date.isoformat() for p in (ME, OTHER) for c in cases(app, p)} == {later}

    lifted = api.patch(f"/api/v1/isolation-areas/{area['id']}", {"status": "lifted"})
    assert lifted.status_code == 200 and lifted.json["status"] == "lifted"
    assert {c.status for p in (ME, OTHER) for c in cases(app, p)} == {"closed"}
    again = api.patch(f"/api/v1/isolation-areas/{area['id']}", {"end_date": later})
    assert (again.status_code, again.json["type"]) == (409, "urn:gateway:problem:area-lifted")

    events, _ = drain(api, start)
    mine = [(e["action"], e["record"]["status"]) for e in events  # the record as it is now
            if e["topic"] == "isolation_area" and e["record_id"] == area["id"]]
    # created; updated when enrolled, when moved, when lifted
    assert mine == [("created", "lifted")] + [("updated", "lifted")] * 3
    assert {e["topic"] for e in events} >= {"isolation_area", "quarantine_case"}
    with runtimes.of(app).sessions() as session:
        audited = [(a.action, a.username) for a in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("area.%")).order_by(AuditEntry.id))]
    assert audited == [("area.declare", "token:web-system"), ("area.change", "token:web-system"),
                       ("area.lift", "token:web-system")]


def test_an_officer_of_one_province_cannot_declare_see_or_lift_another(app, client, api,
                                                                       th_manager):
    hn_manager = area_manager(app, "bs_hn", Area(HN))
    hanoi = api.post("/api/v1/isolation-areas", area_body(
        hn_manager, province_code=HN, ward_code=HN_WARD, street="")).json
    thanh_hoa: Api = limited(app, client, "th-officer", Area(TH))

    refused = thanh_hoa.post("/api/v1/isolation-areas", area_body(
        th_manager, province_code=HN, ward_code=HN_WARD))
    assert (refused.status_code, refused.json["type"]) == (403, OUTSIDE)
    assert thanh_hoa.get(f"/api/v1/isolation-areas/{hanoi['id']}").status_code == 404
    assert thanh_hoa.patch(f"/api/v1/isolation-areas/{hanoi['id']}",
                           {"status": "lifted"}).status_code == 404
    outsider = thanh_hoa.post("/api/v1/isolation-areas", area_body(hn_manager))
    assert outsider.status_code == 422 and fields(outsider) == {"manager"}

    own = thanh_hoa.post("/api/v1/isolation-areas", area_body(th_manager))
    assert own.status_code == 201
    assert [a["id"] for a in thanh_hoa.get("/api/v1/isolation-areas").json["items"]] == [
        own.json["id"]]
    assert [a["id"] for a in api.get("/api/v1/isolation-areas").json["items"]] == [
        hanoi["id"], own.json["id"]]
    first = api.get("/api/v1/isolation-areas", query_string={"limit": 1}).json
    second = api.get("/api/v1/isolation-areas",
                     query_string={"limit": 1, "after": first["next"]}).json
    assert [a["id"] for a in first["items"] + second["items"]] == [hanoi["id"], own.json["id"]]
    assert second["next"] is None
    api.patch(f"/api/v1/isolation-areas/{own.json['id']}", {"status": "lifted"})
    for status, expected in (("active", [hanoi["id"]]), ("lifted", [own.json["id"]])):
        page = api.get("/api/v1/isolation-areas", query_string={"status": status}).json
        assert [a["id"] for a in page["items"]] == expected
    events, _ = drain(thanh_hoa)
    assert {e["record_id"] for e in events if e["topic"] == "isolation_area"} == {
        own.json["id"]}
    assert api.get(f"/api/v1/isolation-areas/{hanoi['id']}").json["status"] == "active"


@pytest.mark.parametrize(("changes", "field"), [
    ({"end_date": "2020-01-01"}, "end_date"),                       # before the start
    ({"ward_code": HN_WARD}, "ward_code"),                          # not Thanh Hoa's
    ({"manager": "nobody"}, "manager"),
    ({"street": "x" * 121}, "street"),
    ({"province_code": "38"}, "province_code"),                     # not a number
])
def test_bad_areas_get_a_422_naming_the_field(api, th_manager, changes, field):
    answer = api.post("/api/v1/isolation-areas", area_body(th_manager, **changes))
    assert answer.status_code == 422, answer.json
    assert fields(answer) == {field}
    assert api.get("/api/v1/isolation-areas").json["items"] == []


def test_an_empty_change_is_refused(api, th_manager):
    made = api.post("/api/v1/isolation-areas", area_body(th_manager)).json
    answer = api.patch(f"/api/v1/isolation-areas/{made['id']}", {})
    assert answer.status_code == 422
    assert api.patch("/api/v1/isolation-areas/99999999", {"status": "lifted"}).status_code == 404
