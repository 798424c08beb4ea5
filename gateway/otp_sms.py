"""Sending a one-time code by SMS, the one way every channel does it: count the OTP
against the caps of whoever caused it (`gateway.fanout`), issue the code
(`gateway.otp`), word the SMS in the phone's language, seal the code out of the stored
text (`gateway.sealing`) and queue the SMS in the caller's transaction, which hands
it to the workers once it commits (`gateway.store.handoff`).

The Redis side (the code issued, the caps counted) cannot roll back with the
transaction: `Sent.undo` does it, for the caller to run should the transaction fail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from redis import Redis
from sqlalchemy.orm import Session

from gateway import fanout, otp, sealing
from gateway.config import Config
from gateway.flows.messages import render
from gateway.store import messages, phones

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    """A code issued and its SMS queued (outbox id `message_id`). `undo` revokes the
    code and uncounts it from the caps, for when the transaction that queued the SMS
    rolls back (so it never goes out)."""

    issued: otp.Issued
    message_id: int
    undo: Callable[[], None]


def limits(config: Config) -> otp.Limits:
    """The OTP limits, with the configured global ceiling."""
    return otp.Limits(global_per_minute=config.otp_global_per_minute)


def send(session: Session, redis: Redis, config: Config, phone: str, *,
         template: str = "otp.sms", variables: Mapping[str, Any] | None = None,
         caps: list[fanout.Cap] | None = None) -> Sent | otp.Refused | fanout.Capped:
    """Issue a code for `phone` and queue its SMS (the message `template` with
    `variables` and the code) in `session`. With `caps`, the OTP first counts against
    them: Capped when one is reached. Refused when the phone's limits or the global
    ceiling say no. Neither, nor an error on the way, leaves anything counted."""
    taken = fanout.take(redis, caps) if caps else None
    if isinstance(taken, fanout.Capped):
        return taken
    undo = partial(_undo, redis, phone, None, taken)
    try:
        issued = otp.issue(redis, phone, config.effective_secret, limits(config),
                           history=partial(messages.otp_times, session, phone))
        if isinstance(issued, otp.Refused):
            fanout.give_back(redis, taken)
            return issued
        undo = partial(_undo, redis, phone, issued, taken)
        language = phones.get_or_create(session, phone).language
        text = render(template, language, {**(variables or {}), "code": issued.code})
        # The outbox keeps the text masked; the worker unseals the real one to send it.
        body, sealed = sealing.hide(config.effective_secret, text, issued.code)
        message = messages.queue_outbound(session, phone=phone, body=body, kind="otp",
                                          priority="high", sealed=sealed)
    except BaseException:
        _quietly(undo)
        raise
    return Sent(issued, message.id, undo)


def _undo(redis: Redis, phone: str, issued: otp.Issued | None,
          taken: fanout.Taken | None) -> None:
    if issued is not None:
        otp.revoke(redis, phone, issued)
    fanout.give_back(redis, taken)


def _quietly(undo: Callable[[], None]) -> None:
    """Undo on the way out of a failure; Redis may be what failed, and that first
    error is the one to raise."""
    try:
        undo()
    except Exception as error:  # no traceback: the phone must not reach the log
        log.warning("could not undo an OTP whose SMS was not queued",
                    extra={"error": type(error).__name__})
