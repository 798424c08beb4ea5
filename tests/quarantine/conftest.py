"""Quarantine tests run the production setup: PostgreSQL, real Redis, Twilio played by
the stand-in, real RQ workers (in-process `SimpleWorker`s reading the real queues,
or `gateway worker` processes) and a controllable clock: runs get `today`/`now`
passed in, and the report dialogue's clock is the one `clock` sets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from gateway import runtime
from gateway.actions import reports
from gateway.config import Config
from gateway.dialogue import router
from gateway.quarantine.enrol import enrol
from gateway.store import users
from gateway.store.db import transaction
from gateway.store.models import HealthReport, OutboundMessage, QuarantineCase
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET, Phone
from tests.declare.conftest import SENDER, Inbox
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

DAY = date(2026, 3, 10)
# 10:00 in Hanoi (UTC+7) on DAY: the clock of the report dialogue unless a test moves it.
MORNING = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
MANAGER_PHONE = "+84903000001"
PERSON = "+84912000001"


@pytest.fixture
def config(pg_url, redis_url, twilio_standin: TwilioStandIn) -> Config:
    """PostgreSQL, real Redis, Twilio through the stand-in; a sender fast enough that
    the rate limit (tested on its own) never holds these tests up."""
    return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                  data_encryption_key=DATA_KEY,
                  sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
                  twilio_auth_token=AUTH_TOKEN, twilio_from=SENDER,
                  twilio_api_base_url=twilio_standin.url,
                  ussd_allowed_networks=AGGREGATOR, sms_rate_per_second=1000)


class Clock:
    """The report dialogue's clock (`utcnow` of gateway.actions.reports, and of the
    router, which takes a bare reply as the day's report)."""

    def __init__(self, monkeypatch):
        self.now = MORNING
        monkeypatch.setattr(reports, "utcnow", lambda: self.now)
        monkeypatch.setattr(router, "utcnow", lambda: self.now)

    def set(self, moment: datetime) -> None:
        """Move the clock to `moment` (aware)."""
        self.now = moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The dialogue's clock, at 10:00 local on DAY."""
    return Clock(monkeypatch)


@pytest.fixture
def inbox(app, twilio_standin) -> Inbox:
    """What phones received from the provider, after a real worker sent the outbox."""
    return Inbox(app, twilio_standin)


def runtime_of(app):
    """The app's connections."""
    return runtime.of(app)


def add_manager(app, username: str = "bs_lan", phone: str | None = MANAGER_PHONE) -> int:
    """A quarantine manager; their user id."""
    with transaction(runtime_of(app).sessions) as session:
        return users.create(session, username=username, role="manager", phone=phone,
                            display_name="Bs Lan").id


@pytest.fixture
def manager(app) -> int:
    """A manager with a phone."""
    return add_manager(app)


def add_case(app, phone: str = PERSON, name: str = "Nguyen Van An", manager: str = "bs_lan",
             start: date = DAY - timedelta(days=3), end: date = DAY + timedelta(days=10),
             kind: str = "home") -> int:
    """Enrol a person as the CLI does (the welcome SMS is queued); the case id."""
    with transaction(runtime_of(app).sessions) as session:
        return enrol(session, phone=phone, name=name, manager=manager, start=start,
                     end=end, kind=kind).id


def run_slot(app, slot: str, day: date = DAY, now: datetime | None = None) -> dict:
    """Run a scheduled run as the cron does: a job on the `default` queue, performed
    by a real RQ worker (which then sends what it queued). Returns the run's result."""
    rt = runtime_of(app)
    job = Queue("default", connection=rt.redis).enqueue(
        "gateway.quarantine.runs.run", slot, today=day, now=now or MORNING)
    Inbox(app, None).deliver()
    return job.return_value(refresh=True)


def outbox(app, kind: str | None = None) -> list[OutboundMessage]:
    """Outbound messages, oldest first (of one kind)."""
    with runtime_of(app).sessions() as session:
        query = select(OutboundMessage).order_by(OutboundMessage.id)
        if kind:
            query = query.where(OutboundMessage.kind == kind)
        return list(session.scalars(query))


def reports_of(app, case_id: int) -> list[HealthReport]:
    """A case's reports, by day."""
    with runtime_of(app).sessions() as session:
        return list(session.scalars(select(HealthReport).where(HealthReport.case_id == case_id)
                                    .order_by(HealthReport.report_date)))


def case_of(app, case_id: int) -> QuarantineCase:
    """A case as stored now."""
    with runtime_of(app).sessions() as session:
        return session.get(QuarantineCase, case_id)


@pytest.fixture
def person(client) -> Phone:
    """The phone of the person in quarantine."""
    return Phone(client, PERSON)
