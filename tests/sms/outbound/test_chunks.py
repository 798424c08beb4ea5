"""Bulk delivery in chunks: `enqueue_many` hands the workers one `deliver_many` job per
CHUNK messages, and every message still goes out exactly once — when a chunk hands its
rest back after CHUNK_SECONDS, when the sender's rate stops it, when one send fails, and
when its worker is killed halfway through.

Jobs run in a real RQ worker against real Redis, PostgreSQL and the Twilio stand-in:
in this process (`SimpleWorker`) where a test changes a limit, as `gateway worker`
processes where one is killed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import FinishedJobRegistry, ScheduledJobRegistry

from gateway.sms import breaker, outbound, sweeper, throttle
from gateway.sms.jobs import CHUNK
from tests.sms.workers import SENDER, age, queue_bulk, runtime_of, stored, wait_until


@pytest.fixture(autouse=True)
def fast_sender(app, monkeypatch):
    """A sender with rate enough for every test but the throttled one, and chunks with
    time enough for every test but the one that runs out of it (a busy machine)."""
    rt = runtime_of(app)
    monkeypatch.setattr(rt, "config", replace(rt.config, sms_rate_per_second=10_000.0))
    monkeypatch.setattr(outbound, "CHUNK_SECONDS", 60.0)
    return rt


def work(app) -> None:
    """Run the queued jobs in this process until the queues are empty."""
    rt = runtime_of(app)
    SimpleWorker([rt.queue(name) for name in ("high", "bulk")],
                 connection=rt.redis).work(burst=True)


def results(app) -> list[str]:
    """What the finished bulk jobs returned, oldest first."""
    rt = runtime_of(app)
    ids = FinishedJobRegistry("bulk", connection=rt.redis).get_job_ids()
    jobs = sorted((Job.fetch(i, connection=rt.redis) for i in ids), key=lambda j: j.ended_at)
    return [job.return_value() for job in jobs]


def test_a_bulk_run_is_one_job_per_chunk_and_each_message_goes_once(app, twilio_standin):
    ids = queue_bulk(app, 2 * CHUNK + 50)
    rt = runtime_of(app)
    assert Queue("bulk", connection=rt.redis).count == 3
    chunk_jobs = [outbound.job_of(rt.redis, i) for i in ids]
    assert len(set(chunk_jobs[:CHUNK])) == 1
    assert len(set(chunk_jobs)) == 3
    work(app)
    bodies = [m["body"] for m in twilio_standin.messages]
    assert bodies == [f"Nhac nho {n}" for n in range(len(ids))]  # each once, in order
    assert {stored(app, i).status for i in ids} == {"sent"}
    assert results(app) == ["sent"] * 3


def test_a_chunk_hands_its_rest_back_after_its_time(app, twilio_standin, monkeypatch):
    monkeypatch.setattr(outbound, "CHUNK_SECONDS", 0.0)  # always out of time after one
    ids = queue_bulk(app, 4)
    rt = runtime_of(app)
    first_job = outbound.job_of(rt.redis, ids[-1])
    work(app)
    assert [m["body"] for m in twilio_standin.messages] == [f"Nhac nho {n}" for n in range(4)]
    assert results(app) == ["handed on"] * 3 + ["sent"]
    # The last message was handed on three times; it now points at the job that sent it.
    last_job = outbound.job_of(rt.redis, ids[-1])
    assert last_job != first_job
    assert Job.fetch(last_job, connection=rt.redis).return_value() == "sent"


@pytest.fixture
def slow_sender(fast_sender, monkeypatch):
    """A sender allowed 4 messages a second whose tokens an OTP burst just took."""
    rt = fast_sender
    monkeypatch.setattr(rt, "config", replace(rt.config, sms_rate_per_second=4.0))
    capacity, _ = throttle.shape(4.0)
    for _ in range(int(capacity)):
        assert throttle.take(rt.redis, SENDER, 4.0, bulk=False) == 0.0
    return rt


def test_a_throttled_chunk_waits_in_the_schedule_not_in_the_worker(app, twilio_standin,
                                                                   slow_sender):
    ids = queue_bulk(app, 3)
    work(app)
    assert twilio_standin.messages == []
    assert results(app) == ["throttled"]
    [scheduled] = ScheduledJobRegistry("bulk", connection=slow_sender.redis).get_job_ids()
    assert [outbound.job_of(slow_sender.redis, i) for i in ids] == [scheduled] * 3
    assert all(sweeper.has_live_job(slow_sender, i, "bulk") for i in ids)  # sweeper waits
    assert Job.fetch(scheduled, connection=slow_sender.redis).args == (ids,)


def test_a_failed_send_in_a_chunk_pauses_the_chunk_and_is_retried_on_its_own(
        app, twilio_standin):
    twilio_standin.fail_next(1, status=500)  # the first message meets a provider error
    ids = queue_bulk(app, 3)
    work(app)
    # The error paused the sender: the rest of the chunk waits for the pause to end,
    # without a claim (no attempt used); the failed message has a retry of its own.
    assert twilio_standin.messages == []
    first = stored(app, ids[0])
    assert (first.status, first.attempts) == ("queued", 1)
    assert first.next_attempt_at is not None
    assert [stored(app, i).attempts for i in ids[1:]] == [0, 0]
    rt = runtime_of(app)
    registry = ScheduledJobRegistry("bulk", connection=rt.redis)
    jobs = {job_id: Job.fetch(job_id, connection=rt.redis) for job_id in registry.get_job_ids()}
    assert sorted((j.func_name, j.args) for j in jobs.values()) == [
        ("gateway.sms.outbound.deliver", (ids[0],)),
        ("gateway.sms.outbound.deliver_many", (ids[1:],))]
    assert outbound.job_of(rt.redis, ids[0]) in jobs
    rt.redis.delete(breaker.PAUSE_KEY.format(SENDER))  # the pause is over
    for job in jobs.values():  # their time has come
        registry.remove(job)
        Queue("bulk", connection=rt.redis).enqueue_job(job)
    work(app)
    assert sorted(m["body"] for m in twilio_standin.messages) == [
        "Nhac nho 0", "Nhac nho 1", "Nhac nho 2"]
    assert [(stored(app, i).status, stored(app, i).attempts) for i in ids] == [
        ("sent", 2), ("sent", 1), ("sent", 1)]


def test_a_worker_killed_mid_chunk_loses_and_repeats_nothing(app, workers, twilio_standin,
                                                             monkeypatch):
    twilio_standin.delay(30, before_accept=True)  # the first send hangs; the worker dies
    ids = queue_bulk(app, 5)
    worker = workers.start()
    [request] = twilio_standin.wait_for_requests(1)
    workers.kill(worker)
    twilio_standin.release()
    wait_until(lambda: request.status != 0, timeout=5, what="held request to end")
    assert [stored(app, i).status for i in ids] == ["sending"] + ["queued"] * 4
    # Within their graces the sweeper leaves them: the chunk's job may still be running.
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 0, "expired": 0}

    age(app, ids[0], "claimed_at", sweeper.SENDING_GRACE + timedelta(minutes=1))
    for message_id in ids[1:]:
        age(app, message_id, "updated_at", sweeper.QUEUED_GRACE + timedelta(minutes=1))
    monkeypatch.setattr(sweeper, "STARTED_GRACE", timedelta(0))  # its job started long ago
    assert sweeper.sweep() == {"requeued": 5, "reconciled": 0, "expired": 0}
    workers.burst()
    assert sorted(m["body"] for m in twilio_standin.messages) == [
        f"Nhac nho {n}" for n in range(5)]
    assert [stored(app, i).status for i in ids] == ["sent"] * 5
