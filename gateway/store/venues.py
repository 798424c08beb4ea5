"""Venue and visit records: registering venues, check-in and check-out, closing
forgotten visits, and the contact-tracing overlap query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.codes import new_venue_code
from gateway.store import lean
from gateway.store.db import Statement, insert_coded, utc
from gateway.store.models import Venue, Visit, utcnow

CODE_ATTEMPTS = 10
KINDS = ("office", "hospital", "school", "market", "shop", "restaurant", "hotel", "transport",
         "factory", "religious", "other")


def create(session: Session, **fields: Any) -> Venue:
    """Register a venue under a fresh unique code."""
    return insert_coded(session, lambda: Venue(code=new_venue_code(), **fields),
                        CODE_ATTEMPTS, "venue")


# Built once, run with parameters: every check-in's turn asks (see store.consents).
_ACTIVE_BY_CODE = select(Venue).where(Venue.code == bindparam("code"), Venue.active.is_(True))


def by_code(session: Session, code: str) -> Venue | None:
    """An active venue by its code."""
    return session.scalar(_ACTIVE_BY_CODE, {"code": code})


_VISIT_FIELDS = ("id", "venue_id", "phone", "declaration_id", "channel", "operator",
                 "checked_in_at", "checked_out_at", "closed_by")
_OPEN_VISIT_SQL = (f"SELECT {', '.join(_VISIT_FIELDS)} FROM visits "
                   "WHERE phone = :phone AND checked_out_at IS NULL "
                   "ORDER BY checked_in_at DESC LIMIT 1")
# SQLite has no row locks: its writers take the whole database one at a time.
_OPEN_VISIT = {"postgresql": Statement(_OPEN_VISIT_SQL + " FOR UPDATE"),
               "sqlite": Statement(_OPEN_VISIT_SQL)}


def open_visit(session: Session, phone: str) -> Visit | None:
    """The phone's visit that has not been closed, if any (locked for update; one lean
    statement, the visit a transient object to read)."""
    row = _OPEN_VISIT[session.connection().dialect.name].run(
        session, {"phone": phone}).fetchone()
    if row is None:
        return None
    found = dict(zip(_VISIT_FIELDS, row, strict=True))
    found["checked_in_at"] = utc(found["checked_in_at"])
    return lean.transient(Visit, found)


@dataclass(frozen=True)
class CheckIn:
    """The visit a check-in produced, and whether it only repeated a recent one."""

    visit: Visit
    repeated: bool


_VISIT_COLUMNS = lean.Columns(Visit.__table__)
_INSERT_VISIT = lean.FedWrite(_VISIT_COLUMNS.insert_sql("RETURNING id, 'created' AS action"),
                              "visit")
_CLOSE_VISIT = lean.FedWrite(
    "UPDATE visits SET checked_out_at = :checked_out_at, closed_by = :closed_by "
    "WHERE id = :id RETURNING id, 'updated' AS action", "visit")


def check_in(session: Session, venue: Venue, phone: str, *, channel: str,
             repeat_window: timedelta, declaration_id: int | None = None,
             operator: str | None = None, now: datetime | None = None) -> CheckIn:
    """Check `phone` in at `venue`. A repeat at the same venue within `repeat_window`
    is answered with the existing visit; an open visit elsewhere is closed first. The
    visit and its event are written with lean statements (`gateway.store.lean`)."""
    now = now or utcnow()
    current = open_visit(session, phone)
    if current is not None and current.venue_id == venue.id:
        if now - current.checked_in_at < repeat_window:
            return CheckIn(current, repeated=True)
        _close_now(session, current, now, "elsewhere")  # back after a long stay: a new visit
    elif current is not None:
        _close_now(session, current, now, "elsewhere")
    values = _VISIT_COLUMNS.values({"venue_id": venue.id, "phone": phone,
                                    "declaration_id": declaration_id, "channel": channel,
                                    "operator": operator, "checked_in_at": now})
    rows = _INSERT_VISIT.run(session, values)
    return CheckIn(lean.transient(Visit, {"id": rows[0][0], **values}), repeated=False)


def check_out(session: Session, phone: str, now: datetime | None = None) -> Visit | None:
    """Close the phone's open visit; None when there is none."""
    current = open_visit(session, phone)
    if current is not None:
        _close_now(session, current, now or utcnow(), "checkout")
    return current


def _close_now(session: Session, visit: Visit, now: datetime, why: str) -> None:
    """Close a visit with one lean statement (and its event); the object, and any copy
    of it loaded in the session, get the new values without becoming dirty, so no
    flush writes them again."""
    closed = {"checked_out_at": now, "closed_by": why}
    _CLOSE_VISIT.run(session, {"id": visit.id, **closed})
    for name, value in closed.items():
        set_committed_value(visit, name, value)
    lean.refresh_loaded(session, Visit, visit.id, closed)


def _close(visit: Visit, now: datetime, why: str) -> None:
    visit.checked_out_at = now
    visit.closed_by = why


def close_stale(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Close visits left open longer than `older_than` (the person forgot to check out);
    their end is set to check-in plus `older_than`. Returns how many were closed."""
    now = now or utcnow()
    stale = list(session.scalars(select(Visit).where(
        Visit.checked_out_at.is_(None), Visit.checked_in_at < now - older_than)
        .with_for_update(skip_locked=True)))
    for visit in stale:
        _close(visit, visit.checked_in_at + older_than, "auto")
    return len(stale)


def overlapping(session: Session, phone: str, start: datetime, end: datetime,
                longest: timedelta, margin: timedelta = timedelta(0)) -> list[tuple[Visit, Visit]]:
    """Contact tracing: pairs (the phone's visit, another phone's visit) at the same
    venue whose times overlapped, for the phone's visits that overlap [start, end].
    An open visit counts until now; no visit lasts longer than `longest` (forgotten
    ones are closed after it), which bounds the scan. With a `margin`, the phone's
    visits count as that much longer on both sides (exposure notification)."""
    now = utcnow()
    mine = session.scalars(select(Visit).where(
        Visit.phone == phone, Visit.checked_in_at <= end,
        Visit.checked_in_at >= start - longest).order_by(Visit.checked_in_at)).all()
    pairs = []
    for visit in mine:
        visit_end = _end(visit, now, longest)
        if visit_end < start:
            continue
        began = visit.checked_in_at - margin
        others = session.scalars(select(Visit).where(
            Visit.venue_id == visit.venue_id, Visit.phone != phone,
            Visit.checked_in_at < visit_end + margin,
            Visit.checked_in_at >= began - longest).order_by(Visit.checked_in_at))
        pairs += [(visit, other) for other in others if _end(other, now, longest) > began]
    return pairs


def visit_end(visit: Visit, longest: timedelta, now: datetime | None = None) -> datetime:
    """Where a visit is taken to end: its check-out, or for an open one now (at most
    `longest` after check-in), as `overlapping` counts it."""
    return _end(visit, now or utcnow(), longest)


def _end(visit: Visit, now: datetime, longest: timedelta) -> datetime:
    if visit.checked_out_at is not None:
        return visit.checked_out_at
    return min(now, visit.checked_in_at + longest)
