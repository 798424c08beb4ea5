"""`/api/v1/subject-requests`: the web system answers a person's requests about their
data (Law 91/2025/QH15; Decree 356/2025/ND-CP Art. 5) with the gateway's records:
export everything held about a phone, or erase it. The phone goes in the JSON body,
never in the URL (URLs end up in access logs). Needs a token with the `privacy`
scope; each call records the request (with its legal deadline) and an audit entry
naming the token. A token limited to an area is refused (403): a request is about
everything held on a phone, in every area, so an export narrowed to one area would be
a wrong answer and an unnarrowed one would show a locality other areas' records.

An erasure runs at once and answers what was deleted and what the law made us keep
(an active quarantine case) and why; the change feed publishes `deleted` events of
the deleted records. The export is not stored under an `Idempotency-Key` (that would
keep a copy of the person's records); repeating it is harmless.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g

from gateway import runtime
from gateway.api import areas
from gateway.api.auth import requires
from gateway.api.blueprint import IDEMPOTENCY_KEY, PREFIX, ApiBlueprint
from gateway.api.fields import PhoneNumber
from gateway.api.problems import Problem
from gateway.api.writes import session, writes
from gateway.privacy import erasure, held, intake
from gateway.store import data_requests
from gateway.store.db import transaction
from gateway.store.models import DataRequest

F = ma.fields
blp = ApiBlueprint("subject_requests", __name__, url_prefix=f"{PREFIX}/subject-requests",
                   description="A person's requests about their data: export and erasure.")
SCOPE = "privacy"


class SubjectIn(ma.Schema):
    """Whose data: the person's phone."""

    phone = PhoneNumber(required=True)


class RequestOut(ma.Schema):
    """The request as recorded, with its legal deadlines."""

    id = F.Integer(required=True)
    kind = F.String(required=True, metadata={"description": "access or erasure"})
    channel = F.String(required=True)
    received_at = F.AwareDateTime(required=True)
    acknowledge_by = F.AwareDateTime(required=True)
    deadline = F.AwareDateTime(required=True)
    acknowledged_at = F.AwareDateTime(allow_none=True)
    done_at = F.AwareDateTime(allow_none=True)
    outcome = F.String(allow_none=True, metadata={"description": "done, partial or refused"})
    reason = F.String(required=True, metadata={"description": "what was kept, and why"})


class ExportOut(ma.Schema):
    """Every record held about the phone, by kind."""

    request = F.Nested(RequestOut, required=True)
    records = F.Dict(required=True, metadata={
        "description": "phone_record, declarations, visits, quarantine_cases (with reports), "
                       "messages_received, messages_sent, data_requests, consents"})


class ErasureOut(ma.Schema):
    """What the erasure deleted and kept."""

    request = F.Nested(RequestOut, required=True)
    deleted = F.Dict(keys=F.String(), values=F.Integer(), required=True)
    kept = F.List(F.String(), required=True, metadata={
        "description": "active_case, family, opted_out (reasons in `request.reason`)"})


def _whole_country() -> None:
    """Refuse a token limited to an area (see the module docstring)."""
    limited = areas.area()
    if limited is not None:
        raise Problem(403, "a data-subject request covers a phone's records in every area; "
                           f"this token is limited to {limited.describe()}: use a token "
                           "without an area", type=areas.OUTSIDE)


def _record(db, phone: str, kind: str) -> DataRequest:
    """The request, received from the web system and answered by this response."""
    return intake.receive(db, runtime.current().config.tz, phone=phone, kind=kind,
                          channel="web", operator=f"api:{g.caller.name}", acknowledged=True)


@blp.route("/export", methods=["POST"])
@requires(SCOPE)
@blp.arguments(SubjectIn)
@blp.response(200, ExportOut)
def export(data: dict[str, Any]) -> dict[str, Any]:
    """Every record held about a phone (an access request, answered at once)."""
    _whole_country()
    with transaction(runtime.current().sessions) as db:
        request = _record(db, data["phone"], "access")
        records = held.export(db, data["phone"])
        data_requests.close(request, "done")
        data_requests.audit(db, f"api:{g.caller.name}", "privacy.export", data["phone"],
                            f"access request {request.id}")
    return {"request": request, "records": records}


@blp.route("/erasure", methods=["POST"])
@requires(SCOPE)
@writes
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(SubjectIn)
@blp.response(200, ErasureOut)
def erase(data: dict[str, Any]) -> dict[str, Any]:
    """Erase a phone's data now; what the law requires to keep stays, and the answer
    says what and why."""
    _whole_country()
    db = session()
    request = _record(db, data["phone"], "erasure")
    erased = erasure.perform(db, runtime.current().redis, request, f"api:{g.caller.name}")
    data_requests.audit(db, f"api:{g.caller.name}", "privacy.erase", data["phone"],
                        f"request {request.id}: {erased.outcome} {erased.counts}")
    return {"request": request, "deleted": erased.counts, "kept": erased.kept}
