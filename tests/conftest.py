"""Shared fixtures: a private PostgreSQL database and Redis DB per test run, the app
on both PostgreSQL (production setup) and SQLite with in-process Redis (demo setup),
and a `Phone` that talks to the real webhooks."""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from redis import Redis
from sqlalchemy import text
from werkzeug.serving import make_server

from gateway import create_app, runtime
from gateway import runtime as runtimes
from gateway.config import Config
from gateway.store import schema
from gateway.store.models import Base
from tests import redis_claim

# `twilio_standin` fixture for every test; the scan of the whole run's logs for personal data
pytest_plugins = ["tests.twilio_standin", "tests.logscan", "tests.browser"]

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
SECRET = "test-secret-key"
DATA_KEY = "Udbr4Fx0VZ8C6O4umFmHznx-E5r-Uq_aYQgDAfAq9dc="  # DATA_ENCRYPTION_KEY of the tests
# The test client's peer is 127.0.0.1: it plays the USSD aggregator on a private link.
AGGREGATOR = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head."""
    name = f"gwtest_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    schema.upgrade(url)
    yield url
    runtime.close()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis database number of this run's own, claimed for the run so that runs
    sharing the server never flush or work each other's data (tests/redis_claim.py):
    TEST_REDIS_DB when it is free, else the first free one."""
    held = redis_claim.claim(REDIS_BASE_URL, int(os.environ.get("TEST_REDIS_DB") or 1))
    if held is None:
        pytest.exit(f"every Redis database of {REDIS_BASE_URL} is held by another test run")
    yield f"{REDIS_BASE_URL}/{held.number}"
    held.release()


@pytest.fixture
def config(pg_url: str, redis_url: str) -> Config:
    """Production-like configuration: PostgreSQL, real Redis, outbox SMS; checked as
    the web's own configuration is."""
    config = Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                    ussd_allowed_networks=AGGREGATOR, data_encryption_key=DATA_KEY)
    config.validate()
    config.validate_web()
    return config


def _clean(config: Config) -> None:
    rt = runtime.current()
    with rt.engine.begin() as connection:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        if rt.engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    rt.redis.flushdb()


@pytest.fixture
def app(config: Config):
    """The gateway app on PostgreSQL and real Redis, with clean data."""
    application = create_app(config)
    _clean(config)
    yield application
    runtimes.of(application).engine.dispose()


@pytest.fixture
def demo_app(tmp_path):
    """The gateway app in embedded mode: SQLite file and in-process Redis."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    schema.upgrade(url)
    application = create_app(Config(database_url=url, redis_url="memory://"))
    _clean(runtimes.of(application).config)
    yield application
    runtimes.of(application).engine.dispose()


@pytest.fixture
def client(app):
    """A test client of the PostgreSQL app."""
    return app.test_client()


class Phone:
    """A feature phone driving the real webhooks: `sms()` over Twilio's webhook,
    `dial()` / `press()` over USSD. Each returns the text the phone would show."""

    def __init__(self, client, number: str = "+84912345678"):
        self.client = client
        self.number = number
        self.session = ""
        self.inputs: list[str] = []
        self.last_sid = ""

    def sms(self, body: str, sid: str | None = None) -> str:
        """Text the gateway; returns the reply (empty if none)."""
        self.last_sid = sid or "SM" + uuid.uuid4().hex
        form = {"From": self.number, "To": "+84240000", "Body": body, "MessageSid": self.last_sid}
        response = self.client.post("/sms/twilio", data=form, headers=self._signature(form))
        assert response.status_code == 200, response.data
        assert response.mimetype == "application/xml"
        return twiml_text(response.get_data(as_text=True))

    def _signature(self, form: dict[str, str]) -> dict[str, str]:
        """Sign like Twilio when the gateway checks signatures."""
        token = runtimes.of(self.client.application).config.twilio_auth_token
        if not token:
            return {}
        from twilio.request_validator import RequestValidator
        return {"X-Twilio-Signature": RequestValidator(token).compute_signature(
            "http://localhost/sms/twilio", form)}

    def _credentials(self) -> dict[str, str]:
        """Authenticate like the aggregator when the gateway asks for Basic credentials."""
        secret = runtimes.of(self.client.application).config.ussd_basic_auth
        if not secret:
            return {}
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}

    def dial(self, code: str = "*1022#") -> str:
        """Start a USSD session; returns the screen (with its CON/END prefix)."""
        self.session, self.inputs, self.code = "AT" + uuid.uuid4().hex, [], code
        return self._ussd()

    def agreed(self, channel: str = "sms") -> Phone:
        """Record that this phone already agreed to the privacy notice (as its `1` to
        the question would have), for tests about what follows it; the question itself
        is tested in tests/declare/test_consent.py. Returns the phone."""
        from gateway.actions.consents import notice_version
        from gateway.store import consents
        app = runtimes.of(self.client.application)
        with app.sessions() as session:
            consents.record(session, phone=self.number, channel=channel, answer="agree",
                            notice_version=notice_version(app.config))
            session.commit()
        return self

    def press(self, key: str) -> str:
        """Answer the current USSD screen."""
        self.inputs.append(key)
        return self._ussd()

    def _ussd(self) -> str:
        response = self.client.post("/ussd", headers=self._credentials(), data={
            "sessionId": self.session, "serviceCode": self.code, "phoneNumber": self.number,
            "networkCode": "45204", "text": "*".join(self.inputs)})
        assert response.status_code == 200, response.data
        body = response.get_data(as_text=True)
        assert len(body) <= 182, body
        return body


def serve(app) -> Iterator[str]:
    """Serve `app` with a real threaded WSGI server on an ephemeral loopback port while
    the caller iterates (a fixture's `yield from serve(app)`); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def served(app) -> Iterator[str]:
    """The production app (PostgreSQL, real Redis) over real HTTP; its base URL. Plain
    http on loopback, so the console's session cookie is not marked Secure (a browser
    would not send it back; the flag itself is tested through the test client)."""
    app.config["SESSION_COOKIE_SECURE"] = False
    yield from serve(app)


@pytest.fixture
def served_demo(demo_app) -> Iterator[str]:
    """The demo app (SQLite, in-process Redis) over real HTTP; its base URL."""
    yield from serve(demo_app)


def twiml_text(document: str) -> str:
    """The message texts of a TwiML answer, joined by newlines."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(document)
    return "\n".join((m.text or "") for m in root.iter("Message"))


@pytest.fixture
def phone(client) -> Phone:
    """A phone on the PostgreSQL app."""
    return Phone(client)


@pytest.fixture
def redis(app) -> Redis:
    """The app's Redis connection."""
    return runtimes.of(app).redis


@pytest.fixture
def install_flow(monkeypatch):
    """`install_flow(flow, command, templates)`: register a test flow (opened by
    `command`) and its templates for one test. The registry is put back by monkeypatch
    (another flow may own the command), the templates are removed afterwards so the
    catalogue checks never see them."""
    from gateway import flows
    from gateway.flows.messages import CATALOGUE, define
    added: list[str] = []

    def install(flow, command: str, templates=None) -> None:
        if templates:
            define({k: v for k, v in templates.items() if k not in CATALOGUE})
            added.extend(templates)
        monkeypatch.setitem(flows.FLOWS, flow.name, flow)
        monkeypatch.setitem(flows.COMMAND_FLOWS, command, flow.name)
        flows.register(flow, command=command)

    yield install
    for key in added:
        CATALOGUE.pop(key, None)
