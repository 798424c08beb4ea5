"""Fault runs under load: `python -m bench.chaos [--quick] [--only NAME,…]` (or
`scripts/chaos`).

Each scenario starts its own stack (`bench/stack.py`: gunicorn, an RQ worker, the cron
process, the Twilio stand-in) on a private PostgreSQL cluster and a private Redis (a
primary, a replica and three sentinels for the failover), never the shared servers.
Phones text the gateway (every turn sends an OTP) and a morning reminder run hands a
few thousand messages to the worker; then the fault:

- `worker-kill`: the worker SIGKILLed mid-run (its supervisor restarts it);
- `redis-aof` / `redis-no-persistence`: Redis SIGKILLed, restarted after a few seconds
  with its append-only file, or empty;
- `postgres-stop`: PostgreSQL stopped for ~10 s;
- `provider-outage`: the provider answers 429 (Retry-After) then 500, a minute in all;
- `redis-failover`: the Redis primary SIGKILLed; the sentinels promote the replica.

After the fault the phones go on for a while, then the run waits for the outbox to
drain and counts, against the stand-in's list: messages expected (outbox rows), lost
(never accepted by the provider), sent twice, the longest stall of sending (the longest
gap between two sends from the fault on), how long sending took to resume after the
fault ended, and server errors the phones met (5xx other than a 503 with Retry-After).
Targets: 0 lost, 0 sent twice, sending resumes ≤ 60 s after Redis returns.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select

from bench.chaos_load import Supervisor, Texting
from bench.fanout import insert_cases
from bench.postgres import PostgresCluster
from bench.stack import Stack, kill_tree
from gateway import runtime as runtimes
from gateway.days import local_date
from gateway.quarantine import runs
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage, utcnow
from tests.redis_servers import RedisServer, SentinelCluster

RESULTS = Path(__file__).parent / "results"
SCENARIOS = ("worker-kill", "redis-aof", "redis-no-persistence", "postgres-stop",
             "provider-outage", "redis-failover")


@dataclass(frozen=True)
class Shape:
    """How big and long a run is."""

    cases: int            # people reminded by the bulk run
    rate: float           # SMS_RATE_PER_SECOND: the bulk run lasts about cases / rate
    phones: int           # phones texting at once
    pause: float          # seconds between a phone's messages (one worker sends all:
    #                       OTPs go first, so too many would starve the bulk run)
    fault_at: float       # the fault comes once this share of the bulk run is sent
    down: float           # seconds Redis or PostgreSQL stays down
    outage: float         # seconds of each of the provider's 429 and 500 answers
    settle: float         # seconds the phones go on after the fault ended
    drain: float          # longest wait for the outbox to be sent after that


# A run ends when every message was sent or `drain` seconds after the load stopped: with
# nothing stalled the full run takes about 10 minutes, the quick one about 5.
FULL = Shape(cases=3000, rate=100, phones=3, pause=0.5, fault_at=0.2, down=10, outage=30, settle=10,
             drain=150)
QUICK = Shape(cases=300, rate=50, phones=2, pause=0.3, fault_at=0.2, down=3, outage=5, settle=4,
              drain=60)


@dataclass
class Run:
    """One scenario's servers, stack and load."""

    shape: Shape
    stack: Stack
    pg: PostgresCluster
    redis: RedisServer | None = None
    cluster: SentinelCluster | None = None
    supervisor: Supervisor | None = None


def worker_kill(run: Run) -> float:
    """SIGKILL the worker (and its scheduler); ends when its supervisor restarted it."""
    before = len(run.supervisor.restarted_at)
    kill_tree(run.stack.processes["worker0"].pid)
    while len(run.supervisor.restarted_at) == before:
        time.sleep(0.05)
    return run.supervisor.restarted_at[-1][1]


def redis_restart(run: Run) -> float:
    """SIGKILL Redis; start it again on the same port and files after `down` s."""
    run.redis.kill()
    time.sleep(run.shape.down)
    run.redis.start()
    return time.monotonic()


def postgres_stop(run: Run) -> float:
    """Stop PostgreSQL for `down` seconds (at least 10 in a full run)."""
    run.pg.stop()
    time.sleep(run.shape.down)
    run.pg.start()
    return time.monotonic()


def provider_outage(run: Run) -> float:
    """The provider answers 429 with Retry-After, then 500, `outage` seconds each."""
    run.stack.standin.outage(429, run.shape.outage, retry_after=5)
    time.sleep(run.shape.outage)
    run.stack.standin.outage(500, run.shape.outage)
    time.sleep(run.shape.outage)
    return time.monotonic()


