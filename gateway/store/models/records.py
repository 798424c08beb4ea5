"""The records the web system shares: declarations, venues, visits, and the change feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from gateway.store.encrypted import Encrypted, hashed
from gateway.store.models.base import (
    SEARCH_FOLDED_CHARS,
    Base,
    UTCDateTime,
    keep_folded,
    utcnow,
)


class Declaration(Base):
    """A medical declaration (tờ khai y tế): the web system's record, whichever channel
    it came from. `answers` keeps every answer as given, under the form's version, but
    the ID and insurance numbers: those are only in their encrypted columns."""

    __tablename__ = "declarations"
    __table_args__ = (Index("ix_declarations_subject_created", "subject_phone", "created_at"),
                      Index("ix_declarations_declarer_created", "declarer_phone", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    declarer_phone: Mapped[str] = mapped_column(String(16))
    subject_phone: Mapped[str | None] = mapped_column(String(16))   # None: no phone of their own
    relation: Mapped[str] = mapped_column(String(16), default="self")
    full_name: Mapped[str] = mapped_column(String(80))
    birth_year: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(8))
    id_type: Mapped[str | None] = mapped_column(String(10))
    # Encrypted at rest (gateway/store/encrypted.py); looked up by their keyed hashes.
    id_number: Mapped[str | None] = mapped_column(Encrypted)
    insurance_number: Mapped[str | None] = mapped_column(Encrypted)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    insurance_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    province_code: Mapped[int] = mapped_column(Integer)
    province_name: Mapped[str] = mapped_column(String(60))
    ward_code: Mapped[int] = mapped_column(Integer)
    ward_name: Mapped[str] = mapped_column(String(80))
    street: Mapped[str] = mapped_column(String(120))
    symptoms: Mapped[list] = mapped_column(JSON, default=list)
    contact: Mapped[bool] = mapped_column(Boolean)
    travel: Mapped[bool] = mapped_column(Boolean)
    risk: Mapped[str] = mapped_column(String(8))           # low, high
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    channel: Mapped[str] = mapped_column(String(8))        # sms, ussd, hotline, web
    verification: Mapped[str] = mapped_column(String(16))  # otp, network, declarer
    operator: Mapped[str | None] = mapped_column(String(60))
    form_version: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    # consent: the consent (or legal basis) row the declaration was made under
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))


# ID and insurance numbers keep their lookup hashes up to date.
hashed(Declaration, "id_number", "id_number_hash")
hashed(Declaration, "insurance_number", "insurance_number_hash")


class Venue(Base):
    """A place people check in at (điểm kiểm dịch), known by a numeric code whose last
    digit is a check digit."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # office, hospital, school, market…
    province_code: Mapped[int] = mapped_column(Integer)
    province_name: Mapped[str] = mapped_column(String(60))
    ward_code: Mapped[int | None] = mapped_column(Integer)
    ward_name: Mapped[str] = mapped_column(String(80), default="")
    street: Mapped[str] = mapped_column(String(120), default="")
    contact_phone: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    channel: Mapped[str] = mapped_column(String(8), default="cli")
    operator: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # name and address, folded (see SEARCH_FOLDED_CHARS)
    search_folded: Mapped[str] = mapped_column(String(SEARCH_FOLDED_CHARS), default="",
                                               server_default="")

    @validates("name", "street", "ward_name", "province_name")
    def _keepkeep_folded(self, key: str, value: str | None) -> str | None:
        keep_folded(self, key, value, ("name", "street", "ward_name", "province_name"))
        return value


class Visit(Base):
    """One check-in at a venue, closed by check-out, by checking in elsewhere, or
    automatically after some hours."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_phone_in", "phone", "checked_in_at"),
                      Index("ix_visits_venue_in", "venue_id", "checked_in_at"),
                      Index("ix_visits_open", "phone", "checked_out_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    phone: Mapped[str] = mapped_column(String(16))
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    channel: Mapped[str] = mapped_column(String(8))
    operator: Mapped[str | None] = mapped_column(String(60))  # venue staff or operator
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(12))  # checkout, elsewhere, auto


class Event(Base):
    """The change feed: one row per record created, changed or deleted, written in the
    same transaction as the record, read by the web system in (txid, id) order.
    Partitioned by week of `created_at` on PostgreSQL (primary key (id, created_at)
    there; gateway/store/partitions.py)."""

    __tablename__ = "events"
    # The feed reads in (txid, id) order from a cursor: see gateway.store.events.
    __table_args__ = (Index("ix_events_txid_id", "txid", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(24))     # declaration, venue, visit, …
    action: Mapped[str] = mapped_column(String(12))    # created, updated, deleted
    record_id: Mapped[int] = mapped_column(Integer)
    txid: Mapped[int | None] = mapped_column(BigInteger)  # PostgreSQL transaction id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# the locality dashboard (issue 16, item 2): its reads by day and area stay on indexes
# at a million declarations (gateway/store/dashboard.py, migration 0011).
Index("ix_declarations_created", Declaration.created_at)
Index("ix_declarations_province_created", Declaration.province_code, Declaration.created_at)
Index("ix_declarations_ward_created", Declaration.ward_code, Declaration.created_at)
Index("ix_visits_checked_in", Visit.checked_in_at)
Index("ix_venues_area", Venue.province_code, Venue.ward_code)


Index("ix_venues_search", Venue.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
