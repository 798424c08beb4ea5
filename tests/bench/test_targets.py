"""The benchmark's report names issue 18's targets as pass/fail lines, each from its
own run's figures, and says which were not measured when their part did not run."""

from bench import report


def results(web_turn: float, web_bare: float, ratio: float, sweep_p99: float | None,
            digest: float | None, passed: bool = True) -> dict:
    return {"cpu_ms_per_request": {"turn": {"web": web_turn}, "bare": {"web": web_bare}},
            "main": {"ratio": ratio},
            "sweep": [] if sweep_p99 is None else [{"share": 0.5, "p99": 1.0},
                                                   {"share": 0.75, "p99": sweep_p99}],
            "fan_out": None if digest is None else {"digest_seconds": digest},
            "correctness": {"phones_with_wrong_records": 0 if passed else 2,
                            "sms_sent_twice": 0},
            "passed": passed}


def test_targets_met():
    found = report.targets(results(1.6, 0.45, 0.31, 42.0, 2.4))
    assert [t["met"] for t in found] == [True, True, True, True, True]
    assert found[0]["measured"] == "1.60 ms (3.6x the bare request's 0.45 ms)"
    lines = report.targets_markdown(results(1.6, 0.45, 0.31, 42.0, 2.4))
    assert "- pass: p99 <= 50 ms at 75 % of peak (measured: 42.0 ms)" in lines


def test_targets_missed_and_not_measured():
    found = report.targets(results(2.7, 0.27, 0.14, None, 46.0, passed=False))
    assert [t["met"] for t in found] == [False, False, None, False, False]
    lines = report.targets_markdown(results(2.7, 0.27, 0.14, None, 46.0, passed=False))
    assert "- not measured: p99 <= 50 ms at 75 % of peak (measured: not run)" in lines
    assert "- FAIL: digest for 1,000 managers <= 3 s (measured: 46.0 s)" in lines
    assert "- FAIL: records check: 0 wrong records, 0 sent twice (measured: 2 wrong, " \
           "0 sent twice)" in lines


def test_under_a_millisecond_passes_whatever_the_bare_request():
    assert report.targets(results(0.9, 0.1, 0.5, 10.0, 1.0))[0]["met"] is True


def test_the_kernel_share_and_round_trip_prices_are_reported():
    figures = {"web_kernel_ms_per_request": {"bare": 0.12, "turn": 0.9},
               "round_trip_cpu_ms": {"postgres_statement_ms": 0.061,
                                     "postgres_begin_commit_ms": 0.075,
                                     "redis_command_ms": 0.042}}
    line = report.round_trips_markdown(figures)[1]
    assert "0.12 ms per bare request, 0.90 ms per turn" in line
    assert "a PostgreSQL statement 0.061 ms, BEGIN + COMMIT 0.075 ms, a Redis command " \
           "0.042 ms" in line
    assert report.round_trips_markdown({}) == []
