"""A reminder run over 100,000 active cases completes within bounded memory:
cases are read a batch at a time, their outbox rows inserted in one statement per
batch and handed to the workers as one delivery job per chunk, in one Redis pipeline per
batch. The test only enqueues (sending 100,000 SMS is the provider's business, at its
rate). Its speed is the benchmark's business (`bench/fanout.py` times the same run);
the time is printed here only for the reader."""

from __future__ import annotations

import time
import tracemalloc
from datetime import timedelta

from rq import Queue
from sqlalchemy import func, select, text

from gateway.quarantine import runs
from gateway.sms import jobs, outbound
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage, utcnow
from gateway.store.partitions import partition_name, week_start
from tests.quarantine.conftest import DAY, MORNING, runtime_of

CASES = 100_000
# Holding every case, message and job of the run at once would take hundreds of MB
# (about 3 KB each as ORM rows, rendered bodies and RQ jobs); one batch takes a few.
PEAK_BYTES = 40 * 1024 * 1024


def insert_cases(app, count: int, manager: int) -> None:
    """`count` active cases, inserted by PostgreSQL itself."""
    with transaction(runtime_of(app).sessions) as session:
        session.execute(text(
            "INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, "
            "manager_id, status, alert, channel, created_at, updated_at) "
            "SELECT '+849' || lpad(n::text, 8, '0'), 'Nguoi ' || n, 'home', :start, :end, "
            ":manager, 'active', false, 'cli', now(), now() "
            "FROM generate_series(1, :count) AS n"),
            {"start": DAY - timedelta(days=2), "end": DAY + timedelta(days=12),
             "manager": manager, "count": count})
    # What autovacuum does after a load like this: without statistics the planner takes
    # the 100,000 rows for a handful and sorts them all for every batch.
    with runtime_of(app).engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE quarantine_cases")


def test_a_run_over_100000_cases_is_bounded(app, manager, capsys):
    insert_cases(app, CASES, manager)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = runs.run("morning", today=DAY, now=MORNING)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with capsys.disabled():
        print(f"\n{CASES} cases: {elapsed:.1f} s, peak {peak / 2**20:.1f} MiB "
              f"(batches of {runs.BATCH})")
    assert (result["result"], result["seen"], result["queued"]) == ("done", CASES, CASES)
    with runtime_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMessage)
                              .where(OutboundMessage.kind == "reminder")) == CASES
    redis = runtime_of(app).redis
    assert Queue("bulk", connection=redis).count == CASES // jobs.CHUNK
    ids = [outbound.job_of(redis, n) for n in (1, CASES)]
    assert all(ids) and ids[0] != ids[1]  # each message knows its chunk's job
    assert peak < PEAK_BYTES, f"peak {peak} bytes"


def claim_plan(app, message_id: int) -> str:
    """How PostgreSQL would run a worker's claim of the message (its plan, as text)."""
    with runtime_of(app).engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "EXPLAIN UPDATE outbound_messages SET status = 'sending' "
            f"WHERE id = {int(message_id)} AND status = 'queued'").all()
    return "\n".join(row[0] for row in rows)


def test_a_big_run_leaves_the_workers_claims_on_the_primary_key(app, manager):
    # Statistics gathered while every message was sent say nothing is ever queued; a run
    # then queues thousands, and until the statistics learn of it each claim would walk
    # the status index over all of them.
    with transaction(runtime_of(app).sessions) as session:
        session.execute(text(
            "INSERT INTO outbound_messages (phone, body, kind, priority, segments, status, "
            "attempts, backend, sender, created_at, updated_at) SELECT '+8491' || "
            "lpad(n::text, 7, '0'), 'ok', 'otp', 'high', 1, 'sent', 1, '', '', now(), now() "
            "FROM generate_series(1, 200) AS n"))
    with runtime_of(app).engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE outbound_messages")
    insert_cases(app, 3 * runs.BATCH, manager)
    assert runs.run("morning", today=DAY, now=MORNING)["queued"] == 3 * runs.BATCH
    with runtime_of(app).sessions() as session:
        last = session.scalar(select(func.max(OutboundMessage.id)))
    # The outbox is partitioned by week on PostgreSQL: the claim probes this week's
    # primary key (and finds nothing in the other weeks' keys), never the status index.
    plan = claim_plan(app, last)
    week = partition_name("outbound_messages", week_start(utcnow()))
    assert f"{week}_pkey" in plan and "ix_outbound_messages_status" not in plan
