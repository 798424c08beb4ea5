"""The dashboard's tables: each figure of gateway/store/dashboard.py as headings and
rows of plain values (dates, numbers, text), in the console's language.

The page shows each table beside its chart (for screen readers, and as the record of
the numbers); an export (CSV, XLSX) takes the same `Table` as it stands, so a
dashboard table is written once. Phones are masked here: no table carries a full
number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from gateway.phones import mask
from gateway.store.dashboard import Compliance, DayCount, HighRisk, VenueCheckins
from gateway.store.dashboard_cases import FollowUp
from gateway.store.isolation import AreaCompliance

CHANNELS = ("sms", "ussd", "hotline", "web")
RISKS = ("low", "high")
Translate = Callable[..., str]


@dataclass(frozen=True)
class Table:
    """A table: its name (the export's file or sheet name), headings and rows."""

    name: str
    headings: list[str]
    rows: list[list[Any]]

    def column(self, index: int) -> list[Any]:
        """The values of one column, top to bottom."""
        return [row[index] for row in self.rows]


def days(since: date, until: date) -> list[date]:
    """Every day from `since` to `until`, inclusive."""
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def _per_day(counts: list[DayCount], since: date, until: date, key: str,
             kinds: tuple[str, ...]) -> list[list[Any]]:
    found: dict[tuple[date, str], int] = {}
    for count in counts:
        found[(count.day, getattr(count, key))] = found.get((count.day, getattr(count, key)),
                                                            0) + count.count
    rows = []
    for day in days(since, until):
        values = [found.get((day, kind), 0) for kind in kinds]
        rows.append([day, *values, sum(values)])
    return rows


def channels_of(counts: list[DayCount]) -> tuple[str, ...]:
    """The known channels, then any other a declaration came by, in a fixed order."""
    return CHANNELS + tuple(sorted({c.channel for c in counts} - set(CHANNELS)))


def by_channel(counts: list[DayCount], since: date, until: date, t: Translate) -> Table:
    """Declarations per day by channel, every day of the range (0 where none)."""
    kinds = channels_of(counts)
    return Table("declarations_by_channel",
                 [t("dash.day"), *(t(f"dash.channel.{k}") for k in kinds), t("dash.total")],
                 _per_day(counts, since, until, "channel", kinds))


def by_risk(counts: list[DayCount], since: date, until: date, t: Translate) -> Table:
    """Declarations per day by risk, every day of the range (0 where none)."""
    return Table("declarations_by_risk",
                 [t("dash.day"), *(t(f"dash.risk.{r}") for r in RISKS), t("dash.total")],
                 _per_day(counts, since, until, "risk", RISKS))


def high_risk(people: list[HighRisk], t: Translate, local: Callable[[datetime], str]) -> Table:
    """The high-risk declarations to call back, newest first (phones masked)."""
    return Table("high_risk",
                 [t("col.time"), t("col.name"), t("col.phone"), t("dash.commune"),
                  t("col.channel")],
                 [[local(p.created_at), p.name, mask(p.phone), p.commune,
                   t(f"dash.channel.{p.channel}") if p.channel in CHANNELS else p.channel]
                  for p in people])


def checkins(venues: list[VenueCheckins], since: date, until: date, t: Translate) -> Table:
    """Check-ins per day at the top venues: a column per venue, most visited first."""
    rows = []
    for day in days(since, until):
        values = [v.per_day.get(day, 0) for v in venues]
        rows.append([day, *values, sum(values)])
    return Table("checkins",
                 [t("dash.day"), *(f"{v.name} ({v.code})" for v in venues), t("dash.total")],
                 rows)


def venue_totals(venues: list[VenueCheckins], t: Translate) -> Table:
    """The top venues with their commune and check-ins over the range."""
    return Table("venue_totals", [t("col.venue"), t("col.code"), t("dash.commune"),
                                  t("dash.checkins")],
                 [[v.name, v.code, v.commune, v.total] for v in venues])


COMPLIANCE_ROWS = ("reported", "missed_one", "missed_more", "alerts")


def compliance(figures: Compliance, t: Translate) -> Table:
    """The active cases of the day by how they report, and the open alerts."""
    return Table("compliance", [t("dash.compliance.status"), t("dash.compliance.cases")],
                 [[t("dash.compliance.active"), figures.active]]
                 + [[t(f"dash.compliance.{key}"), getattr(figures, key)]
                    for key in COMPLIANCE_ROWS])


def follow_up(cases: list[FollowUp], t: Translate) -> Table:
    """The cases to follow up (an alert open, or two days silent), phones masked."""
    return Table("follow_up", [t("col.name"), t("col.phone"), t("joins16.alert"),
                               t("joins16.last_report")],
                 [[c.name, mask(c.phone), t("yes") if c.alert else "",
                   c.last_report or t("joins16.never")] for c in cases])


def isolation_areas(found: list[AreaCompliance], t: Translate) -> Table:
    """Each active isolation area and how its residents report today (issue 17)."""
    return Table("isolation_areas",
                 [t("area.col.code"), t("area.col.place"), t("area.col.residents"),
                  t("area.col.reported"), t("area.col.missed_one"), t("area.col.missed_more")],
                 [[a.code, ", ".join(p for p in (a.street, a.ward_name) if p), a.residents,
                   a.reported, a.missed_one, a.missed_more] for a in found])
