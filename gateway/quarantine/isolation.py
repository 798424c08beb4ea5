"""Area quarantine: an officer declares an area under isolation (a commune, optionally
narrowed to a street or hamlet, between two dates) and its residents are followed as
quarantine cases of kind `area`, so the daily reminders, reports, danger alerts, the
digest of the area's manager and the dashboard work for them as for anyone enrolled.

Who is a resident: a phone whose latest declaration's address lies in the area (the
commune, and the street text inside the declared street, diacritics and case ignored)
— found by the enrolment job when the area is declared, and at once when such a
declaration is made while the area is active — a phone that texts `KV <code>`, and
anyone a community team adds. All of them go through `join`.

`join` is idempotent: a phone already in the area keeps its case (even one a manager
closed: texting KV again does not reopen it). A phone that already has an active
case of its own — enrolled one by one, or in another area — stays on that case and is
not enrolled twice: it already gets one reminder a day, and its own manager follows
it; `join` returns that case. Lifting an area (by hand, or by the nightly run once its
end date has passed) closes its residents' cases, so reminders stop; moving its end
date moves theirs. Record functions take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from vietnam_provinces import Province, Ward

from gateway.flows.messages import LANGUAGES, render
from gateway.phones import mask, normalise
from gateway.quarantine import today
from gateway.runtime import current
from gateway.store import areas, handoff, messages, phones
from gateway.store import isolation as store
from gateway.store import quarantine as cases
from gateway.store.areas import Area
from gateway.store.models import Declaration, IsolationArea, QuarantineCase, User, utcnow
from gateway.text import DEFAULT_LANGUAGE, fold

STREET_MAX = 120
MANAGING_ROLES = ("manager", "health_officer", "admin")  # whose digest may carry an area


class AreaError(ValueError):
    """A declaration or change an area cannot take: `reason` names the rule (place,
    street, dates, manager, lifted), the message says why, for the officer."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Joined:
    """What `enter` did: the phone's case, and whether it is a new resident's case
    (`created`) or a case already there (`area_id` tells whether it is this area's)."""

    case: QuarantineCase
    created: bool


def in_street(area_street: str, street: str) -> bool:
    """Whether an address's street lies in the area's street/hamlet text ('' : every
    street of the commune): 'To 5, Thon Dong' contains 'thôn Đông'."""
    wanted = fold(area_street)
    return not wanted or f" {wanted} " in f" {fold(street)} "


def covers(area: IsolationArea, province_code: int, ward_code: int | None,
           street: str) -> bool:
    """Whether an address lies in the area."""
    return (area.province_code == province_code and area.ward_code == ward_code
            and in_street(area.street, street))


def check_place(province_code: int, ward_code: int, street: str) -> tuple[str, str]:
    """The province's and the commune's names, or AreaError when they do not exist or
    the commune is not the province's."""
    try:
        province = Province.from_code(province_code)
    except (ValueError, OverflowError):
        raise AreaError("place", f"{province_code} is not the code of a province") from None
    try:
        ward = Ward.from_code(ward_code)
    except (ValueError, OverflowError):
        ward = None
    if ward is None or ward.province_code != province.code:
        raise AreaError("place", f"{ward_code} is not the code of a commune or ward of "
                                 f"{province.name}")
    if len(street) > STREET_MAX:
        raise AreaError("street", f"the street or hamlet must have at most {STREET_MAX} "
                                  "characters")
    return province.name, ward.name


def check_manager(session: Session, manager: User | None, officer_area: Area | None) -> None:
    """The manager must be an active manager, health officer or administrator whose
    area lies within the officer's (an officer not limited may pick anyone)."""
    if manager is None or not manager.active or manager.role not in MANAGING_ROLES:
        raise AreaError("manager", "the manager must be an active manager, health officer "
                                   "or administrator")
    if officer_area is not None and not officer_area.contains(
            areas.of(session, user_id=manager.id)):
        raise AreaError("manager", f"the manager's area is not within {officer_area.describe()}")


def declare(session: Session, *, province_code: int, ward_code: int, street: str,
            start: date, end: date, manager: User | None, declared_by: User | None,
            officer_area: Area | None, channel: str, operator: str | None,
            day: date) -> IsolationArea:
    """Write a new active area (its residents are enrolled by the job the caller
    queues once this commits: `gateway.quarantine.isolation_jobs`). Raises AreaError:
    a place outside `officer_area`, an unknown place, dates in the wrong order or
    already over, a manager who may not have it."""
    street = " ".join(street.split())
    province_name, ward_name = check_place(province_code, ward_code, street)
    if officer_area is not None and not officer_area.covers(province_code, ward_code):
        raise AreaError("place", f"the commune is outside {officer_area.describe()}")
    if end < start:
        raise AreaError("dates", f"the end date {end} is before the start date {start}")
    if end < day:
        raise AreaError("dates", f"the end date {end} has already passed")
    check_manager(session, manager, officer_area)
    return store.create(session, province_code=province_code, province_name=province_name,
                        ward_code=ward_code, ward_name=ward_name, street=street,
                        start_date=start, end_date=end, manager_id=manager.id,
                        declared_by=declared_by.id if declared_by else None,
                        channel=channel, operator=operator)


