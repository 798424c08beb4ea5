"""POST /sms/twilio (and its status callback): what is refused and why, signatures,
TwiML answers, and retried webhooks answered once.

The bad-input tests are a table in the manner of nyaruka/courier's handler tests:
form data → expected status and a reason the body must state."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from gateway import create_app
from gateway import runtime as runtimes
from gateway.actions import OUTCOMES
from gateway.flows.engine import Ask, End, Flow
from gateway.flows.messages import Template, render
from gateway.flows.parsers import FreeText, Year
from gateway.store.models import InboundMessage
from tests.conftest import Phone, twiml_text

NUMBER = "+84912345678"
TOKEN = "test-twilio-auth-token"
URL = "/sms/twilio"
GOOD = {"From": NUMBER, "To": "+84240000", "Body": "HD", "MessageSid": "SM0001"}

FLOW = Flow(name="test_twilio_flow", start="name", nodes={
    "name": Ask("test.tw.name", FreeText(), next="year"),
    "year": Ask("test.tw.year", Year(), next="done"),
    "done": End("test.tw.done", outcome="test.tw.record"),
})
TEMPLATES = {"test.tw.name": Template("Ten?", "Name?"),
             "test.tw.year": Template("Nam sinh?", "Year?"),
             "test.tw.done": Template("Xong {name} {year}", "Done {name} {year}")}


@pytest.fixture
def recorded(monkeypatch, install_flow) -> list[dict]:
    """A two-question flow opened by KB; what its outcome recorded."""
    records: list[dict] = []
    monkeypatch.setitem(OUTCOMES, "test.tw.record", lambda _c, answers: records.append(answers))
    install_flow(FLOW, "declare", TEMPLATES)
    return records


def without(name: str) -> dict[str, str]:
    """The good form without one field."""
    return {k: v for k, v in GOOD.items() if k != name}


def rows(app, **where) -> list[InboundMessage]:
    """Logged inbound messages."""
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(InboundMessage).filter_by(**where)))


@pytest.mark.parametrize(("form", "status", "reason"), [
    (without("From"), 400, "field 'From' required"),
    (without("To"), 400, "field 'To' required"),
    (without("Body"), 400, "field 'Body' required"),
    (without("MessageSid"), 400, "field 'MessageSid' required"),
    ({**GOOD, "MessageSid": ""}, 400, "field 'MessageSid' must not be empty"),
    ({**GOOD, "MessageSid": "   "}, 400, "field 'MessageSid' must not be empty"),
    ({**GOOD, "From": ""}, 400, "field 'From' must not be empty"),
    ({**GOOD, "From": "12345"}, 400, "field 'From' is not a valid mobile number"),
    ({**GOOD, "From": "hello"}, 400, "field 'From' is not a valid mobile number"),
    ({**GOOD, "From": "+842438123456"}, 400, "field 'From' is not a valid mobile number"),
    ({**GOOD, "Body": "x" * 1601}, 400, "field 'Body' longer than 1600 characters"),
    ({**GOOD, "MessageSid": "SM" + "0" * 63}, 400, "field 'MessageSid' longer than 64"),
    ({}, 400, "field 'From' required"),
    ({**GOOD, "Body": "KB\x00"}, 400, "field 'Body' contains a NUL character"),
    ({**GOOD, "From": "+84912345678\x00"}, 400, "field 'From' contains a NUL character"),
    ({**GOOD, "MessageSid": "SM\x07"}, 400, "field 'MessageSid' contains control character"),
    ({**GOOD, "Body": "KB\r\n\tHD"}, 200, ""),  # line breaks and tabs are text
], ids=["no-from", "no-to", "no-body", "no-sid", "empty-sid", "blank-sid", "empty-from",
        "short-from", "text-from", "landline-from", "long-body", "long-sid", "empty-form",
        "nul-body", "nul-from", "bell-sid", "line-breaks"])
def test_bad_form_is_refused_with_the_reason(client, app, form, status, reason):
    response = client.post(URL, data=form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)
    assert rows(app) == [] or status == 200


@pytest.mark.parametrize(("body", "content_type", "status", "reason"), [
    (json.dumps(GOOD).encode(), "application/json", 400, "application/x-www-form-urlencoded"),
    (b"From=%2B84912345678", "text/plain", 400, "application/x-www-form-urlencoded"),
    (b"", None, 400, "application/x-www-form-urlencoded"),
    (b"Body=%FF%FE&From=%2B84912345678&To=1022&MessageSid=SM1",
     "application/x-www-form-urlencoded", 400, "not valid UTF-8"),
    (b"Body=\xff\xfe&From=%2B84912345678&To=1022&MessageSid=SM1",
     "application/x-www-form-urlencoded", 400, "not valid UTF-8"),
    (b"Body=" + b"a" * (16 * 1024) + b"&From=%2B84912345678&To=1022&MessageSid=SM1",
     "application/x-www-form-urlencoded", 413, "at most 16384 bytes"),
    (b"Body=HD&Body=KB&From=%2B84912345678&To=1022&MessageSid=SM1",
     "application/x-www-form-urlencoded", 400, "field 'Body' given more than once"),
    (b"Body=HD&From=%2B84912345678&To=1022&MessageSid=SM1&%00=1",
     "application/x-www-form-urlencoded", 400, "field '\\x00' contains a NUL character"),
], ids=["json", "text-plain", "no-content-type", "percent-encoded-bad-utf8", "raw-bad-utf8",
        "too-large", "repeated-field", "nul-name"])
def test_bad_body_is_refused_with_the_reason(client, app, body, content_type, status, reason):
    response = client.post(URL, data=body, content_type=content_type)
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)
    assert rows(app) == []


def test_form_with_charset_and_vietnamese_text_is_accepted(client, app):
    body = "Body=Tr%E1%BB%A3+gi%C3%BAp&From=%2B84912345678&To=1022&MessageSid=SMvi"
    response = client.post(URL, data=body.encode(),
                           content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert response.status_code == 200
    assert twiml_text(response.get_data(as_text=True)) == render("help", "vi")
    assert rows(app)[0].body == "Trợ giúp"


def test_answer_is_twiml_with_the_reply(client, app):
    response = client.post(URL, data=GOOD)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "charset=utf-8" in response.headers["Content-Type"]
    document = response.get_data(as_text=True)
    assert document.startswith("<?xml") and "<Response><Message>" in document
    assert twiml_text(document) == render("help", "vi")
    [row] = rows(app)
    assert (row.channel, row.provider, row.provider_id, row.phone, row.recipient, row.body) == (
        "sms", "twilio", "SM0001", NUMBER, "+84240000", "HD")


@pytest.mark.parametrize("length", [0, 1600])
def test_body_at_the_limits_is_accepted(client, length):
    response = client.post(URL, data={**GOOD, "Body": "x" * length})
    assert response.status_code == 200
    assert twiml_text(response.get_data(as_text=True)) == render("help", "vi")


# --- signatures ------------------------------------------------------------------------

@pytest.fixture
def signed(app, config) -> Iterator[callable]:
    """Builds an app that requires `X-Twilio-Signature` (with the given config changes)."""
    built = []

    def build(**changes):
        application = create_app(dataclasses.replace(config, twilio_auth_token=TOKEN, **changes))
        built.append(application)
        return application.test_client()

    yield build
    for application in built:
        runtimes.of(application).engine.dispose()


def signature(url: str, form: dict[str, str], token: str = TOKEN) -> str:
    """The signature Twilio would send for this URL and form."""
    return RequestValidator(token).compute_signature(url, form)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 403),
    ({"X-Twilio-Signature": ""}, 403),
    ({"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, 403),
    ({"X-Twilio-Signature": signature("http://localhost/sms/twilio", GOOD, "other-token")}, 403),
    ({"X-Twilio-Signature": signature("http://localhost/sms/twilio", {**GOOD, "Body": "KB"})},
     403),
    ({"X-Twilio-Signature": signature("http://localhost/sms/twilio", GOOD)}, 200),
], ids=["none", "empty", "garbage", "other-token", "other-body", "valid"])
def test_signature_is_required_when_the_token_is_set(signed, app, headers, status):
    response = signed().post(URL, data=GOOD, headers=headers)
    assert response.status_code == status
    if status == 403:
        assert "X-Twilio-Signature" in response.get_data(as_text=True)
        assert rows(app) == []
    else:
        assert twiml_text(response.get_data(as_text=True)) == render("help", "vi")


def test_signature_covers_the_query_string(signed):
    client = signed()
    good = signature("http://localhost/sms/twilio?tenant=hn", GOOD)
    assert client.post(URL + "?tenant=hn", data=GOOD,
                       headers={"X-Twilio-Signature": good}).status_code == 200
    assert client.post(URL + "?tenant=hcm", data={**GOOD, "MessageSid": "SM2"},
                       headers={"X-Twilio-Signature": good}).status_code == 403


def test_signature_is_checked_against_the_public_base_url(signed):
    client = signed(public_base_url="https://gw.example.org")
    public = signature("https://gw.example.org/sms/twilio", GOOD)
    internal = signature("http://localhost/sms/twilio", {**GOOD, "MessageSid": "SM2"})
    # Served at http://localhost behind a proxy, signed for the public address.
    assert client.post(URL, data=GOOD, headers={"X-Twilio-Signature": public}).status_code == 200
    assert client.post(URL, data={**GOOD, "MessageSid": "SM2"},
                       headers={"X-Twilio-Signature": internal}).status_code == 403


def test_status_callback_is_signed_too(signed):
    client = signed()
    form = {"MessageSid": "SMx", "MessageStatus": "delivered"}
    assert client.post("/sms/twilio/status", data=form).status_code == 403
    response = client.post("/sms/twilio/status", data=form, headers={
        "X-Twilio-Signature": signature("http://localhost/sms/twilio/status", form)})
    assert response.status_code == 200


@pytest.mark.parametrize(("form", "status", "reason"), [
    ({"MessageStatus": "sent"}, 400, "field 'MessageSid' required"),
    ({"MessageSid": "SMx"}, 400, "field 'MessageStatus' required"),
    ({"MessageSid": "SMx", "MessageStatus": "exploded"}, 400, "unknown value 'exploded'"),
    ({"MessageSid": "SMunknown", "MessageStatus": "delivered"}, 200, "unknown MessageSid"),
])
def test_status_callback_input(client, form, status, reason):
    response = client.post("/sms/twilio/status", data=form)
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)


# --- phone numbers and retries ------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["0912345678", "84912345678", "+84 91 234 5678",
                                      "0912.345.678"])
def test_number_spellings_are_one_phone(client, app, recorded, spelling):
    Phone(client, NUMBER).sms("KB")
    assert Phone(client, spelling).sms("Lan") == render("test.tw.year", "vi")
    assert Phone(client, spelling).sms("1990") == "Xong Lan 1990"
    assert {row.phone for row in rows(app)} == {NUMBER}


def test_same_message_sid_twice_is_answered_the_same_and_handled_once(
        client, app, redis, recorded):
    phone = Phone(client)
    phone.sms("KB")
    first = client.post(URL, data={**GOOD, "Body": "Lan", "MessageSid": "SMdup"})
    second = client.post(URL, data={**GOOD, "Body": "Lan", "MessageSid": "SMdup"})
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    assert twiml_text(first.get_data(as_text=True)) == render("test.tw.year", "vi")
    assert len(rows(app, provider_id="SMdup")) == 1
    # Advanced once: the dialogue now waits for the year, not for a second name.
    assert phone.sms("1990") == "Xong Lan 1990"
    assert [r["name"] for r in recorded] == ["Lan"]


@pytest.mark.parametrize("forget", ["seen-keys", "flushdb"])
def test_retry_after_redis_forgot_is_answered_from_the_database(
        client, app, redis, recorded, forget):
    phone = Phone(client)
    phone.sms("KB")
    form = {**GOOD, "Body": "Lan", "MessageSid": "SMforgot"}
    first = client.post(URL, data=form)
    if forget == "flushdb":
        redis.flushdb()
    else:
        for key in redis.scan_iter("seen:*"):
            redis.delete(key)
    again = client.post(URL, data=form)
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert len(rows(app, provider_id="SMforgot")) == 1
    assert len(rows(app)) == 2  # KB and the one "Lan"
    if forget == "seen-keys":
        # The dialogue did not take "Lan" a second time: it still waits for the year.
        assert phone.sms("1990") == "Xong Lan 1990"
    else:
        # Redis lost the dialogue too; the retry must not have started a new one.
        assert redis.keys("dlg:*") == []
