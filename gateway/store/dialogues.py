"""Live dialogue state in Redis: the saved dialogue per phone or USSD session (with
an idle TTL), a per-phone lock, and the answers to already-handled provider messages."""

from __future__ import annotations

import json
from typing import Any

from redis import Redis
from redis.lock import Lock

LOCK_SECONDS = 15          # longest a turn may hold a phone's lock
LOCK_WAIT_SECONDS = 10     # how long a concurrent message waits its turn
SEEN_SECONDS = 2 * 24 * 3600


def dialogue_key(channel: str, ident: str) -> str:
    """Key of the saved dialogue: per phone for SMS, per session for USSD."""
    return f"dlg:{channel}:{ident}"


def load(redis: Redis, key: str) -> dict[str, Any]:
    """The saved dialogue (an empty dict when there is none or it expired)."""
    raw = redis.get(key)
    return json.loads(raw) if raw else {}


def save(redis: Redis, key: str, dialogue: dict[str, Any], ttl_seconds: int) -> None:
    """Save the dialogue with an idle TTL; an empty dialogue is deleted."""
    if dialogue:
        redis.set(key, json.dumps(dialogue, separators=(",", ":")), ex=ttl_seconds)
    else:
        redis.delete(key)


def resume_key(channel: str, phone: str) -> str:
    """Key of the copy of an unfinished form kept after its dialogue expired."""
    return f"resume:{channel}:{phone}"


def phone_lock(redis: Redis, phone: str) -> Lock:
    """The lock that makes one phone's messages run one at a time."""
    return redis.lock(f"lock:phone:{phone}", timeout=LOCK_SECONDS,
                      blocking_timeout=LOCK_WAIT_SECONDS, sleep=0.005)


def seen_reply(redis: Redis, provider: str, provider_id: str) -> dict[str, Any] | None:
    """The reply already given to this provider message, if it was handled."""
    raw = redis.get(f"seen:{provider}:{provider_id}")
    return json.loads(raw) if raw else None


def remember_reply(redis: Redis, provider: str, provider_id: str, reply: dict[str, Any]) -> None:
    """Remember the reply so a retried webhook gets the same answer without a turn."""
    redis.set(f"seen:{provider}:{provider_id}", json.dumps(reply), ex=SEEN_SECONDS)
