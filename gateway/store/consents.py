"""Consent records: append one answer to the notice, and read a phone's current state
(its latest row). Rows are never changed: the history is the proof (Decree
356/2025/ND-CP Art. 6 asks that consent can be verified)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.store.models import Consent, utcnow

# A phone that answered one of these may declare: it agreed, or was told under a basis.
PERMITTING = ("agree", "legal_basis")


def record(session: Session, *, phone: str, channel: str, answer: str, notice_version: str,
           notice_hash: str | None = None, legal_basis: str | None = None,
           operator: str | None = None, given_at: datetime | None = None) -> Consent:
    """Append an answer (agree, refuse, withdraw, legal_basis) for an E.164 phone; the
    caller's transaction commits it."""
    now = utcnow()
    row = Consent(phone=phone, channel=channel, answer=answer, notice_version=notice_version,
                  notice_hash=notice_hash, legal_basis=legal_basis, operator=operator,
                  given_at=given_at or now, created_at=now)
    session.add(row)
    session.flush()  # the id, for the declaration that follows in the same turn
    return row


# Built once, run with parameters: on a dialogue turn, building a select costs about
# as much as running it (SQLAlchemy caches the compiled SQL per built statement).
_LATEST = (select(Consent).where(Consent.phone == bindparam("phone"))
           .order_by(Consent.id.desc()).limit(1))


def latest(session: Session, phone: str) -> Consent | None:
    """The phone's current state: its newest row, or None if it was never asked."""
    return session.scalar(_LATEST, {"phone": phone})


def permitting(session: Session, phone: str) -> Consent | None:
    """The row a new declaration of this phone is made under, if its current state
    allows one (agreed, or told under a legal basis); None otherwise."""
    current = latest(session, phone)
    return current if current is not None and current.answer in PERMITTING else None


def history(session: Session, phone: str) -> list[Consent]:
    """Every answer of a phone, oldest first (for a data-subject request)."""
    return list(session.scalars(select(Consent).where(Consent.phone == phone)
                                .order_by(Consent.id)))
