"""The call in progress: whose phone the console is working for and whether that phone
is verified. It lives in Redis next to the console session (`hotline:call:{sid}`),
never in a URL or the browser's cookie, and ends with the session.

A caller is verified when the operator enters the code the caller reads back from an
SMS the gateway sent them; only then do pages show or change the caller's records.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session

from gateway import otp, otp_sms, runtime
from gateway.store import phones
from gateway.store.models import utcnow
from gateway.visits import staff_send_code
from hotline import audit
from hotline.web import tn

CALL_KEY = "hotline:call:{}"
MINUTE = 60


@dataclass
class Call:
    """What the console knows about the current caller. `purpose` is 'call' (an
    operator's caller) or 'visit' (a visitor at `venue_id`, checked in after
    declaring); `answers` holds a validated declaration awaiting confirmation."""

    phone: str
    purpose: str = "call"
    verified: bool = False
    venue_id: int | None = None
    answers: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def current() -> Call | None:
    """The call of this console session, if any."""
    raw = runtime.current().redis.get(CALL_KEY.format(g.sid))
    return Call(**json.loads(raw)) if raw else None


def verified() -> Call | None:
    """The call, only if its caller is verified."""
    call = current()
    return call if call is not None and call.verified else None


def save(call: Call) -> None:
    """Keep the call for as long as the console session may stay idle."""
    runtime.current().redis.set(CALL_KEY.format(g.sid), json.dumps(asdict(call)),
                                ex=int(current_app.config["HOTLINE_IDLE_SECONDS"]))


def end() -> None:
    """Forget the call (the operator hangs up)."""
    runtime.current().redis.delete(CALL_KEY.format(g.sid))


def send_code(phone: str, purpose: str, venue_id: int | None = None) -> str | None:
    """Send the caller a one-time code (through the outbox, after commit) and start a
    new call for their phone. Returns None when sent, else why not and for how long
    (too many codes for this number, or from this console account)."""
    rt = runtime.current()
    sent = None
    try:
        with rt.sessions() as db, db.begin():
            sent = staff_send_code(db, rt.redis, rt.config, phone,
                                   operator=f"user:{g.user.id}")
            if isinstance(sent, otp.Refused):
                audit.record(db, g.user, "otp.refused", phone, sent.reason)
                key = "call.code_capped" if sent.reason == "capped" else "call.code_refused"
                minutes = -(-sent.retry_after // MINUTE)
                return tn(key, minutes, minutes=minutes)
            audit.record(db, g.user, "otp.send", phone, purpose)
    except BaseException:
        if isinstance(sent, otp_sms.Sent):
            sent.undo()  # its SMS rolled back with the transaction: the code never went out
        raise
    save(Call(phone=phone, purpose=purpose, venue_id=venue_id))
    return None


def verify_code(call: Call, code: str) -> otp.Verdict:
    """Check the code the caller read back; a right one verifies the call, and the
    phone, as an OTP over SMS would."""
    rt = runtime.current()
    verdict = otp.verify(rt.redis, call.phone, code, rt.config.effective_secret,
                         otp.Limits(global_per_minute=rt.config.otp_global_per_minute))
    with rt.sessions() as db, db.begin():
        audit.record(db, g.user, "otp.verify", call.phone, verdict.result)
        if verdict.result == "ok":
            mark_verified(db, call)
    return verdict


def mark_verified(db: Session, call: Call) -> None:
    """The caller proved they hold the phone: the call may see and change their records,
    and the phone stays verified for VERIFIED_HOURS like after an SMS code."""
    phone = phones.get_or_create(db, call.phone)
    phone.verified_until = utcnow() + timedelta(hours=runtime.current().config.verified_hours)
    call.verified = True
    save(call)
