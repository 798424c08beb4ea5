"""Live dialogue state in Redis: the saved dialogue per phone or USSD session (with
an idle TTL), the per-phone line of messages waiting their turn and the lock of the one
being handled, and the answers to already-handled provider messages."""

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
WAITER_GRACE_SECONDS = 2   # a waiter silent this long (it polls every 5 ms) is dead
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


# One round trip to start a turn, and the same script while waiting for it. Messages of
# one phone line up in a queue (a sorted set of tokens by ticket number, taken in the
# order the script first runs for them, i.e. arrival order); only the head of the line
# may take the phone's lock and run. A retry of a message already in line shares its
# token (its place) instead of taking a second one. Every waiter refreshes a deadline
# each time it polls; a head whose holder stopped polling (a crashed request) or whose
# lock expired is skipped, so a dead request never blocks the phone for long.
#
# KEYS: seen, lock, queue, alive (token -> deadline ms), dialogue, twin (the token of
# this provider message), ticket counter. ARGV: token, lock ms, waiter grace ms,
# 1 on the first call of a request, expiry ms of the queue's keys.
# Returns {'seen', reply, false} | {'go', dialogue, token} | {'wait', false, token}.
_BEGIN = """
local seen = redis.call('GET', KEYS[1])
if seen then return {'seen', seen, false} end
local token, keep = ARGV[1], ARGV[5]
if not redis.call('ZSCORE', KEYS[3], token) then
  local twin = ARGV[4] == '1' and redis.call('GET', KEYS[6])
  if twin and redis.call('ZSCORE', KEYS[3], twin) then
    token = twin
  else
    -- A new message, or a waiter skipped as dead while it stalled: the back of the line.
    redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[7]), token)
    redis.call('SET', KEYS[6], token, 'PX', keep)
  end
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
for _, key in ipairs({KEYS[3], KEYS[4], KEYS[7]}) do redis.call('PEXPIRE', key, keep) end
local holder = redis.call('GET', KEYS[2])
if holder then
  -- The holder's own twin must not stretch its deadline; others show they are alive.
  if holder ~= token then redis.call('HSET', KEYS[4], token, now + tonumber(ARGV[3])) end
  return {'wait', false, token}
end
while true do
  local head = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
  if head == token then break end
  if tonumber(redis.call('HGET', KEYS[4], head) or '0') >= now then
    redis.call('HSET', KEYS[4], token, now + tonumber(ARGV[3]))
    return {'wait', false, token}
  end
  redis.call('ZREM', KEYS[3], head)
  redis.call('HDEL', KEYS[4], head)
end
redis.call('SET', KEYS[2], token, 'PX', ARGV[2])
redis.call('HSET', KEYS[4], token, now + tonumber(ARGV[2]))
return {'go', redis.call('GET', KEYS[5]) or false, token}
"""
# One round trip to end it. KEYS: lock, seen, queue, alive, then the dialogues to save;
# ARGV: token, reply ('' = do not remember), its TTL, then a (json, ttl) pair per
# dialogue ('' deletes it). The turn leaves the line; the lock is released only if it
# is still this turn's (1), else 0.
_FINISH = """
for i = 5, #KEYS do
  local value, ttl = ARGV[2 * i - 6], ARGV[2 * i - 5]
  if value == '' then redis.call('DEL', KEYS[i])
  else redis.call('SET', KEYS[i], value, 'EX', ttl) end
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# A waiter that gave up leaves the line (unless its token is running as a twin's turn).
_LEAVE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[3], ARGV[1])
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
    phone: str = ""
    reply: dict[str, Any] | None = None
    saved: dict[str, Any] = field(default_factory=dict)


def begin(redis: Redis, provider: str, provider_id: str, phone: str,
          key: str) -> Claim | None:
    """Start a turn: wait in the phone's line until this message is at its head (None:
    it was not within LOCK_WAIT_SECONDS, and it left the line)."""
    claim = Claim(f"lock:phone:{phone}", uuid.uuid4().hex, phone)
    script = _script(redis, _BEGIN)
    keys = [_seen_key(provider, provider_id), claim.lock_key, *_line_keys(phone), key,
            f"twin:{provider}:{provider_id}", f"ticket:phone:{phone}"]
    keep_ms = int((LOCK_SECONDS + LOCK_WAIT_SECONDS) * 2000)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    first = "1"
    while True:
        status, value, token = script(keys=keys, args=[
            claim.token, int(LOCK_SECONDS * 1000), int(WAITER_GRACE_SECONDS * 1000), first,
            keep_ms])
        first = "0"
        status = status.decode() if isinstance(status, bytes) else status
        if status == "seen":
            claim.reply = json.loads(value)
            return claim
        # A retry of a waiting message takes over its token (its place in line).
        claim.token = token.decode() if isinstance(token, bytes) else token
        if status == "go":
            claim.saved = json.loads(value) if value else {}
            return claim
        if time.monotonic() >= deadline:
            _script(redis, _LEAVE)(keys=[claim.lock_key, *_line_keys(phone)], args=[claim.token])
            return None
        time.sleep(LOCK_POLL_SECONDS)


def finish(redis: Redis, claim: Claim, provider: str, provider_id: str,
           reply: dict[str, Any] | None, saves: list[tuple[str, dict[str, Any], int]]) -> bool:
    """End a turn in one round trip: save dialogues (an empty one is deleted), remember
    the reply (unless None), leave the line and release the lock. False if the lock
    had expired."""
    keys = [claim.lock_key, _seen_key(provider, provider_id), *_line_keys(claim.phone),
            *(key for key, _, _ in saves)]
    args: list[Any] = [claim.token, json.dumps(reply) if reply is not None else "",
                       SEEN_SECONDS]
    for _, dialogue, ttl in saves:
        args += [json.dumps(dialogue, separators=(",", ":")) if dialogue else "", ttl or 1]
    return bool(_script(redis, _FINISH)(keys=keys, args=args))


def release(redis: Redis, claim: Claim) -> None:
    """Leave the line and release the phone's lock without saving anything (the turn
    failed)."""
    _script(redis, _FINISH)(keys=[claim.lock_key, "-", *_line_keys(claim.phone)],
                            args=[claim.token, "", 0])


def _line_keys(phone: str) -> list[str]:
    """The phone's line: the queue of waiting tokens and their deadlines."""
    return [f"line:phone:{phone}", f"alive:phone:{phone}"]


def _seen_key(provider: str, provider_id: str) -> str:
    return f"seen:{provider}:{provider_id}"
