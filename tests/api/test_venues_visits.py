"""Venues (with poster and QR code), web check-ins and their lists, and the exposure
query that finds who was at the same place at the same time."""

from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from PIL import Image

from gateway import runtime as runtimes
from gateway.codes import parse_venue_code
from gateway.store.db import transaction
from gateway.store.models import Venue, Visit
from tests.api.conftest import ME, OTHER, declared, venue, venue_body
from tests.conftest import Phone


def test_register_a_venue(api):
    made = venue(api, ward_code=26743, contact_phone="0912.345.678", operator="staff1")
    assert parse_venue_code(made["code"]) == made["code"]
    assert (made["channel"], made["operator"], made["contact_phone"]) == ("web", "staff1", ME)
    assert (made["province_name"], made["ward_name"]) == ("Thành phố Hồ Chí Minh",
                                                          "Phường Bến Thành")
    assert made["poster_url"] == f"/api/v1/venues/{made['code']}/poster.svg"
    assert api.get(f"/api/v1/venues/{made['code']}").json == made


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "  "}, "name"), ({"kind": "casino"}, "kind"), ({"province_code": 0},
                                                             "province_code"),
    ({"ward_code": 70}, "ward_code"), ({"contact_phone": "abc"}, "contact_phone"),
    ({"capacity": 10}, "capacity"), ({"province_code": "79"}, "province_code"),
])
def test_invalid_venues_are_refused(api, changes, field):
    response = api.post("/api/v1/venues", venue_body(**changes))
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json["errors"]}


def test_list_venues_and_filters(api):
    market = venue(api)
    school = venue(api, name="Truong A", kind="school", province_code=1)
    assert [v["code"] for v in api.get("/api/v1/venues").json["items"]] == [
        market["code"], school["code"]]
    assert [v["code"] for v in api.get("/api/v1/venues?kind=school").json["items"]] == [
        school["code"]]
    assert [v["code"] for v in api.get("/api/v1/venues?province_code=79").json["items"]] == [
        market["code"]]


def test_poster_and_qr_code(api, config):
    made = venue(api)
    poster = api.get(made["poster_url"])
    assert poster.status_code == 200 and poster.mimetype == "image/svg+xml"
    assert f"CI {made['code']}" in poster.get_data(as_text=True)
    png = api.get(made["qr_url"])
    assert png.mimetype == "image/png"
    from io import BytesIO
    [decoded] = zxingcpp.read_barcodes(Image.open(BytesIO(png.data)))
    assert decoded.text == f"{config.venue_qr_base_url}{made['code']}"


def test_unknown_or_mistyped_venue_codes_are_404(api):
    code = venue(api)["code"]
    at = next(i for i in range(len(code) - 1) if code[i] != code[i + 1])
    swapped = code[:at] + code[at + 1] + code[at] + code[at + 2:]
    for wrong in (swapped, "1234567", "abc", "9" * 30):
        assert api.get(f"/api/v1/venues/{wrong}").status_code == 404
        assert api.get(f"/api/v1/venues/{wrong}/qr.png").status_code == 404


def test_web_check_in_needs_a_valid_declaration(api):
    code = venue(api)["code"]
    refused = api.post("/api/v1/visits", {"venue_code": code, "phone": ME})
    assert refused.status_code == 422
    assert refused.json["type"] == "urn:gateway:problem:no-valid-declaration"
    declaration = declared(api)
    made = api.post("/api/v1/visits", {"venue_code": code, "phone": "0912345678",
                                       "operator": "guard"})
    assert made.status_code == 201
    visit = made.json
    assert (visit["venue_code"], visit["phone"], visit["channel"], visit["operator"]) == (
        code, ME, "web", "guard")
    assert visit["declaration_code"] == declaration["code"]
    assert visit["checked_out_at"] is None


def test_a_repeat_is_answered_with_the_same_visit_and_elsewhere_closes_it(api):
    market, school = venue(api)["code"], venue(api, name="Truong", kind="school")["code"]
    declared(api)
    first = api.post("/api/v1/visits", {"venue_code": market, "phone": ME})
    again = api.post("/api/v1/visits", {"venue_code": market, "phone": ME})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    api.post("/api/v1/visits", {"venue_code": school, "phone": ME})
    [closed, opened] = api.post("/api/v1/visits/search", {"phone": ME}).json["items"]
    assert (closed["venue_code"], closed["closed_by"]) == (market, "elsewhere")
    assert (opened["venue_code"], opened["closed_by"]) == (school, None)


def test_sms_check_in_shows_up_in_the_api(api, client):
    code = venue(api)["code"]
    declared(api)
    Phone(client, ME).sms(f"CI {code}")
    [visit] = api.get(f"/api/v1/visits?venue={code}").json["items"]
    assert (visit["channel"], visit["phone"]) == ("sms", ME)


def visit_at(app, venue_code: str, phone: str, start: datetime, hours: float) -> None:
    with transaction(runtimes.of(app).sessions) as session:
        place = session.query(Venue).filter_by(code=venue_code).one()
        session.add(Visit(venue_id=place.id, phone=phone, channel="sms", checked_in_at=start,
                          checked_out_at=start + timedelta(hours=hours), closed_by="checkout"))


def test_visit_list_by_time_window(app, api):
    code = venue(api)["code"]
    day = datetime(2026, 3, 2, 8, tzinfo=UTC)
    visit_at(app, code, ME, day, 1)
    visit_at(app, code, ME, day + timedelta(days=1), 1)
    window = {"from": (day + timedelta(minutes=30)).isoformat(),
              "to": (day + timedelta(hours=5)).isoformat()}
    [only] = api.get("/api/v1/visits", query_string=window).json["items"]
    assert only["checked_in_at"] == day.isoformat()
    wrong = api.get("/api/v1/visits", query_string={"from": window["to"], "to": window["from"]})
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "to"


def test_exposures_are_the_overlapping_visits_of_others(app, api):
    market, school = venue(api)["code"], venue(api, name="Truong", kind="school")["code"]
    day = datetime(2026, 3, 2, 8, tzinfo=UTC)
    visit_at(app, market, ME, day, 2)                                  # 08:00-10:00
    visit_at(app, market, OTHER, day + timedelta(hours=1), 2)          # overlaps 09-10
    visit_at(app, market, "+84911222333", day + timedelta(hours=3), 1)  # after: no
    visit_at(app, school, "+84911222444", day, 2)                       # elsewhere: no
    query = {"phone": "0912 345 678", "from": day.date().isoformat() + "T00:00:00Z",
             "to": (day + timedelta(days=1)).isoformat()}
    [exposure] = api.post("/api/v1/exposures", query).json["items"]
    assert exposure["visit"]["phone"] == ME and exposure["contact"]["phone"] == OTHER
    assert exposure["overlap_start"] == (day + timedelta(hours=1)).isoformat()
    assert exposure["overlap_end"] == (day + timedelta(hours=2)).isoformat()
    assert exposure["contact"]["venue_code"] == market


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}, "phone"),
    ({"phone": ME, "from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "to"),
    ({"phone": ME, "from": "yesterday", "to": "2026-03-01T00:00:00Z"}, "from"),
    ({"phone": "12", "from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}, "phone"),
    ({"phone": ME, "from": "0001-01-01T00:00:00+05:00", "to": "2026-03-02T00:00:00Z"},
     "from"),
])
def test_exposure_query_validation(api, query, field):
    response = api.post("/api/v1/exposures", query)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json["errors"]}