def redis_failover(run: Run) -> float:
    """SIGKILL the Redis primary; ends when the sentinels name the new one (the old one
    is then restarted and rejoins as a replica)."""
    old = run.cluster.kill_primary()
    run.cluster.wait_for_failover(old)
    recovered = time.monotonic()
    old.start()
    return recovered


FAULTS: dict[str, Callable[[Run], float]] = {
    "worker-kill": worker_kill, "redis-aof": redis_restart,
    "redis-no-persistence": redis_restart, "postgres-stop": postgres_stop,
    "provider-outage": provider_outage, "redis-failover": redis_failover}


def _key(phone: str, body: str) -> tuple[str, str]:
    """A message's identity for the count: its phone and body, with codes (and an
    outbox's masked code) made alike."""
    return phone, re.sub(r"\d{6}|\*{6}", "######", body)


def tally(run: Run) -> dict[str, int]:
    """Expected (outbox rows), lost (not accepted by the provider), sent twice; and the
    outbox's own view: rows given up (`failed`) and rows not settled yet (`queued` or
    `sending`: a send the sweeper will retry, or one the provider has but whose worker
    died before recording it)."""
    rt = runtimes.current()
    with rt.sessions() as session:
        rows = session.execute(select(OutboundMessage.phone, OutboundMessage.body,
                                      OutboundMessage.status)).all()
    outbox = Counter(_key(phone, body) for phone, body, _ in rows)
    statuses = Counter(status for _, _, status in rows)
    sent = Counter(_key(m["to"], m["body"]) for m in list(run.stack.standin.messages))
    return {"expected": sum(outbox.values()),
            "lost": sum(max(0, n - sent[k]) for k, n in outbox.items()),
            "sent_twice": sum(max(0, n - outbox[k]) for k, n in sent.items()),
            "failed": statuses["failed"],
            "pending": statuses["queued"] + statuses["sending"]}


def stalls(run: Run, fault_at: float, recovered: float) -> tuple[float, float]:
    """The longest gap between sends from the fault on, and the seconds from the end
    of the fault to the first send after it."""
    accepted = sorted(r.received_at for r in list(run.stack.standin.requests)
                      if r.status == 201 and r.received_at >= fault_at)
    points = [fault_at, *accepted]
    longest = max((b - a for a, b in pairwise(points)), default=0.0)
    after = [t for t in accepted if t >= recovered]
    return longest, (after[0] - recovered) if after else float("inf")


