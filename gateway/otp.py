"""One-time passwords that prove a caller holds a phone: issuing a code, checking it.

This module owns the OTP state in Redis and nothing else: sending the SMS, wording
the replies and remembering that a phone is verified belong to the caller.

Per phone: `otp:code:{phone}` is a hash (keyed hash of the live code, wrong tries,
expiry) with a TTL, and `otp:sent:{phone}` is a sorted set of the issue times of the
last 24 hours, which drives both per-phone limits. `otp:global:{minute}` counts codes
issued across all phones in one clock minute. Every key expires by itself.

Security reasoning:
- Keyed hash: Redis holds HMAC-SHA256(SECRET_KEY, phone, code), never the code. There
  are only a million codes, so a plain or unkeyed hash found in a dump, a replica or
  MONITOR/SLOWLOG output (the hash is a script argument) is reversed at once; without
  the key it is useless. The phone is inside the MAC so a hash cannot be moved to
  another number.
- Constant time: the stored and offered hashes are compared with
  `hmac.compare_digest`, so response timing says nothing about how close a guess was.
- Single use: a verified code is deleted in the same atomic step that accepts it, so
  a code read over a shoulder or replayed cannot be used again, and two racing
  verifications cannot both succeed. Issuing a new code replaces the previous one.
- Wrong tries: counted atomically against the code they were compared with; the
  fifth wrong try kills the code. A guess is only accepted while fewer than five wrong
  tries are recorded, so concurrent guessing gets no more than five chances in a
  million per code.
- Global ceiling: the per-phone limits do not stop SMS pumping (fraudsters asking codes
  for many premium or foreign numbers to share the termination fees), so issuing also
  stops at a ceiling of codes per minute across all numbers.

Decisions:
- Redis may lose `otp:sent:{phone}` (a restart without persistence, a failover to a
  replica that lagged). The limits must not reset then, so a caller passes `history`,
  the times of the OTP SMS the outbox (the source of truth) holds for the phone; when
  the key is missing, the limits are rebuilt from it before counting. Only a phone
  without the key pays for the look-up.
- "Per day" is a rolling 24 hours, not the local calendar day: it needs no timezone
  and does not allow twenty codes across midnight. The 15-minute window rolls too.
  Refused requests are not counted and never replace the live code.
- The global ceiling counts per clock minute (a fixed window): cheap, and a burst
  across a minute boundary is bounded by twice the ceiling.
- Input is normalised (spaces, dots, dashes, commas dropped); anything that is then not
  six ASCII digits is "malformed" and costs no try: it cannot equal any code, so
  answering it reveals nothing, and a typo like "12345" does not burn a try.
- The clock (`now`) is the caller's (aware datetime, default: now); code expiry is
  checked against it, and the Redis TTLs only collect garbage.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from redis import Redis

CODE_DIGITS = 6
DAY_SECONDS = 24 * 3600
MINUTE_SECONDS = 60
SETTLE_ATTEMPTS = 3          # re-reads when the code changed between read and settle
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SEPARATORS = re.compile(r"[\s.,\-]+")
CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class Limits:
    """How long a code lives and how many codes and tries are allowed."""

    ttl_seconds: int = 300
    max_tries: int = 5
    per_window: int = 3
    window_seconds: int = 900
    per_day: int = 10
    global_per_minute: int = 300

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive whole number, not {value!r}")


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Issued:
    """A new code: send `code` by SMS (never log it); it is valid until `expires_at`.
    `receipt` is what `revoke` needs to take the issue back."""

    code: str = field(repr=False)  # so logging an Issued cannot leak the code
    expires_at: datetime
    receipt: tuple[str, int, str] = field(default=("", 0, ""), repr=False, compare=False)


@dataclass(frozen=True)
class Refused:
    """No code was issued: `reason` is "too_many_recent", "too_many_today" or "busy"
    (the global ceiling); a new code can be asked for in `retry_after` seconds."""

    reason: str
    retry_after: int


@dataclass(frozen=True)
class Verdict:
    """The result of checking a code: "ok", "wrong", "expired" (no live code: never
    issued, expired or already used), "locked" (too many wrong tries, ask a new code)
    or "malformed" (not six digits; no try used). `tries_left` is set for "wrong"
    (and is 0 for "locked")."""

    result: str
    tries_left: int | None = None


# Rebuild the issue times from the outbox's history (ARGV[12…]) if Redis lost them,
# check both per-phone limits, then the global ceiling; only if all pass, record the
# issue and replace the phone's code. Times are integer milliseconds.
ISSUE_LUA = """
local now, window, per_window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local day, per_day = tonumber(ARGV[4]), tonumber(ARGV[5])
if #ARGV > 11 and redis.call('EXISTS', KEYS[1]) == 0 then
  for i = 12, #ARGV do redis.call('ZADD', KEYS[1], ARGV[i], 'outbox:' .. i) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - day)
local reason, wait = false, 0
local function check(name, span, limit)
  local sent = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - span), '+inf', 'WITHSCORES')
  local count = #sent / 2
  if count >= limit then
    local until_ = tonumber(sent[2 * (count - limit) + 2]) + span - now
    if not reason or until_ > wait then reason, wait = name, until_ end
  end
end
check('too_many_today', day, per_day)
check('too_many_recent', window, per_window)
if reason then return {reason, wait} end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[6]) then
  return {'busy', tonumber(ARGV[7])}
