"""Entering a flow: which flow comes next when one flow hands over to another.

The router decides what a message means and names the flow it opens as an `Entry`;
a flow that hands over (a USSD menu entry, '1 continue / 2 start over' of an
unfinished form) ends with one of the outcomes below, whose handler names the
`Entry` the same way. The conversation enters every `Entry` one way
(`Conversation.enter`), so there is no other place that picks the next flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.actions.context import Records


@dataclass(frozen=True)
class Entry:
    """The flow to enter: the one `command` opens, started afresh with `answers`, or,
    with `saved`, a kept state (JSON) continued where it stopped."""

    command: str = ""
    answers: Mapping[str, Any] = field(default_factory=dict)
    saved: Mapping[str, Any] | None = None


def menu_entry(context: Records, answers: Mapping[str, Any]) -> Entry:
    """Outcome `open`: the USSD menu hands over to the flow of the entry chosen."""
    return Entry(answers["menu"])


def resume(context: Records, answers: Mapping[str, Any]) -> Entry:
    """Outcome `resume`: continue an unfinished form where it stopped."""
    return Entry(saved=answers["saved"])


def restart(context: Records, answers: Mapping[str, Any]) -> Entry:
    """Outcome `restart`: start an unfinished form over."""
    return Entry(answers["command"])
