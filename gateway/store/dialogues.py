"""Live dialogue state in Redis: the saved dialogue per phone or USSD session (with
an idle TTL), a per-phone lock, and the answers to already-handled provider messages."""

from __future__ import annotations

import json
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from redis.commands.core import Script
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
    raw = redis.get(_seen_key(provider, provider_id))
    return json.loads(raw) if raw else None


def remember_reply(redis: Redis, provider: str, provider_id: str, reply: dict[str, Any]) -> None:
    """Remember the reply so a retried webhook gets the same answer without a turn."""
    redis.set(_seen_key(provider, provider_id), json.dumps(reply), ex=SEEN_SECONDS)


# One round trip to start a turn: the answer to a handled message, or the phone's lock
# and its saved dialogue (or 'busy' while another message of the phone is handled).
_BEGIN = """
local seen = redis.call('GET', KEYS[1])
if seen then return {'seen', seen} end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'busy', false} end
return {'go', redis.call('GET', KEYS[3]) or false}
"""
# One round trip to end it. KEYS: lock, seen, then the dialogues to save; ARGV: lock
# token, reply ('' = do not remember), its TTL, then a (json, ttl) pair per dialogue
# ('' deletes it). The lock is released only if it is still this turn's.
_FINISH = """
for i = 3, #KEYS do
  local value, ttl = ARGV[2 * i - 2], ARGV[2 * i - 1]
  if value == '' then redis.call('DEL', KEYS[i])
  else redis.call('SET', KEYS[i], value, 'EX', ttl) end
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
LOCK_POLL_SECONDS = 0.005
_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _script(redis: Redis, text: str) -> Script:
    """A registered script, made once per client (its SHA is computed once)."""
    cached = _scripts.setdefault(redis, {})
    if text not in cached:
        cached[text] = redis.register_script(text)
    return cached[text]


@dataclass
class Claim:
    """A started turn: the reply if the message was handled already, else the saved
    dialogue under the phone's lock (released by `finish` or `release`)."""

    lock_key: str
    token: str
    reply: dict[str, Any] | None = None
    saved: dict[str, Any] = field(default_factory=dict)


def begin(redis: Redis, provider: str, provider_id: str, phone: str,
          key: str) -> Claim | None:
    """Start a turn (None: the phone stayed busy for LOCK_WAIT_SECONDS)."""
    claim = Claim(f"lock:phone:{phone}", uuid.uuid4().hex)
    script = _script(redis, _BEGIN)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        status, value = script(keys=[_seen_key(provider, provider_id), claim.lock_key, key],
                               args=[claim.token, LOCK_SECONDS * 1000])
        status = status.decode() if isinstance(status, bytes) else status
        if status == "seen":
            claim.reply = json.loads(value)
            return claim
        if status == "go":
            claim.saved = json.loads(value) if value else {}
            return claim
        if time.monotonic() >= deadline:
            return None
        time.sleep(LOCK_POLL_SECONDS)


def finish(redis: Redis, claim: Claim, provider: str, provider_id: str,
           reply: dict[str, Any] | None, saves: list[tuple[str, dict[str, Any], int]]) -> bool:
    """End a turn in one round trip: save dialogues (an empty one is deleted), remember
    the reply (unless None), release the lock. False if the lock had expired."""
    keys = [claim.lock_key, _seen_key(provider, provider_id), *(key for key, _, _ in saves)]
    args: list[Any] = [claim.token, json.dumps(reply) if reply is not None else "",
                       SEEN_SECONDS]
    for _, dialogue, ttl in saves:
        args += [json.dumps(dialogue, separators=(",", ":")) if dialogue else "", ttl or 1]
    return bool(_script(redis, _FINISH)(keys=keys, args=args))


def release(redis: Redis, claim: Claim) -> None:
    """Release the phone's lock without saving anything (the turn failed)."""
    _script(redis, _FINISH)(keys=[claim.lock_key, "-"], args=[claim.token, "", 0])


def _seen_key(provider: str, provider_id: str) -> str:
    return f"seen:{provider}:{provider_id}"
