"""The eSMS.vn provider (`SMS_BACKEND=esms`) against its stand-in (tests/esms_standin.py,
built from eSMS's documentation): a whole declaration by MO callbacks with the OTP sent
by real `gateway worker` processes, receipts updating the outbox, unsigned or forged
callbacks refused, a retried MO answered once, provider errors retried or failed as
Twilio's are, and an interrupted send reconciled, never sent twice."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from gateway import create_app
from gateway import runtime as runtimes
from gateway.config import Config
from gateway.sms import esms, outbound, sweeper
from gateway.sms.backends import Outgoing, SendError
from gateway.store.db import transaction
from gateway.store.models import InboundMessage, OutboundMessage
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET, Phone
from tests.declare.conftest import declarations
from tests.declare.test_sms import NEW_USER
from tests.esms_standin import (
    API_KEY,
    BRANDNAME,
    CPID,
    PRIVATE_KEY,
    SECRET_KEY,
    EsmsStandIn,
    esms_standin_fixture,  # noqa: F401 (fixture)
)
from tests.sms.workers import (  # noqa: F401 (workers: fixture)
    Workers,
    age,
    queue_message,
    scheduled_jobs,
    stored,
    wait_until,
    workers,
)

ME = "+84912345678"
ME_AS_ESMS = "84912345678"      # how eSMS's MO callback writes the sender
ME_LOCAL = "0912345678"         # how eSMS's API and its lists write a number
CALLBACK_SECRET = "receipts-" + "x" * 24
ELSEWHERE = (ipaddress.ip_network("203.0.113.0/24"),)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port() -> int:
    """The port the gateway will listen on: PUBLIC_BASE_URL must name it beforehand."""
    return _free_port()


@pytest.fixture
def config(pg_url: str, redis_url: str, esms_standin: EsmsStandIn, port: int) -> Config:
    """Production-like: PostgreSQL, real Redis, eSMS through its stand-in, callbacks to
    the gateway served on `port`."""
    config = Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                    data_encryption_key=DATA_KEY,
                    sms_backend="esms", esms_api_key=API_KEY, esms_secret_key=SECRET_KEY,
                    esms_brandname=BRANDNAME, esms_api_base_url=esms_standin.url,
                    esms_cpid=CPID, esms_private_key=PRIVATE_KEY,
                    esms_callback_secret=CALLBACK_SECRET,
                    public_base_url=f"http://127.0.0.1:{port}",
                    ussd_allowed_networks=AGGREGATOR)
    config.validate()
    return config


class _Quiet(WSGIRequestHandler):
    """No access log: an MO's query string carries the phone number."""

    def log_request(self, *args, **kwargs) -> None:
        """Not logged."""


@pytest.fixture
def gateway_url(app, port: int) -> Iterator[str]:
    """The gateway served over real HTTP, where eSMS's callbacks reach it."""
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def mo_url(gateway_url: str) -> str:
    """The MO URL registered with eSMS."""
    return gateway_url + esms.MO_PATH


def inbound_count(app) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage))


# --- a whole declaration -----------------------------------------------------------------

def test_a_whole_declaration_by_mo_callbacks(app, esms_standin, mo_url, workers: Workers):  # noqa: F811 (the fixture)
    def sms(text: str) -> str:
        response, reply = esms_standin.mo(mo_url, ME_AS_ESMS, text)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/xml")
        return reply

    Phone(app.test_client(), ME).agreed()  # the privacy notice was answered before
    assert "Da gui ma 6 so toi +849*****678" in sms("KB")
    workers.burst()
    [otp] = esms_standin.sent_to(ME_LOCAL)
    assert otp["Brandname"] == BRANDNAME and otp["SmsType"] == "2"
    assert otp["IsUnicode"] == "0" and otp["Sandbox"] == "0"
    assert re.fullmatch(r"gw-\d+", otp["RequestId"])
    message_id = int(otp["RequestId"][3:])
    assert otp["CallbackUrl"].startswith(f"{app_url(app)}/sms/esms/status/{message_id}/")
    assert stored(app, message_id).provider_id == otp["SMSID"]
    code = re.search(r"\b\d{6}\b", otp["Content"]).group(0)
    assert "Nhap ho va ten" in sms(code)
    for sent, expected in NEW_USER:
        assert expected in sms(sent), sent
    assert sms("1").startswith("Da khai bao. Ma: ")
    [record] = declarations(app)
    assert (record.subject_phone, record.channel, record.verification) == (ME, "sms", "otp")
    with runtimes.of(app).sessions() as session:
        providers = set(session.scalars(select(InboundMessage.provider)))
    assert providers == {"esms"}


