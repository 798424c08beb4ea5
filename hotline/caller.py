"""An operator's call: the caller's phone, the code they read back, then what the
console may show and do for a verified caller (their records, a check-in by venue
code). Phone numbers travel only in POST bodies and the server-side call state."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, g, redirect, request, url_for
from sqlalchemy import or_, select

from gateway import runtime
from gateway.codes import parse_venue_code
from gateway.phones import InvalidPhone, mask, normalise
from gateway.store import declarations, venues
from gateway.store.models import Declaration, HealthReport, QuarantineCase, Venue, Visit
from hotline import audit, calls
from hotline.auth import requires
from hotline.web import bp, page, t, tn, unit

SHOWN = 10


def read_phone(field: str = "phone") -> tuple[str, str | None, str | None]:
    """(what was typed, the E.164 number or None, the error or None)."""
    typed = request.form.get(field, "").strip()
    if not typed:
        return typed, None, t("error.required")
    try:
        return typed, normalise(typed), None
    except InvalidPhone:
        return typed, None, t("error.phone")


def code_problem(verdict_result: str, tries_left: int | None) -> str:
    """What a refused code means for the person at the console."""
    if verdict_result == "wrong":
        return tn("call.code_wrong", tries_left or 0, tries=tries_left or 0)
    return t(f"call.code_{verdict_result}")


@bp.route("/call", methods=["GET", "POST"])
@requires("operator")
def call_start():
    """Start a call: the caller's phone; the gateway texts them a code."""
    if request.method == "GET":
        return page("call_start.html", call=calls.current(), values={}, errors={})
    typed, phone, error = read_phone()
    if error:
        return page("call_start.html", 400, call=None, values={"phone": typed},
                    errors={"phone": error})
    refused = calls.send_code(phone, "call")
    if refused is not None:
        return page("call_start.html", 429, call=None, values={"phone": typed},
                    errors={"phone": refused})
    return redirect(url_for("hotline.call_code"))


@bp.route("/call/code", methods=["GET", "POST"])
@requires("operator")
def call_code():
    """The code the caller reads back."""
    call = calls.current()
    if call is None or call.purpose != "call":
        return redirect(url_for("hotline.call_start"))
    if call.verified:
        return redirect(url_for("hotline.caller"))
    masked = mask(call.phone)
    if request.method == "GET":
        return page("call_code.html", masked=masked, values={}, errors={})
    code = request.form.get("code", "").strip()
    verdict = calls.verify_code(call, code) if code else None
    if verdict is None or verdict.result != "ok":
        error = code_problem(verdict.result, verdict.tries_left) if verdict else t(
            "error.required")
        return page("call_code.html", 400, masked=masked, values={"code": code},
                    errors={"code": error})
    flash(t("call.verified"), "success")
    return redirect(url_for("hotline.caller"))


@bp.post("/call/resend")
@requires("operator", "venue_staff")
def call_resend():
    """Send the caller a new code (the first expired or was mistyped too often)."""
    call = calls.current()
    if call is None:
        return redirect(url_for("hotline.home"))
    refused = calls.send_code(call.phone, call.purpose, call.venue_id)
    flash(refused or t("call.code_resent"), "warning" if refused else "info")
    target = "hotline.call_code" if call.purpose == "call" else "hotline.staff_code"
    return redirect(url_for(target))


@bp.post("/call/end")
@requires("operator", "venue_staff")
def call_end():
    """Hang up: the console forgets the caller."""
    calls.end()
    flash(t("call.ended"), "info")
    return redirect(url_for("hotline.home"))


@bp.get("/caller")
@requires("operator")
def caller():
    """A verified caller's declarations, visits and quarantine."""
    call = calls.verified()
    if call is None:
        flash(t("call.verify_first"), "warning")
        return redirect(url_for("hotline.call_start"))
    with unit() as db:
        mine = or_(Declaration.subject_phone == call.phone,
                   Declaration.declarer_phone == call.phone)
        made = db.scalars(select(Declaration).where(mine)
                          .order_by(Declaration.created_at.desc()).limit(SHOWN)).all()
        visits = db.execute(select(Visit, Venue).join(Venue, Venue.id == Visit.venue_id)
                            .where(Visit.phone == call.phone)
                            .order_by(Visit.checked_in_at.desc()).limit(SHOWN)).all()
        cases = db.scalars(select(QuarantineCase).where(QuarantineCase.phone == call.phone)
                           .order_by(QuarantineCase.id.desc()).limit(SHOWN)).all()
        reports = {case.id: db.scalars(select(HealthReport)
                                       .where(HealthReport.case_id == case.id)
                                       .order_by(HealthReport.report_date.desc())
                                       .limit(3)).all() for case in cases}
        valid = declarations.latest_valid(db, call.phone)
        audit.record(db, g.user, "caller.view", call.phone, "declarations, visits, quarantine")
    return page("caller.html", call=call, declarations=made, visits=visits, cases=cases,
                reports=reports, valid=valid)


@bp.route("/caller/checkin", methods=["GET", "POST"])
@requires("operator")
def caller_checkin():
    """Check the verified caller in at a venue by its code."""
    call = calls.verified()
    if call is None:
        flash(t("call.verify_first"), "warning")
        return redirect(url_for("hotline.call_start"))
    if request.method == "GET":
        return page("caller_checkin.html", call=call, values={}, errors={})
    typed = request.form.get("code", "").strip()
    code = parse_venue_code(typed)
    with unit() as db:
        venue = venues.by_code(db, code) if code else None
        error = (t("error.required") if not typed else t("checkin.bad_code") if code is None
                 else t("checkin.unknown", code=code) if venue is None else None)
        declaration = declarations.latest_valid(db, call.phone) if venue else None
        if venue is not None and declaration is None:
            error = t("checkin.no_declaration")
        if error:
            return page("caller_checkin.html", 400, call=call, values={"code": typed},
                        errors={"code": error})
        done = venues.check_in(db, venue, call.phone, channel="hotline",
                               operator=g.user.username, declaration_id=declaration.id,
                               repeat_window=timedelta(
                                   minutes=runtime.current().config.checkin_repeat_minutes))
        audit.record(db, g.user, "visit.create", call.phone, venue.code)
        key = "checkin.repeated" if done.repeated else "checkin.done"
        flash(t(key, venue=venue.name), "success")
    return redirect(url_for("hotline.caller"))
