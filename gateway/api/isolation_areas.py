"""`/api/v1/isolation-areas`: declare an area under isolation (its residents are then
enrolled by a job), list and read areas, move an area's end date or lift it.

The rules are `gateway.quarantine.isolation`'s, run in the API's own write transaction
(with its Idempotency-Key guarantee); the enrolment job is queued once that commits. A
token limited to an area declares, sees and lifts only areas inside it (elsewhere: 403
on a write, 404 on a read), and the manager it names must lie within it too. Every
write is in the audit log under the token's name.
"""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask import g
from sqlalchemy import select

from gateway import runtime
from gateway.api import areas, paging, presenting, records
from gateway.api.auth import requires
from gateway.api.blueprint import IDEMPOTENCY_KEY, PREFIX, ApiBlueprint
from gateway.api.fields import Integer
from gateway.api.problems import Problem, invalid
from gateway.api.reads import audited
from gateway.api.writes import session, writes
from gateway.quarantine import isolation, isolation_jobs
from gateway.quarantine import today as local_today
from gateway.store import users
from gateway.store.models import AuditEntry, IsolationArea

F = ma.fields
blp = ApiBlueprint("isolation_areas", __name__, url_prefix=f"{PREFIX}/isolation-areas",
                   description="Areas under isolation, whose residents report every day.")
MAX_ID = 2**31 - 1
TOPIC = "isolation_area"


class AreaIn(ma.Schema):
    """An area to put under isolation: a commune (official codes), optionally a
    street group or hamlet within it, and its dates."""

    province_code = Integer(required=True, strict=True, metadata={"example": 38})
    ward_code = Integer(required=True, strict=True)
    street = F.String(load_default="", validate=ma.validate.Length(max=isolation.STREET_MAX),
                      metadata={"description": "only residents whose street contains this "
                                               "text (diacritics ignored); '' for all"})
    start_date = F.Date(required=True)
    end_date = F.Date(required=True)
    manager = F.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "description": "username of the manager (or health officer) whose digest carries it"})
    operator = F.String(allow_none=True, validate=ma.validate.Length(min=1, max=60))


class AreaChange(ma.Schema):
    """Move the end date (the residents' cases move with it) or lift the area."""

    end_date = F.Date()
    status = F.String(validate=ma.validate.OneOf(("lifted",)), metadata={
        "description": "lifted: the isolation is over; its residents' cases close and "
                       "reminders stop (final)"})

    @ma.validates_schema
    def something(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """An empty change is a mistake, not a no-op."""
        if not data:
            raise ma.ValidationError("give end_date or status", field_name="body")


class AreaFilters(paging.PageArgs):
    """Filters of the area list."""

    status = F.String(validate=ma.validate.OneOf(("active", "lifted")))


AreaPage = paging.page_schema(records.IsolationAreaOut, "IsolationAreaPage")


def _area(db, area_id: int, lock: bool = False) -> IsolationArea:
    query = areas.limit(select(IsolationArea).where(IsolationArea.id == area_id),
                        IsolationArea)
    found = db.scalar(query.with_for_update() if lock else query) if area_id <= MAX_ID else None
    if found is None:
        raise Problem(404, "no isolation area has this id")
    return found


def _audit(db, action: str, area: IsolationArea, detail: str = "") -> None:
    db.add(AuditEntry(user_id=None, username=f"token:{g.caller.name}"[:60], action=action,
                      detail=f"{area.code} {detail}".strip()[:255]))


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(AreaFilters, location="query")
@blp.response(200, AreaPage)
def list_areas(args: dict[str, Any]) -> dict[str, Any]:
    """Areas, oldest first (those inside the token's area)."""
    query = paging.listing(IsolationArea, args, "status")
    with runtime.current().sessions() as db:
        found = presenting.page(db, TOPIC, areas.limit(query, IsolationArea), args["limit"])
    audited(len(found["items"]))
    return found


@blp.route("/<int:area_id>", methods=["GET"])
@requires("read")
@blp.response(200, records.IsolationAreaOut)
def get_area(area_id: int) -> dict[str, Any]:
    """One area."""
    with runtime.current().sessions() as db:
        return presenting.present(db, TOPIC, [_area(db, area_id)])[0]


@blp.route("", methods=["POST"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(AreaIn)
@blp.response(201, records.IsolationAreaOut)
def declare(data: dict[str, Any]) -> dict[str, Any]:
    """Put an area under isolation. Everyone whose latest declaration's address lies in
    it is enrolled by a job just after (a welcome SMS each), and so is anyone who
    declares there, or texts `KV <code>`, while it is active."""
    db = session()
    areas.check_place("this area", data["province_code"], data["ward_code"])
    rt = runtime.current()
    try:
        made = isolation.declare(
            db, province_code=data["province_code"], ward_code=data["ward_code"],
            street=data["street"], start=data["start_date"], end=data["end_date"],
            manager=users.by_username(db, data["manager"]), declared_by=None,
            officer_area=areas.area(), channel="web", operator=data.get("operator"),
            day=local_today(rt.config.tz))
    except isolation.AreaError as error:
        _refuse(error)
    _audit(db, "area.declare", made, f"{made.province_code}/{made.ward_code}")
    isolation_jobs.enqueue_after_commit(db, rt, made.id)
    return presenting.present(db, TOPIC, [made])[0]


@blp.route("/<int:area_id>", methods=["PATCH"])
@requires("write")
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(AreaChange)
@blp.response(200, records.IsolationAreaOut)
def change(data: dict[str, Any], area_id: int) -> dict[str, Any]:
    """Move the end date of an active area, or lift it (`status: lifted`)."""
    db = session()
    area = _area(db, area_id, lock=True)
    lift = data.get("status") == "lifted"
    if lift and area.status == "lifted" and "end_date" not in data:
        return presenting.present(db, TOPIC, [area])[0]  # lifted already: nothing to do
    try:
        isolation.change(db, area, end_date=data.get("end_date"), lift=lift,
                         day=local_today(runtime.current().config.tz))
    except isolation.AreaError as error:
        _refuse(error)
    _audit(db, "area.lift" if lift else "area.change", area,
           "" if lift else f"end {area.end_date.isoformat()}")
    db.flush()
    return presenting.present(db, TOPIC, [area])[0]


# AreaError reasons → the field that caused them.
_FIELDS = {"place": "ward_code", "street": "street", "dates": "end_date",
           "manager": "manager"}


def _refuse(error: isolation.AreaError) -> NoReturn:
    """Answer a refusal: a lifted area is a conflict, the rest field errors."""
    if error.reason == "lifted":
        raise Problem(409, "the area has been lifted",
                      type="urn:gateway:problem:area-lifted") from None
    invalid(_FIELDS[error.reason], str(error))
