"""Rows for the dashboard tests: declarations, venues, visits, quarantine cases and
their reports, written straight into the store with only what the figures read."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from gateway.store import areas, users
from gateway.store.areas import Area
from gateway.store.models import Declaration, HealthReport, QuarantineCase, Venue, Visit

TH, HAC_THANH, QUANG_PHU = 38, 14797, 16522   # Thanh Hóa and two of its wards
HN, HOAN_KIEM = 1, 70                          # Ha Noi and one of its wards
NAMES = {TH: "Tỉnh Thanh Hóa", HN: "Thành phố Hà Nội"}
WARDS = {HAC_THANH: "Phường Hạc Thành", QUANG_PHU: "Phường Quảng Phú",
         HOAN_KIEM: "Phường Hoàn Kiếm"}
_serial = itertools.count(1)


def utc(day: date, hour: int = 3, minute: int = 0) -> datetime:
    """A UTC moment on `day` (03:00 UTC is 10:00 in Viet Nam, the same day)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def declaration(session: Session, at: datetime, ward: int, *, province: int = TH,
                channel: str = "sms", risk: str = "low", name: str = "Nguyễn Văn An",
                phone: str | None = "+84912000001",
                declarer: str = "+84912000009") -> Declaration:
    """A declaration made at `at` by someone living in `ward`."""
    number = next(_serial)
    row = Declaration(code=f"D{number:09d}", declarer_phone=declarer, subject_phone=phone,
                      full_name=name, birth_year=1980, gender="male",
                      province_code=province, province_name=NAMES[province],
                      ward_code=ward, ward_name=WARDS[ward], street="1 Lê Lợi",
                      symptoms=[], contact=risk == "high", travel=False, risk=risk,
                      channel=channel, verification="otp", form_version="test",
                      answers={}, created_at=at, valid_until=at + timedelta(days=7))
    session.add(row)
    return row


def venue(session: Session, name: str, ward: int, province: int = TH) -> Venue:
    """A venue in `ward`."""
    number = next(_serial)
    row = Venue(code=f"{number:08d}", name=name, kind="market", province_code=province,
                province_name=NAMES[province], ward_code=ward, ward_name=WARDS[ward])
    session.add(row)
    session.flush()
    return row


def visits(session: Session, place: Venue, at: datetime, count: int) -> None:
    """`count` check-ins at `place` at `at`."""
    session.add_all([Visit(venue_id=place.id, phone=f"+8491300{n:04d}", channel="sms",
                           checked_in_at=at) for n in range(count)])


def manager(session: Session, username: str, area: Area | None) -> int:
    """A quarantine manager limited to `area`; their id."""
    made = users.create(session, username=username, role="manager", phone="+84903000111")
    areas.assign(session, area, user_id=made.id)
    return made.id


def quarantine(session: Session, manager_id: int, start: date, end: date, *,
               reports: tuple[date, ...] = (), alert: bool = False,
               status: str = "active") -> QuarantineCase:
    """A case of `manager_id` with a report on each of `reports`."""
    number = next(_serial)
    case = QuarantineCase(phone=f"+8490400{number:04d}", full_name=f"Ca {number}", kind="home",
                          start_date=start, end_date=end, manager_id=manager_id,
                          status=status, alert=alert)
    session.add(case)
    session.flush()
    session.add_all([HealthReport(case_id=case.id, report_date=day, channel="sms")
                     for day in reports])
    return case
