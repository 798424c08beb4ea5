"""Caps on the OTPs one person can make the gateway send to *other* numbers.

The per-number OTP limits (`gateway.otp`) protect each recipient, and the global
ceiling protects the bill; neither stops one verified declarer from texting a new
number every few seconds through `KH` or USSD menu 6, nor one console account from
texting hundreds. So each such OTP is also counted against whoever caused it:

- a declarer's phone (SMS `KH`, USSD menu 6): OTP_FANOUT_PER_HOUR and
  OTP_FANOUT_PER_DAY, keyed by the phone so opening new USSD sessions resets nothing;
- one USSD session: OTP_FANOUT_PER_SESSION, smaller, so a session is not a pump;
- a console account (hotline call verification, venue staff): OTP_OPERATOR_PER_HOUR.

Each cap is a sorted set of the times of the OTPs it counted (a rolling window, like
the OTP limits), checked and added to in one atomic script: all caps pass and all
count, or none does. What was taken can be given back (the OTP was refused after all,
or the turn that caused it rolled back), so a cap counts only OTPs that went out.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from redis import Redis

from gateway.config import Config

HOUR = 3600
DAY = 24 * HOUR
SESSION_SECONDS = HOUR  # a USSD session lasts minutes; its cap's keys an hour at most


@dataclass(frozen=True)
class Cap:
    """At most `limit` OTPs in any `window` seconds, counted in `key`."""

    key: str
    limit: int
    window: int


@dataclass(frozen=True)
class Taken:
    """One OTP counted against `keys`; `give_back` uncounts it."""

    keys: tuple[str, ...]
    member: str


@dataclass(frozen=True)
class Capped:
    """A cap is reached: another OTP may be caused in `retry_after` seconds."""

    retry_after: int

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up (what a reply says)."""
        return max(1, math.ceil(self.retry_after / 60))


# KEYS: one sorted set per cap; ARGV: member, then (limit, window ms) per key.
# Returns {0, wait ms} when a cap refuses (the longest wait), else {1, 0}.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return {0, wait} end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, ARGV[2 * i + 1])
end
return {1, 0}
"""


def take(redis: Redis, caps: list[Cap]) -> Taken | Capped:
    """Count one OTP against every cap, or none if any is reached."""
    member = secrets.token_hex(8)
    args: list[int | str] = [member]
    for cap in caps:
        args += [cap.limit, cap.window * 1000]
    ok, wait_ms = redis.register_script(_TAKE)(keys=[cap.key for cap in caps], args=args)
    if int(ok):
        return Taken(tuple(cap.key for cap in caps), member)
    return Capped(max(1, math.ceil(int(wait_ms) / 1000)))


def give_back(redis: Redis, taken: Taken | None) -> None:
    """Uncount an OTP that did not go out (nothing for None; twice is harmless)."""
    if taken is None:
        return
    with redis.pipeline(transaction=False) as pipe:
        for key in taken.keys:
            pipe.zrem(key, taken.member)
        pipe.execute()


def declarer_caps(config: Config, phone: str, ussd_session: str = "") -> list[Cap]:
    """The caps of a declarer's phone (and of their USSD session, if any)."""
    caps = [Cap(f"otpfan:declarer:{phone}:hour", config.otp_fanout_per_hour, HOUR),
            Cap(f"otpfan:declarer:{phone}:day", config.otp_fanout_per_day, DAY)]
    if ussd_session:
        caps.append(Cap(f"otpfan:session:{phone}:{ussd_session}",
                        config.otp_fanout_per_session, SESSION_SECONDS))
    return caps


def operator_caps(config: Config, operator: str) -> list[Cap]:
    """The cap of a console account (`operator` identifies it, e.g. its user id)."""
    return [Cap(f"otpfan:operator:{operator}:hour", config.otp_operator_per_hour, HOUR)]

