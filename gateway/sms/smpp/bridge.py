"""How an RQ worker hands a message to the `gateway smpp` process, through Redis.

A worker pushes a request (message id, phone, text, a reply key and an expiry) on a
list; each `smpp` process pops requests from it (a pop is atomic, so with two processes
each request is taken by exactly one) and pushes the outcome on the request's reply key,
on which the worker waits. A worker sending a bulk chunk pushes a batch of requests at
once, all answered on one reply key (the window then stays full: one request at a time
per worker would leave a carrier bind idle between round trips). OTPs and replies go on
a list of their own, which the processes empty first, so a bulk batch never delays
them. A request taken after its expiry is dropped unsent: the worker has given up on it
(and told the outbox "maybe sent"), so sending it later would go behind the outbox's
back.

The process also keeps, for each message it got an SMSC id for, the id by outbox id and
the outbox id by every part's SMSC id (RECEIPT_TTL, longer than the 72 h a receipt may
take): the sweeper's lookup of an interrupted send (`SmppBackend.find_sent`) and the
receipts of a multipart message read them.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from redis import Redis

REQUESTS_KEY = "smpp:requests"            # bulk batches
URGENT_KEY = "smpp:requests:urgent"       # OTPs, replies, alerts: taken first
REPLY_KEY = "smpp:reply:{}"
SENT_KEY = "smpp:sent:{}"          # outbox id -> the SMSC id of its first part
PART_KEY = "smpp:part:{}"          # an SMSC id (any part) -> outbox id
LINKS_KEY = "smpp:links"           # sorted set: bound process -> until (Unix time)
REPLY_TTL = 60                     # seconds an answer nobody read stays
RECEIPT_TTL = 80 * 3600            # receipts can come days late: at least 72 h

OK = "ok"                    # every part accepted: `ids`
REFUSED = "refused"          # the SMSC answered an error: `command_status`
DOWN = "down"                # not bound: nothing was submitted
EXPIRED = "expired"          # taken after the worker's deadline: nothing was submitted
MAYBE = "maybe"              # submitted, then the link dropped before every answer came


@dataclass(frozen=True)
class Request:
    """One message for the SMSC; `expires` is a Unix time."""

    request_id: str
    message_id: int
    phone: str
    body: str
    expires: float
    urgent: bool = True
    reply_to: str = ""        # a batch's reply key; else the request's own

    @property
    def queue(self) -> str:
        """The list the request waits on."""
        return URGENT_KEY if self.urgent else REQUESTS_KEY

    @property
    def reply_key(self) -> str:
        """Where its outcome is pushed."""
        return REPLY_KEY.format(self.reply_to or self.request_id)

    def to_json(self) -> str:
        """The request as pushed on REQUESTS_KEY."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Request:
        """The inverse of `to_json`."""
        return cls(**json.loads(raw))

    @property
    def expired(self) -> bool:
        """True once the worker that made it has stopped waiting."""
        return time.time() > self.expires


