"""The dialogue engine, replayed as transcripts of a small intake flow
(`tests/flows/intake.py`): stepping, effects, attempts, going back, saved state, and
purity on any input. `check` is in test_checks.py, the review table in test_table.py."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.flows import engine
from gateway.flows.engine import (
    Ask,
    Branch,
    End,
    Flow,
    FlowError,
    Outcome,
    Say,
    State,
)
from gateway.flows.parsers import MultiSelect, YesNo
from tests.flows.intake import INTAKE

PHONE = "+84912345678"


@dataclass(frozen=True)
class Result:
    """The caller's answer to an effect: the result to route on, and data to merge."""

    result: str
    data: dict[str, Any] = field(default_factory=dict)


def replay(flow: Flow, script: list[tuple], answers: dict | None = None) -> engine.Turn:
    """Play a transcript: each row is (what the phone sends or the effect's result,
    the message keys it gets back, the node the dialogue then waits on or None)."""
    turn = engine.start(flow, answers)
    for number, (sent, says, node) in enumerate(script):
        if number:  # the first row is the start itself
            if isinstance(sent, Result):
                turn = engine.resume(flow, turn.state, sent.result, sent.data, turn.say)
            else:
                turn = engine.step(flow, turn.state, sent)
        assert [s.key for s in turn.say] == says, f"row {number}: {sent!r}"
        assert (turn.state.node if turn.state else None) == node, f"row {number}: {sent!r}"
    return turn


def test_declaration_transcript():
    turn = replay(INTAKE, [
        # phone sends                 gateway says         waits on
        ("(start)",                   ["ask.name"],        "name"),
        ("  Nguyen   Van A ",         ["ask.year"],        "year"),
        ("1980",                      ["ask.symptoms"],    "symptoms"),
        ("0",                         ["ask.contact"],     "contact"),
        ("khong",                     [],                  "lookup"),   # effect requested
        (Result("found", {"known": True}), ["ask.confirm"], "confirm"),
        ("1",                         ["say.done"],        None),
    ], answers={"phone": PHONE})
    assert turn.ended
    expected = {"phone": PHONE, "name": "Nguyen Van A", "year": 1980, "symptoms": (),
                "contact": "no", "known": True, "confirm": True}
    assert turn.outcomes == (Outcome("declaration", expected),)
    assert turn.say == (Say("say.done", expected),)


def test_an_effect_is_requested_with_its_arguments():
    turn = replay(INTAKE, [
        ("(start)", ["ask.name"], "name"),
        ("Tran Thi B", ["ask.year"], "year"),
        ("1990", ["ask.symptoms"], "symptoms"),
        ("1 3", [], "lookup"),     # symptoms: the branch skips the contact question
    ])
    assert turn.effect == engine.Effect("registry.lookup", {"name": "Tran Thi B", "year": 1990})
    assert turn.state.answers["symptoms"] == (1, 3)
    assert turn.outcomes == ()


def test_a_choice_routes_through_its_mapping_to_an_end_without_outcome():
    turn = replay(INTAKE, [
        ("(start)", ["ask.name"], "name"),
        ("An", ["ask.year"], "year"),
        ("2001", ["ask.symptoms"], "symptoms"),
        ("0", ["ask.contact"], "contact"),
        ("3", ["say.call_1022"], None),
    ])
    assert turn.ended and turn.outcomes == ()


def test_resume_routes_on_the_result_and_keeps_earlier_words():
    at_lookup = replay(INTAKE, [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year"),
                                ("2001", ["ask.symptoms"], "symptoms"), ("2", [], "lookup")])
    down = engine.resume(INTAKE, at_lookup.state, "down", say=(Say("otp.sent"),))
    assert down.ended and down.outcomes == ()
    assert [s.key for s in down.say] == ["otp.sent", "say.try_later"]   # earlier words first
    new = engine.resume(INTAKE, at_lookup.state, "new", {"registry_id": 7})
    assert new.state.node == "confirm"
    assert new.state.answers["registry_id"] == 7
    assert new.state.answers["symptoms"] == (2,)
    assert new.state.history == at_lookup.state.history


