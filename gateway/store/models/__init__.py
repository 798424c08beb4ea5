"""SQLAlchemy models of the gateway's durable records, one module per domain; everything
is importable from here (`from gateway.store.models import Declaration`), and importing
this package registers every table on `Base.metadata` (Alembic and the schema tests
read it)."""

from gateway.store.models.access import (
    ApiToken,
    AreaLimit,
    AuditEntry,
    IdempotencyKey,
    User,
    venue_staff,
)
from gateway.store.models.base import SEARCH_FOLDED_CHARS, Base, UTCDateTime, utcnow
from gateway.store.models.messages import (
    InboundKey,
    InboundMessage,
    OutboundKey,
    OutboundMessage,
    Phone,
)
from gateway.store.models.privacy import Consent, DailyCount, DataRequest
from gateway.store.models.quarantine import Alert, HealthReport, IsolationArea, QuarantineCase
from gateway.store.models.records import Declaration, Event, Venue, Visit
from gateway.store.models.tracing import Exposure, ExposureCase, ExposureNotice

__all__ = [
    "SEARCH_FOLDED_CHARS", "Alert", "ApiToken", "AreaLimit", "AuditEntry", "Base", "Consent",
    "DailyCount", "DataRequest", "Declaration", "Event", "Exposure", "ExposureCase",
    "ExposureNotice", "HealthReport", "IdempotencyKey", "InboundKey", "InboundMessage",
    "IsolationArea", "OutboundKey", "OutboundMessage", "Phone", "QuarantineCase", "UTCDateTime",
    "User", "Venue", "Visit", "utcnow", "venue_staff",
]
