"""`/api/v1/venues`: register a venue (it gets a code with a check digit), list them,
read one, and its printable poster (SVG) and QR code (PNG)."""

from __future__ import annotations

import io
from typing import Any

import marshmallow as ma
import segno
from flask import Response
from vietnam_provinces import Province, Ward

from gateway import posters, runtime
from gateway.api import areas, paging, presenting, records
from gateway.api.auth import requires
from gateway.api.blueprint import IDEMPOTENCY_KEY, PREFIX, ApiBlueprint
from gateway.api.fields import Integer, PhoneNumber
from gateway.api.problems import Problem
from gateway.api.reads import audited
from gateway.api.writes import session, writes
from gateway.codes import parse_venue_code
from gateway.store import venues
from gateway.store.models import Venue

F = ma.fields
blp = ApiBlueprint("venues", __name__, url_prefix=f"{PREFIX}/venues",
                   description="Venues people check in at, with their posters.")


class VenueIn(ma.Schema):
    """A venue to register."""

    name = F.String(required=True, validate=ma.validate.Length(max=300),
                    metadata={"example": "Cho Ben Thanh"})
    kind = F.String(load_default="other", validate=ma.validate.OneOf(venues.KINDS))
    province_code = Integer(required=True, strict=True, metadata={"example": 79})
    ward_code = Integer(allow_none=True, strict=True)
    street = F.String(load_default="", validate=ma.validate.Length(max=120))
    contact_phone = PhoneNumber(allow_none=True)
    operator = F.String(allow_none=True, validate=ma.validate.Length(min=1, max=60))

    @ma.post_load
    def check(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The name's length and the place, by official codes."""
        errors: dict[str, list[str]] = {}
        data["name"] = " ".join(data["name"].split())
        if not 1 <= len(data["name"]) <= 120:
            errors["name"] = ["must have 1 to 120 characters"]
        data["street"] = " ".join(data["street"].split())
        try:
            province = Province.from_code(data["province_code"])
            data["province_name"] = province.name
        except (ValueError, OverflowError):
            errors["province_code"] = ["not the code of a province"]
            province = None
        data["ward_name"] = ""
        if province is not None and data.get("ward_code") is not None:
            try:
                ward = Ward.from_code(data["ward_code"])
            except (ValueError, OverflowError):
                ward = None
            if ward is None or ward.province_code != province.code:
                errors["ward_code"] = [f"not the code of a commune or ward of {province.name}"]
            else:
                data["ward_name"] = ward.name
        if errors:
            raise ma.ValidationError(errors)
        return data


class VenueFilters(paging.PageArgs):
    """Filters of the venue list."""

    province_code = F.Integer(strict=False, validate=ma.validate.Range(1, 10_000))
    kind = F.String(validate=ma.validate.OneOf(venues.KINDS))


VenuePage = paging.page_schema(records.VenueOut, "VenuePage")


def find(db, code: str) -> Venue:
    """The active venue with this code inside the caller's area, or a 404 problem."""
    canonical = parse_venue_code(code[:20])
    found = venues.by_code(db, canonical) if canonical else None
    if found is None or not areas.covers(found.province_code, found.ward_code):
        raise Problem(404, "no venue has this code")
    return found


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(VenueFilters, location="query")
@blp.response(200, VenuePage)
def list_venues(args: dict[str, Any]) -> dict[str, Any]:
    """Active venues, oldest first."""
    query = paging.listing(Venue, args, "province_code", "kind").where(Venue.active.is_(True))
    with runtime.current().sessions() as db:
        found = presenting.page(db, "venue", areas.limit(query, Venue), args["limit"])
    audited(len(found["items"]))
    return found


@blp.route("/<code>", methods=["GET"])
@requires("read")
@blp.response(200, records.VenueOut)
def get_venue(code: str) -> dict[str, Any]:
    """One venue by its code."""
    with runtime.current().sessions() as db:
        return presenting.present(db, "venue", [find(db, code)])[0]


@blp.route("/<code>/poster.svg", methods=["GET"])
@requires("read")
@blp.response(200, {"type": "string"}, content_type="image/svg+xml",
              description="the A4 poster: QR code, SMS and USSD ways to check in")
def poster(code: str) -> Response:
    """The printable poster."""
    rt = runtime.current()
    with rt.sessions() as db:
        return Response(posters.svg(rt.config, find(db, code)), mimetype="image/svg+xml")


@blp.route("/<code>/qr.png", methods=["GET"])
@requires("read")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png",
              description="the QR code the smartphone apps scan")
def qr(code: str) -> Response:
    """The venue's QR code as a PNG."""
    rt = runtime.current()
    with rt.sessions() as db:
        url = posters.qr_url(rt.config, find(db, code))
    image = io.BytesIO()
    segno.make(url, error="m").save(image, kind="png", scale=posters.QR_SCALE, border=4)
    return Response(image.getvalue(), mimetype="image/png")


@blp.route("", methods=["POST"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(VenueIn)
@blp.response(201, records.VenueOut)
def create_venue(data: dict[str, Any]) -> dict[str, Any]:
    """Register a venue; its code has a check digit, its poster is at `poster_url`."""
    areas.check_place("this venue's place", data["province_code"], data.get("ward_code"))
    made = venues.create(session(), name=data["name"], kind=data["kind"],
                         province_code=data["province_code"],
                         province_name=data["province_name"],
                         ward_code=data.get("ward_code"), ward_name=data["ward_name"],
                         street=data["street"], contact_phone=data.get("contact_phone"),
                         channel="web", operator=data.get("operator"))
    return presenting.present(session(), "venue", [made])[0]
