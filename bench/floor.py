"""What one round trip costs a client's CPU on this machine, measured in the same run as
the turns: a PostgreSQL statement on an open connection, a transaction's BEGIN and
COMMIT, a Redis command. A turn's web CPU cannot go below the bare request plus its
round trips at these prices (bench/results.md, "Why the web CPU ratio fails")."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from redis import Redis

ROUNDS = 3000


def measure(database_url: str, redis_url: str) -> dict[str, float]:
    """Client CPU milliseconds per round trip, by kind."""
    redis = Redis.from_url(redis_url)
    with psycopg.connect(database_url, autocommit=True) as connection:
        def statement() -> None:
            connection.execute("SELECT %(n)s::int", {"n": 1}).fetchone()

        def begin_commit() -> None:
            with connection.transaction():
                pass

        figures = {"postgres_statement_ms": _cpu_ms(statement),
                   "postgres_begin_commit_ms": _cpu_ms(begin_commit),
                   "redis_command_ms": _cpu_ms(redis.ping)}
    redis.close()
    return figures


def _cpu_ms(work: Callable[[], object]) -> float:
    for _ in range(100):  # prepared statements, connection warmed
        work()
    started = time.process_time()
    for _ in range(ROUNDS):
        work()
    return 1000 * (time.process_time() - started) / ROUNDS