def _wait_for_bulk(run: Run, count: int, timeout: float = 120) -> None:
    """Block until `count` reminders were sent (the worker is up and sending: on a
    loaded machine it may take seconds to start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = sum(1 for m in list(run.stack.standin.messages)
                   if not m["to"].startswith(Texting.PREFIX))
        if sent >= count:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the bulk run did not start sending within {timeout:.0f} s")


def scenario(name: str, shape: Shape, pg: PostgresCluster, log=print) -> dict:
    """Run one fault scenario on a fresh stack; its figures."""
    directory = Path(tempfile.mkdtemp(prefix=f"gwchaos-{name}-"))
    run = Run(shape, Stack(web_processes=2, workers=1, pg_admin=pg.admin_url,
                           log_dir=directory), pg)
    if name == "redis-failover":
        run.cluster = SentinelCluster(directory).start()
        run.stack.redis_url = run.cluster.url
    else:
        run.redis = RedisServer(directory, "redis",
                                appendonly=name != "redis-no-persistence").start()
        run.stack.redis_url = run.redis.url
    run.stack.overrides = {"SMS_RATE_PER_SECOND": str(shape.rate), "LOG_LEVEL": "WARNING"}
    texting = None
    log(f"  {name}: logs in {directory}")
    try:
        run.stack.up()
        run.stack.start_cron()
        run.supervisor = Supervisor(run.stack).start()
        rt = runtimes.build(run.stack.config())
        day = local_date(utcnow(), rt.config.tz)
        with transaction(rt.sessions) as session:
            insert_cases(session, shape.cases, max(1, shape.cases // 100), day)
        texting = Texting(run.stack, shape.phones, shape.pause).start()
        time.sleep(2)
        reminded = runs.run("morning", today=day)
        log(f"  {name}: {reminded.get('queued', 0)} reminders queued")
        _wait_for_bulk(run, int(shape.cases * shape.fault_at))
        fault_at = time.monotonic()
        recovered = FAULTS[name](run)
        log(f"  {name}: fault over after {recovered - fault_at:.1f} s")
        time.sleep(shape.settle)
        texting.stop()
        deadline = time.monotonic() + shape.drain
        counts = tally(run)
        while (counts["lost"] or counts["pending"]) and time.monotonic() < deadline:
            time.sleep(2)
            counts = tally(run)
        drained = time.monotonic()
        longest, resumed = stalls(run, fault_at, recovered)
        answers = texting.answers
        return {"scenario": name, **counts,
                "longest_stall_s": round(longest, 1), "resumed_after_s": round(resumed, 1),
                "fault_s": round(recovered - fault_at, 1),
                "drained_s": round(drained - recovered, 1),
                "server_errors": sum(answers.server_errors.values()),
                "server_error_statuses": dict(answers.server_errors),
                "turns": answers.answered, "retry_later_503": answers.retry_later,
                "unanswered_attempts": answers.unanswered, "given_up": answers.given_up,
                "refused_4xx": dict(answers.refused),
                "restarts": dict(run.supervisor.restarts)}
    finally:
        if texting is not None:
            texting.stop()
        if run.supervisor is not None:
            run.supervisor.stop()
        runtimes.close()
        run.stack.down()
        if run.cluster is not None:
            run.cluster.stop()
        if run.redis is not None:
            run.redis.stop()


COLUMNS = (("scenario", "fault"), ("expected", "expected"), ("lost", "lost"),
           ("failed", "outbox failed"), ("pending", "outbox unsettled"),
           ("sent_twice", "sent twice"), ("longest_stall_s", "longest stall (s)"),
           ("resumed_after_s", "resumed after fault (s)"), ("server_errors", "server errors"),
           ("turns", "turns"), ("restarts", "restarts"))


def markdown(results: list[dict], shape: Shape, quick: bool) -> str:
    """The results as a Markdown table with the run's shape."""
    lines = [f"# Faults ({'quick' if quick else 'full'} run, "
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", "",
             f"{shape.cases} reminders at SMS_RATE_PER_SECOND={shape.rate:g}, {shape.phones} "
             f"phones texting KB (each turn sends an OTP); Redis or PostgreSQL down "
             f"{shape.down:g} s, provider 429 then 500 for {shape.outage:g} s each; "
             f"each run waits at most {shape.drain:g} s for its outbox to drain.", "",
             "*Lost*: never accepted by the provider when the run ended. *Outbox failed*: "
             "rows given up; *unsettled*: rows still queued or sending (the sweeper settles "
             "them later: sends them, or marks them sent after asking the provider). *Longest "
             "stall*: the longest gap between two sends from the fault on. *Resumed*: from "
             "the end of the fault (worker restarted, Redis or PostgreSQL back, outage over, "
             "new primary named) to the next send. *Server errors*: answers to the phones "
             "that were a 5xx other than a 503 with Retry-After.", "",
             "| " + " | ".join(title for _, title in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for result in results:
        if "error" in result:  # the scenario could not run to the end
            cells = [result["scenario"], f"not run to the end: {result['error']}"]
            cells += [""] * (len(COLUMNS) - len(cells))
        else:
            cells = [str(result[key]) for key, _ in COLUMNS[:-1]]
            cells.append(", ".join(f"{k} {v}" for k, v in result["restarts"].items()) or "0")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def passed(results: list[dict]) -> bool:
    """The targets: nothing lost, nothing sent twice, sending back within 60 s."""
    return all(r.get("lost") == 0 and r.get("sent_twice") == 0
               and r.get("resumed_after_s", 99) <= 60 for r in results)


def main() -> None:
    """Parse arguments, run the scenarios, write and print the report."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", default="", help=f"scenarios, of {','.join(SCENARIOS)}")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(SCENARIOS)
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    shape = QUICK if args.quick else FULL
    # A SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C: every server this run
    # started is stopped by the `finally` blocks, none is left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("chaos: terminated"))
    pg = PostgresCluster().start()
    results = []
    try:
        for name in names:
            started = time.monotonic()
            print(f"chaos: {name}", flush=True)
            try:
                result = scenario(name, shape, pg, log=lambda m: print(m, flush=True))
            except Exception as error:  # one broken scenario must not hide the others
                result = {"scenario": name, "error": f"{type(error).__name__}: {error}"}
            result["seconds"] = round(time.monotonic() - started, 1)
            print(json.dumps(result), flush=True)
            results.append(result)
    finally:
        pg.destroy()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "chaos.json").write_text(json.dumps(results, indent=2) + "\n")
    report = markdown(results, shape, args.quick)
    (args.out / "chaos.md").write_text(report)
    print(report)
    if not passed(results):
        sys.exit("FAILED: a message was lost or sent twice, or sending stalled > 60 s")


if __name__ == "__main__":
    main()
