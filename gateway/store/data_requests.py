"""Data-subject requests: recording one, acknowledging it, closing it with its outcome,
and the lists the console shows. Functions take a session and never commit.

A request's deadlines are computed by the caller (`gateway.privacy.deadlines`, which
needs the gateway's timezone) and stored with it, so a later change of the rules never
moves the deadline of a request already received.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import AuditEntry, DataRequest, utcnow

OUTCOMES = ("done", "partial", "refused")
REASON_MAX = 255
LIST_SIZE = 200


def record(session: Session, *, phone: str, kind: str, channel: str, acknowledge_by: datetime,
           deadline: datetime, received_at: datetime | None = None,
           operator: str | None = None, acknowledged: bool = False) -> DataRequest:
    """Write a new request (flushed: it has an id). `acknowledged`: the channel told the
    person at once that it was received (an SMS reply does)."""
    now = received_at or utcnow()
    request = DataRequest(phone=phone, kind=kind, channel=channel, received_at=now,
                          acknowledge_by=acknowledge_by, deadline=deadline,
                          acknowledged_at=now if acknowledged else None, operator=operator,
                          reason="")
    session.add(request)
    session.flush()
    return request


def open_request(session: Session, phone: str, kind: str) -> DataRequest | None:
    """The phone's request of `kind` not done yet, if any (a repeated XOA finds it)."""
    return session.scalar(select(DataRequest)
                          .where(DataRequest.phone == phone, DataRequest.kind == kind,
                                 DataRequest.done_at.is_(None))
                          .order_by(DataRequest.id).limit(1))


def get(session: Session, request_id: int, lock: bool = False) -> DataRequest | None:
    """One request by id (`lock`: FOR UPDATE, so two erasures of it run one at a time)."""
    query = select(DataRequest).where(DataRequest.id == request_id)
    return session.scalar(query.with_for_update() if lock else query)


def acknowledge(request: DataRequest, operator: str | None = None,
                now: datetime | None = None) -> bool:
    """Mark the request acknowledged (once); False when it already was."""
    if request.acknowledged_at is not None:
        return False
    request.acknowledged_at = now or utcnow()
    request.operator = request.operator or operator
    return True


def close(request: DataRequest, outcome: str, reason: str = "", operator: str | None = None,
          now: datetime | None = None) -> None:
    """Record that the request is done: `outcome` done, partial (something had to be
    kept: `reason` says what and why) or refused (`reason` says why)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    now = now or utcnow()
    request.acknowledged_at = request.acknowledged_at or now
    request.done_at = now
    request.outcome = outcome
    request.reason = reason[:REASON_MAX]
    request.operator = operator or request.operator


def latest(session: Session, limit: int = LIST_SIZE) -> list[DataRequest]:
    """The newest requests: open ones first (nearest deadline first), then done ones."""
    open_ = session.scalars(select(DataRequest).where(DataRequest.done_at.is_(None))
                            .order_by(DataRequest.deadline, DataRequest.id).limit(limit))
    done = session.scalars(select(DataRequest).where(DataRequest.done_at.is_not(None))
                           .order_by(DataRequest.id.desc()).limit(limit))
    return [*open_, *done][:limit]


def pending_erasures(session: Session, received_before: datetime) -> list[int]:
    """Ids of erasure requests not done, received before `received_before` (the sweep
    queues them again in case their job was lost)."""
    return list(session.scalars(select(DataRequest.id)
                                .where(DataRequest.kind == "erasure",
                                       DataRequest.done_at.is_(None),
                                       DataRequest.received_at < received_before)
                                .order_by(DataRequest.id)))


def audit(session: Session, who: str, action: str, phone: str | None, detail: str = "") -> None:
    """An audit entry for a step taken without a console user (the records API, a
    job): `who` names the token or process."""
    session.add(AuditEntry(user_id=None, username=who[:60], action=action, phone=phone,
                           detail=detail[:REASON_MAX]))
