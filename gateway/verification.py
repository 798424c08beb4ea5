"""Phone verification inside dialogues: the `otp.send` and `otp.verify` effects.

The code goes out as its own SMS (kind `otp`, high priority) in the turn's
transaction; a verified self-declarer's phone stays verified for VERIFIED_HOURS.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from gateway import fanout, otp
from gateway.flows.messages import render
from gateway.outcomes import effect
from gateway.phones import mask
from gateway.sms import sealing
from gateway.store import messages, phones
from gateway.store.models import utcnow

if TYPE_CHECKING:
    from gateway.dialogue import Conversation

MINUTE = 60


def limits(conversation: Conversation) -> otp.Limits:
    """The OTP limits, with the configured global ceiling."""
    return otp.Limits(global_per_minute=conversation.runtime.config.otp_global_per_minute)


@effect("otp.send")
def send_code(conversation: Conversation, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Issue a code for args['phone'] and queue its SMS; 'refused' (or 'capped', the
    declarer's own cap on codes to other numbers) says for how long."""
    runtime = conversation.runtime
    # A code for another number (a family member) counts against the declarer's caps.
    taken = fanout.take_for_declarer(conversation) if args["purpose"] == "member" else None
    if isinstance(taken, fanout.Capped):
        return "capped", {"minutes": taken.minutes}
    issued = otp.issue(runtime.redis, args["phone"], runtime.config.effective_secret,
                       limits(conversation),
                       history=partial(messages.otp_times, conversation.session, args["phone"]))
    if isinstance(issued, otp.Refused):
        fanout.give_back(runtime.redis, taken)
        # "busy" is the global ceiling against SMS pumping: not the citizen's doing.
        result = "busy" if issued.reason == "busy" else "refused"
        return result, {"minutes": -(-issued.retry_after // MINUTE)}
    conversation.on_rollback(lambda: otp.revoke(runtime.redis, args["phone"], issued))
    target = phones.get_or_create(conversation.session, args["phone"])
    if args["purpose"] == "member":
        body = render("otp.sms_member", target.language,
                      {"code": issued.code, "declarer": mask(conversation.inbound.phone)})
    else:
        body = render("otp.sms", target.language, {"code": issued.code})
    # The outbox keeps the text masked; the worker unseals the real one to send it.
    body, sealed = sealing.hide(runtime.config.effective_secret, body, issued.code)
    conversation.send(args["phone"], body, kind="otp", priority="high", sealed=sealed)
    return "sent", {}


@effect("otp.verify")
def check_code(conversation: Conversation, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Verify the code read back; the declarer's own phone is then verified for a while."""
    runtime = conversation.runtime
    verdict = otp.verify(runtime.redis, args["phone"], args["code"],
                         runtime.config.effective_secret, limits(conversation))
    if verdict.result == "ok":
        if args["purpose"] == "self":
            conversation.phone.verified_until = utcnow() + timedelta(
                hours=runtime.config.verified_hours)
        return "ok", {"verification": "otp"}
    if verdict.result in ("wrong", "malformed"):
        return "wrong", {"tries_left": verdict.tries_left or 0}
    return verdict.result, {}
