"""Area quarantine end to end, with PostgreSQL, real Redis, a real RQ worker and the
Twilio stand-in: an officer declares an area in the console → the job enrols everyone
whose latest declaration lies in it → the 08:00 reminder reaches them (and whoever
texted `KV <code>`) → their reports are counted on the dashboard and in the manager's
digest → the area is lifted → the next day nobody is reminded. Days are the real local
days (the console and the job use today), the dialogue's clock is moved to them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import select

from gateway.addresses import PROVINCES
from gateway.codes import new_area_code
from gateway.config import Config
from gateway.quarantine import today
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import Declaration, IsolationArea, QuarantineCase
from tests.conftest import Phone
from tests.hotline.conftest import Console, make_user
from tests.quarantine.conftest import MANAGER_PHONE, run_slot, runtime_of

TH, HAC_THANH, QUANG_PHU = 38, 14797, 16522
TH_CHOICE = next(str(n) for n, p in enumerate(PROVINCES, 1) if p.code.value == TH)
A, B, C, D, E, F = (f"+8491200010{n}" for n in range(6))
_serial = count(1)


def local_morning(day: date, hour: int = 8) -> datetime:
    """`hour`:00 in Viet Nam (UTC+7) on `day`, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 7, tzinfo=UTC)


def declared(app, phone: str | None, ward: int, street: str, days_ago: int = 1,
             name: str = "Nguyen Van An") -> None:
    """A declaration of `phone` (None: a person without one, declared by a relative)
    living at `street` in `ward` (Thanh Hoa)."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    with transaction(runtime_of(app).sessions) as session:
        session.add(Declaration(
            code=f"T{next(_serial):07d}", declarer_phone=phone or "+84912999999",
            subject_phone=phone,
            full_name=name, birth_year=1980, gender="male", province_code=TH,
            province_name="Tỉnh Thanh Hóa", ward_code=ward, ward_name="Phường",
            street=street, symptoms=[], contact=False, travel=False, risk="low",
            channel="sms", verification="otp", form_version="test", answers={},
            created_at=at, valid_until=at + timedelta(days=7)))


def cases_of_area(app, area_id: int) -> dict[str, QuarantineCase]:
    """The area's residents' cases by phone."""
    with runtime_of(app).sessions() as session:
        return {c.phone: c for c in session.scalars(
            select(QuarantineCase).where(QuarantineCase.area_id == area_id))}


def the_area(app) -> IsolationArea:
    """The one area declared."""
    with runtime_of(app).sessions() as session:
        return session.scalars(select(IsolationArea)).one()


@pytest.fixture
def officer(app, client) -> Console:
    """A health officer of Thanh Hoa, signed in; and the area's manager, with a phone."""
    make_user(app, "ho_th", "health_officer", area=Area(TH))
    make_user(app, "bs_lan", "manager", phone=MANAGER_PHONE, area=Area(TH))
    browser = Console(client)
    assert browser.login("ho_th").status_code == 302
    return browser


def declare(officer: Console, day: date, street: str = "Le Loi", end_days: int = 3):
    """The officer's declaration form, posted."""
    return officer.post("/hotline/areas", {
        "province": TH_CHOICE, "ward": "Phường Hạc Thành", "street": street,
        "start": day.isoformat(), "end": (day + timedelta(days=end_days)).isoformat(),
        "manager": "bs_lan"})


def reminders(inbox, phone: str, day: date) -> list[str]:
    """The reminders of `day` a phone received."""
    return [m["body"] for m in inbox.messages(phone)
            if m["body"].startswith(f"Bao cao suc khoe {day.strftime('%d/%m')}")]


