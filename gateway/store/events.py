"""The change feed: an `Event` row for every record created or changed, written by a
session hook in the same transaction as the record, and read back gap-free.

Writing. `install(sessions)` hooks the session factory's `after_flush`: every
Declaration, Venue, Visit, QuarantineCase, HealthReport, Consent and exposure record
(ExposureCase, Exposure, ExposureNotice) the flush inserted or changed gets an event,
inserted on the flush's own connection — inside the same transaction (and savepoint)
as the record, so the two commit or roll back together.
SMS, USSD, hotline, API and job writes all feed it without knowing about it. A bulk
ORM `update()`/`delete()` of these tables (`session.execute(update(QuarantineCase)…)`)
has no unit-of-work history, so the `do_orm_execute` hook first locks and reads the
ids its WHERE clause matches, restricts the statement to exactly those rows, and
writes their events. Only SQL that bypasses the session (raw text, Core on a bare
connection) would escape the feed; the gateway's raw statements (`db.Statement`)
write fed tables only through `gateway.store.lean` — declarations, visits, reports
and the alert flag of a case on a turn's hot path — whose statements write the event
themselves (a CTE on PostgreSQL, with the same txid), and otherwise only tables
outside the feed: the message log, phones and the outbox.
Bulk Core INSERTs of fed rows (the exposures of a case: gateway/store/exposures.py)
write their events themselves with `record`.

Reading without gaps. Event ids come from a sequence at insert time, but transactions
commit in another order: an event with id 5 can become visible after one with id 6.
A reader that remembered "up to id 6" would skip 5 forever. So on PostgreSQL each
event records its writer's transaction id (`pg_current_xact_id()`, column `txid`),
and a reader serves only events whose txid is below the xmin of its snapshot
(`pg_snapshot_xmin(pg_current_snapshot())`): every transaction older than xmin has
finished, so no event with such a txid can still appear. The feed is ordered by
(txid, id), not by id alone: a transaction with a smaller txid may insert its event
after (a larger id than) one that has already committed, and ordering by id would
serve the later id first and lose the earlier one when it commits. In (txid, id)
order every event that appears later sorts after everything already served, because
its txid is at least the xmin of every earlier read. The cursor is the position
(txid, id) of the last event served. A long transaction only delays the feed; it
never loses or repeats an event.

On SQLite writers are serialized (one write transaction at a time holds the lock
from its first write to its commit), so ids become visible in order and plain id
order is safe; `txid` stays NULL there.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from sqlalchemy import BigInteger, Text, cast, event, func, insert, select, tuple_
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from gateway.store.models import (
    Consent,
    Declaration,
    Event,
    Exposure,
    ExposureCase,
    ExposureNotice,
    HealthReport,
    IsolationArea,
    QuarantineCase,
    Venue,
    Visit,
    utcnow,
)

# The records the web system syncs, by topic name (the feed's `topic`).
TOPICS: dict[type, str] = {Declaration: "declaration", Venue: "venue", Visit: "visit",
                           QuarantineCase: "quarantine_case", HealthReport: "health_report",
                           # consent: the web system must know a withdrawal (and refusal)
                           Consent: "consent",
                           # exposure notification (issue 17): cases, exposures, notices
                           ExposureCase: "exposure_case", Exposure: "exposure",
                           ExposureNotice: "exposure_notice",
                           # area quarantine (issue 17)
                           IsolationArea: "isolation_area"}
MODELS: dict[str, type] = {topic: model for model, topic in TOPICS.items()}
_TABLES = {model.__tablename__: topic for model, topic in TOPICS.items()}


# The factories hooked, kept here rather than asked of `event.contains`, which knows a
# factory by its id(): a new one at the address of a collected one would look hooked.
_INSTALLED: weakref.WeakSet[sessionmaker[Session]] = weakref.WeakSet()


def install(sessions: sessionmaker[Session]) -> None:
    """Make every session of `sessions` write events (idempotent)."""
    if sessions not in _INSTALLED:
        event.listen(sessions, "after_flush", _after_flush)
        event.listen(sessions, "do_orm_execute", _bulk_write)
        _INSTALLED.add(sessions)


def _after_flush(session: Session, _flush_context) -> None:
    """One event per record this flush created or changed. `session.new` and
    `session.dirty` still describe the flush here, and the new rows have their ids."""
    rows, seen = [], set()
    for obj, action in [*((o, "created") for o in session.new),
                        *((o, "updated") for o in session.dirty)]:
        topic = TOPICS.get(type(obj))
        if topic is None or (topic, obj.id) in seen:
            continue
        if action == "updated" and not session.is_modified(obj, include_collections=False):
            continue
        seen.add((topic, obj.id))
        rows.append((topic, action, obj.id))
    _write(session, rows)


def _bulk_write(state: ORMExecuteState):
    """Events for a bulk UPDATE/DELETE of a fed table: lock the rows it matches, run
    it on exactly those, and record them."""
    if not (state.is_update or state.is_delete):
        return None
    statement = state.statement
    name = getattr(getattr(statement, "table", None), "name", None)
    if name not in _TABLES:
        return None
    id_column = statement.table.c.id
    action = "updated" if state.is_update else "deleted"
    if isinstance(state.parameters, list):  # bulk by primary key: the ids are given
        ids = [row["id"] for row in state.parameters]
    else:
        matched = select(id_column).with_for_update()
        if statement.whereclause is not None:
            matched = matched.where(statement.whereclause)
        ids = sorted(state.session.execute(matched).scalars())
        statement = statement.where(id_column.in_(ids))
    result = state.invoke_statement(statement=statement)
    _write(state.session, [(_TABLES[name], action, record_id) for record_id in ids])
    return result


def _write(session: Session, rows: list[tuple[str, str, int]]) -> None:
    """Insert events on the session's connection: inside its transaction."""
    if not rows:
        return
    statement = insert(Event.__table__)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # xid8 has no cast to bigint; text is the documented way through.
        statement = statement.values(txid=cast(cast(func.pg_current_xact_id(), Text),
                                               BigInteger))
    now = utcnow()
    connection.execute(statement, [{"topic": topic, "action": action, "record_id": record_id,
                                    "created_at": now} for topic, action, record_id in rows])


def record(session: Session, topic: str, action: str, ids: list[int]) -> None:
    """Events for records written by a bulk Core INSERT (which the session hooks do not
    see), in the session's transaction: `topic`'s `ids` were `action`."""
    _write(session, [(topic, action, record_id) for record_id in ids])


@dataclass(frozen=True, order=True)
class Position:
    """Where a reader is in the feed: after the event (txid, id); (0, 0) is the start.
    On SQLite txid is always 0."""

    txid: int = 0
    id: int = 0


def read(session: Session, after: Position, limit: int) -> list[Event]:
    """Up to `limit` events after `after`, in feed order, that can no longer be
    preceded by an event still to commit (see the module docstring)."""
    query = select(Event)
    if session.get_bind().dialect.name == "postgresql":
        horizon = cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text),
                       BigInteger)
        query = (query.where(Event.txid < horizon,
                             tuple_(Event.txid, Event.id) > tuple_(after.txid, after.id))
                 .order_by(Event.txid, Event.id))
    else:
        query = query.where(Event.id > after.id).order_by(Event.id)
    return list(session.scalars(query.limit(limit)))


def position(item: Event) -> Position:
    """The feed position of an event."""
    return Position(item.txid or 0, item.id)
