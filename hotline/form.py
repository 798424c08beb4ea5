"""The declaration as a web form, rendered from the versioned flow that drives SMS and
USSD: the same questions in the same order, read by the same parsers.

`read` walks the flow's nodes from the first question after phone verification
(`FORM_START`) up to the summary (`FORM_STOP`, which the console shows as a page of
its own). Each `Ask` node becomes a field whose kind follows from its parser; what
was posted for it is read with `parser.read(text, answers)` exactly as an SMS reply
would be, so validation, province matching and commune matching cannot drift apart.
Branches are decided by the answers read so far (an ambiguous commune adds the pick
question); while they cannot be decided yet, the walk takes the node every branch
rejoins. A health authority's new question appears here without console changes:
its label falls back to the SMS prompt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway import addresses
from gateway.flows.checks import targets
from gateway.flows.engine import Ask, Branch, Flow, FlowError
from gateway.flows.messages import CATALOGUE, render
from gateway.flows.parsers import (
    Choice,
    FreeText,
    Invalid,
    MultiSelect,
    Parser,
    Year,
    YesNo,
)
from gateway.flows.places import ProvinceName, WardName, WardPick
from hotline import catalogs
from hotline.web import language, symptom, t

FORM_START = "name"
FORM_STOP = "confirm"


@dataclass(frozen=True)
class Field:
    """One question as a form field: `name` is the node (and answer) name, `kind` says
    how to draw it, `options` are (posted value, label) pairs."""

    name: str
    prompt: str
    kind: str
    label: str
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None

    def shown(self, typed: Any, skipped: bool = False) -> str:
        """What was answered, as a person reads it (option labels, not numbers; a
        question skipped with '0', such as the BHYT number, as 'None')."""
        if skipped:
            return t("option.none")
        if not self.options:
            return str(typed)
        chosen = typed if isinstance(typed, list | tuple) else [typed]
        return ", ".join(label for value, label in self.options if value in chosen)


@dataclass
class Reading:
    """The fields on the path, what was typed, the answers read and the errors."""

    fields: list[Field] = field(default_factory=list)
    typed: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def skipped(self, name: str) -> bool:
        """Whether question `name` was answered 'none' ('0' for an optional number)."""
        return name in self.answers and self.answers[name] is None


def read(flow: Flow, posted: Mapping[str, Any]) -> Reading:
    """Walk the form's questions, reading each posted value with its node's parser.
    `posted` maps a field name to its text (a list of texts for a multi-select)."""
    reading = Reading()
    name = FORM_START
    for _ in range(len(flow.nodes)):  # a walk visits a node at most once
        if name == FORM_STOP:
            return reading
        node = flow.nodes[name]
        if isinstance(node, Branch):
            name = _decide(flow, node, reading.answers)
            continue
        if not isinstance(node, Ask):
            raise FlowError(f"{flow.name}.{name}: the console form takes only questions")
        reading.fields.append(describe(name, node, reading.answers))
        value = _read_one(node, name, posted, reading)
        nxt = node.next
        if isinstance(nxt, Mapping):
            name = nxt.get(value) if _hashable(value) and value in nxt else _rejoin(
                flow, tuple(nxt.values()))
        elif isinstance(nxt, Branch):
            name = _decide(flow, nxt, reading.answers)
        else:
            name = nxt
    raise FlowError(f"{flow.name}: the form never reaches {FORM_STOP!r}")


def _read_one(node: Ask, name: str, posted: Mapping[str, Any], reading: Reading) -> Any:
    raw = posted.get(name, "")
    items = [str(r) for r in raw] if isinstance(raw, list | tuple) else [str(raw)]
    text = " ".join(items).strip()
    reading.typed[name] = items if isinstance(node.parse, MultiSelect) else text
    try:
        value = node.parse.read(text, reading.answers)
    except KeyError:  # it depends on an earlier answer that is missing or invalid
        reading.errors[name] = t("form.needs_earlier")
        return None
    if isinstance(value, Invalid):
        typed_field = reading.fields[-1].kind in ("text", "number", "ward")
        # An empty box is simply not answered yet; the parser's reason fits a wrong answer.
        reading.errors[name] = t("error.required") if typed_field and not text else message(
            value)
        return None
    reading.answers[name] = value
    return value


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _decide(flow: Flow, branch: Branch, answers: Mapping[str, Any]) -> str:
    try:
        return branch.choose(answers)
    except (KeyError, TypeError, IndexError):
        return _rejoin(flow, branch.targets)


def _rejoin(flow: Flow, options: tuple[str, ...]) -> str:
    """The target every other target leads to (where a detour rejoins the form)."""
    for candidate in options:
        if all(candidate in _reachable(flow, other) for other in options):
            return candidate
    raise FlowError(f"{flow.name}: branches to {options} never rejoin")


def _reachable(flow: Flow, start: str) -> set[str]:
    """Nodes reachable from `start` within the form (the summary's 'start over' would
    make every question reachable from every other)."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name not in seen and name in flow.nodes and name != FORM_STOP:
            seen.add(name)
            todo.extend(targets(flow.nodes[name]))
    return seen


