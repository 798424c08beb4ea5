"""Process-wide resources: configuration, database engine, Redis and RQ queues.

`current()` is the one way to reach them: inside a Flask app context (a request, a
CLI command) it is that app's runtime, made by `create_app` with `install`; elsewhere
(an RQ job in a worker) it is this process's, built from the environment on first use,
so no Flask app is needed in a worker. Code holding an app object uses `of(app)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config
from gateway.store import db, keyring
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
_EXTENSION = "gateway"  # the key of the runtime in a Flask app's extensions


def build(config: Config) -> Runtime:
    """Create the connections for `config` and make them this process's runtime."""
    global _current
    engine = db.make_engine(config.database_url)
    keyring.attach(engine, config.data_keys)  # the encrypted columns' keys
    _current = Runtime(config, engine, db.make_sessions(engine), connect(config.redis_url))
    return _current


def install(app: Flask, config: Config) -> Runtime:
    """Build the runtime for `config` and make it `app`'s."""
    app.extensions[_EXTENSION] = build(config)
    return app.extensions[_EXTENSION]


def present(app: Flask) -> bool:
    """Whether `app` has a runtime (a bare app that only renders the API's document
    has none)."""
    return _EXTENSION in app.extensions


def of(app: Flask) -> Runtime:
    """The runtime `app` was created with."""
    return app.extensions[_EXTENSION]


def current() -> Runtime:
    """The runtime here: the app's inside an app context (tests build several apps in
    one process, each with its own), else this process's, built from the environment
    on first use."""
    if has_app_context():
        return of(current_app)
    return _current if _current is not None else build(Config.from_env())


def close() -> None:
    """Close this process's database connections, if it built a runtime (a test or a
    benchmark about to drop the database it points at)."""
    if _current is not None:
        _current.engine.dispose()
