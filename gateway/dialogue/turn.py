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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gateway.dialogue import conversation as conversations
from gateway.dialogue.conversation import Conversation
from gateway.dialogue.messages import Busy, Inbound, RedisDown, Reply
from gateway.flows.messages import render
from gateway.ops import metrics
from gateway.phones import mask, mask_in_text
from gateway.runtime import Runtime
from gateway.store import dialogues, message_log, phones
from gateway.store.db import LostConnection, transaction
from gateway.text import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)


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


_masked = _MaskedTracebacks()
log.addFilter(_masked)
conversations.log.addFilter(_masked)  # an effect's undo that fails logs its traceback


Decide = Callable[[Conversation], Reply]


def handle(runtime: Runtime, inbound: Inbound, decide: Decide) -> Reply:
    """Handle one inbound message exactly once and return the reply.

    A turn meets Redis in two scripts of its own: one answers a handled message at
    once, or takes a place in the phone's line and, at its head, the phone's lock and
    its dialogue (a message that has to wait runs that script again until then); one
    saves the dialogue, remembers the reply and releases the lock. Besides those, what
    the flow does adds its own calls (issuing an OTP, looking for an unfinished form),
    and so does handing each SMS the turn queued to the workers once it commits
    (`gateway.store.handoff`, one pipeline for them all). The database is met in one transaction (a
    second one only to retry on a fresh connection, or to record a turn that failed).
    Raises `Busy` when the phone's turn did not come in time (the route answers 503 and
    the provider retries later)."""
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
    """The turn's one transaction: log the message and read its phone (one statement on
    PostgreSQL), decide, write back the phone (if changed) and the reply. No
    conversation when the message was handled before (its reply then)."""
    conversation: Conversation | None = None
    try:
        with transaction(runtime.sessions) as session:
            # The log's unique key is the durable dedup: when Redis has forgotten a
            # handled message (restart, eviction) the insert finds it before the flow
            # runs, so its effects (an OTP sent, a counter bumped) never happen twice.
            try:
                opened = message_log.open_turn(
                    session, channel=inbound.channel, provider=inbound.provider,
                    provider_id=inbound.provider_id, phone=inbound.phone,
                    recipient=inbound.recipient, body=inbound.text)
            except LostConnection as lost:
                raise _Retry from lost
            if opened is None:
                stored = message_log.stored_reply(session, inbound.provider, inbound.provider_id)
                return (Reply.from_json(stored) if stored else _apology(DEFAULT_LANGUAGE)), None
            conversation = Conversation(runtime, session, inbound, opened.phone, saved)
            reply = decide(conversation)
            phones.save_turn(session, opened.phone)
            message_log.set_reply(session, opened.inbound_id, reply.to_json())
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
    reply = _apology(DEFAULT_LANGUAGE)
    try:
        with transaction(runtime.sessions) as session:
            known = phones.find(session, inbound.phone)
            reply = _apology(known.language if known else DEFAULT_LANGUAGE)
            _record(session, inbound, reply)
    except Exception:
        # The phone still gets its answer; a retry of the message will run the turn
        # again, which is what we want when the database was the problem.
        log.exception("could not record a failed turn",
                      extra={"phone": mask(inbound.phone), "channel": inbound.channel})
        return _Done(reply, "error", None, [])
    return _Done(reply, "error", reply.to_json(), [])


def _record(session: Session, inbound: Inbound, reply: Reply) -> int | None:
    return message_log.record_inbound(
        session, channel=inbound.channel, provider=inbound.provider,
        provider_id=inbound.provider_id, phone=inbound.phone, recipient=inbound.recipient,
        body=inbound.text, reply=reply.to_json())


def _pruned(saved: dict[str, Any]) -> dict[str, Any]:
    """Drop empty entries so a finished dialogue leaves no key behind."""
    return {k: v for k, v in saved.items() if v not in (None, [], {})}
