"""SQLAlchemy models of the gateway's durable records."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from gateway.store.encrypted import Encrypted, hashed
from gateway.text import DEFAULT_LANGUAGE, searchable


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


# The console's searches ignore case and diacritics ('nguyen van a' finds 'Nguyễn Văn
# A', 'd' finds 'đ'): a record keeps its searched text folded in `search_folded`,
# rewritten by the model whenever one of its parts is set — so every record function,
# console form and API write keeps it right without knowing — and indexed (a trigram
# index on PostgreSQL, migration 0016), so a search stays fast and paged at scale.
SEARCH_FOLDED_CHARS = 400


def _search_folded(record: object, key: str, value: str | None, parts: tuple[str, ...],
                   limit: int = SEARCH_FOLDED_CHARS) -> None:
    values = {part: getattr(record, part) for part in parts}
    values[key] = value
    record.search_folded = searchable(*(values[part] for part in parts), limit=limit)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no timezones), always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    """Base of all models."""


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
    def _keep_search_folded(self, key: str, value: str | None) -> str | None:
        _search_folded(self, key, value, ("username", "display_name"), 160)
        return value


# Which venues a venue_staff user may check visitors in at.
venue_staff = Table(
    "venue_staff", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("venue_id", ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True),
)


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
    def _keep_search_folded(self, key: str, value: str | None) -> str | None:
        _search_folded(self, key, value, ("name", "street", "ward_name", "province_name"))
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
    def _keep_search_folded(self, key: str, value: str | None) -> str | None:
        _search_folded(self, key, value, ("full_name",), 120)
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
    def _keep_search_folded(self, key: str, value: str | None) -> str | None:
        _search_folded(self, key, value, ("username", "action", "detail"))
        return value


class InboundKey(Base):
    """The dedup of inbound messages: a provider's message id, once. A small table
    outside the partitioned message log, so the key is unique over all time and not
    only within a week's partition; kept as long as the message log."""

    __tablename__ = "inbound_keys"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


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


# ID and insurance numbers keep their lookup hashes up to date.
hashed(Declaration, "id_number", "id_number_hash")
hashed(Declaration, "insurance_number", "insurance_number_hash")


# the locality dashboard (issue 16, item 2): its reads by day and area stay on indexes
# at a million declarations (gateway/store/dashboard.py, migration 0011).
Index("ix_declarations_created", Declaration.created_at)
Index("ix_declarations_province_created", Declaration.province_code, Declaration.created_at)
Index("ix_declarations_ward_created", Declaration.ward_code, Declaration.created_at)
Index("ix_visits_checked_in", Visit.checked_in_at)
Index("ix_venues_area", Venue.province_code, Venue.ward_code)


# outbox partitions (issue 15, p15): the outbox's dedup outside its weekly partitions.
class OutboundKey(Base):
    """The dedup of scheduled sends: an outbox `dedup_key` (a reminder's case, day and
    slot; a digest's manager and day…), once. A small table outside the partitioned
    outbox, so the key is unique over all time and not only within a week's partition;
    kept as long as the outbox. It names no phone and holds no text."""

    __tablename__ = "outbound_keys"

    dedup_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


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


# The folded search text of the console's lists (issue 16): trigram indexes on
# PostgreSQL, so a search inside names ('%van a%') is an index scan, not a read of the
# whole table; plain indexes on SQLite (the embedded mode's small tables).
Index("ix_cases_search", QuarantineCase.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
Index("ix_venues_search", Venue.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
Index("ix_users_search", User.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
Index("ix_audit_search", AuditEntry.search_folded, postgresql_using="gin",
      postgresql_ops={"search_folded": "gin_trgm_ops"})
