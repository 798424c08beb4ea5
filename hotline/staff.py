"""Venue staff: check a visitor in at one of their venues by the visitor's phone and
the code the visitor reads back (`gateway.visits.staff_send_code` and
`staff_check_in`); a visitor without a valid declaration is declared for on the spot
and then checked in; and today's visitors."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from gateway import runtime
from gateway.phones import mask
from gateway.store import declarations
from gateway.store.models import Venue
from gateway.visits import staff_check_in
from hotline import accounts, audit, browse, calls
from hotline.auth import requires
from hotline.caller import code_problem, read_phone
from hotline.web import bp, page, t, unit


def _my_venues() -> list[Venue]:
    with unit() as db:
        return accounts.venues_of(db, g.user.id)


@bp.route("/staff", methods=["GET", "POST"])
@requires("venue_staff")
def staff_home():
    """Check a visitor in: the venue and the visitor's phone; the gateway texts them
    a code."""
    places = _my_venues()
    if request.method == "GET":
        return page("staff.html", venues=places, values={}, errors={})
    values = {"phone": request.form.get("phone", "").strip(),
              "venue": request.form.get("venue", "")}
    errors = {}
    venue = next((v for v in places if str(v.id) == values["venue"]), None)
    if venue is None:
        errors["venue"] = t("staff.choose_venue")
    _, phone, error = read_phone()
    if error:
        errors["phone"] = error
    if errors:
        return page("staff.html", 400, venues=places, values=values, errors=errors)
    refused = calls.send_code(phone, "visit", venue.id)
    if refused is not None:
        return page("staff.html", 429, venues=places, values=values,
                    errors={"phone": refused})
    return redirect(url_for("hotline.staff_code"))


@bp.route("/staff/code", methods=["GET", "POST"])
@requires("venue_staff")
def staff_code():
    """The code the visitor reads back; then the check-in, or the declaration first."""
    call = calls.current()
    places = {v.id: v for v in _my_venues()}
    if call is None or call.purpose != "visit" or call.venue_id not in places:
        return redirect(url_for("hotline.staff_home"))
    venue = places[call.venue_id]
    context = {"masked": mask(call.phone), "venue": venue}
    if request.method == "GET":
        return page("staff_code.html", values={}, errors={}, **context)
    code = request.form.get("code", "").strip()
    if not code:
        return page("staff_code.html", 400, values={}, errors={"code": t("error.required")},
                    **context)
    rt = runtime.current()
    with unit() as db:
        result = staff_check_in(db, rt.redis, rt.config, venue, call.phone, code,
                                g.user.username)
        audit.record(db, g.user, "visit.staff_check_in", call.phone,
                     f"{venue.code} {result.status}")
        if result.status == "no_declaration":
            calls.mark_verified(db, call)  # the code was right and is now used up
        visitor = _visitor(db, call.phone)
    if result.status in ("checked_in", "repeated"):
        calls.end()
        flash(t(f"staff.{result.status}", visitor=visitor, venue=venue.name), "success")
        return redirect(url_for("hotline.staff_home"))
    if result.status == "no_declaration":
        flash(t("staff.no_declaration"), "warning")
        return redirect(url_for("hotline.declare_form"))
    return page("staff_code.html", 400, values={"code": code},
                errors={"code": code_problem(result.status, result.tries_left)}, **context)


def _visitor(db, phone: str) -> str:
    """Who was checked in, for the staff member to confirm: the name of their valid
    declaration, if any, and the masked number."""
    declared = declarations.latest_valid(db, phone)
    if declared is not None and declared.full_name:
        return t("staff.visitor_named", name=declared.full_name, masked=mask(phone))
    return t("staff.visitor", masked=mask(phone))


@bp.get("/staff/visitors")
@requires("venue_staff")
def staff_visitors():
    """Today's check-ins at the staff member's venues, newest first, a page at a time."""
    return _visitors_page()


@bp.post("/staff/visitors/search")
@requires("venue_staff")
def staff_visitors_search():
    """Today's visitors narrowed by a posted search (a name or a phone's last digits)."""
    return _visitors_page()


def _visitors_page():
    places = _my_venues()
    term = browse.search()
    with unit() as db:
        result, _ = browse.page_of(db, "visitors", term)
        audit.record(db, g.user, "visits.list", term.phone,
                     "today at " + ", ".join(v.code for v in places) + "; "
                     + browse.described(term, result.total))
    return page("staff_visitors.html", result=result, rows=result.rows, venues=places,
                term=term, mask=mask)
