"""The message log: every inbound message with the reply it got, and its dedup key.

The log is partitioned by week on PostgreSQL (gateway/store/partitions.py), so it holds
no key unique over all time: a provider's message id is claimed in `inbound_keys` before
its row is written. A dialogue turn opens with `open_turn`: on PostgreSQL the claim, the
log row and the read of the phone's record are one statement, so the turn's transaction
is BEGIN, that, what the flow does, the reply's update (`set_reply`) and COMMIT."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gateway.store import phones
from gateway.store.db import Statement
from gateway.store.models import utcnow
from gateway.store.phones import TurnPhone

# A provider's message id is claimed in `inbound_keys` first (the message log itself is
# partitioned by time on PostgreSQL, so it cannot hold a key unique over all time).
_CLAIM_INBOUND = Statement(
    "INSERT INTO inbound_keys (provider, provider_id, received_at) "
    "VALUES (:provider, :provider_id, :received_at) ON CONFLICT DO NOTHING RETURNING 1")
_LOG_INBOUND = Statement(
    "INSERT INTO inbound_messages (channel, provider, provider_id, phone, recipient, body, "
    "reply, received_at) VALUES (:channel, :provider, :provider_id, :phone, :recipient, "
    ":body, :reply, :received_at) RETURNING id")
# PostgreSQL: both in one statement (one round trip). The message is logged only when
# the key was claimed; a concurrent twin's claim waits for the first transaction, and
# then claims (and logs) nothing. A CTE a turn's first statement extends (`open_turn`).
_CLAIMED_AND_LOGGED = (
    "claimed AS (INSERT INTO inbound_keys (provider, provider_id, received_at) "
    "VALUES (:provider, :provider_id, :received_at) ON CONFLICT DO NOTHING RETURNING 1), "
    "logged AS (INSERT INTO inbound_messages (channel, provider, provider_id, phone, "
    "recipient, body, reply, received_at) SELECT :channel, :provider, :provider_id, :phone, "
    ":recipient, :body, :reply, :received_at FROM claimed RETURNING id)")
_CLAIM_AND_LOG_INBOUND = Statement(f"WITH {_CLAIMED_AND_LOGGED} SELECT id FROM logged")
_SET_REPLY = Statement("UPDATE inbound_messages SET reply = :reply WHERE id = :id")
_STORED_REPLY = Statement("SELECT reply FROM inbound_messages "
                          "WHERE provider = :provider AND provider_id = :provider_id")


def record_inbound(session: Session, *, channel: str, provider: str, provider_id: str,
                   phone: str, recipient: str, body: str,
                   reply: dict[str, Any] | None = None) -> int | None:
    """Log an inbound message (with its reply, or an empty one to fill in with
    `set_reply`). Returns its id, or None when the provider message is logged already:
    its key in `inbound_keys` is the durable dedup, and a concurrent twin's claim
    waits for the first one's transaction. One round trip on PostgreSQL (a CTE), two
    on SQLite."""
    values = _inbound_values(channel=channel, provider=provider, provider_id=provider_id,
                            phone=phone, recipient=recipient, body=body, reply=reply)
    if session.connection().dialect.name == "postgresql":
        row = _CLAIM_AND_LOG_INBOUND.run(session, values).fetchone()
        return None if row is None else row[0]
    if _CLAIM_INBOUND.run(session, {"provider": provider, "provider_id": provider_id,
                                    "received_at": values["received_at"]}).fetchone() is None:
        return None
    return _LOG_INBOUND.run(session, values).fetchone()[0]


def _inbound_values(*, channel: str, provider: str, provider_id: str, phone: str,
                    recipient: str, body: str, reply: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
    """The parameters of the statements that log an inbound message, received now."""
    return {"channel": channel, "provider": provider, "provider_id": provider_id,
            "phone": phone, "recipient": recipient, "body": body,
            "reply": json.dumps(reply) if reply is not None else "", "received_at": utcnow()}


def set_reply(session: Session, inbound_id: int, reply: dict[str, Any]) -> None:
    """Store the reply given to a logged inbound message."""
    _SET_REPLY.run(session, {"reply": json.dumps(reply), "id": inbound_id})


def stored_reply(session: Session, provider: str, provider_id: str) -> dict[str, Any] | None:
    """The reply logged for an already-handled provider message."""
    row = _STORED_REPLY.run(session, {"provider": provider,
                                      "provider_id": provider_id}).fetchone()
    return json.loads(row[0]) if row and row[0] else None


# Claim, log and read: no row for a message logged before. A phone never seen before
# joins as nulls; it is made by `phones.for_turn` (one more statement, once a number).
_OPEN = Statement(
    f"WITH {_CLAIMED_AND_LOGGED} SELECT logged.id, "
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
        row = _OPEN.run(session, _inbound_values(
            channel=channel, provider=provider, provider_id=provider_id, phone=phone,
            recipient=recipient, body=body)).fetchone()
        if row is None:
            return None
        known = row[1] is not None
        return Opened(row[0], phones.turn_phone(row[1:]) if known
                      else phones.for_turn(session, phone))
    inbound_id = record_inbound(session, channel=channel, provider=provider,
                                provider_id=provider_id, phone=phone, recipient=recipient,
                                body=body)
    return None if inbound_id is None else Opened(inbound_id, phones.for_turn(session, phone))
