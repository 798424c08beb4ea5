"""Quarantine records: cases, their daily health reports, and the queries the
scheduled runs and the digest make. Functions take a session and never commit.

A case is active on a day when its status is `active` and the day lies within its
start and end dates (both included). Large runs page through cases by id (keyset
pagination), a batch at a time, so no query holds every case in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from gateway.store import lean
from gateway.store.db import utc
from gateway.store.models import (
    HealthReport,
    OutboundMessage,
    Phone,
    QuarantineCase,
    User,
    Venue,
    utcnow,
)
from gateway.text import DEFAULT_LANGUAGE


def _active(day: date | BindParameter[date]):
    return and_(QuarantineCase.status == "active", QuarantineCase.start_date <= day,
                QuarantineCase.end_date >= day)


def active_on(day: date):
    """The SQL condition 'the case is active on `day`' (for other modules' queries)."""
    return _active(day)


# Built once, run with parameters: every report's turn asks (see store.consents).
_ACTIVE_CASE = (select(QuarantineCase)
                .where(QuarantineCase.phone == bindparam("phone"), _active(bindparam("day")))
                .order_by(QuarantineCase.id.desc()).limit(1))


def active_case(session: Session, phone: str, day: date) -> QuarantineCase | None:
    """The phone's case active on `day`, if any (one query)."""
    return session.scalar(_ACTIVE_CASE, {"phone": phone, "day": day})


def overlapping_case(session: Session, phone: str, start: date,
                     end: date) -> QuarantineCase | None:
    """An active case of the phone whose dates overlap [start, end]."""
    return session.scalar(select(QuarantineCase)
                          .where(QuarantineCase.phone == phone,
                                 QuarantineCase.status == "active",
                                 QuarantineCase.start_date <= end,
                                 QuarantineCase.end_date >= start).limit(1))


def venue_by_code(session: Session, code: str) -> Venue | None:
    """The venue (facility) with this code."""
    return session.scalar(select(Venue).where(Venue.code == code))


def create_case(session: Session, **fields: Any) -> QuarantineCase:
    """Write a new active case (flushed, so it has an id)."""
    created = QuarantineCase(status="active", alert=False, **fields)
    session.add(created)
    session.flush()
    return created


_REPORT_COLUMNS = lean.Columns(HealthReport.__table__)
_AMENDED = ("symptoms", "temperature", "danger", "channel", "operator", "relation",
            "verified", "updated_at")
# One statement writes or amends the day's report (the unique (case, day) key decides,
# so a concurrent first report of the day waits for the other and amends it). Whether
# it amended: on PostgreSQL a row just inserted has no xmax; on SQLite (writers one at a
# time) a new row's created_at is this write's own.
_UPSERT_TAIL = ("ON CONFLICT (case_id, report_date) DO UPDATE SET "
                + ", ".join(f"{name} = excluded.{name}" for name in _AMENDED)
                + " RETURNING id, CASE WHEN {new} THEN 'created' ELSE 'updated' END AS action, "
                "created_at")
_UPSERT_REPORT = {
    "postgresql": lean.FedWrite(_REPORT_COLUMNS.insert_sql(
        _UPSERT_TAIL.format(new="health_reports.xmax = 0")), "health_report"),
    "sqlite": lean.FedWrite(_REPORT_COLUMNS.insert_sql(
        _UPSERT_TAIL.format(new="health_reports.created_at = :created_at")),
        "health_report")}


def record_report(session: Session, case_id: int, day: date, *, symptoms: Sequence[int],
                  temperature: float | None, danger: bool, channel: str,
                  operator: str | None = None, relation: str | None = None,
                  verified: bool = True,
                  now: datetime | None = None) -> tuple[HealthReport, bool]:
    """Write the case's report for `day`, or amend the one already there (a later
    report that day replaces its answers, and who made it), with its change-feed
    event, in one lean statement (`gateway.store.lean`). `relation` and `verified` say
    who a community team's report stands for (gateway/quarantine/residents.py).
    Returns the report (a transient object) and
    whether it amended."""
    moment = now or utcnow()
    dialect = session.connection().dialect
    values = _REPORT_COLUMNS.values({
        "case_id": case_id, "report_date": day, "symptoms": list(symptoms),
        "temperature": temperature, "danger": danger, "channel": channel,
        "operator": operator, "relation": relation, "verified": verified,
        "created_at": moment, "updated_at": moment})
    (report_id, action, created_at), = _UPSERT_REPORT[dialect.name].run(
        session, _REPORT_COLUMNS.bind(dialect, values))
    amended = action == "updated"
    values.update(created_at=utc(created_at) if amended else moment)
    return lean.transient(HealthReport, {"id": report_id, **values}), amended


def mark_alert(session: Session, case_id: int) -> None:
    """Set the case's alert flag alone, in one bulk UPDATE (reports raise an alert
    record with `gateway.store.alerts.raise_alert`, which keeps the flag itself)."""
    session.execute(update(QuarantineCase).where(QuarantineCase.id == case_id)
                    .values(alert=True, updated_at=utcnow()))


_MANAGER_CONTACT = (select(User.id, User.username, User.phone,
                           func.coalesce(Phone.language, DEFAULT_LANGUAGE).label("language"))
                    .outerjoin(Phone, Phone.number == User.phone)
                    .where(User.id == bindparam("manager_id")))


def manager_contact(session: Session, manager_id: int) -> Row | None:
    """A manager's phone and reply language (id, username, phone, language)."""
    return session.execute(_MANAGER_CONTACT, {"manager_id": manager_id}).first()


def _reported(day: date):
    return exists().where(HealthReport.case_id == QuarantineCase.id,
                          HealthReport.report_date == day)


def reminder_batch(session: Session, day: date, after: int, limit: int,
                   pending_key: tuple[str, str] | None = None) -> list[Row]:
    """Active cases without a report on `day`, by id after `after`: (id, phone,
    language, pending). Phones that opted out are left out. With `pending_key`
    (prefix, suffix), `pending` says whether the outbox still holds the message whose
    dedup key is prefix + id + suffix unsent (an earlier reminder still waiting)."""
    pending = literal(False)
    if pending_key:
        key = (literal(pending_key[0]) + cast(QuarantineCase.id, String)
               + literal(pending_key[1]))
        pending = exists().where(OutboundMessage.dedup_key == key,
                                 OutboundMessage.status == "queued")
    return list(session.execute(
        select(QuarantineCase.id, QuarantineCase.phone,
               func.coalesce(Phone.language, DEFAULT_LANGUAGE).label("language"),
               pending.label("pending"))
        .outerjoin(Phone, Phone.number == QuarantineCase.phone)
        .where(_active(day), QuarantineCase.id > after, ~_reported(day),
               QuarantineCase.phone.is_not(None),  # a resident without a phone: no SMS
               or_(Phone.opted_out.is_(None), Phone.opted_out.is_(False)))
        .order_by(QuarantineCase.id).limit(limit)))


def ending_batch(session: Session, day: date, after: int, limit: int) -> list[Row]:
    """Active cases whose last day is `day`, by id after `after`: (id, phone, language)."""
    return list(session.execute(
        select(QuarantineCase.id, QuarantineCase.phone,
               func.coalesce(Phone.language, DEFAULT_LANGUAGE).label("language"))
        .outerjoin(Phone, Phone.number == QuarantineCase.phone)
        .where(QuarantineCase.status == "active", QuarantineCase.end_date == day,
               QuarantineCase.phone.is_not(None), QuarantineCase.id > after)
        .order_by(QuarantineCase.id).limit(limit)))


def close_ended(session: Session, day: date) -> int:
    """Close the cases whose quarantine ended before `day`; how many were closed."""
    return session.execute(update(QuarantineCase)
                           .where(QuarantineCase.status == "active",
                                  QuarantineCase.end_date < day)
                           .values(status="closed", updated_at=utcnow())).rowcount


def managers_batch(session: Session, day: date, after: int, limit: int) -> list[int]:
    """Ids of managers with cases active on `day`, after `after`, in order."""
    return list(session.scalars(select(QuarantineCase.manager_id).distinct()
                                .where(_active(day), QuarantineCase.manager_id > after)
                                .order_by(QuarantineCase.manager_id).limit(limit)))


def _unwell(fever: float):
    return or_(func.json_array_length(HealthReport.symptoms) > 0,
               HealthReport.temperature >= fever, HealthReport.danger.is_(True))


def manager_contacts(session: Session, manager_ids: Sequence[int]) -> dict[int, Row]:
    """`manager_contact` of several managers in one query, by id."""
    return {row.id: row for row in session.execute(
        select(User.id, User.username, User.phone,
               func.coalesce(Phone.language, DEFAULT_LANGUAGE).label("language"))
        .outerjoin(Phone, Phone.number == User.phone).where(User.id.in_(manager_ids)))}


def digest_counts_many(session: Session, manager_ids: Sequence[int], day: date,
                       fever: float) -> dict[int, Row]:
    """(active, reported, unwell) of each manager's cases on `day`, by manager id, in
    one query (a manager without active cases is left out)."""
    return {row.manager_id: row for row in session.execute(
        select(QuarantineCase.manager_id,
               func.count(QuarantineCase.id).label("active"),
               func.count(HealthReport.id).label("reported"),
               func.coalesce(func.sum(case((_unwell(fever), 1), else_=0)), 0).label("unwell"))
        .outerjoin(HealthReport, and_(HealthReport.case_id == QuarantineCase.id,
                                      HealthReport.report_date == day))
        .where(QuarantineCase.manager_id.in_(manager_ids), _active(day))
        .group_by(QuarantineCase.manager_id))}


def _first_per_manager(query, order: Sequence[Any], limit: int) -> Any:
    """`query` (selecting a case's manager_id) cut to its first `limit` rows per manager
    in `order`, in that order: a window's row number, one query for every manager."""
    ranked = query.add_columns(func.row_number().over(
        partition_by=QuarantineCase.manager_id, order_by=order).label("rank")).subquery()
    return (select(ranked).where(ranked.c.rank <= limit)
            .order_by(ranked.c.manager_id, ranked.c.rank))


def _grouped(rows: Sequence[Row]) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.manager_id, []).append(row)
    return grouped


