"""Exposure records: confirmed cases, the exposures found for them, and the notices
(one SMS each) and their answers. Functions take the session and never commit.

"Texted once" is the database's guarantee, not the code's: an exposure is unique per
(case, exposed visit), and a notice per (phone, venue, exposed visit), inserted with
ON CONFLICT DO NOTHING. So marking a case twice lists nothing twice, and two cases
overlapping one visit, two officers confirming at once or a retried request share
one notice — the second insert finds the first and queues nothing.

Exposures and notices are written with bulk INSERTs (a market's case can expose
thousands of phones), so their change-feed events are written here too
(`events.record`); updates go through the session and its hooks as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.store import areas, events, venues
from gateway.store.areas import Area
from gateway.store.models import (
    Exposure,
    ExposureCase,
    ExposureNotice,
    OutboundMessage,
    Phone,
    Venue,
    utcnow,
)

CHUNK = 1000  # rows per bulk statement (SQLite's bound-parameter limit)
DEDUP = "exposure:"  # an exposure notice's outbox dedup key: exposure:<notice id>


@dataclass(frozen=True)
class Rules:
    """How overlapping visits count as an exposure (EXPOSURE_* settings)."""

    min_overlap: timedelta
    margin: timedelta
    longest: timedelta  # no visit lasts longer (VISIT_CLOSE_HOURS)


def _insert(session: Session, table: Any) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def same_case(session: Session, phone: str, start: datetime, end: datetime,
              area: Area | None) -> ExposureCase | None:
    """The case already marked for this phone and exactly this window that the marker
    (limited to `area`) can see, if any: another province's marking is not theirs."""
    return session.scalar(areas.limit(select(ExposureCase).where(
        ExposureCase.phone == phone, ExposureCase.window_start == start,
        ExposureCase.window_end == end), ExposureCase, area)
        .order_by(ExposureCase.id).limit(1))


def create_case(session: Session, **fields: Any) -> ExposureCase:
    """A new confirmed case (status `review`: nobody is texted before confirmation)."""
    case = ExposureCase(status="review", **fields)
    session.add(case)
    session.flush()
    return case


def found(session: Session, case: ExposureCase, rules: Rules,
          area: Area | None) -> list[dict[str, Any]]:
    """The exposures of `case`: every other phone's visit at a venue of the case's
    visits in its window (inside `area`, when the marker is limited) that overlapped
    the case's visit, widened by the margin, for at least the minimum overlap."""
    now = utcnow()
    pairs = venues.overlapping(session, case.phone, case.window_start, case.window_end,
                               rules.longest, rules.margin)
    if area is not None:
        inside = areas.visible_ids(session, Venue, {mine.venue_id for mine, _ in pairs}, area)
        pairs = [(mine, theirs) for mine, theirs in pairs if mine.venue_id in inside]
    rows: dict[int, dict[str, Any]] = {}
    for mine, theirs in pairs:
        start = max(mine.checked_in_at - rules.margin, theirs.checked_in_at)
        end = min(venues.visit_end(mine, rules.longest, now) + rules.margin,
                  venues.visit_end(theirs, rules.longest, now))
        if end - start < rules.min_overlap:
            continue
        known = rows.get(theirs.id)
        if known is None or end - start > known["overlap_end"] - known["overlap_start"]:
            rows[theirs.id] = {"case_id": case.id, "phone": theirs.phone,
                               "venue_id": theirs.venue_id, "visit_id": theirs.id,
                               "overlap_start": start, "overlap_end": end}
    return list(rows.values())


