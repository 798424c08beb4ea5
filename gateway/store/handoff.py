"""The one hand-off after commit: every outbox row queued in a session is handed to the
workers once that session's transaction commits, and never if it rolls back.

`messages.queue_outbound` notes each row it adds (`note`) in the session; `install`
hooks a session factory so that, after the outermost transaction commits, the rows
noted in it go to `hand_over` in one call (the outbound side groups them into one Redis
round trip). A rolled-back transaction drops its notes, and so does a rolled-back
savepoint for the rows noted inside it: nothing that was not committed is handed over.

The store knows nothing of the workers: the caller that owns both the session factory
and the outbound side passes `hand_over` in. That is the app factory, which builds the
runtime of every process in the Procfile (web, worker, cron, the CLI); a runtime built
without it (`runtime.current()` in a bare `rq worker`) notes rows but hands none over,
and the sweeper hands them over within a minute. A hand-over that fails
(Redis down) does not fail the transaction, which has committed: it is logged, and the
outbox sweeper (gateway/sms/sweeper.py) hands the rows over later, as it does for any
row whose hand-over was lost.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence

from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

Queued = tuple[int, str]  # (outbox id, priority)
HandOver = Callable[[Sequence[Queued]], None]

_NOTES = "handoff.notes"          # session.info: [(transaction, id, priority), …]
_HAND_OVER = "handoff.hand_over"  # session.info: the factory's `hand_over`
# The factories hooked. Not `event.contains`: SQLAlchemy's registry knows a factory by
# its id(), so a new factory at the address of a collected one would look hooked and
# never be (a process that builds many apps, as the tests do, lost its hand-overs).
_INSTALLED: weakref.WeakSet[sessionmaker[Session]] = weakref.WeakSet()


def install(sessions: sessionmaker[Session], hand_over: HandOver) -> None:
    """Make every session of `sessions` hand the outbox rows queued in it to
    `hand_over` after commit (installing again replaces the callable)."""
    sessions.kw["info"] = {**sessions.kw.get("info", {}), _HAND_OVER: hand_over}
    if sessions not in _INSTALLED:
        event.listen(sessions, "after_commit", _after_commit)
        event.listen(sessions, "after_soft_rollback", _after_soft_rollback)
        event.listen(sessions, "after_transaction_end", _after_transaction_end)
        _INSTALLED.add(sessions)


def note(session: Session, message_id: int, priority: str) -> None:
    """Remember an outbox row added in `session`'s current transaction (or savepoint),
    to hand over once it commits."""
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_NOTES, []).append((current, message_id, priority))


def pending(session: Session) -> list[Queued]:
    """The rows noted in `session` and not handed over yet."""
    return [(message_id, priority) for _, message_id, priority
            in session.info.get(_NOTES, [])]


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its rows wait for the rest
        return
    queued = pending(session)
    session.info.pop(_NOTES, None)  # before handing over: an inline job commits too
    hand_over = session.info.get(_HAND_OVER)
    if not queued or hand_over is None:
        return
    try:
        hand_over(queued)
    except RedisError as error:
        log.warning("outbox rows not handed to the workers; the sweeper will",
                    extra={"message_ids": [m for m, _ in queued], "error": str(error)})
    except Exception:  # committed all the same: the caller must not think it failed
        log.exception("outbox rows not handed to the workers; the sweeper will",
                      extra={"message_ids": [m for m, _ in queued]})


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(_NOTES, None)
        return
    notes = session.info.get(_NOTES, [])
    notes[:] = [n for n in notes if not _within(n[0], previous)]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without its commit handing the rows over (closed
    # without commit): they were never committed.
    if transaction.parent is None:
        session.info.pop(_NOTES, None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