@dataclass(frozen=True)
class Outcome:
    """What became of a request."""

    status: str
    ids: list[str] = field(default_factory=list)
    command_status: int | None = None
    request_id: str = ""      # which request of a batch it answers

    def to_json(self) -> str:
        """The outcome as pushed on the reply key."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Outcome:
        """The inverse of `to_json`."""
        data: dict[str, Any] = json.loads(raw)
        return cls(data["status"], list(data.get("ids") or []), data.get("command_status"),
                   data.get("request_id", ""))


def push(redis: Redis, request: Request) -> None:
    """Hand a request to whichever `smpp` process takes it first."""
    redis.lpush(request.queue, request.to_json())


def push_batch(redis: Redis, requests: list[Request]) -> None:
    """Hand requests (one reply key for all) over in one round trip, in order."""
    with redis.pipeline(transaction=False) as pipe:
        for request in requests:
            pipe.lpush(request.queue, request.to_json())
        pipe.execute()


def wait(redis: Redis, request: Request, timeout: float) -> Outcome | None:
    """The outcome of a request, or None when none came within `timeout` seconds."""
    got = redis.blpop([request.reply_key], timeout=max(timeout, 0.01))
    return Outcome.from_json(got[1]) if got else None


def wait_batch(redis: Redis, requests: list[Request], timeout: float) -> dict[str, Outcome]:
    """The outcomes that came within `timeout` seconds for a batch, by request id."""
    key, wanted = requests[0].reply_key, len(requests)
    outcomes: dict[str, Outcome] = {}
    deadline = time.monotonic() + timeout
    while len(outcomes) < wanted:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        got = redis.blpop([key], timeout=max(left, 0.01))
        if not got:
            break
        more = redis.lpop(key, wanted) or []  # whatever else is there, in one trip
        for raw in (got[1], *more):
            outcome = Outcome.from_json(raw)
            outcomes[outcome.request_id] = outcome
    return outcomes


def withdraw(redis: Redis, request: Request) -> bool:
    """Take back a request no process has taken yet (True): it was never submitted.
    False when a process took it meanwhile (LREM and RPOP are atomic, so never both)."""
    return bool(redis.lrem(request.queue, 1, request.to_json()))


# KEYS: urgent list, bulk list. ARGV: count. Up to count requests, urgent ones first.
_TAKE = """
local taken = redis.call('RPOP', KEYS[1], ARGV[1]) or {}
local left = tonumber(ARGV[1]) - #taken
if left > 0 then
  for _, item in ipairs(redis.call('RPOP', KEYS[2], left) or {}) do
    taken[#taken + 1] = item
  end
end
return taken
"""


def take(redis: Redis, count: int) -> list[Request]:
    """Up to `count` requests, urgent ones first, oldest first, without waiting (one
    round trip)."""
    raw = redis.register_script(_TAKE)(keys=[URGENT_KEY, REQUESTS_KEY], args=[count])
    return [Request.from_json(item) for item in raw or []]


def answer(redis: Redis, request: Request, outcome: Outcome) -> None:
    """Give the worker its outcome; remember an accepted message's SMSC ids."""
    answer_all(redis, [(request, outcome)])


def answer_all(redis: Redis, answers: list[tuple[Request, Outcome]]) -> None:
    """`answer` for many requests in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for request, outcome in answers:
            key = request.reply_key
            pipe.rpush(key, replace(outcome, request_id=request.request_id).to_json())
            pipe.expire(key, REPLY_TTL)
            if outcome.status == OK and outcome.ids:
                pipe.set(SENT_KEY.format(request.message_id), outcome.ids[0],
                         ex=RECEIPT_TTL)
                for smsc_id in outcome.ids:
                    pipe.set(PART_KEY.format(smsc_id), request.message_id, ex=RECEIPT_TTL)
        pipe.execute()


def sent_id(redis: Redis, message_id: int) -> str | None:
    """The SMSC id a message was accepted with, if it was."""
    value = redis.get(SENT_KEY.format(message_id))
    return value.decode() if isinstance(value, bytes) else value


def message_of(redis: Redis, smsc_id: str) -> int | None:
    """The outbox id of the message an SMSC id (of any of its parts) belongs to."""
    value = redis.get(PART_KEY.format(smsc_id))
    return int(value) if value is not None else None


def mark_bound(redis: Redis, process: str, ttl: float) -> None:
    """This process is bound and taking requests, for `ttl` seconds. (A sorted set, not
    a key per process: a send asks for every send, and a SCAN would walk every key.)"""
    now = time.time()
    with redis.pipeline(transaction=False) as pipe:
        pipe.zadd(LINKS_KEY, {process: now + ttl})
        pipe.zremrangebyscore(LINKS_KEY, "-inf", now - 60)  # processes long gone
        pipe.execute()


def mark_unbound(redis: Redis, process: str) -> None:
    """This process takes no more requests."""
    redis.zrem(LINKS_KEY, process)


def any_bound(redis: Redis) -> bool:
    """Whether some `smpp` process is bound now (else a send would only wait)."""
    return redis.zcount(LINKS_KEY, time.time(), "+inf") > 0
