"""Outbound SMS: the database outbox is the source of truth; RQ jobs only carry ids.

`enqueue` hands a queued row to a worker (`hand_over`: the rows a transaction
committed, after its commit); `deliver` claims it atomically (so a job run
twice sends once), sends it through the configured backend and records the result.
A failed send is rescheduled by the outbox, one schedule per message up to its horizon
(gateway/sms/retry.py); a provider in trouble (429, 5xx, unreachable) pauses every
worker's sends to it (gateway/sms/breaker.py), and messages met while paused wait
without using an attempt. What a lost job or a dead worker leaves behind, the
sweeper (gateway/sms/sweeper.py) finds and hands over again — so nothing is lost, and
the claim keeps anything from being sent twice.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue, Retry, get_current_job
from sqlalchemy.orm import Session

from gateway import sealing
from gateway.config import Config
from gateway.ops import metrics
from gateway.runtime import Runtime, current
from gateway.sms import breaker, providers, retry, throttle
from gateway.sms.backends import Backend, Outgoing, SendError
from gateway.store import messages, phones
from gateway.store.db import transaction
from gateway.store.models import utcnow

log = logging.getLogger(__name__)

# RQ's own retries only cover a job that crashed (e.g. the database restarting); a
# failed send is rescheduled by the outbox itself (gateway/sms/retry.py).
CRASH_RETRIES = [5, 30, 120]             # seconds
# Sent even after STOP; an exposure notice is the health authority's, not marketing.
ESSENTIAL_KINDS = frozenset({"otp", "reply", "alert", "notice", "exposure"})
# RQ kills a job running longer than this (the sweeper relies on it: gateway/sms/sweeper.py).
JOB_TIMEOUT = 60
SPREAD_SECONDS = 2.0      # paused messages come back spread over this much time
# Redis: message id → id of its latest RQ job, in hashes of JOB_BUCKET ids each (a
# chunk's hundred pointers are then one command, not a hundred).
JOBS_KEY = "sms:jobs:{}"
JOB_BUCKET = 1000
JOB_KEY_TTL = 8 * 24 * 3600             # outlives the job's failure_ttl
FAILURE_TTL = 7 * 24 * 3600
RESULT_TTL = 600
MAX_HOLD = 5.0  # seconds an OTP or reply may wait in a worker for the sender's rate
CHUNK = 100           # bulk messages per delivery job
CHUNK_SECONDS = 1.0   # a bulk job hands the rest of its chunk back to the queue after this
BATCH = 50            # messages handed at once to a backend that sends batches (SMPP)
BATCHES_IN_HAND = 3   # ...of which a worker keeps this many handed over at a time
# A batching backend's chunks are longer: a job drains its batches when it ends, and the
# bind idles meanwhile; the job still hands its rest back after CHUNK_SECONDS.
BATCH_CHUNK = 1000

_backend: tuple[Config, Backend] | None = None


def for_config(config: Config) -> Backend:
    """The backend SMS_BACKEND names (the provider table's)."""
    return providers.backend_for(config)


def backend(runtime: Runtime) -> Backend:
    """This process's backend, built once per configuration (a test process may
    switch between configurations; a worker keeps one)."""
    global _backend
    if _backend is None or _backend[0] is not runtime.config:
        _backend = (runtime.config, for_config(runtime.config))
    return _backend[1]


def _retry() -> Retry:
    return Retry(max=len(CRASH_RETRIES), interval=CRASH_RETRIES)


def enqueue(runtime: Runtime, message_id: int, priority: str, delay: float = 0) -> None:
    """Hand an outbox row to the workers (after the transaction that made it committed),
    at once or, with `delay`, that many seconds from now (RQ's scheduler)."""
    with runtime.redis.pipeline() as pipe:
        _hand_over(runtime, pipe, deliver, message_id, [message_id], priority, delay)
        pipe.execute()


def enqueue_many(runtime: Runtime, message_ids: Sequence[int], priority: str,
                 delay: float = 0) -> None:
    """Hand many outbox rows to the workers, one `deliver_many` job per CHUNK of them
    (BATCH_CHUNK for a backend that takes batches),
    in one Redis round trip (a pipeline, after the transaction that made them
    committed). A job per message would make RQ's bookkeeping most of a bulk run."""
    size = BATCH_CHUNK if hasattr(backend(runtime), "hand_over") else CHUNK
    with runtime.redis.pipeline() as pipe:
        for start in range(0, len(message_ids), size):
            chunk = list(message_ids[start:start + size])
            _hand_over(runtime, pipe, deliver_many, chunk, chunk, priority, delay)
        pipe.execute()


def hand_over(runtime: Runtime, queued: Sequence[tuple[int, str]]) -> None:
    """Hand the outbox rows one transaction committed, as (id, priority), to the workers
    in one Redis round trip: a `deliver` job per message on its priority's queue, as
    `enqueue` does (an OTP or reply must not wait like a bulk chunk). The session hook
    of gateway/store/handoff.py calls it after every commit that queued messages."""
    with runtime.redis.pipeline() as pipe:
        for message_id, priority in queued:
            _hand_over(runtime, pipe, deliver, message_id, [message_id], priority, 0)
        pipe.execute()


def _hand_over(runtime: Runtime, pipe: Pipeline, job: Callable, arg: Any,
               message_ids: list[int], priority: str, delay: float) -> None:
    """Queue `job(arg)` for the messages in `pipe`: each message first remembers the
    job (a crash between the two leaves a pointer to no job, which the sweeper reads as
    lost, never the other way round)."""
    job_id = f"sms-{message_ids[0]}-{uuid4().hex[:8]}"
    buckets: dict[int, list] = {}
    for message_id in message_ids:
        buckets.setdefault(message_id // JOB_BUCKET, []).extend((message_id, job_id))
    for bucket, pairs in buckets.items():
        pipe.hset(JOBS_KEY.format(bucket), items=pairs)
        pipe.expire(JOBS_KEY.format(bucket), JOB_KEY_TTL)
    queue = runtime.queue(priority)
    if not queue.is_async:  # the demo runs jobs inline: the pointers first, then the job
        pipe.execute()
    options = {"job_id": job_id, "retry": _retry(), "failure_ttl": FAILURE_TTL,
               "result_ttl": RESULT_TTL, "description": job.__name__}  # ids, not a text
    if delay > 0:
        # RQ's schedule keeps whole seconds, cut down: round up, or the job would come
        # back before its place in line and only be scheduled again.
        due = datetime.fromtimestamp(math.ceil(time.time() + delay), UTC)
        queue.enqueue_at(due, job, arg, job_timeout=JOB_TIMEOUT, pipeline=pipe, **options)
    else:  # `enqueue` would WATCH keys, which a pipeline with commands cannot
        queue.enqueue_many([Queue.prepare_data(job, args=(arg,), timeout=JOB_TIMEOUT,
                                               **options)], pipeline=pipe)


def deliver(message_id: int) -> str:
    """RQ job: send one outbox message. Returns what became of it ('throttled' or
    'paused' when the sender's rate or an outage made it wait: a job scheduled for
    later will send it)."""
    runtime = current()
    sender = backend(runtime)
    job = get_current_job()
    priority = job.origin if job else "high"
    if not _rate_token(runtime, sender, message_id, priority):
        metrics.SENDS.labels(sender.name, "throttled").inc()
        return "throttled"
    wait, probing = _gate(runtime, sender)
    if wait > 0:
        metrics.SENDS.labels(sender.name, "paused").inc()
        enqueue(runtime, message_id, priority, delay=_spread(wait))
        return "paused"
    return _deliver(runtime, sender, message_id, priority, probing)


def deliver_many(message_ids: list[int]) -> str:
    """RQ job: send a chunk of bulk messages, in order. It never holds its worker: when
    the sender's rate or an outage says wait, or after CHUNK_SECONDS (so OTPs and
    replies never wait long behind bulk), the rest goes back to the queue as a new
    chunk; a message whose send failed is rescheduled on its own (gateway/sms/retry.py).
    A backend that takes batches (SMPP) gets the chunk in batches (`_deliver_batches`)."""
    runtime = current()
    sender = backend(runtime)
    job = get_current_job()
    priority = job.origin if job else "bulk"
    if hasattr(sender, "hand_over"):
        return _deliver_batches(runtime, sender, message_ids, priority)
    started = time.monotonic()
    for index, message_id in enumerate(message_ids):
        if index and time.monotonic() - started > CHUNK_SECONDS:
            enqueue_many(runtime, message_ids[index:], priority)
            return "handed on"
        wait = _rate_wait(runtime, sender, bulk=True)
        if wait > 0:
            metrics.SENDS.labels(sender.name, "throttled").inc()
            enqueue_many(runtime, message_ids[index:], priority, delay=wait)
            return "throttled"
        wait, probing = _gate(runtime, sender)
        if wait > 0:
            metrics.SENDS.labels(sender.name, "paused").inc()
            enqueue_many(runtime, message_ids[index:], priority, delay=_spread(wait))
            return "paused"
        _deliver(runtime, sender, message_id, priority, probing)
    return "sent"


def _deliver_batches(runtime: Runtime, sender: Backend, message_ids: list[int],
                     priority: str) -> str:
    """`deliver_many` through a backend that takes batches (`hand_over` / `collect`:
    the SMPP link keeps its window full with them, where one message per round trip
    would leave the bind idle). BATCHES_IN_HAND are in hand at a time: the next is
    claimed and handed over while the link sends the others. The same rules as one by one: the
    sender's rate (a token per message), its shared back-off (a probe goes alone),
    CHUNK_SECONDS."""
    started = time.monotonic()
    index, outcome = 0, "sent"
    in_hand: deque[_Batch] = deque()
    try:
        while index < len(message_ids):
            if index and time.monotonic() - started > CHUNK_SECONDS:
                enqueue_many(runtime, message_ids[index:], priority)
                outcome = "handed on"
                break
            wait, probing = _gate(runtime, sender)
            if wait > 0:
                metrics.SENDS.labels(sender.name, "paused").inc()
                enqueue_many(runtime, message_ids[index:], priority, delay=_spread(wait))
                outcome = "paused"
                break
            if probing:  # one message alone finds out whether the provider is back
                _deliver(runtime, sender, message_ids[index], priority, probing)
                index += 1
                continue
            taken, wait = _rate_take(runtime, sender, min(BATCH, len(message_ids) - index))
            if taken:
                batch = _start_batch(runtime, sender, message_ids[index:index + taken],
                                     priority)
                index += taken
                if batch is not None:
                    in_hand.append(batch)
                if len(in_hand) >= BATCHES_IN_HAND:
                    _finish_batch(runtime, sender, in_hand.popleft())
            elif wait > 0:
                metrics.SENDS.labels(sender.name, "throttled").inc()
                enqueue_many(runtime, message_ids[index:], priority, delay=wait)
                outcome = "throttled"
                break
    finally:
        while in_hand:
            _finish_batch(runtime, sender, in_hand.popleft())
    return outcome


@dataclass
class _Batch:
    """Messages claimed and handed to a batching backend, awaiting their outcomes."""

    priority: str
    ready: list[tuple[Outgoing, messages.Claimed]]
    handle: Any


def _rate_take(runtime: Runtime, sender: Backend, count: int) -> tuple[int, float]:
    """Up to `count` bulk tokens of the sender's rate at once: (taken, seconds to wait
    when none was)."""
    if runtime.config.demo:
        return count, 0.0
    return throttle.take_many(runtime.redis, _sender_key(sender),
                              runtime.config.sms_rate_per_second, True, count)


def _start_batch(runtime: Runtime, sender: Any, batch: list[int],
                 priority: str) -> _Batch | None:
    """Claim a batch in one transaction and hand what was claimed to the backend."""
    ready: list[tuple[Outgoing, messages.Claimed]] = []
    with transaction(runtime.sessions) as session:
        for message in messages.claim_many(session, batch, sender.name, sender.sender):
            outgoing = _outgoing(runtime, session, message)
            if not isinstance(outgoing, str):
                ready.append((outgoing, message))
    if not ready:
        return None
    handle = sender.hand_over([outgoing for outgoing, _ in ready], urgent=priority != "bulk")
    return _Batch(priority, ready, handle)


def _finish_batch(runtime: Runtime, sender: Any, batch: _Batch) -> None:
    """Wait for a batch's outcomes and record them (the sent ones in one transaction)."""
    results = sender.collect(batch.handle, len(batch.ready))
    sent = []
    for (outgoing, message), result in zip(batch.ready, results, strict=True):
        if isinstance(result, SendError):
            metrics.SENDS.labels(sender.name, "error").inc()
            _failed(runtime, sender, message, result, batch.priority)
        else:
            metrics.SENDS.labels(sender.name, "sent").inc()
            sent.append((outgoing.message_id, result))
    with transaction(runtime.sessions) as session:
        messages.mark_sent_many(session, sent)


def _gate(runtime: Runtime, sender: Backend) -> tuple[float, bool]:
    """(seconds to wait, whether this send is the probe) of the sender's shared
    back-off; the demo never waits."""
    if runtime.config.demo:
        return 0.0, False
    return breaker.gate(runtime.redis, _sender_key(sender))


def _spread(wait: float) -> float:
    """A paused message comes back a little after the pause, not all at one instant."""
    return wait + random.uniform(0, SPREAD_SECONDS)


def _sender_key(sender: Backend) -> str:
    return sender.sender or sender.name


def _deliver(runtime: Runtime, sender: Backend, message_id: int, priority: str,
             probing: bool = False) -> str:
    """Claim one message, send it and record the result. A probe that sends nothing
    (the message was taken meanwhile) hands the probe on at once."""
    result = _claim_and_send(runtime, sender, message_id, priority, probing)
    if probing and result in ("not-queued", "suppressed", "failed-unreadable"):
        breaker.release_probe(runtime.redis, _sender_key(sender))
    return result


def _claim_and_send(runtime: Runtime, sender: Backend, message_id: int, priority: str,
                    probing: bool) -> str:
    with transaction(runtime.sessions) as session:
        message = messages.claim(session, message_id, sender.name, sender.sender)
        if message is None:
            return "not-queued"  # already sent, or another job has it
        outgoing = _outgoing(runtime, session, message)
        if isinstance(outgoing, str):
            return outgoing
    return _send(runtime, sender, outgoing, message, priority, probing)


def _outgoing(runtime: Runtime, session: Session,
              message: messages.Claimed) -> Outgoing | str:
    """What to send for a claimed message, or why it is not sent ("suppressed": the
    phone opted out; "failed-unreadable": its sealed text cannot be read)."""
    if message.kind not in ESSENTIAL_KINDS and phones.opted_out(session, message.phone):
        messages.mark_failed(session, message.id, None, "phone opted out", "suppressed")
        return "suppressed"
    try:
        body = (sealing.unseal(runtime.config.effective_secret, message.sealed)
                if message.sealed else message.body)
    except sealing.Unreadable as error:
        messages.mark_failed(session, message.id, None, str(error))
        count_failure(runtime, message.id, message.kind, "unreadable", str(error))
        return "failed-unreadable"
    return Outgoing(message.id, message.phone, body)


def _rate_wait(runtime: Runtime, sender: Backend, bulk: bool) -> float:
    """Take a token of the sender's rate: 0 when taken, else the seconds to wait (for
    bulk, until its place in line). The demo never waits: its jobs run inline."""
    if runtime.config.demo:
        return 0.0
    return throttle.take(runtime.redis, _sender_key(sender),
                         runtime.config.sms_rate_per_second, bulk=bulk)


def _rate_token(runtime: Runtime, sender: Backend, message_id: int, priority: str) -> bool:
    """Take a token of the sender's rate. An OTP or reply waits for it here (briefly:
    the bucket keeps a reserve for them); a bulk message never holds a worker, it is
    scheduled for its place in line instead (False)."""
    held = 0.0
    while True:
        wait = _rate_wait(runtime, sender, bulk=priority == "bulk")
        if wait <= 0:
            return True
        if priority == "bulk" or held + wait > MAX_HOLD:
            enqueue(runtime, message_id, priority, delay=wait)
            return False
        time.sleep(wait)
        held += wait


def _send(runtime: Runtime, sender: Backend, outgoing: Outgoing,
          message: messages.Claimed, priority: str, probing: bool) -> str:
    try:
        provider_id = sender.send(outgoing)
    except SendError as error:
        metrics.SENDS.labels(sender.name, "error").inc()
        return _failed(runtime, sender, message, error, priority)
    metrics.SENDS.labels(sender.name, "sent").inc()
    if probing:
        breaker.close(runtime.redis, _sender_key(sender))
    with transaction(runtime.sessions) as session:
        # A backend whose outbox is the phone's inbox (the development one: its phone
        # simulator shows the outbox) keeps the sealed text.
        messages.mark_sent(session, outgoing.message_id, provider_id,
                           keep_sealed=getattr(sender, "keeps_sealed_text", False))
    return "sent"


def _failed(runtime: Runtime, sender: Backend, message: messages.Claimed, error: SendError,
            priority: str) -> str:
    """Record a failed send: pause the sender if the provider is in trouble; then the
    message waits for the sweeper (maybe sent), is scheduled again (within its
    horizon) or fails for good (a permanent error, or the horizon reached)."""
    log.warning("send failed", extra={"message_id": message.id, "code": error.code,
                                      "reason": error.reason, "attempts": message.attempts})
    if error.provider_trouble or error.maybe_sent:
        paused = breaker.trip(runtime.redis, _sender_key(sender), error.retry_after)
        log.warning("sender paused", extra={"sender_backend": sender.name,
                                            "seconds": round(paused, 1)})
    if error.maybe_sent:
        return "sending"  # left for the sweeper to reconcile with the provider
    now = utcnow()
    due = (retry.next_attempt(runtime.config, message.kind, message.created_at,
                              message.attempts, now) if error.retryable else None)
    with transaction(runtime.sessions) as session:
        if due is None:
            changed = messages.mark_failed(session, message.id, error.code, error.reason)
        else:
            changed = messages.mark_failed(session, message.id, error.code, error.reason,
                                           "queued", next_attempt_at=due)
    if due is None:
        if changed:
            count_failure(runtime, message.id, message.kind,
                           "horizon" if error.retryable else "permanent", error.reason)
        return "failed"
    enqueue(runtime, message.id, priority, delay=(due - now).total_seconds())
    return "retry"


def count_failure(runtime: Runtime, message_id: int, kind: str, reason: str,
                   detail: str) -> None:
    """A message is given up: an ERROR line and the failure metric operators alert on."""
    log.error("outbound message failed", extra={"message_id": message_id, "kind": kind,
                                                "failure": reason, "reason": detail})
    try:
        metrics.count_failure(runtime.redis, kind, reason)
    except RedisError:  # the row says `failed` whatever happens to the counter
        log.warning("failure not counted: Redis unavailable")


def job_of(redis: Redis, message_id: int) -> str | None:
    """The id of the latest job handed the message, if any."""
    job_id = redis.hget(JOBS_KEY.format(message_id // JOB_BUCKET), message_id)
    return job_id.decode() if isinstance(job_id, bytes) else job_id
