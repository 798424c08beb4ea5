"""The message log: inbound messages with their replies, and the outbound outbox."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.store.models import InboundMessage, OutboundMessage, utcnow
from gateway.text import segments

# Outbound lifecycle. A status only moves forward in this order; the last three are final.
STATUS_RANK = {"queued": 0, "sending": 1, "sent": 2,
               "delivered": 3, "undelivered": 3, "failed": 3, "suppressed": 3}
FINAL = frozenset(s for s, rank in STATUS_RANK.items() if rank == 3)


def record_inbound(session: Session, *, channel: str, provider: str, provider_id: str,
                   phone: str, recipient: str, body: str,
                   reply: dict[str, Any] | None = None) -> int | None:
    """Log an inbound message (with its reply, or an empty one to fill in with
    `set_reply`). Returns its id, or None when the provider message is logged already:
    the unique key is the durable dedup, and a concurrent twin's insert waits for it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(
        dialect.insert(InboundMessage)
        .values(channel=channel, provider=provider, provider_id=provider_id, phone=phone,
                recipient=recipient, body=body,
                reply=json.dumps(reply) if reply is not None else "", received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["provider", "provider_id"])
        .returning(InboundMessage.id))
    return inserted.scalar()


def set_reply(session: Session, inbound_id: int, reply: dict[str, Any]) -> None:
    """Store the reply given to a logged inbound message."""
    session.execute(update(InboundMessage).where(InboundMessage.id == inbound_id)
                    .values(reply=json.dumps(reply)))


def stored_reply(session: Session, provider: str, provider_id: str) -> dict[str, Any] | None:
    """The reply logged for an already-handled provider message."""
    raw = session.scalar(select(InboundMessage.reply).where(
        InboundMessage.provider == provider, InboundMessage.provider_id == provider_id))
    return json.loads(raw) if raw else None


def queue_outbound(session: Session, *, phone: str, body: str, kind: str, priority: str,
                   dedup_key: str | None = None) -> OutboundMessage | None:
    """Add a message to the outbox. With a `dedup_key` already used, nothing is added
    and None is returned (a scheduled send that ran twice)."""
    if dedup_key and session.scalar(select(OutboundMessage.id)
                                    .where(OutboundMessage.dedup_key == dedup_key)):
        return None
    message = OutboundMessage(phone=phone, body=body, kind=kind, priority=priority,
                              dedup_key=dedup_key, segments=segments(body), status="queued")
    session.add(message)
    session.flush()
    return message


