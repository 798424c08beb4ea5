"""Check-in and check-out inside dialogues (the effects of `CI` and `CO`), and the
staff-assisted check-in the console uses for a visitor without a phone at hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from redis import Redis
from sqlalchemy.orm import Session

from gateway import fanout, otp
from gateway.codes import parse_venue_code
from gateway.config import Config
from gateway.flows.messages import render
from gateway.outcomes import effect, outcome
from gateway.sms import sealing
from gateway.store import declarations, messages, phones, venues
from gateway.store.models import Venue, utcnow

if TYPE_CHECKING:
    from gateway.dialogue import Conversation

VENUE_NAME_CHARS = 40  # what fits in a one-segment reply


def local_time(config: Config, moment: datetime) -> str:
    """'14:05' in the gateway's timezone."""
    return moment.astimezone(config.tz).strftime("%H:%M")


def venue_answer(venue: Venue) -> dict[str, Any]:
    """A venue as a dialogue answer (JSON-ready; the name cut to fit a reply)."""
    return {"id": venue.id, "code": venue.code, "name": venue.name[:VENUE_NAME_CHARS]}


@effect("checkin.venue")
def find_venue(conversation: Conversation, args: Mapping[str, Any]) -> tuple[str, dict]:
    """The venue of the code given; a code with a wrong check digit is refused."""
    code = parse_venue_code(args["code"])
    if code is None:
        return "bad_code", {}
    venue = venues.by_code(conversation.session, code)
    if venue is None:
        return "unknown", {"code": code}
    return "found", {"venue": venue_answer(venue), "venue_name": venue_answer(venue)["name"]}


@effect("checkin.declaration")
def has_declaration(conversation: Conversation, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Whether the phone holds a valid declaration."""
    valid = declarations.latest_valid(conversation.session, conversation.inbound.phone)
    return ("valid", {}) if valid else ("none", {})


def _record(conversation: Conversation, answers: Mapping[str, Any]) -> venues.CheckIn:
    config = conversation.runtime.config
    session = conversation.session
    venue = session.get(Venue, answers["venue"]["id"])
    declaration = declarations.latest_valid(session, conversation.inbound.phone)
    return venues.check_in(session, venue, conversation.inbound.phone,
                           channel=conversation.inbound.channel,
                           repeat_window=timedelta(minutes=config.checkin_repeat_minutes),
                           declaration_id=declaration.id if declaration else None)


@effect("checkin.record")
def record(conversation: Conversation, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Record the visit (or find the one just made there)."""
    done = _record(conversation, args)
    when = local_time(conversation.runtime.config, done.visit.checked_in_at)
    return ("repeated" if done.repeated else "recorded"), {"time": when}


@outcome("visit")
def record_after_declaring(conversation: Conversation,
                           answers: Mapping[str, Any]) -> dict[str, Any]:
    """The check-in that waited for the declaration just written."""
    done = _record(conversation, answers)
    return {"venue_name": answers["venue"]["name"],
            "time": local_time(conversation.runtime.config, done.visit.checked_in_at)}


@effect("checkout.close")
def close(conversation: Conversation, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Close the open visit; a code, if given, must be the open visit's venue."""
    session, phone = conversation.session, conversation.inbound.phone
    current = venues.open_visit(session, phone)
    if current is None:
        return "none", {}
    venue = session.get(Venue, current.venue_id)
    name = venue.name[:VENUE_NAME_CHARS]
    if args["code"]:
        code = parse_venue_code(args["code"])
        if code is None:
            return "bad_code", {}
        if code != venue.code:
            return "other", {"venue_name": name}
    closed = venues.check_out(session, phone)
    return "closed", {"venue_name": name,
                      "time": local_time(conversation.runtime.config, closed.checked_out_at)}


@dataclass(frozen=True)
class StaffResult:
    """What staff see after entering the visitor's code: `status` is one of
    checked_in, repeated, no_declaration, wrong, expired, locked."""

    status: str
    tries_left: int | None = None
    check_in: venues.CheckIn | None = None


def staff_send_code(session: Session, redis: Redis, config: Config, visitor: str,
                    operator: str | None = None) -> tuple[otp.Issued | otp.Refused, int | None]:
    """Venue staff check a visitor in: first an OTP to the visitor's phone. The SMS is
    queued in `session`; its outbox id is returned for the caller to enqueue once the
    transaction commits. With `operator` (the console account), the code counts
    against that account's cap: refused with reason 'capped' once it is reached."""
    taken = fanout.take(redis, fanout.operator_caps(config, operator)) if operator else None
    if isinstance(taken, fanout.Capped):
        return otp.Refused("capped", taken.retry_after), None
    issued = otp.issue(redis, visitor, config.effective_secret,
                       otp.Limits(global_per_minute=config.otp_global_per_minute),
                       history=partial(messages.otp_times, session, visitor))
    if isinstance(issued, otp.Refused):
        fanout.give_back(redis, taken)
        return issued, None
    phone = phones.get_or_create(session, visitor)
    body, sealed = sealing.hide(config.effective_secret,
                                render("otp.sms", phone.language, {"code": issued.code}),
                                issued.code)
    message = messages.queue_outbound(session, phone=visitor, body=body, kind="otp",
                                      priority="high", sealed=sealed)
    return issued, message.id


def staff_check_in(session: Session, redis: Redis, config: Config, venue: Venue,
                   visitor: str, code: str, staff: str) -> StaffResult:
    """Verify the code the visitor read back, then record the visit with the staff
    member; a visitor without a valid declaration is reported so staff can declare
    on their behalf first."""
    verdict = otp.verify(redis, visitor, code, config.effective_secret,
                         otp.Limits(global_per_minute=config.otp_global_per_minute))
    if verdict.result != "ok":
        return StaffResult("wrong" if verdict.result == "malformed" else verdict.result,
                           verdict.tries_left)
    declaration = declarations.latest_valid(session, visitor)
    if declaration is None:
        return StaffResult("no_declaration")
    done = venues.check_in(session, venue, visitor, channel="hotline", operator=staff,
                           repeat_window=timedelta(minutes=config.checkin_repeat_minutes),
                           declaration_id=declaration.id)
    return StaffResult("repeated" if done.repeated else "checked_in", check_in=done)


def close_forgotten_visits(now: datetime | None = None) -> int:
    """RQ job (cron): close visits left open longer than VISIT_CLOSE_HOURS."""
    from gateway.runtime import current
    from gateway.store.db import transaction
    runtime = current()
    with transaction(runtime.sessions) as session:
        return venues.close_stale(session, timedelta(hours=runtime.config.visit_close_hours),
                                  now or utcnow())
