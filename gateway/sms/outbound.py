"""Outbound SMS: the database outbox is the source of truth; RQ jobs only carry ids.

A queued row is handed to a worker as a job (gateway/sms/jobs.py: `hand_over`, the
rows a transaction committed, after its commit); `deliver` claims it atomically (so a job run
twice sends once), sends it through the configured backend and records the result.
A failed send is rescheduled by the outbox, one schedule per message up to its horizon
(gateway/sms/retry.py); a provider in trouble (429, 5xx, unreachable) pauses every
worker's sends to it (gateway/sms/breaker.py), and messages met while paused wait
without using an attempt. What a lost job or a dead worker leaves behind, the
sweeper (gateway/sms/sweeper.py) finds and hands over again — so nothing is lost, and
the claim keeps anything from being sent twice.

This module keeps the RQ jobs (`deliver`, `deliver_many`: queued jobs name them by
their dotted path here, so they stay) and what each does when the sender says wait.
Around them: queuing a job (`enqueue`, `enqueue_many`, `hand_over`) and the pointer
from a message to its job (`job_of`) are gateway/sms/jobs.py's; the one-message path
(claim, send, record the result or the failure) gateway/sms/sending.py's; the sender's
rate and pause gateway/sms/pacing.py's; a bulk chunk handed to a backend that takes
batches (SMPP) gateway/sms/batches.py's. No module of the gateway imports this one (a
worker finds the jobs by the dotted path jobs.py names), so those share their steps
by importing one another.
"""
from __future__ import annotations

import time

from rq import get_current_job

from gateway.ops import metrics
from gateway.runtime import current
from gateway.sms import batches, jobs, pacing, providers, sending
from gateway.sms.jobs import job_of as job_of  # its callers have always found it here

CHUNK_SECONDS = 1.0   # a bulk job hands the rest of its chunk back to the queue after this


def deliver(message_id: int) -> str:
    """RQ job: send one outbox message. Returns what became of it ('throttled' or
    'paused' when the sender's rate or an outage made it wait: a job scheduled for
    later will send it)."""
    runtime = current()
    sender = providers.backend(runtime)
    job = get_current_job()
    priority = job.origin if job else "high"
    wait = pacing.hold(runtime, sender, priority)
    if wait > 0:  # an OTP or reply waited what it may; bulk waits for its place in line
        jobs.enqueue(runtime, message_id, priority, delay=wait)
        metrics.SENDS.labels(sender.name, "throttled").inc()
        return "throttled"
    wait, probing = pacing.gate(runtime, sender)
    if wait > 0:
        metrics.SENDS.labels(sender.name, "paused").inc()
        jobs.enqueue(runtime, message_id, priority, delay=pacing.spread(wait))
        return "paused"
    return sending.send(runtime, sender, message_id, priority, probing)


def deliver_many(message_ids: list[int]) -> str:
    """RQ job: send a chunk of bulk messages, in order. It never holds its worker: when
    the sender's rate or an outage says wait, or after CHUNK_SECONDS (so OTPs and
    replies never wait long behind bulk), the rest goes back to the queue as a new
    chunk; a message whose send failed is rescheduled on its own (gateway/sms/retry.py).
    A backend that takes batches (SMPP) gets the chunk in batches (gateway/sms/batches.py)."""
    runtime = current()
    sender = providers.backend(runtime)
    job = get_current_job()
    priority = job.origin if job else "bulk"
    if hasattr(sender, "hand_over"):
        return batches.deliver(runtime, sender, message_ids, priority, CHUNK_SECONDS)
    started = time.monotonic()
    for index, message_id in enumerate(message_ids):
        if index and time.monotonic() - started > CHUNK_SECONDS:
            jobs.enqueue_many(runtime, message_ids[index:], priority)
            return "handed on"
        wait = pacing.take(runtime, sender, bulk=True)
        if wait > 0:
            metrics.SENDS.labels(sender.name, "throttled").inc()
            jobs.enqueue_many(runtime, message_ids[index:], priority, delay=wait)
            return "throttled"
        wait, probing = pacing.gate(runtime, sender)
        if wait > 0:
            metrics.SENDS.labels(sender.name, "paused").inc()
            jobs.enqueue_many(runtime, message_ids[index:], priority,
                              delay=pacing.spread(wait))
            return "paused"
        sending.send(runtime, sender, message_id, priority, probing)
    return "sent"
