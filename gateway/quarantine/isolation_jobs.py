"""The job that enrols an isolation area's residents: everyone whose latest
declaration's address lies in the area joins it (`isolation.join`), a batch of
declarations per transaction, so a large commune neither holds one long transaction
nor keeps every row in memory. Joining is idempotent, so a job run twice, or cut short
and run again, enrols nobody twice. The area's `enrolled_at` is set when the job has
gone through every declaration; the nightly run queues the job again for any active
area without it (a hand-over to Redis that was lost)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from gateway.quarantine import isolation, today
from gateway.runtime import Runtime, current
from gateway.store import isolation as store
from gateway.store.db import transaction
from gateway.store.models import IsolationArea, utcnow

log = logging.getLogger(__name__)

BATCH = 500
JOB_TIMEOUT = 3600


def enrol_residents(area_id: int, day: date | None = None) -> dict[str, Any]:
    """RQ job: join every phone whose latest declaration lies in area `area_id` (as
    of `day`, today by default). Returns how many declarations were read and how many
    phones joined."""
    runtime = current()
    day = day or today(runtime.config.tz)
    result = {"area_id": area_id, "seen": 0, "joined": 0, "result": "done"}
    after = 0
    while True:
        with transaction(runtime.sessions) as session:
            area = session.get(IsolationArea, area_id)
            if area is None or area.status != "active" or area.end_date < day:
                return {**result, "result": "not active"}
            rows = store.latest_declarations(session, area, after, BATCH)
            for row in rows:
                if isolation.in_street(area.street, row.street):
                    joined = isolation.enter(session, area, phone=row.subject_phone,
                                             full_name=row.full_name, channel=area.channel,
                                             operator=area.operator, day=day)
                    result["joined"] += joined.created
            if not rows:
                area.enrolled_at = utcnow()
                log.info("isolation area enrolled", extra=result)
                return result
        result["seen"] += len(rows)
        after = rows[-1].id


def enqueue(runtime: Runtime, area_id: int) -> None:
    """Hand the enrolment of area `area_id` to the workers."""
    runtime.queue("default").enqueue(enrol_residents, area_id, job_timeout=JOB_TIMEOUT,
                                     job_id=f"isolation-enrol-{area_id}")


def enqueue_after_commit(session: Session, runtime: Runtime, area_id: int) -> None:
    """Hand the enrolment over once `session`'s transaction commits (never if it rolls
    back). A lost hand-over is queued again by `requeue_unenrolled`."""
    def hand_over(_session: Session) -> None:
        try:
            enqueue(runtime, area_id)
        except RedisError:
            log.warning("area enrolment not queued; the nightly run will",
                        extra={"area_id": area_id})
    event.listen(session, "after_commit", hand_over, once=True)


def requeue_unenrolled(runtime: Runtime) -> int:
    """Queue again the enrolment of every active area whose job never finished."""
    with transaction(runtime.sessions) as session:
        ids = store.not_enrolled(session)
    for area_id in ids:
        enqueue(runtime, area_id)
    return len(ids)
