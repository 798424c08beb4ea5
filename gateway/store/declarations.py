"""Declaration records: writing one with its code, finding a phone's latest, and
finding declarations by ID number (through its keyed hash: the column is encrypted)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.codes import new_declaration_code
from gateway.store import keyring, lean
from gateway.store.encrypted import matching
from gateway.store.models import Declaration, utcnow

CODE_ATTEMPTS = 5
# The answers a returning phone is offered back (form steps 2-9: identity and address).
IDENTITY_FIELDS = ("full_name", "birth_year", "gender", "id_type", "id_number",
                   "insurance_number", "province_code", "province_name", "ward_code",
                   "ward_name", "street")
# Answers that are ID or insurance numbers: kept only in their encrypted columns, never
# in plain in `answers` (SMS/USSD spell them id_number and insurance, the API
# id_number and insurance_number).
SECRET_ANSWERS = ("id_number", "insurance", "insurance_number")


_COLUMNS = lean.Columns(Declaration.__table__)
# A code already taken inserts nothing (no savepoint needed) and another is drawn.
_INSERT = lean.FedWrite(_COLUMNS.insert_sql(
    "ON CONFLICT (code) DO NOTHING RETURNING id, 'created' AS action"), "declaration")


def create(session: Session, *, valid_hours: int, now: datetime | None = None,
           **fields: Any) -> Declaration:
    """Write a declaration with a fresh unique code, valid for `valid_hours`, and its
    change-feed event (one statement on PostgreSQL, `gateway.store.lean`). The ID and
    insurance numbers go to their encrypted columns only, not into `answers`; their
    lookup hashes beside them. Returns the record (a transient object)."""
    created = now or utcnow()
    if "answers" in fields:
        fields["answers"] = without_numbers(fields["answers"])
    dialect = session.connection().dialect
    ring = keyring.of(dialect)
    for number in ("id_number", "insurance_number"):
        value = fields.get(number)
        fields[f"{number}_hash"] = None if value is None else ring.digest(value)
    for _ in range(CODE_ATTEMPTS):
        values = _COLUMNS.values({**fields, "code": new_declaration_code(),
                                  "created_at": created,
                                  "valid_until": created + timedelta(hours=valid_hours)})
        rows = _INSERT.run(session, _COLUMNS.bind(dialect, values))
        if rows:
            return lean.transient(Declaration, {"id": rows[0][0], **values})
    raise RuntimeError("could not find a free declaration code")


# Built once, run with parameters: declarations and check-ins ask (see store.consents).
_NEWEST = (select(Declaration).where(Declaration.subject_phone == bindparam("phone"))
           .order_by(Declaration.created_at.desc()).limit(1))
_NEWEST_VALID = _NEWEST.where(Declaration.valid_until > bindparam("now"))
_BY_CODE = select(Declaration).where(Declaration.code == bindparam("code"))


def latest_valid(session: Session, phone: str, now: datetime | None = None) -> Declaration | None:
    """The newest declaration about this phone's owner that is still valid."""
    return session.scalar(_NEWEST_VALID, {"phone": phone, "now": now or utcnow()})


def last_identity(session: Session, phone: str) -> dict[str, Any] | None:
    """Identity and address from the phone owner's newest declaration (any age)."""
    last = session.scalar(_NEWEST, {"phone": phone})
    return {name: getattr(last, name) for name in IDENTITY_FIELDS} if last else None


def by_code(session: Session, code: str) -> Declaration | None:
    """A declaration by its code."""
    return session.scalar(_BY_CODE, {"code": code})


def without_numbers(answers: dict[str, Any]) -> dict[str, Any]:
    """`answers` without ID and insurance numbers (an ID answer keeps its type)."""
    kept = {k: v for k, v in answers.items() if k not in SECRET_ANSWERS}
    identity = answers.get("id_number")
    if isinstance(identity, dict) and identity.get("type"):
        kept["id_number"] = {"type": identity["type"]}
    return kept


def with_id_number(session: Session, number: str) -> Any:
    """The condition selecting declarations whose ID number is `number` (canonical, as
    the IdNumber parser gives it)."""
    return matching(Declaration.id_number_hash, number,
                    keyring.of(session.get_bind().dialect))


def with_insurance_number(session: Session, number: str) -> Any:
    """The condition selecting declarations whose BHYT number is `number` (canonical,
    as the InsuranceNumber parser gives it)."""
    return matching(Declaration.insurance_number_hash, number,
                    keyring.of(session.get_bind().dialect))
