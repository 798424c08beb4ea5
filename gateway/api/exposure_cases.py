"""`/api/v1/exposure-cases`: mark a phone as a confirmed case (its exposures are
listed for review, nobody is texted), list and read cases, list a case's exposures
with their notices and answers, and confirm (`POST …/{id}/notify`): one SMS to each
exposed phone not texted about that exposure yet.

Areas: a limited token marks a case at the venues inside its area only (its exposures
are those venues'), sees a case it marked or one that exposed someone inside its
area, only that area's exposures, and confirms only those. The phone of the case is
in the JSON body, never in a URL.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from sqlalchemy import select

from gateway import runtime
from gateway.api import areas, paging, presenting, records
from gateway.api.auth import requires
from gateway.api.blueprint import IDEMPOTENCY_KEY, PREFIX, ApiBlueprint
from gateway.api.fields import Moment, PhoneNumber
from gateway.api.problems import Problem, invalid
from gateway.api.reads import audited
from gateway.api.writes import session, writes
from gateway.store import data_requests
from gateway.store import exposures as store
from gateway.store.models import ExposureCase
from gateway.tracing import enrolling, marking, notifying

F = ma.fields
blp = ApiBlueprint("exposure_cases", __name__, url_prefix=f"{PREFIX}/exposure-cases",
                   description="Exposure notification: confirmed cases, their exposures "
                               "and the one SMS each exposed phone gets.")
MAX_ID = 2**31 - 1


class ExposureCaseIn(ma.Schema):
    """A phone confirmed as a case, and the window in which it was infectious."""

    phone = PhoneNumber(required=True)
    from_ = Moment(data_key="from", required=True, metadata={
        "description": "start of the infectious window (ISO 8601)"})
    to = Moment(required=True, metadata={"description": "its end (at most 31 days later)"})
    operator = F.String(allow_none=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "description": "the health officer who marked it on the web system"})


class ExposureCaseView(records.ExposureCaseOut):
    """A case with its counts (inside the caller's area)."""

    exposed = F.Integer(required=True, metadata={"description": "exposures listed"})
    notified = F.Integer(required=True, metadata={"description": "of them, texted"})
    isolating = F.Integer(required=True, metadata={"description": "answered 1"})
    symptoms = F.Integer(required=True, metadata={"description": "answered 2"})


class ExposureCaseFilters(paging.PageArgs):
    """Filters of the case list (nothing personal)."""

    status = F.String(validate=ma.validate.OneOf(("review", "notified")))


class ExposureView(records.ExposureOut):
    """An exposure with its notice (null before confirmation)."""

    notice = F.Nested(records.ExposureNoticeOut, allow_none=True, required=True)


class EnrolmentIn(ma.Schema):
    """Enrol the phones texted now in home quarantine, in the same step."""

    manager = F.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "description": "username of the quarantine manager (within the token's area)"})
    days = F.Integer(load_default=14, validate=ma.validate.Range(1, enrolling.MAX_DAYS),
                     metadata={"description": "days of home quarantine, today included"})


class NotifyIn(ma.Schema):
    """Options of the confirmation (an empty body, or none, texts only)."""

    enrol = F.Nested(EnrolmentIn, metadata={"description": "also enrol them in home "
                                                           "quarantine monitoring"})


class ExposureNotified(ma.Schema):
    """What a confirmation did."""

    case = F.Nested(ExposureCaseView, required=True)
    queued = F.Integer(required=True, metadata={
        "description": "phones texted now; 0 when every exposure had been texted before"})
    enrolled = F.Integer(required=True, metadata={
        "description": "of them, enrolled in home quarantine now (with `enrol`)"})


CasePage = paging.page_schema(ExposureCaseView, "ExposureCasePage")
ExposurePage = paging.page_schema(ExposureView, "ExposurePage")


def _who() -> str:
    return f"token:{g.caller.name}"[:60]


def _case(db, case_id: int, lock: bool = False) -> ExposureCase:
    query = areas.limit(select(ExposureCase).where(ExposureCase.id == case_id), ExposureCase)
    found = db.scalar(query.with_for_update() if lock else query) if case_id <= MAX_ID else None
    if found is None:
        raise Problem(404, "no exposure case has this id")
    return found


def _views(db, cases: list[ExposureCase]) -> list[dict[str, Any]]:
    return _counted(db, presenting.present(db, "exposure_case", cases))


