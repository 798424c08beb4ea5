"""A small intake flow the engine, check and table tests share: free text, a year, a
multi-select, a branch, a choice with aliases, an action and a confirmation."""

from __future__ import annotations

from typing import Any

from gateway.flows.engine import Act, Ask, Branch, End, Flow
from gateway.flows.parsers import Choice, FreeText, MultiSelect, Year, YesNo


def screening(answers: dict[str, Any]) -> str:
    """Anyone with symptoms goes straight to the lookup; the others are asked about
    contact first."""
    return "lookup" if answers["symptoms"] else "contact"


INTAKE = Flow(
    name="intake",
    start="name",
    nodes={
        "name": Ask("ask.name", FreeText(), next="year"),
        "year": Ask("ask.year", Year(), next="symptoms"),
        "symptoms": Ask("ask.symptoms", MultiSelect(6),
                        next=Branch(screening, ("contact", "lookup"))),
        "contact": Ask("ask.contact", Choice({"1": "yes", "2": "no", "3": "unsure"},
                                             aliases={"co": "yes", "khong": "no"}),
                       next={"yes": "lookup", "no": "lookup", "unsure": "advice"}),
        "lookup": Act("registry.lookup", next={"found": "confirm", "new": "confirm",
                                               "down": "failed"},
                      args=lambda answers: {"name": answers["name"], "year": answers["year"]}),
        "confirm": Ask("ask.confirm", YesNo(), next={True: "done", False: "name"}),
        "done": End("say.done", outcome="declaration"),
        "advice": End("say.call_1022"),
        "failed": End("say.try_later"),
    },
)