def enter(session: Session, area: IsolationArea, *, phone: str, full_name: str,
          channel: str, operator: str | None = None, day: date | None = None,
          welcome: bool = True) -> Joined:
    """`join`, telling whether the case is new. `welcome`: queue the welcome SMS (a
    `KV` reply says it already)."""
    day = day or today(_tz())
    if not store.still_open(session, area.id, day):
        raise AreaError("lifted", f"the area {area.code} is no longer under isolation")
    number = normalise(phone)
    existing = store.resident_case(session, area.id, number)
    if existing is not None:
        return Joined(existing, False)
    start = max(area.start_date, day)
    own = cases.overlapping_case(session, number, start, area.end_date)
    if own is not None:
        return Joined(own, False)
    name = " ".join(full_name.split())[:80] or mask(number)
    try:
        with session.begin_nested():  # a concurrent join of the phone wins the index
            created = cases.create_case(session, phone=number, full_name=name, kind="area",
                                        venue_id=None, start_date=start,
                                        end_date=area.end_date, manager_id=area.manager_id,
                                        channel=channel, operator=operator, area_id=area.id)
    except IntegrityError:
        return Joined(store.resident_case(session, area.id, number), False)
    if welcome:
        language = phones.get_or_create(session, number).language
        messages.queue_outbound(session, phone=number, kind="notice", priority="default",
                                body=render("isolation.welcome", language, _show(area)),
                                dedup_key=f"welcome:{created.id}")
    return Joined(created, True)


def join(session: Session, area: IsolationArea, *, phone: str, full_name: str,
         channel: str, operator: str | None = None, day: date | None = None) -> QuarantineCase:
    """Make `phone` a resident of `area` (a case of kind `area`, from today or the
    area's start, to its end, managed by its manager) and queue the welcome SMS;
    idempotent (see the module docstring). Returns the phone's case: the new one, the
    one it already had in the area, or its own active case. AreaError('lifted') when
    the area is no longer active."""
    return enter(session, area, phone=phone, full_name=full_name, channel=channel,
                 operator=operator, day=day).case


def join_declared(session: Session, declaration: Declaration, day: date) -> list[QuarantineCase]:
    """After a declaration is recorded: its person joins every active area that its
    address lies in (nothing when there is none, or no phone of their own)."""
    if not declaration.subject_phone:
        return []
    return [join(session, area, phone=declaration.subject_phone,
                 full_name=declaration.full_name, channel=declaration.channel,
                 operator=declaration.operator, day=day)
            for area in store.active_containing(session, declaration.province_code,
                                                declaration.ward_code, day)
            if in_street(area.street, declaration.street)]


def change(session: Session, area: IsolationArea, *, end_date: date | None = None,
           lift: bool = False, day: date, now: datetime | None = None) -> None:
    """Move the area's end date (its residents' cases move with it), and/or lift it."""
    if end_date is not None:
        if area.status != "active":
            raise AreaError("lifted", "the area has been lifted")
        if end_date < area.start_date:
            raise AreaError("dates", "the end date is before the area's start date")
        if end_date < day:
            raise AreaError("dates", "the end date has already passed: lift the area instead")
        area.end_date = end_date
        store.extend_cases(session, area.id, end_date)
    if lift:
        lifted(session, area, day, now)


def lifted(session: Session, area: IsolationArea, day: date,
           now: datetime | None = None) -> int:
    """Lift the area: its residents' active cases close (reminders stop) and each is
    told, once. Returns how many cases closed (0 when already lifted)."""
    if area.status == "lifted":
        return 0
    residents = store.active_residents(session, area.id)
    area.status, area.lifted_at = "lifted", now or utcnow()
    closed = store.close_cases(session, area.id)
    variables = {**_show(area), "day": day.strftime("%d/%m")}
    bodies = {language: render("isolation.lifted", language, variables)
              for language in LANGUAGES}
    ids = messages.queue_many(session, [
        {"phone": row.phone, "kind": "notice", "priority": "bulk",
         "body": bodies.get(row.language, bodies[DEFAULT_LANGUAGE]),
         "dedup_key": f"lifted:{row.id}"} for row in residents])
    for message_id in ids:
        handoff.note(session, message_id, "bulk")
    return closed


def lift_ended(session: Session, day: date) -> int:
    """Lift the areas whose end date has passed (the nightly run); how many."""
    found = store.ended(session, day)
    for area in found:
        lifted(session, area, day)
    return len(found)


def _show(area: IsolationArea) -> dict[str, str]:
    return {"code": area.code, "end": area.end_date.strftime("%d/%m/%Y")}


def _tz() -> ZoneInfo:
    return current().config.tz
