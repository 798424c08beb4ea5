"""The purge: delete every record older than its retention period, everywhere.

`run(runtime, as_of, dry_run)` works through the database (the steps of
gateway/purge/tables.py), Redis (gateway/purge/volatile.py) and RQ's job data
(gateway/purge/jobs.py), and returns what went, kind by kind. `gateway purge` runs it
from the shell and `nightly` from `cron`.

- Batched: ids are taken `BATCH` at a time, each batch deleted and committed in its
  own short transaction, so no lock is held long on a big table and a crash loses
  nothing but the batch in hand. On PostgreSQL the partitioned tables (message log,
  feed) first lose their expired weeks whole (gateway/store/partitions.py), then the
  rows left before the cutoff; the next weeks' partitions are created ahead.
- Idempotent and single: what expired is recomputed every time, so a second run
  finds nothing; a Redis lock keeps two runs from working at once (the second one
  reports `busy` and does nothing).
- The clock is `as_of` (`--as-of` moves it for tests and operators).
- Deleted fed records appear on the change feed as `deleted` events (the ORM bulk
  delete's hook), and their counts survive in the daily statistics.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from psycopg.errors import LockNotAvailable
from redis.exceptions import LockError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from gateway.purge import jobs, volatile
from gateway.purge.tables import STEPS, Step
from gateway.runtime import Runtime, current
from gateway.store import partitions, statistics
from gateway.store.db import transaction
from gateway.store.models import utcnow

log = logging.getLogger(__name__)

BATCH = 1000
LOCK_KEY = "purge:lock"
LOCK_SECONDS = 3600   # a run killed midway frees the lock after this


@dataclass
class Report:
    """What a purge did (or, dry, would do): `counts` by what went, in order."""

    as_of: datetime
    dry_run: bool
    busy: bool = False  # another purge was running: this one did nothing
    counts: dict[str, int] = field(default_factory=dict)
    dropped_partitions: list[str] = field(default_factory=list)
    created_partitions: list[str] = field(default_factory=list)
    skipped_partitions: list[str] = field(default_factory=list)  # locked: next run

    def add(self, name: str, count: int) -> None:
        """Count `count` more records of `name`."""
        self.counts[name] = self.counts.get(name, 0) + count


def run(runtime: Runtime, as_of: datetime | None = None, dry_run: bool = False) -> Report:
    """Purge (or with `dry_run`, count) everything expired at `as_of` (default now)."""
    report = Report(as_of=as_of or utcnow(), dry_run=dry_run)
    lock = runtime.redis.lock(LOCK_KEY, timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        report.busy = True
        return report
    try:
        retention = runtime.config.retention
        for step in STEPS:
            cutoff = report.as_of - retention[step.kind]
            if step.partitioned_by is not None:
                _partitions(runtime, step, cutoff, report)
            report.add(step.name, _rows(runtime, step, cutoff, dry_run))
        volatile.purge(runtime.redis, retention, report.as_of, dry_run, report.add)
        jobs.purge(runtime, report.as_of - retention["job_data"], dry_run, report.add)
    finally:
        try:
            lock.release()
        except LockError:  # it outlived LOCK_SECONDS: harmless, the purge is idempotent
            log.warning("purge: ran past its lock's %d s", LOCK_SECONDS)
    return report


def nightly() -> None:
    """RQ job (cron): the nightly purge, its counts logged (no personal data in them)."""
    report = run(current())
    if report.busy:
        log.warning("purge: another purge is running; this one did nothing")
        return
    log.info("purge done: %s; partitions dropped %s, created %s",
             ", ".join(f"{name} {count}" for name, count in report.counts.items()),
             report.dropped_partitions or "none", report.created_partitions or "none")


def _rows(runtime: Runtime, step: Step, cutoff: datetime, dry_run: bool) -> int:
    """Delete (or count) the step's expired rows, a batch per transaction."""
    if dry_run:
        with runtime.sessions() as session:
            return session.scalar(select(func.count()).select_from(
                step.expired(cutoff).subquery()))
    deleted = 0
    while True:
        with transaction(runtime.sessions) as session:
            # An id, or a key of several columns (the inbound dedup's).
            ids = [row[0] if len(row) == 1 else tuple(row)
                   for row in session.execute(step.expired(cutoff).limit(BATCH))]
            if ids:
                deleted += step.delete(session, ids)
        if len(ids) < BATCH:
            return deleted


def _partitions(runtime: Runtime, step: Step, cutoff: datetime, report: Report) -> None:
    """Drop the weeks of the step's table older than `cutoff` whole (their rows
    counted in the statistics first), and create the weeks ahead; PostgreSQL only.
    A dry run only lists them: its row count (`_rows`) covers their rows."""
    column = step.partitioned_by
    table = column.table.name
    with transaction(runtime.sessions) as session:
        if not partitions.is_partitioned(session, table):
            return
        expired = partitions.expired(session, table, cutoff)
        ahead = partitions.missing(session, table, report.as_of,
                                   report.as_of + partitions.AHEAD)
    for partition in expired:
        if report.dry_run:
            report.dropped_partitions.append(partition.name)
            continue
        with _busy_skipped(partition.name, report), transaction(runtime.sessions) as session:
            if step.counted_as:
                statistics.archive(session, step.counted_as, column >= partition.start,
                                   column < partition.end)
            report.add(step.name, partitions.drop(session, partition))
            report.dropped_partitions.append(partition.name)
    for partition in ahead:
        if report.dry_run:
            report.created_partitions.append(partition.name)
            continue
        with _busy_skipped(partition.name, report), transaction(runtime.sessions) as session:
            partitions.create(session, table, partition)
            report.created_partitions.append(partition.name)


@contextmanager
def _busy_skipped(name: str, report: Report) -> Iterator[None]:
    """A partition whose table stayed locked past the DDL's lock timeout is left for
    the next run (its rows past the cutoff are still deleted row by row)."""
    try:
        yield
    except OperationalError as error:
        if not isinstance(error.orig, LockNotAvailable):
            raise
        log.warning("purge: %s is busy; left for the next run", name)
        report.skipped_partitions.append(name)
