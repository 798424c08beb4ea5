"""Phone records: language, opt-out and verification of each number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.store.models import Phone, utcnow


def get_or_create(session: Session, number: str) -> Phone:
    """The record of an E.164 number, created (race-free) on first contact."""
    phone = session.scalar(select(Phone).where(Phone.number == number))
    if phone is not None:
        return phone
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    session.execute(insert(Phone).values(number=number, language="vi", opted_out=False,
                                         created_at=now, updated_at=now)
                    .on_conflict_do_nothing(index_elements=["number"]))
    return session.scalars(select(Phone).where(Phone.number == number)).one()


def find(session: Session, number: str) -> Phone | None:
    """The record of a number, or None if it never talked to the gateway."""
    return session.scalar(select(Phone).where(Phone.number == number))


def is_verified(phone: Phone, now: datetime | None = None) -> bool:
    """True while the phone's last OTP verification is still valid."""
    return phone.verified_until is not None and phone.verified_until > (now or utcnow())
