"""Figures from runs: percentiles, ratios to the baseline, correctness of the records,
and the written report (Markdown table + JSON)."""

from __future__ import annotations

import json
import platform
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import create_engine, func, select

from bench.load import Run
from gateway.store.models import (
    Declaration,
    HealthReport,
    OutboundMessage,
    QuarantineCase,
    Visit,
)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank), in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def steps(run: Run) -> dict[str, dict[str, float]]:
    """Count and p50/p95/p99 (ms) per step type."""
    return {step: {"count": len(values), "p50": percentile(values, 50),
                   "p95": percentile(values, 95), "p99": percentile(values, 99)}
            for step, values in sorted(run.timings.latencies.items())}


def all_turns(run: Run) -> list[float]:
    """Every HTTP turn's latency (OTP delivery left out)."""
    return [v for k, vs in run.timings.latencies.items() if k != "otp.delivery" for v in vs]


def verify(database_url: str, runs: list[Run], standin) -> dict[str, object]:
    """Every conversation left exactly the records it should: declarations, visits and
    health reports per phone, an alert per danger sign reported, every outbound message
    sent, none of them twice."""
    expected: dict[str, Counter] = {}
    for run in runs:
        for phone, made in run.expected.items():
            expected.setdefault(phone, Counter()).update(made)
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as db:
        declared = dict(db.execute(select(Declaration.subject_phone, func.count())
                                   .group_by(Declaration.subject_phone)).all())
        visited = dict(db.execute(select(Visit.phone, func.count())
                                  .group_by(Visit.phone)).all())
        reported = dict(db.execute(select(QuarantineCase.phone, func.count())
                                   .join(HealthReport, HealthReport.case_id == QuarantineCase.id)
                                   .group_by(QuarantineCase.phone)).all())
        alerts = db.scalar(select(func.count()).select_from(OutboundMessage)
                           .where(OutboundMessage.kind == "alert"))
        statuses = dict(db.execute(select(OutboundMessage.status, func.count())
                                   .group_by(OutboundMessage.status)).all())
    engine.dispose()
    wrong = [phone for phone, made in expected.items()
             if declared.get(phone, 0) != made["declarations"]
             or visited.get(phone, 0) != made["visits"]
             or reported.get(phone, 0) != made["reports"]]
    provider_copies = Counter(m["body"] + m["to"] for m in standin.messages)
    made = sum(expected.values(), Counter())
    return {"phones": len(expected), "phones_with_wrong_records": len(wrong),
            "examples": wrong[:5],
            "records": {"declarations": made["declarations"], "visits": made["visits"],
                        "reports": made["reports"]},
            "alerts": {"expected": made["alerts"], "queued": alerts},
            "outbound_by_status": statuses,
            "sms_sent_twice": sum(1 for c in provider_copies.values() if c > 1)}


def passed(correctness: dict) -> bool:
    """Whether the records check found nothing wrong."""
    return (correctness["phones_with_wrong_records"] == 0 and correctness["sms_sent_twice"] == 0
            and correctness["alerts"]["expected"] == correctness["alerts"]["queued"]
            and set(correctness["outbound_by_status"]) <= {"sent"})


# Issue 18's targets, each measured against its own run's baseline.
WEB_CPU_PER_TURN_MS = 1.0       # or at most WEB_CPU_BARE_MULTIPLE × a bare request's
WEB_CPU_BARE_MULTIPLE = 4.0
TURN_RATIO = 0.3                # whole-conversation turns / bare requests per second
P99_AT_75_MS = 50.0             # p99 of the open loop at 75 % of the main run's peak
DIGEST_SECONDS = 3.0            # the digest run for 1,000 managers


