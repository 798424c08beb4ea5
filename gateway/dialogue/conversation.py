"""What a channel's decision works with during one turn: the phone, its saved
dialogue, the turn's database session; entering a flow and playing a flow's turn
(running its effects and outcomes through `gateway.actions`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from gateway import actions, flows
from gateway.actions.entering import Entry
from gateway.dialogue.messages import Inbound
from gateway.flows import engine
from gateway.flows.engine import Say, State
from gateway.flows.messages import render
from gateway.phones import mask
from gateway.runtime import Runtime
from gateway.store import dialogues, messages
from gateway.store.phones import TurnPhone

log = logging.getLogger(__name__)
MAX_EFFECTS_PER_TURN = 10  # a flow that loops through actions is a bug, not a dialogue


class Conversation:
    """What a channel's decision works with during one turn: the phone, its saved
    dialogue (a dict the decision may change), and the turn's database session. It
    is the `gateway.actions.context.Context` the action handlers get."""

    def __init__(self, runtime: Runtime, session: Session, inbound: Inbound, phone: TurnPhone,
                 saved: dict[str, Any]):
        self.runtime = runtime
        self.session = session
        self.inbound = inbound
        self.phone = phone
        self.saved = saved
        self._on_rollback: list[Callable[[], None]] = []
        # (key, copy, ttl) of the unfinished-form copy to save (an empty copy deletes it),
        # written with the dialogue once the turn commits.
        self.unfinished_save: tuple[str, dict[str, Any], int] | None = None
        self._parsed: tuple[Any, State | None] = (None, None)  # (saved JSON, its State)

    @property
    def language(self) -> str:
        """The phone's reply language."""
        return self.phone.language

    @property
    def state(self) -> State | None:
        """The open dialogue's state, if any (and if its flow still exists)."""
        data = self.saved.get("state")
        # A state saved by an older release may name a flow or node that no longer
        # exists; treating it as no dialogue lets the phone start again instead of
        # failing on every message until the state expires.
        if not data or data["node"] not in getattr(flows.FLOWS.get(data["flow"]), "nodes", {}):
            return None
        if self._parsed[0] is not data:  # parsed once per saved value, not per look
            self._parsed = (data, State.from_json(data))
        return self._parsed[1]

    @state.setter
    def state(self, state: State | None) -> None:
        before = self.saved.get("state")
        self.saved["state"] = state.to_json() if state else None
        # A resumable form also keeps a longer-lived copy, so it can be continued after
        # its dialogue expired; the copy goes once the form ends or is cancelled.
        flow = flows.FLOWS.get(state.flow) if state else None
        if flow is not None and flow.resumable:
            copy_ = {"state": state.to_json(), "command": flows.command_of(flow.name)}
            self.unfinished_save = (self._unfinished_key(), copy_,
                                    self.runtime.config.resume_hours * 3600)
        elif before and getattr(flows.FLOWS.get(before["flow"]), "resumable", False):
            self.forget_unfinished()

    def _unfinished_key(self) -> str:
        return dialogues.resume_key(self.inbound.channel, self.inbound.phone)

    def unfinished(self) -> dict[str, Any] | None:
        """The copy of this phone's unfinished form on this channel, if any."""
        kept = dialogues.load(self.runtime.redis, self._unfinished_key())
        return kept if kept and kept["state"]["flow"] in flows.FLOWS else None

    def forget_unfinished(self) -> None:
        """Drop the copy of an unfinished form (after the commit)."""
        self.unfinished_save = (self._unfinished_key(), {}, 0)

    def flow(self) -> engine.Flow | None:
        """The flow of the open dialogue."""
        state = self.state
        return flows.FLOWS[state.flow] if state else None

    def enter(self, entry: Entry) -> list[Say]:
        """Enter the flow `entry` names (the router's choice, or a flow's hand-over):
        a kept state continues where it stopped; a command's flow starts afresh, or
        the phone is told it is coming soon."""
        if entry.saved is not None:
            state = State.from_json(entry.saved)
            self.state = state
            return list(engine.prompt(flows.FLOWS[state.flow], state).say)
        flow = flows.for_command(entry.command)
        if flow is None:
            self.state = None
            return [Say("coming_soon")]
        return self.play(engine.start(flow, {"phone": self.inbound.phone, **entry.answers}))

    def play(self, turn: engine.Turn) -> list[Say]:
        """Act on a flow turn: run its effects and outcomes, keep its next state, and
        return what to say."""
        for _ in range(MAX_EFFECTS_PER_TURN):
            if turn.effect is None:
                break
            result, data = actions.EFFECTS[turn.effect.name](self, turn.effect.args)
            turn = engine.resume(flows.FLOWS[turn.state.flow], turn.state, result, data, turn.say)
        else:
            raise engine.FlowError("too many effects in one turn")
        self.state = turn.state
        said = list(turn.say)
        extra: dict[str, Any] = {}
        for outcome in turn.outcomes:
            done = actions.OUTCOMES[outcome.kind](self, outcome.data)
            if isinstance(done, Entry):  # the flow hands over to another
                said += self.enter(done)
            else:
                extra.update(done or {})
        return [Say(s.key, {**s.vars, **extra}) for s in said]

    def render(self, said: Iterable[Say]) -> tuple[str, ...]:
        """The texts of `said` in the phone's language."""
        return tuple(render(s.key, self.language, s.vars, self.inbound.channel) for s in said)

    def send(self, phone: str, body: str, kind: str, priority: str = "high",
             dedup_key: str | None = None, sealed: str | None = None) -> None:
        """Queue an SMS of our own (e.g. an OTP: `body` masked, the real text `sealed`)
        in this turn's transaction; the store hands it to the workers once the turn
        commits (`gateway.store.handoff`)."""
        messages.queue_outbound(self.session, phone=phone, body=body, kind=kind,
                                priority=priority, dedup_key=dedup_key, sealed=sealed)

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Register how to undo an effect this turn had outside its transaction (in
        Redis: an OTP issued, a counter taken), should the transaction roll back."""
        self._on_rollback.append(undo)

    def rolled_back(self) -> None:
        """Undo the turn's outside effects, newest first. Each is tried: one that fails
        (Redis gone as well) is logged and does not stop the others."""
        for undo in reversed(self._on_rollback):
            try:
                undo()
            except Exception:
                log.exception("could not undo an effect of a failed turn",
                              extra={"phone": mask(self.inbound.phone),
                                     "channel": self.inbound.channel})
        self._on_rollback.clear()

