"""A quarantine case's page: the person, dates, place and status; every day of the
case with its report or the day missed; the temperature chart and the symptom grid;
the alerts, each cleared by the manager with a note; and closing (after a
confirmation step) or reopening the case.

Who sees a case: its manager, an administrator and a health officer of the case's
area; each only inside their area when limited to one (`gateway.store.areas`, as the
roster and the dashboard; a health officer always is). Anyone else gets a 404, as for
a case that does not exist. Only the case's manager acts on it (clears an alert,
closes, reopens): the others read it, and those POSTs answer them 403. Every view and
action is audited.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from gateway import runtime
from gateway.edge.inputs import INT_MAX
from gateway.quarantine import history
from gateway.store import alerts, areas
from gateway.store import quarantine as store
from gateway.store.models import HealthReport, QuarantineCase, Venue
from hotline import audit
from hotline.auth import requires
from hotline.cases import _date
from hotline.charts import temperature_chart, temperature_line
from hotline.web import bp, page, t, today, unit

VIEWERS = ("manager", "health_officer", "admin")
# Roles that must be limited to an area to see any case (the national view is the
# administrator's): an account of theirs without one sees none.
AREA_BOUND = ("health_officer",)


def _visible_case(db, case_id: int, *, own: bool = False, lock: bool = False):
    """The case if the signed-in user may see it (`own`: only as its manager), else
    404. An id the column cannot hold matches nothing, like an unknown one."""
    if case_id > INT_MAX:
        abort(404)
    query = select(QuarantineCase).where(QuarantineCase.id == case_id)
    if own or g.user.role == "manager":
        query = query.where(QuarantineCase.manager_id == g.user.id)
    area = areas.of(db, user_id=g.user.id)
    if area is None and g.user.role in AREA_BOUND:
        abort(404)
    query = areas.limit(query, QuarantineCase, area)
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        abort(404)
    return found


@bp.get("/cases/<int:case_id>")
@requires(*VIEWERS)
def case_page(case_id: int):
    """The case's history: timeline, chart, symptom grid, alerts."""
    day = today()
    config = runtime.current().config
    with unit() as db:
        case = _visible_case(db, case_id)
        reports = db.scalars(select(HealthReport).where(HealthReport.case_id == case.id)
                             .order_by(HealthReport.report_date)).all()
        facility = db.get(Venue, case.venue_id) if case.venue_id else None
        found = alerts.of_case(db, case.id)
        audit.record(db, g.user, "case.view", case.phone, f"case {case.id}")
        db.flush()  # the audit entry, before the records leave the session
        db.expunge_all()  # the page reads them after the transaction ends
    days = history.days(case.start_date, case.end_date, day, reports)
    chart = temperature_chart(days, config.danger_temperature)
    drawn = temperature_line(chart, "temperature-chart", t("case.chart"),
                             t("case.chart_label"), t("case.fever"), t("case.danger_line"))
    return page("case.html", case=case, facility=facility, alerts=found, days=days,
                missed=history.missed_count(days), grid=history.symptom_grid(days),
                chart=chart, chart_svg=drawn, day=day,
                manages=case.manager_id == g.user.id,
                reopen_end=max(case.end_date, day))


@bp.post("/cases/<int:case_id>/alerts/<int:alert_id>/clear")
@requires("manager")
def alert_clear(case_id: int, alert_id: int):
    """Clear one of the case's alerts with a note; a second click changes nothing."""
    if alert_id > INT_MAX:
        abort(404)
    note = request.form.get("note", "").strip()
    target = url_for("hotline.case_page", case_id=case_id) + "#alerts"
    if not note or len(note) > alerts.NOTE_MAX:
        with unit() as db:
            _visible_case(db, case_id, own=True)
        flash(t("case.note_required", max=alerts.NOTE_MAX), "error")
        return redirect(target)
    with unit() as db:
        case = _visible_case(db, case_id, own=True, lock=True)
        try:
            cleared = alerts.clear_alert(db, case.id, alert_id, g.user.username, note)
        except alerts.AlertError:
            abort(404)
        if cleared:
            audit.record(db, g.user, "alert.clear", case.phone,
                         f"case {case.id} alert {alert_id}: {note}")
    flash(t("case.alert_cleared" if cleared else "case.alert_was_cleared"),
          "success" if cleared else "info")
    return redirect(target)


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@requires("manager")
def case_close(case_id: int):
    """Close the case, after a confirmation page (GET shows it, POST closes)."""
    with unit() as db:
        case = _visible_case(db, case_id, own=True, lock=request.method == "POST")
        if case.status == "closed":
            flash(t("roster.case_closed"), "info")
            return redirect(url_for("hotline.case_page", case_id=case.id))
        if request.method == "GET":
            db.expunge(case)
            return page("case_close.html", case=case, day=today())
        store.change_case(case, close=True)
        audit.record(db, g.user, "case.close", case.phone, f"case {case.id}")
        name = case.full_name
    flash(t("roster.closed", name=name), "success")
    return redirect(url_for("hotline.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/reopen")
@requires("manager")
def case_reopen(case_id: int):
    """Reopen a closed case (undo a close): it keeps its dates, or ends on the date
    given, which must be today or later."""
    raw = request.form.get("end", "").strip()
    end = _date(raw) if raw else None
    with unit() as db:
        case = _visible_case(db, case_id, own=True, lock=True)
        problem = t("error.date") if raw and end is None else None
        if problem is None:
            try:
                store.reopen_case(db, case, today(), end)
            except store.CaseChangeError as error:
                problem = t(f"case.reopen.{error.reason}")
        if problem is None:
            audit.record(db, g.user, "case.reopen", case.phone,
                         f"case {case.id} until {case.end_date.isoformat()}")
            name, until = case.full_name, case.end_date
    if problem:
        flash(problem, "error")
    else:
        flash(t("case.reopened", name=name, end=until.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("hotline.case_page", case_id=case_id))
