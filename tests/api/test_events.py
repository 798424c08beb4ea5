"""The change feed: every record created or changed, from every channel, each with
its current JSON, in a stable order with an opaque cursor."""

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from gateway import runtime as runtimes
from gateway.store import quarantine, venues
from gateway.store.db import transaction
from gateway.store.models import Event, Phone, utcnow
from tests.api.conftest import ME, Api, case_body, declared, make_token, manager, venue
from tests.conftest import Phone as FeaturePhone
from tests.declare.test_ussd import FORM, walk


def settled(app, timeout: float = 10.0) -> bool:
    """Whether every committed event can be served now. Transaction ids are shared by
    every database of the PostgreSQL server, so a test run next door can hold the feed
    back for a moment: wait for that, never for our own open transactions."""
    engine = runtimes.of(app).engine
    if engine.dialect.name != "postgresql":
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(text(
                    "SELECT coalesce(max(txid), 0) < pg_snapshot_xmin(pg_current_snapshot())"
                    "::text::bigint FROM events")).scalar():
                return True
        time.sleep(0.02)
    return False


def drain(api: Api, after: str | None = None, limit: int = 100) -> tuple[list[dict], str]:
    """Every event after `after`, polling until up to date; and the last cursor."""
    items = []
    while True:
        if api.settle:
            assert settled(api.client.application)
        query = {"limit": limit, **({"after": after} if after else {})}
        response = api.get("/api/v1/events", query_string=query)
        assert response.status_code == 200, response.json
        items += response.json["items"]
        after = response.json["next"]
        if not response.json["items"]:
            return items, after


def summary(items: list[dict]) -> list[tuple]:
    return [(e["topic"], e["action"]) for e in items]


def test_api_writes_appear_with_their_current_record(app, api):
    made = declared(api)
    place = venue(api)
    items, cursor = drain(api)
    # The declarer's consent comes first: written before the declaration that uses it.
    assert summary(items) == [("consent", "created"), ("declaration", "created"),
                              ("venue", "created")]
    assert items[1]["record"] == made and items[2]["record"] == place
    assert items[1]["record_id"] == made["id"]
    assert (items[0]["record"]["phone"], items[0]["record"]["answer"]) == (ME, "agree")
    assert drain(api, cursor)[0] == []  # up to date: nothing repeats


def test_changes_are_updated_events_and_the_record_is_current(app, api):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    _, cursor = drain(api)
    patched = api.patch(f"/api/v1/quarantine-cases/{case['id']}", {"status": "closed"})
    assert patched.status_code == 200, patched.json
    [changed], _ = drain(api, cursor)
    assert (changed["topic"], changed["action"], changed["record_id"]) == (
        "quarantine_case", "updated", case["id"])
    assert changed["record"]["status"] == "closed"


def test_records_made_over_ussd_and_sms_are_in_the_feed(app, api, client):
    citizen = FeaturePhone(client, ME)
    citizen.dial()
    walk(citizen, [("1", "Ban dong y?"), ("1", "ho va ten"), *FORM])
    assert citizen.press("1").startswith("END Da khai bao")
    code = venue(api)["code"]
    citizen.sms(f"CI {code}")
    citizen.sms("CO")
    items, _ = drain(api)
    assert summary(items) == [("consent", "created"), ("declaration", "created"),
                              ("venue", "created"), ("visit", "created"), ("visit", "updated")]
    assert (items[0]["record"]["channel"], items[0]["record"]["answer"]) == ("ussd", "agree")
    assert items[1]["record"]["channel"] == "ussd"
    assert items[1]["record"]["full_name"] == "Tran Thi C"
    assert items[1]["record"]["consent"]["answer"] == "agree"
    assert items[4]["record"]["closed_by"] == "checkout"  # the feed shows it as it is now
    assert items[3]["record"] == items[4]["record"]


