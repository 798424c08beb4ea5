"""Exposure notification: confirmed cases, their exposures, and the notices sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models.base import (
    Base,
    UTCDateTime,
    utcnow,
)


# exposure notification (issue 17, item 1): see gateway/store/exposures.py.
class ExposureCase(Base):
    """A phone marked as a confirmed case by a health officer (console) or the web
    system (API), with the window in which it was infectious. Its exposures are the
    other phones' visits that overlapped its own at the same venues."""

    __tablename__ = "exposure_cases"
    __table_args__ = (Index("ix_exposure_cases_phone", "phone", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))  # E.164: the case; never in a message
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="review")  # review, notified
    # Who marked it: a console user, or an API token; the case lies in their area.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(8))          # hotline (console), web (API)
    operator: Mapped[str | None] = mapped_column(String(60))  # username or token name
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_by: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ExposureNotice(Base):
    """One exposure as the exposed phone lives it: its visit at a venue that overlapped
    a case's. Unique per (phone, venue, visit), so however many cases overlap that
    visit, and however often they are marked or confirmed, the phone is texted about
    it once. Holds the SMS (its outbox row) and the phone's answer."""

    __tablename__ = "exposure_notices"
    __table_args__ = (UniqueConstraint("phone", "venue_id", "visit_id",
                                       name="uq_exposure_notice_visit"),
                      Index("ix_exposure_notices_phone_answer", "phone", "answer",
                            "notified_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))  # E.164, the exposed phone
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    overlap_start: Mapped[datetime] = mapped_column(UTCDateTime)
    overlap_end: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Integer)  # the outbox row, once queued
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_by: Mapped[str | None] = mapped_column(String(60))
    answer: Mapped[str | None] = mapped_column(String(12))  # isolating, symptoms
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_channel: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(8))  # of the confirmation: hotline, web
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Exposure(Base):
    """A case's exposure: another phone's visit that overlapped the case's own at the
    same venue by at least the minimum overlap (with the margin). Unique per case and
    visit, so marking a case again lists nothing twice; its notice is shared with
    every other case that overlapped the same visit."""

    __tablename__ = "exposures"
    __table_args__ = (UniqueConstraint("case_id", "visit_id", name="uq_exposure_case_visit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("exposure_cases.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(16))  # E.164, the exposed phone
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          index=True)
    overlap_start: Mapped[datetime] = mapped_column(UTCDateTime)
    overlap_end: Mapped[datetime] = mapped_column(UTCDateTime)
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("exposure_notices.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
