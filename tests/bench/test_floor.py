"""The benchmark's round-trip prices come from real round trips to PostgreSQL and Redis."""

from bench import floor


def test_round_trips_cost_measurable_client_cpu(pg_url, redis_url, monkeypatch):
    monkeypatch.setattr(floor, "ROUNDS", 300)
    figures = floor.measure(pg_url, redis_url)
    assert set(figures) == {"postgres_statement_ms", "postgres_begin_commit_ms",
                            "redis_command_ms"}
    # Each is a real round trip: more than nothing, and well under the 5 ms a turn once took.
    assert all(0 < value < 5 for value in figures.values()), figures
