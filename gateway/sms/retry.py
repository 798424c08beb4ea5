"""When a message whose send failed is tried again, and when it is given up.

One schedule per message, kept on its outbox row (`attempts`, `next_attempt_at`):
exponential backoff with full jitter (a random delay between 0 and BASE_DELAY·2^(n-1),
capped at MAX_DELAY per step), so the retries of thousands of messages spread out
instead of arriving together when the provider comes back. A message is tried until
its horizon, counted from when it was queued: SMS_RETRY_HOURS for replies, alerts,
reminders and digests; for an OTP the code's own lifetime (otp.DEFAULT_LIMITS), since
a code that arrives after it expired is worthless and only confuses.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from gateway import otp
from gateway.config import Config

BASE_DELAY = 5.0          # seconds, the first retry's ceiling
MAX_DELAY = 900.0         # no step waits longer than 15 minutes
MIN_DELAY = 1.0           # RQ's schedule keeps whole seconds


def delay(attempts: int) -> float:
    """Seconds to wait before the next try of a message tried `attempts` times."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, min(attempts - 1, 30)))
    return max(MIN_DELAY, random.uniform(0, ceiling))


def horizon(config: Config, kind: str) -> timedelta:
    """How long after it was queued a message of `kind` is still worth sending."""
    if kind == "otp":
        return timedelta(seconds=otp.DEFAULT_LIMITS.ttl_seconds)
    return timedelta(hours=config.sms_retry_hours)


def next_attempt(config: Config, kind: str, created_at: datetime, attempts: int,
                 now: datetime) -> datetime | None:
    """When to try again, or None when that would be past the message's horizon."""
    due = now + timedelta(seconds=delay(attempts))
    return due if due <= created_at + horizon(config, kind) else None
