"""`gateway worker` and `gateway cron`: the long-running processes beside the web."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from rq import SimpleWorker, Worker
from rq.cron import CronScheduler

from gateway import runtime, schedules
from gateway.ops import survive
from gateway.runtime import QUEUES


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--fork", is_flag=True,
              help="Run each job in a forked process (RQ's default Worker).")
@with_appcontext
def worker(burst: bool, fork: bool) -> None:
    """Run an RQ worker on the gateway's queues, highest priority first.

    Jobs run in the worker's own process: a send is one short HTTP call, and forking a
    process for it cost more than the send (about 14 SMS/s instead of hundreds). A job
    lost with a crashed worker is recovered by the outbox sweeper. A Redis restart is
    waited out and a fresh worker started (gateway/ops/survive.py)."""
    rt = runtime.current()
    kind = Worker if fork else SimpleWorker

    previous: list = []  # the worker of the last run, if it ended

    def once() -> bool:
        for ended in previous:
            survive.release_scheduler(ended)
        # RQ restarts a dead scheduler (e.g. one that lost Redis while its worker waited
        # the outage out) only in its maintenance, by default every ten minutes.
        running = kind([rt.queue(name) for name in QUEUES], connection=rt.redis,
                       maintenance_interval=survive.SCHEDULER_CHECK_SECONDS)
        previous[:] = [running]
        running.max_connection_wait_time = survive.MAX_WAIT  # RQ's own waits: 60 s
        running.work(burst=burst, with_scheduler=True)
        # Ended by a stop request, or a burst's empty queues; else by an error.
        return burst or running._shutdown_requested_date is not None

    survive.run(once, rt.redis, "worker")


@click.command()
@with_appcontext
def cron() -> None:
    """Run RQ's cron scheduler with the gateway's recurring jobs; a Redis restart is
    waited out and a fresh scheduler started (gateway/ops/survive.py)."""
    redis = runtime.current().redis

    def once() -> bool:
        scheduler = CronScheduler(connection=redis)
        schedules.register(scheduler)
        scheduler.start()  # returns only when asked to stop; a lost Redis raises
        return True

    survive.run(once, redis, "cron")
