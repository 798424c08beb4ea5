"""Statistics that survive the purge: counts per day, kind, province and channel.

Decided: the counts are added when rows go (`archive`, in the same transaction as their
deletion), not maintained on every write: the hot paths (a message, a declaration)
stay as they are, and a count can never be lost or doubled, since it moves in the same
commit as the rows it counts. The totals (`totals`) are the archived counts plus the
rows still live, grouped the same way. Nothing personal is kept: a day, a province
code, a channel and a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Date, Select, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.store.models import (
    DailyCount,
    Declaration,
    HealthReport,
    InboundMessage,
    OutboundMessage,
    QuarantineCase,
    Venue,
    Visit,
)

UNKNOWN_PROVINCE = 0


def _day(column) -> ColumnElement:
    return func.date(column, type_=Date)  # the UTC day


# No personal data: a constant stands for the province where a kind has none.
_NO_PROVINCE = literal_column(str(UNKNOWN_PROVINCE))


def _grouped(day, province, channel, *joins) -> Select:
    """SELECT day, province, channel, count(*) ... GROUP BY them (constants left out of
    the GROUP BY: PostgreSQL would read `GROUP BY 0` as a column position)."""
    query = select(_day(day), province, channel, func.count())
    for target, on in joins:
        query = query.outerjoin(target, on)
    keys = [_day(day), channel] + ([] if province is _NO_PROVINCE else [province])
    return query.group_by(*keys)


# kind -> its rows counted per day, province and channel (add a WHERE).
GROUPINGS = {
    "declaration": lambda: _grouped(Declaration.created_at, Declaration.province_code,
                                    Declaration.channel),
    "visit": lambda: _grouped(Visit.checked_in_at, Venue.province_code, Visit.channel,
                              (Venue, Venue.id == Visit.venue_id)),
    "quarantine_case": lambda: _grouped(QuarantineCase.created_at, Venue.province_code,
                                        QuarantineCase.channel,
                                        (Venue, Venue.id == QuarantineCase.venue_id)),
    "health_report": lambda: _grouped(HealthReport.created_at, _NO_PROVINCE,
                                      HealthReport.channel),
    "inbound_message": lambda: _grouped(InboundMessage.received_at, _NO_PROVINCE,
                                        InboundMessage.channel),
    "outbound_message": lambda: _grouped(OutboundMessage.created_at, _NO_PROVINCE,
                                         OutboundMessage.kind),
}


@dataclass(frozen=True)
class Count:
    """How many records of `kind` a day had in a province (0: not known) by channel
    (for outbound messages: by their kind, otp, reminder…)."""

    day: date
    kind: str
    province_code: int
    channel: str
    count: int


def archive(session: Session, kind: str, *where: ColumnElement) -> int:
    """Add the rows of `kind` matching `where` to the daily counts (call it just before
    deleting them, in the same transaction). Returns how many rows were counted."""
    query = GROUPINGS[kind]().where(*where)
    rows = [{"day": _as_date(day), "kind": kind, "province_code": province or 0,
             "channel": channel, "count": count}
            for day, province, channel, count in session.execute(query)]
    if not rows:
        return 0
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(DailyCount)
    session.execute(insert.on_conflict_do_update(
        index_elements=["day", "kind", "province_code", "channel"],
        set_={"count": DailyCount.count + insert.excluded.count}), rows)
    return sum(row["count"] for row in rows)


def totals(session: Session, since: date, until: date) -> list[Count]:
    """Every kind's counts per day from `since` to `until` (inclusive): the archived
    ones plus the live rows."""
    found: dict[tuple, int] = {}
    archived = select(DailyCount).where(DailyCount.day >= since, DailyCount.day <= until)
    for row in session.scalars(archived):
        key = (row.day, row.kind, row.province_code, row.channel)
        found[key] = found.get(key, 0) + row.count
    for kind, grouping in GROUPINGS.items():
        query = grouping()
        day = query.selected_columns[0]
        query = query.where(day >= since, day <= until)
        for day_value, province, channel, count in session.execute(query):
            key = (_as_date(day_value), kind, province or 0, channel)
            found[key] = found.get(key, 0) + count
    return [Count(*key, count) for key, count in sorted(found.items())]


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
