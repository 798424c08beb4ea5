"""Phone records: language, opt-out and verification of each number."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.store.db import Statement, utc
from gateway.store.models import Phone, utcnow
from gateway.text import DEFAULT_LANGUAGE


def get_or_create(session: Session, number: str) -> Phone:
    """The record of an E.164 number, created (race-free) on first contact."""
    phone = session.scalar(select(Phone).where(Phone.number == number))
    if phone is not None:
        return phone
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    session.execute(insert(Phone).values(number=number, language=DEFAULT_LANGUAGE, opted_out=False,
                                         created_at=now, updated_at=now)
                    .on_conflict_do_nothing(index_elements=["number"]))
    return session.scalars(select(Phone).where(Phone.number == number)).one()


def find(session: Session, number: str) -> Phone | None:
    """The record of a number, or None if it never talked to the gateway."""
    return session.scalar(select(Phone).where(Phone.number == number))


_OPTED_OUT = Statement("SELECT opted_out FROM phones WHERE number = :number")


def opted_out(session: Session, number: str) -> bool:
    """Whether the number asked for no more non-essential messages (STOP)."""
    row = _OPTED_OUT.run(session, {"number": number}).fetchone()
    return bool(row and row[0])


def is_verified(phone: Phone | TurnPhone, now: datetime | None = None) -> bool:
    """True while the phone's last OTP verification is still valid."""
    return phone.verified_until is not None and phone.verified_until > (now or utcnow())


@dataclass
class TurnPhone:
    """The phone's record as one turn sees it: read in one statement when the message
    arrives, written back in one statement only if the turn changed it."""

    id: int
    number: str
    language: str
    opted_out: bool
    verified_until: datetime | None
    _read: tuple = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        self._read = self._values()

    def _values(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "_read")

    @property
    def changed(self) -> bool:
        """Whether the turn changed the record."""
        return self._values() != self._read


TURN_COLUMNS = ("id", "number", "language", "opted_out", "verified_until")
_COLUMNS = ", ".join(TURN_COLUMNS)
_READ = Statement(f"SELECT {_COLUMNS} FROM phones WHERE number = :number")
_CREATE = Statement(
    "INSERT INTO phones (number, language, opted_out, created_at, updated_at) "
    "VALUES (:number, :language, false, :now, :now) ON CONFLICT (number) DO NOTHING "
    f"RETURNING {_COLUMNS}")
_WRITE = Statement("UPDATE phones SET language = :language, opted_out = :opted_out, "
                   "verified_until = :verified_until, updated_at = :now WHERE id = :id")


def for_turn(session: Session, number: str) -> TurnPhone:
    """The phone's record for a turn, created on first contact (race-free: a concurrent
    first message of the same number finds the row the other one made)."""
    row = (_READ.run(session, {"number": number}).fetchone()
           or _CREATE.run(session, {"number": number, "language": DEFAULT_LANGUAGE,
                                    "now": utcnow()}).fetchone()
           or _READ.run(session, {"number": number}).fetchone())
    return turn_phone(row)


def turn_phone(row) -> TurnPhone:
    """The TurnPhone of a row of `TURN_COLUMNS`, as read."""
    return TurnPhone(row[0], row[1], row[2], bool(row[3]), utc(row[4]))


def save_turn(session: Session, phone: TurnPhone) -> None:
    """Write back what the turn changed (nothing when it changed nothing)."""
    if phone.changed:
        _WRITE.run(session, {"id": phone.id, "language": phone.language,
                             "opted_out": phone.opted_out,
                             "verified_until": phone.verified_until, "now": utcnow()})
