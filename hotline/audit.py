"""The audit log: who read or wrote a citizen's data in the console, when, which
phone and what. Entries are written in the transaction of the action they describe,
so an action that rolls back leaves no entry and a committed one always has one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import AuditEntry, User

PAGE_SIZE = 50
DETAIL_MAX = 255


def record(session: Session, user: User, action: str, phone: str | None = None,
           detail: str = "") -> AuditEntry:
    """Write one entry: `action` is a short name such as 'declaration.create'."""
    entry = AuditEntry(user_id=user.id, username=user.username, action=action, phone=phone,
                       detail=detail[:DETAIL_MAX])
    session.add(entry)
    return entry


def latest(session: Session, phone: str | None = None, before: int | None = None,
           limit: int = PAGE_SIZE) -> list[AuditEntry]:
    """The newest entries (about `phone` only, if given), older than id `before`."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if phone:
        query = query.where(AuditEntry.phone == phone)
    if before:
        query = query.where(AuditEntry.id < before)
    return list(session.scalars(query))
