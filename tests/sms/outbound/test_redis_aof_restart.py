"""A Redis with persistence (AOF, as production runs it) restarted under a running
worker. The worker's scheduler process died with the connection, while the worker
waited the outage out; RQ would start it again only in its ten-minute maintenance, and
every send scheduled meanwhile (retries, throttled bulk, paused sends) would wait that
long (the chaos run's Redis restart with AOF left 860 messages unsent). `gateway worker`
checks for its scheduler every few seconds, and a fresh worker first releases the locks
its dead predecessor's scheduler held (they come back with the data)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rq import Queue, SimpleWorker, Worker
from rq.scheduler import RQScheduler

from gateway.ops import survive
from gateway.sms import jobs
from tests.redis_servers import RedisServer
from tests.sms.workers import queue_message, runtime_of, stored, wait_until

LOCK = "rq:scheduler-lock:high"
DOWN_SECONDS = 8  # the chaos run's Redis stayed away 10 s


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of the test's own that keeps its data in an append-only file."""
    server = RedisServer(tmp_path, "aof", appendonly=True).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(aof_redis: RedisServer) -> str:
    """The app and its workers use the persistent Redis."""
    return aof_redis.url


def test_a_scheduled_send_goes_out_soon_after_a_persistent_redis_restarts(
        app, workers, twilio_standin, aof_redis):
    worker = workers.start()
    redis = runtime_of(app).redis
    wait_until(lambda: Worker.all(connection=redis) and redis.exists(LOCK), timeout=30,
               what="the worker's scheduler to hold its lock")
    time.sleep(1.5)  # the lock reaches the append-only file (appendfsync everysec)
    aof_redis.kill()
    wait_until(lambda: "Redis" in workers.log(worker), timeout=30, what="the worker to notice")
    time.sleep(DOWN_SECONDS)  # long enough for the scheduler process to give up and die
    aof_redis.start()
    assert redis.exists(LOCK)  # the dead scheduler's lock came back with the data
    message = queue_message(app, body="after the restart", enqueue=False)
    jobs.enqueue(runtime_of(app), message, "high", delay=1)  # via the scheduler
    # Well before the old lock would expire (a minute) and RQ would look again (ten).
    wait_until(lambda: stored(app, message).status == "sent", timeout=30,
               what="the scheduled send")
    assert worker.poll() is None, workers.log(worker)
    assert [m["body"] for m in twilio_standin.messages] == ["after the restart"]


def test_a_fresh_worker_first_releases_only_its_predecessors_scheduler_locks(app):
    redis = runtime_of(app).redis
    ended = SimpleWorker([Queue("high", connection=redis)], connection=redis)
    ended.scheduler = RQScheduler([Queue("high", connection=redis)], connection=redis)
    ended.scheduler.acquire_locks()  # as it stood when its process died
    other = RQScheduler([Queue("bulk", connection=redis)], connection=redis)
    other.acquire_locks()             # another worker's, alive
    assert redis.exists(LOCK) and redis.exists("rq:scheduler-lock:bulk")
    survive.release_scheduler(ended)
    assert not redis.exists(LOCK)
    assert redis.get("rq:scheduler-lock:bulk").decode() == other.name
