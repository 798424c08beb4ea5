"""Recurring jobs for RQ's cron scheduler (the `cron` process): the outbox sweeper,
closing forgotten visits, the quarantine runs (reminders, digest, last day), the
sweep of erasure requests and the nightly purge."""

from __future__ import annotations

from rq.cron import CronScheduler

from gateway import purge, visits
from gateway.privacy import erasure
from gateway.quarantine import schedule as quarantine
from gateway.runtime import current
from gateway.sms import sweeper

SWEEP_SECONDS = 60
VISIT_CLOSE_SECONDS = 600
# The nightly purge, at 02:30 local time (GATEWAY_TIMEZONE): the quietest hour, after
# midnight's quarantine runs and well before the morning reminders.
PURGE_CRON = "30 2 * * *"
ERASURE_SWEEP_SECONDS = 600


def register(scheduler: CronScheduler) -> None:
    """Register every recurring job with the scheduler."""
    scheduler.register(sweeper.sweep, queue_name="default", interval=SWEEP_SECONDS)
    scheduler.register(visits.close_forgotten_visits, queue_name="default",
                       interval=VISIT_CLOSE_SECONDS)
    # Erasure requests whose job was lost (Redis down when their turn committed).
    scheduler.register(erasure.sweep, queue_name="default", interval=ERASURE_SWEEP_SECONDS)
    # Reminders, digest, last day: cron times in GATEWAY_TIMEZONE (it becomes the
    # process's local time, which RQ's cron reads).
    quarantine.register(scheduler, current().config)
    scheduler.register(purge.nightly, queue_name="bulk", cron=PURGE_CRON,
                       job_timeout=purge.LOCK_SECONDS)
