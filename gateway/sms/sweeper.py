"""The outbox sweeper (an RQ job of the `cron` process, every minute): the safety net
under `gateway.sms.outbound`.

It finds queued messages, due a while ago, whose job is nowhere a live job would be
(lost with a Redis restart, or with a worker that died before its claim) and enqueues
them again; sends interrupted by a dead worker (stuck in `sending`), which it looks up
at the provider and marks sent if the provider has them, re-queued only if it does not;
and messages past their retry horizon, which it gives up. The claim keeps every message
sent once however often it is enqueued.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import timedelta

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from gateway import sealing
from gateway.runtime import Runtime, current
from gateway.sms import retry
from gateway.sms.backends import Backend, Outgoing, SendError
from gateway.sms.jobs import JOB_BUCKET, JOB_TIMEOUT, JOBS_KEY, enqueue, enqueue_many, job_of
from gateway.sms.providers import backend
from gateway.sms.sending import count_failure
from gateway.store import messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage, utcnow

log = logging.getLogger(__name__)

# A queued row due this long ago with no live job lost it. Only the moment between a
# commit and its enqueue needs a grace: where a job is is read exactly (`_Jobs`).
QUEUED_GRACE = timedelta(seconds=10)
# A send in flight longer than this lost its worker: RQ kills a job after JOB_TIMEOUT,
# and a send's HTTP timeouts are far shorter.
SENDING_GRACE = timedelta(minutes=5)
# A job started longer ago than this is not running any more (RQ killed it or its
# worker died), so rows it has not claimed are lost.
STARTED_GRACE = timedelta(seconds=JOB_TIMEOUT + 30)
# A scheduled job due longer ago than this was not moved to its queue: no scheduler
# runs (every worker runs one), or Redis lost it.
SCHEDULED_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500
SWEEP_MAX = 20_000        # queued rows one sweep looks at (a bigger backlog: next sweep)


def sweep() -> dict[str, int]:
    """RQ job (cron): recover lost jobs and sends interrupted by a dead worker, and
    give up messages past their retry horizon.

    No transaction is held open across the provider lookups, and every change is
    conditional on the row still being in the state the sweep saw, so a worker that
    finishes meanwhile is never overruled.
    """
    runtime = current()
    sender = backend(runtime)
    requeued = reconciled = 0
    expired = _expire(runtime)
    with transaction(runtime.sessions) as session:
        interrupted = messages.stale(session, "sending", SENDING_GRACE)
        known = {m.phone: messages.provider_ids(session, m.phone) for m in interrupted}
    lost = _lost(runtime)
    for message in interrupted:
        try:
            found = _lookup(runtime, sender, message, known[message.phone])
        except SendError as error:  # provider unreachable: decide on a later sweep
            log.warning("reconcile lookup failed", extra={"message_id": message.id,
                                                           "reason": error.reason})
            continue
        with transaction(runtime.sessions) as session:
            if found:
                reconciled += messages.reconcile(session, message.id, message.claimed_at,
                                                 found)
                # Two interrupted sends of one text: the provider's message is this
                # row's now, never also the next one's.
                known[message.phone].add(found)
            elif messages.mark_failed(session, message.id, None, "worker lost mid-send",
                                      "queued", claimed_at=message.claimed_at):
                lost.append((message.id, message.priority))
    by_priority: dict[str, list[int]] = {}
    for message_id, priority in lost:
        by_priority.setdefault(priority, []).append(message_id)
    for priority, ids in by_priority.items():
        if priority == "bulk":
            enqueue_many(runtime, ids, priority)
        else:
            for message_id in ids:
                enqueue(runtime, message_id, priority)
        requeued += len(ids)
    if requeued or reconciled or expired:
        log.info("outbox swept", extra={"requeued": requeued, "reconciled": reconciled,
                                        "expired": expired})
    return {"requeued": requeued, "reconciled": reconciled, "expired": expired}


def _expire(runtime: Runtime) -> int:
    """Fail queued messages past their horizon (e.g. met paused again and again)."""
    now = utcnow()
    given_up: list[tuple[int, str]] = []
    with transaction(runtime.sessions) as session:
        # Two horizons: an OTP's lifetime, and SMS_RETRY_HOURS for every other kind.
        for is_otp, kind in ((True, "otp"), (False, "reply")):
            given_up += messages.expire(session, is_otp,
                                        now - retry.horizon(runtime.config, kind))
    for message_id, kind in given_up:
        count_failure(runtime, message_id, kind, "horizon", "retry horizon reached")
    return len(given_up)


def _lost(runtime: Runtime) -> list[tuple[int, str]]:
    """(id, priority) of the queued messages, due a while ago, whose job is nowhere."""
    jobs = _Jobs(runtime.redis)
    lost: list[tuple[int, str]] = []
    after_id = looked = 0
    while looked < SWEEP_MAX:
        with transaction(runtime.sessions) as session:
            batch = [(m.id, m.priority) for m in messages.stale(
                session, "queued", QUEUED_GRACE, limit=SWEEP_BATCH, after_id=after_id)]
        if not batch:
            break
        pointers = runtime.redis.hmget  # one round trip per bucket of pointers
        job_ids: dict[int, str | None] = {}
        for bucket in {message_id // JOB_BUCKET for message_id, _ in batch}:
            ids = [m for m, _ in batch if m // JOB_BUCKET == bucket]
            for message_id, job_id in zip(ids, pointers(JOBS_KEY.format(bucket), ids),
                                          strict=True):
                job_ids[message_id] = job_id.decode() if isinstance(job_id, bytes) else job_id
        lost += [(m, p) for m, p in batch if not jobs.live(job_ids[m], p)]
        after_id = batch[-1][0]
        looked += len(batch)
    return lost


def has_live_job(runtime: Runtime, message_id: int, priority: str) -> bool:
    """Whether the latest job handed the message (of queue `priority`) will still run."""
    return _Jobs(runtime.redis).live(job_of(runtime.redis, message_id), priority)


class _Jobs:
    """Where the jobs are, read once per sweep: a job is live only if it is in its
    queue (or being handed to a worker), scheduled for a time not long past, or was
    started recently by a worker, never because of what its hash says. A job in none
    of these is lost whatever its status (e.g. left `queued` in no queue after a Redis
    restart), and its messages are enqueued again: their claim keeps them sent once."""

    def __init__(self, redis: Redis):
        self.redis = redis
        self._queues: dict[str, tuple[set[str], dict[str, float], set[str]]] = {}

    def live(self, job_id: str | None, priority: str) -> bool:
        """Whether the job `job_id` of queue `priority` will still run."""
        if job_id is None:
            return False
        waiting, scheduled, started = self._read(priority)
        if job_id in waiting or job_id in started:
            return True
        due = scheduled.get(job_id)
        return due is not None and due > time.time() - SCHEDULED_GRACE.total_seconds()

    def _read(self, name: str) -> tuple[set[str], dict[str, float], set[str]]:
        if name not in self._queues:
            queue = Queue(name, connection=self.redis)
            # Read atomically (MULTI), in the order a job moves: a job cannot slip from
            # one place to the next between two reads and be missed.
            with self.redis.pipeline(transaction=True) as pipe:
                pipe.zrange(ScheduledJobRegistry(name, connection=self.redis).key, 0, -1,
                            withscores=True)
                pipe.lrange(queue.key, 0, -1)
                pipe.lrange(f"{queue.key}:intermediate", 0, -1)
                pipe.zrange(StartedJobRegistry(name, connection=self.redis).key, 0, -1)
                scheduled, waiting, handed, started = pipe.execute()
            recent = {job_id for job_id in (_text(entry).split(":")[0] for entry in started)
                      if self._started_recently(job_id)}
            self._queues[name] = ({_text(j) for j in (*waiting, *handed)},
                                  {_text(j): score for j, score in scheduled}, recent)
        return self._queues[name]

    def _started_recently(self, job_id: str) -> bool:
        # A started job claims its rows within about CHUNK_SECONDS; started long ago
        # with its rows still queued, its worker died (or RQ killed it) before the claim.
        try:
            job = Job.fetch(job_id, connection=self.redis)
        except NoSuchJobError:
            return False
        return job.started_at is not None and job.started_at > utcnow() - STARTED_GRACE


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _lookup(runtime: Runtime, sender: Backend, message: OutboundMessage,
            known: set[str]) -> str | None:
    """The provider id of an interrupted send, compared on its real (unsealed) text."""
    since = (message.claimed_at or message.created_at) - timedelta(minutes=1)
    body = message.body
    if message.sealed:
        # Unreadable: no match on the masked text, so it is sent again, never lost.
        with contextlib.suppress(sealing.Unreadable):
            body = sealing.unseal(runtime.config.effective_secret, message.sealed)
    return sender.find_sent(Outgoing(message.id, message.phone, body), since,
                            exclude=frozenset(known))
