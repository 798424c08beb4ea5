"""A community team's residents: who a team member (console role `community_team`,
always limited to an area) works for, and the reads the team's pages make.

A resident is an active quarantine case lying in the member's area by the one rule of
`gateway.store.areas` (a case lies where its manager's area lies), or a resident of an
isolation area lying in the member's area (its manager may be a province's officer
while the team works in one commune). `in_area` is the single place that decides it,
so every team page and check follows it at once. Functions take a session and never commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gateway.store import areas
from gateway.store.models import AreaLimit, HealthReport, IsolationArea, QuarantineCase, User
from gateway.store.quarantine import active_on


def in_area(area: areas.Area, day: date) -> Any:
    """The SQL condition 'this case is a resident of a team working in `area` on
    `day`': active that day, and lying in the area or in one of its isolation areas."""
    isolated = select(IsolationArea.id).where(areas.condition(IsolationArea, area))
    return and_(active_on(day), or_(areas.condition(QuarantineCase, area),
                                    QuarantineCase.area_id.in_(isolated)))


def roster(area: areas.Area, day: date) -> Any:
    """The residents with their report of `day` (or None), by name: a SELECT of
    (QuarantineCase, HealthReport) rows for paging."""
    return (select(QuarantineCase, HealthReport)
            .outerjoin(HealthReport, (HealthReport.case_id == QuarantineCase.id)
                       & (HealthReport.report_date == day))
            .where(in_area(area, day))
            .order_by(QuarantineCase.full_name, QuarantineCase.id))


def resident(session: Session, area: areas.Area, case_id: int, day: date,
             lock: bool = False) -> QuarantineCase | None:
    """The case `case_id` if it is a resident of the team's area on `day`, else None
    (unknown, closed, or someone else's area: the same answer)."""
    query = select(QuarantineCase).where(QuarantineCase.id == case_id, in_area(area, day))
    return session.scalar(query.with_for_update() if lock else query)


def managers(session: Session, area: areas.Area) -> list[User]:
    """The active quarantine managers whose own area lies within `area`: a resident the
    team adds is followed by one of them, so it lies in the team's area (and the
    manager gets its alerts and digest)."""
    limited = select(AreaLimit.user_id).where(AreaLimit.user_id.is_not(None))
    candidates = session.scalars(select(User).where(
        User.role == "manager", User.active.is_(True), User.id.in_(limited))
        .order_by(User.display_name, User.username)).all()
    within = areas.of_users(session, [user.id for user in candidates])
    return [user for user in candidates if area.contains(within.get(user.id))]


def isolation_areas(session: Session, area: areas.Area, day: date) -> list[IsolationArea]:
    """The isolation areas inside the team's `area` still active on `day` (from the
    first declared): the ones a team may add a resident to, oldest first."""
    return list(session.scalars(
        select(IsolationArea).where(areas.condition(IsolationArea, area),
                                    IsolationArea.status == "active",
                                    IsolationArea.end_date >= day)
        .order_by(IsolationArea.id)))
