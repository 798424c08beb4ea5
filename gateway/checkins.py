"""The staff-assisted check-in the console uses for a visitor without a phone at
hand, and the cron job that closes forgotten visits. (Check-in and check-out inside
dialogues are the actions in `gateway.actions.checkins`.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from redis import Redis
from sqlalchemy.orm import Session

from gateway import fanout, otp, sealing
from gateway.config import Config
from gateway.flows.messages import render
from gateway.store import declarations, messages, phones, venues
from gateway.store.models import Venue, utcnow


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