def app_url(app) -> str:
    return runtimes.of(app).config.public_base_url


# --- receipts ----------------------------------------------------------------------------

def _sent(app, esms_standin, body: str) -> tuple[int, dict]:
    message_id = queue_message(app, phone=ME, body=body, kind="reply", enqueue=False)
    assert outbound.deliver(message_id) == "sent"
    [taken] = [m for m in esms_standin.messages if m["Content"] == body]
    return message_id, taken


@pytest.mark.parametrize(("reports", "status", "code"), [
    ([(7, 0, 0)], "sent", None),                      # at the carrier, report awaited
    ([(7, 0, 0), (5, 1, 0)], "delivered", None),
    ([(5, 0, 1)], "undelivered", "esms-5"),
    ([(4, 0, 0)], "failed", "esms-4"),                # rejected by eSMS
    ([(5, 1, 0), (2, 0, 0)], "delivered", None),      # never backwards
])
def test_receipts_update_the_outbox(app, esms_standin, gateway_url, reports, status, code):
    message_id, taken = _sent(app, esms_standin, "Tin nhan thu")
    for send_status, success, failed in reports:
        response = esms_standin.report(taken, send_status, success, failed)
        assert (response.status_code, response.text) == (200, "ok\n")
    message = stored(app, message_id)
    assert (message.status, message.error_code) == (status, code)


def test_a_receipt_beating_the_send_record_finds_its_message(app, esms_standin, gateway_url):
    message_id, taken = _sent(app, esms_standin, "Som hon")
    with transaction(runtimes.of(app).sessions) as session:  # as if mark_sent had not
        session.get(OutboundMessage, message_id).provider_id = None      # committed yet
    assert esms_standin.report(taken).text == "ok\n"
    assert stored(app, message_id).provider_id == taken["SMSID"]
    assert stored(app, message_id).status == "delivered"


def test_a_receipt_for_an_unknown_smsid_is_acknowledged(app, esms_standin, gateway_url):
    message_id, taken = _sent(app, esms_standin, "Khac")
    response = esms_standin.report({**taken, "SMSID": "not-ours"})
    assert (response.status_code, response.text) == (200, "ignored: unknown SMSID\n")
    assert stored(app, message_id).status == "sent"


def test_forged_receipts_are_refused(app, esms_standin, gateway_url):
    message_id, taken = _sent(app, esms_standin, "Gia mao")
    other_id, _ = _sent(app, esms_standin, "Tin khac")
    forged = [taken["CallbackUrl"].rsplit("/", 1)[0] + "/" + "A" * 24,        # wrong token
              taken["CallbackUrl"].replace(f"/{message_id}/", f"/{other_id}/"),  # other id
              f"{gateway_url}{esms.RECEIPT_PATH}/{message_id}"]                   # none
    for url in forged:
        response = esms_standin.report({**taken, "CallbackUrl": url}, 5, 0, 1)
        assert response.status_code in (403, 404), url
    assert stored(app, message_id).status == "sent"
    assert stored(app, other_id).status == "sent"


def test_a_malformed_receipt_is_a_400(app, esms_standin, gateway_url):
    _, taken = _sent(app, esms_standin, "Sai")
    assert esms_standin.report(taken, status=9).status_code == 400
    assert esms_standin.report(taken, success="x").status_code == 400


# --- MO authentication and retries -------------------------------------------------------

@pytest.mark.parametrize("forgery", [
    {"sign": "bm90IHRoZSBzaWdu"},                      # made up
    {"content": "HD"},                                 # signed for "KB", sent as "HD"
    {"cpid": "cp-other"},                              # another content provider
    {"private_key": "not-the-key"},                    # signed with the wrong key
])
def test_unsigned_or_forged_mo_is_refused(app, esms_standin, mo_url, forgery):
    key = forgery.pop("private_key", PRIVATE_KEY)
    cpid = forgery.pop("cpid", CPID)
    response, reply = esms_standin.mo(mo_url, ME_AS_ESMS, "KB", cpid=cpid, private_key=key,
                                      tamper=forgery)
    assert response.status_code == 403
    assert reply == "" and inbound_count(app) == 0
    assert esms_standin.messages == []


