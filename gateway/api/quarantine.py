"""`/api/v1/quarantine-cases`: enrol (with the welcome SMS), list, read (with its
alerts), change the end date, close or reopen a case, and list its daily reports.

Enrolling is `gateway.quarantine.enrol`, run inside the API's own transaction (the one
that stores the Idempotency-Key response, so the case has its exactly-once guarantee);
its refusals become the answers below, and its welcome SMS goes to the workers once
that transaction commits.
"""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from sqlalchemy import select

from gateway import runtime
from gateway.api import areas, paging, presenting, records
from gateway.api.auth import requires
from gateway.api.blueprint import IDEMPOTENCY_KEY, PREFIX, ApiBlueprint
from gateway.api.fields import PhoneNumber, VenueCode
from gateway.api.problems import Problem, invalid
from gateway.api.reads import audited
from gateway.api.writes import session, writes
from gateway.phones import mask
from gateway.quarantine import today as quarantine_today
from gateway.quarantine.enrol import KINDS, NAME_MAX, EnrolError, full_name, refusals
from gateway.quarantine.enrol import enrol as enrol_case
from gateway.store import areas as store_areas
from gateway.store import quarantine as store
from gateway.store import users
from gateway.store.models import HealthReport, QuarantineCase, User

F = ma.fields
blp = ApiBlueprint("quarantine", __name__, url_prefix=f"{PREFIX}/quarantine-cases",
                   description="Quarantine cases and their daily health reports.")
MAX_ID = 2**31 - 1


class CaseIn(ma.Schema):
    """A person to enrol in home or facility quarantine."""

    phone = PhoneNumber(required=True)
    full_name = F.String(required=True, validate=ma.validate.Length(max=200))
    kind = F.String(load_default="home", validate=ma.validate.OneOf(tuple(KINDS)))
    venue_code = VenueCode(allow_none=True, metadata={"description": "the facility, if any"})
    start_date = F.Date(required=True)
    end_date = F.Date(required=True)
    manager = F.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "description": "username of the quarantine manager (gateway user create)"})
    operator = F.String(allow_none=True, validate=ma.validate.Length(min=1, max=60))

    @ma.post_load
    def check(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The name's length and the order of the dates (enrolment's own rules, as
        field errors)."""
        data["full_name"] = full_name(data["full_name"])
        refused = {error.reason for error in refusals(
            phone=data["phone"], name=data["full_name"], kind=data["kind"],
            start=data["start_date"], end=data["end_date"])}
        errors = {field: [message] for reason, field, message in _FIELD_ERRORS
                  if reason in refused}
        if errors:
            raise ma.ValidationError(errors)
        return data


# Enrolment's refusals (`EnrolError.reason`) as the API words them on its fields; the
# phone and the kind are refused by their fields' own validation before.
_FIELD_ERRORS = (("name", "full_name", f"must have 2 to {NAME_MAX} characters"),
                 ("dates", "end_date", "must not be before start_date"))


class CaseChange(ma.Schema):
    """Extend (or shorten) a case by its end date, close it, or reopen it."""

    end_date = F.Date()
    status = F.String(validate=ma.validate.OneOf(("closed", "active")), metadata={
        "description": "closed: the quarantine is over (no more reminders); active: reopen "
                       "a closed case (reminders resume). A case whose end_date has passed "
                       "reopens only with a new end_date from today on"})

    @ma.validates_schema
    def something(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """An empty change is a mistake, not a no-op."""
        if not data:
            raise ma.ValidationError("give end_date or status", field_name="body")


class CaseFilters(paging.PageArgs):
    """Filters of the case list (in the query: nothing personal)."""

    status = F.String(validate=ma.validate.OneOf(("active", "closed")))
    manager = F.String(validate=ma.validate.Length(min=1, max=60))


class CaseSearch(CaseFilters):
    """The list's filters and the phone, in a JSON body (never in a URL)."""

    phone = PhoneNumber(metadata={"description": "cases of this phone"})


CasePage = paging.page_schema(records.CaseOut, "CasePage")
ReportPage = paging.page_schema(records.ReportOut, "ReportPage")


def _case(db, case_id: int, lock: bool = False) -> QuarantineCase:
    query = areas.limit(select(QuarantineCase).where(QuarantineCase.id == case_id),
                        QuarantineCase)
    found = db.scalar(query.with_for_update() if lock else query) if case_id <= MAX_ID else None
    if found is None:
        raise Problem(404, "no quarantine case has this id")
    return found


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(CaseFilters, location="query")
@blp.response(200, CasePage)
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """Cases, oldest first. A phone's cases: `POST /api/v1/quarantine-cases/search`."""
    return _listed(args)


@blp.route("/search", methods=["POST"])
@requires("read")
@blp.arguments(CaseSearch)
@blp.response(200, CasePage)
def search_cases(args: dict[str, Any]) -> dict[str, Any]:
    """Cases, oldest first, of a phone, by status or manager; the next page is the same
    body with `after`."""
    return _listed(args)


