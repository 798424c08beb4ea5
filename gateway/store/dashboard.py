"""The locality dashboard's figures: declarations per day by channel and risk, the
recent high-risk declarations to call back, check-ins per venue and day, and the
quarantine compliance of the active cases.

Every figure is read through a `Scope`: the area the reader may see (gateway/store/
areas.py; None: the whole country), an optional commune within it, a manager whose own
cases alone count, and a range of local days. Each query is built by a `*_query`
function (a SELECT, so a test can EXPLAIN it: the indexes of migration 0011 keep them
fast at a million declarations) and read by the function of the same name without
the suffix. Days are the gateway's local days (a declaration at 23:30 UTC is the next
day in Viet Nam). Functions take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Select, and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from gateway.store import areas
from gateway.store.areas import Area
from gateway.store.models import (
    Declaration,
    HealthReport,
    QuarantineCase,
    Venue,
    Visit,
)

HIGH_RISK_LIMIT = 50
TOP_VENUES = 8  # as many as the charts have colours


@dataclass(frozen=True)
class Scope:
    """What a dashboard shows: rows inside `area` (None: not limited), narrowed to one
    `commune` (ward code) when given, of the cases of `manager_id` alone when given,
    from local day `since` to `until` (inclusive) in the timezone `tz`."""

    since: date
    until: date
    tz: ZoneInfo
    area: Area | None = None
    commune: int | None = None
    manager_id: int | None = None

    def place(self) -> Area | None:
        """The area the rows must lie in: the commune when one is chosen (the caller
        checked it lies in `area`), else the whole area."""
        if self.commune is not None and self.area is not None:
            return Area(self.area.province_code, frozenset({self.commune}))
        return self.area

    def bounds(self) -> tuple[datetime, datetime]:
        """The range as UTC moments: the start of `since`, the start of the day after
        `until` (local midnights)."""
        start = datetime.combine(self.since, time(), self.tz).astimezone(UTC)
        end = datetime.combine(self.until + timedelta(days=1), time(), self.tz)
        return start, end.astimezone(UTC)


def local_day(session: Session, column: Any, scope: Scope) -> Any:
    """The local day of a UTC moment column (stored naive UTC), as SQL."""
    if session.get_bind().dialect.name == "postgresql":
        # A literal, not a parameter: GROUP BY must repeat the SELECT's expression
        # exactly, and two parameters are two expressions to PostgreSQL. A key of the
        # tz database (checked by the configuration) holds no quote.
        name = literal_column(f"'{scope.tz.key}'")
        utc = func.timezone(literal_column("'UTC'"), column)
        return func.date(func.timezone(name, utc), type_=Date)
    # SQLite (the demo) has no timezones: the offset at the start of the range
    # (Viet Nam keeps one offset all year).
    offset = datetime.combine(scope.since, time(), scope.tz).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(column, f"{minutes:+d} minutes", type_=Date)


def _declarations(scope: Scope) -> list[Any]:
    start, end = scope.bounds()
    where = [Declaration.created_at >= start, Declaration.created_at < end]
    place = scope.place()
    if place is not None:
        where.append(areas.condition(Declaration, place))
    return where


# --- declarations per day ------------------------------------------------------------

def declarations_query(session: Session, scope: Scope) -> Select:
    """(day, channel, risk, count) of the declarations in scope."""
    day = local_day(session, Declaration.created_at, scope)
    return (select(day.label("day"), Declaration.channel, Declaration.risk,
                   func.count().label("count"))
            .where(*_declarations(scope))
            .group_by(day, Declaration.channel, Declaration.risk)
            .order_by(day, Declaration.channel, Declaration.risk))


@dataclass(frozen=True)
class DayCount:
    """How many declarations a local day had by one channel with one risk."""

    day: date
    channel: str
    risk: str
    count: int


def declarations(session: Session, scope: Scope) -> list[DayCount]:
    """The declarations in scope counted per local day, channel and risk."""
    if scope.manager_id is not None:
        return []  # a manager's part is their cases, not the locality's declarations
    return [DayCount(as_date(day), channel, risk, count)
            for day, channel, risk, count in session.execute(
                declarations_query(session, scope))]


# --- the high-risk list --------------------------------------------------------------

def high_risk_query(session: Session, scope: Scope, limit: int = HIGH_RISK_LIMIT) -> Select:
    """The latest high-risk declarations in scope, newest first."""
    return (select(Declaration.id, Declaration.full_name, Declaration.subject_phone,
                   Declaration.declarer_phone, Declaration.ward_name, Declaration.channel,
                   Declaration.created_at)
            .where(*_declarations(scope), Declaration.risk == "high")
            .order_by(Declaration.created_at.desc(), Declaration.id.desc()).limit(limit))


@dataclass(frozen=True)
class HighRisk:
    """A high-risk declaration to call back: the phone to call (the person's own, else
    the declarer's), their name, commune, channel and when."""

    declaration_id: int
    name: str
    phone: str
    commune: str
    channel: str
    created_at: datetime


def high_risk(session: Session, scope: Scope, limit: int = HIGH_RISK_LIMIT) -> list[HighRisk]:
    """The latest high-risk declarations in scope (at most `limit`), newest first."""
    if scope.manager_id is not None:
        return []
    return [HighRisk(row.id, row.full_name, row.subject_phone or row.declarer_phone,
                     row.ward_name, row.channel, row.created_at)
            for row in session.execute(high_risk_query(session, scope, limit))]


# --- check-ins per venue and day -----------------------------------------------------

def _visits(scope: Scope) -> list[Any]:
    start, end = scope.bounds()
    where = [Visit.checked_in_at >= start, Visit.checked_in_at < end]
    place = scope.place()
    if place is not None:
        where.append(areas.condition(Visit, place))
    return where


def top_venues_query(session: Session, scope: Scope, limit: int = TOP_VENUES) -> Select:
    """(venue id, check-ins) of the venues with the most check-ins in scope."""
    total = func.count().label("count")
    return (select(Visit.venue_id, total).where(*_visits(scope))
            .group_by(Visit.venue_id).order_by(total.desc(), Visit.venue_id).limit(limit))


def checkins_query(session: Session, scope: Scope, venue_ids: list[int]) -> Select:
    """(venue id, day, check-ins) of the given venues in scope."""
    day = local_day(session, Visit.checked_in_at, scope)
    return (select(Visit.venue_id, day.label("day"), func.count().label("count"))
            .where(*_visits(scope), Visit.venue_id.in_(venue_ids))
            .group_by(Visit.venue_id, day).order_by(Visit.venue_id, day))


@dataclass(frozen=True)
class VenueCheckins:
    """A venue's check-ins in scope: the total and per local day (days without any
    are left out)."""

    venue_id: int
    code: str
    name: str
    commune: str
    total: int
    per_day: dict[date, int]


def checkins(session: Session, scope: Scope, limit: int = TOP_VENUES) -> list[VenueCheckins]:
    """The `limit` venues with the most check-ins in scope, most first, with their
    check-ins per day (three short queries)."""
    if scope.manager_id is not None:
        return []
    totals = session.execute(top_venues_query(session, scope, limit)).all()
    if not totals:
        return []
    ids = [venue_id for venue_id, _ in totals]
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(ids)))}
    per_day: dict[int, dict[date, int]] = {venue_id: {} for venue_id in ids}
    for venue_id, day, count in session.execute(checkins_query(session, scope, ids)):
        per_day[venue_id][as_date(day)] = count
    return [VenueCheckins(venue_id, venues[venue_id].code, venues[venue_id].name,
                          venues[venue_id].ward_name, total, per_day[venue_id])
            for venue_id, total in totals]


