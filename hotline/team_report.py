"""A community team member records a resident's report for today.

For a resident with a phone, the hotline's way: the gateway texts the resident a
one-time code (the operator's limits apply to the member's account), the resident
reads it back, the member enters it; the verified call (`hotline.calls`, server-side,
never in a URL) is bound to that one resident and ends with the report. For a
resident without a phone, the member reports under their own account and names
their relation to the resident; the report is marked unverified.

Either way the answer is read by the daily-report flow's parser and written by the
same code as an SMS report (`gateway.actions.reports.record`), channel `team`,
operator the member, so danger signs alert the manager as over SMS. Every step is
audited: who reported for whom, and how it was verified.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from gateway import runtime
from gateway.actions import reports
from gateway.edge.inputs import INT_MAX
from gateway.flows.parsers import Invalid
from gateway.phones import mask
from gateway.quarantine import residents as rules
from gateway.store import residents as store
from gateway.store.models import HealthReport, QuarantineCase
from hotline import audit, calls, form
from hotline.auth import requires
from hotline.caller import code_problem
from hotline.desk import Desk
from hotline.report import PARSER, compose, symptom_options
from hotline.team import ROLE, team_area
from hotline.web import bp, page, t, today, unit

PURPOSE = "team"  # a call whose code a resident reads back to a community team member


def _resident(db, case_id: int, lock: bool = False) -> QuarantineCase:
    """The resident if they live in the member's area, else 404 (as for no such case)."""
    found = store.resident(db, team_area(db), case_id, today(), lock=lock) \
        if case_id <= INT_MAX else None
    if found is None:
        abort(404)
    return found


def _call_for(case: QuarantineCase) -> calls.Call | None:
    """The console's call, if it is this resident's and verified."""
    call = calls.verified()
    if (call is None or call.purpose != PURPOSE or call.phone != case.phone
            or call.extra.get("case_id") != case.id):
        return None
    return call


@bp.post("/team/residents/<int:case_id>/code")
@requires(ROLE)
def team_send_code(case_id: int):
    """Text the resident a code to read back; the member enters it next."""
    with unit() as db:
        case = _resident(db, case_id)
        phone = case.phone
    if phone is None:  # nothing to text: such a resident is reported for directly
        return redirect(url_for("hotline.team_report", case_id=case_id))
    refused = calls.send_code(phone, PURPOSE)
    if refused is not None:
        flash(refused, "error")
        return redirect(url_for("hotline.team_residents"))
    call = calls.current()
    call.extra = {"case_id": case_id}
    calls.save(call)
    return redirect(url_for("hotline.team_code"))


@bp.route("/team/code", methods=["GET", "POST"])
@requires(ROLE)
def team_code():
    """The code the resident reads back."""
    call = calls.current()
    if call is None or call.purpose != PURPOSE:
        return redirect(url_for("hotline.team_residents"))
    case_id = call.extra.get("case_id")
    if case_id is None:  # a call of this purpose is always bound to one resident
        calls.end()
        return redirect(url_for("hotline.team_residents"))
    if call.verified:
        return redirect(url_for("hotline.team_report", case_id=case_id))
    values, errors = {}, {}
    if request.method == "POST":
        values["code"] = request.form.get("code", "").strip()
        verdict = calls.verify_code(call, values["code"]) if values["code"] else None
        if verdict is not None and verdict.result == "ok":
            flash(t("team.verified"), "success")
            return redirect(url_for("hotline.team_report", case_id=case_id))
        errors["code"] = (code_problem(verdict.result, verdict.tries_left) if verdict
                          else t("error.required"))
    return page("call_code.html", 400 if errors else 200, masked=mask(call.phone),
                values=values, errors=errors, sent_key="team.code_sent",
                resend="hotline.team_resend", cancel="hotline.team_cancel",
                cancel_key="team.cancel")


@bp.post("/team/resend")
@requires(ROLE)
def team_resend():
    """Text the resident a new code (the first expired or was mistyped too often)."""
    call = calls.current()
    if call is None or call.purpose != PURPOSE:
        return redirect(url_for("hotline.team_residents"))
    case_id = call.extra.get("case_id")
    refused = calls.send_code(call.phone, PURPOSE)
    if refused is None:
        call = calls.current()
        call.extra = {"case_id": case_id}
        calls.save(call)
    flash(refused or t("call.code_resent"), "warning" if refused else "info")
    return redirect(url_for("hotline.team_code"))


@bp.post("/team/cancel")
@requires(ROLE)
def team_cancel():
    """Stop working for this resident: the console forgets the call."""
    calls.end()
    return redirect(url_for("hotline.team_residents"))


@bp.route("/team/residents/<int:case_id>/report", methods=["GET", "POST"])
@requires(ROLE)
def team_report(case_id: int):
    """Today's report of one resident: after their code (with a phone), or with the
    member's relation to them (without)."""
    with unit() as db:
        case = _resident(db, case_id)
        db.expunge(case)
    if case.phone is not None and _call_for(case) is None:
        flash(t("team.verify_first"), "warning")
        return redirect(url_for("hotline.team_residents"))
    context = {"case": case, "options": symptom_options(), "relations": rules.RELATIONS}
    if request.method == "GET":
        return page("team_report.html", values={"symptoms": []}, errors={}, **context)
    values = {"symptoms": request.form.getlist("symptoms"),
              "temperature": request.form.get("temperature", ""),
              "relation": request.form.get("relation", ""),
              "relation_other": request.form.get("relation_other", "")}
    errors, relation = {}, None
    answer = PARSER(compose(values["symptoms"], values["temperature"]))
    if isinstance(answer, Invalid):
        errors["symptoms"] = form.message(answer)
    if case.phone is None:
        try:
            relation = rules.relation(values["relation"], values["relation_other"])
        except rules.ResidentError:
            errors["relation"] = t("team.error.relation", max=rules.RELATION_MAX)
    if errors:
        return page("team_report.html", 400, values=values, errors=errors, **context)
    danger = _record(case, answer, relation)
    flash(t("report.recorded_danger" if danger else "team.reported", name=case.full_name),
          "warning" if danger else "success")
    return redirect(url_for("hotline.team_residents"))


def _record(case: QuarantineCase, answer, relation: str | None) -> bool:
    """Write today's report for the resident (and the audit entry); whether it carried
    danger signs. A phone's verified call ends with it: the next report needs a new code."""
    config = runtime.current().config
    with unit() as db:
        _resident(db, case.id, lock=True)  # still theirs, and one report at a time
        desk = Desk(runtime.current(), db, case.phone or "", channel=rules.CHANNEL)
        said = reports.record(desk, {
            "case_id": case.id, "report": answer, "operator": g.user.username,
            "relation": relation, "verified": case.phone is not None,
            "danger_symptoms": list(config.danger_symptoms),
            "danger_temperature": config.danger_temperature})
        how = (f"no phone, relation {relation}, not verified" if case.phone is None
               else "verified by the code read back")
        audit.record(db, g.user, "team.report", case.phone,
                     f"case {case.id}: {said['verb_en'].lower()}, {how}")
        danger = db.scalar(select(HealthReport.danger).where(
            HealthReport.case_id == case.id, HealthReport.report_date == today()))
    if case.phone is not None:
        calls.end()
    return bool(danger)