def _counted(db, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Presented cases with their counts inside the caller's area."""
    counted = store.counts(db, (item["id"] for item in items), areas.area())
    return [{**item, **counted[item["id"]]} for item in items]


@blp.route("", methods=["POST"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(ExposureCaseIn)
@blp.response(201, ExposureCaseView, description="marked: its exposures are listed for review")
@blp.alt_response(200, schema=ExposureCaseView, description="the same phone and window were marked "
                                                    "before: that case, with any exposure "
                                                    "found since added")
def mark(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Mark a phone as a confirmed case: its exposures (other phones' visits that
    overlapped its own at the same venues, by EXPOSURE_MIN_OVERLAP_MINUTES with
    EXPOSURE_MARGIN_MINUTES) are listed; nobody is texted until `…/notify`."""
    db = session()
    operator = data.get("operator") or g.caller.name
    try:
        marked = marking.mark(db, runtime.current().config, phone=data["phone"],
                              start=data["from_"], end=data["to"], area=areas.area(),
                              channel="web", operator=operator[:60],
                              token_id=g.caller.token_id)
    except marking.MarkError as error:
        invalid("to", str(error))
    data_requests.audit(db, _who(), "exposure.mark", data["phone"],
                        f"case {marked.case.id}, {marked.added} exposures listed")
    db.flush()
    return _views(db, [marked.case])[0], 201 if marked.created else 200


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(ExposureCaseFilters, location="query")
@blp.response(200, CasePage)
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """Cases, oldest first, inside the caller's area."""
    query = paging.listing(ExposureCase, args, "status")
    with runtime.current().sessions() as db:
        found = presenting.page(db, "exposure_case", areas.limit(query, ExposureCase),
                             args["limit"])
        found["items"] = _counted(db, found["items"])
    audited(len(found["items"]))
    return found


@blp.route("/<int:case_id>", methods=["GET"])
@requires("read")
@blp.response(200, ExposureCaseView)
def get_case(case_id: int) -> dict[str, Any]:
    """One case, with its counts."""
    with runtime.current().sessions() as db:
        return _views(db, [_case(db, case_id)])[0]


@blp.route("/<int:case_id>/exposures", methods=["GET"])
@requires("read")
@blp.arguments(paging.PageArgs, location="query")
@blp.response(200, ExposurePage)
def list_exposures(args: dict[str, Any], case_id: int) -> dict[str, Any]:
    """The case's exposures inside the caller's area, oldest first, each with its
    notice and the phone's answer: the review list before confirmation."""
    with runtime.current().sessions() as db:
        _case(db, case_id)
        pairs = store.exposures_of(db, case_id, areas.area(), args.get("after", 0),
                                   args["limit"] + 1)
        found = paging.page([exposure for exposure, _ in pairs], args["limit"])
        noticed = [n for _, n in pairs[:len(found["items"])] if n is not None]
        exposures = presenting.present(db, "exposure", found["items"])
        notices = {n["id"]: n for n in presenting.present(db, "exposure_notice", noticed)}
    found["items"] = [{**item, "notice": notices.get(item["notice_id"])} for item in exposures]
    audited(len(found["items"]))
    return found


@blp.route("/<int:case_id>/notify", methods=["POST"])
@requires("write")
@blp.arguments(NotifyIn)
@blp.response(200, ExposureNotified)
def notify(data: dict[str, Any], case_id: int) -> dict[str, Any]:
    """Confirm: text each exposed phone of the case (inside the caller's area) once,
    through the bulk queue at the sender's rate; with `enrol`, also enrol those phones
    in home quarantine. Idempotent by itself: a repeat, or another case over the same
    visits, texts (and enrols) nobody again (`queued` 0)."""
    rt = runtime.current()
    enrolment = enrolling.Enrolment(**data["enrol"]) if "enrol" in data else None
    with rt.sessions() as db:
        _case(db, case_id)
        refused = enrolling.check(db, enrolment, areas.area()) if enrolment else None
    if refused:
        invalid("enrol.manager", refused)
    done = notifying.notify(rt, case_id, by=g.caller.name[:60], channel="web",
                            area=areas.area(), audit=_audit_notify, enrolment=enrolment)
    with rt.sessions() as db:
        return {"case": _views(db, [_case(db, case_id)])[0], "queued": done.queued,
                "enrolled": done.enrolled}


def _audit_notify(db, case: ExposureCase, queued: int) -> None:
    data_requests.audit(db, _who(), "exposure.notify", case.phone,
                        f"case {case.id}: {queued} phones texted")
