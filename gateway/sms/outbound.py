"""Outbound SMS: the database outbox is the source of truth; RQ jobs only carry ids.

`enqueue` hands a queued row to a worker; `deliver` claims it atomically (so a job run
twice sends once), sends it through the configured backend and records the result;
RQ retries transient failures with backoff. `sweep` finds rows whose job was lost
(still `queued`) or whose worker died mid-send (stuck in `sending`): the first are
enqueued again, the second are looked up at the provider and marked sent if it has
them, re-queued only if it does not — so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import uuid4

from rq import Retry

from gateway import metrics
from gateway.runtime import Runtime, current
from gateway.sms.backends import Backend, Outgoing, SendError, for_config
from gateway.store import messages, phones
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_INTERVALS = [5, 30, 120, 600, 1800]
ESSENTIAL_KINDS = frozenset({"otp", "reply", "alert", "notice"})  # sent even after STOP
QUEUED_GRACE = timedelta(minutes=2)     # a queued row older than this lost its job
SENDING_GRACE = timedelta(minutes=5)    # a send in flight longer than this lost its worker

_backend: Backend | None = None


def backend(runtime: Runtime) -> Backend:
    """This process's backend (built once)."""
    global _backend
    if _backend is None:
        _backend = for_config(runtime.config)
    return _backend


def enqueue(runtime: Runtime, message_id: int, priority: str) -> None:
    """Hand an outbox row to the workers (after the transaction that made it committed)."""
    job_id = f"sms-{message_id}-{uuid4().hex[:8]}"
    runtime.queue(priority).enqueue(deliver, message_id, job_id=job_id,
                                    retry=Retry(max=MAX_ATTEMPTS - 1, interval=RETRY_INTERVALS),
                                    failure_ttl=7 * 24 * 3600, result_ttl=600)


def deliver(message_id: int) -> str:
    """RQ job: send one outbox message. Returns its final status."""
    runtime = current()
    sender = backend(runtime)
    with transaction(runtime.sessions) as session:
        message = messages.claim(session, message_id, sender.name, sender.sender)
        if message is None:
            return "not-queued"  # already sent, or another job has it
        outgoing = Outgoing(message.id, message.phone, message.body)
        phone = phones.find(session, message.phone)
        if message.kind not in ESSENTIAL_KINDS and phone is not None and phone.opted_out:
            messages.mark_failed(session, message.id, None, "phone opted out", "suppressed")
            return "suppressed"
        attempts = message.attempts
    return _send(runtime, sender, outgoing, attempts)


def _send(runtime: Runtime, sender: Backend, outgoing: Outgoing, attempts: int) -> str:
    try:
        provider_id = sender.send(outgoing)
    except SendError as error:
        metrics.SENDS.labels(sender.name, "error").inc()
        return _failed(runtime, outgoing, error, attempts)
    metrics.SENDS.labels(sender.name, "sent").inc()
    with transaction(runtime.sessions) as session:
        messages.mark_sent(session, outgoing.message_id, provider_id)
    return "sent"


def _failed(runtime: Runtime, outgoing: Outgoing, error: SendError, attempts: int) -> str:
    log.warning("send failed", extra={"phone": outgoing.phone, "message_id": outgoing.message_id,
                                      "code": error.code, "reason": error.reason})
    if error.maybe_sent:
        return "sending"  # left for the sweeper to reconcile with the provider
    final = not error.retryable or attempts >= MAX_ATTEMPTS
    with transaction(runtime.sessions) as session:
        messages.mark_failed(session, outgoing.message_id, error.code, error.reason,
                             "failed" if final else "queued")
    if final:
        return "failed"
    raise error  # RQ retries the job after its backoff interval


def sweep() -> dict[str, int]:
    """RQ job (cron): recover lost jobs and sends interrupted by a dead worker."""
    runtime = current()
    sender = backend(runtime)
    requeued = reconciled = 0
    with transaction(runtime.sessions) as session:
        lost = [(m.id, m.priority) for m in messages.stale(session, "queued", QUEUED_GRACE)]
        interrupted = messages.stale(session, "sending", SENDING_GRACE)
        for message in interrupted:
            try:
                found = _lookup(sender, message)
            except SendError as error:  # provider unreachable: decide on a later sweep
                log.warning("reconcile lookup failed", extra={"reason": error.reason})
                continue
            if found:
                messages.mark_sent(session, message.id, found)
                reconciled += 1
            else:
                messages.mark_failed(session, message.id, None, "worker lost mid-send", "queued")
                lost.append((message.id, message.priority))
    for message_id, priority in lost:
        enqueue(runtime, message_id, priority)
        requeued += 1
    if requeued or reconciled:
        log.info("outbox swept", extra={"requeued": requeued, "reconciled": reconciled})
    return {"requeued": requeued, "reconciled": reconciled}


def _lookup(sender: Backend, message: OutboundMessage) -> str | None:
    since = (message.claimed_at or message.created_at) - timedelta(minutes=1)
    return sender.find_sent(Outgoing(message.id, message.phone, message.body), since)
