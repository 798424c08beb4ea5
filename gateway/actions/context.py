"""What an action handler works with: a small `Protocol`, so handlers need neither the
dialogue's `Conversation` nor any channel. `Conversation` satisfies `Context`
structurally, and the console's desk satisfies `Records` (the part outcome handlers
that write records use), so both write records with the same code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from gateway.runtime import Runtime
from gateway.store.phones import TurnPhone


@runtime_checkable
class Caller(Protocol):
    """Who wrote, and on which channel (a dialogue's inbound message has these)."""

    @property
    def channel(self) -> str:
        """sms, ussd, hotline."""

    @property
    def phone(self) -> str:
        """The caller's number, E.164."""

    @property
    def session_id(self) -> str:
        """The USSD session ('' on other channels)."""


@runtime_checkable
class Records(Protocol):
    """Enough to write a record for a caller in a transaction and queue an SMS in it."""

    runtime: Runtime
    session: Session

    @property
    def inbound(self) -> Caller:
        """The caller."""

    def send(self, phone: str, body: str, kind: str, priority: str = "high",
             dedup_key: str | None = None) -> None:
        """Queue an SMS in the transaction (handed to the workers once it commits)."""


@runtime_checkable
class Context(Records, Protocol):
    """What an effect handler may use during a turn, beyond `Records`: the phone's row
    for the turn, the sealed SMS an OTP needs, and undoing what it did in Redis."""

    phone: TurnPhone

    def send(self, phone: str, body: str, kind: str, priority: str = "high",
             dedup_key: str | None = None, sealed: str | None = None) -> None:
        """Queue an SMS (`sealed`: the real text of a masked `body`)."""

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Undo `undo`'s effect outside the transaction should the turn roll back."""


# An effect handler returns the result the flow routes on and data for its answers; an
# outcome handler returns variables for the closing message, or the flow to enter.
EffectHandler = Callable[[Context, Mapping[str, Any]], tuple[str, Mapping[str, Any]]]
