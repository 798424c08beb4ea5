"""Quarantine managers: their roster (searched and paged as `hotline.lists` declares it,
and a print view of all of it), enrolling a case, today's reports, alerts and
non-reporters, and the evening digest. Enrolling and the digest are the quarantine
service's own (`gateway.quarantine.enrol`, `gateway.quarantine.digest`); a manager
sees only the cases they manage, narrowed to their area when they are limited to one
(`gateway.store.areas`: today a case's area is its manager's, so the filter matters
for the locality roles to come that see other managers' cases), and enrols in a
facility only inside that area."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from gateway import runtime
from gateway.edge.inputs import whole_number
from gateway.phones import mask
from gateway.quarantine import digest
from gateway.quarantine.enrol import NAME_MAX, EnrolError, enrol, refusals
from gateway.store import areas
from gateway.store import quarantine as store
from gateway.store.models import HealthReport, QuarantineCase
from hotline import audit, browse, lists, paging
from hotline.auth import requires
from hotline.web import bp, health, language, page, t, today, unit

PRINT_MAX_ROWS = 5000  # a longer roster prints its first rows and says how many are left


@bp.get("/roster")
@requires("manager")
def roster():
    """The manager's active cases with today's report, alerts first, a page at a time."""
    return _roster_page()


@bp.post("/roster/search")
@requires("manager")
def roster_search():
    """The roster narrowed by a posted search (a name, a phone's last digits, a
    facility's code), a page at a time."""
    return _roster_page()


def _roster_page():
    term = browse.search()
    with unit() as db:
        result, viewer = browse.page_of(db, "roster", term)
        audit.record(db, g.user, "roster.view", term.phone,
                     browse.described(term, result.total))
    return page("roster.html", result=result, rows=result.rows, day=viewer.day, term=term,
                describe=_describe)


@bp.get("/roster/print")
@requires("manager")
def roster_print():
    """The whole roster on paper: every active case, no actions."""
    with unit() as db:
        viewer = browse.viewer(db)
        query = lists.LISTINGS["roster"].select(db, viewer, lists.Search())
        total = paging.count(db, query)
        rows = db.execute(query.limit(PRINT_MAX_ROWS)).all()
        audit.record(db, g.user, "roster.print", None, f"{total} rows")
    return page("roster_print.html", rows=rows, total=total, day=viewer.day,
                describe=_describe, printed=datetime.now(runtime.current().config.tz))


def _describe(report: HealthReport | None) -> str:
    if report is None:
        return ""
    return health(tuple(report.symptoms or ()), report.temperature)


def _date(text: str) -> date | None:
    """The day a date box sent: the picker's ISO form, or day/month/year typed into a
    browser that shows a plain text box."""
    text = text.strip()
    for read in (date.fromisoformat, lambda v: datetime.strptime(v, "%d/%m/%Y").date()):
        try:
            return read(text)
        except ValueError:
            continue
    return None


@bp.route("/roster/enrol", methods=["GET", "POST"])
@requires("manager")
def enrol_case():
    """Enrol a person; the quarantine service texts them how to report."""
    if request.method == "GET":
        return page("enrol.html", values={"start": today().isoformat(), "kind": "home"},
                    errors={})
    values = {k: request.form.get(k, "").strip()
              for k in ("phone", "name", "start", "end", "kind", "venue")}
    start, end = _date(values["start"]), _date(values["end"])
    errors = {}
    if start is None:
        errors["start"] = t("error.date")
    if end is None:
        errors["end"] = t("error.date")
    for refused in refusals(phone=values["phone"], name=values["name"], kind=values["kind"],
                            start=start, end=end):
        field, message = _form_error(refused.reason, values)
        errors[field] = message
    if not errors:
        try:
            with unit() as db:
                _check_facility(db, values["venue"])
                case = enrol(db, phone=values["phone"], name=values["name"],
                             manager=g.user.username, start=start, end=end,
                             kind=values["kind"], venue_code=values["venue"] or None,
                             channel="hotline", operator=g.user.username)
                audit.record(db, g.user, "case.enrol", case.phone, f"case {case.id}")
        except EnrolError as error:
            errors["form"] = str(error)
    if errors:
        return page("enrol.html", 400, values=values, errors=errors)
    flash(t("roster.enrolled", name=case.full_name), "success")
    return redirect(url_for("hotline.roster"))


def _check_facility(db, code: str) -> None:
    """Refuse a facility outside the manager's area (an unknown code is enrolment's
    own refusal)."""
    area = areas.of(db, user_id=g.user.id)
    facility = store.venue_by_code(db, code) if code and area else None
    if facility is not None and not area.covers(facility.province_code, facility.ward_code):
        raise EnrolError("venue", t("error.area_facility", area=area.describe()))


def _form_error(reason: str, values: dict[str, str]) -> tuple[str, str]:
    """Enrolment's refusal of a detail as the form shows it: (field, message)."""
    if reason == "phone":
        return "phone", t("error.phone") if values["phone"] else t("error.required")
    if reason == "name":
        return "name", t("error.name", max=NAME_MAX)
    if reason == "dates":
        return "end", t("error.end_before_start")
    return reason, t("error.required")  # the kind


@bp.post("/roster/case")
@requires("manager")
def change_case():
    """Extend one of the manager's cases to a new last day; closing goes on to the
    confirmation page (`case_page.case_close`)."""
    action, raw_id = request.form.get("action", ""), request.form.get("case", "")
    end = _date(request.form.get("end", "")) if action == "extend" else None
    with unit() as db:
        case = db.scalar(areas.limit(select(QuarantineCase).where(
            # An id the column cannot hold matches nothing, like an unknown one.
            QuarantineCase.id == (whole_number(raw_id) or -1),
            QuarantineCase.manager_id == g.user.id), QuarantineCase,
            areas.of(db, user_id=g.user.id)).with_for_update())
        if case is None:
            abort(404)
        if action == "close":  # closing asks for confirmation first (the case page's)
            return redirect(url_for("hotline.case_close", case_id=case.id))
        problem = None
        if action not in ("extend", "close"):
            problem = t("error.required")
        elif action == "extend" and end is None:
            problem = t("error.date")
        else:
            try:
                store.change_case(case, end_date=end, close=action == "close")
            except store.CaseChangeError as error:
                problem = t("error.end_before_start" if error.reason == "before_start"
                            else "roster.case_closed")
        if problem:
            flash(problem, "error")
            return redirect(url_for("hotline.roster"))
        audit.record(db, g.user, f"case.{action}", case.phone,
                     f"case {case.id}" + (f" until {end.isoformat()}" if end else ""))
        name = case.full_name
    if action == "extend":
        flash(t("roster.extended", name=name, end=end.strftime("%d/%m/%Y")), "success")
    else:
        flash(t("roster.closed", name=name), "success")
    return redirect(url_for("hotline.roster"))


@bp.get("/roster/today")
@requires("manager")
def roster_today():
    """Today's reports, alerts and non-reporters of the manager's cases."""
    day = today()
    with unit() as db:
        area = areas.of(db, user_id=g.user.id)
        reports = db.execute(areas.limit(
            select(HealthReport, QuarantineCase)
            .join(QuarantineCase, QuarantineCase.id == HealthReport.case_id)
            .where(QuarantineCase.manager_id == g.user.id, HealthReport.report_date == day)
            .order_by(HealthReport.danger.desc(), HealthReport.updated_at.desc()),
            QuarantineCase, area)).all()
        alerts = db.scalars(areas.limit(select(QuarantineCase).where(
            QuarantineCase.manager_id == g.user.id, QuarantineCase.status == "active",
            QuarantineCase.alert.is_(True)).order_by(QuarantineCase.id), QuarantineCase,
            area)).all()
        data = digest.build(db, g.user.id, day)
        audit.record(db, g.user, "reports.view", None, f"{day.isoformat()}")
    return page("roster_today.html", day=day, reports=reports, alerts=alerts, data=data,
                describe=_describe)


@bp.get("/roster/digest")
@requires("manager")
def roster_digest():
    """Today's digest: the counts and lists, and the SMS as it is sent at evening."""
    day = today()
    rt = runtime.current()
    with unit() as db:
        data = digest.build(db, g.user.id, day)
        audit.record(db, g.user, "digest.view", None, day.isoformat())
    sms = digest.text(data, language(), digest.console_pointer(rt, language()))
    return page("digest.html", day=day, data=data, sms=sms, mask=mask,
                describe=lambda p: health(p.symptoms, p.temperature))
