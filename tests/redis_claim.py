"""A Redis database number of a test run's own on a shared Redis server.

Runs on one machine share the Redis at 127.0.0.1:6379 (a CI run beside a developer's,
two checkouts). Each run flushes its database before every test and runs RQ workers on
it, so two runs on one number drop or steal each other's queued jobs: a code that never
arrives, a job that ran in the wrong run. A run therefore claims its number in database
0 (`gateway-tests:redis-db:N`, holding "host:pid") and gives it back at the end. A claim
whose process is gone on this host (a run killed midway) is taken over; any other claim
lapses after CLAIM_SECONDS, far longer than a whole run.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import WatchError

# Database 0 keeps the claims; 13 is the benchmark's (bench/stack.py, BENCH_REDIS_URL).
NUMBERS = [n for n in range(1, 16) if n != 13]
CLAIM_KEY = "gateway-tests:redis-db:{}"
CLAIM_SECONDS = 3 * 3600


@dataclass(frozen=True)
class Claim:
    """Database `number`, held by `owner` until `release`."""

    redis: Redis
    number: int
    owner: str

    def release(self) -> None:
        """Give the number back, if this run still holds it."""
        key = CLAIM_KEY.format(self.number)
        with self.redis.pipeline() as pipe:
            pipe.watch(key)
            if pipe.get(key) == self.owner.encode():
                pipe.multi()
                pipe.delete(key)
                pipe.execute()


def claim(base_url: str, preferred: int, owner: str | None = None) -> Claim | None:
    """Claim `preferred` if it is free, else the first free number; None when another
    run holds every one."""
    redis = Redis.from_url(f"{base_url}/0")
    owner = owner or f"{socket.gethostname()}:{os.getpid()}"
    for number in [preferred, *(n for n in NUMBERS if n != preferred)]:
        key = CLAIM_KEY.format(number)
        if redis.set(key, owner, nx=True, ex=CLAIM_SECONDS) or _take_over(redis, key, owner):
            return Claim(redis, number, owner)
    return None


def _take_over(redis: Redis, key: str, owner: str) -> bool:
    """Take a claim whose run has ended; of two runs trying at once, one wins."""
    with redis.pipeline() as pipe:
        try:
            pipe.watch(key)
            holder = pipe.get(key)
            if holder is not None and not _abandoned(holder.decode()):
                return False
            pipe.multi()
            pipe.set(key, owner, ex=CLAIM_SECONDS)
            pipe.execute()
            return True
        except WatchError:  # someone else changed it first
            return False


def _abandoned(holder: str) -> bool:
    """Whether `holder` ("host:pid") was a process of this host that has ended."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
