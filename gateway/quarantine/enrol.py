"""Enrolling a person in quarantine: the rules, the case, and the welcome SMS that
explains how to report. The one record function the API, the console and the CLI
(`gateway quarantine enrol`) call, each in its own transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from gateway.flows.messages import render
from gateway.phones import InvalidPhone, mask, normalise
from gateway.store import messages, phones, users
from gateway.store import quarantine as store
from gateway.store.models import QuarantineCase

KINDS = {"home": ("tai nha", "home"), "facility": ("tai co so", "facility")}
NAME_MAX = 80


class EnrolError(ValueError):
    """The enrolment was refused. The message says why, for the person enrolling;
    `reason` says which rule refused it, for a caller that words it its own way: phone,
    name, kind, dates, manager, venue or overlap (then `case_id` is the case in the
    way)."""

    def __init__(self, reason: str, message: str, case_id: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.case_id = case_id


def full_name(name: str) -> str:
    """The name as stored: inner runs of spaces made one, ends trimmed."""
    return " ".join(name.split())


def refusals(*, phone: str, name: str, kind: str, start: date | None,
             end: date | None) -> list[EnrolError]:
    """Everything wrong with the person's details that needs no look-up, in the order
    of the form (a form shows them all at once; dates not given are not compared)."""
    found = []
    try:
        normalise(phone)
    except InvalidPhone as error:
        found.append(EnrolError("phone", f"{error}: give a mobile number such as 0912345678"))
    if not 2 <= len(full_name(name)) <= NAME_MAX:
        found.append(EnrolError("name", f"the name must have 2 to {NAME_MAX} characters"))
    if kind not in KINDS:
        found.append(EnrolError("kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}"))
    if start is not None and end is not None and end < start:
        found.append(EnrolError("dates", f"the end date {end} is before the start date {start}"))
    return found


def enrol(session: Session, *, phone: str, name: str, manager: str, start: date, end: date,
          kind: str = "home", venue_code: str | None = None, channel: str = "cli",
          operator: str | None = None) -> QuarantineCase:
    """Create an active case for `phone` managed by the user `manager` and queue the
    welcome SMS (once per case), in `session`'s transaction: nothing is committed here,
    and the SMS goes to the workers only once the caller commits. Raises EnrolError
    (the first rule that refuses) with a readable reason."""
    problems = refusals(phone=phone, name=name, kind=kind, start=start, end=end)
    if problems:
        raise problems[0]
    number = normalise(phone)
    user = users.by_username(session, manager)
    if user is None or user.role != "manager" or not user.active:
        raise EnrolError("manager", f"{manager!r} is not an active quarantine manager "
                                    "(gateway user create NAME --role manager --phone N)")
    venue = store.venue_by_code(session, venue_code) if venue_code else None
    if venue_code and venue is None:
        raise EnrolError("venue", f"no venue has the code {venue_code!r}")
    existing = store.overlapping_case(session, number, start, end)
    if existing is not None:
        raise EnrolError("overlap", f"{mask(number)} already has an active case "
                                    f"(#{existing.id}, until {existing.end_date})",
                         case_id=existing.id)
    case = store.create_case(session, phone=number, full_name=full_name(name), kind=kind,
                             venue_id=venue.id if venue else None, start_date=start,
                             end_date=end, manager_id=user.id, channel=channel,
                             operator=operator)
    language = phones.get_or_create(session, number).language
    body = render("quarantine.welcome", language, {
        "kind_vi": KINDS[kind][0], "kind_en": KINDS[kind][1], "end": end.strftime("%d/%m/%Y")})
    messages.queue_outbound(session, phone=number, body=body, kind="notice",
                            priority="default", dedup_key=f"welcome:{case.id}")
    return case
