"""The daily report inside dialogues: which case a phone reports for
(`report.context`), writing the day's report (outcome `report`, also the console's
report), and the danger-sign alert to the case's manager."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from gateway.actions.context import Context, Records
from gateway.days import local_date
from gateway.flows import report
from gateway.flows.messages import render
from gateway.flows.report_messages import ALERT_NAME_MAX
from gateway.phones import mask
from gateway.store import alerts
from gateway.store import quarantine as store
from gateway.store.models import QuarantineCase, utcnow

log = logging.getLogger(__name__)


def todays_case(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """The case the phone reports for today (found already by the router for a bare
    reply, or looked up), the channel, and the configured danger thresholds."""
    config = context.runtime.config
    day = local_date(utcnow(), config.tz)
    session = context.session
    case = session.get(QuarantineCase, args["case_id"]) if args.get("case_id") else (
        store.active_case(session, context.inbound.phone, day))
    if case is None:
        return "none", {}
    return "active", {"case_id": case.id, "channel": context.inbound.channel,
                      "danger_symptoms": list(config.danger_symptoms),
                      "danger_temperature": config.danger_temperature}


def record(context: Records, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Write (or amend) today's report; danger signs raise an alert on the case (see
    gateway.store.alerts) and text its manager at once. Returns the closing message's variables."""
    now = utcnow()
    tz = context.runtime.config.tz
    day = local_date(now, tz)
    session = context.session
    case = session.get(QuarantineCase, answers["case_id"])
    reading = report.reading(answers)
    signs = report.danger_signs(answers)
    saved, amended = store.record_report(
        session, case.id, day, symptoms=reading["symptoms"],
        temperature=reading["temperature"], danger=bool(signs),
        channel=context.inbound.channel, operator=answers.get("operator"),
        relation=answers.get("relation"), verified=answers.get("verified", True), now=now)
    if signs:
        alerts.raise_alert(session, case.id, saved.id, signs, now)
        alert(context, case, reading, day, now)
    return {"day": day.strftime("%d/%m"), "days_left": (case.end_date - day).days + 1,
            "verb_vi": "Da cap nhat" if amended else "Da ghi nhan",
            "verb_en": "Updated" if amended else "Recorded"}


def alert(context: Records, case: QuarantineCase, reading: Mapping[str, Any],
          day: date, now: datetime) -> None:
    """SMS the case's manager now (kind `alert`, high priority): who, their masked
    number, everything reported and when. The same report repeated that day alerts
    once; a report with other signs alerts again."""
    manager = store.manager_contact(context.session, case.manager_id)
    if manager is None or not manager.phone:
        log.warning("danger signs reported but the manager has no phone",
                    extra={"case_id": case.id, "manager_id": case.manager_id})
        return
    symptoms, temperature = tuple(reading["symptoms"]), reading["temperature"]
    body = render("quarantine.alert", manager.language, {
        # "-": a resident without a phone (added by a community team)
        "person": case.full_name[:ALERT_NAME_MAX], "masked": mask(case.phone) or "-",
        "report_vi": report.describe(symptoms, temperature, "vi"),
        "report_en": report.describe(symptoms, temperature, "en"),
        "time": now.astimezone(context.runtime.config.tz).strftime("%H:%M")})
    signature = "".join(map(str, symptoms)) + f"-{temperature}"
    context.send(manager.phone, body, kind="alert", priority="high",
                      dedup_key=f"alert:{case.id}:{day.isoformat()}:{signature}")
    log.info("danger-sign alert queued", extra={"case_id": case.id,
                                                "manager_id": case.manager_id})
