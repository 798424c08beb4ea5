"""The channel-neutral message types: what a phone sent, what to answer, and the two
ways a turn cannot run (the phone's previous message is still being handled; Redis is
down). Channels build and read these; nothing here knows a channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Redis cannot be reached: no turn can run (the webhooks answer without one).
RedisDown = (RedisConnectionError, RedisTimeoutError)


@dataclass(frozen=True)
class Inbound:
    """One message from a phone, the same shape for every channel."""

    channel: str        # sms, ussd
    provider: str       # twilio, ussd, sim…
    provider_id: str    # the provider's message id (USSD: session and input)
    phone: str          # E.164
    text: str
    recipient: str = ""
    session_id: str = ""


@dataclass(frozen=True)
class Reply:
    """What to answer: the texts, and whether the session is over (USSD END)."""

    texts: tuple[str, ...]
    end: bool = True

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored with the inbound message)."""
        return {"texts": list(self.texts), "end": self.end}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reply:
        """The inverse of `to_json`."""
        return cls(tuple(data["texts"]), bool(data["end"]))


class Busy(Exception):
    """The phone's previous message is still being handled; the provider should retry."""
