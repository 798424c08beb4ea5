"""FAULT TEST — Redis Sentinel failover under load.

A private primary, replica and three sentinels (`tests/redis_servers.py`, free ports,
files in tmp_path; never the shared Redis) serve the real app (PostgreSQL), a real
`gateway worker` process sending through the Twilio stand-in, and a bulk run. The
primary is SIGKILLed while SMS turns and the bulk run are under way. Turns must resume
within seconds, every inbound message be answered once (the driver retries like a
provider retries on a 503), and every outbox message be sent exactly once.

The bound on resuming is generous (a fault test on a shared, loaded machine, not a
benchmark): a failover here takes about 2-4 s (1 s down-after plus the election).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from gateway.config import Config
from gateway.sms import jobs, sweeper
from gateway.store.models import InboundMessage, OutboundMessage
from gateway.store.redis import connect
from tests.conftest import DATA_KEY, SECRET, twiml_text
from tests.redis_servers import SentinelCluster
from tests.sms.workers import (
    SENDER,
    queue_bulk,
    queue_message,
    runtime_of,
    wait_until,
    workers,  # noqa: F401 (fixture)
)
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

pytestmark = pytest.mark.fault

VALIDATOR = RequestValidator(AUTH_TOKEN)
RESUME_BOUND = 30.0     # seconds from the kill to the first answered turn
DRAIN_SECONDS = 45.0    # for the outbox to be sent in full after the failover
BULK = 200


@pytest.fixture
def cluster(tmp_path):
    """Primary, replica and three sentinels; all stopped afterwards."""
    servers = SentinelCluster(tmp_path / "redis").start()
    yield servers
    servers.stop()


@pytest.fixture
def config(pg_url: str, cluster: SentinelCluster, twilio_standin: TwilioStandIn) -> Config:
    """The gateway behind the sentinels, sending through the stand-in. The rate leaves
    the bulk run a few seconds of sending, so the kill lands in the middle of it. Under
    a legal basis (no consent question) each new phone's `KB` is one turn that sends
    one OTP, which the test counts."""
    return Config(database_url=pg_url, redis_url=cluster.url, secret_key=SECRET,
                  data_encryption_key=DATA_KEY,
                  sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
                  twilio_auth_token=AUTH_TOKEN, twilio_from=SENDER,
                  twilio_api_base_url=twilio_standin.url, otp_global_per_minute=100_000,
                  sms_rate_per_second=60.0, consent_mode="legal_basis",
                  consent_legal_basis="art19_1c")


def signed(form: dict[str, str]) -> dict[str, str]:
    """Twilio's signature of a webhook to the test client's URL."""
    return {"X-Twilio-Signature": VALIDATOR.compute_signature(
        "http://localhost/sms/twilio", form)}


class Provider:
    """Texts the gateway like an SMS provider: a message whose webhook fails (a 5xx or
    no answer) is posted again with the same MessageSid until it gets a 200."""

    def __init__(self, app):
        self.client = app.test_client()
        self.answers: dict[str, list[str]] = {}      # MessageSid → answers (200s)
        self.failures: Counter[int] = Counter()      # status of every failed attempt
        self.done: list[tuple[float, float]] = []    # (posted, answered), monotonic

    def text(self, phone: str, body: str, give_up: float = 60.0) -> str:
        sid = "SM" + uuid.uuid4().hex
        form = {"From": phone, "To": "+84240000", "Body": body, "MessageSid": sid}
        posted = time.monotonic()
        while time.monotonic() < posted + give_up:
            response = self.client.post("/sms/twilio", data=form, headers=signed(form))
            if response.status_code == 200:
                self.answers.setdefault(sid, []).append(response.get_data(as_text=True))
                self.done.append((posted, time.monotonic()))
                return sid
            self.failures[response.status_code] += 1
            time.sleep(0.2)
        raise AssertionError(f"message {sid} never answered")


def test_turns_and_sends_ride_out_a_primary_failover(app, config, cluster, workers,  # noqa: F811
                                                     twilio_standin, monkeypatch):
    rt = runtime_of(app)
    workers.start()
    provider = Provider(app)
    phones = iter(f"+849150{n:05d}" for n in range(100_000))
    for _ in range(5):  # turns work before the fault (and the worker is up)
        provider.text(next(phones), "KB")
    wait_until(lambda: len(twilio_standin.messages) >= 5, timeout=30, what="first OTPs")

    queue_bulk(app, BULK)
    wait_until(lambda: len(twilio_standin.messages) >= 5 + BULK // 10, timeout=30,
               what="the bulk run to be sending")
    stop = threading.Event()
    driver_errors: list[BaseException] = []

    def drive() -> None:  # phones keep texting through the fault
        try:
            while not stop.is_set():
                provider.text(next(phones), "KB")
        except BaseException as error:  # reported by the test, not lost in the thread
            driver_errors.append(error)

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    time.sleep(0.5)
    killed_at = time.monotonic()
    old = cluster.kill_primary()
    cluster.wait_for_failover(old)

    def after_kill() -> list[float]:  # answers to messages posted after the kill
        return [answered for posted, answered in provider.done if posted > killed_at]

    wait_until(after_kill, timeout=RESUME_BOUND, what="a turn answered after the kill")
    resumed = min(after_kill()) - killed_at
    old.start()  # back as a replica of the new master, as an operator would restart it
    wait_until(lambda: len(after_kill()) >= 10, timeout=30, what="ten turns after the kill")
    stop.set()
    driver.join(timeout=70)
    assert not driver_errors, driver_errors
    assert resumed < RESUME_BOUND

    # The last writes before the kill may not have reached the replica (asynchronous
    # replication): the sweeper (cron, every minute) finds outbox rows whose job was lost
    # and hands them over again. Here it runs at once, with a short grace.
    monkeypatch.setattr(sweeper, "QUEUED_GRACE", timedelta(seconds=3))

    swept = [0.0]

    def drained() -> bool:
        with rt.sessions() as session:
            waiting = session.scalar(select(func.count()).where(
                OutboundMessage.status != "sent"))
        if waiting and time.monotonic() - swept[0] > 1:
            sweeper.sweep()
            swept[0] = time.monotonic()
        return waiting == 0

    wait_until(drained, timeout=DRAIN_SECONDS, what="every outbox message to be sent")

    # RQ's scheduler (a process of the worker, with a client it rebuilt from the
    # worker's) follows the failover too: a send scheduled for later goes out.
    later = queue_message(app, phone="+84915999999", body="scheduled after failover",
                          enqueue=False)
    jobs.enqueue(rt, later, "high", delay=1)
    wait_until(lambda: twilio_standin.sent_to("+84915999999"), timeout=20,
               what="the scheduled send")

    with rt.sessions() as session:
        outbox = session.execute(select(OutboundMessage.provider_id,
                                        OutboundMessage.status)).all()
        inbound = Counter(session.scalars(select(InboundMessage.provider_id)))
    # OTP texts are stored masked, so rows and sends are matched by the provider's id.
    sent = Counter((m["to"], m["body"]) for m in twilio_standin.messages)
    assert len(outbox) >= BULK + len(provider.answers)
    assert [key for key, n in sent.items() if n > 1] == []          # nothing sent twice
    assert {status for _, status in outbox} == {"sent"}             # nothing lost
    assert sorted(sid for sid, _ in outbox) == sorted(m["sid"] for m in twilio_standin.messages)
    # Every message handled once, and a retried one got the first answer again.
    assert set(inbound) == set(provider.answers)
    assert max(inbound.values()) == 1
    for answers in provider.answers.values():
        assert twiml_text(answers[0])
    print(json.dumps({"resumed_seconds": round(resumed, 2), "turns": len(provider.answers),
                      "failed_attempts": dict(provider.failures), "sent": len(sent)}))


def test_scripts_locks_and_pipelines_work_on_the_new_master(cluster):
    """The promoted replica has no scripts cached: EVALSHA answers NOSCRIPT and
    redis-py's Script loads it again (alone and in a pipeline); a lock works."""
    client = connect(cluster.url)
    script = client.register_script("return redis.call('INCR', KEYS[1])")
    assert script(keys=["n"]) == 1
    old = cluster.kill_primary()
    cluster.wait_for_failover(old)
    assert not cluster.current_primary().client().script_exists(script.sha)[0]
    assert script(keys=["n"]) in (1, 2)  # the first INCR may not have been replicated
    cluster.current_primary().client().script_flush()
    with client.pipeline() as pipe:
        script(keys=["m"], client=pipe)
        pipe.set("k", "v")
        assert pipe.execute() == [1, True]
    with client.lock("lock:phone:+84912345678", timeout=5, blocking_timeout=1):
        assert client.get("k") == b"v"
