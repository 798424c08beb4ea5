"""The purge in RQ's job data: finished and failed jobs older than their retention.

The gateway's jobs carry ids (an outbox row, a case), never a phone or a text, and
finished jobs keep their result ten minutes (gateway/sms/jobs.py). But a failed
job keeps its traceback for FAILURE_TTL, and an error text may quote a provider's
answer, which can name the number; a cron job's arguments are fixed. So jobs that
ended before the cutoff are deleted with their results, whatever TTL they were given,
and a job whose end is unknown is kept (it may be running).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rq.job import Job
from rq.registry import CanceledJobRegistry, FailedJobRegistry, FinishedJobRegistry

from gateway.runtime import QUEUES, Runtime

REGISTRIES = (FailedJobRegistry, FinishedJobRegistry, CanceledJobRegistry)


def purge(runtime: Runtime, ended_before: datetime, dry_run: bool,
          count: Callable[[str, int], None]) -> None:
    """Delete (or with `dry_run`, count) the ended jobs of every queue that ended
    before `ended_before`; `count(name, n)` reports them."""
    deleted = 0
    for name in QUEUES:
        queue = runtime.queue(name)
        for registry_type in REGISTRIES:
            registry = registry_type(queue=queue)
            ids = registry.get_job_ids()
            for job_id, job in zip(ids, Job.fetch_many(ids, connection=runtime.redis),
                                   strict=True):
                if job is None:  # its hash expired: only the registry entry is left
                    if not dry_run:
                        registry.remove(job_id)
                    continue
                if job.ended_at is None or _utc(job.ended_at) >= ended_before:
                    continue
                deleted += 1
                if not dry_run:
                    job.delete()
    count("RQ job data (ended jobs)", deleted)


def _utc(moment: datetime) -> datetime:
    """RQ's times are naive UTC in some versions, aware in others."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
