"""One turn of a dialogue, the same for every channel.

`handle` wraps a channel's decision in what makes it safe: a retried provider message
gets its first answer and changes nothing; one phone's messages run one at a time, in
the order they arrived (a line per phone in Redis, see `store.dialogues`); all records
of the turn are written in one short transaction; the dialogue state is saved only
after that commits; an error inside a flow becomes
a polite reply and leaves the state as it was.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.orm import Session

from gateway import flows
from gateway.flows import engine
from gateway.flows.engine import Say, State
from gateway.flows.messages import render
from gateway.ops import metrics
from gateway.outcomes import EFFECTS, OUTCOMES
from gateway.phones import mask, mask_in_text
from gateway.runtime import Runtime
from gateway.sms import outbound
from gateway.store import dialogues, messages, phones
from gateway.store.db import LostConnection, transaction
from gateway.store.phones import TurnPhone

log = logging.getLogger(__name__)
# Redis cannot be reached: no turn can run (the webhooks answer without one).
RedisDown = (RedisConnectionError, RedisTimeoutError)
MAX_EFFECTS_PER_TURN = 10  # a flow that loops through actions is a bug, not a dialogue


class _MaskedTracebacks(logging.Filter):
    """Pre-render a record's traceback with phone numbers masked.

    A flow's exception message often carries its answers (and so the phone number);
    every standard formatter reuses `exc_text` when it is set, so setting it here keeps
    the number out of every handler, not only the JSON one.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = mask_in_text(text)
        return True


log.addFilter(_MaskedTracebacks())


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


class Conversation:
    """What a channel's decision works with during one turn: the phone, its saved
    dialogue (a dict the decision may change), and the turn's database session."""

    def __init__(self, runtime: Runtime, session: Session, inbound: Inbound, phone: TurnPhone,
                 saved: dict[str, Any]):
        self.runtime = runtime
        self.session = session
        self.inbound = inbound
        self.phone = phone
        self.saved = saved
        self._after_commit: list[Callable[[], None]] = []
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

    def open(self, command: str, answers: Mapping[str, Any] | None = None) -> list[Say]:
        """Start the flow a command opens (afresh), or say it is coming soon."""
        flow = flows.for_command(command)
        if flow is None:
            self.state = None
            return [Say("coming_soon")]
        return self.play(engine.start(flow, {"phone": self.inbound.phone, **(answers or {})}))

    def play(self, turn: engine.Turn) -> list[Say]:
        """Act on a flow turn: run its effects and outcomes, keep its next state, and
        return what to say."""
        for _ in range(MAX_EFFECTS_PER_TURN):
            if turn.effect is None:
                break
            result, data = EFFECTS[turn.effect.name](self, turn.effect.args)
            turn = engine.resume(flows.FLOWS[turn.state.flow], turn.state, result, data, turn.say)
        else:
            raise engine.FlowError("too many effects in one turn")
        self.state = turn.state
        said = list(turn.say)
        extra: dict[str, Any] = {}
        for outcome in turn.outcomes:
            if outcome.kind == "open":  # a menu entry hands over to another flow
                said += self.open(outcome.data["menu"])
            elif outcome.kind == "resume":  # continue an unfinished form where it stopped
                state = State.from_json(outcome.data["saved"])
                self.state = state
                said += engine.prompt(flows.FLOWS[state.flow], state).say
            elif outcome.kind == "restart":
                said += self.open(outcome.data["command"])
            else:
                extra.update(OUTCOMES[outcome.kind](self, outcome.data) or {})
        return [Say(s.key, {**s.vars, **extra}) for s in said]

    def render(self, said: Iterable[Say]) -> tuple[str, ...]:
        """The texts of `said` in the phone's language."""
        return tuple(render(s.key, self.language, s.vars, self.inbound.channel) for s in said)

    def send(self, phone: str, body: str, kind: str, priority: str = "high",
             dedup_key: str | None = None, sealed: str | None = None) -> None:
        """Queue an SMS of our own (e.g. an OTP: `body` masked, the real text `sealed`)
        in this turn's transaction; it is handed to the workers once the turn commits."""
        message = messages.queue_outbound(self.session, phone=phone, body=body, kind=kind,
                                          priority=priority, dedup_key=dedup_key,
                                          sealed=sealed)
        if message is not None:
            self._after_commit.append(lambda: outbound.enqueue(self.runtime, message.id,
                                                               priority))

    def committed(self) -> None:
        """Run what had to wait for the commit (handing outbound SMS to the workers)."""
        for action in self._after_commit:
            action()

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


Decide = Callable[[Conversation], Reply]


def handle(runtime: Runtime, inbound: Inbound, decide: Decide) -> Reply:
    """Handle one inbound message exactly once and return the reply.

    The turn itself meets Redis twice: one script answers a handled message at once, or
    takes a place in the phone's line and, at its head, the phone's lock and its
    dialogue (a message that has to wait runs that script again until then); one script
    saves the dialogue, remembers the reply and releases the lock. What the flow does
    may add its own calls (issuing an OTP, looking for an unfinished form). The
    database is met in one transaction. Raises `Busy` when the phone's turn did not come
    in time (the route answers 503 and the provider retries later)."""
    started = time.perf_counter()
    key = dialogue_key(inbound)
    claim = dialogues.begin(runtime.redis, inbound.provider, inbound.provider_id,
                            inbound.phone, key)
    if claim is None:
        metrics.TURNS.labels(inbound.channel, "busy").inc()
        raise Busy(mask(inbound.phone))
    if claim.reply is not None:
        metrics.TURNS.labels(inbound.channel, "duplicate").inc()
        return Reply.from_json(claim.reply)
    try:
        turn = _turn(runtime, inbound, decide, claim.saved, key)
    except BaseException:
        dialogues.release(runtime.redis, claim)
        raise
    if not dialogues.finish(runtime.redis, claim, inbound.provider, inbound.provider_id,
                            turn.remember, turn.saves):
        log.warning("phone lock expired before release",
                    extra={"phone": mask(inbound.phone), "channel": inbound.channel})
    metrics.TURNS.labels(inbound.channel, turn.result).inc()
    metrics.TURN_SECONDS.labels(inbound.channel).observe(time.perf_counter() - started)
    return turn.reply


