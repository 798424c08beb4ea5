"""Console tests run the production setup of the declaration tests (PostgreSQL, real
Redis, Twilio played by the stand-in, a real RQ worker delivering the outbox), with a
`Console` that signs in and posts forms with their CSRF token like a browser (and
`sign_in` for a real one), and the `locality` the dashboard's tests look at."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from gateway import quarantine
from gateway import runtime as runtimes
from gateway.config import Config
from gateway.store import venues
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import AuditEntry, QuarantineCase, User
from hotline import accounts
from tests.browser import wait_for
from tests.declare.conftest import Inbox, config, inbox  # noqa: F401 (fixtures)
from tests.store import dashboard_data as data
from tests.store.dashboard_data import HAC_THANH, HN, HOAN_KIEM, QUANG_PHU, TH, utc

PASSWORD = "correct horse battery"
CALLER = "+84912345678"
VISITOR = "+84987654321"
MANAGER_PHONE = "+84903000111"
CALL_BACK = "+84912000077"  # Lê Thị Cao, high risk in Hac Thanh (the locality fixture)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(app, username: str, role: str, password: str = PASSWORD,
              venue_codes: tuple[str, ...] = (), phone: str | None = None,
              area: Area | None = None) -> int:
    """Create a console user (a health officer gets Thanh Hoa unless `area` says);
    its id."""
    if area is None and role in accounts.AREA_NEEDED:
        area = Area(38)
    with transaction(runtimes.of(app).sessions) as session:
        return accounts.create(session, username=username, role=role, password=password,
                               venue_codes=venue_codes, phone=phone, area=area).id


def make_venue(app, name: str = "Chợ Bến Thành") -> dict:
    """Register a venue; its id, code and name."""
    with transaction(runtimes.of(app).sessions) as session:
        venue = venues.create(session, name=name, kind="market", province_code=79,
                              province_name="Thành phố Hồ Chí Minh", street="Lê Lợi")
        return {"id": venue.id, "code": venue.code, "name": venue.name}


def user(app, username: str) -> User:
    """A user as stored now."""
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(User).where(User.username == username))


def audit_entries(app) -> list[AuditEntry]:
    """Every audit entry, oldest first."""
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


class Console:
    """A browser on the console: keeps cookies and the page's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.csrf: str | None = None

    def get(self, path: str, **kwargs):
        """GET a page (its CSRF token is kept for the next form)."""
        return self._keep(self.client.get(path, **kwargs))

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        """POST a form, with the CSRF token of the session unless `csrf` is False."""
        form = dict(data or {})
        if csrf:
            if self.csrf is None:
                self.get("/hotline/login", follow_redirects=True)
            form.setdefault("csrf_token", self.csrf)
        return self._keep(self.client.post(path, data=form, **kwargs))

    def login(self, username: str, password: str = PASSWORD):
        """Sign in; the response (a redirect to the role's start page when it worked)."""
        response = self.post("/hotline/login", {"username": username, "password": password})
        self.csrf = None  # the session was renewed: so was its CSRF secret
        return response

    def _keep(self, response):
        found = _TOKEN.search(response.get_data(as_text=True)) if response.mimetype == \
            "text/html" else None
        if found:
            self.csrf = found.group(1)
        return response


@pytest.fixture
def console(client) -> Console:
    """A signed-out browser."""
    return Console(client)


@pytest.fixture
def operator(app, client) -> Console:
    """A browser signed in as an operator."""
    make_user(app, "op1", "operator")
    browser = Console(client)
    assert browser.login("op1").status_code == 302
    return browser


@pytest.fixture
def market(app) -> dict:
    """A venue."""
    return make_venue(app)


def text(response) -> str:
    """A page's text."""
    return response.get_data(as_text=True)


def days(n: int) -> date:
    """Today plus n days, in the gateway's timezone (from 17:00 UTC, Hanoi's tomorrow)."""
    return quarantine.today(Config().tz) + timedelta(days=n)


def sign_in(driver, base: str, username: str) -> None:
    """Sign `username` in to the console in the browser `driver`, served at `base`."""
    driver.get(f"{base}/hotline/login")
    wait_for(driver, "#username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, "#logout")


@pytest.fixture
def locality(app):
    """Today: Thanh Hoa has a high-risk declaration in Hac Thanh and a low one in Quang
    Phu, a busy market and an active case with an alert; Ha Noi has its own of each."""
    today = days(0)
    with transaction(runtimes.of(app).sessions) as session:
        data.declaration(session, utc(today), HAC_THANH, risk="high", name="Lê Thị Cao",
                         phone="+84912000077")
        data.declaration(session, utc(today), QUANG_PHU, channel="ussd", name="Phạm Văn Dũng")
        data.declaration(session, utc(today), HOAN_KIEM, province=HN, risk="high",
                         name="Người Hà Nội", phone="+84912000066")
        market = data.venue(session, "Chợ Vườn Hoa", HAC_THANH)
        data.visits(session, market, utc(today), 3)
        hanoi_market = data.venue(session, "Chợ Đồng Xuân", HOAN_KIEM, province=HN)
        data.visits(session, hanoi_market, utc(today), 7)
        officer = data.manager(session, "mgr-th", Area(TH))
        data.quarantine(session, officer, today - timedelta(days=2), today + timedelta(days=5),
                        alert=True)
        hanoi = data.manager(session, "mgr-hn", Area(HN))
        data.quarantine(session, hanoi, today, today + timedelta(days=5))
    return today


@pytest.fixture
def call_back_case(app, locality):
    """Lê Thị Cao, high risk, is also a case of the Thanh Hoa manager."""
    with transaction(runtimes.of(app).sessions) as session:
        manager_id = session.scalar(select(User.id).where(User.username == "mgr-th"))
        case = QuarantineCase(phone=CALL_BACK, full_name="Lê Thị Cao", kind="home",
                              start_date=locality, end_date=locality + timedelta(days=9),
                              manager_id=manager_id, status="active")
        session.add(case)
        session.flush()
        return case.id
