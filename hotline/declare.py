"""Declaring on a verified caller's behalf: the privacy notice the operator reads out
and the caller's answer (required; a refusal is recorded and ends the declaration with
nothing else kept), the form (from the versioned flow), the summary to read back, and
the record with its code, which the caller also gets by SMS. A visitor brought here by
venue staff is checked in once the record is made.

The record is written by the same code as an SMS or USSD declaration
(`gateway.actions.declarations.record`), with channel `hotline`; the console then sets the
operator.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, g, redirect, request, url_for
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.actions import consents as consenting
from gateway.actions import declarations as declaring
from gateway.flows.declaration import is_high_risk, self_declaration
from gateway.flows.engine import State
from gateway.flows.messages import render
from gateway.store import declarations, phones, venues
from gateway.store.models import Venue
from hotline import audit, calls, form
from hotline.auth import requires
from hotline.desk import Desk
from hotline.web import bp, page, t, unit
from hotline.web import language as console_language

FLOW = self_declaration
DECLARERS = ("operator", "venue_staff")
SUBMIT_KEY = "hotline:submit:{}"
SUBMIT_GUARD_SECONDS = 30
CONSENT = "consent"  # the form field (and answer) of the caller's answer to the notice
CONSENT_ANSWERS = ("agree", "refuse")


def _verified_or_start():
    call = calls.verified()
    if call is None:
        flash(t("call.verify_first"), "warning")
        start = "hotline.staff_home" if g.user.role == "venue_staff" else "hotline.call_start"
        return None, redirect(url_for(start))
    return call, None


def _posted() -> dict[str, Any]:
    return request.form.to_dict(flat=False)  # lists: a multi-select posts several


@bp.get("/declare")
@requires(*DECLARERS)
def declare_form():
    """The declaration form: blank, a returning caller's last identity, or the answers
    being corrected."""
    call, elsewhere = _verified_or_start()
    if elsewhere:
        return elsewhere
    if call.answers:
        values = form.texts(FLOW, _restore(call.answers))
    else:
        with unit() as db:
            previous = declarations.last_identity(db, call.phone)
            audit.record(db, g.user, "declaration.form", call.phone,
                         "prefilled" if previous else "blank")
        values = form.texts(FLOW, declaring.reuse(None, {"previous": previous})[1]) \
            if previous else {}
    reading = form.read(FLOW, values)
    given = (call.answers or {}).get(CONSENT, "")
    return page("declare.html", call=call, reading=reading, errors={}, **_notice(given))


def _notice(given: str) -> dict[str, Any]:
    """The notice to read out, whether the caller must answer it, and their answer."""
    config = runtime.current().config
    return {"notice": render(consenting.console_notice(config), console_language()),
            "ask_consent": not consenting.legal_basis_mode(config), "consent": given}


@bp.post("/declare")
@requires(*DECLARERS)
def declare_check():
    """Read the form with the flow's parsers; errors keep what was typed."""
    call, elsewhere = _verified_or_start()
    if elsewhere:
        return elsewhere
    posted = _posted()
    given = (posted.pop(CONSENT, None) or [""])[0]
    notice = _notice(given if given in CONSENT_ANSWERS else "")
    if notice["ask_consent"] and given == "refuse":
        return _refused(call)
    reading = form.read(FLOW, posted)
    errors = dict(reading.errors)
    if notice["ask_consent"] and given != "agree":
        errors[CONSENT] = t("declare.consent_required")
    if errors:
        return page("declare.html", 400, call=call, reading=reading, errors=errors, **notice)
    answers = {**reading.answers, CONSENT: "agree" if notice["ask_consent"] else "legal_basis"}
    call.answers = State(FLOW.name, form.FORM_STOP, answers).to_json()["answers"]
    calls.save(call)
    return redirect(url_for("hotline.declare_confirm"))


