"""Access by area on the records API: a token limited to Thanh Hoa never sees a Ha Noi
declaration, venue, visit, case, report, exposure, consent record or event — on every
list, single read, feed and poster — and is refused (403) when it writes outside its area; an
unlimited token still sees everything."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete

from gateway import runtime as runtimes
from gateway.store import areas, consents, quarantine, tokens, users
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import Venue, utcnow
from tests.api.conftest import ME, OTHER, Api, case_body, declaration_body, declared, venue
from tests.api.test_events import drain

HN, TH = 1, 38                   # Thành phố Hà Nội, Thanh Hóa (official codes)
HN_WARD = 70                     # Phường Hoàn Kiếm
TH_WARD, TH_WARD2 = 14797, 16522  # Phường Hạc Thành, Phường Quảng Phú
THIRD, FOURTH = "+84911222333", "+84911222444"
OUTSIDE = "urn:gateway:problem:outside-area"


def limited(app, client, name: str, area: Area | None,
            scopes: tuple[str, ...] = ("read", "write")) -> Api:
    """A client whose token is limited to `area`, made as `gateway token create
    --province … --commune …` makes it."""
    with transaction(runtimes.of(app).sessions) as session:
        made, secret = tokens.create(session, name, scopes)
        areas.assign(session, area, token_id=made.id)
    return Api(client, secret)


def area_manager(app, username: str, area: Area | None) -> str:
    """A quarantine manager limited to `area`; their username."""
    with transaction(runtimes.of(app).sessions) as session:
        account = users.create(session, username=username, role="manager",
                               phone="+84911111111")
        areas.assign(session, area, user_id=account.id)
    return username


def consent_ids(app, phone: str) -> list[int]:
    """The ids of a phone's consent rows, oldest first."""
    with runtimes.of(app).sessions() as session:
        return [row.id for row in consents.history(session, phone)]


def answer(app, phone: str, kind: str) -> int:
    """Record an answer of `phone` to the notice by SMS (a refusal, a withdrawal); its id."""
    with transaction(runtimes.of(app).sessions) as session:
        return consents.record(session, phone=phone, channel="sms", answer=kind,
                               notice_version="n-test").id


def th_address(**changes):
    return {"province_code": TH, "ward_code": TH_WARD, "street": "1 Le Loi", **changes}


@pytest.fixture
def world(app, api) -> dict[str, dict]:
    """One of each record in Ha Noi and in Thanh Hoa, made by an unlimited token:
    declarations, venues, visits, cases (of a Ha Noi and a Thanh Hoa manager) and a
    report of each case."""
    made = {"declaration": {"hn": declared(api, ME), "th": declared(api, OTHER, **th_address())},
            "venue": {"hn": venue(api, name="Cho Dong Xuan", province_code=HN,
                                  ward_code=HN_WARD),
                      "th": venue(api, name="Cho Vuon Hoa", province_code=TH,
                                  ward_code=TH_WARD)}}
    made["visit"] = {
        where: api.post("/api/v1/visits", {"venue_code": made["venue"][where]["code"],
                                           "phone": phone}).json
        for where, phone in (("hn", ME), ("th", OTHER))}
    managers = {"hn": area_manager(app, "mgr-hn", Area(HN)),
                "th": area_manager(app, "mgr-th", Area(TH))}
    made["case"] = {where: api.post("/api/v1/quarantine-cases",
                                    case_body(managers[where], phone=phone)).json
                    for where, phone in (("hn", ME), ("th", OTHER))}
    with transaction(runtimes.of(app).sessions) as session:
        made["report"] = {where: {"id": quarantine.record_report(
            session, made["case"][where]["id"], date.today(), symptoms=[], temperature=None,
            danger=False, channel="sms")[0].id} for where in ("hn", "th")}
    return made


def ids(client: Api, path: str) -> set[int]:
    response = client.get(path)
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


LISTS = [("declaration", lambda w: "/api/v1/declarations"),
         ("venue", lambda w: "/api/v1/venues"),
         ("visit", lambda w: "/api/v1/visits"),
         ("case", lambda w: "/api/v1/quarantine-cases"),
         ("report", lambda w: f"/api/v1/quarantine-cases/{w['case']['th']['id']}/reports")]


