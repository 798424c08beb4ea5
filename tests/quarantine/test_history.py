"""A case's history as the case page shows it (pure): every day up to today with its
report or missed, reports outside the dates kept, and the symptom grid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from gateway.quarantine import history

START = date(2026, 3, 1)


@dataclass
class Report:
    report_date: date
    symptoms: list[int] = field(default_factory=list)
    temperature: float | None = None
    danger: bool = False


def on(n: int, *symptoms: int, temperature: float | None = None) -> Report:
    return Report(START + timedelta(days=n), list(symptoms), temperature)


def test_every_day_up_to_today_with_missed_days():
    days = history.days(START, START + timedelta(days=13), START + timedelta(days=3),
                        [on(0), on(2, 1, temperature=38.0)])
    assert [d.day for d in days] == [START + timedelta(days=n) for n in range(4)]
    assert [d.missed for d in days] == [False, True, False, True]
    assert [d.temperature for d in days] == [None, None, 38.0, None]
    assert history.missed_count(days) == 2


def test_a_finished_case_stops_at_its_last_day():
    days = history.days(START, START + timedelta(days=1), START + timedelta(days=30), [])
    assert [d.day for d in days] == [START, START + timedelta(days=1)]


def test_a_case_not_started_has_no_days():
    assert history.days(START, START + timedelta(days=5), START - timedelta(days=1), []) == []


def test_a_report_outside_the_dates_is_still_shown():
    late = on(5, 3)
    days = history.days(START, START + timedelta(days=1), START + timedelta(days=9), [late])
    assert [d.day for d in days] == [START, START + timedelta(days=1), late.report_date]
    assert days[-1].report is late


def test_the_symptom_grid_marks_reported_absent_and_missed():
    days = history.days(START, START + timedelta(days=9), START + timedelta(days=2),
                        [on(0, 1, 3), on(2)])
    grid = {row.symptom: row.cells for row in history.symptom_grid(days)}
    assert sorted(grid) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert grid[1] == (True, None, False)
    assert grid[3] == (True, None, False)
    assert grid[2] == (False, None, False)
