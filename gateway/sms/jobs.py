"""An outbox message's RQ job: queuing it (`put`) and the pointer from each message to
its latest job (`job_of`), which the sweeper (gateway/sms/sweeper.py) reads to tell a
message whose job is lost from one that is waiting its turn.

The job functions themselves, and when to queue them, are gateway/sms/outbound.py's; a
job names its function by dotted path, so they stay there. Jobs carry ids, never a
phone or a text: a finished one keeps its result RESULT_TTL, a failed one FAILURE_TTL.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from redis import Redis
from redis.client import Pipeline
from rq import Queue, Retry

from gateway.runtime import Runtime

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


def _retry() -> Retry:
    return Retry(max=len(CRASH_RETRIES), interval=CRASH_RETRIES)


def put(runtime: Runtime, pipe: Pipeline, job: Callable, arg: Any,
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


def job_of(redis: Redis, message_id: int) -> str | None:
    """The id of the latest job handed the message, if any."""
    job_id = redis.hget(JOBS_KEY.format(message_id // JOB_BUCKET), message_id)
    return job_id.decode() if isinstance(job_id, bytes) else job_id