def test_confirming_no_starts_over_with_answers_kept_until_replaced():
    turn = replay(INTAKE, [
        ("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year"),
        ("2001", ["ask.symptoms"], "symptoms"), ("0", ["ask.contact"], "contact"),
        ("1", [], "lookup"), (Result("found"), ["ask.confirm"], "confirm"),
        ("2", ["ask.name"], "name"),
        ("Binh", ["ask.year"], "year"),
    ])
    assert turn.state.answers["name"] == "Binh"
    assert turn.state.answers["year"] == 2001


def test_invalid_answers_reprompt_with_the_reason_and_count_attempts():
    turn = replay(INTAKE, [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year")])
    first = engine.step(INTAKE, turn.state, "1800")
    assert [s.key for s in first.say] == ["invalid.year", "ask.year"]
    assert first.say[0].vars["earliest"] == 1900
    assert (first.state.node, first.state.attempts) == ("year", 1)
    second = engine.step(INTAKE, first.state, "nineteen eighty")
    assert second.state.attempts == 2
    assert second.state.answers == turn.state.answers     # nothing recorded
    valid = engine.step(INTAKE, second.state, "1980")
    assert (valid.state.node, valid.state.attempts) == ("symptoms", 0)


def test_too_many_attempts_ends_the_dialogue():
    state = replay(INTAKE, [("(start)", ["ask.name"], "name")]).state
    for _ in range(INTAKE.max_attempts - 1):
        state = engine.step(INTAKE, state, "A").state
    last = engine.step(INTAKE, state, "A")
    assert last.ended
    assert [s.key for s in last.say] == ["invalid.too_short", "dialogue.too_many_attempts"]
    assert last.outcomes == ()


def test_max_attempts_is_per_flow():
    strict = Flow("strict", "q", {"q": Ask("ask.q", YesNo(), next="end"), "end": End(None)},
                  max_attempts=1)
    turn = engine.step(strict, engine.start(strict).state, "maybe")
    assert turn.ended and turn.say[-1].key == "dialogue.too_many_attempts"


def test_back_returns_to_the_previous_question():
    turn = replay(INTAKE, [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year"),
                           ("2001", ["ask.symptoms"], "symptoms")])
    failed_once = engine.step(INTAKE, turn.state, "9")
    back = engine.back(INTAKE, failed_once.state)
    assert [s.key for s in back.say] == ["ask.year"]
    assert (back.state.node, back.state.history, back.state.attempts) == ("year", ("name",), 0)
    assert back.state.answers["year"] == 2001        # kept until answered again
    again = engine.back(INTAKE, back.state)
    assert again.state.node == "name" and again.state.history == ()
    first = engine.back(INTAKE, again.state)          # nothing before: ask again
    assert first.state == again.state and [s.key for s in first.say] == ["ask.name"]


def test_back_skips_over_actions():
    turn = replay(INTAKE, [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year"),
                           ("2001", ["ask.symptoms"], "symptoms"), ("4", [], "lookup"),
                           (Result("found"), ["ask.confirm"], "confirm")])
    assert engine.back(INTAKE, turn.state).state.node == "symptoms"


def test_prompt_repeats_the_question():
    state = replay(INTAKE, [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year")]).state
    turn = engine.prompt(INTAKE, state)
    assert turn.state == state and turn.say == (Say("ask.year", state.answers),)


def test_state_json_round_trip():
    turn = replay(INTAKE, [("(start)", ["ask.name"], "name"), ("Nguyễn An", ["ask.year"], "year"),
                           ("1980", ["ask.symptoms"], "symptoms"),
                           ("13", [], "lookup"), (Result("found", {"ids": {"cccd": "0"}}),
                                                  ["ask.confirm"], "confirm")],
                  answers={"phone": PHONE, "args": ["1234567"]})
    state = engine.step(INTAKE, turn.state, "maybe").state   # one failed attempt
    stored = json.loads(json.dumps(state.to_json()))
    assert State.from_json(stored) == state
    assert State.from_json(stored).answers["symptoms"] == (1, 3)
    assert State.from_json(stored).answers["args"] == ("1234567",)   # lists: tuples
    assert (state.attempts, state.history) == (1, ("name", "year", "symptoms"))


def test_to_json_is_a_copy():
    state = State("intake", "year", {"name": "An", "symptoms": (1,)})
    data = state.to_json()
    data["answers"]["name"] = "changed"
    assert state.answers["name"] == "An"


def test_from_json_tolerates_older_saved_states():
    state = State.from_json({"flow": "intake", "node": "name", "answers": {}})
    assert (state.attempts, state.history) == (0, ())


def test_a_branch_to_an_undeclared_node_raises():
    broken = Flow("broken", "q", {
        "q": Ask("ask.q", YesNo(), next=Branch(lambda answers: "elsewhere", ("end",))),
        "end": End(None),
    })
    with pytest.raises(FlowError, match=r"broken\.q branched to undeclared 'elsewhere'"):
        engine.step(broken, engine.start(broken).state, "1")


def test_an_answer_without_a_route_raises():
    broken = Flow("broken", "q", {"q": Ask("ask.q", MultiSelect(3), next={(): "end"}),
                                  "end": End(None)})
    state = engine.start(broken).state
    assert engine.step(broken, state, "0").ended
    with pytest.raises(FlowError, match=r"no route for answer \(1,\)"):
        engine.step(broken, state, "1")


def test_stepping_the_wrong_kind_of_node_raises():
    at_lookup = replay(INTAKE, [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year"),
                                ("2001", ["ask.symptoms"], "symptoms"), ("1", [], "lookup")])
    with pytest.raises(FlowError, match="does not wait for input"):
        engine.step(INTAKE, at_lookup.state, "1")
    with pytest.raises(FlowError, match="no route for result 'lost'"):
        engine.resume(INTAKE, at_lookup.state, "lost")
    with pytest.raises(FlowError, match="is not an action"):
        engine.resume(INTAKE, engine.start(INTAKE).state, "found")
    with pytest.raises(FlowError, match="has no node 'gone'"):
        engine.step(INTAKE, State("intake", "gone"), "1")


STATES = [replay(INTAKE, rows).state for rows in (
    [("(start)", ["ask.name"], "name")],
    [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year")],
    [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year"),
     ("2001", ["ask.symptoms"], "symptoms")],
    [("(start)", ["ask.name"], "name"), ("An", ["ask.year"], "year"),
     ("2001", ["ask.symptoms"], "symptoms"), ("0", ["ask.contact"], "contact")],
)]


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.node)
# unidecode loads a table per Unicode block on first use: no per-example deadline.
@settings(deadline=None)
@given(text=st.text(max_size=80))
def test_stepping_is_pure_and_never_fails_on_user_input(state, text):
    before = copy.deepcopy(state)
    turn = engine.step(INTAKE, state, text)
    assert state == before                                    # input not mutated
    assert engine.step(INTAKE, state, text) == turn           # same input, same output
    assert turn.say or turn.effect                            # an answer, or work to do
    if turn.state is not None and turn.state.node == state.node:
        assert turn.state.attempts == state.attempts + 1      # a refusal is counted


@pytest.mark.parametrize(("node", "text", "takes"), [
    ("name", "huy", True),          # free text: a name, never the HUY keyword
    ("name", "KB", True),
    ("confirm", "co", True),        # yes, not the CO keyword
    ("confirm", "kb", False),
    ("contact", "3", True),
    ("contact", "huy", False),
    ("lookup", "1", False),         # an action waits for no one
])
def test_takes_answer(node, text, takes):
    state = State("intake", node, {"name": "An", "year": 2001, "symptoms": ()})
    assert engine.takes_answer(INTAKE, state, text) is takes


def test_takes_answer_without_a_dialogue():
    assert engine.takes_answer(INTAKE, None, "1") is False
    assert engine.takes_answer(INTAKE, State("intake", "gone"), "1") is False
