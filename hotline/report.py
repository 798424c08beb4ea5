"""Today's quarantine report, recorded by an operator for a verified caller with an
active case. The answer is read by the daily-report flow's own parser and written by
the same code as an SMS report (`gateway.actions.reports.record`), so danger signs
alert the manager exactly as they would over SMS."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from gateway import runtime
from gateway.actions import reports
from gateway.flows.parsers import Invalid
from gateway.flows.report import SYMPTOMS, report
from gateway.store import quarantine as cases
from gateway.store.models import HealthReport
from hotline import audit, calls, form
from hotline.auth import requires
from hotline.desk import Desk
from hotline.web import bp, page, symptom, t, today, unit

PARSER = report.nodes["report"].parse  # the SMS answer `SK 1 3 38.5` is read by this


def symptom_options() -> list[tuple[str, str]]:
    """The report form's checkboxes: `0` none, then each symptom of the daily report in
    the console's language (the hotline's and a community team's form alike)."""
    return [("0", t("option.none"))] + [(str(n), symptom(n)) for n in SYMPTOMS]


def compose(symptoms: list[str], temperature: str) -> str:
    """The form's answers as the text an SMS report would carry: '1 3 38.5'."""
    return " ".join([*(s for s in symptoms if s.strip()), temperature.strip()]).strip()


@bp.route("/caller/report", methods=["GET", "POST"])
@requires("operator")
def caller_report():
    """Record (or amend) today's report of the caller's active case."""
    call = calls.verified()
    if call is None:
        flash(t("call.verify_first"), "warning")
        return redirect(url_for("hotline.call_start"))
    day = today()
    with unit() as db:
        case = cases.active_case(db, call.phone, day)
        if request.method == "GET":
            audit.record(db, g.user, "report.form", call.phone,
                         f"case {case.id}" if case else "no active case")
    context = {"call": call, "case": case, "options": symptom_options()}
    if case is None or request.method == "GET":
        return page("caller_report.html", values={"symptoms": []}, errors={}, **context)
    values = {"symptoms": request.form.getlist("symptoms"),
              "temperature": request.form.get("temperature", "")}
    answer = PARSER(compose(values["symptoms"], values["temperature"]))
    if isinstance(answer, Invalid):
        return page("caller_report.html", 400, values=values,
                    errors={"symptoms": form.message(answer)}, **context)
    config = runtime.current().config
    with unit() as db:
        desk = Desk(runtime.current(), db, call.phone)
        said = reports.record(desk, {"case_id": case.id, "report": answer,
                                     "danger_symptoms": list(config.danger_symptoms),
                                     "danger_temperature": config.danger_temperature})
        written = db.scalar(select(HealthReport).where(HealthReport.case_id == case.id,
                                                       HealthReport.report_date == day))
        written.operator = g.user.username
        audit.record(db, g.user, "report.create", call.phone,
                     f"case {case.id}: {said['verb_en'].lower()}")
    flash(t("report.recorded_danger" if written.danger else "report.recorded"),
          "warning" if written.danger else "success")
    return redirect(url_for("hotline.caller"))
