"""Who may do what: console users and their venues, API tokens and their idempotency
keys, area limits, the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from gateway.store.models.base import (
    SEARCH_FOLDED_CHARS,
    Base,
    UTCDateTime,
    keep_folded,
    utcnow,
)


class User(Base):
    """A person who works with the gateway: hotline operator, venue staff, quarantine
    manager or administrator. Managers have a phone for alerts and digests."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(16))  # operator, venue_staff, manager, admin
    phone: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # username and display name, folded (see SEARCH_FOLDED_CHARS)
    search_folded: Mapped[str] = mapped_column(String(160), default="", server_default="")

    @validates("username", "display_name")
    def _keepkeep_folded(self, key: str, value: str | None) -> str | None:
        keep_folded(self, key, value, ("username", "display_name"), 160)
        return value


# Which venues a venue_staff user may check visitors in at.
venue_staff = Table(
    "venue_staff", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("venue_id", ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True),
)


class ApiToken(Base):
    """A bearer token of the records API, stored only as a hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    scopes: Mapped[str] = mapped_column(String(60), default="read")  # space-separated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """The first response to an API POST with an `Idempotency-Key`, replayed to retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_idempotency_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(120))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who read or wrote a citizen's data in the console, when, and what."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    detail: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # who, what and the detail, folded (see SEARCH_FOLDED_CHARS)
    search_folded: Mapped[str] = mapped_column(String(SEARCH_FOLDED_CHARS), default="",
                                               server_default="")

    @validates("username", "action", "detail")
    def _keepkeep_folded(self, key: str, value: str | None) -> str | None:
        keep_folded(self, key, value, ("username", "action", "detail"))
        return value


class AreaLimit(Base):
    """Part of the area an API token or a console account is limited to (access by
    area, gateway/store/areas.py): one row per commune, or one row with no commune
    for a whole province. An owner without rows is not limited."""

    __tablename__ = "area_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    province_code: Mapped[int] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)  # None: the whole province
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_users_search", User.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
Index("ix_audit_search", AuditEntry.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