def unwell_cases_many(session: Session, manager_ids: Sequence[int], day: date, fever: float,
                      limit: int) -> dict[int, list[Row]]:
    """Each manager's cases that reported symptoms on `day`, danger signs first, at
    most `limit` per manager, by manager id, in one query: (manager_id, id, full_name,
    phone, symptoms, temperature, danger, rank)."""
    query = (select(QuarantineCase.manager_id, QuarantineCase.id, QuarantineCase.full_name,
                    QuarantineCase.phone, HealthReport.symptoms, HealthReport.temperature,
                    HealthReport.danger)
             .join(HealthReport, and_(HealthReport.case_id == QuarantineCase.id,
                                      HealthReport.report_date == day))
             .where(QuarantineCase.manager_id.in_(manager_ids), _active(day), _unwell(fever)))
    return _grouped(session.execute(_first_per_manager(
        query, (HealthReport.danger.desc(), QuarantineCase.id), limit)).all())


def missing_cases_many(session: Session, manager_ids: Sequence[int], day: date,
                       limit: int) -> dict[int, list[Row]]:
    """Each manager's cases without a report on `day`, those missing the most days
    first, at most `limit` per manager, by manager id, in one query: (manager_id, id,
    full_name, phone, start_date, last_report, rank)."""
    last = (select(func.max(HealthReport.report_date))
            .where(HealthReport.case_id == QuarantineCase.id).scalar_subquery())
    # The last report is looked up once per case (a materialized CTE): inlined, the
    # lookup would run again for each sort key that uses it.
    missing = (select(QuarantineCase.manager_id, QuarantineCase.id, QuarantineCase.full_name,
                      QuarantineCase.phone, QuarantineCase.start_date,
                      last.label("last_report"))
               .where(QuarantineCase.manager_id.in_(manager_ids), _active(day),
                      ~_reported(day))
               .cte("missing").prefix_with("MATERIALIZED"))
    # Never reported since the start is one day more missed than a last report on the
    # start day: sorting by (last or start, has reported) gives most missed first.
    ranked = select(missing, func.row_number().over(
        partition_by=missing.c.manager_id,
        order_by=(func.coalesce(missing.c.last_report, missing.c.start_date),
                  case((missing.c.last_report.is_(None), 0), else_=1), missing.c.id),
    ).label("rank")).subquery()
    return _grouped(session.execute(select(ranked).where(ranked.c.rank <= limit)
                                    .order_by(ranked.c.manager_id, ranked.c.rank)).all())