def _refused(call: calls.Call):
    """The caller said no: record only that (with the operator) and drop the form."""
    with unit() as db:
        desk = Desk(runtime.current(), db, call.phone)
        consenting.record_on_console(desk, "refuse", g.user.username, console_language())
        audit.record(db, g.user, "consent.refuse", call.phone)
    call.answers = None
    calls.save(call)
    flash(t("declare.consent_refused"), "warning")
    return redirect(url_for("hotline.staff_home" if g.user.role == "venue_staff"
                            else "hotline.caller"))


def _restore(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers back from JSON (lists become the parsers' tuples again)."""
    return State.from_json({"flow": FLOW.name, "node": form.FORM_STOP, "answers": answers}).answers


@bp.get("/declare/confirm")
@requires(*DECLARERS)
def declare_confirm():
    """The summary to read back to the caller before submitting (question 13)."""
    call, elsewhere = _verified_or_start()
    if elsewhere:
        return elsewhere
    if not call.answers:
        return redirect(url_for("hotline.declare_form"))
    answers = _restore(call.answers)
    reading = form.read(FLOW, form.texts(FLOW, answers))
    return page("confirm.html", call=call, reading=reading,
                high_risk=is_high_risk(answers))


@bp.post("/declare/submit")
@requires(*DECLARERS)
def declare_submit():
    """Write the declaration, text its code to the caller, check a visitor in."""
    call, elsewhere = _verified_or_start()
    if elsewhere:
        return elsewhere
    if not call.answers:
        return redirect(url_for("hotline.declare_form"))
    # A double click sends two requests: only the first may write the declaration.
    guard = SUBMIT_KEY.format(g.sid)
    if not runtime.current().redis.set(guard, 1, nx=True, ex=SUBMIT_GUARD_SECONDS):
        return redirect(url_for("hotline.declare_done"))
    try:
        call = calls.verified()  # again, under the guard: a first request may have ended
        if call is None or not call.answers:
            return redirect(url_for("hotline.declare_done"))
        result = _submit(call, {**_restore(call.answers), "verification": "otp"})
        call.answers, call.extra = None, {"declared": result}
        calls.save(call)
    finally:
        runtime.current().redis.delete(guard)
    return redirect(url_for("hotline.declare_done"))


def _submit(call: calls.Call, answers: dict[str, Any]) -> dict[str, Any]:
    """Write the record, queue its SMS, check a visitor in; what the done page shows."""
    with unit() as db:
        desk = Desk(runtime.current(), db, call.phone)
        # The answer heard before the form, recorded with the declaration it allows.
        consenting.record_on_console(desk, answers.get(CONSENT, "agree"), g.user.username,
                                     console_language())
        done = declaring.record(desk, answers)
        record = declarations.by_code(db, done["code"])
        record.operator = g.user.username
        audit.record(db, g.user, "declaration.create", call.phone, record.code)
        language = phones.get_or_create(db, call.phone).language
        key = "decl.done_high" if record.risk == "high" else "decl.done"
        desk.send(call.phone, render(key, language, done), kind="notice")
        result = {"code": record.code, "valid_until": done["valid_until"],
                  "risk": record.risk}
        if call.purpose == "visit" and call.venue_id:
            result.update(_check_in(db, call, record.id))
    return result


def _check_in(db: Session, call: calls.Call, declaration_id: int) -> dict[str, Any]:
    venue = db.get(Venue, call.venue_id)
    done = venues.check_in(db, venue, call.phone, channel="hotline", operator=g.user.username,
                           declaration_id=declaration_id, repeat_window=timedelta(
                               minutes=runtime.current().config.checkin_repeat_minutes))
    audit.record(db, g.user, "visit.create", call.phone, venue.code)
    return {"venue_name": venue.name, "visit_id": done.visit.id}


@bp.get("/declare/done")
@requires(*DECLARERS)
def declare_done():
    """The code to read back to the caller (they also get it by SMS)."""
    call = calls.verified()
    result = (call.extra or {}).get("declared") if call else None
    if result is None:
        return redirect(url_for("hotline.home"))
    return page("declared.html", call=call, result=result)
