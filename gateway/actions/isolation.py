"""`KV <code>` inside dialogues: the effect `area.join`, which makes the phone a
resident of the isolation area with that code (gateway/quarantine/isolation.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.actions.context import Context
from gateway.codes import parse_area_code
from gateway.days import local_date
from gateway.quarantine import isolation
from gateway.store import declarations
from gateway.store import isolation as areas
from gateway.store.models import utcnow


def join(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """Join the area of the code given: joined, already (in this area), own_case (the
    phone is followed on a case of its own), unknown, lifted or bad_code. The name is
    the phone's latest declaration's, if it has one."""
    code = parse_area_code(args["code"])
    if code is None:
        return "bad_code", {}
    session, phone = context.session, context.inbound.phone
    area = areas.by_code(session, code)
    if area is None:
        return "unknown", {"code": code}
    day = local_date(utcnow(), context.runtime.config.tz)
    if area.status != "active" or area.end_date < day:
        return "lifted", {"code": code}
    last = declarations.last_identity(session, phone)
    done = isolation.enter(session, area, phone=phone,
                           full_name=last["full_name"] if last else "",
                           channel=context.inbound.channel, day=day, welcome=False)
    shown = {"code": code, "end": done.case.end_date.strftime("%d/%m/%Y")}
    if done.created:
        return "joined", shown
    return ("already" if done.case.area_id == area.id else "own_case"), shown
