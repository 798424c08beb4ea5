"""Run the whole benchmark: `python -m bench.run [--quick]` (or `scripts/bench`).

Baseline (bare endpoint) → whole conversations → baseline again → latency against
load → scale-out with 1, 2 and 4 web processes (and workers) → correctness of
every record → fan-out (100,000 reminders, 1,000 digests) → the SMPP channel against
the SMSC peer (bench/smpp.py) → exposure notification of 20,000 phones (bench/exposure.py)
→ report in bench/results/.
Exits non-zero when a record was lost or duplicated: a fast run that loses data fails."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bench import exposure, fanout, floor, load, report, scenarios, smpp
from bench.stack import Stack

RESULTS = Path(__file__).parent / "results"
# the main run and its baselines always run; `digest` alone is the fan-out's digest
# without its 100,000 reminders (`fanout` includes it)
PARTS = ("sweep", "scale", "fanout", "smpp", "exposure", "digest")
# (web processes, RQ workers): one and two of each, then four web processes, gunicorn's
# advice for 2 cores (its sync workers wait while a turn waits on PostgreSQL and Redis).
SCALE_OUT = ((1, 1), (2, 2), (4, 2))


def summary(run: load.Run, baseline: float) -> dict[str, float]:
    """Throughput, its ratio to the baseline, latency and errors of a run."""
    turns = report.all_turns(run)
    return {"throughput": run.throughput(), "ratio": run.throughput() / baseline if baseline
            else 0.0, "p50": report.percentile(turns, 50), "p95": report.percentile(turns, 95),
            "p99": report.percentile(turns, 99), "errors": len(run.timings.errors)}


async def measured(stack: Stack, running) -> tuple[load.Run, dict[str, float], float]:
    """Await a run; with the CPU seconds each process of the stack spent on it, and the
    web processes' seconds in the kernel."""
    before, kernel = stack.cpu_seconds(), stack.web_kernel_seconds()
    run = await running
    after = stack.cpu_seconds()
    return (run, {name: after[name] - before.get(name, 0.0) for name in after},
            stack.web_kernel_seconds() - kernel)


def per_request(cpu: dict[str, float], run: load.Run) -> dict[str, float]:
    """CPU milliseconds per request (turn), by process."""
    requests = run.throughput() * run.seconds
    return {name: 1000 * seconds / requests for name, seconds in cpu.items()}


async def measure(args) -> dict:
    """Every part of the benchmark, against one stack."""
    stack = Stack(web_processes=args.web, workers=args.workers,
                  web_worker_class=args.worker_class).up()
    try:
        venue = scenarios.prepare(stack.database_url, stack.config().tz)
        warm_up = await load.closed_loop(stack, venue, 4, 2)  # imports, pools, caches
        before, cpu_bare, kernel_bare = await measured(
            stack, load.bare(stack, args.phones, args.seconds))
        main, cpu_main, kernel_main = await measured(
            stack, load.closed_loop(stack, venue, args.phones, args.seconds))
        round_trips = floor.measure(stack.database_url, stack.redis_url)
        after = await load.bare(stack, args.phones, args.seconds)
        runs = [warm_up, main]  # every run's records are checked
        baseline = (before.throughput() + after.throughput()) / 2
        lives = sum(1 for made in main.expected.values() if made) / main.seconds
        sweep = []
        for share in (0.25, 0.5, 0.75, 1.0) if "sweep" in args.parts else ():
            run = await load.open_loop(stack, venue, lives * share, args.seconds)
            runs.append(run)
            sweep.append({"share": share, "lives_per_second": lives * share,
                          **summary(run, baseline)})
        scale = []
        for processes, workers in SCALE_OUT if "scale" in args.parts else ():
            stack.start_web(processes)
            stack.start_workers(workers)
            bare = await load.bare(stack, args.phones, args.seconds)
            run = await load.closed_loop(stack, venue, args.phones, args.seconds)
            runs.append(run)
            scale.append({"web_processes": processes, "workers": workers,
                          "bare": bare.throughput(), "throughput": run.throughput(),
                          "ratio": run.throughput() / bare.throughput()})
        stack.start_workers(args.workers)
        await asyncio.sleep(2)  # let the workers drain the last OTPs and alerts
        correctness = report.verify(stack.database_url, runs, stack.standin)
        fan_out = fanout.measure(stack, stack.config()) if "fanout" in args.parts else (
            fanout.measure_digest(stack, stack.config()) if "digest" in args.parts else None)
        return {
            "machine": report.machine(),
            "config": f"gunicorn {args.worker_class} workers: {args.web}, "
                      f"RQ workers: {args.workers}, "
                      f"virtual phones: {args.phones}, {args.seconds:.0f} s per run",
            "bare_before": summary(before, baseline), "bare_after": summary(after, baseline),
            "main": {**summary(main, baseline), "steps": report.steps(main),
                     "error_examples": main.timings.errors[:5]},
            "sweep": sweep, "scale_out": scale,
            "cpu_main": cpu_main,
            "cpu_ms_per_request": {"bare": per_request(cpu_bare, before),
                                   "turn": per_request(cpu_main, main)},
            "web_kernel_ms_per_request": {
                "bare": per_request({"web": kernel_bare}, before)["web"],
                "turn": per_request({"web": kernel_main}, main)["web"]},
            "round_trip_cpu_ms": round_trips,
            "correctness": correctness, "passed": report.passed(correctness),
            "fan_out": fan_out,
        }
    finally:
        stack.down()


def main() -> None:
    """Parse arguments, run, write and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument("--phones", type=int, default=32, help="virtual phones at once")
    parser.add_argument("--seconds", type=float, default=20, help="length of each run")
    parser.add_argument("--web", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="gthread:4",
                        help="gunicorn's worker class for the web: gthread:THREADS (the "
                             "Procfile's; keeps connections alive) or sync")
    parser.add_argument("--workers", type=int, default=1, help="RQ worker processes")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"what to run after the main run, of {','.join(PARTS)}")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.parts = set(args.parts.split(",")) - {""}
    if args.parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(args.parts - set(PARTS)))}")
    if args.quick:
        args.seconds, args.phones = 4, 8
        args.parts -= {"fanout", "digest"}
    results = asyncio.run(measure(args))
    if "smpp" in args.parts:  # a stack of its own, after the main one is down
        results["smpp"] = smpp.measure(mo=40 if args.quick else 500,
                                       mt=500 if args.quick else 100_000,
                                       web=args.web, workers=args.workers)
        results["passed"] = results["passed"] and smpp.passed(results["smpp"])
    if "exposure" in args.parts:  # a stack of its own too (bench/exposure.py)
        results["exposure"] = (exposure.measure(exposed=2_000, send_seconds=10) if args.quick
                               else exposure.measure())
        results["passed"] = results["passed"] and exposure.passed(results["exposure"])
    path = report.write(results, args.out)
    print(path.read_text())
    if not results["passed"]:
        sys.exit("FAILED: records lost, duplicated or unsent (see Correctness)")


if __name__ == "__main__":
    main()