def test_mo_without_a_sign_is_refused(app, client):
    response = client.get(esms.MO_PATH, query_string={
        "sender": ME_AS_ESMS, "content": "KB", "cpid": CPID, "smsid": "1",
        "receiverTime": "20261202080000"})
    assert response.status_code == 400 and b"'sign' required" in response.data
    assert inbound_count(app) == 0


def test_a_gateway_without_esms_settings_refuses_every_callback(config, esms_standin):
    bare = create_app(dataclasses.replace(config, sms_backend="outbox", esms_cpid="",
                                          esms_private_key="", esms_callback_secret=""))
    client = bare.test_client()
    when = "20261202080000"
    sign = EsmsStandIn.sign(CPID, "1", "KB", when)
    response = client.get(esms.MO_PATH, query_string={
        "sender": ME_AS_ESMS, "content": "KB", "cpid": CPID, "smsid": "1",
        "receiverTime": when, "sign": sign})
    assert response.status_code == 403
    token = esms.callback_token(CALLBACK_SECRET, 1)
    assert client.get(f"{esms.RECEIPT_PATH}/1/{token}?SMSID=a&SendStatus=5").status_code == 403


def test_mo_from_outside_the_allowed_networks_is_refused(config, esms_standin):
    walled = create_app(dataclasses.replace(config, esms_allowed_networks=ELSEWHERE))
    when = "20261202080000"
    query = {"sender": ME_AS_ESMS, "content": "HD", "cpid": CPID, "smsid": "1",
             "receiverTime": when, "sign": EsmsStandIn.sign(CPID, "1", "HD", when)}
    # The test client's address (127.0.0.1) is not the aggregator's network.
    assert walled.test_client().get(esms.MO_PATH, query_string=query).status_code == 403


def test_a_retried_mo_is_answered_once(app, esms_standin, mo_url, workers: Workers):  # noqa: F811 (the fixture)
    Phone(app.test_client(), ME).agreed()  # the privacy notice was answered before
    first, reply = esms_standin.mo(mo_url, ME_AS_ESMS, "KB", smsid="mo-1")
    again, replay = esms_standin.mo(mo_url, ME_AS_ESMS, "KB", smsid="mo-1")
    assert first.status_code == again.status_code == 200
    assert replay == reply and "Da gui ma" in reply
    assert "<Smsid>mo-1</Smsid>" in again.text
    assert inbound_count(app) == 1
    workers.burst()
    assert len(esms_standin.sent_to(ME_LOCAL)) == 1      # one turn, one OTP


def test_bad_mo_fields_are_a_400(app, esms_standin, mo_url):
    response, _ = esms_standin.mo(mo_url, "not-a-phone", "HD")
    assert response.status_code == 400 and "'sender'" in response.text
    response, _ = esms_standin.mo(mo_url, ME_AS_ESMS, "HD", smsid="x" * 65)
    assert response.status_code == 400 and "'smsid'" in response.text
    assert inbound_count(app) == 0


# --- provider errors, as Twilio's --------------------------------------------------------

def test_a_provider_error_is_retried_then_sent_by_a_worker(app, esms_standin, workers):  # noqa: F811 (the fixture)
    esms_standin.fail_next(status=500)
    message_id = queue_message(app, phone=ME, body="Thu lai")
    workers.burst()
    message = stored(app, message_id)
    assert (message.status, message.error_code, message.attempts) == ("queued", "500", 1)
    assert message.next_attempt_at is not None and scheduled_jobs(app) == 1
    assert esms_standin.messages == []


@pytest.mark.parametrize(("code", "status"), [
    ("103", "queued"),          # balance too low: retried (and every worker pauses)
    ("108", "failed"),          # a malformed number: no retry helps
    ("101", "failed"),          # wrong keys
    ("99", "failed"),           # the number is blocked
])
def test_provider_codes_are_retried_or_failed(app, esms_standin, code, status):
    esms_standin.fail_next(code=code)
    message_id = queue_message(app, phone=ME, body="Ma " + code, enqueue=False)
    outbound.deliver(message_id)
    message = stored(app, message_id)
    assert (message.status, message.error_code) == (status, code)


