"""The outbound SMS path end to end: the database outbox, real RQ worker processes
(`gateway worker`), real Redis and PostgreSQL, and the Twilio stand-in server.

What it proves: a queued message is sent exactly once, whatever happens to its jobs
(duplicated, run by two workers at once, retried after a provider error, lost, or cut
off by a worker killed mid-send); permanent errors and opted-out phones end the message
without sending; the `outbox` backend logs with the phone masked.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from rq import Queue
from rq.job import Job
from rq.registry import FinishedJobRegistry, ScheduledJobRegistry
from sqlalchemy import update

from gateway.config import Config
from gateway.phones import mask
from gateway.runtime import QUEUES
from gateway.sms import outbound, twilio
from gateway.sms.backends import Outgoing, SendError
from gateway.store import messages, phones
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.conftest import SECRET
from tests.twilio_standin import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TwilioStandIn,
)

SENDER = "+15005550006"
PHONE = "+84912345678"
OTHER_PHONE = "+84987654321"
GATEWAY = str(Path(sys.executable).with_name("gateway"))
# Everything Config.from_env reads: set explicitly for workers, so neither the test
# runner's environment nor a stray .env file changes what they do.
CONFIG_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMS_BACKEND", "TWILIO_ACCOUNT_SID",
               "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID",
               "TWILIO_API_BASE_URL", "PUBLIC_BASE_URL", "GATEWAY_TIMEZONE",
               "SMS_DIALOGUE_MINUTES", "USSD_SESSION_SECONDS", "MAX_BODY_BYTES", "LOG_LEVEL")


@pytest.fixture
def config(pg_url: str, redis_url: str, twilio_standin: TwilioStandIn) -> Config:
    """Production-like configuration sending through the Twilio stand-in."""
    return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                  sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
                  twilio_auth_token=AUTH_TOKEN, twilio_from=SENDER,
                  twilio_api_base_url=twilio_standin.url)


def worker_env(config: Config) -> dict[str, str]:
    """The environment a `gateway worker` process needs to run with `config`."""
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARS}
    env.update(DATABASE_URL=config.database_url, REDIS_URL=config.redis_url,
               SECRET_KEY=config.secret_key, SMS_BACKEND=config.sms_backend,
               TWILIO_ACCOUNT_SID=config.twilio_account_sid,
               TWILIO_AUTH_TOKEN=config.twilio_auth_token, TWILIO_FROM=config.twilio_from,
               TWILIO_MESSAGING_SERVICE_SID=config.twilio_messaging_service_sid,
               TWILIO_API_BASE_URL=config.twilio_api_base_url,
               PUBLIC_BASE_URL=config.public_base_url, GATEWAY_TIMEZONE=config.timezone,
               LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
    return env


def descendants(pid: int) -> list[int]:
    """Process ids of every live descendant of `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The parent pid is the 2nd field after the parenthesised command name.
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # exited meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


class Workers:
    """Real `gateway worker` processes, each in a session of its own; `kill` takes its
    work horse (which RQ puts in a process group of its own) and scheduler with it, as
    a machine dying would."""

    def __init__(self, config: Config, log_dir: Path):
        self.env = worker_env(config)
        self.log_dir = log_dir
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, burst: bool = False) -> subprocess.Popen:
        """Start a worker; without `burst` it runs until stopped, with its scheduler."""
        log = self.log_dir / f"worker-{len(self.running)}.log"
        with log.open("wb") as output:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([GATEWAY, "worker", *(["--burst"] if burst else [])],
                                       env=self.env, cwd=self.log_dir, stdin=subprocess.DEVNULL,
                                       stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.running.append((process, log))
        return process

    def burst(self, count: int = 1, timeout: float = 30) -> list[str]:
        """Run `count` burst workers at once until the queues are empty; their logs."""
        started = [self.start(burst=True) for _ in range(count)]
        for process in started:
            assert process.wait(timeout=timeout) == 0, self.log(process)
        return [self.log(process) for process in started]

    def log(self, process: subprocess.Popen) -> str:
        """What a worker wrote (stdout and stderr)."""
        path = next(log for p, log in self.running if p is process)
        return path.read_text(errors="replace")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL a worker and every process it started: no cleanup code runs anywhere."""
        family = [process.pid, *descendants(process.pid)]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
        wait_until(lambda: not any(_alive(pid) for pid in family[1:]), timeout=10,
                   what="worker's children to die")

    def stop_all(self) -> None:
        """Warm-stop every worker still running (SIGTERM), then kill stragglers."""
        alive = [p for p, _ in self.running if p.poll() is None]
        for process in alive:
            os.killpg(process.pid, signal.SIGTERM)
        for process in alive:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill(process)


@pytest.fixture
def workers(app, config: Config, tmp_path: Path) -> Iterator[Workers]:
    """Start workers for the test's configuration; all are stopped afterwards."""
    pool = Workers(config, tmp_path)
    yield pool
    pool.stop_all()


def _alive(pid: int) -> bool:
    """Whether a process (not our child, so never a zombie of ours) still exists."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(predicate: Callable[[], object], timeout: float = 15,
               what: str = "condition") -> object:
    """Poll until `predicate()` is truthy (bounded); return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def runtime_of(app):
    """The app's runtime (connections)."""
    return app.extensions["gateway"]


def queue_message(app, phone: str = PHONE, body: str = "Ma xac thuc cua ban: 482913",
                  kind: str = "otp", priority: str = "high", enqueue: bool = True) -> int:
    """Put a message in the outbox as the gateway does (then hand it to the workers)."""
    rt = runtime_of(app)
    with transaction(rt.sessions) as session:
        message_id = messages.queue_outbound(session, phone=phone, body=body, kind=kind,
                                             priority=priority).id
    if enqueue:
        outbound.enqueue(rt, message_id, priority)
    return message_id


def stored(app, message_id: int) -> OutboundMessage:
    """The message as the database has it now."""
    with runtime_of(app).sessions() as session:
        return session.get(OutboundMessage, message_id)


def age(app, message_id: int, column: str, by: timedelta) -> None:
    """Move a timestamp of the message back in time (instead of waiting for a grace)."""
    with transaction(runtime_of(app).sessions) as session:
        message = session.get(OutboundMessage, message_id)
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                        .values({column: getattr(message, column) - by}))


def job_results(app, queue: str = "high") -> list[str]:
    """The return values of the finished jobs of a queue, sorted."""
    rt = runtime_of(app)
    registry = FinishedJobRegistry(queue, connection=rt.redis)
    return sorted(Job.fetch(job_id, connection=rt.redis).return_value()
                  for job_id in registry.get_job_ids())


def scheduled_jobs(app) -> int:
    """Jobs waiting in RQ's scheduler (retries with a backoff), over all queues."""
    rt = runtime_of(app)
    return sum(ScheduledJobRegistry(name, connection=rt.redis).count for name in QUEUES)


# --- delivery by real workers -------------------------------------------------------------

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
        outbound.enqueue(runtime_of(app), message_id, "high")
        outbound.enqueue(runtime_of(app), message_id, "high")
    workers.burst(count=2)
    assert sorted(m["body"] for m in twilio_standin.messages) == [
        "Thong bao 0", "Thong bao 1", "Thong bao 2"]
    assert len(twilio_standin.requests) == 3
    assert [stored(app, i).status for i in ids] == ["sent"] * 3
    assert [stored(app, i).attempts for i in ids] == [1] * 3
    assert job_results(app) == ["not-queued"] * 3 + ["sent"] * 3


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
def test_transient_error_is_retried_by_rq_then_sent_once(app, workers, twilio_standin,
                                                        monkeypatch, status, failures):
    # RQ schedules a retry with an interval; the worker's scheduler re-enqueues it. The
    # job (with its intervals) is created here, in the test process, so patching works.
    monkeypatch.setattr(outbound, "RETRY_INTERVALS", [1])
    twilio_standin.fail_next(failures, status=status)
    message_id = queue_message(app)
    workers.start()
    wait_until(lambda: stored(app, message_id).status == "sent", timeout=20, what="sent")
    message = stored(app, message_id)
    assert message.attempts == failures + 1
    assert message.error_code is None and message.error_message is None
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


# --- a worker killed mid-send, lost jobs: the sweeper -------------------------------------

@pytest.mark.parametrize("backlog", [False, True], ids=["provider-sent-it", "provider-queued-it"])
def test_worker_killed_after_provider_accepted_is_reconciled_not_resent(
        app, workers, twilio_standin, backlog):
    # The provider takes the message but answers late; the worker dies meanwhile, so the
    # SID never reaches the database. With `backlog` the provider still holds the message
    # in its own queue (no send date yet) when the sweeper asks.
    twilio_standin.backlog = backlog
    twilio_standin.delay(30)
    message_id = queue_message(app)
    worker = workers.start()
    [accepted] = twilio_standin.wait_for_messages(1)
    workers.kill(worker)
    twilio_standin.release()
    message = stored(app, message_id)
    assert (message.status, message.attempts, message.provider_id) == ("sending", 1, None)

    assert outbound.sweep() == {"requeued": 0, "reconciled": 0}  # still within its grace
    age(app, message_id, "claimed_at", outbound.SENDING_GRACE + timedelta(minutes=1))
    assert outbound.sweep() == {"requeued": 0, "reconciled": 1}
    message = stored(app, message_id)
    assert (message.status, message.provider_id) == ("sent", accepted["sid"])

    workers.burst()  # whatever RQ still holds of the killed job must not send it again
    assert outbound.sweep() == {"requeued": 0, "reconciled": 0}
    assert len(twilio_standin.sent_to(PHONE)) == 1
    assert stored(app, message_id).status == "sent"


def test_worker_killed_before_provider_got_message_is_resent_once(app, workers,
                                                                  twilio_standin):
    # The request is on its way but the provider has not taken it when the worker dies.
    twilio_standin.delay(30, before_accept=True)
    message_id = queue_message(app)
    worker = workers.start()
    [request] = twilio_standin.wait_for_requests(1)
    workers.kill(worker)
    twilio_standin.release()
    wait_until(lambda: request.status != 0, timeout=5, what="held request to end")
    assert request.status == -1 and twilio_standin.messages == []
    assert stored(app, message_id).status == "sending"

    age(app, message_id, "claimed_at", outbound.SENDING_GRACE + timedelta(minutes=1))
    assert outbound.sweep() == {"requeued": 1, "reconciled": 0}
    message = stored(app, message_id)
    assert (message.status, message.error_message) == ("queued", "worker lost mid-send")

    workers.burst()
    [sent] = twilio_standin.wait_for_messages(1)
    message = stored(app, message_id)
    assert (message.status, message.provider_id, message.attempts) == ("sent", sent["sid"], 2)
    assert len(twilio_standin.sent_to(PHONE)) == 1


def test_lost_job_is_enqueued_again_once(app, workers, twilio_standin):
    grace = outbound.QUEUED_GRACE + timedelta(minutes=1)
    lost = queue_message(app, body="lost", enqueue=False)           # its job never made it
    waiting = queue_message(app, body="waiting")                    # old, but its job waits
    fresh = queue_message(app, body="fresh", enqueue=False)         # too young to judge
    age(app, lost, "updated_at", grace)
    age(app, waiting, "updated_at", grace)
    high = Queue("high", connection=runtime_of(app).redis)

    assert outbound.sweep() == {"requeued": 1, "reconciled": 0}
    assert high.count == 2
    # The lost message has a job again now: a second sweep must not pile up another.
    assert outbound.sweep() == {"requeued": 0, "reconciled": 0}
    assert high.count == 2

    workers.burst()
    assert sorted(m["body"] for m in twilio_standin.messages) == ["lost", "waiting"]
    assert [stored(app, i).status for i in (lost, waiting, fresh)] == ["sent", "sent", "queued"]


# --- the sweeper and the backend, in process (no worker needed) ---------------------------

def test_read_timeout_leaves_message_for_sweeper(app, twilio_standin, monkeypatch):
    # The provider took the message but answered after our read timeout: sending it
    # again could duplicate it, so the row waits in `sending` for the sweeper.
    monkeypatch.setattr(twilio, "READ_TIMEOUT", 0.3)
    twilio_standin.delay(5)
    message_id = queue_message(app, enqueue=False)
    assert outbound.deliver(message_id) == "sending"
    twilio_standin.release()
    [accepted] = twilio_standin.wait_for_messages(1)
    assert stored(app, message_id).status == "sending"
    age(app, message_id, "claimed_at", outbound.SENDING_GRACE + timedelta(minutes=1))
    assert outbound.sweep() == {"requeued": 0, "reconciled": 1}
    assert stored(app, message_id).provider_id == accepted["sid"]
    assert len(twilio_standin.messages) == 1


def test_sweep_never_takes_another_message_with_the_same_text(app, twilio_standin):
    # The same text went to the same phone earlier (two identical notices): that SID
    # belongs to the first message, so the interrupted second one is sent, not matched.
    first = queue_message(app, body="Lich tiem chung: 8h sang mai", kind="notice",
                          enqueue=False)
    assert outbound.deliver(first) == "sent"
    second = queue_message(app, body="Lich tiem chung: 8h sang mai", kind="notice",
                           enqueue=False)
    with transaction(runtime_of(app).sessions) as session:  # a worker claimed it, then died
        assert messages.claim(session, second, "twilio", SENDER) is not None
    age(app, second, "claimed_at", outbound.SENDING_GRACE + timedelta(minutes=1))
    assert outbound.sweep() == {"requeued": 1, "reconciled": 0}
    assert outbound.deliver(second) == "sent"
    sids = {stored(app, first).provider_id, stored(app, second).provider_id}
    assert sids == {m["sid"] for m in twilio_standin.messages} and len(sids) == 2


def test_sweep_waits_while_provider_unreachable(app, twilio_standin):
    message_id = queue_message(app, enqueue=False)
    with transaction(runtime_of(app).sessions) as session:
        messages.claim(session, message_id, "twilio", SENDER)
    age(app, message_id, "claimed_at", outbound.SENDING_GRACE + timedelta(minutes=1))
    twilio_standin.stop()
    assert outbound.sweep() == {"requeued": 0, "reconciled": 0}
    assert stored(app, message_id).status == "sending"  # decided on a later sweep


def test_late_results_never_overrule_newer_state(app):
    # A worker that comes back after the sweeper re-queued its message, or a delivery
    # report that beat the worker's own bookkeeping, must not move a message backwards.
    message_id = queue_message(app, enqueue=False)
    rt = runtime_of(app)
    with transaction(rt.sessions) as session:
        first_claim = messages.claim(session, message_id, "twilio", SENDER).claimed_at
    with transaction(rt.sessions) as session:  # the sweeper releases that claim …
        assert messages.mark_failed(session, message_id, None, "worker lost mid-send",
                                    "queued", claimed_at=first_claim)
    with transaction(rt.sessions) as session:  # … and a new worker claims it again
        assert messages.claim(session, message_id, "twilio", SENDER) is not None
    with transaction(rt.sessions) as session:  # a second sweep, still holding the old claim
        assert not messages.mark_failed(session, message_id, None, "worker lost mid-send",
                                        "queued", claimed_at=first_claim)
        assert not messages.reconcile(session, message_id, first_claim, "SMold")
    assert stored(app, message_id).status == "sending"
    with transaction(rt.sessions) as session:
        assert messages.mark_sent(session, message_id, "SMnew")
        assert messages.apply_status(session, "SMnew", "delivered", None)
        assert not messages.mark_sent(session, message_id, "SMnew")  # a repeated result
    message = stored(app, message_id)
    assert (message.status, message.provider_id, message.attempts) == ("delivered", "SMnew", 2)


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

class TestOutboxBackend:
    """SMS_BACKEND=outbox: nothing leaves the machine, the log shows it masked."""

    @pytest.fixture
    def config(self, pg_url: str, redis_url: str) -> Config:
        """The default backend."""
        return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET)

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
