"""Exports of console lists to CSV and XLSX, for the user who sees the list.

An export holds exactly the rows the list's page shows its user (`hotline.lists`:
owner, role, area, the search). A list of up to `DIRECT_MAX_ROWS` rows downloads at
once; a longer one is built by an RQ job on the `bulk` queue (`hotline.export_jobs`),
whose page shows its progress and then a link; the file stays in Redis for an hour
(`gateway.exports.store`) and only its owner may fetch it. Every export is audited:
who, which list, the search, how many rows — and every download of a built file.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, flash, g, jsonify, redirect, request, url_for

from gateway import runtime
from gateway.exports import files, store
from gateway.store.users import ROLES
from hotline import audit, browse, export_jobs, lists
from hotline.auth import requires
from hotline.dashboard import FilterError
from hotline.web import bp, page, t, tn, unit

DIRECT_MAX_ROWS = 5000     # larger exports run as a job
MAX_ROWS = 500_000         # larger ones are refused: narrow the search
JOB_TIMEOUT_SECONDS = 30 * 60
# Who may ask for an export at all: every console role (each list still names its
# own); a new role needs no edit here.
EVERY_ROLE = ROLES
SCOPE_MAX = 12  # a venue's code
FILTER_MAX = 40  # a filter of a computed table: a commune's code, a date


def _filename(name: str, scope: str, fmt: str) -> str:
    moment = datetime.now(runtime.current().config.tz)
    return f"{name}{'-' + scope if scope else ''}-{moment:%Y%m%d-%H%M}.{fmt}"


def back(name: str, scope: str) -> str:
    """The address of the page list `name` (of `scope`) lives on."""
    return url_for(lists.LISTINGS[name].page, **({"code": scope} if scope else {}))


def _download(body: bytes, fmt: str, filename: str) -> Response:
    return Response(body, mimetype=files.MIMETYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@bp.post("/exports")
@requires(*EVERY_ROLE)
def export_list():
    """Export a list (form fields `list`, `format`, the page's search `q`, the `scope`
    of a list of one record, and a computed table's filters): the file at once, or for
    a long list the page of the job that builds it."""
    name, fmt = request.form.get("list", ""), request.form.get("format", "")
    listing = lists.LISTINGS.get(name)
    if listing is None or fmt not in files.FORMATS:
        return page("error.html", 400, message=t("export.bad_request"))
    if g.user.role not in listing.roles:
        return page("error.html", 403, message=t("error.forbidden"))
    term = lists.Search.read(request.form.get("q"))
    scope = "".join(c for c in request.form.get("scope", "") if c.isdigit())[:SCOPE_MAX]
    filters = {k: request.form.get(k, "").strip()[:FILTER_MAX] for k in listing.filters}
    rt = runtime.current()
    with unit() as db:
        viewer = browse.viewer(db, scope)
        try:
            total, table = listing.export(db, viewer, term, filters)
        except FilterError as error:  # a computed table's filters, checked as its page does
            return page("error.html", 400, message=t(error.key, **error.vars))
        if total > MAX_ROWS:
            flash(t("export.too_many", rows=total, max=MAX_ROWS), "error")
            return redirect(back(name, scope))
        filename = _filename(name, scope, fmt)
        if total <= DIRECT_MAX_ROWS:
            body = files.write(fmt, table)
            audit.record(db, g.user, f"export.{name}", term.phone,
                         f"{fmt}, " + browse.described(term, total, scope, filters))
            return _download(body, fmt, filename)
        spec = {"q": term.text, "day": viewer.day.isoformat(), "language": viewer.language,
                "scope": scope, "filters": filters}
        export_id = store.create(rt.redis, g.user.id, name, fmt, total, filename, spec)
        audit.record(db, g.user, f"export.{name}.queued", term.phone,
                     f"{fmt}, " + browse.described(term, total, scope, filters))
    # Only the id goes into the job: the search stays in the export's own keys, which
    # expire with it.
    rt.queue("bulk").enqueue(export_jobs.build, export_id, job_timeout=JOB_TIMEOUT_SECONDS,
                             result_ttl=0, failure_ttl=store.TTL_SECONDS)
    return redirect(url_for("hotline.export_progress", export_id=export_id))


def _mine(export_id: str) -> store.Export | None:
    return store.find(runtime.current().redis, export_id, owner=g.user.id)


def _gone():
    minutes = store.TTL_SECONDS // 60
    return page("error.html", 404, message=tn("export.gone", minutes, minutes=minutes))


@bp.get("/exports/<export_id>")
@requires(*EVERY_ROLE)
def export_progress(export_id: str):
    """An export being built: its progress, then its link."""
    found = _mine(export_id)
    if found is None:
        return _gone()
    return page("export.html", export=found,
                back=back(found.listing, found.spec.get("scope", "")),
                minutes=store.TTL_SECONDS // 60)


@bp.get("/exports/<export_id>/status")
@requires(*EVERY_ROLE)
def export_status(export_id: str):
    """An export's progress as JSON, for its page to poll."""
    found = _mine(export_id)
    if found is None:
        return jsonify(state="gone"), 404
    return jsonify(state=found.state, done=found.done, total=found.total,
                   percent=found.percent,
                   file=url_for("hotline.export_file", export_id=export_id)
                   if found.state == "ready" else None)


@bp.get("/exports/<export_id>/file")
@requires(*EVERY_ROLE)
def export_file(export_id: str):
    """The built file, for the user who asked for it (audited)."""
    found = _mine(export_id)
    body = store.file(runtime.current().redis, found) if found else None
    if body is None:
        return _gone()
    with unit() as db:
        audit.record(db, g.user, f"export.{found.listing}.download", None,
                     f"{found.fmt}, {found.total} rows")
    return _download(body, found.fmt, found.filename)
