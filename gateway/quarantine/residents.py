"""Community teams (Tổ Covid cộng đồng) and the residents they help: the rules for a
resident the team adds without a phone, and for the relation a team member names when
they report for such a resident under their own account.

A resident without a phone is a quarantine case with no phone (channel `team`, the
member as its operator), followed by a manager of the team's area, so the digest,
the dashboard and the case page count it like any case; the reminders, which need a
phone, leave it out. Its reports carry the member's relation and `verified: false`:
no code read back from a phone proved the resident agreed. A resident with a phone
reports through the team only after reading back a code sent to that phone (the
hotline's call machinery), and such a report is verified.

Isolation areas (issue 17): the issue puts "anyone added by a team" on an area's daily
reminders. A resident the team adds WITH a phone joins an active isolation area inside
the team's area through `gateway.quarantine.isolation.join`, the one rule every way of
joining follows (idempotent; a phone with its own active case stays on it; the welcome
SMS explains the daily report). A phone is only added through an area: enrolling a
phone in home quarantine is a manager's work. A resident WITHOUT a phone may be put in
such an area too: their case then takes the area's id, dates and manager, exactly as a
joined phone's does, so the area's compliance, digest line and lifting count them like
any resident; only the SMS (welcome, reminders, lifted) pass them over.

`add` and `join_area` are the record functions; they take the session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.phones import InvalidPhone, normalise
from gateway.quarantine import isolation
from gateway.quarantine.enrol import NAME_MAX, full_name
from gateway.store import areas, residents
from gateway.store import isolation as isolation_store
from gateway.store import quarantine as store
from gateway.store.models import IsolationArea, QuarantineCase, User

CHANNEL = "team"
# The relations a member picks from (console keys `team.relation.<name>`); anything
# else is free text, "other", at most RELATION_MAX characters.
RELATIONS = ("neighbour", "family", "team_member")
RELATION_MAX = 40
ADDRESS_MAX = 120
OLDEST_BIRTH_YEAR = 1900


class ResidentError(ValueError):
    """A resident or a relation was refused: `field` names the form field, `reason`
    the rule (required, name, birth_year, address, dates, past, manager, duplicate,
    relation, phone, area)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Newcomer:
    """A resident as the team member describes them. With a `phone`, only the name and
    the isolation area (`area_id`) count; without, the year of birth and address too,
    and either an area (whose dates and manager they take) or dates and a manager."""

    name: str
    birth_year: str
    address: str
    manager_id: int | None
    start: date | None
    end: date | None
    phone: str = ""
    area_id: int | None = None


def relation(choice: str, other: str = "") -> str:
    """The relation stored on a report: one of RELATIONS, or the free text given
    with `other` (spaces tidied). Refuses anything else."""
    choice = (choice or "").strip()
    if choice in RELATIONS:
        return choice
    text = " ".join((other or "").split())
    if choice == "other" and 2 <= len(text) <= RELATION_MAX:
        return text
    raise ResidentError("relation", "relation")


def refusals(newcomer: Newcomer, this_year: int) -> list[ResidentError]:
    """Everything wrong with a newcomer's details that needs no look-up, in the order
    of the form."""
    found = []
    if not 2 <= len(full_name(newcomer.name)) <= NAME_MAX:
        found.append(ResidentError("name", "name"))
    if newcomer.phone.strip():
        try:
            normalise(newcomer.phone)
        except InvalidPhone:
            found.append(ResidentError("phone", "phone"))
        if newcomer.area_id is None:  # a phone is added through an area only
            found.append(ResidentError("area", "area"))
        return found
    year = newcomer.birth_year.strip()
    if not (year.isdigit() and OLDEST_BIRTH_YEAR <= int(year) <= this_year):
        found.append(ResidentError("birth_year", "birth_year"))
    if not 2 <= len(" ".join(newcomer.address.split())) <= ADDRESS_MAX:
        found.append(ResidentError("address", "address"))
    if newcomer.area_id is not None:  # the area gives the dates and the manager
        return found
    if newcomer.start is None:
        found.append(ResidentError("start", "required"))
    if newcomer.end is None:
        found.append(ResidentError("end", "required"))
    elif newcomer.start is not None and newcomer.end < newcomer.start:
        found.append(ResidentError("end", "dates"))
    return found


