"""The console as a channel: it hands the record-writing code that SMS and USSD use
(`gateway.actions.declarations.record`, `gateway.actions.reports.record`) what that code
reads of a dialogue's conversation, so console records are written the same way,
with channel `hotline`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.dialogue.messages import Inbound
from gateway.runtime import Runtime
from gateway.store import messages

CHANNEL = "hotline"


class Desk:
    """The caller's phone and channel, the transaction and the runtime. SMS queued in
    the transaction are handed to the workers once it commits (gateway/store/handoff.py)."""

    def __init__(self, runtime: Runtime, session: Session, phone: str,
                 channel: str = CHANNEL):
        self.runtime = runtime
        self.session = session
        # A community team's reports have their own channel, `team` (hotline/team.py).
        self.inbound = Inbound(channel, channel, "", phone, "")

    def send(self, phone: str, body: str, kind: str, priority: str = "high",
             dedup_key: str | None = None) -> None:
        """Queue an SMS in the outbox, in the transaction."""
        messages.queue_outbound(self.session, phone=phone, body=body, kind=kind,
                                priority=priority, dedup_key=dedup_key)
