"""A shared back-off per sender (a circuit breaker in Redis), so an outage at the
provider is met by every worker at once instead of by each job on its own.

When the provider answers 429 or 5xx, or cannot be reached, `trip` pauses sending
to that sender: for the `Retry-After` the provider gave, else for a pause that doubles
with each trip in a row (BASE_PAUSE … MAX_PAUSE, with jitter). While paused, `gate`
tells every worker how long to wait; a message met then is rescheduled without being
claimed, so it burns no attempt. When the pause ends, one worker (the holder of a
short-lived probe key) sends one message: success (`close`) resumes everyone, a
failure trips the breaker again for longer. A probe whose worker died frees itself
when its key expires.

Redis's clock is the time, so every worker and host agrees; every key expires, so a
Redis restart simply closes the breaker (the next trouble trips it again).
"""

from __future__ import annotations

import random

from redis import Redis

PAUSE_KEY = "sms:pause:{}"     # hash: until (seconds), trips (in a row)
PROBE_KEY = "sms:probe:{}"     # the worker sending the one probe message
BASE_PAUSE = 1.0               # seconds after the first trip
MAX_PAUSE = 60.0               # longest pause of our own (Retry-After may ask longer)
PROBE_SECONDS = 20             # a probe's send is over well within this (HTTP timeouts)
PROBE_WAIT = 1.0               # seconds others wait while the probe is out
FORGET_SECONDS = 3600          # a breaker left alone this long forgets its trips

# KEYS: pause, probe. ARGV: probe ttl (ms), probe wait. Returns the seconds to wait
# ('0': go, the breaker is closed; 'probe': go, as the probe).
_GATE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local until_ = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if until_ == 0 then return '0' end
if now < until_ then return tostring(until_ - now) end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 'probe' end
return ARGV[2]
"""

# KEYS: pause, probe. ARGV: retry-after (seconds, '' if none), base, max, jitter (0-1),
# forget (s). Returns the pause set, in seconds.
_TRIP = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local trips = redis.call('HINCRBY', KEYS[1], 'trips', 1)
local pause
if ARGV[1] ~= '' then
  pause = tonumber(ARGV[1])
else
  pause = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (trips - 1))
  pause = pause * (0.5 + 0.5 * tonumber(ARGV[4]))
end
local until_ = math.max(tonumber(redis.call('HGET', KEYS[1], 'until') or '0'), now + pause)
redis.call('HSET', KEYS[1], 'until', tostring(until_))
redis.call('EXPIRE', KEYS[1], math.ceil(until_ - now) + tonumber(ARGV[5]))
redis.call('DEL', KEYS[2])
return tostring(until_ - now)
"""


def gate(redis: Redis, sender: str) -> tuple[float, bool]:
    """(seconds to wait, probing): (0.0, False) when the breaker is closed, (0.0, True)
    when this caller holds the probe (it must `close` or `trip` the breaker after its
    send, or `release_probe` if it sends nothing), else the seconds to wait."""
    waited = redis.register_script(_GATE)(
        keys=[PAUSE_KEY.format(sender), PROBE_KEY.format(sender)],
        args=[PROBE_SECONDS * 1000, PROBE_WAIT])
    waited = waited.decode() if isinstance(waited, bytes) else waited
    return (0.0, True) if waited == "probe" else (float(waited), False)


def release_probe(redis: Redis, sender: str) -> None:
    """The probe holder sent nothing after all: let another worker probe at once."""
    redis.delete(PROBE_KEY.format(sender))


def trip(redis: Redis, sender: str, retry_after: float | None = None) -> float:
    """The provider is in trouble: pause every worker's sends to `sender`. Returns the
    seconds of the pause (a longer pause already set is kept)."""
    paused = redis.register_script(_TRIP)(
        keys=[PAUSE_KEY.format(sender), PROBE_KEY.format(sender)],
        args=["" if retry_after is None else f"{retry_after:.3f}", BASE_PAUSE, MAX_PAUSE,
              random.random(), FORGET_SECONDS])
    return float(paused.decode() if isinstance(paused, bytes) else paused)


def close(redis: Redis, sender: str) -> None:
    """A send went through: resume everyone (a no-op while the breaker is closed)."""
    if redis.exists(PAUSE_KEY.format(sender)):
        redis.delete(PAUSE_KEY.format(sender), PROBE_KEY.format(sender))
