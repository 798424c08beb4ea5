"""Records as the API shows them, before a schema dumps them: `present` turns model rows
of one topic into dicts with their related codes looked up (a visit's venue and
declaration, a case's manager, facility, area and alerts), one query per kind however
many rows; `page` does it for a page of a list. The list and detail views and the
change feed (`gateway.api.feed`) share it, so a record looks the same wherever it is
read. It is apart from the schemas (`gateway.api.records`) because it is a different
job: the schemas declare the shapes (and make the OpenAPI document) without touching
the database; presenting queries the database and knows the models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.api import paging
from gateway.store import alerts
from gateway.store.models import Consent, Declaration, IsolationArea, User, Venue


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}


def _lookup(session: Session, column: Any, key: Any, ids: Iterable[int | None]) -> dict:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {k: v for k, v in session.execute(select(key, column).where(key.in_(wanted)))}


def present(session: Session, topic: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The API shape (before dumping) of `rows` of one topic."""
    items = [_columns(row) for row in rows]
    if topic == "venue":
        for item in items:
            base = f"/api/v1/venues/{item['code']}"
            item.update(poster_url=f"{base}/poster.svg", qr_url=f"{base}/qr.png")
    elif topic == "declaration":
        given = {c.id: c for c in session.scalars(select(Consent).where(
            Consent.id.in_({i["consent_id"] for i in items if i["consent_id"]})))} \
            if items else {}
        for item in items:
            row = given.get(item.pop("consent_id"))
            item["consent"] = None if row is None else {
                "answer": row.answer, "channel": row.channel, "at": row.given_at,
                "notice_version": row.notice_version, "legal_basis": row.legal_basis}
    elif topic == "visit":
        venues = {v.id: v for v in session.scalars(select(Venue).where(
            Venue.id.in_({i["venue_id"] for i in items})))} if items else {}
        codes = _lookup(session, Declaration.code, Declaration.id,
                        (i["declaration_id"] for i in items))
        for item in items:
            item.update(venue_code=venues[item["venue_id"]].code,
                        venue_name=venues[item["venue_id"]].name,
                        declaration_code=codes.get(item["declaration_id"]))
    elif topic == "quarantine_case":
        managers = _lookup(session, User.username, User.id, (i["manager_id"] for i in items))
        facilities = _lookup(session, Venue.code, Venue.id, (i["venue_id"] for i in items))
        raised = alerts.of_cases(session, (i["id"] for i in items))
        codes = _lookup(session, IsolationArea.code, IsolationArea.id,
                        (i["area_id"] for i in items))
        for item in items:
            item.update(manager=managers.get(item["manager_id"], ""),
                        venue_code=facilities.get(item["venue_id"]),
                        alerts=[_columns(a) for a in raised[item["id"]]],
                        area_code=codes.get(item["area_id"]))
    elif topic in ("exposure", "exposure_notice"):
        named = {v.id: v for v in session.scalars(select(Venue).where(
            Venue.id.in_({i["venue_id"] for i in items})))} if items else {}
        for item in items:
            item.update(venue_code=named[item["venue_id"]].code,
                        venue_name=named[item["venue_id"]].name)
            if topic == "exposure_notice":
                item["operator"] = item["notified_by"]
    elif topic == "health_report":
        for item in items:
            relation = item.pop("relation")
            item["reported_by"] = None if item["operator"] is None else {
                "operator": item["operator"], "relation": relation}
    elif topic == "isolation_area":
        names = _lookup(session, User.username, User.id,
                        [i["manager_id"] for i in items] + [i["declared_by"] for i in items])
        for item in items:
            item.update(manager=names.get(item["manager_id"], ""),
                        declared_by=names.get(item["declared_by"]))
    return items


def page(db: Session, topic: str, query: Any, limit: int) -> dict[str, Any]:
    """A page of `topic` records: the rows of `query` (ordered by id, fetching
    limit + 1 to know whether more follow), presented, with the next page's cursor."""
    found = paging.page(list(db.scalars(query)), limit)
    found["items"] = present(db, topic, found["items"])
    return found
