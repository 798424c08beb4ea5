"""Lean writes of the records a turn makes (declarations, visits, health reports,
alerts) with their change-feed events: prepared SQL on the session's connection, as
the message log is written, instead of the ORM's unit of work.

A flush of one new declaration with its event cost about 1.5 ms of client CPU (the
unit of work, a savepoint around the insert, the `after_flush` hook building a Core
insert); the same row and event here are one statement and one round trip on
PostgreSQL. Every guarantee of the ORM path is kept:

- The event is written in the same statement (PostgreSQL: a data-modifying CTE) or the
  same transaction (SQLite: a second statement), with the writer's transaction id, so
  the feed's gap-free (txid, id) order (`gateway.store.events`) holds as before.
- Values are bound through each column's own SQLAlchemy type, so encrypted columns
  are encrypted under the engine's keyring, JSON is dumped, and timestamps are stored
  as the ORM stores them; column defaults are the models' own.
- The rows returned are transient model objects with every column set, so callers
  read `declaration.code` or `visit.checked_in_at` as before. They are not in the
  session: they are never flushed again (which would write a second event).

Only SQL through this module or the ORM writes the fed tables; the `after_flush` hook
still feeds every ORM write (console, API updates, jobs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.store.db import Statement
from gateway.store.models import utcnow

# xid8 has no cast to bigint; text is the documented way through (as events.py does).
_TXID = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"
_EVENT_SQLITE = Statement(
    "INSERT INTO events (topic, action, record_id, created_at) "
    "VALUES (:event_topic, :event_action, :event_record_id, :event_at)")


class FedWrite:
    """A statement writing rows of a fed table whose RETURNING list starts with `id`
    and `action` ('created' or 'updated'), each row written getting its event of
    `topic` in the same transaction (on PostgreSQL, in the same statement)."""

    def __init__(self, sql: str, topic: str):
        self.topic = topic
        self._plain = Statement(sql)
        self._fed = Statement(
            f"WITH written AS ({sql}), fed AS (INSERT INTO events (topic, action, record_id, "
            f"txid, created_at) SELECT '{topic}', action, id, {_TXID}, :event_at "
            "FROM written) SELECT * FROM written")

    def run(self, session: Session, params: Mapping[str, Any]) -> list[tuple]:
        """Write; the rows returned (id, action, …), their events written too."""
        now = utcnow()
        if session.connection().dialect.name == "postgresql":
            return self._fed.run(session, {**params, "event_at": now}).fetchall()
        rows = self._plain.run(session, params).fetchall()
        for row in rows:
            _EVENT_SQLITE.run(session, {"event_topic": self.topic, "event_action": row[1],
                                        "event_record_id": row[0], "event_at": now})
        return rows


class Columns:
    """A table's columns as a lean INSERT binds them: each value through its column's
    type for the dialect (encryption, JSON, UTC timestamps), absent ones from the
    model's defaults."""

    def __init__(self, table: Table, skip: Sequence[str] = ("id",)):
        self.table = table
        self.names = [c.name for c in table.columns if c.name not in skip]
        # Per dialect object, not per name: an encrypted column's processor encrypts
        # under the keyring of its engine's dialect.
        self._processors: WeakKeyDictionary[Dialect, dict[str, Callable[[Any], Any] | None]]
        self._processors = WeakKeyDictionary()

    def insert_sql(self, tail: str) -> str:
        """`INSERT INTO table (columns) VALUES (:columns) <tail>`."""
        return (f"INSERT INTO {self.table.name} ({', '.join(self.names)}) "
                f"VALUES ({', '.join(':' + n for n in self.names)}) {tail}")

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every column's value: the given one, or the column's default; unknown names
        are refused as the model's constructor would."""
        unknown = set(given) - set(self.names)
        if unknown:
            raise TypeError(f"{sorted(unknown)} are not columns of {self.table.name}")
        values = {}
        for name in self.names:
            if name in given:
                values[name] = given[name]
                continue
            default = self.table.c[name].default
            if default is None:
                values[name] = None
            elif default.is_callable:
                values[name] = default.arg(None)
            else:
                values[name] = default.arg
        return values

    def bind(self, dialect: Dialect, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` as the driver takes them (each through its column type)."""
        processors = self._processors.get(dialect)
        if processors is None:
            processors = {c.name: c.type.dialect_impl(dialect).bind_processor(dialect)
                          for c in self.table.columns}
            self._processors[dialect] = processors
        bound = {}
        for name, value in values.items():
            process = processors.get(name)
            bound[name] = process(value) if process is not None and value is not None else value
        return bound


def transient(model: type, values: Mapping[str, Any]) -> Any:
    """A model object holding `values`, outside any session (never flushed)."""
    return model(**values)


def refresh_loaded(session: Session, model: type, record_id: int,
                   values: Mapping[str, Any]) -> None:
    """Give an object of `model` already loaded in the session the values just written
    to its row by a lean statement, without marking it changed (so no flush writes them,
    or an event, again)."""
    loaded = session.identity_map.get(session.identity_key(model, record_id))
    if loaded is not None:
        for name, value in values.items():
            set_committed_value(loaded, name, value)
