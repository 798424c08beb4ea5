"""Enrolling the exposed in home quarantine in the same step as their notice (an option
of the confirmation): each phone texted now gets a home-quarantine case of `days` days
from today under the chosen manager, through `gateway.quarantine.enrol` (the welcome
SMS that explains the daily report included). A phone already in a case for those
days is left as it is. The name is the one of the phone's latest declaration, or
`UNKNOWN_NAME` until the manager corrects it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.quarantine.enrol import EnrolError, enrol
from gateway.store import areas, users
from gateway.store.areas import Area
from gateway.store.models import Declaration

UNKNOWN_NAME = "Chua ro ten"  # 'name not known': a manager completes it on the case
MAX_DAYS = 21


@dataclass(frozen=True)
class Enrolment:
    """Who manages the cases, and for how many days (today included)."""

    manager: str
    days: int = 14


def check(session: Session, enrolment: Enrolment, area: Area | None) -> str | None:
    """Why `enrolment` cannot be used by someone limited to `area` (None: it can): the
    manager must be an active quarantine manager whose area lies within the officer's
    (a case lies in its manager's area), and the days 1 to MAX_DAYS."""
    if not 1 <= enrolment.days <= MAX_DAYS:
        return f"days must be 1 to {MAX_DAYS}"
    account = users.by_username(session, enrolment.manager)
    if account is None or account.role != "manager" or not account.active:
        return f"{enrolment.manager!r} is not an active quarantine manager"
    if area is not None and not area.contains(areas.of(session, user_id=account.id)):
        return f"the manager {enrolment.manager!r} is outside your area ({area.describe()})"
    return None


def _names(session: Session, phones: list[str]) -> dict[str, str]:
    """The name of each phone's latest declaration about itself."""
    names: dict[str, str] = {}
    for phone, name in session.execute(
            select(Declaration.subject_phone, Declaration.full_name)
            .where(Declaration.subject_phone.in_(phones)).order_by(Declaration.created_at)):
        names[phone] = name
    return names


def enrol_exposed(session: Session, phones: Iterable[str], enrolment: Enrolment, today: date,
                  *, channel: str, operator: str) -> int:
    """Enrol each of `phones` (in `session`'s transaction); how many were enrolled."""
    wanted = sorted(set(phones))
    names = _names(session, wanted) if wanted else {}
    enrolled = 0
    end = today + timedelta(days=enrolment.days - 1)
    for phone in wanted:
        try:
            with session.begin_nested():  # a refusal undoes only this phone's enrolment
                enrol(session, phone=phone, name=names.get(phone, UNKNOWN_NAME),
                      manager=enrolment.manager, start=today, end=end, kind="home",
                      channel=channel, operator=operator)
            enrolled += 1
        except EnrolError:
            continue  # already in a case for these days: it stays as it is
    return enrolled
