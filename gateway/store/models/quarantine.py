"""Quarantine: cases, their daily reports and alerts, isolation areas."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from gateway.store.models.base import (
    Base,
    UTCDateTime,
    keep_folded,
    utcnow,
)


class QuarantineCase(Base):
    """A person in home or facility quarantine, who reports their health every day."""

    __tablename__ = "quarantine_cases"
    __table_args__ = (Index("ix_cases_status_end", "status", "end_date"),
                      Index("ix_cases_phone_status", "phone", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a resident without a phone, added and reported for by a community team
    # (gateway/store/residents.py); reminders and every phone-keyed path skip them.
    phone: Mapped[str | None] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))  # home, facility, area
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active, closed
    alert: Mapped[bool] = mapped_column(Boolean, default=False)  # an alert not cleared yet
    channel: Mapped[str] = mapped_column(String(8), default="cli")
    operator: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # community teams (issue 17, item 3): who a phone-less resident is, for the team.
    birth_year: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(120))
    # the person's name, folded (see SEARCH_FOLDED_CHARS)
    search_folded: Mapped[str] = mapped_column(String(120), default="", server_default="")

    @validates("full_name")
    def _keepkeep_folded(self, key: str, value: str | None) -> str | None:
        keep_folded(self, key, value, ("full_name",), 120)
        return value
    # area quarantine (issue 17): the isolation area a resident (kind `area`) is in.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("isolation_areas.id"))


class HealthReport(Base):
    """A quarantined person's report for one local day; a later report that day
    amends it."""

    __tablename__ = "health_reports"
    __table_args__ = (UniqueConstraint("case_id", "report_date", name="uq_report_case_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("quarantine_cases.id"))
    report_date: Mapped[date] = mapped_column(Date, index=True)
    symptoms: Mapped[list] = mapped_column(JSON, default=list)
    temperature: Mapped[float | None] = mapped_column(Float)
    danger: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(8))
    operator: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # community teams (issue 17, item 3): a report a team member made under their own
    # account for a resident without a phone names the member's relation to them
    # (neighbour, family, …) and is not verified: no code proved the resident agreed.
    relation: Mapped[str | None] = mapped_column(String(40))
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


# case page (issue 16, item 1): see gateway/store/alerts.py.
class Alert(Base):
    """Danger signs a quarantined person reported, raised by the report that carried
    them, until the case's manager clears it with a note. The case's `alert` flag says
    whether any of its alerts is still open. Deleted with its case; a report deleted
    before its case leaves the alert without the link."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_case_open", "case_id", "cleared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("quarantine_cases.id", ondelete="CASCADE"))
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("health_reports.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # symptom numbers; 0: temperature
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(60))  # the manager's username
    note: Mapped[str] = mapped_column(String(500), default="")


# area quarantine (issue 17, item 2): see gateway/quarantine/isolation.py.
class IsolationArea(Base):
    """An area under isolation (khu vuc cach ly): a commune, optionally narrowed to a
    street or hamlet, from `start_date` to `end_date`. Its residents are followed as
    quarantine cases of kind `area` (QuarantineCase.area_id) managed by `manager_id`,
    whose digest carries the area. `code` is a 7-digit code with a check digit, as
    venue codes are (`KV <code>` joins by SMS)."""

    __tablename__ = "isolation_areas"
    __table_args__ = (Index("ix_isolation_areas_place", "province_code", "ward_code"),
                      Index("ix_isolation_areas_status_end", "status", "end_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    province_code: Mapped[int] = mapped_column(Integer)
    province_name: Mapped[str] = mapped_column(String(60))
    ward_code: Mapped[int] = mapped_column(Integer)
    ward_name: Mapped[str] = mapped_column(String(80))
    street: Mapped[str] = mapped_column(String(120), default="")  # street / hamlet; "": all
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active, lifted
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # When the job that enrols the residents finished (None: still to run; the nightly
    # run queues it again should its hand-over have been lost).
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(8), default="hotline")
    operator: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# A phone is a resident of an area once (concurrent joins find the first one's case).
Index("uq_cases_area_phone", QuarantineCase.area_id, QuarantineCase.phone, unique=True)


# The folded search text of the console's lists (issue 16): trigram indexes on
# PostgreSQL, so a search inside names ('%van a%') is an index scan, not a read of the
# whole table; plain indexes on SQLite (the embedded mode's small tables).
Index("ix_cases_search", QuarantineCase.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
