"""Check-in and check-out inside dialogues (the effects of `CI` and `CO`). The
console's staff-assisted check-in and the cron job closing forgotten visits are in
`gateway.visits`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from gateway.codes import parse_venue_code
from gateway.config import Config
from gateway.outcomes import effect, outcome
from gateway.store import declarations, venues
from gateway.store.models import Venue

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
