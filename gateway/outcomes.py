"""What the gateway does with a flow's outcomes and effects.

Flows only name them (`End(outcome="language")`, `Act(effect="otp.send")`); the
handlers registered here do the I/O inside the turn's transaction. An outcome handler
may return variables for the closing message (e.g. the declaration code); an effect
handler returns the result the flow routes on, and data to add to the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.dialogue import Conversation

OutcomeHandler = Callable[["Conversation", Mapping[str, Any]], Mapping[str, Any] | None]
EffectHandler = Callable[["Conversation", Mapping[str, Any]], tuple[str, Mapping[str, Any]]]

OUTCOMES: dict[str, OutcomeHandler] = {}
EFFECTS: dict[str, EffectHandler] = {}


def outcome(kind: str) -> Callable[[OutcomeHandler], OutcomeHandler]:
    """Register the handler of an outcome kind."""
    def register(handler: OutcomeHandler) -> OutcomeHandler:
        OUTCOMES[kind] = handler
        return handler
    return register


def effect(name: str) -> Callable[[EffectHandler], EffectHandler]:
    """Register the handler of an effect."""
    def register(handler: EffectHandler) -> EffectHandler:
        EFFECTS[name] = handler
        return handler
    return register


@outcome("language")
def set_language(conversation: Conversation, answers: Mapping[str, Any]) -> None:
    """The phone chose its reply language."""
    conversation.phone.language = answers["language"]


# The handlers of each capability register themselves on import; they come last
# because they import the decorators above.
from gateway import checkins, declarations, verification  # noqa: E402, F401
from gateway.quarantine import reports  # noqa: E402, F401
