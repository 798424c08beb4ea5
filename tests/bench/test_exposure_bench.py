"""The exposure part of the benchmark (bench/exposure.py), in a small shape, so it
cannot rot: a real stack (gunicorn, an RQ worker, the Twilio stand-in), a case over a
few hundred visitors, every one queued once and texted once at the configured rate,
a second confirmation queueing nothing."""

from __future__ import annotations

from bench import exposure
from tests.conftest import PG_ADMIN_URL

EXPOSED, RATE = 200, 25


def test_the_exposure_bench_quick_run_drains_at_the_configured_rate(redis_url):
    results = exposure.measure(exposed=EXPOSED, rate=RATE, send_seconds=30,
                               redis_url=redis_url, pg_admin=PG_ADMIN_URL)
    assert exposure.passed(results), results
    assert (results["listed"], results["queued"], results["sent"]) == (EXPOSED,) * 3
    assert results["enqueue_seconds"] < 10
    # The sender's bucket holds a second's burst; over a few seconds the rate is the
    # configured one, never much above it.
    assert results["configured_rate"] == RATE
    assert 0.5 <= results["rate_ratio_to_configured"] <= 1.5, results
