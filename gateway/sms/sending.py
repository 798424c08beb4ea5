"""Sending one outbox message: claim it, send it through the backend and record the
result or the failure. Both delivery paths take these steps: the jobs of
gateway/sms/outbound.py, one message at a time, and a bulk chunk handed over in batches
(gateway/sms/batches.py), which claims and records whole batches but prepares each
message, records each failed send and sends a probe alone here. A message given up is
counted here too (`count_failure`, which the sweeper also calls).

A failed send pauses the sender when the provider is in trouble (gateway/sms/breaker.py)
and is rescheduled by the outbox (gateway/sms/retry.py) or given up; a send that may
have gone out is left to the sweeper (gateway/sms/sweeper.py) to reconcile.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from gateway import sealing
from gateway.ops import metrics
from gateway.runtime import Runtime
from gateway.sms import breaker, jobs, pacing, retry
from gateway.sms.backends import Backend, Outgoing, SendError
from gateway.store import messages, phones
from gateway.store.db import transaction
from gateway.store.models import utcnow

# The logger these lines have always been written under (the sending steps were
# outbound.py's); operators' log queries and alerts find them by it.
log = logging.getLogger("gateway.sms.outbound")

# Sent even after STOP; an exposure notice is the health authority's, not marketing.
ESSENTIAL_KINDS = frozenset({"otp", "reply", "alert", "notice", "exposure"})


def send(runtime: Runtime, sender: Backend, message_id: int, priority: str,
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
        outgoing = prepare(runtime, session, message)
        if isinstance(outgoing, str):
            return outgoing
    return _send(runtime, sender, outgoing, message, priority, probing)


def prepare(runtime: Runtime, session: Session,
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
        return record_failure(runtime, sender, message, error, priority)
    metrics.SENDS.labels(sender.name, "sent").inc()
    if probing:
        breaker.close(runtime.redis, pacing.sender_key(sender))
    with transaction(runtime.sessions) as session:
        # A backend whose outbox is the phone's inbox (the development one: its phone
        # simulator shows the outbox) keeps the sealed text.
        messages.mark_sent(session, outgoing.message_id, provider_id,
                           keep_sealed=getattr(sender, "keeps_sealed_text", False))
    return "sent"


def record_failure(runtime: Runtime, sender: Backend, message: messages.Claimed,
                   error: SendError, priority: str) -> str:
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
    jobs.enqueue(runtime, message.id, priority, delay=(due - now).total_seconds())
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
