"""Visits outside dialogues: staff check-in for the console (the visitor reads back a
code sent to their phone), and closing forgotten visits for cron."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy.orm import Session

from gateway import fanout, otp, otp_sms
from gateway.config import Config
from gateway.runtime import current
from gateway.store import declarations, venues
from gateway.store.db import transaction
from gateway.store.models import Venue, utcnow


@dataclass(frozen=True)
class StaffResult:
    """What staff see after entering the visitor's code: `status` is one of
    checked_in, repeated, no_declaration, wrong, expired, locked."""

    status: str
    tries_left: int | None = None
    check_in: venues.CheckIn | None = None


def staff_send_code(session: Session, redis: Redis, config: Config, visitor: str,
                    operator: str | None = None) -> otp_sms.Sent | otp.Refused:
    """Venue staff (or an operator) check a visitor in: first an OTP to the visitor's
    phone, queued in `session` and handed to the workers once it commits. With
    `operator` (the console account), the code counts against that account's cap:
    refused with reason 'capped' once it is reached."""
    caps = fanout.operator_caps(config, operator) if operator else None
    sent = otp_sms.send(session, redis, config, visitor, caps=caps)
    if isinstance(sent, fanout.Capped):
        return otp.Refused("capped", sent.retry_after)
    return sent


def staff_check_in(session: Session, redis: Redis, config: Config, venue: Venue,
                   visitor: str, code: str, staff: str) -> StaffResult:
    """Verify the code the visitor read back, then record the visit with the staff
    member; a visitor without a valid declaration is reported so staff can declare
    on their behalf first."""
    verdict = otp.verify(redis, visitor, code, config.effective_secret, otp_sms.limits(config))
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
    runtime = current()
    with transaction(runtime.sessions) as session:
        return venues.close_stale(session, timedelta(hours=runtime.config.visit_close_hours),
                                  now or utcnow())
