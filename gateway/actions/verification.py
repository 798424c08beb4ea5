"""Phone verification inside dialogues: the `otp.send` and `otp.verify` effects.

The code goes out as its own SMS (kind `otp`, high priority) in the turn's
transaction; a verified self-declarer's phone stays verified for VERIFIED_HOURS.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from gateway import fanout, otp, sealing
from gateway.actions.context import Context
from gateway.flows.messages import render
from gateway.phones import mask
from gateway.store import messages, phones
from gateway.store.models import utcnow

MINUTE = 60


def limits(context: Context) -> otp.Limits:
    """The OTP limits, with the configured global ceiling."""
    return otp.Limits(global_per_minute=context.runtime.config.otp_global_per_minute)


def send_code(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Issue a code for args['phone'] and queue its SMS; 'refused' (or 'capped', the
    declarer's own cap on codes to other numbers) says for how long."""
    runtime = context.runtime
    # A code for another number (a family member) counts against the declarer's caps.
    taken = None
    if args["purpose"] == "member":
        caller = context.inbound
        taken = fanout.take_for_declarer(runtime.redis, runtime.config, caller.phone,
                                         caller.session_id if caller.channel == "ussd" else "",
                                         context.on_rollback)
    if isinstance(taken, fanout.Capped):
        return "capped", {"minutes": taken.minutes}
    issued = otp.issue(runtime.redis, args["phone"], runtime.config.effective_secret,
                       limits(context),
                       history=partial(messages.otp_times, context.session, args["phone"]))
    if isinstance(issued, otp.Refused):
        fanout.give_back(runtime.redis, taken)
        # "busy" is the global ceiling against SMS pumping: not the citizen's doing.
        result = "busy" if issued.reason == "busy" else "refused"
        return result, {"minutes": -(-issued.retry_after // MINUTE)}
    context.on_rollback(lambda: otp.revoke(runtime.redis, args["phone"], issued))
    target = phones.get_or_create(context.session, args["phone"])
    if args["purpose"] == "member":
        body = render("otp.sms_member", target.language,
                      {"code": issued.code, "declarer": mask(context.inbound.phone)})
    else:
        body = render("otp.sms", target.language, {"code": issued.code})
    # The outbox keeps the text masked; the worker unseals the real one to send it.
    body, sealed = sealing.hide(runtime.config.effective_secret, body, issued.code)
    context.send(args["phone"], body, kind="otp", priority="high", sealed=sealed)
    return "sent", {}


def check_code(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Verify the code read back; the declarer's own phone is then verified for a while."""
    runtime = context.runtime
    verdict = otp.verify(runtime.redis, args["phone"], args["code"],
                         runtime.config.effective_secret, limits(context))
    if verdict.result == "ok":
        if args["purpose"] == "self":
            context.phone.verified_until = utcnow() + timedelta(
                hours=runtime.config.verified_hours)
        return "ok", {"verification": "otp"}
    if verdict.result in ("wrong", "malformed"):
        return "wrong", {"tries_left": verdict.tries_left or 0}
    return verdict.result, {}
