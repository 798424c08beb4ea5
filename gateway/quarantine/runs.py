"""The scheduled quarantine runs of a local day: `morning` and `noon` reminders to every
active case without that day's report, the managers' `digest`, and the `end` of
quarantine message on a case's last day.

Each run pages through cases by id a batch at a time: it reads a batch, adds its
messages to the outbox in one statement and hands them to the workers in one Redis
pipeline, so memory stays flat however many cases there are. Every message carries a
dedup key (`reminder:{case}:{day}:{slot}`), so a repeated, restarted or doubled run
adds nothing twice. A lock per slot and day keeps a second copy from running at the
same time; a run that overlaps another, or is still going when the next slot starts,
is logged and counted (`gateway_schedule_runs_total{slot,result}`), never stacked: the
later reminder takes over the earlier one, and a noon reminder is not queued behind
a morning one that is still waiting to be sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from redis.exceptions import LockError
from redis.lock import Lock

from gateway.days import local_date
from gateway.flows.messages import LANGUAGES, render
from gateway.ops import metrics
from gateway.quarantine import digest, isolation, isolation_jobs
from gateway.quarantine.batching import BATCH, LATER, STARTED_KEY, batches
from gateway.runtime import Runtime, current
from gateway.store import quarantine as store
from gateway.store.db import transaction
from gateway.store.models import utcnow
from gateway.text import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)

SLOTS = ("morning", "noon", "digest", "end")
LOCK_KEY = "quarantine:run:{}:{}"          # slot, day: held while a run goes on
LOCK_SECONDS = 600                          # renewed every batch; a dead worker's lapses
DAY_SECONDS = 2 * 24 * 3600
RUN_TIMEOUT = 3600                          # RQ's limit for one run job


def run(slot: str, today: date | None = None, now: datetime | None = None) -> dict[str, Any]:
    """RQ job (cron) and `gateway reminders run`: the `slot` run of a local day (today
    by default). Returns what it did: result (done, overlap, superseded), cases seen,
    messages queued, and cases skipped because an earlier reminder still waits."""
    if slot not in SLOTS:
        raise ValueError(f"unknown slot {slot!r}; slots: {', '.join(SLOTS)}")
    runtime = current()
    moment = now or utcnow()
    day = today or local_date(moment, runtime.config.tz)
    redis = runtime.redis
    lock = redis.lock(LOCK_KEY.format(slot, day), timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        log.warning("quarantine run already going on: this copy stops",
                    extra={"slot": slot, "day": day.isoformat()})
        return _counted(runtime, {"slot": slot, "day": day.isoformat(), "result": "overlap"})
    try:
        redis.set(STARTED_KEY.format(slot, day), 1, ex=DAY_SECONDS)
        _report_unfinished_predecessor(runtime, slot, day)
        result = RUNNERS[slot](runtime, slot, day, lock)
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("quarantine run lock lapsed before the run ended",
                        extra={"slot": slot, "day": day.isoformat()})
    log.info("quarantine run", extra=result)
    return _counted(runtime, result)


def _counted(runtime: Runtime, result: dict[str, Any]) -> dict[str, Any]:
    metrics.count_run(runtime.redis, result["slot"], result["result"])
    return result


def _report_unfinished_predecessor(runtime: Runtime, slot: str, day: date) -> None:
    for earlier, later in LATER.items():
        if later == slot and runtime.redis.exists(LOCK_KEY.format(earlier, day)):
            log.warning("quarantine run not finished when the next one started",
                        extra={"slot": earlier, "next": slot, "day": day.isoformat()})
            metrics.count_run(runtime.redis, earlier, "late")


def _bodies(key: str, variables: dict[str, Any]) -> dict[str, str]:
    """The message in every language (bulk messages carry no personal detail, so each
    is rendered once per run, not once per case)."""
    return {language: render(key, language, variables) for language in LANGUAGES}


def reminders(runtime: Runtime, slot: str, day: date, lock: Lock) -> dict[str, Any]:
    """Remind every active case without a report on `day`. The noon run skips a case
    whose morning reminder is still waiting in the outbox (the sender is behind):
    a second reminder queued behind the first would only arrive as a pair."""
    bodies = _bodies("quarantine.reminder" if slot == "morning" else "quarantine.reminder_again",
                     {"day": day.strftime("%d/%m")})
    pending = ("reminder:", f":{day.isoformat()}:morning") if slot == "noon" else None

    def make(row: Any) -> dict[str, Any] | None:
        if row.pending:
            return None
        return {"phone": row.phone, "body": bodies.get(row.language, bodies[DEFAULT_LANGUAGE]),
                "kind": "reminder", "priority": "bulk",
                "dedup_key": f"reminder:{row.id}:{day.isoformat()}:{slot}"}

    result = batches(runtime, slot, day, lock,
                     lambda session, after: store.reminder_batch(session, day, after, BATCH,
                                                                 pending), make)
    if result["skipped"]:
        log.warning("earlier reminders still waiting to be sent: not doubled", extra=result)
        metrics.count_run(runtime.redis, slot, "backlog")
    return result


def ended(runtime: Runtime, slot: str, day: date, lock: Lock) -> dict[str, Any]:
    """Tell every case whose last day is `day` that its quarantine ends, then lift
    the isolation areas and close the cases that ended before `day`."""
    bodies = _bodies("quarantine.ended", {"day": day.strftime("%d/%m")})

    def make(row: Any) -> dict[str, Any]:
        return {"phone": row.phone, "body": bodies.get(row.language, bodies[DEFAULT_LANGUAGE]),
                "kind": "notice", "priority": "bulk",
                "dedup_key": f"end:{row.id}:{day.isoformat()}"}

    result = batches(runtime, slot, day, lock,
                     lambda session, after: store.ending_batch(session, day, after, BATCH),
                     make)
    with transaction(runtime.sessions) as session:
        # Areas past their end date are lifted (their residents' cases close with them)
        # before the cases that ended are closed.
        result["areas_lifted"] = isolation.lift_ended(session, day)
        result["closed"] = store.close_ended(session, day)
    result["areas_requeued"] = isolation_jobs.requeue_unenrolled(runtime)
    return result


def _digests(runtime: Runtime, slot: str, day: date, lock: Lock) -> dict[str, Any]:
    return digest.run(runtime, slot, day, lock)


RUNNERS: dict[str, Callable[[Runtime, str, date, Lock], dict[str, Any]]] = {
    "morning": reminders, "noon": reminders, "digest": _digests, "end": ended}
