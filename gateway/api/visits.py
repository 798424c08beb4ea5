"""`/api/v1/visits` (list by venue and time window; search by phone too, `POST
/search`; create — a check-in made on the web system) and `POST /api/v1/exposures`
(contact tracing: the visits that overlapped a phone's visits). A phone is always in
the JSON body: personal data never goes in a URL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import marshmallow as ma
from sqlalchemy import select

from gateway import runtime
from gateway.api import areas, paging, presenting, records
from gateway.api.auth import requires
from gateway.api.blueprint import IDEMPOTENCY_KEY, PREFIX, ApiBlueprint
from gateway.api.fields import Moment, PhoneNumber, VenueCode
from gateway.api.problems import Problem, invalid
from gateway.api.reads import audited
from gateway.api.writes import session, writes
from gateway.store import areas as store_areas
from gateway.store import declarations, venues
from gateway.store.models import Venue, Visit, utcnow

F = ma.fields
blp = ApiBlueprint("visits", __name__, url_prefix=PREFIX,
                   description="Check-ins at venues, and the exposure query.")
MAX_WINDOW = timedelta(days=31)  # an exposure query scans a bounded stretch of visits


class VisitFilters(paging.PageArgs):
    """Filters of the visit list; the window selects visits that overlap it."""

    venue = VenueCode()
    from_ = Moment(data_key="from", metadata={"description": "window start (ISO 8601)"})
    to = Moment(metadata={"description": "window end (ISO 8601)"})


class VisitSearch(VisitFilters):
    """The list's filters and the phone, in a JSON body (never in a URL)."""

    phone = PhoneNumber(metadata={"description": "visits of this phone"})


class VisitIn(ma.Schema):
    """A check-in made on the web system (or by venue staff using it)."""

    venue_code = VenueCode(required=True)
    phone = PhoneNumber(required=True)
    operator = F.String(allow_none=True, validate=ma.validate.Length(min=1, max=60),
                        metadata={"description": "venue staff who checked the visitor in"})


class ExposureArgs(ma.Schema):
    """Whose visits, and when (at most 31 days)."""

    phone = PhoneNumber(required=True)
    from_ = Moment(data_key="from", required=True)
    to = Moment(required=True)


class Exposure(ma.Schema):
    """Another phone's visit that overlapped one of the phone's visits."""

    visit = F.Nested(records.VisitOut, required=True, metadata={"description": "theirs"})
    contact = F.Nested(records.VisitOut, required=True, metadata={"description": "the other"})
    overlap_start = F.DateTime(required=True)
    overlap_end = F.DateTime(required=True)


class Exposures(ma.Schema):
    """The exposure query's answer."""

    items = F.List(F.Nested(Exposure), required=True)


VisitPage = paging.page_schema(records.VisitOut, "VisitPage")


def _window(args: dict[str, Any], location: str) -> None:
    if "from_" in args and "to" in args and args["to"] < args["from_"]:
        invalid("to", "must not be before from", location)


@blp.route("/visits", methods=["GET"])
@requires("read")
@blp.arguments(VisitFilters, location="query")
@blp.response(200, VisitPage)
def list_visits(args: dict[str, Any]) -> dict[str, Any]:
    """Visits, oldest first: at a venue, overlapping a time window. A phone's visits:
    `POST /api/v1/visits/search`."""
    _window(args, "query")
    return _listed(args)


@blp.route("/visits/search", methods=["POST"])
@requires("read")
@blp.arguments(VisitSearch)
@blp.response(200, VisitPage)
def search_visits(args: dict[str, Any]) -> dict[str, Any]:
    """Visits, oldest first: by a phone, at a venue, overlapping a time window; the
    next page is the same body with `after`."""
    _window(args, "json")
    return _listed(args)


