"""The phone simulator of the embedded demo (SQLite and in-process Redis): its page,
SMS and USSD through the same dialogue handling as the real webhooks, the outbox
view, and its absence outside the demo."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.demo import seed
from gateway.flows.messages import render
from gateway.store import messages
from gateway.store.db import transaction
from gateway.store.models import InboundMessage

NUMBER = "+84912345678"


@pytest.fixture
def sim(demo_app):
    """A test client of the demo app."""
    return demo_app.test_client()


def test_page_renders(sim):
    response = sim.get("/simulator/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Phone simulator" in page
    assert 'id="phone"' in page and "/simulator/" in page


def test_sms_gets_the_reply_and_is_logged(sim, demo_app):
    response = sim.post("/simulator/sms", json={"phone": "0912345678", "text": "HD"})
    assert response.status_code == 200
    assert response.get_json() == {"reply": render("help", "vi")}
    with runtimes.of(demo_app).sessions() as session:
        [row] = session.scalars(select(InboundMessage)).all()
    assert (row.channel, row.provider, row.phone, row.body) == ("sms", "sim", NUMBER, "HD")


def test_sms_dialogue_state_is_shared_with_the_phone(sim):
    assert sim.post("/simulator/sms", json={"phone": NUMBER, "text": "EN"}).get_json() == {
        "reply": render("language.set", "en")}
    assert sim.post("/simulator/sms", json={"phone": "0912 345 678", "text": "?"}).get_json() == {
        "reply": render("help", "en")}


def test_ussd_session(sim):
    def dial(text: str) -> str:
        response = sim.post("/simulator/ussd", json={"phone": "0912345678", "session": "sim-1",
                                                     "text": text})
        assert response.status_code == 200
        return response.get_json()["screen"]

    assert dial("") == "CON " + render("ussd.menu", "vi")
    assert dial("5") == "CON " + render("language.ask", "vi")
    assert dial("5*2") == "END " + render("language.set", "en")


def test_outbox_lists_that_phones_messages_newest_first(sim, demo_app):
    runtime = runtimes.of(demo_app)
    with transaction(runtime.sessions) as session:
        for phone, body in [(NUMBER, "first"), ("+84912345670", "not yours"), (NUMBER, "second")]:
            messages.queue_outbound(session, phone=phone, body=body, kind="otp", priority="high")
    response = sim.post("/simulator/outbox", json={"phone": "0912.345.678"})
    assert response.status_code == 200
    listed = response.get_json()["messages"]
    assert [m["body"] for m in listed] == ["second", "first"]
    assert all({"id", "kind", "status", "at"} <= set(m) for m in listed)
    assert sim.post("/simulator/outbox", json={"phone": "0912345671"}).get_json() == {
        "messages": []}


@pytest.mark.parametrize(("path", "body", "reason"), [
    ("sms", {"phone": "12345", "text": "HD"}, "not a valid phone number"),
    ("sms", {"text": "HD"}, "empty phone number"),
    ("sms", None, "empty phone number"),
    ("ussd", {"phone": "+842438123456", "session": "s", "text": ""}, "not a mobile number"),
    ("ussd", {"phone": NUMBER, "text": ""}, "session required"),
    ("ussd", {"phone": NUMBER, "session": "s", "text": "1*" + "x" * 183}, "longer than 182"),
    ("outbox", {"phone": "hello"}, "not a phone number"),
], ids=["sms-bad-phone", "sms-no-phone", "sms-no-json", "ussd-landline", "ussd-no-session",
        "ussd-long-text", "outbox-bad-phone"])
def test_bad_input_is_a_400_with_a_json_reason(sim, demo_app, path, body, reason):
    response = sim.post(f"/simulator/{path}", json=body)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    with runtimes.of(demo_app).sessions() as session:
        assert session.scalars(select(InboundMessage)).all() == []


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/simulator/"), ("post", "/simulator/sms"), ("post", "/simulator/ussd"),
    ("post", "/simulator/outbox")])
def test_simulator_is_not_served_outside_the_demo(client, method, path):
    response = getattr(client, method)(path, json={"phone": NUMBER, "text": "HD"})
    assert response.status_code == 404


def test_ussd_answer_carries_the_screen_without_its_prefix(sim):
    def dial(text: str) -> dict:
        return sim.post("/simulator/ussd", json={"phone": NUMBER, "session": "sim-2",
                                                 "text": text}).get_json()

    first = dial("")
    assert (first["text"], first["ended"]) == (render("ussd.menu", "vi"), False)
    dial("5")
    last = dial("5*2")
    assert (last["text"], last["ended"]) == (render("language.set", "en"), True)


def test_root_leads_to_the_simulator_in_the_demo(sim):
    response = sim.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/simulator/")


def test_root_stays_a_404_outside_the_demo(client):
    assert client.get("/").status_code == 404


def test_page_shows_the_demo_venue_code(sim, demo_app):
    with transaction(runtimes.of(demo_app).sessions) as session:
        code = seed.seed(session).venue_code
    page = sim.get("/simulator/").get_data(as_text=True)
    assert f"CI {code}" in page and seed.DEMO_VENUE in page
