"""Prometheus metrics: turns and their latency (counted in-process), outbound messages
by status, queue depth, scheduled runs and API tokens' bulk reads (read from the
database and Redis at scrape time)."""

from __future__ import annotations

import logging
import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.ops import bulk_reads
from gateway.runtime import QUEUES
from gateway.sms.smpp import status as smpp_status
from gateway.store import messages
from gateway.store.models import utcnow

TURNS = Counter("gateway_turns_total", "Inbound messages handled, by channel and result",
                ["channel", "result"])
TURN_SECONDS = Histogram("gateway_turn_seconds", "Time to handle one inbound message",
                         ["channel"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5))
SENDS = Counter("gateway_sends_total", "Outbound send attempts, by backend and result",
                ["backend", "result"])
RUNS_KEY = "metrics:schedule_runs"  # Redis hash 'slot:result' -> count (see count_run)
log = logging.getLogger(__name__)
FAILED_KEY = "metrics:outbound_failed"  # Redis hash 'kind:reason' -> count (count_failure)


class StoreCollector:
    """Gauges read at scrape time, so every web process reports the same truth."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        """Outbound messages by status (from the database), RQ queue depths and
        scheduled runs (from Redis), and whether each source answered: a source that
        is down leaves its series out instead of failing the whole page."""
        up = GaugeMetricFamily("gateway_metrics_source_up", "Whether the metrics of a "
                               "source could be read at this scrape (1) or not (0)",
                               labels=["source"])
        for source, read in (("database", self._database), ("redis", self._redis)):
            try:
                families = list(read())
            except Exception as error:  # any failure: report it, keep the rest
                log.warning("metrics source unavailable",
                            extra={"source": source, "error": type(error).__name__})
                families = None
            up.add_metric([source], 0 if families is None else 1)
            yield from families or ()
        yield up

    def _database(self):
        outbound = GaugeMetricFamily("gateway_outbound_messages", "Outbound messages by status",
                                     labels=["status"])
        with self.runtime.sessions() as session:
            counts = messages.count_by_status(session)
        # Every known status is reported, zero included, so a series exists (and an
        # alert on e.g. `failed` can fire) before the first message reaches it.
        for status in sorted({*messages.STATUS_RANK, *counts}):
            outbound.add_metric([status], counts.get(status, 0))
        yield outbound

    def _redis(self):
        depth = GaugeMetricFamily("gateway_queue_depth", "Jobs waiting in each RQ queue",
                                  labels=["queue"])
        for name in QUEUES:
            depth.add_metric([name], self.runtime.queue(name).count)
        yield depth
        runs = CounterMetricFamily("gateway_schedule_runs", "Scheduled runs by slot and "
                                   "result (done, overlap, superseded, late, backlog)",
                                   labels=["slot", "result"])
        for field, count in sorted(self.runtime.redis.hgetall(RUNS_KEY).items()):
            slot, _, result = field.decode().partition(":")
            runs.add_metric([slot, result], int(count))
        yield runs
        failed = CounterMetricFamily("gateway_outbound_failed", "Outbound messages given up, "
                                     "by kind and reason (permanent, horizon, unreadable)",
                                     labels=["kind", "reason"])
        for field, count in sorted(self.runtime.redis.hgetall(FAILED_KEY).items()):
            kind, _, reason = field.decode().partition(":")
            failed.add_metric([kind, reason], int(count))
        yield failed
        yield from bulk_reads.families(self.runtime.redis, utcnow())
        yield from _smpp(smpp_status.read_all(self.runtime.redis))


def _smpp(states):
    """The SMPP processes' published states (gateway/sms/smpp/status.py), per process."""
    bound = GaugeMetricFamily("gateway_smpp_bound", "Whether an smpp process is bound",
                              labels=["process"])
    window = GaugeMetricFamily("gateway_smpp_window_in_use", "Submits awaiting an answer",
                               labels=["process"])
    per_minute = GaugeMetricFamily("gateway_smpp_mo_per_minute", "MO in the last minute",
                                   labels=["process"])
    counts = CounterMetricFamily("gateway_smpp_events", "SMPP events since the process "
                                 "started (submits, throttled, receipts, unknown_receipts…)",
                                 labels=["process", "event"])
    for state in states:
        process = state["process"]
        bound.add_metric([process], 1 if state["bound"] else 0)
        window.add_metric([process], state["window_in_use"])
        per_minute.add_metric([process], state["mo_per_minute"])
        for event, count in sorted(state["counters"].items()):
            counts.add_metric([process, event], count)
    yield from (bound, window, per_minute, counts)


def count_failure(redis, kind: str, reason: str, count: int = 1) -> None:
    """Count outbound messages given up, in Redis like `count_run`: the worker that
    gave up is not the process Prometheus scrapes."""
    redis.hincrby(FAILED_KEY, f"{kind}:{reason}", count)


def count_run(redis, slot: str, result: str) -> None:
    """Count a scheduled run's result in Redis, where every process (the worker that
    ran it, the web process scraped) sees the same number."""
    redis.hincrby(RUNS_KEY, f"{slot}:{result}", 1)


def exposition(runtime) -> bytes:
    """The metrics page. Under gunicorn with PROMETHEUS_MULTIPROC_DIR set, counters
    from every worker process are merged."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (TURNS, TURN_SECONDS, SENDS):
            registry.register(collector)
    registry.register(StoreCollector(runtime))
    return generate_latest(registry)
