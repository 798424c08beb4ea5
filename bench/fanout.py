"""Fan-out: a reminder run over 100,000 active quarantine cases (time to enqueue, the
enqueuing process's memory, then the send rate to the stand-in and the worker's
memory), and a digest run for 1,000 managers (with the workers stopped)."""

from __future__ import annotations

import time
from datetime import timedelta

import psutil
from sqlalchemy import text

from gateway import runtime as runtimes
from gateway.config import Config
from gateway.days import local_date
from gateway.quarantine import runs
from gateway.store.db import transaction
from gateway.store.models import utcnow

CASES = 100_000
MANAGERS = 1_000
SEND_SECONDS = 15


def insert_cases(session, cases: int, managers: int, day) -> None:
    """`cases` active home-quarantine cases (phones +849 and n in 8 digits, n from 1)
    under `managers` managers, in two statements."""
    session.execute(text(
        "INSERT INTO users (username, display_name, role, phone, active, failed_logins, "
        "created_at) SELECT 'bench-mgr-' || n, 'Manager ' || n, 'manager', "
        "'+8498' || lpad(n::text, 7, '0'), true, 0, now() "
        "FROM generate_series(1, :managers) AS n"), {"managers": managers})
    session.execute(text(
        "INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, "
        "manager_id, status, alert, channel, created_at, updated_at) "
        "SELECT '+849' || lpad(n::text, 8, '0'), 'Nguoi ' || n, 'home', :start, :end, "
        "(SELECT min(id) FROM users WHERE username LIKE 'bench-mgr-%') + n % :managers, "
        "'active', false, 'cli', now(), now() FROM generate_series(1, :cases) AS n"),
        {"start": day - timedelta(days=2), "end": day + timedelta(days=12), "cases": cases,
         "managers": managers})


def measure_digest(stack, config: Config) -> dict[str, float]:
    """The digest run for 1,000 managers over 100,000 cases alone (part `digest`), with
    the workers stopped as in `measure`."""
    runtime = runtimes.build(config)
    day = local_date(utcnow(), runtime.config.tz)
    with transaction(runtime.sessions) as session:
        session.execute(text("UPDATE quarantine_cases SET status = 'closed'"))
        insert_cases(session, CASES, MANAGERS, day)
    with runtime.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    for name in [n for n in stack.processes if n.startswith("worker")]:
        stack.stop(name)
    started = time.perf_counter()
    digests = runs.run("digest", today=day)
    digest_seconds = time.perf_counter() - started
    runtime.engine.dispose()
    return {"managers": MANAGERS, "digests_queued": digests.get("queued", 0),
            "digest_seconds": round(digest_seconds, 1)}


def measure(stack, config: Config) -> dict[str, float]:
    """Run both fan-outs against the stack; figures for the report."""
    runtime = runtimes.build(config)
    day = local_date(utcnow(), runtime.config.tz)
    with transaction(runtime.sessions) as session:
        # The load runs' people in quarantine are done: the fan-out counts only its own.
        session.execute(text("UPDATE quarantine_cases SET status = 'closed'"))
        insert_cases(session, CASES, MANAGERS, day)
    with runtime.engine.begin() as connection:  # what autovacuum does after such a load
        connection.exec_driver_sql("ANALYZE")
    me = psutil.Process()
    rss_before = me.memory_info().rss
    started = time.perf_counter()
    reminded = runs.run("morning", today=day)
    enqueue_seconds = time.perf_counter() - started
    rss_peak = me.memory_info().rss
    sent_before = len(stack.standin.messages)
    worker = psutil.Process(stack.processes["worker0"].pid)
    worker_rss = 0
    cpu_before = stack.cpu_seconds()
    deadline = time.monotonic() + SEND_SECONDS
    while time.monotonic() < deadline:
        worker_rss = max(worker_rss, sum(p.memory_info().rss for p in
                                         [worker, *worker.children(recursive=True)]))
        time.sleep(0.5)
    sent = len(stack.standin.messages) - sent_before
    cpu_after = stack.cpu_seconds()
    # By 17:00 the morning's reminders are long sent: the digest is timed on its own,
    # not beside a worker still sending 100,000 of them (and the stand-in answering it
    # in this process).
    for name in [n for n in stack.processes if n.startswith("worker")]:
        stack.stop(name)
    started = time.perf_counter()
    digests = runs.run("digest", today=day)
    digest_seconds = time.perf_counter() - started
    runtime.engine.dispose()
    return {"cases": CASES, "reminders_queued": reminded.get("queued", 0),
            "enqueue_seconds": round(enqueue_seconds, 1),
            "enqueue_process_rss_growth_mb": round((rss_peak - rss_before) / 2**20, 1),
            "send_rate_per_second": round(sent / SEND_SECONDS, 1),
            "worker_peak_rss_mb": round(worker_rss / 2**20, 1),
            "cpu_seconds_while_sending": {name: round(cpu_after[name] - cpu_before.get(name, 0), 1)
                                          for name in cpu_after},
            "managers": MANAGERS, "digests_queued": digests.get("queued", 0),
            "digest_seconds": round(digest_seconds, 1)}
