"""An outbox message's RQ job: queuing it (`enqueue`, `enqueue_many`, `hand_over`) and
the pointer from each message to its latest job (`job_of`), which the sweeper
(gateway/sms/sweeper.py) reads to tell a message whose job is lost from one that is
waiting its turn.

The job functions themselves are gateway/sms/outbound.py's, and stay there: a job names
its function by dotted path, and jobs already queued in Redis name those. This module
names them by that path too (DELIVER, DELIVER_MANY) instead of importing them, so the
steps outbound.py imports (gateway/sms/sending.py, gateway/sms/batches.py) can queue a
retry or a chunk's rest. Jobs carry ids, never a phone or a text: a finished one keeps
its result RESULT_TTL, a failed one FAILURE_TTL.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from redis import Redis
from redis.client import Pipeline
from rq import Queue, Retry

from gateway.runtime import Runtime
from gateway.sms import providers

DELIVER = "gateway.sms.outbound.deliver"            # one message
DELIVER_MANY = "gateway.sms.outbound.deliver_many"  # a bulk chunk
CHUNK = 100           # bulk messages per delivery job
# A batching backend's chunks are longer: a job drains its batches when it ends, and the
# bind idles meanwhile; the job still hands its rest back after outbound.CHUNK_SECONDS.
BATCH_CHUNK = 1000
# RQ's own retries only cover a job that crashed (e.g. the database restarting); a
# failed send is rescheduled by the outbox itself (gateway/sms/retry.py).
CRASH_RETRIES = [5, 30, 120]             # seconds
# RQ kills a job running longer than this (the sweeper relies on it: gateway/sms/sweeper.py).
JOB_TIMEOUT = 60
# Redis: message id → id of its latest RQ job, in hashes of JOB_BUCKET ids each (a
# chunk's hundred pointers are then one command, not a hundred).
JOBS_KEY = "sms:jobs:{}"
JOB_BUCKET = 1000
JOB_KEY_TTL = 8 * 24 * 3600             # outlives the job's failure_ttl
FAILURE_TTL = 7 * 24 * 3600
RESULT_TTL = 600


def enqueue(runtime: Runtime, message_id: int, priority: str, delay: float = 0) -> None:
    """Hand an outbox row to the workers (after the transaction that made it committed),
    at once or, with `delay`, that many seconds from now (RQ's scheduler)."""
    with runtime.redis.pipeline() as pipe:
        put(runtime, pipe, DELIVER, message_id, [message_id], priority, delay)
        pipe.execute()


def enqueue_many(runtime: Runtime, message_ids: Sequence[int], priority: str,
                 delay: float = 0) -> None:
    """Hand many outbox rows to the workers, one `deliver_many` job per CHUNK of them
    (BATCH_CHUNK for a backend that takes batches),
    in one Redis round trip (a pipeline, after the transaction that made them
    committed). A job per message would make RQ's bookkeeping most of a bulk run."""
    size = BATCH_CHUNK if hasattr(providers.backend(runtime), "hand_over") else CHUNK
    with runtime.redis.pipeline() as pipe:
        for start in range(0, len(message_ids), size):
            chunk = list(message_ids[start:start + size])
            put(runtime, pipe, DELIVER_MANY, chunk, chunk, priority, delay)
        pipe.execute()


def hand_over(runtime: Runtime, queued: Sequence[tuple[int, str]]) -> None:
    """Hand the outbox rows one transaction committed, as (id, priority), to the workers
    in one Redis round trip: a `deliver` job per message on its priority's queue, as
    `enqueue` does (an OTP or reply must not wait like a bulk chunk). The session hook
    of gateway/store/handoff.py calls it after every commit that queued messages."""
    with runtime.redis.pipeline() as pipe:
        for message_id, priority in queued:
            put(runtime, pipe, DELIVER, message_id, [message_id], priority, 0)
        pipe.execute()


def _retry() -> Retry:
    return Retry(max=len(CRASH_RETRIES), interval=CRASH_RETRIES)


def put(runtime: Runtime, pipe: Pipeline, job: str, arg: Any,
        message_ids: list[int], priority: str, delay: float) -> None:
    """Queue `job(arg)` (`job` a dotted path) for the messages in `pipe`: each message
    first remembers the job (a crash between the two leaves a pointer to no job, which
    the sweeper reads as lost, never the other way round)."""
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
               "result_ttl": RESULT_TTL,
               "description": job.rpartition(".")[2]}  # the function's name: ids, not a text
    if delay > 0:
        # RQ's schedule keeps whole seconds, cut down: round up, or the job would come
        # back before its place in line and only be scheduled again.
        due = datetime.fromtimestamp(math.ceil(time.time() + delay), UTC)
        queue.enqueue_at(due, job, arg, job_timeout=JOB_TIMEOUT, pipeline=pipe, **options)
    else:  # `enqueue` would WATCH keys, which a pipeline with commands cannot
        queue.enqueue_many([Queue.prepare_data(job, args=(arg,), timeout=JOB_TIMEOUT,
                                               **options)], pipeline=pipe)


def job_of(redis: Redis, message_id: int) -> str | None:
    """The id of the latest job handed the message, if any."""
    job_id = redis.hget(JOBS_KEY.format(message_id // JOB_BUCKET), message_id)
    return job_id.decode() if isinstance(job_id, bytes) else job_id
