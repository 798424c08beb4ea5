"""Exposure notification through the records API, as a transcript: a case marked →
its exposures listed for review, nobody texted → confirmed → each exposed phone texted
once (a second marking, a second confirmation or a second case over the same visit
texts nobody again) → their answers recorded and visible; the case's identity in no
message; every step audited and in the change feed; an officer of one province can
neither mark nor see another's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store import areas, users
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import AuditEntry, ExposureNotice, OutboundMessage, QuarantineCase
from tests.api.conftest import case_body, declared
from tests.api.test_events import drain
from tests.conftest import Phone
from tests.tracing.conftest import CASE, HN, START, TH, TH_WARD, place, token, visit, window

NEAR = "+84987000001"      # 60 minutes side by side with the case
BRUSHED = "+84987000002"   # 10 minutes after the case left: inside the 30-minute margin
LATER = "+84987000003"     # came three hours after the case left
ELSEWHERE = "+84987000004"  # at another venue at the same time
SECOND = "+84912000009"    # a second case, at the market at the same time as NEAR


def outbox(app, kind: str = "exposure") -> list[OutboundMessage]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(OutboundMessage).where(OutboundMessage.kind == kind)
                                    .order_by(OutboundMessage.id)))


def market_morning(app) -> dict[str, int]:
    """The case at the market from START for two hours, and the others around it."""
    market, shop = place(app, "Chợ Đồng Xuân"), place(app, "Cửa hàng Hàng Bạc")
    visit(app, market, CASE, START, 120)
    visit(app, shop, CASE, START + timedelta(hours=3), 30)
    ids = {"market": market, "shop": shop,
           NEAR: visit(app, market, NEAR, START + timedelta(minutes=30), 60),
           BRUSHED: visit(app, market, BRUSHED, START + timedelta(minutes=130), 40),
           LATER: visit(app, market, LATER, START + timedelta(hours=5), 30),
           ELSEWHERE: visit(app, place(app, "Bến xe Giáp Bát"), ELSEWHERE, START, 120)}
    return ids


def test_a_case_marked_and_confirmed_texts_each_exposed_phone_once(app, client, api, inbox):
    made = market_morning(app)
    marked = api.post("/api/v1/exposure-cases", {"phone": "0912 345 678", **window()})
    assert marked.status_code == 201, marked.json
    case = marked.json
    assert (case["phone"], case["status"], case["exposed"], case["notified"]) == (
        CASE, "review", 2, 0)
    listed = api.get(f"/api/v1/exposure-cases/{case['id']}/exposures").json["items"]
    assert {e["phone"]: e["venue_name"] for e in listed} == {
        NEAR: "Chợ Đồng Xuân", BRUSHED: "Chợ Đồng Xuân"}
    assert [e["notice"] for e in listed] == [None, None]
    assert outbox(app) == []  # review first: nobody texted yet

    confirmed = api.post(f"/api/v1/exposure-cases/{case['id']}/notify")
    assert confirmed.status_code == 200, confirmed.json
    assert (confirmed.json["queued"], confirmed.json["case"]["status"],
            confirmed.json["case"]["notified"]) == (2, "notified", 2)
    for phone in (NEAR, BRUSHED):
        [sms] = inbox.messages(phone)
        assert "Cho Dong Xuan" in sms["body"] and "1022" in sms["body"]
        assert len(sms["body"]) <= 160
        assert "912345678" not in sms["body"] and "2345" not in sms["body"]
    assert inbox.messages(LATER) == [] and inbox.messages(ELSEWHERE) == []

    # Again: the same marking is the same case, and a second confirmation texts nobody.
    again = api.post("/api/v1/exposure-cases", {"phone": CASE, **window()})
    assert (again.status_code, again.json["id"]) == (200, case["id"])
    assert api.post(f"/api/v1/exposure-cases/{case['id']}/notify").json["queued"] == 0
    # A second case at the market over NEAR's same visit: NEAR is not texted twice.
    visit(app, made["market"], SECOND, START + timedelta(minutes=40), 45)
    other = api.post("/api/v1/exposure-cases", {"phone": SECOND, **window()}).json
    assert other["exposed"] == 2  # NEAR, and the first case (also a visitor there)
    assert api.post(f"/api/v1/exposure-cases/{other['id']}/notify").json["queued"] == 1
    assert len(inbox.messages(NEAR)) == 1
    assert len(inbox.messages(BRUSHED)) == 1
    [to_case] = inbox.messages(CASE)  # the first case was exposed to the second
    assert "912000009" not in to_case["body"]
    assert len(outbox(app)) == 3


def test_answers_are_recorded_and_visible(app, client, api, inbox):
    market_morning(app)
    case = api.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    api.post(f"/api/v1/exposure-cases/{case['id']}/notify")
    inbox.deliver()

    assert Phone(client, NEAR).sms("1").startswith("Cam on ban. Hay o nha")
    answered = Phone(client, BRUSHED).sms(" 2. ")
    assert answered.startswith("Cam on ban. Hay khai bao y te ngay")
    # ...and the declaration starts: the privacy notice comes first for a new phone.
    assert len(answered.split("\n")) > 1

    listed = api.get(f"/api/v1/exposure-cases/{case['id']}/exposures").json["items"]
    assert {e["phone"]: (e["notice"]["answer"], e["notice"]["answer_channel"])
            for e in listed} == {NEAR: ("isolating", "sms"), BRUSHED: ("symptoms", "sms")}
    counted = api.get(f"/api/v1/exposure-cases/{case['id']}").json
    assert (counted["isolating"], counted["symptoms"]) == (1, 1)
    # Answered: a later `1` is no longer taken as the answer (the first one stays).
    assert not Phone(client, NEAR).sms("1").startswith("Cam on ban. Hay o nha")
    with runtimes.of(app).sessions() as session:
        kept = session.scalar(select(ExposureNotice).where(ExposureNotice.phone == NEAR))
    assert kept.answer == "isolating"


def test_a_bare_1_without_a_notice_gets_the_help(app, client):
    assert Phone(client, NEAR).sms("1").startswith("KB: khai bao y te")


def test_an_answer_after_the_answer_days_is_not_taken(app, client, api, inbox):
    market_morning(app)
    case = api.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    api.post(f"/api/v1/exposure-cases/{case['id']}/notify")
    days = runtimes.of(app).config.exposure_answer_days
    with runtimes.of(app).sessions() as session:
        for notice in session.scalars(select(ExposureNotice)):
            notice.notified_at -= timedelta(days=days, minutes=1)
        session.commit()
    assert Phone(client, NEAR).sms("1").startswith("KB: khai bao y te")


def test_marking_and_confirming_are_audited_and_in_the_feed(app, client, api):
    market_morning(app)
    case = api.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    api.post(f"/api/v1/exposure-cases/{case['id']}/notify")
    Phone(client, NEAR).sms("1")
    with runtimes.of(app).sessions() as session:
        entries = [(e.username, e.action, e.phone) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("exposure.%"))
            .order_by(AuditEntry.id))]
    assert entries == [("token:web-system", "exposure.mark", CASE),
                       ("token:web-system", "exposure.notify", CASE)]
    items, _ = drain(api)
    seen = [(e["topic"], e["action"]) for e in items if e["topic"].startswith("exposure")]
    assert seen.count(("exposure_case", "created")) == 1
    assert seen.count(("exposure", "created")) == 2
    assert seen.count(("exposure_notice", "created")) == 2
    notices = [e["record"] for e in items if e["topic"] == "exposure_notice"]
    assert {(n["phone"], n["answer"], n["channel"], n["operator"]) for n in notices} == {
        (NEAR, "isolating", "web", "web-system"), (BRUSHED, None, "web", "web-system")}
    assert seen.count(("exposure_case", "updated")) == 1  # confirmed
    marked = [e["record"] for e in items if e["topic"] == "exposure_case"][-1]
    assert (marked["channel"], marked["operator"], marked["status"]) == (
        "web", "web-system", "notified")


def test_an_officer_of_one_province_can_neither_mark_nor_see_anothers(app, client, api, inbox):
    market_morning(app)  # everything in Ha Noi
    thanh_hoa = token(app, client, "thanh-hoa", Area(TH))
    hanoi = token(app, client, "ha-noi", Area(HN))
    case = hanoi.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    assert case["exposed"] == 2
    assert thanh_hoa.get(f"/api/v1/exposure-cases/{case['id']}").status_code == 404
    assert thanh_hoa.get(f"/api/v1/exposure-cases/{case['id']}/exposures").status_code == 404
    assert thanh_hoa.post(f"/api/v1/exposure-cases/{case['id']}/notify").status_code == 404
    assert thanh_hoa.get("/api/v1/exposure-cases").json["items"] == []
    # Thanh Hoa marking the same phone lists only its own venues: none.
    own = thanh_hoa.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    assert own["exposed"] == 0
    assert thanh_hoa.post(f"/api/v1/exposure-cases/{own['id']}/notify").json["queued"] == 0
    assert outbox(app) == []
    assert [c["id"] for c in hanoi.get("/api/v1/exposure-cases").json["items"]] == [case["id"]]
    items, _ = drain(thanh_hoa)
    assert {e["record_id"] for e in items if e["topic"] == "exposure_case"} == {own["id"]}
    assert [e for e in items if e["topic"] in ("exposure", "exposure_notice")] == []
    # A Thanh Hoa venue the case also visited: Thanh Hoa sees that exposure only.
    th_market = place(app, "Chợ Vườn Hoa", TH, TH_WARD)
    visit(app, th_market, CASE, START + timedelta(hours=6), 60)
    visit(app, th_market, LATER, START + timedelta(hours=6), 60)
    hanoi_again = hanoi.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    assert hanoi_again["exposed"] == 2  # Ha Noi's marking stays in Ha Noi
    mine = thanh_hoa.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    listed = thanh_hoa.get(f"/api/v1/exposure-cases/{mine['id']}/exposures").json["items"]
    assert [(e["phone"], e["venue_name"]) for e in listed] == [(LATER, "Chợ Vườn Hoa")]


def test_bad_marks_get_a_reason(app, api):
    refused = api.post("/api/v1/exposure-cases", {"phone": "12345", **window()})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "phone"
    backwards = {"phone": CASE, "from": window()["to"], "to": window()["from"]}
    assert api.post("/api/v1/exposure-cases", backwards).status_code == 422
    too_long = {"phone": CASE, **window(hours=24 * 16)}
    answer = api.post("/api/v1/exposure-cases", too_long)
    assert answer.status_code == 422 and "31 days" in str(answer.json)
    assert api.post("/api/v1/exposure-cases/999/notify").status_code == 404


def test_a_phone_that_sent_stop_still_gets_its_notice(app, client, api, inbox):
    market_morning(app)
    assert Phone(client, NEAR).sms("STOP").startswith("Ban se khong nhan tin nhan")
    case = api.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    api.post(f"/api/v1/exposure-cases/{case['id']}/notify")
    [sms] = [m for m in inbox.messages(NEAR) if "1022" in m["body"]]
    assert "Cho Dong Xuan" in sms["body"]


def test_confirming_can_enrol_the_exposed_in_home_quarantine(app, client, api, inbox):
    market_morning(app)
    with transaction(runtimes.of(app).sessions) as session:
        users.create(session, username="bs_lan", role="manager", phone="+84903000001")
    declared(api, NEAR)  # NEAR's name is known from its declaration; BRUSHED's is not
    case = api.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    unknown = api.post(f"/api/v1/exposure-cases/{case['id']}/notify",
                       {"enrol": {"manager": "nobody"}})
    assert unknown.status_code == 422 and "nobody" in str(unknown.json)
    assert outbox(app) == []  # refused before anything was sent
    done = api.post(f"/api/v1/exposure-cases/{case['id']}/notify",
                    {"enrol": {"manager": "bs_lan", "days": 10}})
    assert (done.status_code, done.json["queued"], done.json["enrolled"]) == (200, 2, 2)
    with runtimes.of(app).sessions() as session:
        cases = {c.phone: c for c in session.scalars(select(QuarantineCase))}
    assert {p: (c.full_name, c.kind, (c.end_date - c.start_date).days, c.channel)
            for p, c in cases.items()} == {NEAR: ("Nguyen Van A", "home", 9, "web"),
                                           BRUSHED: ("Chua ro ten", "home", 9, "web")}
    assert len(inbox.messages(BRUSHED)) == 2  # the notice, and how to report each day
    again = api.post(f"/api/v1/exposure-cases/{case['id']}/notify",
                     {"enrol": {"manager": "bs_lan"}})
    assert (again.json["queued"], again.json["enrolled"]) == (0, 0)


def test_a_limited_token_enrols_only_under_a_manager_of_its_area(app, client, api):
    market_morning(app)
    with transaction(runtimes.of(app).sessions) as session:
        account = users.create(session, username="bs_th", role="manager", phone="+84903000002")
        areas.assign(session, Area(TH), user_id=account.id)
    hanoi = token(app, client, "ha-noi", Area(HN))
    case = hanoi.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    refused = hanoi.post(f"/api/v1/exposure-cases/{case['id']}/notify",
                         {"enrol": {"manager": "bs_th"}})
    assert refused.status_code == 422 and "outside your area" in str(refused.json)
    assert outbox(app) == []


def test_enrolling_leaves_a_phone_already_in_quarantine_as_it_is(app, client, api):
    market_morning(app)
    with transaction(runtimes.of(app).sessions) as session:
        users.create(session, username="bs_lan", role="manager", phone="+84903000001")
    assert api.post("/api/v1/quarantine-cases", case_body("bs_lan", NEAR)).status_code == 201
    case = api.post("/api/v1/exposure-cases", {"phone": CASE, **window()}).json
    done = api.post(f"/api/v1/exposure-cases/{case['id']}/notify",
                    {"enrol": {"manager": "bs_lan"}}).json
    assert (done["queued"], done["enrolled"]) == (2, 1)  # BRUSHED only
    with runtimes.of(app).sessions() as session:
        phones = sorted(c.phone for c in session.scalars(select(QuarantineCase)))
    assert phones == sorted([NEAR, BRUSHED])
