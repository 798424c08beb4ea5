"""The first statement of a dialogue turn's transaction.

Every turn logs its message (the log's key is the durable dedup) and reads the phone's
record before its flow runs. On PostgreSQL both are one statement, so a turn's
transaction is BEGIN, this, what the flow does, the reply's update and COMMIT; SQLite
takes the log's two statements and the read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.store import messages, phones
from gateway.store.db import Statement
from gateway.store.phones import TurnPhone

# Claim, log and read: no row for a message logged before. A phone never seen before
# joins as nulls; it is made by `phones.for_turn` (one more statement, once a number).
_OPEN = Statement(
    f"WITH {messages.INBOUND_CLAIMED_AND_LOGGED} SELECT logged.id, "
    + ", ".join(f"phones.{column}" for column in phones.TURN_COLUMNS)
    + " FROM logged LEFT JOIN phones ON phones.number = :phone")


@dataclass(frozen=True)
class Opened:
    """A turn's logged message (its id, for the reply) and the phone's record."""

    inbound_id: int
    phone: TurnPhone


def open_turn(session: Session, *, channel: str, provider: str, provider_id: str,
              phone: str, recipient: str, body: str) -> Opened | None:
    """Log the inbound message and read (or make) its phone's record. None when the
    provider message was logged already: a retry, whose stored reply is the answer."""
    if session.connection().dialect.name == "postgresql":
        row = _OPEN.run(session, messages.inbound_values(
            channel=channel, provider=provider, provider_id=provider_id, phone=phone,
            recipient=recipient, body=body)).fetchone()
        if row is None:
            return None
        known = row[1] is not None
        return Opened(row[0], phones.turn_phone(row[1:]) if known
                      else phones.for_turn(session, phone))
    inbound_id = messages.record_inbound(session, channel=channel, provider=provider,
                                         provider_id=provider_id, phone=phone,
                                         recipient=recipient, body=body)
    return None if inbound_id is None else Opened(inbound_id, phones.for_turn(session, phone))
