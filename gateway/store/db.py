"""Database engines and sessions, usable with or without Flask, and `Statement`: the few
hot SQL statements every message runs, executed on the DB-API connection directly."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import events

T = TypeVar("T")

# A pooled connection idle for longer than this is pinged before use; one in steady use
# is not (a ping is a round trip: a fifth of a whole turn's database work). One found
# dead by its first statement (`LostConnection`) makes the whole pool go, and the turn
# is tried again on a new connection (`dialogue`).
PING_IDLE_SECONDS = 10.0


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and foreign keys, PostgreSQL a small pool
    that pings connections that sat idle. Neither puts a statement's parameters (names,
    birth years, addresses, symptoms) into its errors, so no traceback logs them."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_size=5, max_overflow=10, hide_parameters=True)
    event.listen(engine, "checkin", _stamp)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _stamp(_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(connection, record, _proxy) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
        return
    try:
        connection.execute("SELECT 1")
        connection.rollback()
    except Exception as error:  # the pool replaces the connection and tries again
        raise exc.DisconnectionError() from error


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to `engine`; objects stay readable after commit, and
    every flush feeds the change feed (`gateway.store.events`)."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    events.install(sessions)
    return sessions


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with sessions() as session, session.begin():
        yield session


def insert_coded(session: Session, make: Callable[[], T], attempts: int, what: str) -> T:
    """Insert the record `make()` builds with a fresh random code, trying a new code when
    the unique code is taken (flushed, so it has an id). A collision rolls back only its
    own savepoint, never the caller's transaction."""
    for _ in range(attempts):
        record = make()
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
            return record
        except exc.IntegrityError:
            continue
    raise RuntimeError(f"could not find a free {what} code")


def commit_without_waiting(session: Session) -> None:
    """Let this transaction's commit return before its WAL reaches the disk
    (PostgreSQL's `synchronous_commit = off`, for this transaction only). Only for
    writes that a database crash may undo safely: one that loses them never corrupts
    anything, it forgets at most the last fraction of a second of them."""
    if session.connection().dialect.name == "postgresql":
        _NO_WAIT.run(session, {})


class Statement:
    """A SQL statement with `:name` parameters, run on the session's DB-API connection
    inside its transaction.

    For the statements every message or send runs (the message log, the phone, the
    outbox's insert, claim and mark): building and executing them through SQLAlchemy
    costs several times the round trip itself. Tables of the change feed are written
    this way only through `gateway.store.lean`, which writes their events in the same
    statement. Datetimes go in and come out
    as aware UTC, stored naive as `UTCDateTime` does.
    """

    def __init__(self, sql: str, binary: bool = False):
        self.sql = sql
        # psycopg's placeholders; `b` sends the values in binary (PostgreSQL only).
        self._pyformat = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)" + ("b" if binary else "s"), sql)

    def run(self, session: Session, params: Mapping[str, Any]) -> Any:
        """Execute; returns the DB-API cursor. Raises `LostConnection` when the
        connection turns out dead (the database restarted): the pool is discarded."""
        connection = session.connection()
        dialect = connection.dialect
        sqlite = dialect.name == "sqlite"
        values = {k: _bind(v, sqlite) for k, v in params.items()}
        driver = connection.connection.driver_connection
        try:
            return driver.execute(self.sql if sqlite else self._pyformat, values)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, driver, None):
                raise
            connection.invalidate(error)
            connection.engine.dispose()  # its other connections died with this one
            raise LostConnection(str(error)) from error


class LostConnection(Exception):
    """A pooled connection was dead, and its transaction lost: work that failed on its
    first statement had done nothing yet and can be tried again."""


_NO_WAIT = Statement("SET LOCAL synchronous_commit = off")


def _bind(value: Any, sqlite: bool) -> Any:
    if isinstance(value, datetime):
        value = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        # SQLAlchemy's SQLite DATETIME storage, so both ways of writing compare alike.
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value
    return value


def utc(value: datetime | str | None) -> datetime | None:
    """A stored (naive UTC; on SQLite, text) timestamp read raw, as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)
