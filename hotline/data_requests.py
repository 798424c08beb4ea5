"""Administrators: data-subject requests (Law 91/2025/QH15; Decree 356/2025/ND-CP Art.
5). The list shows each request's received / acknowledged / done times and deadlines,
overdue ones first and marked; a request received by letter or phone is recorded here;
the administrator acknowledges it, exports the person's records (JSON or CSV, a
download: the phone is never in a URL), performs an erasure, which shows what the
law made us keep, marks a withdrawal or restriction done, or refuses a request with
its reason. Every step is in the audit log."""

from __future__ import annotations

from flask import Response, flash, g, redirect, request, url_for

from gateway import runtime
from gateway.phones import InvalidPhone, mask, normalise
from gateway.privacy import deadlines, erasure, held, intake
from gateway.store import data_requests
from gateway.store.models import DataRequest, utcnow
from hotline import audit
from hotline.auth import requires
from hotline.web import bp, page, t, unit

FORMATS = {"json": ("application/json", held.to_json), "csv": ("text/csv", held.to_csv)}


def _list_page(status: int = 200, values: dict | None = None, errors: dict | None = None):
    with unit() as db:
        listed = data_requests.latest(db)
    return page("data_requests.html", status, requests=listed, now=utcnow(),
                kinds=deadlines.KINDS, values=values or {"kind": "access"},
                errors=errors or {})


@bp.route("/admin/data-requests", methods=["GET", "POST"])
@requires("admin")
def data_request_list():
    """Every request (open ones by deadline), and a form to record one received by
    letter, e-mail or a call."""
    if request.method == "GET":
        return _list_page()
    values = {"phone": request.form.get("phone", "").strip(),
              "kind": request.form.get("kind", "")}
    errors = {}
    try:
        phone = normalise(values["phone"])
    except InvalidPhone:
        errors["phone"] = t("error.phone")
    if values["kind"] not in deadlines.KINDS:
        errors["kind"] = t("error.required")
    if errors:
        return _list_page(400, values, errors)
    with unit() as db:
        made = intake.receive(db, runtime.current().config.tz, phone=phone,
                              kind=values["kind"], channel="hotline",
                              operator=g.user.username)
        audit.record(db, g.user, "privacy.request", phone, f"{made.kind} request {made.id}")
        made_id = made.id
    flash(t("privacy.recorded", id=made_id), "success")
    return redirect(url_for("hotline.data_request_list"))


def _request(db, request_id: int) -> DataRequest | None:
    return data_requests.get(db, request_id, lock=True)


@bp.post("/admin/data-requests/<int:request_id>/acknowledge")
@requires("admin")
def data_request_acknowledge(request_id: int):
    """Tell the person the request was received (the date is recorded)."""
    with unit() as db:
        found = _request(db, request_id)
        if found is None:
            return page("error.html", 404, message=t("error.not_found"))
        if data_requests.acknowledge(found, g.user.username):
            audit.record(db, g.user, "privacy.acknowledge", found.phone,
                         f"{found.kind} request {found.id}")
    flash(t("privacy.acknowledged", id=request_id), "success")
    return redirect(url_for("hotline.data_request_list"))


@bp.post("/admin/data-requests/<int:request_id>/export")
@requires("admin")
def data_request_export(request_id: int):
    """Download every record of the request's phone, as JSON or CSV; an access request
    is then done (the export is its answer)."""
    chosen = request.form.get("format", "json")
    if chosen not in FORMATS:
        return page("error.html", 400, message=t("error.required"))
    mimetype, write = FORMATS[chosen]
    with unit() as db:
        found = _request(db, request_id)
        if found is None:
            return page("error.html", 404, message=t("error.not_found"))
        body = write(held.export(db, found.phone))
        if found.kind == "access" and found.done_at is None:
            data_requests.close(found, "done", operator=g.user.username)
        audit.record(db, g.user, "privacy.export", found.phone,
                     f"{chosen} for {found.kind} request {found.id}")
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="data-request-{request_id}.{chosen}"',
        "Cache-Control": "no-store"})


@bp.post("/admin/data-requests/<int:request_id>/erase")
@requires("admin")
def data_request_erase(request_id: int):
    """Erase the request's phone's data now; what must be kept stays, and why is shown
    and recorded."""
    with unit() as db:
        found = _request(db, request_id)
        if found is None:
            return page("error.html", 404, message=t("error.not_found"))
        if found.kind != "erasure" or found.done_at is not None:
            flash(t("privacy.not_erasable", id=request_id), "error")
            return redirect(url_for("hotline.data_request_list"))
        erased = erasure.perform(db, runtime.current().redis, found, g.user.username)
        audit.record(db, g.user, "privacy.erase", found.phone,
                     f"request {found.id}: {erased.outcome} {erased.counts}")
    if erased.kept and erased.outcome == "partial":
        flash(t("privacy.erased_partly", id=request_id, reason=erased.reason), "warning")
    else:
        flash(t("privacy.erased", id=request_id, phone=mask(found.phone)), "success")
    return redirect(url_for("hotline.data_request_list"))


@bp.post("/admin/data-requests/<int:request_id>/close")
@requires("admin")
def data_request_close(request_id: int):
    """Close an open request: refused (with the reason the person is given), or done
    (a withdrawal or restriction carried out; an erasure is done only by erasing)."""
    outcome = request.form.get("outcome", "")
    reason = request.form.get("reason", "").strip()
    if outcome not in ("done", "refused") or (outcome == "refused" and not reason):
        flash(t("privacy.reason_needed"), "error")
        return redirect(url_for("hotline.data_request_list"))
    with unit() as db:
        found = _request(db, request_id)
        if found is None:
            return page("error.html", 404, message=t("error.not_found"))
        if found.done_at is not None or (outcome == "done" and found.kind == "erasure"):
            flash(t("privacy.not_closable", id=request_id), "error")
            return redirect(url_for("hotline.data_request_list"))
        data_requests.close(found, outcome, reason, operator=g.user.username)
        audit.record(db, g.user, f"privacy.{outcome}", found.phone,
                     f"{found.kind} request {found.id}: {reason}")
    flash(t(f"privacy.closed_{outcome}", id=request_id), "success")
    return redirect(url_for("hotline.data_request_list"))
