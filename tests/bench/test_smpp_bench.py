"""The SMPP part of the benchmark (bench/smpp.py), in its quick shape, so it cannot rot:
a real stack (gunicorn, an RQ worker, `gateway smpp`) against the SMSC peer, MO turns
over SMPP beside webhook turns, MT against the bare bind, the smpp process's RSS."""

from __future__ import annotations

from bench import report, smpp
from tests.conftest import PG_ADMIN_URL

MO, MT = 10, 300


def test_the_smpp_bench_quick_run_measures_every_figure_and_loses_nothing(redis_url):
    results = smpp.measure(mo=MO, mt=MT, web=1, workers=1, timeout=120,
                           redis_url=redis_url, pg_admin=PG_ADMIN_URL)
    assert smpp.passed(results)
    assert (results["mt_lost"], results["mt_sent_twice"]) == (0, 0)
    for run in ("mo_webhook_before", "mo_smpp", "mo_webhook_after"):
        assert results[run]["turns"] == MO and results[run]["turns_per_second"] > 0
    assert results["mo_ratio_to_webhook"] > 0
    assert results["mt"]["accepted"] == MT and results["mt"]["per_second"] > 0
    assert results["mt_bare_bind_before"]["accepted"] == MT
    assert results["mt_ratio_to_bare_bind"] > 0
    rss = results["mt"]["smpp_rss_mib"]
    assert rss["samples"] >= 2 and 0 < rss["first"] <= rss["max"]
    assert results["mt_cpu_ms_per_message"]["smpp process"] > 0
    page = "\n".join(report.smpp_markdown(results))
    assert "MO over SMPP / webhook turn" in page and "MT through the gateway" in page
