"""Keep the long-running processes (`gateway worker`, `gateway cron`) alive through a
Redis restart.

RQ's worker waits out a lost connection only while it waits for a job; met anywhere
else (running a job, its bookkeeping, the heartbeat) the error ends `work()`, and the
cron scheduler's loop ends at the first one. A restarted Redis also has forgotten the
worker's registration. So each run builds a fresh worker or scheduler, and a run
ended by a lost connection is followed, after one log line and a growing wait, by
another. A stop asked for (SIGTERM, Ctrl-C) ends the process as before. A
supervisor (the platform for Procfile processes, systemd's `Restart=always`) still
restarts a process that exits for any other reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import ConnectionError, TimeoutError
from redis.exceptions import ResponseError as RedisResponseError
from rq.exceptions import StopRequested

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0
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
