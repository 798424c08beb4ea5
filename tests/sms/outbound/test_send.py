"""The outbound SMS path end to end: the database outbox, real RQ worker processes
(`gateway worker`), real Redis and PostgreSQL, and the Twilio stand-in server.

What it proves: a queued message is sent exactly once, whatever happens to its jobs
(duplicated, run by two workers at once, retried after a provider error; lost jobs and
killed workers are in test_recovery.py); permanent errors and opted-out phones end the
message without sending; the `outbox` backend logs with the phone masked.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pytest
import requests

from gateway.config import Config
from gateway.phones import mask
from gateway.sms import jobs, twilio
from gateway.sms.backends import Outgoing, SendError
from gateway.store import messages, phones
from gateway.store.db import transaction
from tests.conftest import DATA_KEY, SECRET
from tests.sms.workers import (
    OTHER_PHONE,
    PHONE,
    SENDER,
    job_results,
    queue_message,
    runtime_of,
    scheduled_jobs,
    stored,
    wait_until,
)
from tests.twilio_standin import (
    ACCOUNT_SID,
    AUTH_TOKEN,
)


def test_queued_message_is_sent_once_by_a_worker(app, workers, twilio_standin):
    message_id = queue_message(app, body="Ma xac thuc cua ban: 482913")
    workers.burst()
    [sent] = twilio_standin.wait_for_messages(1)
    assert (sent["from"], sent["to"], sent["body"]) == (SENDER, PHONE,
                                                        "Ma xac thuc cua ban: 482913")
    message = stored(app, message_id)
    assert message.status == "sent"
    assert message.provider_id == sent["sid"]
    assert (message.attempts, message.backend, message.sender) == (1, "twilio", SENDER)
    assert message.sent_at is not None and message.error_code is None
    assert len(twilio_standin.requests) == 1
    assert job_results(app) == ["sent"]


def test_duplicate_jobs_and_two_workers_send_each_message_once(app, workers, twilio_standin):
    # Each message's two jobs sit next to each other, so the two workers race for them;
    # a slow provider keeps the first send in flight while the twin job runs.
    twilio_standin.delay(0.3, count=3)
    ids = [queue_message(app, body=f"Thong bao {n}", kind="notice", enqueue=False)
           for n in range(3)]
    for message_id in ids:
        jobs.enqueue(runtime_of(app), message_id, "high")
        jobs.enqueue(runtime_of(app), message_id, "high")
    workers.burst(count=2)
    assert sorted(m["body"] for m in twilio_standin.messages) == [
        "Thong bao 0", "Thong bao 1", "Thong bao 2"]
    assert len(twilio_standin.requests) == 3
    assert [stored(app, i).status for i in ids] == ["sent"] * 3
    assert [stored(app, i).attempts for i in ids] == [1] * 3
    assert job_results(app) == ["not-queued"] * 3 + ["sent"] * 3


def test_a_message_handed_over_by_the_commit_and_again_by_its_caller_is_sent_once(
        app, workers, twilio_standin):
    """Until every caller leaves the hand-off to the commit hook, a dialogue turn also
    enqueues its SMS itself: the second job finds the message claimed or sent."""
    message_id = queue_message(app, body="Ma xac thuc cua ban: 482913")  # the hook's job
    jobs.enqueue(runtime_of(app), message_id, "high")  # and the caller's own
    workers.burst()
    assert [m["body"] for m in twilio_standin.wait_for_messages(1)] == [
        "Ma xac thuc cua ban: 482913"]
    assert len(twilio_standin.requests) == 1
    assert (stored(app, message_id).status, stored(app, message_id).attempts) == ("sent", 1)
    assert sorted(job_results(app)) == ["not-queued", "sent"]


def test_concurrent_claims_of_one_message_have_one_winner(app):
    message_id = queue_message(app, enqueue=False)
    contenders = 8
    barrier = threading.Barrier(contenders)
    wins: list[bool] = []

    def contend() -> None:
        with transaction(runtime_of(app).sessions) as session:
            barrier.wait(timeout=10)
            wins.append(messages.claim(session, message_id, "twilio", SENDER) is not None)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert sorted(wins) == [False] * (contenders - 1) + [True]
    assert (stored(app, message_id).status, stored(app, message_id).attempts) == ("sending", 1)


@pytest.mark.parametrize(("status", "failures"), [(500, 2), (429, 1)])
def test_transient_error_is_retried_by_the_outbox_then_sent_once(app, workers, twilio_standin,
                                                                status, failures):
    # The outbox schedules the retry (at most 5 s, then 10 s, with jitter); the worker's
    # scheduler enqueues it when due.
    twilio_standin.fail_next(failures, status=status)
    message_id = queue_message(app)
    workers.start()
    wait_until(lambda: stored(app, message_id).status == "sent", timeout=40, what="sent")
    message = stored(app, message_id)
    assert message.attempts == failures + 1
    assert message.error_code is None and message.error_message is None
    assert message.next_attempt_at is None
    assert [r.status for r in twilio_standin.requests] == [status] * failures + [201]
    assert [m["sid"] for m in twilio_standin.messages] == [message.provider_id]


@pytest.mark.parametrize(("phone", "fail", "code", "reason"), [
    pytest.param("+8412", None, "21211", "Invalid 'To' Phone Number", id="invalid-number"),
    pytest.param(PHONE, (400, 21610, "Attempt to send to unsubscribed recipient"), "21610",
                 "unsubscribed recipient", id="unsubscribed"),
])
def test_permanent_error_fails_without_retry(app, workers, twilio_standin, phone, fail,
                                             code, reason):
    if fail:
        twilio_standin.fail_next(1, status=fail[0], code=fail[1], message=fail[2])
    message_id = queue_message(app, phone=phone)
    workers.burst()
    message = stored(app, message_id)
    assert (message.status, message.error_code, message.attempts) == ("failed", code, 1)
    assert reason in message.error_message
    assert len(twilio_standin.requests) == 1
    assert twilio_standin.messages == []
    assert scheduled_jobs(app) == 0  # no retry pending
    assert job_results(app) == ["failed"]


def test_opted_out_phone_gets_only_essential_messages(app, workers, twilio_standin):
    with transaction(runtime_of(app).sessions) as session:
        phones.get_or_create(session, PHONE).opted_out = True
    reminder = queue_message(app, body="Nhac nho: bao cao suc khoe", kind="reminder",
                             priority="bulk")
    otp = queue_message(app, body="Ma xac thuc: 111222", kind="otp")
    other = queue_message(app, phone=OTHER_PHONE, body="Nhac nho: bao cao suc khoe",
                          kind="reminder", priority="bulk")
    workers.burst()
    assert stored(app, reminder).status == "suppressed"
    assert stored(app, reminder).error_message == "phone opted out"
    assert stored(app, reminder).provider_id is None
    assert stored(app, otp).status == "sent"
    assert stored(app, other).status == "sent"
    assert [m["body"] for m in twilio_standin.sent_to(PHONE)] == ["Ma xac thuc: 111222"]
    assert len(twilio_standin.sent_to(OTHER_PHONE)) == 1


def test_backend_sends_through_messaging_service_with_status_callback(config, twilio_standin):
    service = "MG" + "ab" * 16
    backend = twilio.TwilioBackend(replace(config, twilio_from="",
                                           twilio_messaging_service_sid=service,
                                           public_base_url="https://gateway.example.org"))
    sid = backend.send(Outgoing(1, PHONE, "Xin chao"))
    [request] = twilio_standin.requests
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.form == {"To": PHONE, "Body": "Xin chao", "MessagingServiceSid": service,
                            "StatusCallback": "https://gateway.example.org/sms/twilio/status?m=1"}
    assert sid == twilio_standin.messages[0]["sid"] and backend.sender == service


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True),
                                                    (400, False), (404, False)])
def test_backend_classifies_provider_errors(config, twilio_standin, status, retryable):
    twilio_standin.fail_next(1, status=status, code=20000 + status, message="boom")
    with pytest.raises(SendError) as raised:
        twilio.TwilioBackend(config).send(Outgoing(1, PHONE, "Xin chao"))
    error = raised.value
    assert (error.retryable, error.maybe_sent) == (retryable, False)
    assert (error.code, error.reason) == (str(20000 + status), "boom")


def test_backend_wrong_credentials_are_refused(config, twilio_standin):
    backend = twilio.TwilioBackend(replace(config, twilio_auth_token="wrong"))
    with pytest.raises(SendError) as raised:
        backend.send(Outgoing(1, PHONE, "Xin chao"))
    assert raised.value.code == "20003"
    assert twilio_standin.messages == []


def test_backend_unreachable_provider_is_retryable_not_maybe_sent(config, twilio_standin):
    twilio_standin.stop()  # nothing listens on its port any more
    with pytest.raises(SendError) as raised:
        twilio.TwilioBackend(config).send(Outgoing(1, PHONE, "Xin chao"))
    assert (raised.value.retryable, raised.value.maybe_sent) == (True, False)


# --- the stand-in itself answers like Twilio ----------------------------------------------

@pytest.mark.parametrize(("form", "auth", "status", "code"), [
    pytest.param({"To": PHONE, "Body": "x", "From": SENDER}, (ACCOUNT_SID, AUTH_TOKEN), 201,
                 None, id="ok"),
    pytest.param({"To": PHONE, "Body": "x", "From": SENDER}, (ACCOUNT_SID, "bad"), 401,
                 20003, id="bad-auth"),
    pytest.param({"To": "0912345678", "Body": "x", "From": SENDER},
                 (ACCOUNT_SID, AUTH_TOKEN), 400, 21211, id="to-not-e164"),
    pytest.param({"To": PHONE, "From": SENDER}, (ACCOUNT_SID, AUTH_TOKEN), 400, 21602,
                 id="no-body"),
    pytest.param({"To": PHONE, "Body": "x"}, (ACCOUNT_SID, AUTH_TOKEN), 400, 21603,
                 id="no-sender"),
])
def test_standin_validates_creates(twilio_standin, form, auth, status, code):
    url = f"{twilio_standin.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    response = requests.post(url, data=form, auth=auth, timeout=5)
    assert response.status_code == status
    body = response.json()
    if code is None:
        assert body["sid"].startswith("SM") and len(body["sid"]) == 34
        assert (body["status"], body["to"], body["body"]) == ("queued", PHONE, "x")
        assert body["date_created"].endswith("+0000")
    else:
        assert body["code"] == code and body["message"]
    assert len(twilio_standin.messages) == (1 if code is None else 0)


def test_standin_lists_by_recipient_and_send_date(twilio_standin):
    url = f"{twilio_standin.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    auth = (ACCOUNT_SID, AUTH_TOKEN)
    for to in (PHONE, OTHER_PHONE, PHONE):
        requests.post(url, data={"To": to, "Body": to, "From": SENDER}, auth=auth, timeout=5)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    listed = requests.get(url, params={"To": PHONE, "DateSent>=": today}, auth=auth,
                          timeout=5).json()["messages"]
    assert [m["sid"] for m in listed] == [m["sid"] for m in reversed(twilio_standin.messages)
                                          if m["to"] == PHONE]  # newest first
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    assert requests.get(url, params={"DateSent>=": tomorrow}, auth=auth,
                        timeout=5).json()["messages"] == []
    assert requests.get(url, auth=(ACCOUNT_SID, "bad"), timeout=5).status_code == 401


# --- the outbox backend (the default) ------------------------------------------------------

class TestLogOnlyBackend:
    """SMS_BACKEND=outbox: nothing leaves the machine, the log shows it masked."""

    @pytest.fixture
    def config(self, pg_url: str, redis_url: str) -> Config:
        """The default backend."""
        return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                      data_encryption_key=DATA_KEY)

    def test_messages_marked_sent_and_logged_masked(self, app, workers):
        ids = [queue_message(app, body="Ma xac thuc: 123456"),
               queue_message(app, phone=OTHER_PHONE, body="Nhac nho", kind="reminder",
                             priority="bulk")]
        [log] = workers.burst()
        for message_id in ids:
            message = stored(app, message_id)
            assert (message.status, message.provider_id) == ("sent", f"outbox-{message_id}")
            assert (message.backend, message.sender) == ("outbox", "outbox")
        entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        logged = {e["message_id"]: e for e in entries if e["message"] == "outbox message"}
        assert {i: logged[i]["phone"] for i in ids} == {ids[0]: mask(PHONE),
                                                        ids[1]: mask(OTHER_PHONE)}
        assert logged[ids[0]]["chars"] == len("Ma xac thuc: 123456")
        for number in (PHONE, OTHER_PHONE):
            assert number[1:] not in log and number[4:] not in log  # no full number anywhere
