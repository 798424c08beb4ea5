"""Redis connections: a real server, or `memory://` for the embedded demo."""

from __future__ import annotations

import fakeredis
from redis import Redis

from gateway.config import DEMO_REDIS_URL

# One in-process server per process, so every connection of the demo sees the same data.
_EMBEDDED = fakeredis.FakeServer()


def connect(url: str) -> Redis:
    """A client for `url` (bytes responses, as RQ needs them)."""
    if url == DEMO_REDIS_URL:
        return fakeredis.FakeRedis(server=_EMBEDDED)
    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5,
                          health_check_interval=30)
