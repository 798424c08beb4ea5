"""Isolation-area records: the areas, the cases of their residents, the latest
declarations that place people in an area, and each area's compliance. Functions take
a session and never commit (the rules are gateway/quarantine/isolation.py's).

A resident's case is a `QuarantineCase` of kind `area` with the area's id; a phone is a
resident of an area once (unique index `uq_cases_area_phone`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from gateway.codes import new_area_code
from gateway.store import areas
from gateway.store.areas import Area
from gateway.store.db import insert_coded
from gateway.store.models import (
    Declaration,
    HealthReport,
    IsolationArea,
    Phone,
    QuarantineCase,
    utcnow,
)
from gateway.text import DEFAULT_LANGUAGE

CODE_ATTEMPTS = 5


def create(session: Session, **fields: Any) -> IsolationArea:
    """Write a new active area with a fresh unique code (flushed, so it has an id)."""
    return insert_coded(session,
                        lambda: IsolationArea(code=new_area_code(), status="active", **fields),
                        CODE_ATTEMPTS, "isolation-area")


def by_code(session: Session, code: str) -> IsolationArea | None:
    """The area with this code."""
    return session.scalar(select(IsolationArea).where(IsolationArea.code == code))


def get(session: Session, area_id: int, within: Area | None = None,
        lock: bool = False) -> IsolationArea | None:
    """The area `area_id` if it lies in `within` (None: anywhere)."""
    query = areas.limit(select(IsolationArea).where(IsolationArea.id == area_id),
                        IsolationArea, within)
    return session.scalar(query.with_for_update() if lock else query)


def listed(session: Session, within: Area | None, status: str | None = None,
           after: int = 0, limit: int = 100) -> list[IsolationArea]:
    """Areas in `within` by id after `after` (of one status when given)."""
    query = select(IsolationArea).where(IsolationArea.id > after)
    if status:
        query = query.where(IsolationArea.status == status)
    query = areas.limit(query, IsolationArea, within)
    return list(session.scalars(query.order_by(IsolationArea.id).limit(limit)))


def still_open(session: Session, area_id: int, day: date) -> bool:
    """Whether the area is active through `day`, read under a shared row lock (on
    PostgreSQL): a lift running at the same time waits for this transaction, or this
    one sees it lifted, so no resident joins an area being lifted."""
    row = session.execute(select(IsolationArea.status, IsolationArea.end_date)
                          .where(IsolationArea.id == area_id)
                          .with_for_update(read=True)).one_or_none()
    return row is not None and row.status == "active" and row.end_date >= day


def resident_case(session: Session, area_id: int, phone: str) -> QuarantineCase | None:
    """The phone's case as a resident of the area (whatever its status)."""
    return session.scalar(select(QuarantineCase).where(QuarantineCase.area_id == area_id,
                                                       QuarantineCase.phone == phone))


# Built once, run with parameters: every declaration's turn asks (see store.consents).
_ACTIVE_CONTAINING = (
    select(IsolationArea).where(IsolationArea.province_code == bindparam("province"),
                                IsolationArea.ward_code == bindparam("ward"),
                                IsolationArea.status == "active",
                                IsolationArea.start_date <= bindparam("day"),
                                IsolationArea.end_date >= bindparam("day"))
    .order_by(IsolationArea.id))


def active_containing(session: Session, province_code: int, ward_code: int,
                      day: date) -> list[IsolationArea]:
    """The active areas of a commune on `day` (their street text not yet compared)."""
    return list(session.scalars(_ACTIVE_CONTAINING, {"province": province_code,
                                                     "ward": ward_code, "day": day}))


def latest_declarations(session: Session, area: IsolationArea, after: int,
                        limit: int) -> list[Any]:
    """(id, subject_phone, full_name, street) of the declarations in the area's commune
    that are their person's latest, by id after `after`. People without a phone of
    their own are left out: nobody could text them a reminder."""
    mine = Declaration.__table__.alias("mine")
    latest = (select(func.max(mine.c.id)).where(mine.c.subject_phone == Declaration.subject_phone)
              .scalar_subquery())
    return list(session.execute(
        select(Declaration.id, Declaration.subject_phone, Declaration.full_name,
               Declaration.street)
        .where(Declaration.province_code == area.province_code,
               Declaration.ward_code == area.ward_code,
               Declaration.subject_phone.is_not(None), Declaration.id > after,
               Declaration.id == latest)
        .order_by(Declaration.id).limit(limit)))


