"""What each `gateway smpp` process tells /healthz and /metrics: its bind state, the
window in use, counters and its last error, published in Redis under a key of its own
with a short TTL (a process that died disappears within STATE_TTL seconds)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from redis import Redis

STATE_KEY = "smpp:state:{}"
PROCESSES_KEY = "smpp:processes"   # sorted set: process -> when its state expires
STATE_TTL = 10         # seconds; a process publishes every PUBLISH_SECONDS
PUBLISH_SECONDS = 1.0
COUNTERS = ("submits", "accepted", "throttled", "refused", "maybe_sent", "receipts",
            "unknown_receipts", "mo", "deferred", "binds", "bind_refused", "drops")


@dataclass
class Stats:
    """One process's link state and counters (since it started)."""

    process: str
    bind: str = "transceiver"
    bound: bool = False
    window_in_use: int = 0
    last_error: str = ""
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    _mo_times: deque = field(default_factory=deque)
    # The link's thread and its MO lanes (gateway/sms/smpp/lanes.py) both count.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, name: str, by: int = 1) -> None:
        """Add to a counter (one of COUNTERS)."""
        with self._lock:
            self.counters[name] += by
            if name == "mo":
                self._mo_times.append(time.monotonic())

    def mo_per_minute(self) -> int:
        """MO messages received in the last 60 seconds."""
        horizon = time.monotonic() - 60
        with self._lock:
            while self._mo_times and self._mo_times[0] < horizon:
                self._mo_times.popleft()
            return len(self._mo_times)

    def to_json(self) -> dict[str, Any]:
        """What is published (no phone number, no text: only states and counts)."""
        data = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        data["counters"] = dict(data["counters"])
        data["mo_per_minute"] = self.mo_per_minute()
        data["updated"] = time.time()
        return data


def publish(redis: Redis, stats: Stats) -> None:
    """Publish this process's state for STATE_TTL seconds."""
    now = time.time()
    with redis.pipeline(transaction=False) as pipe:
        pipe.set(STATE_KEY.format(stats.process), json.dumps(stats.to_json()), ex=STATE_TTL)
        pipe.zadd(PROCESSES_KEY, {stats.process: now + STATE_TTL})
        pipe.zremrangebyscore(PROCESSES_KEY, "-inf", now - 3600)
        pipe.execute()


def withdraw(redis: Redis, process: str) -> None:
    """Remove a stopping process's state."""
    redis.delete(STATE_KEY.format(process))
    redis.zrem(PROCESSES_KEY, process)


def read_all(redis: Redis) -> list[dict[str, Any]]:
    """Every live process's published state, by process name (no SCAN: a scrape must
    not walk every key of Redis)."""
    names = redis.zrangebyscore(PROCESSES_KEY, time.time(), "+inf")
    keys = [STATE_KEY.format(n.decode() if isinstance(n, bytes) else n) for n in names]
    states = []
    for raw in redis.mget(keys) if keys else []:
        if raw is not None:
            states.append(json.loads(raw))
    return sorted(states, key=lambda s: s["process"])


def summary(redis: Redis) -> dict[str, Any]:
    """For /healthz: "bound" when at least one process is bound, else "unbound" (with
    the processes' last errors, e.g. a refused bind), and each process's state."""
    states = read_all(redis)
    bound = any(s["bound"] for s in states)
    return {"state": "bound" if bound else "unbound",
            "processes": [{"process": s["process"], "bound": s["bound"],
                           "window_in_use": s["window_in_use"],
                           "mo_per_minute": s["mo_per_minute"],
                           "last_error": s["last_error"]} for s in states]}
