"""Deadlines of data-subject requests: the day of receipt is not counted, a period ends
at 24:00 local time, working days skip weekends and Vietnamese public holidays, and a
calendar period whose last day is a day off ends on the next working day."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.privacy import deadlines

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def midnight_after(day: date) -> datetime:
    """24:00 local time of `day`, in UTC."""
    return deadlines.end_of(day, TZ)


@pytest.mark.parametrize(("received", "kind", "acknowledge_on", "done_on"), [
    # Friday: acknowledged by Tuesday (Sat and Sun are no working days); 10 days for access.
    (local(2026, 12, 4), "access", date(2026, 12, 8), date(2026, 12, 14)),
    # Friday before Tet 2026 (16-20 February off): acknowledged by Tuesday 24 February.
    (local(2026, 2, 13), "withdrawal", date(2026, 2, 24), date(2026, 3, 2)),
    # 20 days land on 30 April (holiday), then 1 May (holiday), a weekend: Monday 4 May.
    (local(2026, 4, 10), "erasure", date(2026, 4, 14), date(2026, 5, 4)),
    # Received on a Saturday: the working days start Monday; 15 days end on Sunday the
    # 20th, so the period ends Monday the 21st.
    (local(2026, 12, 5), "restriction", date(2026, 12, 8), date(2026, 12, 21)),
    # National Day 2026: 31 Aug (substitute), 1 and 2 September are off.
    (local(2026, 8, 28), "access", date(2026, 9, 4), date(2026, 9, 7)),
])
def test_deadlines_across_weekends_and_holidays(received, kind, acknowledge_on, done_on):
    due = deadlines.due(kind, received, TZ)
    assert due.acknowledge_by == midnight_after(acknowledge_on)
    assert due.deadline == midnight_after(done_on)


def test_the_local_day_counts_not_the_utc_one():
    # 17:30 UTC on Thursday 3 December is 00:30 on Friday in Vietnam.
    due = deadlines.due("access", datetime(2026, 12, 3, 17, 30, tzinfo=UTC), TZ)
    assert due.acknowledge_by == midnight_after(date(2026, 12, 8))
    assert due.acknowledge_by == datetime(2026, 12, 8, 17, 0, tzinfo=UTC)


def test_working_days():
    assert deadlines.is_working_day(date(2026, 12, 4))        # a Friday
    assert not deadlines.is_working_day(date(2026, 12, 5))    # Saturday
    assert not deadlines.is_working_day(date(2026, 4, 30))    # Reunification Day
    assert not deadlines.is_working_day(date(2027, 2, 8))     # Tet 2027


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown request kind 'forget'"):
        deadlines.due("forget", local(2026, 12, 4), TZ)
