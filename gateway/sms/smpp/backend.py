"""The SMPP backend as the RQ workers see it: `send` hands the message to a bound
`gateway smpp` process (gateway/sms/smpp/bridge.py) and turns what the SMSC answered
into the outbox's terms. A bulk chunk goes as batches (`hand_over`, then `collect`):
the link then always has a window's worth to submit.

- accepted: the first part's SMSC id is the provider id (every part's id maps back to
  the message for receipts, see bridge.py);
- ESME_RTHROTTLED / ESME_RMSGQFUL: retryable: the link holds its next submit a moment
  (gateway/sms/smpp/window.py) and the outbox tries the message again on its schedule;
- any other command_status: failed for good, the status recorded as the error code;
- no process bound: retryable provider trouble (nothing was submitted, nothing is lost);
- no answer in time from a request no process took: withdrawn, retryable as above;
- no answer in time otherwise, or the link dropped after the submit went out: maybe sent. The
  sweeper then asks `find_sent`, which cannot search the SMSC by content but knows every
  id the SMSC gave, whenever its answer came.
"""

from __future__ import annotations

import time
from collections.abc import Set
from datetime import datetime
from uuid import uuid4

from smpplib import consts

from gateway.config import Config
from gateway.sms.backends import Outgoing, SendError
from gateway.sms.smpp import bridge
from gateway.store.redis import connect

WAIT_SECONDS = 10.0      # a worker waits this long for the SMSC's answer
EXPIRY_MARGIN = 2.0      # a request is dropped unsent this long before the worker gives up
LINK_DOWN_PAUSE = 2.0    # ...and while no `smpp` process is bound
RETRYABLE = frozenset({consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL})


class SmppBackend:
    """Sends through whichever `gateway smpp` process takes the request."""

    name = "smpp"

    def __init__(self, config: Config):
        self.config = config
        self.sender = config.smpp_source_addr
        self.redis = connect(config.redis_url)

    def send(self, message: Outgoing) -> str:
        """Submit the message (all its parts); return the first part's SMSC id."""
        if not bridge.any_bound(self.redis):
            raise SendError("SMPP link not bound", retryable=True, provider_trouble=True,
                            retry_after=LINK_DOWN_PAUSE)
        request = bridge.Request(uuid4().hex, message.message_id, message.phone,
                                 message.body, time.time() + WAIT_SECONDS - EXPIRY_MARGIN)
        bridge.push(self.redis, request)
        outcome = bridge.wait(self.redis, request, WAIT_SECONDS)
        if outcome is None:
            return _unanswered(self.redis, request)
        return _result(outcome)

    def hand_over(self, batch: list[Outgoing], urgent: bool = False) -> list[bridge.Request]:
        """Start a batch (a bulk chunk: the link keeps its window full with it) and
        return at once, so the worker prepares the next one meanwhile; `collect` gives
        the outcomes. Nothing is handed over when no link is bound (empty list: every
        message "not bound")."""
        if not bridge.any_bound(self.redis):
            return []
        expires = time.time() + WAIT_SECONDS - EXPIRY_MARGIN
        reply_to = uuid4().hex
        requests = [bridge.Request(uuid4().hex, m.message_id, m.phone, m.body, expires,
                                   urgent=urgent, reply_to=reply_to) for m in batch]
        bridge.push_batch(self.redis, requests)
        return requests

    def collect(self, requests: list[bridge.Request],
                count: int | None = None) -> list[str | SendError]:
        """The outcome of each request `hand_over` made (of `count` messages when it
        made none: the link was not bound), in order."""
        if not requests:
            down = SendError("SMPP link not bound", retryable=True, provider_trouble=True,
                             retry_after=LINK_DOWN_PAUSE)
            return [down] * (count or 0)
        outcomes = bridge.wait_batch(self.redis, requests, WAIT_SECONDS)
        results: list[str | SendError] = []
        for request in requests:
            outcome = outcomes.get(request.request_id)
            try:
                results.append(_unanswered(self.redis, request) if outcome is None
                               else _result(outcome))
            except SendError as error:
                results.append(error)
        return results

    def find_sent(self, message: Outgoing, since: datetime,
                  exclude: Set[str] = frozenset()) -> str | None:
        """The SMSC id of this message if the SMSC accepted it (its answer reached the
        `smpp` process, even after the worker had stopped waiting)."""
        found = bridge.sent_id(self.redis, message.message_id)
        return found if found and found not in exclude else None


def _unanswered(redis, request: bridge.Request) -> str:
    """A request no outcome came for in time: never taken (withdrawn, retryable), or
    taken and maybe sent."""
    if bridge.withdraw(redis, request):  # never taken: surely not sent
        raise SendError("SMPP link busy or stalled", retryable=True,
                        provider_trouble=True, retry_after=LINK_DOWN_PAUSE)
    raise SendError("no answer from the SMPP link in time", maybe_sent=True)


def _result(outcome: bridge.Outcome) -> str:
    if outcome.status == bridge.OK:
        return outcome.ids[0]
    if outcome.status in (bridge.DOWN, bridge.EXPIRED):
        raise SendError(f"SMPP link {outcome.status}", retryable=True, provider_trouble=True,
                        retry_after=LINK_DOWN_PAUSE)
    if outcome.status == bridge.MAYBE:
        raise SendError("SMPP link dropped after the submit", maybe_sent=True)
    status = outcome.command_status or 0
    code = f"0x{status:02x}"
    reason = consts.DESCRIPTIONS.get(status, "refused by the SMSC")
    if status in RETRYABLE:
        # The link itself slows down (window.THROTTLE_HOLD); the message is retried on
        # its own schedule. Not the breaker: a pause of every worker and a probe for each
        # throttled submit would make a busy SMSC's throttling cost seconds a message.
        raise SendError(reason, code=code, retryable=True)
    raise SendError(reason, code=code)
