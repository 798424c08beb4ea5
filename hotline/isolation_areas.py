"""Isolation areas in the console (`/hotline/areas`): health officers, managers and
administrators declare an area under isolation in their own area, list its areas with
today's compliance, move an area's end date and lift it. The rules are the quarantine
service's (`gateway.quarantine.isolation`); the residents are enrolled by its job once
the declaration commits. An area outside the reader's own is a 404, as if it did not
exist. Every change is audited."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, request, url_for
from sqlalchemy.orm import Session

from gateway import addresses, runtime
from gateway.quarantine import isolation, isolation_jobs
from gateway.store import areas, users
from gateway.store import isolation as store
from gateway.store.areas import Area
from gateway.store.models import IsolationArea, User
from hotline import audit
from hotline.auth import requires
from hotline.web import bp, page, t, today, unit

ROLES = ("health_officer", "manager", "admin")
FIELDS = ("province", "ward", "street", "start", "end", "manager")
LIST_LIMIT = 200
# AreaError reasons → the form field that shows them.
FIELD_OF = {"place": "ward", "street": "street", "dates": "end", "manager": "manager",
            "lifted": "end"}


def _provinces(own: Area | None) -> list[tuple[str, str]]:
    """(value, name) of the provinces one may declare in: the officer's own only."""
    return [(str(n), p.name) for n, p in enumerate(addresses.PROVINCES, 1)
            if own is None or p.code.value == own.province_code]


def _list_page(db: Session, own: Area | None, status: int = 200, values: dict | None = None,
               errors: dict | None = None):
    day = today()
    listed = store.listed(db, own, limit=LIST_LIMIT)
    counts = {c.area_id: c for c in store.compliance(db, day, own)}
    return page("areas.html", status, listed=listed, counts=counts, day=day,
                provinces=_provinces(own), values=values or {"manager": g.user.username},
                errors=errors or {}, area=own.describe() if own else None)


@bp.get("/areas")
@requires(*ROLES)
def isolation_areas():
    """The areas of the reader's own area, newest last, with a form to declare one."""
    with unit() as db:
        own = areas.of(db, user_id=g.user.id)
        return _list_page(db, own)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _read_form(values: dict, errors: dict) -> dict:
    """The place and dates of the declaration form (errors by field)."""
    province = addresses.match_province(values["province"]) if values["province"] else None
    read: dict = {}
    if province is None:
        errors["province"] = t("error.required")
    else:
        wards = addresses.match_wards(province, values["ward"]) if values["ward"] else []
        if len(wards) == 1:
            read.update(province_code=province.code.value, ward_code=wards[0].code.value)
        else:
            errors["ward"] = t("area.error.ward")
    for name in ("start", "end"):
        read[name] = _date(values[name])
        if read[name] is None:
            errors[name] = t("area.error.date")
    return read


@bp.post("/areas")
@requires(*ROLES)
def declare_area():
    """Declare an area under isolation; its residents are enrolled by a job."""
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    errors: dict[str, str] = {}
    read = _read_form(values, errors)
    rt = runtime.current()
    with unit() as db:
        own = areas.of(db, user_id=g.user.id)
        if errors:
            return _list_page(db, own, 400, values, errors)
        manager = users.by_username(db, values["manager"] or g.user.username)
        try:
            made = isolation.declare(
                db, province_code=read["province_code"], ward_code=read["ward_code"],
                street=values["street"], start=read["start"], end=read["end"],
                manager=manager, declared_by=g.user, officer_area=own, channel="hotline",
                operator=g.user.username, day=today())
        except isolation.AreaError as error:  # refused before anything was written
            return _list_page(db, own, 400, values, {FIELD_OF[error.reason]: str(error)})
        audit.record(db, g.user, "area.declare", None, _described(made))
        isolation_jobs.enqueue_after_commit(db, rt, made.id)
        code, area_id = made.code, made.id
    flash(t("area.declared", code=code), "success")
    return redirect(url_for("hotline.isolation_area", area_id=area_id))


def _described(area: IsolationArea) -> str:
    """An area for the audit log: its code, place (codes only) and dates."""
    street = f" '{area.street}'" if area.street else ""
    return (f"{area.code}: {area.province_code}/{area.ward_code}{street} "
            f"{area.start_date.isoformat()}..{area.end_date.isoformat()}")


def _area_page(db: Session, area: IsolationArea, status: int = 200, errors: dict | None = None):
    day = today()
    counts = next(iter(store.compliance(db, day, area_id=area.id)), None)
    manager = db.get(User, area.manager_id)
    return page("area.html", status, area=area, counts=counts, day=day, errors=errors or {},
                manager=manager.username if manager else "")


@bp.get("/areas/<int:area_id>")
@requires(*ROLES)
def isolation_area(area_id: int):
    """One area of the reader's own area: its place, dates, today's compliance."""
    with unit() as db:
        area = store.get(db, area_id, areas.of(db, user_id=g.user.id))
        if area is None:
            return page("error.html", 404, message=t("error.not_found"))
        audit.record(db, g.user, "area.view", None, area.code)
        return _area_page(db, area)


@bp.post("/areas/<int:area_id>")
@requires(*ROLES)
def change_area(area_id: int):
    """Move the area's end date (its residents' cases follow), or lift it."""
    lift = request.form.get("action") == "lift"
    end = None if lift else _date(request.form.get("end", "").strip())
    with unit() as db:
        area = store.get(db, area_id, areas.of(db, user_id=g.user.id), lock=True)
        if area is None:
            return page("error.html", 404, message=t("error.not_found"))
        if not lift and end is None:
            return _area_page(db, area, 400, {"end": t("area.error.date")})
        if lift and request.form.get("confirm") != "yes":
            return _area_page(db, area, 400, {"confirm": t("area.error.confirm")})
        try:
            isolation.change(db, area, end_date=end, lift=lift, day=today())
        except isolation.AreaError as error:
            return _area_page(db, area, 400, {"end": str(error)})
        audit.record(db, g.user, "area.lift" if lift else "area.change", None,
                     area.code if lift else f"{area.code}: end {end.isoformat()}")
        code = area.code
    flash(t("area.lifted" if lift else "area.changed", code=code), "success")
    return redirect(url_for("hotline.isolation_area", area_id=area_id))
