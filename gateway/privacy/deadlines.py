"""When a data-subject request must be acknowledged and done (Decree 356/2025/ND-CP
Art. 5), counted as Vietnamese law counts periods.

The rules are data (`LIMITS`): a number of days and whether they are working days.
The decree asks for an acknowledgement within 2 working days and gives the answers in
days (access 10, withdrawal of consent and restriction 15, erasure 20, as the issue
gives them; law firms' summaries of the decree confirm the 2 working days, the 15 days
and "10 to 20 days" for the others). It also allows 20 days for a withdrawal when a
processor or third party must stop too, and one extension of up to 15 days; we use
neither, so a request is never answered later than the decree allows. Changing a
period is one entry here (README, "Your rights" and "The law, as checked").

Counting follows the Civil Code (91/2015/QH13) Art. 147-148: the day of receipt is not
counted, a period ends at 24:00 local time of its last day, and a last day that falls
on a weekend or a public holiday moves to the next working day. Working days are Monday
to Friday except Vietnam's public holidays (the `holidays` package: Tet, Hung Kings,
30/4, 1/5, 2/9 and their observed days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

KINDS = ("access", "erasure", "withdrawal", "restriction")


@dataclass(frozen=True)
class Limit:
    """A period: `days` days, working days only when `working`."""

    days: int
    working: bool = False


ACKNOWLEDGE = Limit(2, working=True)
LIMITS: dict[str, Limit] = {
    "access": Limit(10),
    "withdrawal": Limit(15),
    "restriction": Limit(15),
    "erasure": Limit(20),
}


@dataclass(frozen=True)
class Due:
    """The two moments of a request: acknowledged by, and done by (aware UTC)."""

    acknowledge_by: datetime
    deadline: datetime


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Vietnamese public holiday."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def last_day(received: date, limit: Limit) -> date:
    """The last day of a period that starts the day after `received`."""
    day = received
    if limit.working:
        counted = 0
        while counted < limit.days:
            day += timedelta(days=1)
            counted += is_working_day(day)
        return day
    day += timedelta(days=limit.days)
    while not is_working_day(day):  # Civil Code Art. 148(4): ends the next working day
        day += timedelta(days=1)
    return day


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """24:00 local time of `day` (the start of the next day), as aware UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)


def due(kind: str, received: datetime, tz: ZoneInfo) -> Due:
    """When a request of `kind` received at `received` must be acknowledged and done."""
    if kind not in LIMITS:
        raise ValueError(f"unknown request kind {kind!r}; kinds are {', '.join(KINDS)}")
    day = received.astimezone(tz).date()
    return Due(end_of(last_day(day, ACKNOWLEDGE), tz), end_of(last_day(day, LIMITS[kind]), tz))