def active_residents(session: Session, area_id: int) -> list[Any]:
    """(id, phone, language) of the area's active cases that have a phone (those to
    text; a resident a team added without one is counted, never texted)."""
    return list(session.execute(
        select(QuarantineCase.id, QuarantineCase.phone,
               func.coalesce(Phone.language, DEFAULT_LANGUAGE).label("language"))
        .outerjoin(Phone, Phone.number == QuarantineCase.phone)
        .where(QuarantineCase.area_id == area_id, QuarantineCase.status == "active",
               QuarantineCase.phone.is_not(None))
        .order_by(QuarantineCase.id)))


def extend_cases(session: Session, area_id: int, end_date: date) -> int:
    """Move the last day of the area's active cases; how many moved."""
    return session.execute(update(QuarantineCase)
                           .where(QuarantineCase.area_id == area_id,
                                  QuarantineCase.status == "active")
                           .values(end_date=end_date, updated_at=utcnow())).rowcount


def close_cases(session: Session, area_id: int) -> int:
    """Close the area's active cases (no more reminders); how many closed."""
    return session.execute(update(QuarantineCase)
                           .where(QuarantineCase.area_id == area_id,
                                  QuarantineCase.status == "active")
                           .values(status="closed", updated_at=utcnow())).rowcount


def ended(session: Session, day: date) -> list[IsolationArea]:
    """Active areas whose last day was before `day` (to lift)."""
    return list(session.scalars(select(IsolationArea)
                                .where(IsolationArea.status == "active",
                                       IsolationArea.end_date < day)
                                .order_by(IsolationArea.id).with_for_update()))


def not_enrolled(session: Session) -> list[int]:
    """Ids of active areas whose residents' enrolment has not finished."""
    return list(session.scalars(select(IsolationArea.id)
                                .where(IsolationArea.status == "active",
                                       IsolationArea.enrolled_at.is_(None))
                                .order_by(IsolationArea.id)))


@dataclass(frozen=True)
class AreaCompliance:
    """An area's residents active on a day and how they report."""

    area_id: int
    code: str
    street: str
    ward_name: str
    end_date: date
    residents: int
    reported: int
    missed_one: int
    missed_more: int
    manager_id: int | None = None  # whose digest carries the area


def compliance(session: Session, day: date, within: Area | None = None,
               manager_id: int | None = None, commune: int | None = None,
               area_id: int | None = None,
               manager_ids: Collection[int] | None = None) -> list[AreaCompliance]:
    """Each area active on `day` (in `within`, of one manager or of several — a batch of
    digests —, of one commune, or the one `area_id`) with its residents' reports of the
    day: one query. Missed one day:
    no report on `day` but one the day before, or joined on `day`; more otherwise (as
    the dashboard counts)."""
    def reported_on(when: date) -> Any:
        return (select(HealthReport.id).where(HealthReport.case_id == QuarantineCase.id,
                                              HealthReport.report_date == when).exists())

    today, yesterday = reported_on(day), reported_on(day - timedelta(days=1))
    active_case = and_(QuarantineCase.status == "active", QuarantineCase.start_date <= day,
                       QuarantineCase.end_date >= day)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((and_(active_case, condition), 1), else_=0)), 0)

    query = (select(IsolationArea.id, IsolationArea.code, IsolationArea.street,
                    IsolationArea.ward_name, IsolationArea.end_date, IsolationArea.manager_id,
                    count(True).label("residents"), count(today).label("reported"),
                    count(and_(~today, yesterday | (QuarantineCase.start_date == day)))
                    .label("missed_one"),
                    count(and_(~today, ~yesterday, QuarantineCase.start_date < day))
                    .label("missed_more"))
             .outerjoin(QuarantineCase, QuarantineCase.area_id == IsolationArea.id)
             .where(IsolationArea.status == "active", IsolationArea.start_date <= day,
                    IsolationArea.end_date >= day)
             .group_by(IsolationArea.id, IsolationArea.code, IsolationArea.street,
                       IsolationArea.ward_name, IsolationArea.end_date,
                       IsolationArea.manager_id)
             .order_by(IsolationArea.id))
    if manager_id is not None:
        query = query.where(IsolationArea.manager_id == manager_id)
    if manager_ids is not None:
        query = query.where(IsolationArea.manager_id.in_(manager_ids))
    if commune is not None:
        query = query.where(IsolationArea.ward_code == commune)
    if area_id is not None:
        query = query.where(IsolationArea.id == area_id)
    query = areas.limit(query, IsolationArea, within)
    return [AreaCompliance(r.id, r.code, r.street, r.ward_name, r.end_date, int(r.residents),
                           int(r.reported), int(r.missed_one), int(r.missed_more),
                           r.manager_id)
            for r in session.execute(query)]
