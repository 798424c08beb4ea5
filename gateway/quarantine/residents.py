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

`add` is the one record function; it takes the session and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.quarantine.enrol import NAME_MAX, full_name
from gateway.store import areas, residents
from gateway.store import quarantine as store
from gateway.store.models import QuarantineCase, User

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
    relation)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Newcomer:
    """A resident without a phone, as the team member describes them."""

    name: str
    birth_year: str
    address: str
    manager_id: int | None
    start: date | None
    end: date | None


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
    year = newcomer.birth_year.strip()
    if not (year.isdigit() and OLDEST_BIRTH_YEAR <= int(year) <= this_year):
        found.append(ResidentError("birth_year", "birth_year"))
    if not 2 <= len(" ".join(newcomer.address.split())) <= ADDRESS_MAX:
        found.append(ResidentError("address", "address"))
    if newcomer.start is None:
        found.append(ResidentError("start", "required"))
    if newcomer.end is None:
        found.append(ResidentError("end", "required"))
    elif newcomer.start is not None and newcomer.end < newcomer.start:
        found.append(ResidentError("end", "dates"))
    return found


def add(session: Session, newcomer: Newcomer, *, area: areas.Area, operator: str,
        today: date) -> QuarantineCase:
    """Write the case of a resident without a phone in the team's `area`, followed by
    the chosen manager (who must work within that area). Raises the first
    ResidentError."""
    problems = refusals(newcomer, today.year)
    if newcomer.start is not None and newcomer.start < today:
        problems.append(ResidentError("start", "past"))
    if problems:
        raise problems[0]
    allowed = {user.id for user in residents.managers(session, area)}
    if newcomer.manager_id not in allowed:
        raise ResidentError("manager", "manager")
    # One add at a time per manager (a second click, two members of one team): the
    # check for the same person below then sees the first one's case.
    session.execute(select(User.id).where(User.id == newcomer.manager_id).with_for_update())
    if _same_person(session, newcomer):
        raise ResidentError("name", "duplicate")
    return store.create_case(
        session, phone=None, full_name=full_name(newcomer.name), kind="home",
        start_date=newcomer.start, end_date=newcomer.end, manager_id=newcomer.manager_id,
        channel=CHANNEL, operator=operator, birth_year=int(newcomer.birth_year.strip()),
        address=" ".join(newcomer.address.split()))


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