def targets(results: dict) -> list[dict[str, object]]:
    """Each target of issue 18: what was measured and whether it was met (None: the
    part that measures it did not run)."""
    per = results["cpu_ms_per_request"]
    web_turn, web_bare = per["turn"].get("web", 0.0), per["bare"].get("web", 0.0)
    found = [{"target": f"web CPU per turn <= {WEB_CPU_PER_TURN_MS} ms or <= "
                        f"{WEB_CPU_BARE_MULTIPLE:.0f}x a bare request's",
              "measured": f"{web_turn:.2f} ms ({web_turn / web_bare:.1f}x the bare "
                          f"request's {web_bare:.2f} ms)" if web_bare else f"{web_turn:.2f} ms",
              "met": web_turn <= WEB_CPU_PER_TURN_MS
              or web_turn <= WEB_CPU_BARE_MULTIPLE * web_bare},
             {"target": f"turns >= {TURN_RATIO}x the bare endpoint's throughput",
              "measured": f"{results['main']['ratio']:.2f}x",
              "met": results["main"]["ratio"] >= TURN_RATIO}]
    at_75 = [s for s in results.get("sweep", []) if s["share"] == 0.75]
    found.append({"target": f"p99 <= {P99_AT_75_MS:.0f} ms at 75 % of peak",
                  "measured": f"{at_75[0]['p99']:.1f} ms" if at_75 else "not run",
                  "met": at_75[0]["p99"] <= P99_AT_75_MS if at_75 else None})
    digest = (results.get("fan_out") or {}).get("digest_seconds")
    found.append({"target": f"digest for 1,000 managers <= {DIGEST_SECONDS:.0f} s",
                  "measured": f"{digest:.1f} s" if digest is not None else "not run",
                  "met": digest <= DIGEST_SECONDS if digest is not None else None})
    correctness = results["correctness"]
    found.append({"target": "records check: 0 wrong records, 0 sent twice",
                  "measured": f"{correctness['phones_with_wrong_records']} wrong, "
                              f"{correctness['sms_sent_twice']} sent twice",
                  "met": results["passed"]})
    return found


def round_trips_markdown(results: dict) -> list[str]:
    """How much of the web CPU went to the kernel, and what one round trip costs a
    client here: the floor under a turn that makes several (none: not measured)."""
    kernel, trips = results.get("web_kernel_ms_per_request"), results.get("round_trip_cpu_ms")
    if not (kernel and trips):
        return []
    return ["", f"Of the web CPU, in the kernel (system calls): {kernel['bare']:.2f} ms per "
            f"bare request, {kernel['turn']:.2f} ms per turn. One round trip's client CPU "
            f"here: a PostgreSQL statement {trips['postgres_statement_ms']:.3f} ms, BEGIN + "
            f"COMMIT {trips['postgres_begin_commit_ms']:.3f} ms, a Redis command "
            f"{trips['redis_command_ms']:.3f} ms."]


def targets_markdown(results: dict) -> list[str]:
    """The targets as pass/fail lines."""
    verdicts = {True: "pass", False: "FAIL", None: "not measured"}
    return ["Targets (issue 18):", ""] + [
        f"- {verdicts[t['met']]}: {t['target']} (measured: {t['measured']})"
        for t in targets(results)] + [""]


def machine() -> dict[str, object]:
    """Where the figures were measured."""
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": psutil.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version(), "platform": platform.platform()}


