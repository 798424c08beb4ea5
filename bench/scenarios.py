"""Whole conversations, as a citizen would have them, the records each must leave, and
what they need to find in the database first (`prepare`: a venue, quarantine cases).

A phone's "life" is a sequence of conversations; `LIVES` alternates SMS and USSD
citizens and people in quarantine, so every step type is exercised under load."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

from sqlalchemy import create_engine
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from bench.phones import Phone
from gateway.quarantine import today
from gateway.store import venues
from gateway.store.models import utcnow

CASES = 20_000  # phones in quarantine, one per quarantine life: more than a run has lives
CASE_PREFIX = "+8496"  # their numbers: +8496 and 7 digits
MANAGER_PHONE = "+84970000001"  # receives the danger-sign alerts

FORM = [("Nguyen Van An", "Nam sinh"), ("1980", "Gioi tinh"), ("1", "So CCCD"),
        ("0", "BHYT"), ("0", "inh/thanh pho"), ("ha noi", "Xa/phuong"),
        ("hoan kiem", "So nha"), ("12 Hang Bac", "trieu chung"), ("0", "tiep xuc"),
        ("2", "vung co dich"), ("2", "1 Gui")]


async def sms_new_user(phone: Phone, venue: str, made: Counter) -> None:
    """KB, agree to the privacy notice, OTP, the whole form, submit."""
    already = len(phone.standin.sent_to(phone.number))
    await phone.sms("sms.keyword", "KB", "Ban dong y?")
    await phone.sms("sms.answer", "1", "Da gui ma")
    await phone.sms("sms.otp", await phone.otp(already), "ho va ten")
    for text, expect in FORM:
        await phone.sms("sms.answer", text, expect)
    await phone.sms("sms.submit", "1", "Da khai bao")
    made["declarations"] += 1


async def sms_returning_user(phone: Phone, venue: str, made: Counter) -> None:
    """KB again: confirm identity, symptoms, submit (still verified: no OTP)."""
    await phone.sms("sms.keyword", "KB", "Co phai ban")
    await phone.sms("sms.answer", "1", "trieu chung")
    for text, expect in (("0", "tiep xuc"), ("2", "vung co dich"), ("2", "1 Gui")):
        await phone.sms("sms.answer", text, expect)
    await phone.sms("sms.submit", "1", "Da khai bao")
    made["declarations"] += 1


async def ussd_declaration(phone: Phone, venue: str, made: Counter) -> None:
    """Dial, menu 1, agree to the privacy notice, the form (network-verified), submit."""
    await phone.dial("ussd.dial", "CON Khai bao y te")
    await phone.press("ussd.answer", "1", "Ban dong y?")
    await phone.press("ussd.answer", "1", "ho va ten")
    for text, expect in FORM:
        await phone.press("ussd.answer", text, expect)
    await phone.press("ussd.submit", "1", "END Da khai bao")
    made["declarations"] += 1


async def sms_check_in_and_out(phone: Phone, venue: str, made: Counter) -> None:
    """CI at the venue, then CO."""
    await phone.sms("sms.checkin", f"CI {venue}", "Da check-in")
    await phone.sms("sms.checkout", "CO", "Da check-out")
    made["visits"] += 1


async def ussd_check_in(phone: Phone, venue: str, made: Counter) -> None:
    """Dial straight through to the venue."""
    await phone.dial("ussd.checkin", "END Da check-in", code=f"*1022*{venue}#")
    made["visits"] += 1


async def sms_report(phone: Phone, venue: str, made: Counter) -> None:
    """SK with today's report, then a bare reply that amends it with a danger sign
    (shortness of breath): the case's manager gets an alert SMS."""
    await phone.sms("sms.report", "SK 0", "Da ghi nhan")
    await phone.sms("sms.report", "1 3 38.5", "Da cap nhat")
    made["reports"] += 1
    made["alerts"] += 1


async def ussd_report(phone: Phone, venue: str, made: Counter) -> None:
    """Dial, menu 3, symptoms, temperature."""
    await phone.dial("ussd.dial", "CON Khai bao y te")
    await phone.press("ussd.answer", "3", "Trieu chung hom nay")
    await phone.press("ussd.answer", "0", "Nhiet do")
    await phone.press("ussd.report", "365", "END Da ghi nhan")
    made["reports"] += 1


CITIZEN, IN_QUARANTINE = "citizen", "in quarantine"
LIVES = [
    (CITIZEN, (sms_new_user, sms_check_in_and_out, sms_returning_user)),
    (CITIZEN, (ussd_declaration, ussd_check_in)),
    (IN_QUARANTINE, (sms_report,)),
    (IN_QUARANTINE, (ussd_report,)),
]
_citizens, _cases = itertools.count(), itertools.count()


def number_for(kind: str) -> str:
    """A fresh number for a new virtual phone: a new citizen, or a case never used."""
    if kind == IN_QUARANTINE:
        n = next(_cases)
        if n >= CASES:
            raise RuntimeError(f"more quarantine lives than the {CASES} cases prepared")
        return f"{CASE_PREFIX}{n:07d}"
    return f"+8491{next(_citizens) % 10_000_000:07d}"


def prepare(database_url: str, tz) -> str:
    """What the lives need in the database: a venue to check in at (its code is
    returned) and CASES people in home quarantine today, with a manager."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    day = today(tz)
    with Session(engine) as session, session.begin():
        code = venues.create(session, name="Cho Ben Thanh", kind="market", province_code=79,
                             province_name="Thanh pho Ho Chi Minh").code
        manager = session.execute(sql(
            "INSERT INTO users (username, display_name, role, phone, active, failed_logins, "
            "created_at) VALUES ('bench-load-manager', 'Manager', 'manager', :phone, true, 0, "
            ":now) RETURNING id"), {"phone": MANAGER_PHONE, "now": utcnow()}).scalar()
        session.execute(sql(
            "INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, "
            "manager_id, status, alert, channel, created_at, updated_at) "
            "SELECT :prefix || lpad(n::text, 7, '0'), 'Nguoi ' || n, 'home', :start, :end, "
            ":manager, 'active', false, 'cli', now(), now() "
            "FROM generate_series(0, :count - 1) AS n"),
            {"prefix": CASE_PREFIX, "start": day - timedelta(days=2),
             "end": day + timedelta(days=12), "manager": manager, "count": CASES})
    with engine.begin() as connection:  # statistics, as autovacuum would gather them
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return code
