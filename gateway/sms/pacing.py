"""The sender's pacing: its rate (a token bucket per sender, gateway/sms/throttle.py) and
its shared pause while the provider is in trouble (gateway/sms/breaker.py), asked the same
way by the delivery jobs (gateway/sms/outbound.py: one message, or a chunk one by one)
and the batched path (gateway/sms/batches.py).

Both are kept per sender — the sender id, or the backend's name when it has none — since
that is what a provider limits and what an outage stops. The demo never waits: its jobs
run inline, in the web request.
"""

from __future__ import annotations

import random
import time

from gateway.runtime import Runtime
from gateway.sms import breaker, throttle
from gateway.sms.backends import Backend

SPREAD_SECONDS = 2.0      # paused messages come back spread over this much time
MAX_HOLD = 5.0  # seconds an OTP or reply may wait in a worker for the sender's rate


def sender_key(sender: Backend) -> str:
    """The name the sender's rate and pause are kept under."""
    return sender.sender or sender.name


def gate(runtime: Runtime, sender: Backend) -> tuple[float, bool]:
    """(seconds to wait, whether this send is the probe) of the sender's shared
    back-off; the demo never waits."""
    if runtime.config.demo:
        return 0.0, False
    return breaker.gate(runtime.redis, sender_key(sender))


def spread(wait: float) -> float:
    """A paused message comes back a little after the pause, not all at one instant."""
    return wait + random.uniform(0, SPREAD_SECONDS)


def take(runtime: Runtime, sender: Backend, bulk: bool) -> float:
    """Take a token of the sender's rate: 0 when taken, else the seconds to wait (for
    bulk, until its place in line). The demo never waits: its jobs run inline."""
    if runtime.config.demo:
        return 0.0
    return throttle.take(runtime.redis, sender_key(sender),
                         runtime.config.sms_rate_per_second, bulk=bulk)


def take_many(runtime: Runtime, sender: Backend, count: int) -> tuple[int, float]:
    """Up to `count` bulk tokens of the sender's rate at once: (taken, seconds to wait
    when none was)."""
    if runtime.config.demo:
        return count, 0.0
    return throttle.take_many(runtime.redis, sender_key(sender),
                              runtime.config.sms_rate_per_second, True, count)


def hold(runtime: Runtime, sender: Backend, priority: str) -> float:
    """Take a token of the sender's rate for one message: 0 when taken, else the seconds
    after which to schedule the message instead. An OTP or reply waits for it here
    (briefly, up to MAX_HOLD: the bucket keeps a reserve for them); a bulk message never
    holds a worker, it is scheduled for its place in line."""
    held = 0.0
    while True:
        wait = take(runtime, sender, bulk=priority == "bulk")
        if wait <= 0:
            return 0.0
        if priority == "bulk" or held + wait > MAX_HOLD:
            return wait
        time.sleep(wait)
        held += wait
