"""Only the aggregator may call POST /ussd: HTTP Basic credentials and/or its source
networks (the client address taken from X-Forwarded-For only behind a trusted
proxy). Everything else gets 403 before the request is read, and nothing is recorded."""

from __future__ import annotations

import base64
from ipaddress import ip_network

import pytest
from sqlalchemy import func, select

from gateway import create_app
from gateway import runtime as runtimes
from gateway.config import Config
from gateway.store.models import InboundMessage
from tests.conftest import DATA_KEY, SECRET, Phone, _clean

CREDENTIALS = "africastalking:s3cret-pass"
AGGREGATOR_NET = "203.0.113.0/24"
PROXIES = "10.0.0.0/8"
FORM = {"sessionId": "ATauth1", "serviceCode": "*1022#", "phoneNumber": "+84912345678",
        "networkCode": "45204", "text": ""}


def basic(credentials: str) -> dict[str, str]:
    """An Authorization header with Basic `credentials`."""
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


@pytest.fixture
def make_app(pg_url, redis_url):
    """`make_app(**settings)`: the production app with these edge settings, clean data."""
    apps = []

    def make(**settings):
        config = Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                        data_encryption_key=DATA_KEY,
                        **settings)
        app = create_app(config)
        _clean(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        runtimes.of(app).engine.dispose()


def nets(*cidrs: str) -> tuple:
    return tuple(ip_network(c) for c in cidrs)


BASIC = {"ussd_basic_auth": CREDENTIALS}
ALLOW = {"ussd_allowed_networks": nets(AGGREGATOR_NET)}
ALLOW_BEHIND_PROXY = {**ALLOW, "trusted_proxies": nets(PROXIES)}
BOTH = {**BASIC, **ALLOW}
OUTSIDE, INSIDE, PROXY = "198.51.100.7", "203.0.113.5", "10.0.0.2"

CASES = [
    # settings, peer, headers → status
    ("basic-right", BASIC, OUTSIDE, basic(CREDENTIALS), 200),
    ("basic-none", BASIC, OUTSIDE, {}, 403),
    ("basic-wrong-password", BASIC, OUTSIDE, basic("africastalking:s3cret-pas"), 403),
    ("basic-wrong-user", BASIC, OUTSIDE, basic("someone:s3cret-pass"), 403),
    ("basic-longer", BASIC, OUTSIDE, basic(CREDENTIALS + "x"), 403),
    ("basic-no-colon", BASIC, OUTSIDE, basic("africastalking"), 403),
    ("basic-bearer", BASIC, OUTSIDE, {"Authorization": "Bearer " + CREDENTIALS}, 403),
    ("basic-garbage", BASIC, OUTSIDE, {"Authorization": "Basic %%%not-base64"}, 403),
    ("net-inside", ALLOW, INSIDE, {}, 200),
    ("net-outside", ALLOW, OUTSIDE, {}, 403),
    ("net-spoofed-xff", ALLOW, OUTSIDE, {"X-Forwarded-For": INSIDE}, 403),
    ("net-xff-untrusted-proxy", ALLOW, PROXY, {"X-Forwarded-For": INSIDE}, 403),
    ("net-via-proxy", ALLOW_BEHIND_PROXY, PROXY, {"X-Forwarded-For": INSIDE}, 200),
    ("net-via-proxy-outside", ALLOW_BEHIND_PROXY, PROXY, {"X-Forwarded-For": OUTSIDE}, 403),
    ("net-via-proxy-spoof-left", ALLOW_BEHIND_PROXY, PROXY,
     {"X-Forwarded-For": f"{INSIDE}, {OUTSIDE}"}, 403),
    ("net-via-proxy-spoof-ignored", ALLOW_BEHIND_PROXY, PROXY,
     {"X-Forwarded-For": f"{OUTSIDE}, {INSIDE}"}, 200),
    ("net-via-proxy-no-xff", ALLOW_BEHIND_PROXY, PROXY, {}, 403),
    ("net-direct-with-proxies", ALLOW_BEHIND_PROXY, INSIDE, {}, 200),
    ("net-ipv6", {"ussd_allowed_networks": nets("2001:db8::/32")}, "2001:db8::5", {}, 200),
    ("net-ipv6-outside", {"ussd_allowed_networks": nets("2001:db8::/32")}, "2001:db9::5",
     {}, 403),
    ("both-right", BOTH, INSIDE, basic(CREDENTIALS), 200),
    ("both-no-credentials", BOTH, INSIDE, {}, 403),
    ("both-outside", BOTH, OUTSIDE, basic(CREDENTIALS), 403),
    ("neither-fails-closed", {}, INSIDE, basic(CREDENTIALS), 403),
]


@pytest.mark.parametrize(("settings", "peer", "headers", "status"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_only_the_aggregator_is_answered(make_app, settings, peer, headers, status):
    app = make_app(**settings)
    response = app.test_client().post("/ussd", data=FORM, headers=headers,
                                      environ_base={"REMOTE_ADDR": peer})
    assert response.status_code == status, response.data
    body = response.get_data(as_text=True)
    if status == 403:
        assert body == "Forbidden: USSD requests must come from the aggregator\n"
        assert "WWW-Authenticate" not in response.headers
        assert inbound_count(app) == 0
    else:
        assert body.startswith("CON Khai bao y te")


def test_refused_before_the_request_is_read(make_app):
    # A stranger learns nothing about the form the gateway expects.
    app = make_app(**BASIC)
    response = app.test_client().post("/ussd", data={"text": "1"})
    assert response.status_code == 403


def test_the_demo_answers_without_settings(demo_app):
    response = demo_app.test_client().post("/ussd", data=FORM)
    assert response.status_code == 200


def test_a_whole_session_with_basic_credentials(make_app):
    phone = Phone(make_app(**BASIC).test_client())
    assert phone.dial().startswith("CON Khai bao y te")
    assert phone.press("5").startswith("CON ")


def inbound_count(app) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage))
