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

This module keeps the RQ jobs (`deliver`, `deliver_many`: queued jobs name them by
their dotted path here, so they stay) with when to queue them, and the one-message
path: claim, send, record the result or the failure. Around it: queuing a job and the
pointer from a message to its job (`job_of`) are gateway/sms/jobs.py's; the sender's
rate and pause, asked by both paths, gateway/sms/pacing.py's; a bulk chunk handed to a
backend that takes batches (SMPP), gateway/sms/batches.py's.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from redis.exceptions import RedisError
from rq import get_current_job
from sqlalchemy.orm import Session

from gateway import sealing
from gateway.config import Config
from gateway.ops import metrics
from gateway.runtime import Runtime, current
from gateway.sms import batches, breaker, jobs, pacing, providers, retry
from gateway.sms.backends import Backend, Outgoing, SendError
from gateway.sms.jobs import job_of as job_of  # its callers have always found it here
from gateway.store import messages, phones
from gateway.store.db import transaction
from gateway.store.models import utcnow

log = logging.getLogger(__name__)

# Sent even after STOP; an exposure notice is the health authority's, not marketing.
ESSENTIAL_KINDS = frozenset({"otp", "reply", "alert", "notice", "exposure"})
CHUNK = 100           # bulk messages per delivery job
CHUNK_SECONDS = 1.0   # a bulk job hands the rest of its chunk back to the queue after this
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


def enqueue(runtime: Runtime, message_id: int, priority: str, delay: float = 0) -> None:
    """Hand an outbox row to the workers (after the transaction that made it committed),
    at once or, with `delay`, that many seconds from now (RQ's scheduler)."""
    with runtime.redis.pipeline() as pipe:
        jobs.put(runtime, pipe, deliver, message_id, [message_id], priority, delay)
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
            jobs.put(runtime, pipe, deliver_many, chunk, chunk, priority, delay)
        pipe.execute()


def hand_over(runtime: Runtime, queued: Sequence[tuple[int, str]]) -> None:
    """Hand the outbox rows one transaction committed, as (id, priority), to the workers
    in one Redis round trip: a `deliver` job per message on its priority's queue, as
    `enqueue` does (an OTP or reply must not wait like a bulk chunk). The session hook
    of gateway/store/handoff.py calls it after every commit that queued messages."""
    with runtime.redis.pipeline() as pipe:
        for message_id, priority in queued:
            jobs.put(runtime, pipe, deliver, message_id, [message_id], priority, 0)
        pipe.execute()


def deliver(message_id: int) -> str:
    """RQ job: send one outbox message. Returns what became of it ('throttled' or
    'paused' when the sender's rate or an outage made it wait: a job scheduled for
    later will send it)."""
    runtime = current()
    sender = backend(runtime)
    job = get_current_job()
    priority = job.origin if job else "high"
    wait = pacing.hold(runtime, sender, priority)
    if wait > 0:  # an OTP or reply waited what it may; bulk waits for its place in line
        enqueue(runtime, message_id, priority, delay=wait)
        metrics.SENDS.labels(sender.name, "throttled").inc()
        return "throttled"
    wait, probing = pacing.gate(runtime, sender)
    if wait > 0:
        metrics.SENDS.labels(sender.name, "paused").inc()
        enqueue(runtime, message_id, priority, delay=pacing.spread(wait))
        return "paused"
    return _deliver(runtime, sender, message_id, priority, probing)


def deliver_many(message_ids: list[int]) -> str:
    """RQ job: send a chunk of bulk messages, in order. It never holds its worker: when
    the sender's rate or an outage says wait, or after CHUNK_SECONDS (so OTPs and
    replies never wait long behind bulk), the rest goes back to the queue as a new
    chunk; a message whose send failed is rescheduled on its own (gateway/sms/retry.py).
    A backend that takes batches (SMPP) gets the chunk in batches (gateway/sms/batches.py)."""
    runtime = current()
    sender = backend(runtime)
    job = get_current_job()
    priority = job.origin if job else "bulk"
    if hasattr(sender, "hand_over"):
        return batches.deliver(runtime, sender, message_ids, priority, CHUNK_SECONDS,
                               batches.OneByOne(enqueue_many, _deliver, _outgoing, _failed))
    started = time.monotonic()
    for index, message_id in enumerate(message_ids):
        if index and time.monotonic() - started > CHUNK_SECONDS:
            enqueue_many(runtime, message_ids[index:], priority)
            return "handed on"
        wait = pacing.take(runtime, sender, bulk=True)
        if wait > 0:
            metrics.SENDS.labels(sender.name, "throttled").inc()
            enqueue_many(runtime, message_ids[index:], priority, delay=wait)
            return "throttled"
        wait, probing = pacing.gate(runtime, sender)
        if wait > 0:
            metrics.SENDS.labels(sender.name, "paused").inc()
            enqueue_many(runtime, message_ids[index:], priority, delay=pacing.spread(wait))
            return "paused"
        _deliver(runtime, sender, message_id, priority, probing)
    return "sent"


def _deliver(runtime: Runtime, sender: Backend, message_id: int, priority: str,
             probing: bool = False) -> str:
    """Claim one message, send it and record the result. A probe that sends nothing
    (the message was taken meanwhile) hands the probe on at once."""
    result = _claim_and_send(runtime, sender, message_id, priority, probing)
    if probing and result in ("not-queued", "suppressed", "failed-unreadable"):
        breaker.release_probe(runtime.redis, pacing.sender_key(sender))
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


def _send(runtime: Runtime, sender: Backend, outgoing: Outgoing,
          message: messages.Claimed, priority: str, probing: bool) -> str:
    try:
        provider_id = sender.send(outgoing)
    except SendError as error:
        metrics.SENDS.labels(sender.name, "error").inc()
        return _failed(runtime, sender, message, error, priority)
    metrics.SENDS.labels(sender.name, "sent").inc()
    if probing:
        breaker.close(runtime.redis, pacing.sender_key(sender))
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
        paused = breaker.trip(runtime.redis, pacing.sender_key(sender), error.retry_after)
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