def describe(name: str, node: Ask, answers: Mapping[str, Any]) -> Field:
    """The field of one question, its kind and options following from its parser."""
    parser, prompt = node.parse, node.prompt
    label = _text(f"label.{prompt}") or _sms_prompt(node, answers)
    hint = _text(f"hint.{prompt}") or ""
    kind, options = _kind(parser, name, answers)
    return Field(name, prompt, kind, label, hint, options,
                 parser.max_length if isinstance(parser, FreeText) else None)


def _kind(parser: Parser, name: str, answers: Mapping[str, Any]) -> tuple[str, tuple]:
    if isinstance(parser, ProvinceName):
        return "province", tuple((str(n), p.name) for n, p in enumerate(addresses.PROVINCES, 1))
    if isinstance(parser, WardName):
        return "ward", ()
    if isinstance(parser, WardPick):
        candidates = answers.get(parser.candidates_key) or ()
        return "pick", tuple((str(n), c["name"]) for n, c in enumerate(candidates, 1))
    if isinstance(parser, YesNo):
        return "choice", (("1", t("option.yes")), ("2", t("option.no")))
    if isinstance(parser, Choice):
        return "choice", tuple((key, _text(f"option.{value}") or key)
                               for key, value in parser.options.items())
    if isinstance(parser, MultiSelect):
        # The one multiple choice is the symptoms: named by the one symptom table.
        numbered = ((str(n), symptom(n)) for n in range(1, parser.count + 1))
        return "multi", (("0", t("option.none")), *numbered)
    if isinstance(parser, Year):
        return "number", ()
    return "text", ()


def _text(key: str) -> str | None:
    return t(key) if catalogs.has(key) else None


def _sms_prompt(node: Ask, answers: Mapping[str, Any]) -> str:
    variables = {**answers, **(node.show(answers) if node.show else {})}
    try:
        return render(node.prompt, language(), variables)
    except (KeyError, IndexError):
        return CATALOGUE[node.prompt].text(language())


def message(invalid: Invalid) -> str:
    """What an invalid answer means, in the console's words (the SMS text otherwise)."""
    key = f"form.{invalid.reason}"
    if catalogs.has(key):
        return t(key, **invalid.vars)
    return render(invalid.reason, language(), invalid.vars)


def texts(flow: Flow, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values for known answers (a returning caller's last identity, or a
    declaration being corrected): the inverse of `read`."""
    values: dict[str, Any] = {}
    for name, answer in answers.items():
        node = flow.nodes.get(name)
        if isinstance(node, Ask) and name != "commune_pick":
            values[name] = _text_of(node.parse, answer)
    if isinstance(answers.get("commune"), tuple | list) and answers.get("commune_pick"):
        values["commune"] = answers["commune_pick"]["name"]
    return values


def _text_of(parser: Parser, answer: Any) -> Any:
    if answer is None:
        return "0"  # a skipped question ('0 if none')
    if isinstance(parser, ProvinceName):
        return next(str(n) for n, p in enumerate(addresses.PROVINCES, 1)
                    if p.code.value == answer["code"])
    if isinstance(parser, YesNo):
        return "1" if answer else "2"
    if isinstance(parser, Choice):
        return next((k for k, v in parser.options.items() if v == answer), "")
    if isinstance(parser, MultiSelect):
        return [str(n) for n in answer] or ["0"]
    if isinstance(answer, Mapping):
        return str(answer.get("number") or answer.get("name") or "")
    if isinstance(answer, tuple | list):
        return ""
    return str(answer)
