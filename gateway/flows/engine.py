"""The dialogue engine: flows declared as data, stepped by pure functions.

A flow is a set of named nodes. `Ask` shows a prompt and parses the answer, `Act`
asks the caller to perform an effect (send an OTP, look something up) and routes on
its result, `End` closes the dialogue with a message and, optionally, an outcome to
record. Stepping never does I/O: `start`, `step` and `resume` take the flow, the
saved `State` and the input, and return a `Turn` that says what to reply, the next
state, and the effects and outcomes the caller must act on.

`gateway.flows.checks.check` finds what is wrong with a flow definition before any
phone meets it; `gateway.flows.table.describe` prints a flow for review.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.flows.parsers import Invalid, Parser

MAX_ATTEMPTS = 3
Answers = dict[str, Any]


@dataclass(frozen=True)
class Branch:
    """A next-node choice made by a function of the answers; `targets` lists every
    node it may return, so the flow can be checked and printed."""

    choose: Callable[[Answers], str]
    targets: tuple[str, ...]


Next = str | Mapping[Any, str] | Branch | None


Show = Callable[[Answers], Mapping[str, Any]]


@dataclass(frozen=True)
class Ask:
    """Show `prompt` (a message key), parse the reply, store it under the node name.
    `show(answers)` adds variables the prompt needs beyond the raw answers (a summary,
    a list of matches)."""

    prompt: str
    parse: Parser
    next: Next
    show: Show | None = None


@dataclass(frozen=True)
class Act:
    """Request the effect `effect` with `args(answers)`; route on its result string."""

    effect: str
    next: Mapping[str, str]
    args: Callable[[Answers], dict[str, Any]] = lambda answers: {}


@dataclass(frozen=True)
class End:
    """Close the dialogue: say `message` (if any) and record `outcome` (a kind, or
    several in order) with
    the answers (if any)."""

    message: str | None
    outcome: str | tuple[str, ...] | None = None
    show: Show | None = None


@dataclass(frozen=True)
class Tell:
    """Say `message` and go on to `next` at once (an explanation before a question)."""

    message: str
    next: str
    show: Show | None = None


Node = Ask | Act | End | Branch | Tell  # Branch and Tell nodes move on at once


@dataclass(frozen=True)
class Flow:
    """A named dialogue: its nodes and where it starts."""

    name: str
    start: str
    nodes: Mapping[str, Node]
    max_attempts: int = MAX_ATTEMPTS
    resumable: bool = False  # an interrupted dialogue is offered to be continued later


@dataclass(frozen=True)
class Say:
    """One message to render: a template key and its variables."""

    key: str
    vars: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Effect:
    """Something the caller must do before the flow can go on (see `resume`)."""

    name: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """A record the caller must write: what kind, and the answers that make it."""

    kind: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class State:
    """Where a dialogue stands; saved between turns (as JSON) by the caller."""

    flow: str
    node: str
    answers: Answers = field(default_factory=dict)
    attempts: int = 0
    history: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (a copy: changing it leaves the state alone)."""
        return {"flow": self.flow, "node": self.node, "answers": _to_json(self.answers),
                "attempts": self.attempts, "history": list(self.history)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> State:
        """The inverse of `to_json`. Answers are immutable values, so JSON arrays come
        back as tuples (a MultiSelect's (1, 3) survives the round trip)."""
        return cls(flow=data["flow"], node=data["node"],
                   answers=_from_json(dict(data.get("answers") or {})),
                   attempts=int(data.get("attempts", 0)), history=tuple(data.get("history", ())))


def _to_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    return value


@dataclass(frozen=True)
class Turn:
    """The result of one step: what to say, the next state (None: the dialogue is
    over), and effects and outcomes for the caller."""

    say: tuple[Say, ...]
    state: State | None
    effect: Effect | None = None
    outcomes: tuple[Outcome, ...] = ()

    @property
    def ended(self) -> bool:
        """True when the dialogue is closed."""
        return self.state is None


class FlowError(Exception):
    """A flow definition is broken (a programming error, never a user's mistake)."""


def start(flow: Flow, answers: Answers | None = None) -> Turn:
    """Begin `flow`, optionally with answers already known (e.g. the phone number).
    Lists among them are kept as tuples, as they come back from JSON."""
    return _enter(flow, flow.start, _from_json(dict(answers or {})), (), ())


def step(flow: Flow, state: State, text: str) -> Turn:
    """Feed the user's reply to the node the dialogue waits on."""
    node = _node(flow, state.node)
    if not isinstance(node, Ask):
        raise FlowError(f"{flow.name}.{state.node} does not wait for input")
    value = node.parse.read(text, state.answers)
    if isinstance(value, Invalid):
        attempts = state.attempts + 1
        if attempts >= flow.max_attempts:
            return Turn(say=(Say(value.reason, value.vars), Say("dialogue.too_many_attempts")),
                        state=None)
        return Turn(say=(Say(value.reason, value.vars), _said(node, state.answers)),
                    state=replace(state, attempts=attempts))
    answers = {**state.answers, state.node: value}
    return _enter(flow, _target(flow, state.node, node.next, value, answers), answers,
                  (*state.history, state.node), ())


def resume(flow: Flow, state: State, result: str, data: Mapping[str, Any] | None = None,
           say: tuple[Say, ...] = ()) -> Turn:
    """Continue after the caller performed the effect of an `Act` node."""
    node = _node(flow, state.node)
    if not isinstance(node, Act):
        raise FlowError(f"{flow.name}.{state.node} is not an action")
    if result not in node.next:
        raise FlowError(f"{flow.name}.{state.node} has no route for result {result!r}")
    answers = {**state.answers, **_from_json(dict(data or {}))}
    return _enter(flow, node.next[result], answers, state.history, say)


def back(flow: Flow, state: State) -> Turn:
    """Return to the previous question (or repeat this one if there is none). Earlier
    answers are kept until the question is answered again."""
    if not state.history:
        return prompt(flow, state)
    previous = state.history[-1]
    return _enter(flow, previous, dict(state.answers), state.history[:-1], ())


def prompt(flow: Flow, state: State) -> Turn:
    """Say the current question again, state unchanged (e.g. after a resumed session)."""
    node = _node(flow, state.node)
    if not isinstance(node, Ask):
        raise FlowError(f"{flow.name}.{state.node} does not wait for input")
    return Turn(say=(_said(node, state.answers),), state=state)


def takes_answer(flow: Flow, state: State | None, text: str) -> bool:
    """True when the dialogue waits on a question that takes `text` as its answer: any
    text for a free-text question, else a valid answer ('co' is yes to a yes/no
    question, not the CO keyword). Channels use it to decide between answer and keyword."""
    if state is None or state.node not in flow.nodes:
        return False
    node = flow.nodes[state.node]
    if not isinstance(node, Ask):
        return False
    return node.parse.free_text or not isinstance(node.parse.read(text, state.answers), Invalid)


def _enter(flow: Flow, name: str, answers: Answers, history: tuple[str, ...],
           said: tuple[Say, ...]) -> Turn:
    node = _node(flow, name)
    if isinstance(node, Ask):
        return Turn(say=(*said, _said(node, answers)),
                    state=State(flow.name, name, answers, 0, history))
    if isinstance(node, Act):
        return Turn(say=said, state=State(flow.name, name, answers, 0, history),
                    effect=Effect(node.effect, node.args(answers)))
    if isinstance(node, Branch):
        return _enter(flow, _target(flow, name, node, None, answers), answers, history, said)
    if isinstance(node, Tell):
        return _enter(flow, node.next, answers, history, (*said, _said(node, answers)))
    kinds = (node.outcome,) if isinstance(node.outcome, str) else node.outcome or ()
    outcomes = tuple(Outcome(kind, answers) for kind in kinds)
    closing = (_said(node, answers),) if node.message else ()
    return Turn(say=(*said, *closing), state=None, outcomes=outcomes)


def _said(node: Ask | End | Tell, answers: Answers) -> Say:
    """The node's message with the answers, and what its `show` derives from them."""
    key = node.prompt if isinstance(node, Ask) else node.message
    return Say(key, {**answers, **node.show(answers)} if node.show else answers)


def _target(flow: Flow, name: str, nxt: Next, value: Any, answers: Answers) -> str:
    if isinstance(nxt, str):
        return nxt
    if isinstance(nxt, Branch):
        target = nxt.choose(answers)
        if target not in nxt.targets:
            raise FlowError(f"{flow.name}.{name} branched to undeclared {target!r}")
        return target
    if isinstance(nxt, Mapping):
        try:
            return nxt[value]
        except (KeyError, TypeError):  # TypeError: an unhashable answer (a dict)
            raise FlowError(f"{flow.name}.{name} has no route for answer {value!r}") from None
    raise FlowError(f"{flow.name}.{name} has no next node")


def _node(flow: Flow, name: str) -> Node:
    try:
        return flow.nodes[name]
    except KeyError:
        raise FlowError(f"{flow.name} has no node {name!r}") from None
