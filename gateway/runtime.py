"""Process-wide resources: configuration, database engine, Redis and RQ queues.

Web processes get theirs from `create_app`; RQ jobs call `current()`, which builds
them from the environment once per process (no Flask app is needed in a worker).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redis import Redis
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.store import db
from gateway.store.redis import connect

# Highest priority first: a worker started with QUEUES drains them in this order, so
# OTPs and dialogue replies never wait behind bulk reminders and digests.
QUEUES = ("high", "default", "bulk")


@dataclass
class Runtime:
    """Connections shared by every request or job of one process."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Redis
    _queues: dict[str, Queue] = field(default_factory=dict)

    def queue(self, priority: str) -> Queue:
        """The RQ queue for a priority; in the demo, jobs run inline."""
        if priority not in QUEUES:
            raise ValueError(f"unknown queue {priority!r}")
        if priority not in self._queues:
            self._queues[priority] = Queue(priority, connection=self.redis,
                                           is_async=not self.config.demo)
        return self._queues[priority]


_current: Runtime | None = None


def build(config: Config) -> Runtime:
    """Create the connections for `config` and make them this process's runtime."""
    global _current
    engine = db.make_engine(config.database_url)
    _current = Runtime(config, engine, db.make_sessions(engine), connect(config.redis_url))
    return _current


def current() -> Runtime:
    """This process's runtime, built from the environment on first use."""
    return _current if _current is not None else build(Config.from_env())
