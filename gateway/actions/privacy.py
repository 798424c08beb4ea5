"""Data-subject requests inside dialogues: the `DULIEU` summary (`privacy.summary`,
recorded as an access request done at once), and erasure by `XOA`: an open request
(`erasure.context`), what must be kept (`erasure.scope`) and the request itself
(outcome `erasure`, queued for the workers once the turn commits)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from gateway.actions.context import Context, Records
from gateway.privacy import access, erasure, held, intake
from gateway.store import data_requests
from gateway.store.models import DataRequest


def _new_request(context: Records, kind: str) -> DataRequest:
    """Record a request of `kind` from the caller, acknowledged by this very reply."""
    return intake.receive(context.session, context.runtime.config.tz,
                          phone=context.inbound.phone, kind=kind,
                          channel=context.inbound.channel, acknowledged=True)


def _day(context: Records, request: DataRequest) -> str:
    """The deadline as the person reads it: the last local day (it ends at 24:00)."""
    last = request.deadline.astimezone(context.runtime.config.tz)
    return (last.date() - timedelta(days=1)).strftime("%d/%m/%Y")


def summary(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """The facts of the summary, within the phone's daily limit; the access request is
    recorded and closed at once (the summary is its answer)."""
    redis, phone = context.runtime.redis, context.inbound.phone
    allowed = access.take(redis, phone)
    context.on_rollback(lambda: access.give_back(redis, phone))
    if allowed != "ok":
        return allowed, {"limit": access.ACCESS_PER_DAY}
    request = _new_request(context, "access")
    data_requests.close(request, "done")
    return "ok", held.summary(context.session, context.inbound.phone,
                              context.runtime.config.tz)


def open_erasure(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """'pending' (with its number and deadline) when an erasure request of the phone is
    still open: a repeated XOA is answered, not recorded twice."""
    found = data_requests.open_request(context.session, context.inbound.phone, "erasure")
    if found is None:
        return "new", {}
    return "pending", {"request": found.id, "deadline": _day(context, found)}


def scope(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """'kept' when the law makes us keep some of the phone's records (an active
    quarantine case), else 'all'."""
    kept = erasure.must_keep(context.session, context.inbound.phone)
    return ("kept" if "active_case" in kept else "all"), {}


def record_erasure(context: Records, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Outcome `erasure`: record the request (or find the open one) and queue it for the
    workers once the turn commits; its number and deadline go into the reply."""
    request = data_requests.open_request(context.session, context.inbound.phone, "erasure")
    if request is None:
        request = _new_request(context, "erasure")
        erasure.enqueue_after_commit(context.session, context.runtime, request.id)
    return {"request": request.id, "deadline": _day(context, request)}
