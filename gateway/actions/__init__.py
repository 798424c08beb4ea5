"""What the gateway does with a flow's effects and outcomes, as two explicit tables.

Flows only name them (`Act(effect="otp.send")`, `End(outcome="language")`); the
handlers, one module per capability, do the I/O inside the turn's transaction. An
effect handler returns the result the flow routes on and data to add to the answers;
an outcome handler may return variables for the closing message (e.g. the
declaration code) or, for a flow that hands over to another, the `Entry` to enter.
Handlers take a `context.Context`, never the dialogue's conversation.

A flow naming an effect or outcome missing here is found at start-up (`missing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gateway.actions import (
    checkins,
    consents,
    declarations,
    entering,
    exposures,
    isolation,
    phone,
    privacy,
    reports,
    verification,
)
from gateway.actions.context import Context, EffectHandler
from gateway.actions.entering import Entry
from gateway.flows.checks import effects_named, outcomes_named
from gateway.flows.engine import Flow

OutcomeHandler = Callable[[Context, Mapping[str, Any]], Mapping[str, Any] | Entry | None]

EFFECTS: dict[str, EffectHandler] = {
    "checkin.venue": checkins.find_venue,
    "checkin.declaration": checkins.has_declaration,
    "checkin.record": checkins.record,
    "checkout.close": checkins.close,
    "consent.check": consents.check,
    "consent.record": consents.record_answer,
    "declaration.context": declarations.before_form,
    "declaration.reuse": declarations.reuse,
    "status.lookup": declarations.status,
    "otp.send": verification.send_code,
    "otp.verify": verification.check_code,
    "report.context": reports.todays_case,
    # issue 15 data-subject requests
    "privacy.summary": privacy.summary,
    "erasure.context": privacy.open_erasure,
    "erasure.scope": privacy.scope,
    # issue 17 exposure notification
    "exposure.context": exposures.context,
    # issue 17 area quarantine: KV <code>
    "area.join": isolation.join,
}

OUTCOMES: dict[str, OutcomeHandler] = {
    "open": entering.menu_entry,
    "resume": entering.resume,
    "restart": entering.restart,
    "language": phone.set_language,
    "consent_refusal": consents.refused,
    "declaration": declarations.record,
    "visit": checkins.record_after_declaring,
    "report": reports.record,
    "erasure": privacy.record_erasure,
    # issue 17 exposure notification: the answer, then the report or a declaration
    "exposure_answer": exposures.record,
    "exposure_report": exposures.report,
    "exposure_declare": exposures.declare,
}


def missing(flows: Iterable[Flow]) -> list[str]:
    """Every effect and outcome that one of `flows` names and no handler handles, as
    'flow: effect 'name' has no handler' lines (empty when all are handled)."""
    problems = []
    for flow in flows:
        problems += [f"{flow.name}: effect {name!r} has no handler"
                     for name in sorted(effects_named(flow)) if name not in EFFECTS]
        problems += [f"{flow.name}: outcome {kind!r} has no handler"
                     for kind in sorted(outcomes_named(flow)) if kind not in OUTCOMES]
    return problems
