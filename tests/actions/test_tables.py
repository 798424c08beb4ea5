"""The action tables: every effect and outcome a shipped flow names has a handler, a
flow naming one that does not is reported by `actions.missing`, and the app refuses
to start with such a flow registered. Handlers get a `Context` (the dialogue's
conversation) or `Records` (the console's desk)."""

from __future__ import annotations

import pytest

from gateway import actions, create_app, flows
from gateway import runtime as runtimes
from gateway.actions.context import Caller, Context, Records
from gateway.config import Config
from gateway.flows.checks import effects_named, outcomes_named
from gateway.flows.engine import Act, End, Flow
from gateway.flows.messages import Template
from hotline.desk import Desk
from tests.conftest import Phone

TYPO = Flow("typo", "look", {
    "look": Act("chekin.venue", {"found": "done", "none": "also"}),
    "done": End(None, outcome=("declaration", "vsit")),
    "also": End(None, outcome="language"),
})


@pytest.mark.parametrize("name", sorted(flows.FLOWS))
def test_every_shipped_flow_has_its_handlers(name):
    assert actions.missing([flows.FLOWS[name]]) == []


def test_the_tables_name_only_what_some_flow_uses():
    """No dead entries: each handler is named by a shipped flow."""
    shipped = flows.FLOWS.values()
    assert set(actions.EFFECTS) == set().union(*(effects_named(f) for f in shipped))
    assert set(actions.OUTCOMES) == set().union(*(outcomes_named(f) for f in shipped))


def test_unknown_effects_and_outcomes_are_reported():
    assert actions.missing([TYPO]) == ["typo: effect 'chekin.venue' has no handler",
                                       "typo: outcome 'vsit' has no handler"]


def test_the_app_refuses_to_start_with_an_unhandled_name(monkeypatch):
    monkeypatch.setitem(flows.FLOWS, TYPO.name, TYPO)
    with pytest.raises(RuntimeError) as refused:
        create_app(Config(database_url="sqlite://", redis_url="memory://"))
    assert str(refused.value) == ("flows name actions with no handler: typo: effect "
                                  "'chekin.venue' has no handler; typo: outcome 'vsit' "
                                  "has no handler")


PEEK = Flow("test_peek", "look", {"look": Act("test.peek", {"ok": "done"}),
                                  "done": End("test.peek.done", outcome="test.peek")})


def test_handlers_get_a_context_and_the_console_a_desk(app, client, monkeypatch,
                                                       install_flow):
    seen = []

    def peek(context, _args):
        seen.append(context)
        return "ok", {}

    monkeypatch.setitem(actions.EFFECTS, "test.peek", peek)
    monkeypatch.setitem(actions.OUTCOMES, "test.peek", lambda context, _: seen.append(context))
    install_flow(PEEK, "declare", {"test.peek.done": Template("Xong.", "Done.")})
    assert Phone(client).sms("KB") == "Xong."
    assert len(seen) == 2 and all(isinstance(c, Context) for c in seen)
    assert isinstance(seen[0].inbound, Caller)
    runtime = runtimes.of(app)
    with runtime.sessions() as session:
        desk = Desk(runtime, session, "+84912345678")
        assert isinstance(desk, Records) and isinstance(desk.inbound, Caller)