@pytest.mark.parametrize(("kind", "path"), LISTS, ids=[kind for kind, _ in LISTS])
def test_a_limited_token_lists_only_its_area(app, client, api, world, kind, path):
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    assert ids(thanh_hoa, path(world)) == {world[kind]["th"]["id"]}
    everything = {world[kind]["th"]["id"]} | ({world[kind]["hn"]["id"]}
                                             if kind != "report" else set())
    assert ids(api, path(world)) == everything  # the unlimited token: as before


def test_single_reads_outside_the_area_are_not_found(app, client, api, world):
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    hn, th = ({kind: world[kind][where] for kind in world} for where in ("hn", "th"))
    for record in (hn, th):
        reads = [f"/api/v1/declarations/{record['declaration']['code']}",
                 f"/api/v1/venues/{record['venue']['code']}",
                 f"/api/v1/venues/{record['venue']['code']}/poster.svg",
                 f"/api/v1/venues/{record['venue']['code']}/qr.png",
                 f"/api/v1/quarantine-cases/{record['case']['id']}",
                 f"/api/v1/quarantine-cases/{record['case']['id']}/reports"]
        for path in reads:
            expected = 200 if record is th else 404
            assert thanh_hoa.get(path).status_code == expected, path
            assert api.get(path).status_code == 200, path
    assert "Hoan Kiem" not in thanh_hoa.get(
        f"/api/v1/declarations/{hn['declaration']['code']}").get_data(as_text=True)


def test_the_feed_serves_a_limited_token_only_its_area(app, client, api, world):
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    served, _ = drain(thanh_hoa)
    everything, _ = drain(api)
    by_topic = {(e["topic"], e["record_id"]) for e in served}
    assert by_topic == {("consent", consent_ids(app, OTHER)[0]),
                        ("declaration", world["declaration"]["th"]["id"]),
                        ("venue", world["venue"]["th"]["id"]),
                        ("visit", world["visit"]["th"]["id"]),
                        ("quarantine_case", world["case"]["th"]["id"]),
                        ("health_report", world["report"]["th"]["id"])}
    assert ("declaration", world["declaration"]["hn"]["id"]) in {
        (e["topic"], e["record_id"]) for e in everything}
    assert all("Hà Nội" not in str(e["record"]) for e in served)


def test_the_feed_cursor_moves_past_events_it_does_not_serve(app, client, api):
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    _, start = drain(thanh_hoa)
    declared(api, ME)                            # Ha Noi: not for this token
    declared(api, THIRD)
    [*_, last] = drain(api, start)[0]
    skipped = thanh_hoa.get("/api/v1/events", query_string={"after": start})
    assert skipped.json["items"] == []
    assert skipped.json["next"] == last["cursor"]  # past both Ha Noi events
    mine = declared(api, OTHER, **th_address())
    [consent, event] = drain(thanh_hoa, skipped.json["next"])[0]
    assert (consent["topic"], consent["record_id"]) == ("consent", consent_ids(app, OTHER)[0])
    assert (event["topic"], event["record_id"]) == ("declaration", mine["id"])


def test_exposures_outside_the_area_are_left_out(app, client, api):
    hn_market = venue(api, name="Cho Dong Xuan", province_code=HN, ward_code=HN_WARD)
    th_market = venue(api, name="Cho Vuon Hoa", province_code=TH, ward_code=TH_WARD)
    for phone in (ME, OTHER, THIRD):
        declared(api, phone)
    for code, phone in ((hn_market["code"], ME), (hn_market["code"], OTHER),
                        (th_market["code"], ME), (th_market["code"], THIRD)):
        assert api.post("/api/v1/visits", {"venue_code": code, "phone": phone}).status_code \
            == 201
    now = utcnow()
    body = {"phone": ME, "from": (now - timedelta(hours=1)).isoformat(),
             "to": (now + timedelta(hours=1)).isoformat()}
    contacts = {e["contact"]["phone"]
                for e in api.post("/api/v1/exposures", body).json["items"]}
    assert contacts == {OTHER, THIRD}
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    [exposure] = thanh_hoa.post("/api/v1/exposures", body).json["items"]
    assert (exposure["contact"]["phone"], exposure["visit"]["venue_code"]) == (
        THIRD, th_market["code"])


