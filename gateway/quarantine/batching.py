"""A scheduled run's pages: cases (or managers) read by id a batch at a time, each
batch's messages added to the outbox in one statement and handed to the workers in one
Redis pipeline, so a run's memory stays flat however many there are. Used by the
reminder and end-of-quarantine runs (`runs`) and the managers' digest (`digest`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from redis.lock import Lock

from gateway.runtime import Runtime
from gateway.sms import jobs
from gateway.store import messages
from gateway.store.db import transaction

log = logging.getLogger(__name__)

BATCH = 1000
STARTED_KEY = "quarantine:started:{}:{}"   # slot, day: a run of it has begun
LATER = {"morning": "noon"}                 # a later reminder supersedes an earlier one


def superseded(runtime: Runtime, slot: str, day: date) -> bool:
    """Whether the run of the slot after this one has begun on the same day."""
    later = LATER.get(slot)
    return bool(later and runtime.redis.exists(STARTED_KEY.format(later, day)))


def batches(runtime: Runtime, slot: str, day: date, lock: Lock,
            read: Callable[[Any, int], list], make: Callable[[Any], dict[str, Any] | None],
            priority: str = "bulk") -> dict[str, Any]:
    """Page through `read(session, after_id)` a batch at a time; queue the message
    `make(row)` gives for each row (None: skip it) and hand them to the workers after
    each batch commits. Stops early when a later slot has begun."""
    result = {"slot": slot, "day": day.isoformat(), "result": "done", "seen": 0,
              "queued": 0, "skipped": 0}
    after = 0
    while True:
        if superseded(runtime, slot, day):
            log.warning("quarantine run superseded by the next one", extra=result)
            return {**result, "result": "superseded"}
        with transaction(runtime.sessions) as session:
            rows = read(session, after)
            made = [make(row) for row in rows]
            ids = messages.queue_many(session, [m for m in made if m is not None])
        if len(ids) == BATCH and result["queued"] == 0:  # a big run: see messages.analyze
            with transaction(runtime.sessions) as session:
                messages.analyze(session)
        jobs.enqueue_many(runtime, ids, priority)
        if not rows:
            return result
        after = rows[-1].id
        result["seen"] += len(rows)
        result["queued"] += len(ids)
        result["skipped"] += made.count(None)
        lock.reacquire()  # still alive: keep the run's lock for another period of it
