"""A Redis restart heals itself: the worker process survives it (`gateway cron` runs
the same loop, tested here with fakes), and the
sweeper judges a job live only by where it is (its queue, the schedule with a due time
not long past, a worker that started it recently), so every job Redis forgot is
enqueued again and every message still goes out exactly once.

Redis here is a server of the test's own (tests/redis_servers.py), killed with SIGKILL
and started again empty (no persistence); the sweep job is run directly instead of
waiting for the cron's minute."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue, Worker
from rq.exceptions import StopRequested
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from gateway.ops import survive
from gateway.sms import jobs, outbound, sweeper
from tests.redis_servers import RedisServer, own_redis_fixture  # noqa: F401 (fixture)
from tests.sms.workers import (
    queue_bulk,
    queue_message,
    runtime_of,
    stored,
    wait_until,
)


@pytest.fixture
def redis_url(own_redis: RedisServer) -> str:
    """The app, workers and cron use the test's own Redis."""
    return own_redis.url


def all_sent(app, ids: list[int]) -> bool:
    return all(stored(app, i).status == "sent" for i in ids)


def test_redis_killed_mid_run_every_message_sent_once(app, workers, twilio_standin, own_redis,
                                                      monkeypatch):
    workers.env["SMS_RATE_PER_SECOND"] = "5"  # a backlog in the schedule when Redis dies
    worker = workers.start()
    redis = runtime_of(app).redis
    wait_until(lambda: Worker.all(connection=redis), timeout=30, what="worker to listen")
    ids = queue_bulk(app, 25) + [queue_message(app, body=f"Ma xac thuc {n}") for n in range(3)]
    twilio_standin.wait_for_messages(5, timeout=30)

    own_redis.kill()   # a crash …
    own_redis.start()  # … and a restart with nothing: jobs, schedule, pointers all gone
    assert not all_sent(app, ids)
    # The cron's sweep (run here at once, and with the rows counted as due now rather
    # than QUEUED_GRACE later) enqueues every message whose job Redis forgot.
    monkeypatch.setattr(sweeper, "QUEUED_GRACE", timedelta(0))
    swept = sweeper.sweep()
    assert swept["requeued"] > 0 and swept["expired"] == 0
    wait_until(lambda: all_sent(app, ids), timeout=60, what="every message sent")

    bodies = [m["body"] for m in twilio_standin.messages]
    assert sorted(bodies) == sorted(set(bodies)) and len(bodies) == len(ids)
    assert worker.poll() is None, workers.log(worker)  # the worker lived through it
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 0, "expired": 0}


def test_the_worker_lives_through_redis_dying_under_a_running_job(app, workers,
                                                                   twilio_standin, own_redis):
    # The job's own bookkeeping (after the send) meets the dead Redis: RQ's worker ends
    # its loop there; `gateway worker` waits for Redis and starts a fresh one.
    twilio_standin.delay(30)  # the send is accepted at once, answered late
    worker = workers.start()
    redis = runtime_of(app).redis
    wait_until(lambda: Worker.all(connection=redis), timeout=30, what="worker to listen")
    first = queue_message(app, body="first")
    twilio_standin.wait_for_requests(1)
    own_redis.kill()
    twilio_standin.release()  # the job ends while Redis is down
    wait_until(lambda: stored(app, first).status == "sent", timeout=30, what="first sent")
    wait_until(lambda: "Redis" in workers.log(worker), timeout=30, what="the worker to notice")
    own_redis.start()
    second = queue_message(app, body="second")
    wait_until(lambda: stored(app, second).status == "sent", timeout=60, what="second sent")
    assert worker.poll() is None, workers.log(worker)
    assert [m["body"] for m in twilio_standin.messages] == ["first", "second"]


# --- the sweeper's view of where a job is ---------------------------------------------------

def _lose_job(app, message_id: int) -> Job:
    """The message's job, taken out of its queue with its hash left `queued`: the state
    a Redis restart left one OTP job in for 13.6 minutes."""
    redis = runtime_of(app).redis
    job = Job.fetch(outbound.job_of(redis, message_id), connection=redis)
    Queue("high", connection=redis).remove(job.id)
    assert job.get_status() == "queued"
    return job