def _listed(args: dict[str, Any]) -> dict[str, Any]:
    query = paging.listing(QuarantineCase, args, "phone", "status")
    if "manager" in args:
        query = query.join(User, User.id == QuarantineCase.manager_id).where(
            User.username == args["manager"])
    with runtime.current().sessions() as db:
        found = presenting.page(db, "quarantine_case", areas.limit(query, QuarantineCase),
                             args["limit"])
    audited(len(found["items"]))
    return found


@blp.route("/<int:case_id>", methods=["GET"])
@requires("read")
@blp.response(200, records.CaseOut)
def get_case(case_id: int) -> dict[str, Any]:
    """One case."""
    with runtime.current().sessions() as db:
        return presenting.present(db, "quarantine_case", [_case(db, case_id)])[0]


@blp.route("/<int:case_id>/reports", methods=["GET"])
@requires("read")
@blp.arguments(paging.PageArgs, location="query")
@blp.response(200, ReportPage)
def list_reports(args: dict[str, Any], case_id: int) -> dict[str, Any]:
    """The case's daily reports, oldest first."""
    query = paging.listing(HealthReport, args).where(HealthReport.case_id == case_id)
    with runtime.current().sessions() as db:
        _case(db, case_id)
        found = presenting.page(db, "health_report", areas.limit(query, HealthReport),
                             args["limit"])
    audited(len(found["items"]))
    return found


@blp.route("", methods=["POST"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(CaseIn)
@blp.response(201, records.CaseOut)
def enrol(data: dict[str, Any]) -> dict[str, Any]:
    """Enrol a phone in quarantine; it gets the welcome SMS explaining how to report."""
    db = session()
    _check_area(db, data["manager"], data.get("venue_code"))
    try:
        case = enrol_case(db, phone=data["phone"], name=data["full_name"],
                          manager=data["manager"], start=data["start_date"],
                          end=data["end_date"], kind=data["kind"],
                          venue_code=data.get("venue_code"), channel="web",
                          operator=data.get("operator"))
    except EnrolError as error:
        _refuse(error, data["phone"])
    return presenting.present(db, "quarantine_case", [case])[0]


def _check_area(db, manager: str, venue_code: str | None) -> None:
    """A limited token enrols only for a manager whose area lies within its own (the
    case's area is its manager's: gateway.store.areas), at a facility inside it."""
    limited = areas.area()
    if limited is None:
        return
    account = users.by_username(db, manager)
    if account is not None and not limited.contains(store_areas.of(db, user_id=account.id)):
        areas.refuse(f"the manager {manager!r}")
    facility = store.venue_by_code(db, venue_code) if venue_code else None
    if facility is not None and not limited.covers(facility.province_code, facility.ward_code):
        areas.refuse("this facility")


def _refuse(error: EnrolError, phone: str) -> NoReturn:
    """Answer enrolment's refusal: a field error (422) or, for a case already there, a
    conflict (409) that names it."""
    if error.reason == "overlap":
        raise Problem(409, f"{mask(phone)} already has an active case in these dates",
                      type="urn:gateway:problem:case-exists", case_id=error.case_id)
    invalid(*_REFUSED_FIELDS.get(error.reason, ("body", str(error))))


# The refusals that need a look-up, on the field that caused them.
_REFUSED_FIELDS = {"manager": ("manager", "not an active quarantine manager"),
                   "venue": ("venue_code", "no venue has this code")}


@blp.route("/<int:case_id>", methods=["PATCH"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(CaseChange)
@blp.response(200, records.CaseOut)
def change_case(data: dict[str, Any], case_id: int) -> dict[str, Any]:
    """Change the end date of an active case (extend it), close it, or reopen a closed
    one (`status: active`, with a new `end_date` if its last day has passed)."""
    db = session()
    case = _case(db, case_id, lock=True)
    try:
        if data.get("status") == "active" and case.status == "closed":
            store.reopen_case(db, case, quarantine_today(runtime.current().config.tz),
                              data.get("end_date"))
        else:
            store.change_case(case, end_date=data.get("end_date"),
                              close=data.get("status") == "closed")
    except store.CaseChangeError as error:
        _refuse_change(error)
    db.flush()
    return presenting.present(db, "quarantine_case", [case])[0]


def _refuse_change(error: store.CaseChangeError) -> NoReturn:
    """Answer a change the case cannot take."""
    if error.reason == "closed":
        raise Problem(409, "the case is closed",
                      type="urn:gateway:problem:case-closed") from None
    if error.reason == "overlap":
        raise Problem(409, "the phone has another active case in these dates",
                      type="urn:gateway:problem:case-exists", case_id=error.case_id)
    if error.reason == "ended":
        invalid("end_date", "the case's last day has passed: give a new end_date, "
                            "today or later, to reopen it")
    invalid("end_date", "must not be before the case's start_date")
