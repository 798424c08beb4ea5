"""Redis connections: a real server, a master found through Redis Sentinel, or
`memory://` for the embedded demo."""

from __future__ import annotations

import fakeredis
from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError, TimeoutError
from redis.retry import Retry
from redis.sentinel import Sentinel

from gateway.store import sentinel

DEMO_REDIS_URL = "memory://"  # the embedded in-process Redis of the demo

# One in-process server per process, so every connection of the demo sees the same data.
_EMBEDDED = fakeredis.FakeServer()

# Behind sentinels a command that meets the old master gone (connection refused or
# reset, or READONLY once it is back as a replica, which redis-py turns into a
# connection error) is retried with backoff: each retry asks the sentinels for the
# master again, so a failover (down-after-milliseconds plus the election, a few
# seconds) is ridden out instead of failing the turn or the job. About 12 s in all.
FAILOVER_RETRY = Retry(ExponentialWithJitterBackoff(base=0.1, cap=1.0), retries=15,
                       supported_errors=(ConnectionError, TimeoutError))
SOCKET_TIMEOUT = 5            # seconds a command may take (a hung server, not a slow one)
CONNECT_TIMEOUT = 2           # a dead host: give up soon and ask the sentinels again
SENTINEL_TIMEOUT = 0.5        # a sentinel that does not answer is skipped for the next


def connect(url: str) -> Redis:
    """A client for `url` (bytes responses, as RQ needs them)."""
    if url == DEMO_REDIS_URL:
        return fakeredis.FakeRedis(server=_EMBEDDED)
    if sentinel.is_sentinel(url):
        return _master(sentinel.parse(url))
    return Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=5,
                          health_check_interval=30)


def _master(address: sentinel.SentinelAddress) -> Redis:
    """The current master of `address.service`, rediscovered on every new connection.

    RQ's scheduler rebuilds its own client from this one's pool settings (the
    connection class and its kwargs, which carry the sentinel pool's proxy), so it
    follows failovers too."""
    sentinels = Sentinel(
        list(address.sentinels),
        sentinel_kwargs={"password": address.sentinel_password,
                         "socket_timeout": SENTINEL_TIMEOUT,
                         "socket_connect_timeout": SENTINEL_TIMEOUT})
    return sentinels.master_for(
        address.service, db=address.db, password=address.password,
        socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=CONNECT_TIMEOUT,
        health_check_interval=30, retry=FAILOVER_RETRY)
