"""How an RQ worker hands a message to the `gateway smpp` process, through Redis.

A worker pushes a request (message id, phone, text, a reply key and an expiry) on one
list; each `smpp` process pops requests from it (a pop is atomic, so with two processes
each request is taken by exactly one) and pushes the outcome on the request's reply key,
on which the worker waits. A request taken after its expiry is dropped unsent: the
worker has given up on it (and told the outbox "maybe sent"), so sending it later would
go behind the outbox's back.

The process also keeps, for each message it got an SMSC id for, the id by outbox id and
the outbox id by every part's SMSC id (RECEIPT_TTL, longer than the 72 h a receipt may
take): the sweeper's lookup of an interrupted send (`SmppBackend.find_sent`) and the
receipts of a multipart message read them.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from redis import Redis

REQUESTS_KEY = "smpp:requests"
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

    def to_json(self) -> str:
        """The outcome as pushed on the reply key."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Outcome:
        """The inverse of `to_json`."""
        data: dict[str, Any] = json.loads(raw)
        return cls(data["status"], list(data.get("ids") or []), data.get("command_status"))


def push(redis: Redis, request: Request) -> None:
    """Hand a request to whichever `smpp` process takes it first."""
    redis.lpush(REQUESTS_KEY, request.to_json())


def wait(redis: Redis, request: Request, timeout: float) -> Outcome | None:
    """The outcome of a request, or None when none came within `timeout` seconds."""
    got = redis.blpop([REPLY_KEY.format(request.request_id)], timeout=max(timeout, 0.01))
    return Outcome.from_json(got[1]) if got else None


def withdraw(redis: Redis, request: Request) -> bool:
    """Take back a request no process has taken yet (True): it was never submitted.
    False when a process took it meanwhile (LREM and RPOP are atomic, so never both)."""
    return bool(redis.lrem(REQUESTS_KEY, 1, request.to_json()))


def take(redis: Redis, count: int) -> list[Request]:
    """Up to `count` requests, oldest first, without waiting."""
    raw = redis.rpop(REQUESTS_KEY, count) or []
    return [Request.from_json(item) for item in raw]


def answer(redis: Redis, request: Request, outcome: Outcome) -> None:
    """Give the worker its outcome; remember an accepted message's SMSC ids."""
    with redis.pipeline(transaction=False) as pipe:
        key = REPLY_KEY.format(request.request_id)
        pipe.rpush(key, outcome.to_json())
        pipe.expire(key, REPLY_TTL)
        if outcome.status == OK and outcome.ids:
            pipe.set(SENT_KEY.format(request.message_id), outcome.ids[0], ex=RECEIPT_TTL)
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
