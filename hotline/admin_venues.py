"""Administrators: venues (điểm kiểm dịch) — registering one, its printable poster
(SVG) and QR code (PNG) from `gateway.posters`, and every check-in at it (paged,
searchable, exportable: `hotline.lists`)."""

from __future__ import annotations

import io

import segno
from flask import Response, flash, g, redirect, request, url_for

from gateway import addresses, posters, runtime
from gateway.phones import InvalidPhone, normalise
from gateway.store import venues
from gateway.store.models import Venue
from hotline import audit, browse, lists
from hotline.auth import requires
from hotline.web import bp, page, t, unit

NAME_MAX = 120
STREET_MAX = 120
FIELDS = ("name", "kind", "province", "ward", "street", "contact")


def _venues_page(status: int = 200, values: dict | None = None, errors: dict | None = None,
                 term: lists.Search | None = None):
    term = term or lists.Search()
    with unit() as db:
        result, _ = browse.page_of(db, "venues", term)
        listed = [row[0] for row in result.rows]
    provinces = [(str(n), p.name) for n, p in enumerate(addresses.PROVINCES, 1)]
    return page("admin_venues.html", status, venues=listed, result=result, term=term,
                kinds=venues.KINDS,
                provinces=provinces, values=values or {"kind": "other"}, errors=errors or {})


@bp.post("/admin/venues/search")
@requires("admin")
def admin_venues_search():
    """The venues narrowed by a posted search (code, name, address or kind)."""
    return _venues_page(term=browse.search())


def _place(values: dict, errors: dict) -> dict:
    province = addresses.match_province(values["province"]) if values["province"] else None
    if province is None:
        errors["province"] = t("error.required")
        return {}
    place = {"province_code": province.code.value, "province_name": province.name,
             "ward_code": None, "ward_name": ""}
    if values["ward"]:
        wards = addresses.match_wards(province, values["ward"])
        if len(wards) != 1:
            names = "; ".join(w.name for w in wards)
            errors["ward"] = t("venue.ward_ambiguous", names=names) if wards else t(
                "form.invalid.ward")
        else:
            place.update(ward_code=wards[0].code.value, ward_name=wards[0].name)
    return place


@bp.route("/admin/venues", methods=["GET", "POST"])
@requires("admin")
def admin_venues():
    """Every venue, and a form to register one."""
    if request.method == "GET":
        return _venues_page()
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    errors: dict[str, str] = {}
    if not 1 <= len(values["name"]) <= NAME_MAX:
        errors["name"] = t("error.length", max=NAME_MAX)
    if values["kind"] not in venues.KINDS:
        errors["kind"] = t("error.required")
    if len(values["street"]) > STREET_MAX:
        errors["street"] = t("error.length", max=STREET_MAX)
    contact = None
    if values["contact"]:
        try:
            contact = normalise(values["contact"])
        except InvalidPhone:
            errors["contact"] = t("error.phone")
    place = _place(values, errors)
    if errors:
        return _venues_page(400, values, errors)
    with unit() as db:
        made = venues.create(db, name=values["name"], kind=values["kind"],
                             street=values["street"], contact_phone=contact, channel="hotline",
                             operator=g.user.username, **place)
        code = made.code
    flash(t("venue.created", code=code, name=values["name"]), "success")
    return redirect(url_for("hotline.admin_venues"))


@bp.get("/admin/venues/<code>/visits")
@requires("admin")
def venue_visits(code: str):
    """Every check-in at a venue, newest first, a page at a time (whole numbers: this
    is where contacts are traced; the reading is audited)."""
    return _visits_page(code)


@bp.post("/admin/venues/<code>/visits/search")
@requires("admin")
def venue_visits_search(code: str):
    """A venue's check-ins narrowed by a posted search (a name or a phone)."""
    return _visits_page(code)


def _visits_page(code: str):
    term = browse.search()
    with unit() as db:
        venue = venues.by_code(db, code)
        if venue is None:
            return page("error.html", 404, message=t("error.not_found"))
        result, _ = browse.page_of(db, "venue_visits", term, scope=venue.code)
        audit.record(db, g.user, "visits.venue", term.phone,
                     f"{venue.code}; " + browse.described(term, result.total))
    return page("venue_visits.html", venue=venue, result=result, term=term)


def _venue(code: str) -> Venue | None:
    with unit() as db:
        return venues.by_code(db, code)


@bp.get("/admin/venues/<code>/poster.svg")
@requires("admin")
def venue_poster(code: str):
    """The printable A4 poster of a venue."""
    venue = _venue(code)
    if venue is None:
        return page("error.html", 404, message=t("error.not_found"))
    return Response(posters.svg(runtime.current().config, venue), mimetype="image/svg+xml",
                    headers={"Content-Disposition":
                             f'attachment; filename="venue-{venue.code}.svg"'})


@bp.get("/admin/venues/<code>/qr.png")
@requires("admin")
def venue_qr(code: str):
    """The venue's QR code as a PNG."""
    venue = _venue(code)
    if venue is None:
        return page("error.html", 404, message=t("error.not_found"))
    out = io.BytesIO()
    segno.make(posters.qr_url(runtime.current().config, venue), error="m").save(
        out, kind="png", scale=posters.QR_SCALE, border=4)
    return Response(out.getvalue(), mimetype="image/png",
                    headers={"Content-Disposition":
                             f'attachment; filename="venue-{venue.code}-qr.png"'})
