"""Declaration tests run the production setup: PostgreSQL, real Redis, Twilio as the
SMS backend played by the stand-in server, and a real RQ worker that sends the OTPs,
which the tests read back from the stand-in like a phone would."""

from __future__ import annotations

import re

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.config import Config
from gateway.runtime import QUEUES
from gateway.store.models import Declaration
from tests import outbox_trace
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET, Phone
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

SENDER = "IT-antiNCOV"
ME = "+84912345678"
MEMBER = "+84987654321"


@pytest.fixture
def config(pg_url, redis_url, twilio_standin: TwilioStandIn) -> Config:
    """PostgreSQL, real Redis, Twilio through the stand-in, a brandname sender."""
    return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                  data_encryption_key=DATA_KEY,
                  sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
                  twilio_auth_token=AUTH_TOKEN, twilio_from=SENDER,
                  twilio_api_base_url=twilio_standin.url,
                  ussd_allowed_networks=AGGREGATOR)


class Inbox:
    """What phones received from the provider, after a real worker sent the outbox."""

    def __init__(self, app, standin: TwilioStandIn):
        self.app = app
        self.runtime = runtimes.of(app)
        self.standin = standin

    def deliver(self) -> None:
        """Run a real RQ worker until the queues are empty, inside the app as `gateway
        worker` runs (its jobs then reach this app's runtime, whatever other runtime the
        test process built last)."""
        queues = [self.runtime.queue(name) for name in QUEUES]
        with self.app.app_context():
            SimpleWorker(queues, connection=self.runtime.redis).work(burst=True)

    def messages(self, phone: str) -> list[dict]:
        """Every SMS the provider accepted for `phone`, oldest first."""
        self.deliver()
        return self.standin.sent_to(phone)

    def otp(self, phone: str = ME) -> str:
        """The code in the newest SMS to `phone`."""
        received = self.messages(phone)
        assert received, f"no SMS reached {phone}; {outbox_trace.trace(self.runtime, phone)}"
        return re.search(r"\b\d{6}\b", received[-1]["body"]).group(0)


@pytest.fixture
def inbox(app, twilio_standin) -> Inbox:
    """Read what the provider delivered to phones."""
    return Inbox(app, twilio_standin)


@pytest.fixture
def me(client) -> Phone:
    """The citizen's phone, which agreed to the privacy notice on an earlier visit (the
    notice and question are tested in test_consent.py)."""
    return Phone(client, ME).agreed()


def declarations(app) -> list[Declaration]:
    """Every declaration recorded, oldest first."""
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(Declaration).order_by(Declaration.id)))


def converse(phone: Phone, script: list[tuple[str, str]]) -> None:
    """Send each message and check the reply contains the expected text."""
    for sent, expected in script:
        reply = phone.sms(sent)
        assert expected in reply, f"after {sent!r}: {reply!r}"
