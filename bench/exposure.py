"""Exposure notification at scale (part `exposure`): a confirmed case whose market
visit overlapped 20,000 other visitors. Measured: marking (listing the exposures),
confirming (the notices and their outbox rows in one transaction, then the hand-over to
the bulk queue: "enqueued in seconds"), the send rate to the stand-in against the
configured SMS_RATE_PER_SECOND ("drains at the configured rate"), a second
confirmation (it must queue nothing), and whether any phone was texted twice.

`python -m bench.exposure [--quick]` runs it alone; `bench.run --parts exposure` with
the rest. tests/bench/test_exposure_bench.py runs it small so it cannot rot."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import text

from bench.stack import Stack
from gateway import runtime as runtimes
from gateway.store.db import transaction
from gateway.store.models import utcnow
from gateway.tracing import marking, notifying

EXPOSED = 20_000
RATE = 100            # SMS_RATE_PER_SECOND of the run: a short code's
SEND_SECONDS = 20     # how long the drain is watched
CASE = "+84900000000"


def insert_visits(session, exposed: int, start) -> None:
    """A market, the case's two hours there from `start`, and `exposed` visitors each
    overlapping it by an hour (phones +8491 and n in 7 digits), in three statements."""
    session.execute(text(
        "INSERT INTO venues (code, name, kind, province_code, province_name, ward_code, "
        "ward_name, street, active, channel, created_at) VALUES ('9999999', 'Cho Dong Xuan', "
        "'market', 1, 'Ha Noi', 70, 'Hoan Kiem', '', true, 'cli', now())"))
    session.execute(text(
        "INSERT INTO visits (venue_id, phone, channel, checked_in_at, checked_out_at, "
        "closed_by) SELECT id, :case, 'sms', :start, :end, 'checkout' FROM venues "
        "WHERE code = '9999999'"),
        {"case": CASE, "start": start, "end": start + timedelta(hours=2)})
    session.execute(text(
        "INSERT INTO visits (venue_id, phone, channel, checked_in_at, checked_out_at, "
        "closed_by) SELECT (SELECT id FROM venues WHERE code = '9999999'), "
        "'+8491' || lpad(n::text, 7, '0'), 'sms', :start, :end, 'checkout' "
        "FROM generate_series(1, :exposed) AS n"),
        {"start": start + timedelta(minutes=30), "end": start + timedelta(minutes=90),
         "exposed": exposed})


def _drain(stack: Stack, before: int, expected: int,
           seconds: float) -> tuple[float, float, int]:
    """Watch the stand-in for up to `seconds` (or until `expected` more arrived): when
    the first and the last new message arrived, and how many did."""
    deadline = time.monotonic() + seconds
    first = last = 0.0
    seen = 0
    while time.monotonic() < deadline and seen < expected:
        count = len(stack.standin.messages) - before
        if count > seen:
            last = time.monotonic()
            first = first or last
            seen = count
        time.sleep(0.05)
    return first, last, seen


def _audit(_session, _case, _queued) -> None:
    """The benchmark has no console user or token to audit."""


def run(stack: Stack, exposed: int, send_seconds: float) -> dict[str, object]:
    """Mark, confirm, watch the drain, confirm again; figures for the report."""
    config = stack.config()
    runtime = runtimes.build(config)
    start = (utcnow() - timedelta(hours=6)).replace(microsecond=0)
    with transaction(runtime.sessions) as session:
        insert_visits(session, exposed, start)
    with runtime.engine.begin() as connection:  # what autovacuum does after such a load
        connection.exec_driver_sql("ANALYZE")
    began = time.perf_counter()
    with transaction(runtime.sessions) as session:
        marked = marking.mark(session, config, phone=CASE, start=start - timedelta(days=1),
                              end=start + timedelta(days=1), area=None, channel="web",
                              operator="bench")
        case_id = marked.case.id
    mark_seconds = time.perf_counter() - began
    sent_before = len(stack.standin.messages)
    began = time.perf_counter()
    done = notifying.notify(runtime, case_id, by="bench", channel="web", area=None,
                            audit=_audit)
    enqueue_seconds = time.perf_counter() - began
    first, last, sent = _drain(stack, sent_before, exposed, send_seconds)
    again = notifying.notify(runtime, case_id, by="bench", channel="web", area=None,
                             audit=_audit)
    twice = sum(1 for n in Counter(m["to"] for m in stack.standin.messages).values() if n > 1)
    runtime.engine.dispose()
    # From the first message to the last: the rate the sender held, not the workers'
    # start-up (the first job to be picked up).
    rate = (sent - 1) / (last - first) if sent > 1 and last > first else 0.0
    return {"exposed": exposed, "listed": marked.added, "mark_seconds": round(mark_seconds, 2),
            "queued": done.queued, "enqueue_seconds": round(enqueue_seconds, 2),
            "configured_rate": config.sms_rate_per_second,
            "sent": sent, "sending_seconds": round(last - first, 1),
            "send_rate_per_second": round(rate, 1),
            "rate_ratio_to_configured": round(rate / config.sms_rate_per_second, 2),
            "queued_by_second_confirmation": again.queued, "texted_twice": twice}


def measure(*, exposed: int = EXPOSED, rate: float = RATE, send_seconds: float = SEND_SECONDS,
            workers: int = 1, **stack_options) -> dict[str, object]:
    """The exposure part on a stack of its own (one web process, `workers` workers, the
    sender's rate set to `rate`)."""
    stack = Stack(web_processes=1, workers=workers,
                  overrides={"SMS_RATE_PER_SECOND": str(rate)}, **stack_options).up()
    try:
        return run(stack, exposed, send_seconds)
    finally:
        stack.down()


def passed(results: dict) -> bool:
    """Everyone listed was queued once, nobody texted twice, nothing queued again."""
    return (results["queued"] == results["exposed"] == results["listed"]
            and results["texted_twice"] == 0 and results["queued_by_second_confirmation"] == 0)


def main() -> None:
    """`python -m bench.exposure [--quick]`: run the part alone and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 exposed, 10 s watched")
    args = parser.parse_args()
    results = (measure(exposed=2_000, send_seconds=10) if args.quick else measure())
    print(json.dumps(results, indent=2))
    if not passed(results):
        raise SystemExit("FAILED: a phone was texted twice, or not queued once")


if __name__ == "__main__":
    main()
