"""The log-only backend (`SMS_BACKEND=outbox`): nothing leaves the machine; messages
stay in the database outbox and are logged (masked), and `gateway outbox` and the phone
simulator show them. For development and the demo."""

from __future__ import annotations

import logging
from collections.abc import Set
from datetime import datetime

from gateway.config import Config
from gateway.sms.backends import Outgoing, Provider

log = logging.getLogger(__name__)


class LogOnlyBackend:
    """Marks messages sent without leaving the machine."""

    name = "outbox"
    sender = "outbox"
    # The outbox is the phone's inbox here (the simulator shows it): an OTP stays
    # readable after it is "sent" (gateway.sms.sending reads this; others lack it).
    keeps_sealed_text = True

    def send(self, message: Outgoing) -> str:
        """Log the message; its id in the outbox is its provider id."""
        log.info("outbox message", extra={"phone": message.phone, "message_id": message.message_id,
                                          "chars": len(message.body)})
        return f"outbox-{message.message_id}"

    def find_sent(self, message: Outgoing, since: datetime,
                  exclude: Set[str] = frozenset()) -> str | None:
        """Nothing leaves the machine, so an interrupted send was never sent."""
        return None


def _build(_config: Config) -> LogOnlyBackend:
    return LogOnlyBackend()


PROVIDER = Provider("outbox", backend=_build)