def test_writes_outside_the_area_are_refused(app, client, api, world):
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    refused = [
        ("/api/v1/declarations", declaration_body(phone=FOURTH), "this address"),
        ("/api/v1/venues", {"name": "Cho Hom", "province_code": HN, "ward_code": HN_WARD},
         "this venue's place"),
        ("/api/v1/visits", {"venue_code": world["venue"]["hn"]["code"], "phone": OTHER},
         "this venue"),
        ("/api/v1/quarantine-cases", case_body("mgr-hn", phone=FOURTH), "the manager"),
        ("/api/v1/quarantine-cases", case_body(
            "mgr-th", phone=FOURTH, kind="facility", venue_code=world["venue"]["hn"]["code"]),
         "this facility"),
    ]
    for path, body, what in refused:
        response = thanh_hoa.post(path, body)
        assert response.status_code == 403, (path, response.json)
        assert response.json["type"] == OUTSIDE
        assert response.json["detail"].startswith(what) and "Thanh Hóa" in response.json["detail"]
    assert ids(api, "/api/v1/declarations") == {world["declaration"]["hn"]["id"],
                                                world["declaration"]["th"]["id"]}
    hn_case = world["case"]["hn"]["id"]
    assert thanh_hoa.patch(f"/api/v1/quarantine-cases/{hn_case}",
                           {"status": "closed"}).status_code == 404
    assert api.get(f"/api/v1/quarantine-cases/{hn_case}").json["status"] == "active"


def test_writes_inside_the_area_are_done(app, client, api, world):
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    assert thanh_hoa.post("/api/v1/declarations", declaration_body(
        phone=FOURTH, **th_address())).status_code == 201
    assert thanh_hoa.post("/api/v1/visits", {"venue_code": world["venue"]["th"]["code"],
                                             "phone": FOURTH}).status_code == 201
    assert thanh_hoa.post("/api/v1/quarantine-cases",
                          case_body("mgr-th", phone=FOURTH)).status_code == 201
    case = world["case"]["th"]["id"]
    assert thanh_hoa.patch(f"/api/v1/quarantine-cases/{case}",
                           {"status": "closed"}).json["status"] == "closed"


def test_a_commune_limited_token_sees_only_those_communes(app, client, api, world):
    second = declared(api, FOURTH, **th_address(ward_code=TH_WARD2))
    one_ward = limited(app, client, "hac-thanh", Area(TH, frozenset({TH_WARD})))
    assert ids(one_ward, "/api/v1/declarations") == {world["declaration"]["th"]["id"]}
    other_ward = limited(app, client, "quang-phu", Area(TH, frozenset({TH_WARD2})))
    assert ids(other_ward, "/api/v1/declarations") == {second["id"]}
    assert ids(other_ward, "/api/v1/venues") == set()
    # mgr-th answers for the whole province: their cases are not a commune's
    assert ids(one_ward, "/api/v1/quarantine-cases") == set()
    response = one_ward.post("/api/v1/venues", {"name": "Cho Moi", "province_code": TH})
    assert response.status_code == 403  # a province-wide venue is not inside one commune


def test_cases_follow_their_managers_area(app, client, api):
    ward_manager = area_manager(app, "mgr-hac-thanh", Area(TH, frozenset({TH_WARD})))
    nowhere = area_manager(app, "mgr-everywhere", None)
    in_ward = api.post("/api/v1/quarantine-cases", case_body(ward_manager)).json
    api.post("/api/v1/quarantine-cases", case_body(nowhere, phone=OTHER))
    for area in (Area(TH), Area(TH, frozenset({TH_WARD, TH_WARD2}))):
        reader = limited(app, client, f"reader-{len(area.ward_codes)}", area)
        assert ids(reader, "/api/v1/quarantine-cases") == {in_ward["id"]}
    assert len(ids(api, "/api/v1/quarantine-cases")) == 2


