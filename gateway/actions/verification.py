"""Phone verification inside dialogues: the `otp.send` and `otp.verify` effects.

The code goes out as its own SMS (kind `otp`, high priority) in the turn's
transaction, sent the way every channel sends one (`gateway.otp_sms`); a verified
self-declarer's phone stays verified for VERIFIED_HOURS.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from gateway import fanout, otp, otp_sms
from gateway.actions.context import Context
from gateway.phones import mask
from gateway.store.models import utcnow

MINUTE = 60
# The OTP SMS of a purpose that is no declaration says what the code confirms.
OTP_TEMPLATES = {"erasure": "otp.sms_erasure"}


def send_code(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Issue a code for args['phone'] and queue its SMS; 'refused' (or 'capped', the
    declarer's own cap on codes to other numbers) says for how long."""
    runtime, caller = context.runtime, context.inbound
    if args["purpose"] == "member":
        # A code for another number (a family member) counts against the declarer's caps.
        session = caller.session_id if caller.channel == "ussd" else ""
        caps = fanout.declarer_caps(runtime.config, caller.phone, session)
        template, variables = "otp.sms_member", {"declarer": mask(caller.phone)}
    else:
        caps, template, variables = None, OTP_TEMPLATES.get(args["purpose"], "otp.sms"), {}
    sent = otp_sms.send(context.session, runtime.redis, runtime.config, args["phone"],
                        template=template, variables=variables, caps=caps)
    if isinstance(sent, fanout.Capped):
        return "capped", {"minutes": sent.minutes}
    if isinstance(sent, otp.Refused):
        # "busy" is the global ceiling against SMS pumping: not the citizen's doing.
        result = "busy" if sent.reason == "busy" else "refused"
        return result, {"minutes": -(-sent.retry_after // MINUTE)}
    context.on_rollback(sent.undo)
    return "sent", {}


def check_code(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Verify the code read back; the declarer's own phone is then verified for a while."""
    runtime = context.runtime
    verdict = otp.verify(runtime.redis, args["phone"], args["code"],
                         runtime.config.effective_secret, otp_sms.limits(runtime.config))
    if verdict.result == "ok":
        if args["purpose"] == "self":
            context.phone.verified_until = utcnow() + timedelta(
                hours=runtime.config.verified_hours)
        return "ok", {"verification": "otp"}
    if verdict.result in ("wrong", "malformed"):
        return "wrong", {"tries_left": verdict.tries_left or 0}
    return verdict.result, {}
