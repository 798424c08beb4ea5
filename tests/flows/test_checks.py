"""`check` on every registered flow and on deliberately broken ones (each kind of
problem it catches), and `register` refusing a broken flow."""

from __future__ import annotations

import pytest

from gateway import flows
from gateway.flows.checks import check
from gateway.flows.engine import Act, Ask, Branch, End, Flow
from gateway.flows.parsers import Choice, FreeText, YesNo
from tests.flows.intake import INTAKE


@pytest.mark.parametrize("name", sorted(flows.FLOWS))
def test_every_registered_flow_passes_check(name):
    flow = flows.FLOWS[name]
    assert check(flow) == []
    assert flows.problems(flow) == []


def test_the_intake_flow_passes_check():
    assert check(INTAKE) == []


def end() -> End:
    return End(None)


@pytest.mark.parametrize(("nodes", "start", "problems"), [
    ({"a": end()}, "nope",
     ["f: start node 'nope' does not exist", "f.a: unreachable"]),
    ({"a": Ask("p", FreeText(), next="b")}, "a",
     ["f.a: target 'b' does not exist", "f.a: never reaches an end"]),
    ({"a": Ask("p", YesNo(), next={True: "z", False: "e"}), "e": end()}, "a",
     ["f.a: target 'z' does not exist"]),
    ({"a": Ask("p", FreeText(), next=Branch(lambda _: "e", ("e", "z"))), "e": end()}, "a",
     ["f.a: target 'z' does not exist"]),
    ({"a": Act("x", next={"ok": "z"}), "e": end()}, "a",
     ["f.a: target 'z' does not exist", "f.e: unreachable", "f.a: never reaches an end"]),
    ({"a": Ask("p", FreeText(), next=None), "e": end()}, "a",
     ["f.a: leads nowhere", "f.e: unreachable", "f.a: never reaches an end"]),
    ({"a": Act("x", next={}), "e": end()}, "a",
     ["f.a: leads nowhere", "f.e: unreachable", "f.a: never reaches an end"]),
    ({"a": Ask("p", YesNo(), next={True: "e"}), "e": end()}, "a",
     ["f.a: no route for answer False"]),
    ({"a": Ask("p", Choice({"1": "x"}, aliases={"why": "y"}), next={"x": "e"}), "e": end()},
     "a", ["f.a: no route for answer 'y'"]),
    ({"a": Ask("p", FreeText(), next="b"), "b": Ask("q", FreeText(), next="a"),
      "e": end()}, "a",
     ["f.e: unreachable", "f.a: never reaches an end", "f.b: never reaches an end"]),
    ({"a": Ask("p", FreeText(), next="e"), "e": end(), "orphan": Ask("q", YesNo(), next="e")},
     "a", ["f.orphan: unreachable"]),
])
def test_check_finds_each_kind_of_problem(nodes, start, problems):
    assert check(Flow("f", start, nodes)) == problems


def test_register_refuses_a_broken_flow_and_unknown_messages():
    broken = Flow("f", "a", {"a": Ask("no.such.prompt", YesNo(), next={True: "e"}),
                             "e": End("help")})
    with pytest.raises(ValueError) as refused:
        flows.register(broken)
    assert str(refused.value) == ("f.a: no route for answer False; "
                                  "f: message 'no.such.prompt' is not defined")
    assert "f" not in flows.FLOWS