def test_store_writes_and_bulk_updates_feed_it_too(app, api):
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app))).json
    _, cursor = drain(api)
    with transaction(runtimes.of(app).sessions) as session:
        quarantine.record_report(session, case["id"], date.today(), symptoms=[7],
                                 temperature=None, danger=True, channel="sms")
        quarantine.mark_alert(session, case["id"])  # a bulk UPDATE statement
        session.add(Phone(number="+84911000000"))     # not a fed record
    with transaction(runtimes.of(app).sessions) as session:
        closed = quarantine.close_ended(session, date.today() + timedelta(days=30))
    assert closed == 1
    items, _ = drain(api, cursor)
    assert summary(items) == [("health_report", "created"), ("quarantine_case", "updated"),
                              ("quarantine_case", "updated")]
    assert items[1]["record"]["alert"] is True and items[1]["record"]["status"] == "closed"


def test_a_rolled_back_write_leaves_no_event(app, api):
    with pytest.raises(RuntimeError), transaction(runtimes.of(app).sessions) as s:
        venues.create(s, name="Gone", kind="shop", province_code=1, province_name="Ha Noi")
        raise RuntimeError("the request failed after the flush")
    assert drain(api)[0] == []


def test_an_unchanged_object_makes_no_event(app, api):
    code = venue(api)["code"]
    _, cursor = drain(api)
    with transaction(runtimes.of(app).sessions) as session:
        found = venues.by_code(session, code)
        found.name = found.name  # assigned, not changed
    assert drain(api, cursor)[0] == []


def test_an_open_transaction_holds_back_later_events_until_it_commits(app, api):
    """The hazard the (txid, id) order exists for: a transaction that started first
    writes its event last. Ordering by id alone would serve the other event first and
    then lose this one."""
    sessions = runtimes.of(app).sessions
    slow = sessions()
    slow.begin()
    slow.add(Phone(number="+84911000001"))
    slow.flush()  # the slow transaction has its transaction id now
    fast = venue(api, name="Fast")
    api.settle = False  # waiting to settle would wait for `slow`, which is ours
    assert drain(api)[0] == []  # the fast event waits behind the open transaction
    api.settle = True
    venues.create(slow, name="Slow", kind="shop", province_code=1, province_name="Ha Noi")
    slow.commit()
    slow.close()
    items, _ = drain(api)
    assert [e["record"]["name"] for e in items] == ["Slow", fast["name"]]
    ids = [e["record_id"] for e in items]
    assert ids[0] > ids[1]  # the slow venue has the larger id, yet comes first


def test_the_cursor_survives_a_restart(app, client, api):
    declared(api)
    _, cursor = drain(api)
    venue(api)
    later = Api(app.test_client(), make_token(app, "after-restart"))
    items, _ = drain(later, cursor)
    assert summary(items) == [("venue", "created")]


def test_limit_pages_the_feed(app, api):
    for n in range(5):
        venue(api, name=f"Venue {n}")
    assert settled(app)  # a test run next door may hold the feed back for a moment
    first = api.get("/api/v1/events?limit=2").json
    assert len(first["items"]) == 2
    rest, _ = drain(api, first["next"], limit=2)
    assert [e["record"]["name"] for e in first["items"] + rest] == [
        f"Venue {n}" for n in range(5)]
    assert first["items"][1]["cursor"] == first["next"]


@pytest.mark.parametrize("query", [
    "after=nope", "after=bDE6NQ", "after=ZTE6OTk5OTk5OTk5OTk5OTk5OTk5OTk6MQ", "limit=0",
    "limit=201", "limit=x", "cursor=abc",
])
def test_bad_feed_queries_are_422(api, query):
    response = api.get(f"/api/v1/events?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_feed_on_sqlite(demo_app):
    """The embedded setup: writers are serialized, txid is empty, id order is the feed."""
    api = Api(demo_app.test_client(), make_token(demo_app, "web"))
    declared(api)
    venue(api)
    items, cursor = drain(api)
    assert summary(items) == [("consent", "created"), ("declaration", "created"),
                              ("venue", "created")]
    with runtimes.of(demo_app).sessions() as session:
        assert session.scalars(select(Event.txid)).all() == [None, None, None]
    venue(api, name="Later")
    assert summary(drain(api, cursor)[0]) == [("venue", "created")]


def test_event_time_is_recorded(app, api):
    before = utcnow()
    venue(api)
    with runtimes.of(app).sessions() as session:
        [row] = session.scalars(select(Event)).all()
    assert row.txid is not None and row.created_at >= before
