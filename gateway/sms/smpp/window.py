"""The window of one `smpp` process: the requests it took from the workers, their parts
submitted while fewer than SMPP_WINDOW are unanswered, and each request's outcome once
every part is answered (all accepted: the SMSC ids; else the first error status).

A part never answered within SUBMIT_TIMEOUT, or unanswered when the link drops, makes
its message "maybe sent" (reconciled by the sweeper, never re-sent blindly); a request
none of whose parts went out goes back as "down" (retried, nothing lost).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from smpplib import consts

from gateway.config import Config
from gateway.sms.smpp import bridge, parts, status, submits, wire

SUBMIT_TIMEOUT = 30.0        # an unanswered submit is given up (maybe sent) after this
THROTTLE_HOLD = 0.1          # seconds no submit goes out after the SMSC said "too fast"
THROTTLED = frozenset({consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL})
RESULTS = {consts.SMPP_ESME_ROK: "accepted", consts.SMPP_ESME_RTHROTTLED: "throttled",
           consts.SMPP_ESME_RMSGQFUL: "throttled"}


@dataclass
class _Submit:
    """A request whose parts are being submitted: SMSC ids by part index, the first
    error status, how many parts went out and how many were answered (-1: its outcome
    is given already)."""

    request: bridge.Request
    fields: list[dict[str, Any]]
    ids: dict[int, str] = field(default_factory=dict)
    error: int | None = None
    sent: int = 0
    answered: int = 0

    @property
    def done(self) -> bool:
        return self.answered == len(self.fields)


class Window:
    """Requests in hand, by the sequence of each submitted part."""

    def __init__(self, config: Config, redis: Redis, stats: status.Stats) -> None:
        self.config = config
        self.redis = redis
        self.stats = stats
        self.sent: dict[int, tuple[_Submit, int, float]] = {}  # sequence -> (submit, part, at)
        self.pending: deque[_Submit] = deque()  # requests with parts still to submit
        self.hold_until = 0.0  # monotonic time before which nothing is submitted
        self._outcomes: list[tuple[bridge.Request, bridge.Outcome]] = []  # for `flush`

    @property
    def in_flight(self) -> int:
        """Submits awaiting their answer."""
        return len(self.sent)

    def submit_some(self, client: wire.Client) -> bool:
        """Take requests and submit parts while the window has room; True when
        something went out."""
        if self.in_flight >= self.config.smpp_window or time.monotonic() < self.hold_until:
            return False
        submitted = self._submit(client)
        if not self.pending:
            # A window's worth at a time, not only the room: one Redis round trip per
            # SMPP_WINDOW submits instead of one per submit; taken after the submits
            # went out, while the SMSC works on them (those taken wait here at most a
            # window's answers; a drop or a stop gives them back as "down").
            self._take(self.config.smpp_window)
            if not submitted:
                submitted = self._submit(client)
        self.stats.window_in_use = self.in_flight
        return submitted

    def _submit(self, client: wire.Client) -> bool:
        """Submit parts of the requests in hand while the window has room, in one write."""
        submitted = False
        with client.corked():
            while self.pending and self.in_flight < self.config.smpp_window:
                submit = self.pending[0]
                index = submit.sent
                pdu = client.send_message(**submit.fields[index])
                submit.sent += 1
                self.sent[pdu.sequence] = (submit, index, time.monotonic())
                self.stats.count("submits")
                submitted = True
                if submit.sent == len(submit.fields):
                    self.pending.popleft()
        return submitted

    def _take(self, room: int) -> None:
        try:
            requests = bridge.take(self.redis, room)
        except RedisError as error:
            self.stats.last_error = f"Redis: {type(error).__name__}"
            return
        for request in requests:
            if request.expired:
                self._answer(request, bridge.Outcome(bridge.EXPIRED))
                continue
            try:
                fields = submits.submit_fields(self.config, request.message_id,
                                               request.phone, request.body)
            except (parts.TooLong, ValueError):
                self._answer(request, bridge.Outcome(
                    bridge.REFUSED, command_status=consts.SMPP_ESME_RINVMSGLEN))
                continue
            self.pending.append(_Submit(request, fields))

    def answered(self, pdu: Any) -> None:
        """A submit_sm_resp (or generic_nack): when it completes its request, the
        request's outcome goes to the worker."""
        entry = self.sent.pop(pdu.sequence, None)
        self.stats.window_in_use = self.in_flight
        if entry is None:
            return  # given up on already (SUBMIT_TIMEOUT): it stays "maybe sent"
        submit, index, _ = entry
        if submit.answered < 0:
            return  # another part was given up on: the message is "maybe sent"
        code = int(pdu.status)
        self.stats.count(RESULTS.get(code, "refused"))
        if code in THROTTLED:  # slow down: the SMSC takes less than we send
            self.hold_until = time.monotonic() + THROTTLE_HOLD
        submit.answered += 1
        if code == consts.SMPP_ESME_ROK and getattr(pdu, "message_id", None):
            raw = pdu.message_id
            submit.ids[index] = raw.decode() if isinstance(raw, bytes) else str(raw)
        elif submit.error is None:
            submit.error = code or consts.SMPP_ESME_RSYSERR
        if submit.done:
            if submit.error is None:
                outcome = bridge.Outcome(bridge.OK, [submit.ids[i] for i in sorted(submit.ids)])
            else:
                outcome = bridge.Outcome(bridge.REFUSED, command_status=submit.error)
            self._answer(submit.request, outcome)

    def expire(self) -> None:
        """A submit the SMSC never answers must not hold the window forever."""
        cutoff = time.monotonic() - SUBMIT_TIMEOUT
        for sequence in [s for s, (_, _, at) in self.sent.items() if at < cutoff]:
            submit, _, _ = self.sent.pop(sequence)
            self._maybe_sent(submit)

    def return_unsent(self) -> None:
        """Give back the requests none of whose parts went out (stopping)."""
        for submit in self.pending:
            if submit.sent == 0 and submit.answered >= 0:
                self._answer(submit.request, bridge.Outcome(bridge.DOWN))
                submit.answered = -1

    def abandon(self) -> None:
        """The link is gone: what went out unanswered is maybe sent, the rest is given
        back; the window is empty after."""
        for submit, _, _ in list(self.sent.values()):
            self._maybe_sent(submit)
        for submit in self.pending:
            if submit.sent:
                self._maybe_sent(submit)
        self.return_unsent()
        self.sent.clear()
        self.pending.clear()
        self.stats.window_in_use = 0

    def _maybe_sent(self, submit: _Submit) -> None:
        if submit.answered < 0:
            return  # its outcome is given already
        submit.answered = -1
        self.stats.count("maybe_sent")
        self._answer(submit.request, bridge.Outcome(bridge.MAYBE))

    def _answer(self, request: bridge.Request, outcome: bridge.Outcome) -> None:
        self._outcomes.append((request, outcome))

    def flush(self) -> None:
        """Give the workers the outcomes decided since the last flush, in one round trip
        (the link flushes once per turn of its loop)."""
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []
        try:
            bridge.answer_all(self.redis, outcomes)
        except RedisError as error:
            # The worker sees no answer and reports "maybe sent": reconciled later.
            self.stats.last_error = f"Redis: {type(error).__name__}"