def test_area_declared_residents_reminded_reports_counted_area_lifted(
        app, client, officer, clock, inbox):
    day = today(Config().tz)
    declared(app, A, HAC_THANH, "To 5, Lê Lợi")
    declared(app, B, HAC_THANH, "12 le loi")
    declared(app, C, HAC_THANH, "3 Trần Phú")            # the commune, another street
    declared(app, D, QUANG_PHU, "1 Lê Lợi")              # another commune
    declared(app, E, HAC_THANH, "1 Lê Lợi", days_ago=3)  # moved away since:
    declared(app, E, QUANG_PHU, "1 Lê Lợi", days_ago=2)  # only the latest counts

    answer = declare(officer, day)
    assert answer.status_code == 302
    area = the_area(app)
    assert (area.street, area.ward_code, area.status) == ("Le Loi", HAC_THANH, "active")
    inbox.deliver()  # the enrolment job, then the welcome SMS
    assert sorted(cases_of_area(app, area.id)) == [A, B]
    assert the_area(app).enrolled_at is not None
    welcome = f"Khu vuc cua ban (ma {area.code}) cach ly den het"
    assert [m["body"].startswith(welcome) for m in inbox.messages(A)] == [True]
    assert [len(inbox.messages(p)) for p in (C, D, E)] == [0, 0, 0]

    clock.set(local_morning(day, 7))
    joining = Phone(client, F)
    assert joining.sms("KV").startswith("Gui KV <ma khu vuc>")
    assert joining.sms("KV 1234560").startswith("Ma khu vuc khong dung")
    unknown = next(c for c in iter(new_area_code, None) if c != area.code)  # a right check digit
    assert joining.sms(f"KV {unknown}") == (
        f"Khong co khu vuc cach ly nao mang ma {unknown}. Kiem tra lai ma.")
    assert joining.sms(f"KV {area.code}").startswith(
        f"Da ghi nhan ban o khu vuc cach ly {area.code} den het")
    assert joining.sms(f"kv{area.code}").startswith(f"Ban da o khu vuc cach ly {area.code}")
    assert sorted(cases_of_area(app, area.id)) == [A, B, F]

    result = run_slot(app, "morning", day, local_morning(day))
    assert (result["seen"], result["queued"]) == (3, 3)
    assert [len(reminders(inbox, p, day)) for p in (A, B, F, C)] == [1, 1, 1, 0]

    clock.set(local_morning(day, 10))
    assert Phone(client, A).sms("0").startswith("Da ghi nhan")  # A reports
    page = officer.get("/hotline/dashboard").get_data(as_text=True)
    row = re.search(r'id="table-isolation-areas".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["3", "1", "2", "0"]
    detail = officer.get(f"/hotline/areas/{area.id}").get_data(as_text=True)
    assert re.search(r'id="reported">1<', detail) and re.search(r'id="residents">3<', detail)

    run_slot(app, "digest", day, local_morning(day, 19))
    digest = [m["body"] for m in inbox.messages(MANAGER_PHONE)]
    assert len(digest) == 1 and f"KV {area.code}: 1/3 da bao cao." in digest[0]
    manager = Console(app.test_client())  # the area's manager, in their own browser
    assert manager.login("bs_lan").status_code == 302
    mine = manager.get("/hotline/dashboard").get_data(as_text=True)
    assert f'<th scope="row">{area.code}</th>' in mine
    roster = manager.get("/hotline/roster")
    assert roster.status_code == 200 and roster.get_data(as_text=True).count(
        "<td>Khu vực cách ly</td>") == 3
    resident = cases_of_area(app, area.id)[A].id
    assert "Khu vực cách ly" in manager.get(f"/hotline/cases/{resident}").get_data(as_text=True)
    listed = manager.get("/hotline/roster/digest").get_data(as_text=True)
    assert re.search(rf'id="digest-areas">\s*<li>Khu vực {area.code}: 1/3 đã báo cáo, 2 chưa.',
                     listed)

    lifted = officer.post(f"/hotline/areas/{area.id}", {"action": "lift", "confirm": "yes"})
    assert lifted.status_code == 302
    assert {c.status for c in cases_of_area(app, area.id).values()} == {"closed"}
    assert the_area(app).status == "lifted"
    told = [m["body"] for m in inbox.messages(B) if m["body"].startswith(f"Khu vuc {area.code}")]
    assert told == [f"Khu vuc {area.code} het cach ly tu {day.strftime('%d/%m')}. Ban khong "
                    "can bao cao suc khoe nua. Neu co trieu chung, goi 1022."]

    tomorrow = day + timedelta(days=1)
    assert run_slot(app, "morning", tomorrow, local_morning(tomorrow))["queued"] == 0
    assert [len(reminders(inbox, p, tomorrow)) for p in (A, B, F)] == [0, 0, 0]
    assert joining.sms(f"KV {area.code}").startswith(
        f"Khu vuc {area.code} khong con cach ly")
