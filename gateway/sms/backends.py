"""The contract every SMS provider keeps: its outbound `Backend`, and the `Provider`
entry that the provider table (gateway/sms/providers.py) lists."""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import click
from flask import Blueprint

from gateway.config import Config


class SendError(Exception):
    """A send that failed. `retryable` says whether trying again may succeed;
    `maybe_sent` that the provider may have accepted it (e.g. a read timeout), so it
    must be reconciled, never blindly re-sent. `provider_trouble` says the provider
    itself is in trouble (429, 5xx, unreachable): every worker then pauses sending to
    it, for `retry_after` seconds when the provider said so."""

    def __init__(self, reason: str, code: str | None = None, retryable: bool = False,
                 maybe_sent: bool = False, provider_trouble: bool = False,
                 retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retryable = retryable
        self.maybe_sent = maybe_sent
        self.provider_trouble = provider_trouble
        self.retry_after = retry_after


@dataclass(frozen=True)
class Outgoing:
    """What a backend needs to send one message."""

    message_id: int
    phone: str
    body: str


class Backend(Protocol):
    """An outbound SMS provider."""

    name: str
    sender: str

    def send(self, message: Outgoing) -> str:
        """Send; return the provider's message id or raise SendError."""

    def find_sent(self, message: Outgoing, since: datetime,
                  exclude: Set[str] = frozenset()) -> str | None:
        """The provider id of this message if the provider has it: a message to the same
        phone with the same text, created since `since`, whose id is not in `exclude`
        (ids already recorded for other messages). Raises SendError when it cannot tell."""


def _no_settings(_config: Config) -> None:
    """A provider without settings of its own."""


@dataclass(frozen=True)
class Provider:
    """One SMS provider, as the provider table lists it: everything the rest of the
    gateway needs to know about it, so adding one is its module plus one line there.

    - `name`: the value of SMS_BACKEND that chooses it;
    - `backend(config)`: its outbound Backend (the workers send through it);
    - `check(config)`: raises ConfigError naming the variable when its settings are
      missing or wrong (run by Config.validate only when it is the one chosen);
    - `routes`: a Flask blueprint with its inbound callbacks (MO, receipts), mounted by
      the app factory whichever provider is chosen (as Twilio's always were: a route
      of a provider not configured refuses what it cannot authenticate); None when its
      MO does not come over HTTP (an SMPP bind reads it in a process of its own);
    - `commands`: click commands it adds to `gateway` (such as a process to run).
    """

    name: str
    backend: Callable[[Config], Backend]
    check: Callable[[Config], None] = _no_settings
    routes: Blueprint | None = None
    commands: tuple[click.Command, ...] = ()
