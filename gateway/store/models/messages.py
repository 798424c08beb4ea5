"""Phones and the message log: inbound messages and their dedup keys, the outbox and
its dedup keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import (
    Base,
    UTCDateTime,
    utcnow,
)
from gateway.text import DEFAULT_LANGUAGE


class Phone(Base):
    """A phone that has talked to the gateway: its preferences and verification."""

    __tablename__ = "phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # E.164
    language: Mapped[str] = mapped_column(String(2), default=DEFAULT_LANGUAGE)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InboundMessage(Base):
    """One message (or USSD request) received, with the reply it got; a retried
    webhook finds its first answer here even when Redis has forgotten it.

    On PostgreSQL the table is partitioned by week of `received_at` (its primary key
    is (id, received_at) there; see gateway/store/partitions.py), so a unique key
    would have to include the time: the dedup of (provider, provider_id) lives in
    `InboundKey` instead.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_provider_id", "provider", "provider_id"),
                      Index("ix_inbound_received", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms, ussd
    provider: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    recipient: Mapped[str] = mapped_column(String(32), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str] = mapped_column(Text, default="")  # JSON: {"texts": [...], "end": bool}
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundKey(Base):
    """The dedup of inbound messages: a provider's message id, once. A small table
    outside the partitioned message log, so the key is unique over all time and not
    only within a week's partition; kept as long as the message log."""

    __tablename__ = "inbound_keys"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class OutboundMessage(Base):
    """One message the gateway sends on its own (OTP, reminder, alert, notice).

    This table is the outbox and the source of truth: a queue entry only points at a
    row, so a lost job is re-sent by the sweeper and a repeated one finds it claimed.

    On PostgreSQL the table is partitioned by week of `created_at` (its primary key is
    (id, created_at) there; see gateway/store/partitions.py), so a unique key would
    have to include the time: the dedup of scheduled sends (`dedup_key`) lives in
    `OutboundKey`, and a provider id is looked up through a plain index (newest first:
    an SMSC may reuse its ids; gateway/store/messages.py says why that is enough).
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_provider_id", "provider_id"),
                      Index("ix_outbound_dedup_key", "dedup_key"),
                      Index("ix_outbound_created", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))       # otp, reply, alert, reminder, digest…
    priority: Mapped[str] = mapped_column(String(8))    # high, default, bulk
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    backend: Mapped[str] = mapped_column(String(16), default="")
    sender: Mapped[str] = mapped_column(String(40), default="")
    provider_id: Mapped[str | None] = mapped_column(String(64))
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    segments: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When a retry is due after a failed send (None: at once). The sweeper re-enqueues
    # a due row that has no live job, so the schedule lives here, not only in Redis.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A secret text (an OTP SMS) encrypted with a key derived from SECRET_KEY, while
    # `body` keeps it masked; cleared once sent or final (gateway/sealing.py).
    sealed: Mapped[str | None] = mapped_column(Text)


# outbox partitions (issue 15, p15): the outbox's dedup outside its weekly partitions.
class OutboundKey(Base):
    """The dedup of scheduled sends: an outbox `dedup_key` (a reminder's case, day and
    slot; a digest's manager and day…), once. A small table outside the partitioned
    outbox, so the key is unique over all time and not only within a week's partition;
    kept as long as the outbox. It names no phone and holds no text."""

    __tablename__ = "outbound_keys"

    dedup_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