end
redis.call('ZADD', KEYS[1], now, ARGV[8])
redis.call('PEXPIRE', KEYS[1], day)
redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], 120000)  -- its minute, and slack
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'h', ARGV[9], 'tries', 0, 'exp', ARGV[10])
redis.call('PEXPIRE', KEYS[2], ARGV[11])
return {'issued', 0}
"""

# Record the outcome of a comparison made by the caller, but only if the code it was
# made against is still the live one ('changed' otherwise: read again). The same
# digest means the same code, so its expiry was already checked with the read.
SETTLE_LUA = """
local state = redis.call('HMGET', KEYS[1], 'h', 'tries')
if state[1] ~= ARGV[1] then return {'changed', 0} end
local tries = tonumber(state[2])
if tries >= tonumber(ARGV[3]) then return {'locked', tries} end
if ARGV[2] == 'ok' then
  redis.call('DEL', KEYS[1])
  return {'ok', tries}
end
return {'wrong', redis.call('HINCRBY', KEYS[1], 'tries', 1)}
"""


def issue(redis: Redis, phone: str, secret: str | bytes, limits: Limits = DEFAULT_LIMITS,
          now: datetime | None = None,
          history: Callable[[datetime], Iterable[datetime]] | None = None) -> Issued | Refused:
    """Issue a new code for `phone` (E.164), replacing its previous code, unless a
    limit refuses it; a refusal leaves the live code alone. `history(since)` gives the
    times codes were sent to the phone since `since`, read only when Redis lost them."""
    key = _key(phone, secret)
    now_ms = _ms(now)
    seeds: list[int] = []
    if history is not None and not redis.exists(f"otp:sent:{phone}"):
        since = datetime.fromtimestamp((now_ms - DAY_SECONDS * 1000) / 1000, UTC)
        seeds = [_ms(moment) for moment in history(since)]
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minute = now_ms // (MINUTE_SECONDS * 1000)
    expires_ms = now_ms + limits.ttl_seconds * 1000
    member, digest = secrets.token_hex(8), _digest(key, phone, code)
    reason, wait_ms = redis.register_script(ISSUE_LUA)(
        keys=[f"otp:sent:{phone}", f"otp:code:{phone}", f"otp:global:{minute}"],
        args=[now_ms, limits.window_seconds * 1000, limits.per_window,
              DAY_SECONDS * 1000, limits.per_day, limits.global_per_minute,
              (minute + 1) * MINUTE_SECONDS * 1000 - now_ms, member,
              digest, expires_ms, limits.ttl_seconds * 1000, *seeds])
    reason = _text(reason)
    if reason == "issued":
        return Issued(code, datetime.fromtimestamp(expires_ms / 1000, UTC),
                      (member, minute, digest))
    return Refused(reason, max(1, math.ceil(int(wait_ms) / 1000)))


# Take an issue back: its entry in the phone's log, its count in the global minute, and
# the code itself if it is still the live one. KEYS as ISSUE_LUA; ARGV: log entry, digest.
REVOKE_LUA = """
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'h') == ARGV[2] then redis.call('DEL', KEYS[2]) end
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
return 1
"""


def revoke(redis: Redis, phone: str, issued: Issued) -> None:
    """Undo `issue` when its SMS was never queued (the caller's transaction rolled
    back): the code is deleted and the issue no longer counts against the phone's
    limits or the global ceiling. A code it replaced stays replaced."""
    member, minute, digest = issued.receipt
    redis.register_script(REVOKE_LUA)(
        keys=[f"otp:sent:{phone}", f"otp:code:{phone}", f"otp:global:{minute}"],
        args=[member, digest])


def forget(redis: Redis, phone: str) -> None:
    """Drop the phone's live code (its erasure). The issue times stay until they
    expire by themselves (24 hours): they are the limits against SMS pumping, and an
    erasure must not reset them."""
    redis.delete(f"otp:code:{phone}")


def verify(redis: Redis, phone: str, code: str, secret: str | bytes,
           limits: Limits = DEFAULT_LIMITS, now: datetime | None = None) -> Verdict:
    """Check `code` against the live code of `phone`; a right code is used up."""
    key = _key(phone, secret)
    now_ms = _ms(now)
    digits = normalise(code)
    if digits is None:
        return Verdict("malformed")
    offered = _digest(key, phone, digits).encode()
    code_key = f"otp:code:{phone}"
    for _ in range(SETTLE_ATTEMPTS):
        stored, tries, expires = redis.hmget(code_key, "h", "tries", "exp")
        if stored is None or expires is None or now_ms >= int(expires):
            return Verdict("expired")
        if int(tries) >= limits.max_tries:
            return Verdict("locked", 0)
        stored = stored.encode() if isinstance(stored, str) else stored
        outcome = "ok" if hmac.compare_digest(stored, offered) else "wrong"
        result, tries = redis.register_script(SETTLE_LUA)(
            keys=[code_key], args=[stored, outcome, limits.max_tries])
        result = _text(result)
        if result == "changed":
            continue
        if result == "wrong":
            left = limits.max_tries - int(tries)
            return Verdict("wrong", left) if left > 0 else Verdict("locked", 0)
        return Verdict(result, 0 if result == "locked" else None)
    return Verdict("expired")


def normalise(code: str) -> str | None:
    """The six digits of `code` ("123 456", "123.456" → "123456"), or None."""
    digits = SEPARATORS.sub("", code)
    return digits if CODE.fullmatch(digits) else None


def _digest(key: bytes, phone: str, code: str) -> str:
    # The 'otp:' prefix keeps these MACs apart from anything else keyed by SECRET_KEY.
    return hmac.new(key, f"otp:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _key(phone: str, secret: str | bytes) -> bytes:
    """The HMAC key, after checking the arguments a caller could get wrong."""
    if not E164.fullmatch(phone):
        raise ValueError(f"phone must be in E.164 (+84912345678), not {phone!r}")
    if not secret:
        raise ValueError("an OTP needs a non-empty secret (SECRET_KEY)")
    return secret.encode() if isinstance(secret, str) else secret


def _ms(now: datetime | None) -> int:
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return (now - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