def dialogue_key(inbound: Inbound) -> str:
    """Where the dialogue of this message is saved: per phone for SMS, per session for
    USSD (with the phone in the key, so a session id reused by a provider for another
    phone can never reach someone else's dialogue)."""
    ident = f"{inbound.phone}:{inbound.session_id}" if inbound.session_id else inbound.phone
    return dialogues.dialogue_key(inbound.channel, ident)


@dataclass(frozen=True)
class _Done:
    """What a turn leaves for Redis: the reply (and whether to remember it for
    retries) and the dialogues to save."""

    reply: Reply
    result: str
    remember: dict[str, Any] | None
    saves: list[tuple[str, dict[str, Any], int]]


def _turn(runtime: Runtime, inbound: Inbound, decide: Decide, saved: dict[str, Any],
          key: str) -> _Done:
    try:
        try:
            reply, conversation = _transact(runtime, inbound, decide, saved)
        except _Retry:
            # The database restarted since this process last used the connection, and
            # nothing has happened yet: once more, on a new one.
            reply, conversation = _transact(runtime, inbound, decide, saved)
    except RedisDown:
        # Redis went away during the turn: its transaction is rolled back and nothing
        # is recorded, so the provider's retry (or the next dial) is a first turn.
        raise
    except Exception:
        return _failed(runtime, inbound)
    if conversation is None:
        return _Done(reply, "duplicate", reply.to_json(), [])
    conversation.committed()
    ttl = (runtime.config.ussd_session_seconds if inbound.channel == "ussd"
           else runtime.config.sms_dialogue_minutes * 60)
    saves = [(key, _pruned(conversation.saved), ttl)]
    if conversation.unfinished_save:
        saves.append(conversation.unfinished_save)
    return _Done(reply, "ok", reply.to_json(), saves)


class _Retry(Exception):
    """The turn's first statement met a dead connection: nothing has happened yet."""


def _transact(runtime: Runtime, inbound: Inbound, decide: Decide,
              saved: dict[str, Any]) -> tuple[Reply, Conversation | None]:
    """The turn's one transaction: log the message, decide, write back the phone and
    the reply. No conversation when the message was handled before (its reply then)."""
    conversation: Conversation | None = None
    try:
        with transaction(runtime.sessions) as session:
            # The log's unique key is the durable dedup: when Redis has forgotten a
            # handled message (restart, eviction) the insert finds it before the flow
            # runs, so its effects (an OTP sent, a counter bumped) never happen twice.
            try:
                inbound_id = _record(session, inbound)
            except LostConnection as lost:
                raise _Retry from lost
            if inbound_id is None:
                stored = messages.stored_reply(session, inbound.provider, inbound.provider_id)
                return (Reply.from_json(stored) if stored else _apology("vi")), None
            phone = phones.for_turn(session, inbound.phone)
            conversation = Conversation(runtime, session, inbound, phone, saved)
            reply = decide(conversation)
            phones.save_turn(session, phone)
            messages.set_reply(session, inbound_id, reply.to_json())
    except BaseException:
        # Nothing of the turn was written (or its commit failed): what it did in Redis
        # goes too, so a retry starts from where this turn did.
        if conversation is not None:
            conversation.rolled_back()
        raise
    return reply, conversation


def _apology(language: str) -> Reply:
    return Reply((render("dialogue.error", language),), end=True)


def _failed(runtime: Runtime, inbound: Inbound) -> _Done:
    """The polite answer (in the phone's language) to a turn that raised. Called from an
    `except` block: logs the traceback, records the message with that answer, and
    leaves the saved dialogue as it was, so the same question can be answered again."""
    log.exception("turn failed; state kept",
                  extra={"phone": mask(inbound.phone), "channel": inbound.channel})
    reply = _apology("vi")
    try:
        with transaction(runtime.sessions) as session:
            known = phones.find(session, inbound.phone)
            reply = _apology(known.language if known else "vi")
            _record(session, inbound, reply)
    except Exception:
        # The phone still gets its answer; a retry of the message will run the turn
        # again, which is what we want when the database was the problem.
        log.exception("could not record a failed turn",
                      extra={"phone": mask(inbound.phone), "channel": inbound.channel})
        return _Done(reply, "error", None, [])
    return _Done(reply, "error", reply.to_json(), [])


def _record(session: Session, inbound: Inbound, reply: Reply | None = None) -> int | None:
    return messages.record_inbound(session, channel=inbound.channel, provider=inbound.provider,
                                   provider_id=inbound.provider_id, phone=inbound.phone,
                                   recipient=inbound.recipient, body=inbound.text,
                                   reply=reply.to_json() if reply else None)


def _pruned(saved: dict[str, Any]) -> dict[str, Any]:
    """Drop empty entries so a finished dialogue leaves no key behind."""
    return {k: v for k, v in saved.items() if v not in (None, [], {})}
