"""Personal data: consents, data-subject requests, and the counts that outlive the purge."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import (
    Base,
    UTCDateTime,
    utcnow,
)


class DailyCount(Base):
    """Statistics that outlive the purge: how many records of a kind there were per
    day, province and channel, with nothing personal. The purge adds the rows it is
    about to delete (gateway/store/statistics.py); live rows are counted where they are."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)   # declaration, visit…
    province_code: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: not known
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


# data-subject requests (issue 15, item 3): see gateway/store/data_requests.py.
class DataRequest(Base):
    """A person's request about their own data (Law 91/2025/QH15; Decree 356/2025/ND-CP
    Art. 5): to see it, erase it, withdraw consent or restrict processing. Kept as the
    proof that the request was handled, and in time; `deadline` is fixed when the
    request is received (gateway/privacy/deadlines.py)."""

    __tablename__ = "data_requests"
    __table_args__ = (Index("ix_data_requests_phone_kind", "phone", "kind"),
                      Index("ix_data_requests_open", "done_at", "deadline"))

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(12))      # access, erasure, withdrawal, restriction
    channel: Mapped[str] = mapped_column(String(8))    # sms, ussd, hotline, web
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledge_by: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(8))  # done, partial, refused
    reason: Mapped[str] = mapped_column(String(255), default="")  # what was kept, and why
    operator: Mapped[str | None] = mapped_column(String(60))


class Consent(Base):
    """One answer to the privacy notice (Law 91/2025/QH15 Art. 9): append-only, so the
    history proves what each phone was told and said; a phone's current state is its
    latest row. `notice_hash` is the sha256 of the exact text shown."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_phone_id", "phone", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))           # E.164, who answered
    channel: Mapped[str] = mapped_column(String(8))          # sms, ussd, hotline, web
    answer: Mapped[str] = mapped_column(String(12))          # agree, refuse, withdraw, legal_basis
    notice_version: Mapped[str] = mapped_column(String(40))
    notice_hash: Mapped[str | None] = mapped_column(String(64))
    legal_basis: Mapped[str | None] = mapped_column(String(40))  # CONSENT_LEGAL_BASIS
    operator: Mapped[str | None] = mapped_column(String(60))  # hotline user, API caller
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # as told to us
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
