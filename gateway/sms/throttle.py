"""The provider's send rate, per sender: a token bucket in Redis shared by every worker.

A carrier, not our code, is the limit: a long number sends about one SMS a second, a
short code 100 or more (`SMS_RATE_PER_SECOND`). Every send takes a token; tokens come
back at that rate, up to a second's worth plus a reserve. Bulk messages (reminders,
digests) may only take a token while the reserve stays in the bucket, so an OTP or a
dialogue reply finds one at once even while a bulk run saturates the sender.

A bulk message that finds no token is not held in a worker (that would block the
queues behind it): it gets a place in a line of future send times spaced at the rate
and its job is scheduled for then, so a backlog of thousands is spread out instead of
being retried in a busy loop. The script reads Redis's clock, so every worker and
host agrees on the time.
"""

from __future__ import annotations

import math

from redis import Redis

BUCKET_KEY = "sms:rate:{}"        # hash: tokens, at (seconds)
LINE_KEY = "sms:rate:{}:line"     # the next free send time of the bulk line (seconds)
KEY_TTL = 3600
RESERVE_SHARE = 0.2               # of a second's tokens, kept for high-priority sends

# KEYS: bucket, line. ARGV: rate, capacity, reserve, bulk (1/0), ttl, count.
# Returns "<tokens taken> <seconds to wait>" (up to count taken, or none and the wait
# for one). Lua numbers would be truncated to integers on the way back.
_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local rate, capacity, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local bulk, ttl, count = ARGV[4] == '1', tonumber(ARGV[5]), tonumber(ARGV[6])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local need = 1
if bulk then need = 1 + reserve end
local wait, taken = 0, 0
if tokens >= need then
  taken = math.min(count, math.floor(tokens - need + 1))
  tokens = tokens - taken
else
  wait = (need - tokens) / rate
  if bulk then
    local slot = math.max(now + wait, tonumber(redis.call('GET', KEYS[2]) or '0'))
    redis.call('SET', KEYS[2], tostring(slot + 1 / rate), 'EX', ttl)
    wait = slot - now
  end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl)
return tostring(taken) .. ' ' .. tostring(wait)
"""


def shape(rate: float) -> tuple[float, float]:
    """(capacity, reserve) of the bucket for `rate` messages a second."""
    reserve = max(1.0, math.ceil(rate * RESERVE_SHARE))
    return max(1.0, rate) + reserve, reserve


def take(redis: Redis, sender: str, rate: float, bulk: bool) -> float:
    """Take a token to send one message from `sender`: 0.0 when taken, else the
    seconds to wait (for bulk, until the place in line it was given)."""
    taken, wait = take_many(redis, sender, rate, bulk, 1)
    return 0.0 if taken else wait


def take_many(redis: Redis, sender: str, rate: float, bulk: bool,
              count: int) -> tuple[int, float]:
    """Take up to `count` tokens at once (a batch of sends, one round trip): how many
    were taken and, when none, the seconds to wait as `take` gives them."""
    capacity, reserve = shape(rate)
    script = redis.register_script(_SCRIPT)
    answer = script(keys=[BUCKET_KEY.format(sender), LINE_KEY.format(sender)],
                    args=[rate, capacity, reserve, 1 if bulk else 0, KEY_TTL, count])
    taken, wait = (answer.decode() if isinstance(answer, bytes) else answer).split()
    return int(float(taken)), float(wait)
