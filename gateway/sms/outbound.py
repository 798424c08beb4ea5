"""Outbound SMS: the database outbox is the source of truth; RQ jobs only carry ids.

`enqueue` hands a queued row to a worker; `deliver` claims it atomically (so a job run
twice sends once), sends it through the configured backend and records the result;
RQ retries transient failures with backoff. `sweep` finds rows whose job was lost
(still `queued`, with no live job) or whose worker died mid-send (stuck in `sending`):
the first are enqueued again, the second are looked up at the provider and marked sent
if it has them, re-queued only if it does not — so nothing is lost and nothing is sent
twice.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from redis import Redis
from redis.client import Pipeline
from rq import Queue, Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from gateway import metrics
from gateway.config import Config
from gateway.runtime import Runtime, current
from gateway.sms import throttle
from gateway.sms.backends import Backend, Outgoing, SendError, for_config
from gateway.store import messages, phones
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_INTERVALS = [5, 30, 120, 600, 1800]   # seconds; RQ's scheduler re-enqueues the retry
ESSENTIAL_KINDS = frozenset({"otp", "reply", "alert", "notice"})  # sent even after STOP
QUEUED_GRACE = timedelta(minutes=2)     # a queued row older than this, with no job, lost it
SENDING_GRACE = timedelta(minutes=5)    # a send in flight longer than this lost its worker
# RQ kills a job running longer than this, so a `sending` row older than SENDING_GRACE
# can have no live worker (the HTTP timeouts of a send are far shorter).
JOB_TIMEOUT = 60
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
_LIVE_JOB = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED})

_backend: tuple[Config, Backend] | None = None


def backend(runtime: Runtime) -> Backend:
    """This process's backend, built once per configuration (a test process may
    switch between configurations; a worker keeps one)."""
    global _backend
    if _backend is None or _backend[0] is not runtime.config:
        _backend = (runtime.config, for_config(runtime.config))
    return _backend[1]


def _retry() -> Retry:
    return Retry(max=MAX_ATTEMPTS - 1, interval=RETRY_INTERVALS)


def enqueue(runtime: Runtime, message_id: int, priority: str, delay: float = 0) -> None:
    """Hand an outbox row to the workers (after the transaction that made it committed),
    at once or, with `delay`, that many seconds from now (RQ's scheduler)."""
    with runtime.redis.pipeline() as pipe:
        _hand_over(runtime, pipe, deliver, message_id, [message_id], priority, delay)
        pipe.execute()


def enqueue_many(runtime: Runtime, message_ids: Sequence[int], priority: str,
                 delay: float = 0) -> None:
    """Hand many outbox rows to the workers, one `deliver_many` job per CHUNK of them,
    in one Redis round trip (a pipeline, after the transaction that made them
    committed). A job per message would make RQ's bookkeeping most of a bulk run."""
    with runtime.redis.pipeline() as pipe:
        for start in range(0, len(message_ids), CHUNK):
            chunk = list(message_ids[start:start + CHUNK])
            _hand_over(runtime, pipe, deliver_many, chunk, chunk, priority, delay)
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
    """RQ job: send one outbox message. Returns its final status ('throttled' when the
    sender's rate made it wait: a job scheduled for later will send it)."""
    runtime = current()
    sender = backend(runtime)
    job = get_current_job()
    if not _rate_token(runtime, sender, message_id, job.origin if job else "high"):
        metrics.SENDS.labels(sender.name, "throttled").inc()
        return "throttled"
    return _deliver(runtime, sender, message_id)


def deliver_many(message_ids: list[int]) -> str:
    """RQ job: send a chunk of bulk messages, in order. It never holds its worker: when
    the sender's rate says wait, or after CHUNK_SECONDS (so OTPs and replies never wait
    long behind bulk), the rest goes back to the queue as a new chunk; a message whose
    send failed and may be retried gets a job of its own, with RQ's backoff."""
    runtime = current()
    sender = backend(runtime)
    job = get_current_job()
    priority = job.origin if job else "bulk"
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
        try:
            _deliver(runtime, sender, message_id)
        except SendError:  # queued again by _failed: its own job retries it later
            enqueue(runtime, message_id, priority, delay=RETRY_INTERVALS[0])
    return "sent"


def _deliver(runtime: Runtime, sender: Backend, message_id: int) -> str:
    """Claim one message, send it and record the result (raises a retryable
    `SendError` once the row is queued again)."""
    with transaction(runtime.sessions) as session:
        message = messages.claim(session, message_id, sender.name, sender.sender)
        if message is None:
            return "not-queued"  # already sent, or another job has it
        outgoing = Outgoing(message.id, message.phone, message.body)
        if message.kind not in ESSENTIAL_KINDS and phones.opted_out(session, message.phone):
            messages.mark_failed(session, message.id, None, "phone opted out", "suppressed")
            return "suppressed"
        attempts = message.attempts
    return _send(runtime, sender, outgoing, attempts)


def _rate_wait(runtime: Runtime, sender: Backend, bulk: bool) -> float:
    """Take a token of the sender's rate: 0 when taken, else the seconds to wait (for
    bulk, until its place in line). The demo never waits: its jobs run inline."""
    if runtime.config.demo:
        return 0.0
    return throttle.take(runtime.redis, sender.sender or sender.name,
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
    """RQ job (cron): recover lost jobs and sends interrupted by a dead worker.

    No transaction is held open across the provider lookups, and every change is
    conditional on the row still being in the state the sweep saw, so a worker that
    finishes meanwhile is never overruled.
    """
    runtime = current()
    sender = backend(runtime)
    requeued = reconciled = 0
    with transaction(runtime.sessions) as session:
        waiting = messages.stale(session, "queued", QUEUED_GRACE)
        interrupted = messages.stale(session, "sending", SENDING_GRACE)
        known = {m.phone: messages.provider_ids(session, m.phone) for m in interrupted}
    # A queued row with a live job is waiting its turn (a long bulk backlog, a retry's
    # backoff): enqueueing it again would only pile up duplicate jobs.
    lost = [(m.id, m.priority) for m in waiting if not _has_live_job(runtime, m.id)]
    for message in interrupted:
        try:
            found = _lookup(sender, message, known[message.phone])
        except SendError as error:  # provider unreachable: decide on a later sweep
            log.warning("reconcile lookup failed", extra={"message_id": message.id,
                                                           "reason": error.reason})
            continue
        with transaction(runtime.sessions) as session:
            if found:
                reconciled += messages.reconcile(session, message.id, message.claimed_at,
                                                 found)
            elif messages.mark_failed(session, message.id, None, "worker lost mid-send",
                                      "queued", claimed_at=message.claimed_at):
                lost.append((message.id, message.priority))
    for message_id, priority in lost:
        enqueue(runtime, message_id, priority)
        requeued += 1
    if requeued or reconciled:
        log.info("outbox swept", extra={"requeued": requeued, "reconciled": reconciled})
    return {"requeued": requeued, "reconciled": reconciled}


def _has_live_job(runtime: Runtime, message_id: int) -> bool:
    """Whether the message's latest job is still waiting to run (or just started)."""
    job_id = job_of(runtime.redis, message_id)
    if job_id is None:
        return False
    try:
        job = Job.fetch(job_id, connection=runtime.redis)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status in _LIVE_JOB:
        return True
    # A started job claims its rows within about CHUNK_SECONDS; started long ago with
    # the row still queued, its worker died before the claim.
    return (status == JobStatus.STARTED and job.started_at is not None
            and job.started_at > utcnow() - QUEUED_GRACE)


def job_of(redis: Redis, message_id: int) -> str | None:
    """The id of the latest job handed the message, if any."""
    job_id = redis.hget(JOBS_KEY.format(message_id // JOB_BUCKET), message_id)
    return job_id.decode() if isinstance(job_id, bytes) else job_id


def _lookup(sender: Backend, message: OutboundMessage, known: set[str]) -> str | None:
    since = (message.claimed_at or message.created_at) - timedelta(minutes=1)
    return sender.find_sent(Outgoing(message.id, message.phone, message.body), since,
                            exclude=frozenset(known))