class CaseChangeError(ValueError):
    """A change a case cannot take: `reason` is 'closed', 'before_start', or for a
    reopening 'not_closed', 'ended' (its last day has passed) or 'overlap' (the phone
    has another active case in those dates, `case_id`)."""

    def __init__(self, reason: str, case_id: int | None = None):
        super().__init__(reason)
        self.reason, self.case_id = reason, case_id


def change_case(case: QuarantineCase, *, end_date: date | None = None,
                close: bool = False) -> None:
    """Move an active case's last day (extend or shorten it), and/or close it."""
    if end_date is not None:
        if case.status == "closed":
            raise CaseChangeError("closed")
        if end_date < case.start_date:
            raise CaseChangeError("before_start")
        case.end_date = end_date
    if close:
        case.status = "closed"


def reopen_case(session: Session, case: QuarantineCase, today: date,
                end_date: date | None = None) -> None:
    """Undo the closing of a case: active again, so reminders, reports and the digest
    take it up from today. It keeps its dates, or ends on `end_date` when given. A case
    whose last day has passed needs a new last day from `today` on (reopening extends
    it): the nightly run would otherwise close it again at once."""
    if case.status != "closed":
        raise CaseChangeError("not_closed")
    end = end_date or case.end_date
    if end < case.start_date:
        raise CaseChangeError("before_start")
    if end < today:
        raise CaseChangeError("ended")
    # A resident without a phone has no other case to collide with (NULL is no key).
    other = (overlapping_case(session, case.phone, case.start_date, end)
             if case.phone is not None else None)
    if other is not None:
        raise CaseChangeError("overlap", other.id)
    case.end_date, case.status = end, "active"
