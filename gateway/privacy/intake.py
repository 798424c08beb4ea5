"""Receiving a data-subject request: the one way every channel (SMS, console, API)
records one, with the deadlines the law gives it from the moment it arrived."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.privacy import deadlines
from gateway.store import data_requests
from gateway.store.models import DataRequest, utcnow


def receive(session: Session, tz: ZoneInfo, *, phone: str, kind: str, channel: str,
            operator: str | None = None, acknowledged: bool = False,
            now: datetime | None = None) -> DataRequest:
    """Record a request of `kind` from `phone` received now (or at `now`), due as
    `deadlines.due` says in the gateway's timezone `tz`. `acknowledged`: the channel's
    answer tells the person at once that it was received."""
    received = now or utcnow()
    due = deadlines.due(kind, received, tz)
    return data_requests.record(session, phone=phone, kind=kind, channel=channel,
                                received_at=received, acknowledge_by=due.acknowledge_by,
                                deadline=due.deadline, operator=operator,
                                acknowledged=acknowledged)
