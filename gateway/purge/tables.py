"""What the purge deletes in the database: one `Step` per kind of record, in order.

A step names its retention kind (gateway/retention.py), a query of the ids that
expired at a cutoff, and the function that deletes given ids (gateway/store/deletion.py,
shared with a one-person erasure). Adding a kind of record is one entry in `STEPS`.
The order matters: the feed goes first (so the `deleted` events of this run are not
purged with a moved clock), visits before the declarations they point at, reports
with their cases, phones once nothing else names them, and then the proofs: consent
records (the last one of a phone goes only once its phone row is gone) and
data-subject requests once done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from gateway.store import deletion
from gateway.store.models import (
    AuditEntry,
    Consent,
    DataRequest,
    Declaration,
    Event,
    ExposureCase,
    IdempotencyKey,
    InboundKey,
    InboundMessage,
    OutboundKey,
    OutboundMessage,
    Phone,
    QuarantineCase,
    Visit,
)


@dataclass(frozen=True)
class Step:
    """Delete the `name` records of retention `kind` that `expired(cutoff)` selects
    (their ids), with `delete(session, ids)`. `partitioned_by` is set for a table
    partitioned by that time on PostgreSQL, whose expired weeks are dropped whole
    first; `counted_as` is the statistics kind its rows are archived as then."""

    name: str
    kind: str
    expired: Callable[[datetime], Select]
    delete: Callable[[Session, Sequence], int]
    partitioned_by: Column | None = None
    counted_as: str | None = None


STEPS: tuple[Step, ...] = (
    # The feed first: the `deleted` events this run writes are never its candidates.
    Step("change-feed events", "events",
         lambda cutoff: select(Event.id).where(Event.created_at < cutoff),
         deletion.delete_events, partitioned_by=Event.__table__.c.created_at),
    Step("visits", "visits",
         lambda cutoff: select(Visit.id).where(
             func.coalesce(Visit.checked_out_at, Visit.checked_in_at) < cutoff),
         deletion.delete_visits),
    Step("declarations", "declarations",
         lambda cutoff: select(Declaration.id).where(Declaration.valid_until < cutoff),
         deletion.delete_declarations),
    # A case's closing is its last change (status closed), hence `updated_at`.
    Step("quarantine cases (with reports)", "quarantine",
         lambda cutoff: select(QuarantineCase.id).where(QuarantineCase.status == "closed",
                                                        QuarantineCase.updated_at < cutoff),
         deletion.delete_cases),
    # Exposure cases are facts about visits: kept as long, counted from the window's end.
    Step("exposure cases (with their exposures)", "visits",
         lambda cutoff: select(ExposureCase.id).where(ExposureCase.window_end < cutoff),
         deletion.delete_exposure_cases),
    Step("inbound messages", "message_log",
         lambda cutoff: select(InboundMessage.id).where(InboundMessage.received_at < cutoff),
         lambda session, ids: deletion.delete_inbound(session, InboundMessage.id.in_(ids)),
         partitioned_by=InboundMessage.__table__.c.received_at, counted_as="inbound_message"),
    Step("inbound dedup keys", "message_log",
         lambda cutoff: select(InboundKey.provider, InboundKey.provider_id).where(
             InboundKey.received_at < cutoff),
         deletion.delete_inbound_keys),
    # The outbox is partitioned by week like the message log; its dedup keys (which
    # must outlive any week's partition) are kept as long as its rows.
    Step("outbound messages", "outbox",
         lambda cutoff: select(OutboundMessage.id).where(OutboundMessage.created_at < cutoff),
         lambda session, ids: deletion.delete_outbound(session, OutboundMessage.id.in_(ids)),
         partitioned_by=OutboundMessage.__table__.c.created_at, counted_as="outbound_message"),
    Step("outbound dedup keys", "outbox",
         lambda cutoff: select(OutboundKey.dedup_key).where(OutboundKey.created_at < cutoff),
         deletion.delete_outbound_keys),
    # Sealed OTP texts are cleared once sent; this catches any left (the row stays).
    Step("sealed OTP texts cleared", "otp",
         lambda cutoff: select(OutboundMessage.id).where(
             OutboundMessage.sealed.is_not(None), OutboundMessage.created_at < cutoff,
             OutboundMessage.status.not_in(("queued", "sending"))),
         lambda session, ids: deletion.unseal_outbound(session, OutboundMessage.id.in_(ids))),
    Step("API idempotency keys", "idempotency",
         lambda cutoff: select(IdempotencyKey.id).where(IdempotencyKey.created_at < cutoff),
         deletion.delete_idempotency_keys),
    Step("audit log entries", "audit",
         lambda cutoff: select(AuditEntry.id).where(AuditEntry.created_at < cutoff),
         deletion.delete_audit_entries),
    Step("phones", "phones",
         lambda cutoff: select(Phone.id).where(Phone.updated_at < cutoff,
                                               deletion.phone_is_unused()),
         deletion.delete_phones),
    Step("consent records", "consents", lambda cutoff: _expired_consents(cutoff),
         deletion.delete_consents),
    Step("data-subject requests", "data_requests",
         lambda cutoff: select(DataRequest.id).where(DataRequest.done_at < cutoff),
         deletion.delete_data_requests),
)


def _expired_consents(cutoff: datetime) -> Select:
    """Consent rows superseded (a newer row of the phone) before `cutoff`, and a
    phone's last row given before `cutoff` once the phone row is gone (the purge
    deletes it when nothing else of the phone is left, or an erasure did)."""
    newer = aliased(Consent)
    superseded_before = exists().where(newer.phone == Consent.phone, newer.id > Consent.id,
                                       newer.created_at < cutoff)
    is_last = ~exists().where(newer.phone == Consent.phone, newer.id > Consent.id)
    phone_gone = ~exists().where(Phone.number == Consent.phone)
    return select(Consent.id).where(or_(
        superseded_before, and_(is_last, phone_gone, Consent.created_at < cutoff)))