def test_a_token_without_area_is_unchanged(app, client, api, world):
    everywhere = limited(app, client, "national", None, scopes=("read",))
    assert ids(everywhere, "/api/v1/declarations") == {world["declaration"][w]["id"]
                                                       for w in ("hn", "th")}
    assert ids(everywhere, "/api/v1/visits") == {world["visit"][w]["id"] for w in ("hn", "th")}


def test_deleted_events_carry_no_record_and_reach_every_token(app, client, api):
    """A deleted record's area can no longer be looked up; its `deleted` event holds only
    topic and id, and every token gets it so that any copy can be deleted."""
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    gone = venue(api, name="Cho Dong Xuan", province_code=HN, ward_code=HN_WARD)
    _, start = drain(thanh_hoa)
    with transaction(runtimes.of(app).sessions) as session:
        session.execute(delete(Venue).where(Venue.id == gone["id"]))
    [event] = drain(thanh_hoa, start)[0]
    assert (event["topic"], event["action"], event["record_id"], event["record"]) == (
        "venue", "deleted", gone["id"], None)


def test_consent_records_lie_where_their_phones_declarations_lie(app, client, api):
    """A consent row (agree, withdraw…) is in every area where a declaration of its
    phone lies (gateway/store/areas.py): a withdrawal reaches each locality holding
    that phone's declarations, and no other."""
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    ha_noi = limited(app, client, "ha-noi", Area(HN))
    quang_phu = limited(app, client, "quang-phu", Area(TH, frozenset({TH_WARD2})))
    _, start = drain(api)
    declared(api, OTHER, **th_address())          # Thanh Hoa, Phuong Hac Thanh
    declared(api, ME)                             # Ha Noi
    declared(api, THIRD, **th_address())          # declared in Thanh Hoa, then Ha Noi
    declared(api, THIRD)
    withdrawn = {phone: answer(app, phone, "withdraw") for phone in (OTHER, ME, THIRD)}
    refused = answer(app, FOURTH, "refuse")       # no declaration anywhere

    def seen(reader: Api) -> set[int]:
        return {e["record_id"] for e in drain(reader, start)[0] if e["topic"] == "consent"}

    assert seen(thanh_hoa) == {*consent_ids(app, OTHER), *consent_ids(app, THIRD)}
    assert seen(ha_noi) == {*consent_ids(app, ME), *consent_ids(app, THIRD)}
    assert seen(quang_phu) == set()               # another commune of Thanh Hoa
    assert seen(api) == {*consent_ids(app, OTHER), *consent_ids(app, ME),
                         *consent_ids(app, THIRD), refused}
    assert withdrawn[OTHER] in seen(thanh_hoa) and withdrawn[ME] not in seen(thanh_hoa)
    [event] = [e for e in drain(thanh_hoa, start)[0] if e["record_id"] == withdrawn[OTHER]]
    assert (event["topic"], event["record"]["answer"]) == ("consent", "withdraw")


def test_the_posted_searches_answer_a_limited_token_only_its_area(app, client, api, world):
    # The searches by phone and ID number (POST, the phone in the body) are lists too.
    thanh_hoa = limited(app, client, "thanh-hoa", Area(TH))
    for phone, where in ((OTHER, "th"), (ME, "hn")):
        found = thanh_hoa.post("/api/v1/declarations/search", {"phone": phone})
        assert found.status_code == 200, found.json
        assert [d["id"] for d in found.json["items"]] == (
            [world["declaration"]["th"]["id"]] if where == "th" else [])
        visits = thanh_hoa.post("/api/v1/visits/search", {"phone": phone})
        assert visits.status_code == 200, visits.json
        assert [v["id"] for v in visits.json["items"]] == (
            [world["visit"]["th"]["id"]] if where == "th" else [])
    # Both people of the world declared the same (default) ID number.
    number = {"id_number": "001080012345"}
    assert [d["id"] for d in thanh_hoa.post("/api/v1/declarations/search",
                                            number).json["items"]] == [
        world["declaration"]["th"]["id"]]
    assert {d["id"] for d in api.post("/api/v1/declarations/search",
                                      number).json["items"]} == {
        world["declaration"][w]["id"] for w in ("hn", "th")}
