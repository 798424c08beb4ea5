"""Deleting given records of each kind, with what must go or change with them.

Every function takes the session, the ids (or a condition) of the records to delete,
deletes them and returns how many went; none commits. The nightly purge
(gateway/purge/) calls them with the ids that expired, and a one-person erasure
(gateway/privacy/erasure.py) with that person's, which `of_phone` selects. The fed
records (declarations, visits, quarantine cases, health reports) are deleted with
ORM bulk `delete()`s, so the change feed's hook (gateway/store/events.py) writes a
`deleted` event for each, in the same transaction. Their counts go to the daily
statistics first (gateway/store/statistics.py) when `keep_counts` is true: the purge
and the erasure both keep them (they hold no personal data).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, exists, select, tuple_, update
from sqlalchemy.orm import Session

from gateway.store import statistics
from gateway.store.models import (
    AuditEntry,
    Consent,
    DataRequest,
    Declaration,
    Event,
    Exposure,
    ExposureCase,
    ExposureNotice,
    HealthReport,
    IdempotencyKey,
    InboundKey,
    InboundMessage,
    OutboundKey,
    OutboundMessage,
    Phone,
    QuarantineCase,
    Visit,
)


def _delete_ids(session: Session, model: type, ids: Sequence[int]) -> int:
    """Delete the rows of `model` with these ids (nothing else goes with them)."""
    if not ids:
        return 0
    return session.execute(delete(model).where(model.id.in_(ids))).rowcount


def delete_visits(session: Session, ids: Sequence[int], keep_counts: bool = True) -> int:
    """Delete visits (check-ins)."""
    if not ids:
        return 0
    if keep_counts:
        statistics.archive(session, "visit", Visit.id.in_(ids))
    # The exposures of these visits go with them, through the session so the feed has
    # their `deleted` events (the database would cascade them silently).
    session.execute(delete(Exposure).where(Exposure.visit_id.in_(ids)))
    session.execute(delete(ExposureNotice).where(ExposureNotice.visit_id.in_(ids)))
    return session.execute(delete(Visit).where(Visit.id.in_(ids))).rowcount


def delete_exposure_cases(session: Session, ids: Sequence[int]) -> int:
    """Delete confirmed cases with their exposures (the notices stay with the exposed
    phones' visits, which other cases may share)."""
    if not ids:
        return 0
    session.execute(delete(Exposure).where(Exposure.case_id.in_(ids)))
    return _delete_ids(session, ExposureCase, ids)


def delete_declarations(session: Session, ids: Sequence[int], keep_counts: bool = True) -> int:
    """Delete declarations; a visit still kept loses its link to one (an `updated`
    event for that visit), since the visit outlives the declaration it was made with."""
    if not ids:
        return 0
    if keep_counts:
        statistics.archive(session, "declaration", Declaration.id.in_(ids))
    session.execute(update(Visit).where(Visit.declaration_id.in_(ids))
                    .values(declaration_id=None))
    return session.execute(delete(Declaration).where(Declaration.id.in_(ids))).rowcount


def delete_cases(session: Session, ids: Sequence[int], keep_counts: bool = True) -> int:
    """Delete quarantine cases with their daily health reports."""
    if not ids:
        return 0
    reports = list(session.scalars(select(HealthReport.id)
                                   .where(HealthReport.case_id.in_(ids))))
    delete_health_reports(session, reports, keep_counts)
    if keep_counts:
        statistics.archive(session, "quarantine_case", QuarantineCase.id.in_(ids))
    return session.execute(delete(QuarantineCase)
                           .where(QuarantineCase.id.in_(ids))).rowcount


def delete_health_reports(session: Session, ids: Sequence[int],
                          keep_counts: bool = True) -> int:
    """Delete daily health reports."""
    if not ids:
        return 0
    if keep_counts:
        statistics.archive(session, "health_report", HealthReport.id.in_(ids))
    return session.execute(delete(HealthReport).where(HealthReport.id.in_(ids))).rowcount


def delete_inbound(session: Session, *where: ColumnElement, keep_counts: bool = True) -> int:
    """Delete logged inbound messages matching `where` (their dedup keys stay for as
    long as the message log's retention: a late retry must still be recognised)."""
    if keep_counts:
        statistics.archive(session, "inbound_message", *where)
    return session.execute(delete(InboundMessage).where(*where)).rowcount


def delete_outbound(session: Session, *where: ColumnElement, keep_counts: bool = True) -> int:
    """Delete outbox rows matching `where`, whatever their status: the caller picks
    rows past any retry (the purge: older than RETENTION_OUTBOX_DAYS, which the
    configuration keeps longer than SMS_RETRY_HOURS)."""
    if keep_counts:
        statistics.archive(session, "outbound_message", *where)
    return session.execute(delete(OutboundMessage).where(*where)).rowcount


def unseal_outbound(session: Session, *where: ColumnElement) -> int:
    """Clear the sealed secret text (an OTP) of outbox rows matching `where`, except
    of a row still queued or being sent (whose send needs it; the sweeper clears it
    when it gives the row up)."""
    return session.execute(update(OutboundMessage)
                           .where(OutboundMessage.sealed.is_not(None),
                                  OutboundMessage.status.not_in(("queued", "sending")),
                                  *where)
                           .values(sealed=None)).rowcount


def delete_inbound_keys(session: Session, keys: Sequence[tuple[str, str]]) -> int:
    """Forget the dedup keys (provider, provider_id) of inbound messages."""
    if not keys:
        return 0
    return session.execute(delete(InboundKey).where(
        tuple_(InboundKey.provider, InboundKey.provider_id).in_(keys))).rowcount


def delete_outbound_keys(session: Session, keys: Sequence[str]) -> int:
    """Forget the dedup keys of scheduled sends (outbox `dedup_key`s)."""
    if not keys:
        return 0
    return session.execute(delete(OutboundKey).where(OutboundKey.dedup_key.in_(keys))).rowcount


def delete_events(session: Session, ids: Sequence[int]) -> int:
    """Delete change-feed events."""
    return _delete_ids(session, Event, ids)


def delete_idempotency_keys(session: Session, ids: Sequence[int]) -> int:
    """Delete stored API responses."""
    return _delete_ids(session, IdempotencyKey, ids)


def delete_audit_entries(session: Session, ids: Sequence[int]) -> int:
    """Delete audit log entries."""
    return _delete_ids(session, AuditEntry, ids)


def delete_phones(session: Session, ids: Sequence[int]) -> int:
    """Delete phone rows."""
    return _delete_ids(session, Phone, ids)


def delete_consents(session: Session, ids: Sequence[int]) -> int:
    """Delete consent records (answers to the privacy notice)."""
    return _delete_ids(session, Consent, ids)


def delete_data_requests(session: Session, ids: Sequence[int]) -> int:
    """Delete data-subject requests."""
    return _delete_ids(session, DataRequest, ids)


def phone_is_unused():
    """The condition that a phone has no record left that names it (opted-out phones
    are never unused: their STOP is kept)."""
    number = Phone.number
    return (~Phone.opted_out
            & ~exists().where(Declaration.declarer_phone == number)
            & ~exists().where(Declaration.subject_phone == number)
            & ~exists().where(Visit.phone == number)
            & ~exists().where(QuarantineCase.phone == number)
            & ~exists().where(InboundMessage.phone == number)
            & ~exists().where(OutboundMessage.phone == number))


def of_phone(session: Session, phone: str) -> dict[str, list[int]]:
    """The ids of what an erasure of `phone` may delete, by kind: the reports and the
    cases once closed (an active case stays while it lasts), its visits, and the
    declarations about the person (not those made for a family member); the exposure
    cases marked for it (its exposures and notices as an exposed phone go with its
    visits)."""
    closed = select(QuarantineCase.id).where(QuarantineCase.phone == phone,
                                             QuarantineCase.status != "active")
    return {
        "exposure_cases": list(session.scalars(
            select(ExposureCase.id).where(ExposureCase.phone == phone))),
        "health_reports": list(session.scalars(
            select(HealthReport.id).where(HealthReport.case_id.in_(closed)))),
        "quarantine_cases": list(session.scalars(closed)),
        "visits": list(session.scalars(select(Visit.id).where(Visit.phone == phone))),
        "declarations": list(session.scalars(
            select(Declaration.id).where(Declaration.subject_phone == phone))),
    }