def test_a_wrong_brandname_fails_with_esms_code(app, esms_standin, monkeypatch):
    esms_standin.brandnames = ("SOMEONE-ELSE",)
    message_id = queue_message(app, phone=ME, body="Tu ai", enqueue=False)
    assert outbound.deliver(message_id) == "failed"
    assert stored(app, message_id).error_code == "104"


def test_an_unanswered_send_is_reconciled_not_sent_twice(app, esms_standin):
    esms_standin.drop_next()
    message_id = queue_message(app, phone=ME, body="Mat tra loi", enqueue=False)
    assert outbound.deliver(message_id) == "sending"     # maybe sent: left for the sweeper
    [taken] = esms_standin.messages
    age(app, message_id, "claimed_at", sweeper.SENDING_GRACE + timedelta(minutes=1))
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 1, "expired": 0}
    message = stored(app, message_id)
    assert (message.status, message.provider_id) == ("sent", taken["SMSID"])
    assert esms_standin.lookups == 1 and len(esms_standin.messages) == 1


def test_sending_a_message_again_cannot_send_it_twice(config, app, esms_standin):
    backend = esms.EsmsBackend(config)
    message = Outgoing(7, ME, "Mot lan")
    first = backend.send(message)
    with pytest.raises(SendError) as again:
        backend.send(message)
    assert (again.value.code, again.value.maybe_sent) == ("124", True)
    assert [m["SMSID"] for m in esms_standin.messages] == [first]
    # ...and the look-up finds it, but not as another message's.
    since = esms_standin.messages[0]["SentTime"] - timedelta(minutes=1)
    assert backend.find_sent(message, since) == first
    assert backend.find_sent(message, since, exclude={first}) is None
    assert backend.find_sent(Outgoing(8, ME, "Khac"), since) is None


def test_a_diacritic_makes_the_message_unicode(app, esms_standin):
    _, taken = _sent(app, esms_standin, "Chúc mừng")
    assert taken["IsUnicode"] == "1" and taken["Phone"] == ME_LOCAL


def test_an_unreachable_provider_is_retried(app, config, esms_standin):
    esms_standin.stop()
    message_id = queue_message(app, phone=ME, body="Khong toi", enqueue=False)
    assert outbound.deliver(message_id) == "retry"
    assert stored(app, message_id).status == "queued"
    wait_until(lambda: scheduled_jobs(app) == 1, timeout=5, what="the retry")


def _signed_query(content: str, smsid: str = "h-1", sender: str = ME_AS_ESMS) -> str:
    when = "20261202080000"
    return urlencode({"sender": sender, "content": content, "serviceNumber": "8079",
                      "cpid": CPID, "smsid": smsid, "receiverTime": when,
                      "sign": EsmsStandIn.sign(CPID, smsid, content, when)})


@pytest.mark.parametrize(("query", "reason"), [
    (_signed_query("K\x00B"), "contains"),                          # a NUL, signed
    (_signed_query("x" * 1601), "longer than 1600"),
    (_signed_query("KB", smsid=""), "'smsid' must not be empty"),
    (_signed_query("KB") + "&content=HD", "more than once"),        # a field given twice
    (_signed_query("KB").replace("content=KB", "content=%FF%FE"), "not valid UTF-8"),
    (_signed_query("KB", sender="0" * 40), "'sender' is not a valid mobile number"),
])
def test_hostile_mo_gets_a_400_and_no_turn(app, gateway_url, query, reason):
    response = requests.get(f"{gateway_url}{esms.MO_PATH}?{query}", timeout=10)
    assert response.status_code == 400 and reason in response.text, response.text
    assert inbound_count(app) == 0


def test_mo_with_diacritics_reaches_the_flow_intact(app, esms_standin, mo_url):
    Phone(app.test_client(), ME).agreed()  # the privacy notice was answered before
    response, reply = esms_standin.mo(mo_url, ME_AS_ESMS, "Khai báo")
    assert response.status_code == 200 and "Da gui ma 6 so toi" in reply
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(InboundMessage.body)) == "Khai báo"
