"""How often a phone may ask for its summary by SMS (`DULIEU`).

Each summary is an SMS of up to two segments that the service pays for, so a phone
gets ACCESS_PER_DAY of them per rolling day; the next request is told the limit once,
and later ones get no reply at all until the window ends — an attacker spoofing a
sender cannot make the gateway pay for an SMS per message. The counter lives in Redis
and expires with its window.
"""

from __future__ import annotations

from redis import Redis

ACCESS_PER_DAY = 3
WINDOW_SECONDS = 24 * 3600


def access_key(phone: str) -> str:
    """The Redis key counting the phone's summaries in the current window."""
    return f"privacy:access:{phone}"


def take(redis: Redis, phone: str) -> str:
    """Count one request: 'ok' (send the summary), 'limited' (say the limit, once) or
    'silent' (answer nothing)."""
    key = access_key(phone)
    with redis.pipeline() as pipe:
        # The window starts with the first request (SET NX); INCR keeps its expiry.
        pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)
        pipe.incr(key)
        count = pipe.execute()[1]
    if count <= ACCESS_PER_DAY:
        return "ok"
    return "limited" if count == ACCESS_PER_DAY + 1 else "silent"


def give_back(redis: Redis, phone: str) -> None:
    """Undo one `take` (its turn rolled back: no summary was sent)."""
    redis.decr(access_key(phone))
