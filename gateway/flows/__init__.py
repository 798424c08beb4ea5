"""Flows: the registry of dialogues, and which command opens which flow.

A new dialogue is one module in this package that defines a `Flow` and registers it
here with the command (keyword or menu entry) that opens it.
"""

from __future__ import annotations

from gateway.flows import menu
from gateway.flows.engine import Flow, check

FLOWS: dict[str, Flow] = {}
COMMAND_FLOWS: dict[str, str] = {}


def register(flow: Flow, command: str | None = None) -> None:
    """Make `flow` available, opened by `command` if given. Broken flows are refused."""
    problems = check(flow)
    if problems:
        raise ValueError("; ".join(problems))
    FLOWS[flow.name] = flow
    if command:
        COMMAND_FLOWS[command] = flow.name


def for_command(command: str) -> Flow | None:
    """The flow a command opens, or None when that service is not available yet."""
    name = COMMAND_FLOWS.get(command)
    return FLOWS[name] if name else None


register(menu.menu)
register(menu.language, command="language")