def write(results: dict, directory: Path) -> Path:
    """Write results.json and results.md; return the Markdown path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(results, indent=2, default=str))
    md = directory / "results.md"
    md.write_text(markdown(results))
    return md


def markdown(results: dict) -> str:
    """The report as Markdown tables."""
    m, main = results["machine"], results["main"]
    lines = [f"# Benchmark, {m['date']}", "",
             f"Machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}; "
             f"{results['config']}", "",
             "| run | turns/s | ratio to bare | p50 ms | p95 ms | p99 ms | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name in ("bare_before", "main", "bare_after"):
        r = results[name]
        lines.append(f"| {name} | {r['throughput']:.0f} | {r['ratio']:.2f} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} |")
    lines += ["", "Per step (main run):", "", "| step | count | p50 ms | p95 ms | p99 ms |",
              "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {s} | {v['count']} | {v['p50']:.1f} | {v['p95']:.1f} | {v['p99']:.1f} |"
              for s, v in main["steps"].items()]
    lines += ["", "Latency against load (open loop, share of the main run's peak):", "",
              "| load | lives/s | turns/s | p50 ms | p99 ms | errors |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {s['share']:.0%} | {s['lives_per_second']:.1f} | {s['throughput']:.0f} | "
              f"{s['p50']:.1f} | {s['p99']:.1f} | {s['errors']} |" for s in results["sweep"]]
    lines += ["", "Scale-out (closed loop):", "",
              "| web processes | RQ workers | bare req/s | turns/s | ratio |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {s['web_processes']} | {s['workers']} | {s['bare']:.0f} | "
              f"{s['throughput']:.0f} | {s['ratio']:.2f} |" for s in results["scale_out"]]
    per = results["cpu_ms_per_request"]
    lines += ["", "CPU during the main run (seconds), and per request (ms): a bare request "
              "against a turn:", "",
              "| process | CPU s | ms per bare request | ms per turn |",
              "| --- | ---: | ---: | ---: |"]
    lines += [f"| {k} | {v:.1f} | {per['bare'].get(k, 0.0):.2f} | {per['turn'].get(k, 0.0):.2f} |"
              for k, v in results["cpu_main"].items()]
    lines += [f"| all | {sum(results['cpu_main'].values()):.1f} | "
              f"{sum(per['bare'].values()):.2f} | {sum(per['turn'].values()):.2f} |"]
    lines += round_trips_markdown(results)
    verdict = "passed" if results["passed"] else "FAILED"
    lines += ["", f"Correctness ({verdict}): {json.dumps(results['correctness'])}", ""]
    if results.get("fan_out"):
        lines += [f"Fan-out: {json.dumps(results['fan_out'])}", ""]
    lines += targets_markdown(results)
    if results.get("smpp"):
        lines += smpp_markdown(results["smpp"])
    if results.get("exposure"):  # bench/exposure.py
        lines += ["## Exposure notification", "", json.dumps(results["exposure"]), ""]
    return "\n".join(lines)


def smpp_markdown(smpp: dict) -> list[str]:
    """The SMPP part's tables (bench/smpp.py)."""
    lines = ["## SMPP", "", f"`bench/smpp.py`: {smpp['config']}", "",
             "| MO → reply run | turns | turns/s | p50 ms | p99 ms |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name in ("mo_webhook_before", "mo_smpp", "mo_webhook_after"):
        r = smpp[name]
        lines.append(f"| {name} | {r['turns']} | {r['turns_per_second']:.1f} | "
                     f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    mt, rss = smpp["mt"], smpp["mt"]["smpp_rss_mib"]
    lines += ["", f"MO over SMPP / webhook turn: {smpp['mo_ratio_to_webhook']:.2f}", "",
              "| MT run | messages | accepted | MT/s |", "| --- | ---: | ---: | ---: |"]
    for name in ("mt_bare_bind_before", "mt", "mt_bare_bind_after"):
        r = smpp[name]
        lines.append(f"| {name} | {r['messages']} | {r['accepted']} | {r['per_second']:.1f} |")
    lines += ["", f"MT through the gateway / bare bind: {smpp['mt_ratio_to_bare_bind']:.2f}; "
              f"CPU ms per MT: {json.dumps(smpp['mt_cpu_ms_per_message'])}; smpp process "
              f"RSS (MiB) first {rss['first']}, last {rss['last']}, max {rss['max']} "
              f"({rss['samples']} samples); sent twice {smpp['mt_sent_twice']}, "
              f"lost {smpp['mt_lost']}; CPU s: {json.dumps(mt['cpu_seconds'])}", ""]
    return lines
