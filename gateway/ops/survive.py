"""Keep the long-running processes (`gateway worker`, `gateway cron`) alive through a
Redis restart.

RQ's worker waits out a lost connection only while it waits for a job; met anywhere
else (running a job, its bookkeeping, the heartbeat) the error ends `work()`, and the
cron scheduler's loop ends at the first one. A restarted Redis also has forgotten the
worker's registration. So each run builds a fresh worker or scheduler, and a run
ended by a lost connection is followed, after one log line and a growing wait, by
another.

A worker's scheduler runs in a process of its own, which dies when it loses Redis
while the worker itself may wait the outage out: the worker looks for it every
SCHEDULER_CHECK_SECONDS (RQ's default: ten minutes) and starts it again. A fresh
worker's scheduler needs the locks of the one before: a Redis with persistence comes
back with them, held in the name of a scheduler that is gone (`release_scheduler`).

A stop asked for (SIGTERM, Ctrl-C) ends the process as before. A supervisor (the
platform for Procfile processes, systemd's `Restart=always`) still restarts a process
that exits for any other reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import ConnectionError, RedisError, TimeoutError
from redis.exceptions import ResponseError as RedisResponseError
from rq.exceptions import StopRequested
from rq.worker import BaseWorker

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0
# How often a worker checks that its scheduler process lives (RQ's maintenance, which
# also cleans the job registries: cheap at this rate).
SCHEDULER_CHECK_SECONDS = 15
MAX_WAIT = 30.0
# What a Redis restart looks like from a client: the connection refused or dropped,
# a timeout, or a Redis still loading its data ("LOADING"), a BusyLoadingError.
LOST = (ConnectionError, TimeoutError)


def run(once: Callable[[], bool], redis: Redis, what: str,
        sleep: Callable[[float], None] = time.sleep) -> None:
    """Call `once()` until it returns True (stopped on request); a lost Redis
    connection is waited out with backoff (until Redis answers a PING) and the run
    started again. `once` returning False means it ended without being asked to."""
    while True:
        try:
            if once():
                return
            log.warning("%s ended without a stop request; starting it again", what)
        except LOST as error:
            log.warning("%s lost Redis (%s); waiting for it", what, type(error).__name__)
        try:
            _wait_for(redis, sleep, FIRST_WAIT)
        except (StopRequested, KeyboardInterrupt):  # RQ's signal handlers, still installed
            log.warning("%s stopped while waiting for Redis", what)
            return
        log.warning("%s: Redis is back, resuming", what)


def _wait_for(redis: Redis, sleep: Callable[[float], None], wait: float) -> None:
    """Sleep with a doubling wait until Redis answers a PING (a restarting Redis
    answers LOADING errors for a while)."""
    while True:
        sleep(wait)
        wait = min(MAX_WAIT, wait * 2)
        try:
            redis.ping()
            return
        except (*LOST, RedisResponseError):
            continue


def release_scheduler(ended: BaseWorker) -> None:
    """Stop what is left of an ended worker's scheduler and release the locks it held
    (only its own: another worker's scheduler keeps its locks), so the next worker's
    scheduler starts at once."""
    scheduler = ended.scheduler
    if scheduler is None:
        return
    if scheduler._process is not None and scheduler._process.is_alive():
        ended.stop_scheduler()
    try:
        scheduler.release_locks()
    except RedisError:  # gone again: the locks expire by themselves (a minute)
        log.warning("could not release the old scheduler's locks")
