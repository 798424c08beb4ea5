"""Enrolling a person in quarantine: the case, and the welcome SMS that explains how
to report. Used by `gateway quarantine enrol` (and later by the API and console)."""

from __future__ import annotations

from datetime import date

from gateway.flows.messages import render
from gateway.phones import InvalidPhone, mask, normalise
from gateway.runtime import Runtime
from gateway.sms import outbound
from gateway.store import messages, phones, users
from gateway.store import quarantine as store
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase

KINDS = {"home": ("tai nha", "home"), "facility": ("tai co so", "facility")}
NAME_MAX = 80


class EnrolError(ValueError):
    """The enrolment was refused; the message says why, for the person enrolling."""


def enrol(runtime: Runtime, *, phone: str, name: str, manager: str, start: date, end: date,
          kind: str = "home", venue_code: str | None = None, channel: str = "cli",
          operator: str | None = None) -> QuarantineCase:
    """Create an active case for `phone` managed by the user `manager` and queue the
    welcome SMS (once per case). Raises EnrolError with a readable reason."""
    try:
        number = normalise(phone)
    except InvalidPhone as error:
        raise EnrolError(f"{error}: give a mobile number such as 0912345678") from None
    full_name = " ".join(name.split())
    if not 2 <= len(full_name) <= NAME_MAX:
        raise EnrolError(f"the name must have 2 to {NAME_MAX} characters")
    if kind not in KINDS:
        raise EnrolError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if end < start:
        raise EnrolError(f"the end date {end} is before the start date {start}")
    with transaction(runtime.sessions) as session:
        user = users.by_username(session, manager)
        if user is None or user.role != "manager" or not user.active:
            raise EnrolError(f"{manager!r} is not an active quarantine manager "
                             "(gateway user create NAME --role manager --phone N)")
        venue = store.venue_by_code(session, venue_code) if venue_code else None
        if venue_code and venue is None:
            raise EnrolError(f"no venue has the code {venue_code!r}")
        existing = store.overlapping_case(session, number, start, end)
        if existing is not None:
            raise EnrolError(f"{mask(number)} already has an active case (#{existing.id}, "
                             f"until {existing.end_date})")
        case = store.create_case(session, phone=number, full_name=full_name, kind=kind,
                                 venue_id=venue.id if venue else None, start_date=start,
                                 end_date=end, manager_id=user.id, channel=channel,
                                 operator=operator)
        language = phones.get_or_create(session, number).language
        body = render("quarantine.welcome", language, {
            "kind_vi": KINDS[kind][0], "kind_en": KINDS[kind][1],
            "end": end.strftime("%d/%m/%Y")})
        welcome = messages.queue_outbound(session, phone=number, body=body, kind="notice",
                                          priority="default", dedup_key=f"welcome:{case.id}")
    if welcome is not None:
        outbound.enqueue(runtime, welcome.id, "default")
    return case
