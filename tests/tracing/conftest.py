"""Exposure notification tests run the production setup: PostgreSQL, real Redis,
Twilio played by the stand-in, a real RQ worker sending the outbox (read back from
the stand-in as the phones received it), and visits made at chosen times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway import runtime as runtimes
from gateway.config import Config
from gateway.store import areas, tokens
from gateway.store import venues as store_venues
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import Venue, Visit
from tests.api.conftest import Api
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET
from tests.declare.conftest import SENDER, Inbox
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

HN, TH = 1, 38             # Thanh pho Ha Noi, Thanh Hoa (official codes)
HN_WARD, TH_WARD = 70, 14797
CASE = "+84912345678"      # the confirmed case
# 09:00-11:00 in Hanoi (UTC+7), a few hours ago: the case's visit at the market.
START = (datetime.now(UTC) - timedelta(hours=8)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def config(pg_url, redis_url, twilio_standin: TwilioStandIn) -> Config:
    """PostgreSQL, real Redis, Twilio through the stand-in, a sender fast enough that
    the rate (tested in the benchmark's quick shape) never holds these tests up."""
    return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                  data_encryption_key=DATA_KEY, sms_backend="twilio",
                  twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                  twilio_from=SENDER, twilio_api_base_url=twilio_standin.url,
                  ussd_allowed_networks=AGGREGATOR, sms_rate_per_second=1000)


@pytest.fixture
def inbox(app, twilio_standin) -> Inbox:
    """What phones received from the provider, after a real worker sent the outbox."""
    return Inbox(app, twilio_standin)


@pytest.fixture
def api(app, client) -> Api:
    """A client with an unlimited read+write token (the web system)."""
    return token(app, client, "web-system")


def token(app, client, name: str, area: Area | None = None,
          scopes: tuple[str, ...] = ("read", "write")) -> Api:
    """An API client whose token is limited to `area` (None: everywhere)."""
    with transaction(runtimes.of(app).sessions) as session:
        made, secret = tokens.create(session, name, scopes)
        areas.assign(session, area, token_id=made.id)
    return Api(client, secret)


def place(app, name: str, province: int = HN, ward: int | None = HN_WARD) -> int:
    """A venue; its id."""
    with transaction(runtimes.of(app).sessions) as session:
        return store_venues.create(session, name=name, kind="market", province_code=province,
                                   province_name="", ward_code=ward).id


def visit(app, venue_id: int, phone: str, start: datetime, minutes: int) -> int:
    """A closed visit of `minutes` from `start`; its id."""
    with transaction(runtimes.of(app).sessions) as session:
        made = Visit(venue_id=venue_id, phone=phone, channel="sms", checked_in_at=start,
                     checked_out_at=start + timedelta(minutes=minutes), closed_by="checkout")
        session.add(made)
        session.flush()
        return made.id


def venue_code(app, venue_id: int) -> str:
    """A venue's code."""
    with runtimes.of(app).sessions() as session:
        return session.get(Venue, venue_id).code


def window(hours: int = 12) -> dict[str, str]:
    """The case's infectious window in the API's words: around START."""
    return {"from": (START - timedelta(hours=hours)).isoformat(),
            "to": (START + timedelta(hours=hours)).isoformat()}