def isolation_area(session: Session, area_id: int | None, area: areas.Area,
                   today: date) -> IsolationArea:
    """The isolation area `area_id` if it lies in the team's `area` and is still active
    (read under the shared lock `join` takes, so it is not being lifted), else
    ResidentError('area')."""
    found = (isolation_store.get(session, area_id, within=area)
             if area_id is not None and 0 < area_id < 2**31 else None)
    if found is None or not isolation_store.still_open(session, found.id, today):
        raise ResidentError("area", "area")
    return found


def join_area(session: Session, newcomer: Newcomer, *, area: areas.Area, operator: str,
              today: date) -> isolation.Joined:
    """A resident with a phone joins the chosen isolation area of the team's `area`
    (`isolation.enter`: channel `team`, operator the member; the welcome SMS is
    queued). Idempotent: `Joined.created` is False for a phone already in the area or
    with its own active case, whose case is returned. Raises the first ResidentError."""
    problems = refusals(newcomer, today.year)
    if not newcomer.phone.strip():
        problems.append(ResidentError("phone", "phone"))
    if problems:
        raise problems[0]
    chosen = isolation_area(session, newcomer.area_id, area, today)
    return isolation.enter(session, chosen, phone=normalise(newcomer.phone),
                           full_name=full_name(newcomer.name), channel=CHANNEL,
                           operator=operator, day=today)


def add(session: Session, newcomer: Newcomer, *, area: areas.Area, operator: str,
        today: date) -> QuarantineCase:
    """Write the case of a resident without a phone in the team's `area`: in the chosen
    isolation area (its dates, its manager: a resident like any, see the module
    docstring), or followed by the chosen manager (who must work within the team's
    area) between the dates given. Raises the first ResidentError."""
    problems = refusals(newcomer, today.year)
    if newcomer.area_id is None and newcomer.start is not None and newcomer.start < today:
        problems.append(ResidentError("start", "past"))
    if problems:
        raise problems[0]
    if newcomer.area_id is not None:
        chosen = isolation_area(session, newcomer.area_id, area, today)
        newcomer = replace(newcomer, manager_id=chosen.manager_id,
                           start=max(chosen.start_date, today), end=chosen.end_date)
    else:
        chosen = None
        allowed = {user.id for user in residents.managers(session, area)}
        if newcomer.manager_id not in allowed:
            raise ResidentError("manager", "manager")
    # One add at a time per manager (a second click, two members of one team): the
    # check for the same person below then sees the first one's case.
    session.execute(select(User.id).where(User.id == newcomer.manager_id).with_for_update())
    if _same_person(session, newcomer):
        raise ResidentError("name", "duplicate")
    return store.create_case(
        session, phone=None, full_name=full_name(newcomer.name),
        kind="area" if chosen else "home", start_date=newcomer.start,
        end_date=newcomer.end, manager_id=newcomer.manager_id, channel=CHANNEL,
        operator=operator, birth_year=int(newcomer.birth_year.strip()),
        address=" ".join(newcomer.address.split()), area_id=chosen.id if chosen else None)


def _same_person(session: Session, newcomer: Newcomer) -> bool:
    """Whether the manager already follows a resident without a phone of this name and
    year of birth whose active case overlaps the new dates."""
    return session.scalar(select(QuarantineCase.id).where(
        QuarantineCase.phone.is_(None), QuarantineCase.status == "active",
        QuarantineCase.manager_id == newcomer.manager_id,
        QuarantineCase.full_name == full_name(newcomer.name),
        QuarantineCase.birth_year == int(newcomer.birth_year.strip()),
        QuarantineCase.start_date <= newcomer.end,
        QuarantineCase.end_date >= newcomer.start).limit(1)) is not None
