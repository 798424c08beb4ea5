"""The edge's settings: USSD authentication (required for the web outside the demo),
trusted proxies and the API's rate limit — read, and refused with the variable named."""

from ipaddress import ip_network

import pytest

from gateway import create_app
from gateway.config import API_RATE_LIMIT, Config, ConfigError
from tests.conftest import DATA_KEY

BASE = {"DATA_ENCRYPTION_KEY": DATA_KEY, "SECRET_KEY": "s3cret"}


def load(**env: str) -> Config:
    return Config.from_env(environ={**BASE, **env}, dotenv=False)


def test_defaults_authenticate_nothing_and_limit_the_api():
    config = load()
    assert config.ussd_basic_auth == "" and config.ussd_allowed_networks == ()
    assert config.trusted_proxies == () and config.api_rate_limit == API_RATE_LIMIT


@pytest.mark.parametrize(("env", "field", "value"), [
    ({"USSD_BASIC_AUTH": " at:pa:ss "}, "ussd_basic_auth", "at:pa:ss"),  # ':' in the password
    ({"USSD_ALLOWED_NETWORKS": "203.0.113.0/24, 2001:db8::/32"}, "ussd_allowed_networks",
     (ip_network("203.0.113.0/24"), ip_network("2001:db8::/32"))),
    ({"USSD_ALLOWED_NETWORKS": "198.51.100.7"}, "ussd_allowed_networks",
     (ip_network("198.51.100.7/32"),)),
    ({"TRUSTED_PROXIES": "10.0.0.0/8 ::1"}, "trusted_proxies",
     (ip_network("10.0.0.0/8"), ip_network("::1/128"))),
    ({"API_RATE_LIMIT": "10/second;1000/hour"}, "api_rate_limit", "10/second;1000/hour"),
    ({"API_RATE_LIMIT": "100 per minute"}, "api_rate_limit", "100 per minute"),
])
def test_edge_settings_are_read(env, field, value):
    assert getattr(load(**env), field) == value


@pytest.mark.parametrize(("env", "variable", "hint"), [
    ({"USSD_BASIC_AUTH": "onlyuser"}, "USSD_BASIC_AUTH", "user:password"),
    ({"USSD_BASIC_AUTH": ":password"}, "USSD_BASIC_AUTH", "user:password"),
    ({"USSD_BASIC_AUTH": "user:"}, "USSD_BASIC_AUTH", "user:password"),
    ({"USSD_ALLOWED_NETWORKS": "aggregator.example"}, "USSD_ALLOWED_NETWORKS", "203.0.113.0/24"),
    ({"USSD_ALLOWED_NETWORKS": "203.0.113.9/24"}, "USSD_ALLOWED_NETWORKS", "203.0.113.0/24?"),
    ({"USSD_ALLOWED_NETWORKS": "10.0.0.0/33"}, "USSD_ALLOWED_NETWORKS", "such as"),
    ({"TRUSTED_PROXIES": "proxy.local"}, "TRUSTED_PROXIES", "such as"),
    ({"API_RATE_LIMIT": "lots"}, "API_RATE_LIMIT", "600/minute"),
    ({"API_RATE_LIMIT": "10/fortnight"}, "API_RATE_LIMIT", "600/minute"),
], ids=["no-colon", "no-user", "no-password", "a-name", "host-bits", "bad-prefix",
        "proxy-name", "rate-words", "rate-unit"])
def test_bad_edge_settings_name_the_variable(env, variable, hint):
    with pytest.raises(ConfigError, match=variable) as raised:
        load(**env)
    assert hint in str(raised.value) and "\n" not in str(raised.value)


def test_the_web_refuses_to_start_without_ussd_authentication(monkeypatch):
    for name in ("USSD_BASIC_AUTH", "USSD_ALLOWED_NETWORKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", DATA_KEY)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigError) as raised:
        create_app()
    message = str(raised.value)
    assert "USSD_BASIC_AUTH" in message and "USSD_ALLOWED_NETWORKS" in message
    assert "\n" not in message


@pytest.mark.parametrize("env", [
    {"USSD_BASIC_AUTH": "at:secret"},
    {"USSD_ALLOWED_NETWORKS": "203.0.113.0/24"},
    {"REDIS_URL": "memory://"},  # the demo
])
def test_either_setting_or_the_demo_lets_the_web_start(env):
    load(**env).validate_web()


def test_workers_need_no_ussd_setting():
    # Workers and cron never answer /ussd: their configuration is complete without one.
    assert load().ussd_basic_auth == ""