# --- quarantine compliance -----------------------------------------------------------

def compliance_query(session: Session, scope: Scope, day: date) -> Select:
    """(active, reported, missed_one, missed_more, alerts) of the cases in scope
    active on `day`. A case that has not reported on `day` missed one day when it
    reported the day before or started on `day`, more otherwise."""
    today = (select(HealthReport.id).where(HealthReport.case_id == QuarantineCase.id,
                                           HealthReport.report_date == day)
             .exists())
    yesterday = (select(HealthReport.id)
                 .where(HealthReport.case_id == QuarantineCase.id,
                        HealthReport.report_date == day - timedelta(days=1)).exists())
    missed_one = and_(~today, yesterday | (QuarantineCase.start_date == day))
    missed_more = and_(~today, ~yesterday, QuarantineCase.start_date < day)
    query = (select(func.count().label("active"),
                    _count_if(today).label("reported"),
                    _count_if(missed_one).label("missed_one"),
                    _count_if(missed_more).label("missed_more"),
                    _count_if(QuarantineCase.alert.is_(True)).label("alerts"))
             .where(QuarantineCase.status == "active", QuarantineCase.end_date >= day,
                    QuarantineCase.start_date <= day))
    if scope.manager_id is not None:
        query = query.where(QuarantineCase.manager_id == scope.manager_id)
    return areas.limit(query, QuarantineCase, scope.place())


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class Compliance:
    """The active cases of a day and how they report: reported that day, missed one
    day, missed two or more, and how many have an open alert (danger signs)."""

    day: date
    active: int
    reported: int
    missed_one: int
    missed_more: int
    alerts: int


def compliance(session: Session, scope: Scope, day: date) -> Compliance:
    """The compliance of the cases in scope active on `day` (one query)."""
    row = session.execute(compliance_query(session, scope, day)).one()
    return Compliance(day, row.active, int(row.reported), int(row.missed_one),
                      int(row.missed_more), int(row.alerts))


def as_date(value: Any) -> date:
    """A day as read from SQL (SQLite answers text, PostgreSQL a date)."""
    return date.fromisoformat(value) if isinstance(value, str) else value
