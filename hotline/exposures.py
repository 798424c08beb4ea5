"""Exposure notification in the console (`/hotline/exposures`): a health officer marks
a phone as a confirmed case with its infectious window, reviews the exposed phones the
gateway lists (masked, with the venue and the time they overlapped), confirms, and then
follows the answers (`1` self-isolating, `2` symptoms).

Who: health officers, managers and administrators; one limited to an area marks at
the venues inside it only, sees the cases it marked or that exposed someone inside
it, only that area's exposures, and confirms only those (gateway.store.areas). A case
outside reads as one that does not exist (404). The case's phone is posted in the
form, never put in a URL; every view, marking and confirmation is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from gateway import runtime
from gateway.edge.inputs import INT_MAX
from gateway.phones import InvalidPhone, normalise
from gateway.store import areas
from gateway.store import exposures as store
from gateway.store.models import ExposureCase, Venue
from gateway.tracing import enrolling, marking, notifying
from gateway.tracing.enrolling import Enrolment
from hotline import audit
from hotline.auth import requires
from hotline.web import bp, page, t, unit

OFFICERS = ("health_officer", "manager", "admin")
LISTED = 100  # cases on the list page, newest first
SHOWN = 500   # exposures shown on a case's page (the counts cover them all)


def _moment(text: str) -> datetime | None:
    """A local date and time from the form's `datetime-local` box, as aware UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=runtime.current().config.tz)
    return moment


def _visible(db, case_id: int, lock: bool = False) -> ExposureCase:
    if case_id > INT_MAX:
        abort(404)
    query = areas.limit(select(ExposureCase).where(ExposureCase.id == case_id), ExposureCase,
                        areas.of(db, user_id=g.user.id))
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        abort(404)
    return found


@bp.get("/exposures")
@requires(*OFFICERS)
def exposure_cases():
    """The cases the officer may see, newest first, with their counts; the form to
    mark a new one."""
    return _listing(200, {}, {})


def _listing(status: int, values: dict[str, str], errors: dict[str, str]):
    """The list page (with the form's `values` and `errors`), audited."""
    with unit() as db:
        own = areas.of(db, user_id=g.user.id)
        cases = list(db.scalars(areas.limit(select(ExposureCase), ExposureCase, own)
                                .order_by(ExposureCase.id.desc()).limit(LISTED)))
        counted = store.counts(db, (c.id for c in cases), own)
        audit.record(db, g.user, "exposure.list", None, f"{len(cases)} cases")
        db.expunge_all()
    return page("exposures.html", status, cases=cases, counted=counted, values=values,
                errors=errors)


@bp.post("/exposures")
@requires(*OFFICERS)
def exposure_mark():
    """Mark a confirmed case: its exposures are listed for review (nobody texted)."""
    values = {k: request.form.get(k, "").strip() for k in ("phone", "from", "to")}
    errors: dict[str, str] = {}
    try:
        phone = normalise(values["phone"])
    except InvalidPhone:
        errors["phone"] = t("expo.error.phone")
    start, end = _moment(values["from"]), _moment(values["to"])
    for name, moment in (("from", start), ("to", end)):
        if moment is None:
            errors[name] = t("expo.error.moment")
    if not errors:
        try:
            with unit() as db:
                marked = marking.mark(db, runtime.current().config, phone=phone, start=start,
                                      end=end, area=areas.of(db, user_id=g.user.id),
                                      channel="hotline", operator=g.user.username,
                                      user_id=g.user.id)
                audit.record(db, g.user, "exposure.mark", phone,
                             f"case {marked.case.id}, {marked.added} exposures listed")
                case_id = marked.case.id
        except marking.MarkError as error:
            errors["to"] = t("expo.error.window", reason=str(error))
    if errors:
        return _listing(400, values, errors)
    flash(t("expo.marked", count=marked.added), "success")
    return redirect(url_for("hotline.exposure_case", case_id=case_id))


@bp.get("/exposures/<int:case_id>")
@requires(*OFFICERS)
def exposure_case(case_id: int):
    """A case: its window, the exposed phones (masked) with venue, overlap, whether
    texted and the answer; the confirmation button while some are not texted."""
    with unit() as db:
        own = areas.of(db, user_id=g.user.id)
        case = _visible(db, case_id)
        rows = store.exposures_of(db, case.id, own, limit=SHOWN)
        names = dict(db.execute(select(Venue.id, Venue.name).where(
            Venue.id.in_({e.venue_id for e, _ in rows}))).all()) if rows else {}
        counted = store.counts(db, [case.id], own)[case.id]
        audit.record(db, g.user, "exposure.view", case.phone, f"case {case.id}")
        shown: list[dict[str, Any]] = [
            {"phone": e.phone, "venue": names[e.venue_id], "start": e.overlap_start,
             "end": e.overlap_end, "notified": notice.notified_at if notice else None,
             "answer": notice.answer if notice else None} for e, notice in rows]
        db.expunge(case)
    return page("exposure_case.html", case=case, rows=shown, counted=counted,
                pending=counted["exposed"] - counted["notified"])


@bp.post("/exposures/<int:case_id>/notify")
@requires(*OFFICERS)
def exposure_notify(case_id: int):
    """Confirm: text each exposed phone not texted about that exposure yet; with the
    box ticked, also enrol them in home quarantine under the manager named."""
    back = redirect(url_for("hotline.exposure_case", case_id=case_id))
    enrolment = _enrolment(request.form)
    with unit() as db:
        _visible(db, case_id)
        own = areas.of(db, user_id=g.user.id)
        refused = (enrolling.check(db, enrolment, own) if isinstance(enrolment, Enrolment)
                   else enrolment)
    if refused:
        flash(t("expo.error.enrol", reason=refused), "error")
        return back
    done = notifying.notify(runtime.current(), case_id, by=g.user.username, channel="hotline",
                            area=own, audit=_audited, enrolment=enrolment)
    flash(t("expo.notified", count=done.queued), "success")
    if enrolment is not None:
        flash(t("expo.enrolled", count=done.enrolled), "success")
    return back


def _enrolment(form: Any) -> Enrolment | str | None:
    """The enrolment the form asks for (None: not asked), or why it is unreadable."""
    if form.get("enrol") != "1":
        return None
    days = form.get("days", "").strip() or "14"
    if not days.isdigit():
        return t("expo.error.days")
    return Enrolment(form.get("manager", "").strip(), int(days))


def _audited(db, case: ExposureCase, queued: int) -> None:
    audit.record(db, g.user, "exposure.notify", case.phone,
                 f"case {case.id}: {queued} phones texted")
