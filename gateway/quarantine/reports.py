"""The daily report inside dialogues: which case a phone reports for
(`report.context`), writing the day's report (outcome `report`), the danger-sign
alert to the case's manager, and the hook that takes a bare SMS from a phone in
quarantine as that day's report."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from gateway.flows import report
from gateway.flows.engine import Say
from gateway.flows.messages import render
from gateway.flows.report_messages import ALERT_NAME_MAX
from gateway.outcomes import effect, outcome
from gateway.phones import mask
from gateway.quarantine import local_date
from gateway.store import quarantine as store
from gateway.store.models import QuarantineCase, utcnow

if TYPE_CHECKING:
    from gateway.dialogue import Conversation

log = logging.getLogger(__name__)


def bare_reply(conversation: Conversation) -> list[Say]:
    """A message that is no keyword, with no dialogue open, from a phone with an
    active case is that day's report (a reply to the reminder). One query; nothing
    to say (an empty list) for any other phone."""
    day = local_date(utcnow(), conversation.runtime.config.tz)
    case = store.active_case(conversation.session, conversation.inbound.phone, day)
    if case is None:
        return []
    return conversation.open("report", {"rest": conversation.inbound.text, "case_id": case.id})


@effect("report.context")
def context(conversation: Conversation, args: Mapping[str, Any]) -> tuple[str, dict]:
    """The case the phone reports for today (found already by `bare_reply`, or looked
    up), the channel, and the configured danger thresholds."""
    config = conversation.runtime.config
    day = local_date(utcnow(), config.tz)
    session = conversation.session
    case = session.get(QuarantineCase, args["case_id"]) if args.get("case_id") else (
        store.active_case(session, conversation.inbound.phone, day))
    if case is None:
        return "none", {}
    return "active", {"case_id": case.id, "channel": conversation.inbound.channel,
                      "danger_symptoms": list(config.danger_symptoms),
                      "danger_temperature": config.danger_temperature}


@outcome("report")
def record(conversation: Conversation, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Write (or amend) today's report; danger signs mark the case and alert its
    manager at once. Returns the closing message's variables."""
    now = utcnow()
    tz = conversation.runtime.config.tz
    day = local_date(now, tz)
    session = conversation.session
    case = session.get(QuarantineCase, answers["case_id"])
    reading = report.reading(answers)
    signs = report.danger_signs(answers)
    _, amended = store.record_report(
        session, case.id, day, symptoms=reading["symptoms"],
        temperature=reading["temperature"], danger=bool(signs),
        channel=conversation.inbound.channel, now=now)
    if signs:
        store.mark_alert(session, case.id)
        alert(conversation, case, reading, day, now)
    return {"day": day.strftime("%d/%m"), "days_left": (case.end_date - day).days + 1,
            "verb_vi": "Da cap nhat" if amended else "Da ghi nhan",
            "verb_en": "Updated" if amended else "Recorded"}


def alert(conversation: Conversation, case: QuarantineCase, reading: Mapping[str, Any],
          day: date, now: datetime) -> None:
    """SMS the case's manager now (kind `alert`, high priority): who, their masked
    number, everything reported and when. The same report repeated that day alerts
    once; a report with other signs alerts again."""
    manager = store.manager_contact(conversation.session, case.manager_id)
    if manager is None or not manager.phone:
        log.warning("danger signs reported but the manager has no phone",
                    extra={"case_id": case.id, "manager_id": case.manager_id})
        return
    symptoms, temperature = tuple(reading["symptoms"]), reading["temperature"]
    body = render("quarantine.alert", manager.language, {
        "person": case.full_name[:ALERT_NAME_MAX], "masked": mask(case.phone),
        "report_vi": report.describe(symptoms, temperature, "vi"),
        "report_en": report.describe(symptoms, temperature, "en"),
        "time": now.astimezone(conversation.runtime.config.tz).strftime("%H:%M")})
    signature = "".join(map(str, symptoms)) + f"-{temperature}"
    conversation.send(manager.phone, body, kind="alert", priority="high",
                      dedup_key=f"alert:{case.id}:{day.isoformat()}:{signature}")
    log.info("danger-sign alert queued", extra={"case_id": case.id,
                                                "manager_id": case.manager_id})
