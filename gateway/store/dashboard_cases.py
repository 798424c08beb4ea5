"""The dashboard's cases by name, for their pages: the case of a person to call back
(by phone), and the cases to follow up (an alert open, or silent two days), each read
through the dashboard's `Scope` and area rule (`gateway.store.areas`: a case lies where
its manager's area does). Functions take a session and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gateway.store import areas
from gateway.store.areas import Area
from gateway.store.dashboard import Scope, as_date
from gateway.store.models import HealthReport, QuarantineCase

FOLLOW_UP_LIMIT = 50  # as many as the high-risk list: the page's list, not a roster


def cases_of(session: Session, phones: list[str], area: Area | None) -> dict[str, int]:
    """The case page to open for each phone that has one: the id of the phone's latest
    quarantine case inside `area` (None: any), by phone (one query)."""
    if not phones:
        return {}
    query = (select(QuarantineCase.phone, func.max(QuarantineCase.id))
             .where(QuarantineCase.phone.in_(sorted(set(phones))))
             .group_by(QuarantineCase.phone))
    return {phone: case_id for phone, case_id in session.execute(
        areas.limit(query, QuarantineCase, area))}


def follow_up_query(session: Session, scope: Scope, day: date,
                    limit: int = FOLLOW_UP_LIMIT) -> Select:
    """The cases in scope active on `day` to follow up: an alert open, or no report on
    `day` nor the day before (having started before `day`); alerts first, then those
    silent longest. Columns: id, full_name, phone, alert, last (report day or None)."""
    reported = (select(HealthReport.id)
                .where(HealthReport.case_id == QuarantineCase.id,
                       HealthReport.report_date.in_((day, day - timedelta(days=1))))
                .exists())
    last = (select(func.max(HealthReport.report_date))
            .where(HealthReport.case_id == QuarantineCase.id).scalar_subquery())
    query = (select(QuarantineCase.id, QuarantineCase.full_name, QuarantineCase.phone,
                    QuarantineCase.alert, last.label("last"))
             .where(QuarantineCase.status == "active", QuarantineCase.end_date >= day,
                    QuarantineCase.start_date <= day,
                    QuarantineCase.alert.is_(True)
                    | (~reported & (QuarantineCase.start_date < day)))
             .order_by(QuarantineCase.alert.desc(), last.asc().nulls_first(),
                       QuarantineCase.id)
             .limit(limit))
    if scope.manager_id is not None:
        query = query.where(QuarantineCase.manager_id == scope.manager_id)
    return areas.limit(query, QuarantineCase, scope.place())


@dataclass(frozen=True)
class FollowUp:
    """A case to follow up: its id (for its page), name, phone, whether an alert is
    open and its last report's day (None: never reported)."""

    case_id: int
    name: str
    phone: str
    alert: bool
    last_report: date | None


def follow_up(session: Session, scope: Scope, day: date,
              limit: int = FOLLOW_UP_LIMIT) -> list[FollowUp]:
    """The cases in scope to follow up on `day` (at most `limit`; see follow_up_query)."""
    return [FollowUp(row.id, row.full_name, row.phone, bool(row.alert),
                     as_date(row.last) if row.last is not None else None)
            for row in session.execute(follow_up_query(session, scope, day, limit))]
