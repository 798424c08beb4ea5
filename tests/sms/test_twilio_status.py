"""Twilio status callbacks through the real route `POST /sms/twilio/status`: delivery
reports move an outbound message forward only, bad requests get a 400 with the reason,
and with an auth token configured only correctly signed reports are taken."""

from __future__ import annotations

import uuid

import pytest
from twilio.request_validator import RequestValidator

from gateway import create_app
from gateway import runtime as runtimes
from gateway.config import Config
from gateway.store import messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.conftest import DATA_KEY, SECRET

ROUTE = "/sms/twilio/status"
TOKEN = "status-test-auth-token"


def sent_message(app, status: str = "sent") -> tuple[int, str]:
    """An outbound message the provider accepted (with a fresh SID); returns (id, SID).
    A status other than `sent` is then set as a delivery report would."""
    sid = "SM" + uuid.uuid4().hex
    with transaction(runtimes.of(app).sessions) as session:
        message = messages.queue_outbound(session, phone="+84912345678", body="Ma OTP: 123456",
                                          kind="otp", priority="high")
        assert messages.claim(session, message.id, "twilio", "+15005550006") is not None
        assert messages.mark_sent(session, message.id, sid)
        if status != "sent":
            assert messages.apply_status(session, sid, status, None)
    return message.id, sid


def stored(app, message_id: int) -> OutboundMessage:
    """The message as the database has it now."""
    with runtimes.of(app).sessions() as session:
        return session.get(OutboundMessage, message_id)


def report(client, sid: str, status: str, error_code: str | None = None, **headers):
    """POST a status callback like Twilio's (form-encoded)."""
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32,
            "SmsSid": sid, "SmsStatus": status}
    if error_code is not None:
        form["ErrorCode"] = error_code
    return client.post(ROUTE, data=form, headers=headers)


@pytest.mark.parametrize(("reports", "final", "error_code"), [
    pytest.param([("queued", None), ("sent", None), ("delivered", None)], "delivered", None,
                 id="queued-sent-delivered"),
    pytest.param([("delivered", None), ("sent", None)], "delivered", None,
                 id="late-sent-after-delivered-ignored"),
    pytest.param([("delivered", None), ("queued", None), ("sending", None)], "delivered", None,
                 id="late-queued-and-sending-ignored"),
    pytest.param([("sent", None), ("failed", "30008")], "failed", "30008",
                 id="failed-keeps-error-code"),
    pytest.param([("undelivered", "30005"), ("delivered", None)], "undelivered", "30005",
                 id="final-status-not-overwritten"),
    pytest.param([("read", None)], "delivered", None, id="read-counts-as-delivered"),
    pytest.param([("DELIVERED", None)], "delivered", None, id="status-case-insensitive"),
    pytest.param([("canceled", None)], "failed", None, id="canceled-is-failed"),
    pytest.param([("partially_delivered", "30003")], "undelivered", "30003",
                 id="partially-delivered-is-undelivered"),
])
def test_status_only_moves_forward(app, client, reports, final, error_code):
    message_id, sid = sent_message(app)
    for status, code in reports:
        response = report(client, sid, status, code)
        assert response.status_code == 200, response.data
        assert response.get_data(as_text=True) == "ok\n"
    message = stored(app, message_id)
    assert (message.status, message.error_code) == (final, error_code)
    assert message.provider_id == sid


def test_each_report_is_applied_as_it_arrives(app, client):
    message_id, sid = sent_message(app)
    seen = []
    for status in ("queued", "sent", "delivered"):
        assert report(client, sid, status).status_code == 200
        seen.append(stored(app, message_id).status)
    assert seen == ["sent", "sent", "delivered"]


def test_unknown_sid_is_acknowledged_and_changes_nothing(app, client):
    message_id, _ = sent_message(app)
    response = report(client, "SM" + uuid.uuid4().hex, "delivered")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("ignored")
    assert stored(app, message_id).status == "sent"


def test_a_report_that_beats_our_record_of_the_sid_finds_its_message(app, client):
    """The provider can call back before `mark_sent` commits the SID: the outbox id in
    the callback URL finds the message, and the late `mark_sent` moves nothing back."""
    sid = "SM" + uuid.uuid4().hex
    with transaction(runtimes.of(app).sessions) as session:
        message = messages.queue_outbound(session, phone="+84912345678", body="Ma OTP: 1",
                                          kind="otp", priority="high", sealed="sealed text")
        assert messages.claim(session, message.id, "twilio", "+15005550006") is not None
    form = {"MessageSid": sid, "MessageStatus": "delivered"}
    response = client.post(f"{ROUTE}?m={message.id}", data=form)
    assert response.get_data(as_text=True) == "ok\n"
    assert (stored(app, message.id).status, stored(app, message.id).provider_id) == (
        "delivered", sid)
    assert stored(app, message.id).sealed is None  # the provider has the text
    with transaction(runtimes.of(app).sessions) as session:
        messages.mark_sent(session, message.id, sid)
    assert stored(app, message.id).status == "delivered"
    # Another message's id in the URL cannot take over a message that has its SID.
    other, other_sid = sent_message(app)
    client.post(f"{ROUTE}?m={other}", data={"MessageSid": "SM" + uuid.uuid4().hex,
                                            "MessageStatus": "failed"})
    assert (stored(app, other).status, stored(app, other).provider_id) == ("sent", other_sid)


