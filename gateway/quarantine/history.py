"""A case's history day by day, as the case page shows it: every day of the case up
to today with its report or the fact that none came (a missed day), and the symptom
grid over those days. Pure: it takes the case's dates and its reports (anything with
`report_date`, `symptoms`, `temperature` and `danger`) and does no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from gateway.flows.report import SYMPTOMS


@dataclass(frozen=True)
class Day:
    """One day of a case: its report, or None when the day was missed."""

    day: date
    report: Any | None

    @property
    def missed(self) -> bool:
        """No report came that day."""
        return self.report is None

    @property
    def temperature(self) -> float | None:
        """The temperature reported that day, if any."""
        return None if self.report is None else self.report.temperature


def days(start: date, end: date, today: date, reports: Iterable[Any]) -> list[Day]:
    """Every day from the case's first day to its last or today, whichever comes
    first, oldest first; a report dated outside those days (before a shortening, say)
    is shown too, on its own day, so nothing reported is hidden."""
    by_day = {report.report_date: report for report in reports}
    last = min(end, today)
    wanted = set(by_day)
    day = start
    while day <= last:
        wanted.add(day)
        day += timedelta(days=1)
    return [Day(day, by_day.get(day)) for day in sorted(wanted)]


def missed_count(history: Sequence[Day]) -> int:
    """How many of the days had no report."""
    return sum(1 for day in history if day.missed)


@dataclass(frozen=True)
class GridRow:
    """One symptom over the days: True (reported), False (not reported that day)
    or None (the day was missed)."""

    symptom: int
    cells: tuple[bool | None, ...]


def symptom_grid(history: Sequence[Day]) -> list[GridRow]:
    """The days × symptoms grid, one row per symptom a report can carry (1-8)."""
    return [GridRow(symptom, tuple(None if day.missed else symptom in (day.report.symptoms or ())
                                   for day in history))
            for symptom in sorted(SYMPTOMS)]
