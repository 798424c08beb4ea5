"""The sender's rate (SMS_RATE_PER_SECOND) with real `gateway worker` processes and the
Twilio stand-in: bulk reminders go out no faster than the rate, and OTPs queued behind
a bulk backlog still go out at once; a bulk message without a token is scheduled for
later (never held in a worker) and is not taken for lost by the sweeper."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from rq import SimpleWorker
from rq.job import Job
from rq.registry import FinishedJobRegistry, ScheduledJobRegistry
from rq.scheduler import RQScheduler
from sqlalchemy import select

from gateway.sms import outbound, sweeper, throttle
from gateway.store import messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.declare.conftest import SENDER
from tests.quarantine.conftest import runtime_of
from tests.sms.workers import Workers, queue_bulk, wait_until

RATE = 4.0
BULK = 20


@pytest.fixture
def config(config):
    """A slow sender: 4 messages a second."""
    return replace(config, sms_rate_per_second=RATE)


@pytest.fixture
def workers(app, config, tmp_path):
    """Real worker processes (with RQ's scheduler), told the sender's rate."""
    pool = Workers(config, tmp_path)
    pool.env["SMS_RATE_PER_SECOND"] = str(RATE)
    yield pool
    pool.stop_all()


def queue_otp(app, n: int) -> None:
    """An OTP, queued as a dialogue turn does (handed to the workers on commit)."""
    with transaction(runtime_of(app).sessions) as session:
        messages.queue_outbound(session, phone=f"+8498800{n:04d}",
                                body=f"Ma xac thuc: 10000{n}", kind="otp", priority="high")


def test_otps_overtake_a_bulk_backlog_that_keeps_to_the_rate(app, workers, twilio_standin):
    queue_bulk(app, BULK)
    for _ in range(2):
        workers.start()
    twilio_standin.wait_for_messages(3, timeout=20)  # the backlog is being sent
    otp_queued = time.monotonic()
    for n in range(3):
        queue_otp(app, n)
    wait_until(lambda: len(twilio_standin.messages) == BULK + 3, timeout=30,
               what="every message sent")
    requests = [r for r in twilio_standin.requests if r.status == 201]
    otps = [r for r in requests if r.form["Body"].startswith("Ma xac thuc")]
    bulk = [r for r in requests if r.form["Body"].startswith("Nhac nho")]
    # The OTPs went out at once, while most of the backlog was still waiting.
    assert len(otps) == 3
    assert max(r.received_at for r in otps) - otp_queued < 3  # the backlog needs 4+ s
    assert sum(r.received_at > max(o.received_at for o in otps) for r in bulk) >= BULK // 2
    # Bulk never outpaced the bucket: after its burst, RATE a second.
    capacity, _ = throttle.shape(RATE)
    start = requests[0].received_at
    for count, request in enumerate(requests, start=1):
        assert count <= capacity + RATE * (request.received_at - start) + 1, count
    assert requests[-1].received_at - start >= (BULK + 3 - capacity) / RATE - 0.5
    # Each message once; the throttled jobs ended and their messages went later.
    assert sorted(m["body"] for m in twilio_standin.messages) == sorted(
        [f"Nhac nho {n}" for n in range(BULK)] + [f"Ma xac thuc: 10000{n}" for n in range(3)])
    rt = runtime_of(app)
    results = [Job.fetch(job_id, connection=rt.redis).return_value()
               for job_id in FinishedJobRegistry("bulk", connection=rt.redis).get_job_ids()]
    assert results.count("throttled") > 0
    # The outbox is the truth: every reminder ended `sent` (which job of a message sent
    # it — its first, or one the scheduler or the sweeper ran later — may vary).
    with rt.sessions() as session:
        statuses = session.scalars(select(OutboundMessage.status)
                                   .where(OutboundMessage.kind == "reminder")).all()
    assert statuses == ["sent"] * BULK


def test_a_bulk_message_without_a_token_is_scheduled_not_held(app, twilio_standin):
    rt = runtime_of(app)
    capacity, _ = throttle.shape(RATE)
    for _ in range(int(capacity)):  # OTPs just took every token
        assert throttle.take(rt.redis, SENDER, RATE, bulk=False) == 0.0
    [message_id] = queue_bulk(app, 1)
    worker = SimpleWorker([rt.queue("bulk")], connection=rt.redis)
    worker.work(burst=True)
    # The job ended at once, unsent ("throttled"), rather than waiting in the worker for
    # a token; a copy of it waits in RQ's schedule instead.
    [finished] = FinishedJobRegistry("bulk", connection=rt.redis).get_job_ids()
    assert Job.fetch(finished, connection=rt.redis).return_value() == "throttled"
    [scheduled] = ScheduledJobRegistry("bulk", connection=rt.redis).get_job_ids()
    assert outbound.job_of(rt.redis, message_id) == scheduled
    assert sweeper.has_live_job(rt, message_id, "bulk")  # the sweeper leaves it alone
    assert twilio_standin.messages == []
    # At its time RQ's scheduler enqueues it again, and then it is sent.
    scheduler = RQScheduler([rt.queue("bulk")], connection=rt.redis)
    scheduler.acquire_locks()

    def sent() -> list:
        scheduler.enqueue_scheduled_jobs()
        worker.work(burst=True)  # sends it, or (a token short) schedules it once more
        return twilio_standin.messages

    wait_until(sent, timeout=5, what="the scheduled message to be sent")
    scheduler.release_locks()
    assert [m["body"] for m in twilio_standin.messages] == ["Nhac nho 0"]
    assert len(twilio_standin.requests) == 1


def test_the_bucket_keeps_a_reserve_for_high_priority_and_spaces_the_bulk_line(app):
    redis = runtime_of(app).redis
    rate = 2.0
    capacity, reserve = throttle.shape(rate)
    assert (capacity, reserve) == (3.0, 1.0)
    taken = [throttle.take(redis, "S", rate, bulk=True) for _ in range(2)]
    assert taken == [0.0, 0.0]
    waits = [throttle.take(redis, "S", rate, bulk=True) for _ in range(3)]
    assert all(w > 0 for w in waits)
    assert waits[1] - waits[0] == pytest.approx(1 / rate, abs=0.05)  # places in line
    assert waits[2] - waits[1] == pytest.approx(1 / rate, abs=0.05)
    assert throttle.take(redis, "S", rate, bulk=False) == 0.0  # the reserve, for an OTP
    assert throttle.take(redis, "S", rate, bulk=False) > 0     # then the rate holds
    assert throttle.take(redis, "other sender", rate, bulk=True) == 0.0