def test_a_queued_job_in_no_queue_is_lost_whatever_its_status(app, monkeypatch):
    monkeypatch.setattr(sweeper, "QUEUED_GRACE", timedelta(0))
    lost = queue_message(app, body="lost")
    waiting = queue_message(app, body="waiting")
    _lose_job(app, lost)
    assert sweeper.sweep() == {"requeued": 1, "reconciled": 0, "expired": 0}
    assert sweeper.has_live_job(runtime_of(app), lost, "high")
    assert sweeper.has_live_job(runtime_of(app), waiting, "high")
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 0, "expired": 0}


def test_a_scheduled_job_is_live_until_long_past_its_time(app, monkeypatch):
    monkeypatch.setattr(sweeper, "QUEUED_GRACE", timedelta(0))
    rt = runtime_of(app)
    message_id = queue_message(app, kind="notice", enqueue=False)
    jobs.enqueue(rt, message_id, "high", delay=600)  # e.g. a retry's backoff
    registry = ScheduledJobRegistry("high", connection=rt.redis)
    job_id = outbound.job_of(rt.redis, message_id)
    assert registry.get_job_ids() == [job_id]
    assert sweeper.sweep()["requeued"] == 0  # due in ten minutes: live
    # Due a minute ago and still in the schedule: no scheduler moved it (or it was
    # restored from an old snapshot), so the message is enqueued now.
    rt.redis.zadd(registry.key, {job_id: time.time() - 60})
    assert sweeper.sweep()["requeued"] == 1
    assert outbound.job_of(rt.redis, message_id) in Queue("high", connection=rt.redis).job_ids


def test_a_started_job_is_live_only_while_recent(app, monkeypatch):
    monkeypatch.setattr(sweeper, "QUEUED_GRACE", timedelta(0))
    rt = runtime_of(app)
    message_id = queue_message(app, kind="notice")
    job = _lose_job(app, message_id)
    # A worker took it (it is in the started registry) but has not claimed the row yet.
    job.started_at = datetime.now(UTC)
    job.save()
    rt.redis.zadd(StartedJobRegistry("high", connection=rt.redis).key,
                  {f"{job.id}:execution": time.time() + 120})
    assert sweeper.sweep()["requeued"] == 0
    job.started_at = datetime.now(UTC) - sweeper.STARTED_GRACE - timedelta(seconds=5)
    job.save()
    assert sweeper.sweep()["requeued"] == 1  # its worker died before the claim


# --- the processes' loop ---------------------------------------------------------------------

class _Redis:
    """Answers PING only after `down` failed tries."""

    def __init__(self, down: int):
        self.down = down

    def ping(self) -> bool:
        if self.down:
            self.down -= 1
            raise RedisConnectionError("connection refused")
        return True


def test_a_lost_redis_is_waited_out_and_the_run_started_again(caplog):
    runs, waits = [], []

    def once() -> bool:
        runs.append(1)
        if len(runs) == 1:
            raise RedisConnectionError("Connection closed by server.")
        return True  # the second run ends on a stop request

    survive.run(once, _Redis(down=3), "worker", sleep=waits.append)
    assert len(runs) == 2
    assert waits == [1.0, 2.0, 4.0, 8.0]  # backoff while Redis does not answer
    assert [r.getMessage() for r in caplog.records] == [
        "worker lost Redis (ConnectionError); waiting for it",
        "worker: Redis is back, resuming"]


def test_a_run_ending_on_its_own_is_started_again():
    runs, waits = [], []

    def once() -> bool:
        runs.append(1)
        return len(runs) == 3

    survive.run(once, _Redis(down=0), "cron", sleep=waits.append)
    assert len(runs) == 3 and waits == [1.0, 1.0]


def test_a_stop_request_while_waiting_for_redis_ends_the_process():
    def once() -> bool:
        raise RedisConnectionError("Connection refused")

    def sleep(seconds: float) -> None:
        raise StopRequested()  # SIGTERM: RQ's handler, still installed, raises this

    survive.run(once, _Redis(down=100), "worker", sleep=sleep)  # returns, no traceback
