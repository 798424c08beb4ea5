"""What the gateway holds about one phone: a few facts per kind of record, for the
`DULIEU` summary, and every record in full, for an export (JSON or CSV).

Each kind is one entry of `SUMMARY` and of `RECORDS`: a new kind of record is one
function in each table. Facts are counts and dates,
never a name or an ID number: they go out by SMS.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import Session

from gateway.store import consents
from gateway.store.models import (
    Alert,
    Consent,
    DataRequest,
    Declaration,
    ExposureCase,
    ExposureNotice,
    HealthReport,
    InboundMessage,
    OutboundMessage,
    Phone,
    QuarantineCase,
    Visit,
)

Facts = dict[str, Any]
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _day(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y") if moment else ""


def _mine(phone: str):
    """Declarations about the phone, or made from it for a family member."""
    return or_(Declaration.subject_phone == phone, Declaration.declarer_phone == phone)


def declaration_facts(session: Session, phone: str, tz: ZoneInfo) -> Facts:
    """How many declarations, and the newest one's date."""
    count, newest = session.execute(select(func.count(), func.max(Declaration.created_at))
                                    .where(_mine(phone))).one()
    return {"declarations": count, "declared_on": _day(newest, tz)} if count else {}


def visit_facts(session: Session, phone: str, tz: ZoneInfo) -> Facts:
    """How many check-ins, and the newest one's date."""
    count, newest = session.execute(select(func.count(), func.max(Visit.checked_in_at))
                                    .where(Visit.phone == phone)).one()
    return {"visits": count, "visited_on": _day(newest, tz)} if count else {}


def case_facts(session: Session, phone: str, tz: ZoneInfo) -> Facts:
    """An active quarantine case (kept while it lasts), else how many closed ones."""
    active = session.scalar(select(func.max(QuarantineCase.end_date))
                            .where(QuarantineCase.phone == phone,
                                   QuarantineCase.status == "active"))
    if active is not None:
        return {"case_until": active.strftime("%d/%m/%Y")}
    closed = session.scalar(select(func.count()).where(QuarantineCase.phone == phone))
    return {"cases_closed": closed} if closed else {}


def consent_facts(session: Session, phone: str, tz: ZoneInfo) -> Facts:
    """The phone's current answer to the privacy notice (agree, refuse, withdraw,
    legal_basis) and the day it was given."""
    latest = consents.latest(session, phone)
    return {"consent": latest.answer, "consent_on": _day(latest.given_at, tz)} if latest else {}


SUMMARY: tuple[Callable[[Session, str, ZoneInfo], Facts], ...] = (
    declaration_facts, visit_facts, case_facts, consent_facts)


def summary(session: Session, phone: str, tz: ZoneInfo) -> Facts:
    """Every kind's facts about `phone` (an empty dict: nothing is held)."""
    facts: Facts = {}
    for kind in SUMMARY:
        facts.update(kind(session, phone, tz))
    return facts


def _rows(session: Session, query) -> list[dict[str, Any]]:
    return [_plain(row) for row in session.scalars(query)]


def _plain(row: Any) -> dict[str, Any]:
    """A model row as JSON-ready values (dates as ISO 8601)."""
    values = {}
    for column in inspect(type(row)).columns:
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if isinstance(value, date | datetime) else value
    return values


def _cases(session: Session, phone: str) -> list[dict[str, Any]]:
    cases = _rows(session, select(QuarantineCase).where(QuarantineCase.phone == phone)
                  .order_by(QuarantineCase.id))
    for case in cases:
        case["reports"] = _rows(session, select(HealthReport)
                                .where(HealthReport.case_id == case["id"])
                                .order_by(HealthReport.report_date))
        case["alerts"] = _rows(session, select(Alert).where(Alert.case_id == case["id"])
                               .order_by(Alert.id))
    return cases


RECORDS: dict[str, Callable[[Session, str], list[dict[str, Any]]]] = {
    "phone_record": lambda s, p: _rows(s, select(Phone).where(Phone.number == p)),
    "declarations": lambda s, p: _rows(s, select(Declaration).where(_mine(p))
                                       .order_by(Declaration.id)),
    "visits": lambda s, p: _rows(s, select(Visit).where(Visit.phone == p).order_by(Visit.id)),
    "quarantine_cases": _cases,
    "messages_received": lambda s, p: _rows(s, select(InboundMessage)
                                            .where(InboundMessage.phone == p)
                                            .order_by(InboundMessage.id)),
    # The outbox keeps OTP texts masked (the code is sealed apart): nothing secret here.
    "messages_sent": lambda s, p: _rows(s, select(OutboundMessage)
                                        .where(OutboundMessage.phone == p)
                                        .order_by(OutboundMessage.id)),
    "data_requests": lambda s, p: _rows(s, select(DataRequest).where(DataRequest.phone == p)
                                        .order_by(DataRequest.id)),
    # Every answer to the notice, oldest first: the history is the proof.
    "consents": lambda s, p: _rows(s, select(Consent).where(Consent.phone == p)
                                   .order_by(Consent.id)),
    # exposure notification: the notices this phone got (and its answers), and the
    # phone's own marking as a confirmed case. Nothing of another person is in either.
    "exposure_notices": lambda s, p: _rows(s, select(ExposureNotice)
                                           .where(ExposureNotice.phone == p)
                                           .order_by(ExposureNotice.id)),
    "exposure_cases": lambda s, p: _rows(s, select(ExposureCase)
                                         .where(ExposureCase.phone == p)
                                         .order_by(ExposureCase.id)),
}
# Never exported: the sealed OTP text is a secret of the outbox, not the person's data.
SECRET_FIELDS = {"messages_sent": ("sealed",)}


def export(session: Session, phone: str) -> dict[str, Any]:
    """Every record held about `phone`, by kind: the access request's answer."""
    found: dict[str, Any] = {"phone": phone}
    for kind, read in RECORDS.items():
        rows = read(session, phone)
        for row in rows:
            for name in SECRET_FIELDS.get(kind, ()):
                row.pop(name, None)
        found[kind] = rows
    return found


def to_json(records: dict[str, Any]) -> str:
    """The export as a JSON document (UTF-8 text, names kept with their diacritics)."""
    return json.dumps(records, ensure_ascii=False, indent=2, default=str)


def to_csv(records: dict[str, Any]) -> str:
    """The export as one CSV table, one line per field: kind, record id, field, value
    (records of different kinds have different fields; nested values are JSON)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("kind", "id", "field", "value"))
    for kind, rows in records.items():
        if isinstance(rows, list):
            writer.writerows(_lines(kind, rows))
    return out.getvalue()


def _lines(kind: str, rows: Iterable[dict[str, Any]]) -> Iterable[tuple[Any, ...]]:
    for row in rows:
        for field, value in row.items():
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else (
                "" if value is None else value)
            yield kind, row.get("id", ""), field, _safe(shown)


def _safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (CSV injection: '=cmd|…'); a
    phone number such as '+84912345678' is a plain number and stays as it is."""
    if not isinstance(value, str) or not value:
        return value
    formula = value[0] in ("=", "@", "\t", "\r") or (
        value[0] in ("+", "-") and not _NUMBER.fullmatch(value))
    return "'" + value if formula else value