def _listed(args: dict[str, Any]) -> dict[str, Any]:
    longest = timedelta(hours=runtime.current().config.visit_close_hours)
    query = paging.listing(Visit, args, "phone")
    if "to" in args:
        query = query.where(Visit.checked_in_at <= args["to"])
    if "from_" in args:  # still open, or closed after the start (no visit outlasts `longest`)
        query = query.where(Visit.checked_in_at >= args["from_"] - longest,
                            (Visit.checked_out_at.is_(None))
                            | (Visit.checked_out_at >= args["from_"]))
    with runtime.current().sessions() as db:
        if "venue" in args:
            venue = db.scalar(select(Venue.id).where(Venue.code == args["venue"]))
            query = query.where(Visit.venue_id == venue)
        found = presenting.page(db, "visit", areas.limit(query, Visit), args["limit"])
    audited(len(found["items"]))
    return found


@blp.route("/visits", methods=["POST"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(VisitIn)
@blp.response(201, records.VisitOut, description="checked in")
@blp.alt_response(200, schema=records.VisitOut,
                  description="a repeat within the repeat window: the existing visit")
def create_visit(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Check a phone in at a venue, like `CI <code>`: it needs a valid declaration; an
    open visit elsewhere is closed; a repeat within minutes returns the same visit."""
    config = runtime.current().config
    db = session()
    venue = venues.by_code(db, data["venue_code"])
    if venue is None:
        invalid("venue_code", "no venue has this code")
    areas.check_place("this venue", venue.province_code, venue.ward_code)
    declaration = declarations.latest_valid(db, data["phone"])
    if declaration is None:
        raise Problem(422, "this phone has no valid declaration; declare first",
                      type="urn:gateway:problem:no-valid-declaration",
                      errors=[{"field": "phone", "location": "json",
                               "reason": "has no valid declaration"}])
    done = venues.check_in(db, venue, data["phone"], channel="web",
                           repeat_window=timedelta(minutes=config.checkin_repeat_minutes),
                           declaration_id=declaration.id, operator=data.get("operator"))
    return presenting.present(db, "visit", [done.visit])[0], 200 if done.repeated else 201


@blp.route("/exposures", methods=["POST"])
@requires("read")
@blp.arguments(ExposureArgs)
@blp.response(200, Exposures)
def exposures(args: dict[str, Any]) -> dict[str, Any]:
    """Contact tracing: every other phone's visit at the same venue that overlapped one
    of this phone's visits within [from, to] (31 days at most). A query: it changes
    nothing, and is a POST only to keep the phone out of the URL."""
    _window(args, "json")
    if args["to"] - args["from_"] > MAX_WINDOW:
        invalid("to", "the window is at most 31 days", "json")
    longest = timedelta(hours=runtime.current().config.visit_close_hours)
    with runtime.current().sessions() as db:
        pairs = venues.overlapping(db, args["phone"], args["from_"], args["to"], longest)
        if areas.area() is not None:  # both visits of a pair are at the same venue
            seen = store_areas.visible_ids(db, Visit, (mine.id for mine, _ in pairs),
                                           areas.area())
            pairs = [(mine, theirs) for mine, theirs in pairs if mine.id in seen]
        shown = {v.id: v for pair in pairs for v in pair}
        dumped = dict(zip(shown, presenting.present(db, "visit", list(shown.values())),
                          strict=True))
    items = []
    for mine, theirs in pairs:
        ends = [v["checked_out_at"] or _open_end(v, longest) for v in (dumped[mine.id],
                                                                      dumped[theirs.id])]
        items.append({"visit": dumped[mine.id], "contact": dumped[theirs.id],
                      "overlap_start": max(mine.checked_in_at, theirs.checked_in_at),
                      "overlap_end": min(ends)})
    audited(len(items))
    return {"items": items}


def _open_end(visit: dict[str, Any], longest: timedelta) -> datetime:
    """Where an open visit is taken to end, as `venues.overlapping` does."""
    return min(utcnow(), visit["checked_in_at"] + longest)
