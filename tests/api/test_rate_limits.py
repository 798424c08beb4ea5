"""API rate limits (`API_RATE_LIMIT`, Flask-Limiter on the app's Redis): one budget
per token across every records operation, per client address without a valid token;
over it a 429 problem with Retry-After. Nothing else of the app is limited or touches
the limiter, and a Redis outage never turns an API request into a 500."""

from __future__ import annotations

import dataclasses
from ipaddress import ip_network

import pytest

from gateway import create_app
from gateway import runtime as runtimes
from gateway.api.limits import EXTENSION, KEY_PREFIX
from tests.api.conftest import Api, make_token
from tests.test_processes import free_port

LIMIT = 3
RATE = f"{LIMIT}/hour"  # an hour: the window cannot roll over during a test


@pytest.fixture
def config(config):
    """A tight limit, and a trusted proxy in front."""
    return dataclasses.replace(config, api_rate_limit=RATE,
                               trusted_proxies=(ip_network("10.0.0.0/8"),))


def spend(api: Api, path: str = "/api/v1/declarations", n: int = LIMIT) -> None:
    for _ in range(n):
        assert api.get(path).status_code == 200


def assert_too_many(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["status"] == 429 and problem["title"] == "Too Many Requests"
    assert f"at most {LIMIT} per 1 hour" in problem["detail"]
    assert 1 <= int(response.headers["Retry-After"]) <= 3600


def test_a_token_over_its_limit_gets_a_429_problem(app, client):
    first, second = Api(client, make_token(app, "one")), Api(client, make_token(app, "two"))
    spend(first)
    assert_too_many(first.get("/api/v1/declarations"))
    spend(second)  # its own budget


def test_the_budget_is_shared_by_every_operation(app, client):
    api = Api(client, make_token(app, "one"))
    spend(api, "/api/v1/declarations", 1)
    spend(api, "/api/v1/venues", 1)
    spend(api, "/api/v1/events", 1)
    assert_too_many(api.get("/api/v1/quarantine-cases"))


@pytest.mark.parametrize("token", ["", "Bearer not-a-real-token"], ids=["none", "invalid"])
def test_without_a_valid_token_the_client_address_is_limited(app, client, token):
    headers = {"Authorization": token} if token else {}

    def call(address: str, forwarded: str = ""):
        extra = {"X-Forwarded-For": forwarded} if forwarded else {}
        return client.get("/api/v1/venues", headers={**headers, **extra},
                          environ_base={"REMOTE_ADDR": address})

    for _ in range(LIMIT):
        assert call("198.51.100.7").status_code == 401
    assert_too_many(call("198.51.100.7"))
    assert call("198.51.100.8").status_code == 401
    # Behind the trusted proxy each client counts on its own.
    for _ in range(LIMIT):
        assert call("10.0.0.2", "203.0.113.5").status_code == 401
    assert_too_many(call("10.0.0.2", "203.0.113.5"))
    assert call("10.0.0.2", "203.0.113.6").status_code == 401


def test_nothing_but_the_records_api_is_limited(app, client, redis):
    form = {"From": "+84912345678", "To": "1022", "Body": "HD", "MessageSid": "SM1"}
    ussd = {"sessionId": "AT1", "serviceCode": "*1022#", "phoneNumber": "+84912345678",
            "text": ""}
    for _ in range(LIMIT + 2):
        for response in (client.get("/healthz"), client.get("/metrics"),
                         client.get("/hotline/login"), client.get("/api/v1/openapi.json"),
                         client.get("/api/v1/docs"), client.post("/sms/twilio", data=form),
                         client.post("/ussd", data=ussd)):
            assert response.status_code == 200, response.request.path
    assert redis.keys(f"{KEY_PREFIX}*") == []  # the limiter's storage was never touched
    api = Api(client, make_token(app, "one"))
    spend(api, n=1)
    assert redis.keys(f"{KEY_PREFIX}*") != []  # (where the API's counters live)


@pytest.fixture
def app_without_redis(config):
    """The app with its Redis gone (a closed port), the database still up."""
    down = dataclasses.replace(config, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(down)
    yield app
    runtimes.of(app).engine.dispose()


def test_redis_down_falls_back_to_counting_in_memory(app, app_without_redis):
    secret = make_token(app, "one")  # made on the healthy app: same database
    api = Api(app_without_redis.test_client(), secret)
    spend(api)  # no 500: the limiter counts in this process's memory meanwhile
    assert_too_many(api.get("/api/v1/declarations"))



def test_while_redis_is_down_other_routes_never_wait_on_the_limiter(app, app_without_redis,
                                                                    monkeypatch):
    secret = make_token(app, "one")
    client = app_without_redis.test_client()
    spend(Api(client, secret), n=1)  # the limiter has found its storage down
    limiter = app_without_redis.extensions[EXTENSION]
    pings = []
    monkeypatch.setattr(limiter.storage, "check", lambda: pings.append(1) or False)
    for _ in range(20):  # enough that the limiter would have retried its storage
        for url in ("/hotline/login", "/api/v1/docs", "/api/v1/openapi.json"):
            assert client.get(url).status_code < 500, url
    assert pings == []