def queue_many(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add many messages to the outbox in one statement (each row: phone, body, kind,
    priority, dedup_key). A row whose `dedup_key` is already used is skipped, so a run
    repeated or doubled adds nothing twice. Returns the ids of the rows added."""
    if not rows:
        return []
    counted: dict[str, int] = {}  # bulk bodies repeat: count each text's segments once
    for row in rows:
        if row["body"] not in counted:
            counted[row["body"]] = segments(row["body"])
    now = utcnow().replace(tzinfo=None)  # stored as naive UTC (see UTCDateTime)
    if session.get_bind().dialect.name == "postgresql":
        # Columns as arrays: a short statement whatever the batch size, parsed once.
        columns = {name: [row[name] for row in rows] for name in _BULK_COLUMNS}
        return list(session.scalars(_PG_BULK_INSERT, {
            **columns, "segments": [counted[body] for body in columns["body"]], "now": now}))
    table = OutboundMessage.__table__
    statement = (sqlite.insert(table).on_conflict_do_nothing(index_elements=["dedup_key"])
                 .returning(table.c.id))
    values = [{**{name: row[name] for name in _BULK_COLUMNS}, "segments": counted[row["body"]],
               "status": "queued", "attempts": 0, "backend": "", "sender": "",
               "created_at": now, "updated_at": now} for row in rows]
    return list(session.execute(statement, values).scalars())


_BULK_COLUMNS = ("phone", "body", "kind", "priority", "dedup_key")
_PG_BULK_INSERT = text(
    "INSERT INTO outbound_messages (phone, body, kind, priority, dedup_key, segments, status, "
    "attempts, backend, sender, created_at, updated_at) "
    "SELECT phone, body, kind, priority, dedup_key, segments, 'queued', 0, '', '', :now, :now "
    "FROM unnest(CAST(:phone AS text[]), CAST(:body AS text[]), CAST(:kind AS text[]), "
    "CAST(:priority AS text[]), CAST(:dedup_key AS text[]), CAST(:segments AS int[])) "
    "AS t(phone, body, kind, priority, dedup_key, segments) "
    "ON CONFLICT (dedup_key) DO NOTHING RETURNING id")


def claim(session: Session, message_id: int, backend: str, sender: str) -> OutboundMessage | None:
    """Take a queued message for sending (atomically: only one worker wins)."""
    now = utcnow()
    claimed = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == "queued")
        .values(status="sending", claimed_at=now, updated_at=now, backend=backend, sender=sender,
                attempts=OutboundMessage.attempts + 1)
    ).rowcount
    return session.get(OutboundMessage, message_id) if claimed else None


def mark_sent(session: Session, message_id: int, provider_id: str | None) -> bool:
    """The provider accepted the message. Only a message still `sending` (or put back in
    the queue by the sweeper meanwhile, whose new job must then not send it again) moves
    to `sent`: a status a delivery report already advanced is kept. Returns whether the
    row changed."""
    now = utcnow()
    return session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id,
               OutboundMessage.status.in_(("queued", "sending")))
        .values(status="sent", provider_id=provider_id, sent_at=now, updated_at=now,
                error_code=None, error_message=None)
    ).rowcount > 0


def mark_failed(session: Session, message_id: int, code: str | None, reason: str,
                status: str = "failed", claimed_at: datetime | None = None) -> bool:
    """A message being sent will not be sent (`failed`, `suppressed`) or is `queued`
    again for a retry. With `claimed_at`, only the claim made then is released (the
    sweeper must not undo a newer claim). Returns whether the row changed."""
    condition = [OutboundMessage.id == message_id, OutboundMessage.status == "sending"]
    if claimed_at is not None:
        condition.append(OutboundMessage.claimed_at == claimed_at)
    return session.execute(
        update(OutboundMessage).where(*condition)
        .values(status=status, error_code=code, error_message=reason[:255],
                updated_at=utcnow())
    ).rowcount > 0


def reconcile(session: Session, message_id: int, claimed_at: datetime | None,
              provider_id: str) -> bool:
    """The sweeper found an interrupted send at the provider: it is `sent` with that id
    (unless the claim it looked at is no longer current)."""
    now = utcnow()
    return session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == "sending",
               OutboundMessage.claimed_at == claimed_at)
        .values(status="sent", provider_id=provider_id, sent_at=now, updated_at=now,
                error_code=None, error_message=None)
    ).rowcount > 0


def provider_ids(session: Session, phone: str) -> set[str]:
    """Provider ids already recorded for messages to `phone` (so an interrupted send is
    never matched with another message that happens to have the same text)."""
    return set(session.scalars(select(OutboundMessage.provider_id)
                               .where(OutboundMessage.phone == phone,
                                      OutboundMessage.provider_id.is_not(None))))


def apply_status(session: Session, provider_id: str, status: str,
                 error_code: str | None, message_id: int | None = None) -> bool:
    """Apply a provider's delivery report; statuses never move backwards. A report can
    beat our own record of the provider id (the callback arrives before `mark_sent`
    commits): `message_id`, carried in the callback URL, finds the message then.
    Returns False when no outbound message matches."""
    message = session.scalar(select(OutboundMessage)
                             .where(OutboundMessage.provider_id == provider_id)
                             .with_for_update())
    if message is None and message_id is not None:
        message = session.scalar(select(OutboundMessage)
                                 .where(OutboundMessage.id == message_id,
                                        OutboundMessage.provider_id.is_(None))
                                 .with_for_update())
        if message is not None:
            message.provider_id = provider_id
    if message is None:
        return False
    if STATUS_RANK[status] > STATUS_RANK.get(message.status, 0):
        message.status = status
        message.error_code = error_code or None
        message.updated_at = utcnow()
    return True


def stale(session: Session, status: str, older_than: timedelta,
          now: datetime | None = None, limit: int = 500) -> list[OutboundMessage]:
    """Messages left in `status` for longer than `older_than` (lost jobs, killed workers)."""
    cutoff = (now or utcnow()) - older_than
    column = OutboundMessage.claimed_at if status == "sending" else OutboundMessage.updated_at
    return list(session.scalars(select(OutboundMessage)
                                .where(OutboundMessage.status == status, column < cutoff)
                                .order_by(OutboundMessage.id).limit(limit)))


def count_by_status(session: Session) -> dict[str, int]:
    """How many outbound messages are in each status (for metrics)."""
    rows = session.execute(select(OutboundMessage.status, func.count())
                           .group_by(OutboundMessage.status))
    return {status: count for status, count in rows}