@pytest.mark.parametrize("ref", ["2147483648", "99999999999999999999", "²", "-1", "x"])
def test_a_reference_that_cannot_be_an_outbox_id_is_ignored(app, client, ref):
    response = client.post(f"{ROUTE}?m={ref}", data={"MessageSid": "SM" + uuid.uuid4().hex,
                                                     "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ignored: unknown MessageSid\n"


THE_SID = object()  # stands for the SID of the test's message


@pytest.mark.parametrize(("form", "reason"), [
    pytest.param({"MessageStatus": "delivered"}, "field 'MessageSid' required",
                 id="no-sid"),
    pytest.param({"MessageSid": THE_SID}, "field 'MessageStatus' required", id="no-status"),
    pytest.param({"MessageSid": " ", "MessageStatus": "delivered"},
                 "field 'MessageSid' must not be empty", id="blank-sid"),
    pytest.param({"MessageSid": THE_SID, "MessageStatus": ""},
                 "field 'MessageStatus' must not be empty", id="blank-status"),
    pytest.param({"MessageSid": THE_SID, "MessageStatus": "teleported"},
                 "field 'MessageStatus' has unknown value 'teleported'", id="unknown-status"),
    pytest.param({"MessageSid": THE_SID, "MessageStatus": "delivered\x00"},
                 "field 'MessageStatus' contains a NUL character", id="nul-status"),
    pytest.param({"MessageSid": "SM" + "0" * 63, "MessageStatus": "delivered"},
                 "field 'MessageSid' longer than 64 characters", id="long-sid"),
    pytest.param({"MessageSid": THE_SID, "MessageStatus": "failed", "ErrorCode": "3" * 17},
                 "field 'ErrorCode' longer than 16 characters", id="long-error-code"),
])
def test_bad_report_is_refused_with_reason(app, client, form, reason):
    message_id, sid = sent_message(app)
    form = {key: (sid if value is THE_SID else value) for key, value in form.items()}
    response = client.post(ROUTE, data=form)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert stored(app, message_id).status == "sent"


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    pytest.param(b'{"MessageSid": "SM1", "MessageStatus": "sent"}', "application/json",
                 "application/x-www-form-urlencoded", id="json-body"),
    pytest.param(b"MessageSid=SM1&MessageStatus=sent%FF", "application/x-www-form-urlencoded",
                 "not valid UTF-8", id="undecodable"),
    pytest.param(b"MessageSid=SM1&MessageStatus=sent&MessageStatus=failed",
                 "application/x-www-form-urlencoded", "field 'MessageStatus' given more than once",
                 id="repeated"),
])
def test_malformed_body_is_refused(client, body, content_type, reason):
    response = client.post(ROUTE, data=body, content_type=content_type)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def _signed_app(pg_url, redis_url, public_base_url: str = ""):
    return create_app(Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                             data_encryption_key=DATA_KEY,
                             twilio_auth_token=TOKEN, public_base_url=public_base_url))


@pytest.fixture
def signed_app(app, pg_url, redis_url):
    """The app with TWILIO_AUTH_TOKEN set (on the clean data `app` prepared)."""
    signed = _signed_app(pg_url, redis_url)
    yield signed
    runtimes.of(signed).engine.dispose()


def _form(sid: str, status: str = "delivered") -> dict[str, str]:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}


def _signature(url: str, form: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


URL = "http://localhost" + ROUTE  # what the test client's requests look like to Flask


@pytest.mark.parametrize(("sign", "expected"), [
    pytest.param(lambda form: None, 403, id="missing"),
    pytest.param(lambda form: "not-a-signature", 403, id="garbage"),
    pytest.param(lambda form: _signature(URL, form, token="another-token"), 403,
                 id="wrong-token"),
    pytest.param(lambda form: _signature(URL, {**form, "MessageStatus": "sent"}), 403,
                 id="other-fields-signed"),
    pytest.param(lambda form: _signature("http://localhost/other", form), 403,
                 id="other-url-signed"),
    pytest.param(lambda form: _signature(URL, form), 200, id="valid"),
])
def test_signature_required_when_token_configured(signed_app, sign, expected):
    message_id, sid = sent_message(signed_app)
    form = _form(sid)
    signature = sign(form)
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    response = signed_app.test_client().post(ROUTE, data=form, headers=headers)
    assert response.status_code == expected, response.data
    status = stored(signed_app, message_id).status
    if expected == 403:
        assert "X-Twilio-Signature" in response.get_data(as_text=True)
        assert status == "sent"  # a refused report changes nothing
    else:
        assert status == "delivered"


def test_signature_checked_against_public_url_behind_proxy(app, pg_url, redis_url):
    public = "https://gateway.example.org"
    signed = _signed_app(pg_url, redis_url, public_base_url=public)
    try:
        message_id, sid = sent_message(signed)
        form = _form(sid)
        client = signed.test_client()
        # Signed for the internal URL the proxy forwarded to: refused.
        internal = client.post(ROUTE, data=form,
                               headers={"X-Twilio-Signature": _signature(URL, form)})
        assert internal.status_code == 403
        public_signature = _signature(public + ROUTE, form)
        response = client.post(ROUTE, data=form, headers={"X-Twilio-Signature": public_signature})
        assert response.status_code == 200, response.data
        assert stored(signed, message_id).status == "delivered"
    finally:
        runtimes.of(signed).engine.dispose()