def add_exposures(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert exposures, skipping those the case has already (same visit); returns the
    ids of the new ones, which get their `created` events."""
    table = Exposure.__table__
    now = utcnow()
    added: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = [{**row, "created_at": now} for row in rows[start:start + CHUNK]]
        statement = (_insert(session, table).values(chunk)
                     .on_conflict_do_nothing(index_elements=["case_id", "visit_id"])
                     .returning(table.c.id))
        added += session.execute(statement).scalars().all()
    events.record(session, "exposure", "created", added)
    return added


def case_for_update(session: Session, case_id: int) -> ExposureCase | None:
    """A case, locked until the end of the transaction (confirmations queue behind)."""
    return session.scalar(select(ExposureCase).where(ExposureCase.id == case_id)
                          .with_for_update())


def _of_case(case_id: int, area: Area | None) -> Any:
    return areas.limit(select(Exposure.id).where(Exposure.case_id == case_id), Exposure, area)


def open_notices(session: Session, case: ExposureCase, *, by: str, channel: str,
                 area: Area | None) -> list[int]:
    """Give every exposure of `case` (inside `area`) its notice: a new one, or the one
    its visit already has from another case. Returns the ids of the new notices only:
    those are the phones to text now."""
    now = utcnow()
    table = ExposureNotice.__table__
    pending = select(Exposure.phone, Exposure.venue_id, Exposure.visit_id,
                     Exposure.overlap_start, Exposure.overlap_end, literal(channel),
                     literal(by), literal(now, ExposureNotice.created_at.type),
                     literal(now, ExposureNotice.updated_at.type)).where(
        Exposure.id.in_(_of_case(case.id, area)), Exposure.notice_id.is_(None))
    statement = (_insert(session, table).from_select(
        ["phone", "venue_id", "visit_id", "overlap_start", "overlap_end", "channel",
         "notified_by", "created_at", "updated_at"], pending)
        .on_conflict_do_nothing(index_elements=["phone", "venue_id", "visit_id"])
        .returning(table.c.id))
    new = sorted(session.execute(statement).scalars().all())
    events.record(session, "exposure_notice", "created", new)
    notice = (select(ExposureNotice.id).where(ExposureNotice.phone == Exposure.phone,
                                              ExposureNotice.venue_id == Exposure.venue_id,
                                              ExposureNotice.visit_id == Exposure.visit_id)
              .scalar_subquery())
    session.execute(update(Exposure).where(Exposure.id.in_(_of_case(case.id, area)),
                                           Exposure.notice_id.is_(None))
                    .values(notice_id=notice).execution_options(synchronize_session=False))
    return new


@dataclass(frozen=True)
class ToText:
    """What a new notice's SMS needs: nothing about the case."""

    notice_id: int
    phone: str
    language: str
    venue: str
    overlap_start: datetime


def to_text(session: Session, notice_ids: Sequence[int]) -> list[ToText]:
    """The phone, its language, the venue's name and the time of each new notice."""
    rows = []
    for start in range(0, len(notice_ids), CHUNK):
        chunk = notice_ids[start:start + CHUNK]
        rows += [ToText(*row) for row in session.execute(
            select(ExposureNotice.id, ExposureNotice.phone,
                   func.coalesce(Phone.language, "vi"), Venue.name,
                   ExposureNotice.overlap_start)
            .join(Venue, Venue.id == ExposureNotice.venue_id)
            .outerjoin(Phone, Phone.number == ExposureNotice.phone)
            .where(ExposureNotice.id.in_(chunk)).order_by(ExposureNotice.id))]
    return rows


def mark_notified(session: Session, notice_ids: Sequence[int], now: datetime) -> None:
    """Point new notices at their outbox rows (by dedup key) and stamp the time."""
    message = (select(OutboundMessage.id).where(
        OutboundMessage.dedup_key == literal(DEDUP) + cast(ExposureNotice.id, String))
        .scalar_subquery())
    for start in range(0, len(notice_ids), CHUNK):
        session.execute(update(ExposureNotice)
                        .where(ExposureNotice.id.in_(notice_ids[start:start + CHUNK]))
                        .values(message_id=message, notified_at=now)
                        .execution_options(synchronize_session=False))


def open_notice(session: Session, phone: str, since: datetime) -> ExposureNotice | None:
    """The phone's latest notice sent since `since` that it has not answered."""
    return session.scalar(select(ExposureNotice).where(
        ExposureNotice.phone == phone, ExposureNotice.answer.is_(None),
        ExposureNotice.notified_at >= since)
        .order_by(ExposureNotice.notified_at.desc(), ExposureNotice.id.desc()).limit(1))


def record_answer(session: Session, notice_id: int, answer: str, channel: str,
                  now: datetime | None = None) -> ExposureNotice | None:
    """Keep the phone's answer on its notice (the first answer stays: a repeated `1`
    after it is not a new answer)."""
    notice = session.get(ExposureNotice, notice_id, with_for_update=True)
    if notice is None or notice.answer is not None:
        return notice
    notice.answer, notice.answered_at, notice.answer_channel = answer, now or utcnow(), channel
    session.flush()
    return notice


def exposures_of(session: Session, case_id: int, area: Area | None, after: int = 0,
                 limit: int | None = None) -> list[tuple[Exposure, ExposureNotice | None]]:
    """A case's exposures (inside `area`) by id, each with its notice (None before
    confirmation)."""
    query = (areas.limit(select(Exposure, ExposureNotice), Exposure, area)
             .outerjoin(ExposureNotice, ExposureNotice.id == Exposure.notice_id)
             .where(Exposure.case_id == case_id, Exposure.id > after).order_by(Exposure.id))
    if limit is not None:
        query = query.limit(limit)
    return [(exposure, notice) for exposure, notice in session.execute(query)]


def counts(session: Session, case_ids: Iterable[int],
           area: Area | None) -> dict[int, dict[str, int]]:
    """Per case: exposures listed, notified (a notice queued), answered `1`, `2`."""
    wanted = set(case_ids)
    result = {case_id: {"exposed": 0, "notified": 0, "isolating": 0, "symptoms": 0}
              for case_id in wanted}
    if not wanted:
        return result
    query = areas.limit(select(Exposure.case_id, ExposureNotice.notified_at.is_not(None),
                               ExposureNotice.answer, func.count()), Exposure, area) \
        .outerjoin(ExposureNotice, ExposureNotice.id == Exposure.notice_id) \
        .where(Exposure.case_id.in_(wanted)) \
        .group_by(Exposure.case_id, ExposureNotice.notified_at.is_not(None),
                  ExposureNotice.answer)
    for case_id, notified, answer, count in session.execute(query):
        row = result[case_id]
        row["exposed"] += count
        row["notified"] += count if notified else 0
        if answer in ("isolating", "symptoms"):
            row[answer] += count
    return result
