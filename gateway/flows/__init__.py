"""Flows: the registry of dialogues, and which command opens which flow.

A new dialogue is one module in this package that defines a `Flow` and registers it
here with the command (keyword or menu entry) that opens it.
"""

from __future__ import annotations

from gateway.flows import menu
from gateway.flows.checks import check, message_keys
from gateway.flows.engine import Flow
from gateway.flows.messages import CATALOGUE

FLOWS: dict[str, Flow] = {}
COMMAND_FLOWS: dict[str, str] = {}


def problems(flow: Flow) -> list[str]:
    """What keeps a flow from being registered: `checks.check`'s problems, and
    messages it says that the catalogue does not define."""
    return check(flow) + [f"{flow.name}: message {key!r} is not defined"
                          for key in sorted(message_keys(flow)) if key not in CATALOGUE]


def register(flow: Flow, command: str | None = None) -> None:
    """Make `flow` available, opened by `command` if given. Broken flows are refused
    (ValueError listing every problem)."""
    found = problems(flow)
    if found:
        raise ValueError("; ".join(found))
    FLOWS[flow.name] = flow
    if command:
        COMMAND_FLOWS[command] = flow.name


def command_of(flow_name: str) -> str | None:
    """The command that opens a flow (to start it over)."""
    return next((c for c, name in COMMAND_FLOWS.items() if name == flow_name), None)


def for_command(command: str) -> Flow | None:
    """The flow a command opens, or None when that service is not available yet."""
    name = COMMAND_FLOWS.get(command)
    return FLOWS[name] if name else None


register(menu.menu)
register(menu.language, command="language")

from gateway.flows import (  # noqa: E402, F401
    checkin,
    consent,
    declaration,
    declaration_messages,
    exposure,
    isolation,
    privacy,
    report,
    report_messages,
    resume,
    status,
)

register(declaration.self_declaration, command="declare")
register(declaration.family_declaration, command="family")
register(status.status, command="status")
register(resume.resume)
register(report.report, command="report")
register(checkin.checkin, command="checkin")
register(checkin.checkout, command="checkout")
register(privacy.my_data, command="mydata")
register(privacy.erasure, command="erase")
register(exposure.exposure_answer, command="exposure_answer")
register(isolation.join_area, command="join_area")
