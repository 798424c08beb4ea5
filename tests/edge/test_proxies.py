"""Behind reverse proxies (`TRUSTED_PROXIES`): the client address comes from
X-Forwarded-For only when the direct peer is a trusted proxy, so the console's
per-address sign-in block counts each client, not the proxy — and a client who
reaches the gateway directly cannot escape the block by writing the header."""

from __future__ import annotations

import dataclasses
from ipaddress import ip_network

import pytest
from flask import Flask, request

from gateway.edge.proxies import TrustedProxies, client_address
from hotline import auth
from tests.hotline.conftest import Console, make_user, text

PROXIES = (ip_network("10.0.0.0/8"), ip_network("fd00::/8"))


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("198.51.100.7", "", "198.51.100.7"),
    ("198.51.100.7", "203.0.113.5", "198.51.100.7"),           # not a proxy: header ignored
    ("10.0.0.2", "", "10.0.0.2"),
    ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
    ("10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),        # the left is the client's word
    ("10.0.0.2", "203.0.113.5, 10.0.0.9", "203.0.113.5"),       # two proxies
    ("10.0.0.2", "10.0.0.8, 10.0.0.9", "10.0.0.8"),             # proxies all the way
    ("10.0.0.2", "203.0.113.5, garbage", "10.0.0.2"),           # malformed: believe nothing
    ("10.0.0.2", "unknown", "10.0.0.2"),
    ("10.0.0.2", " 203.0.113.5 ,, ", "203.0.113.5"),
    ("fd00::1", "2001:db8::7", "2001:db8::7"),
    ("fd00::1", "[2001:db8::7]", "2001:db8::7"),
    ("::ffff:10.0.0.2", "203.0.113.5", "203.0.113.5"),          # dual-stack spelling
    ("", "203.0.113.5", ""),
], ids=["direct", "direct-spoof", "proxy-no-header", "proxy", "proxy-spoof-left",
        "two-proxies", "all-proxies", "malformed", "unknown", "spaces", "ipv6",
        "ipv6-brackets", "mapped", "no-peer"])
def test_the_client_address(peer, forwarded, client):
    assert client_address(peer, forwarded, PROXIES) == client


def _echo_app() -> Flask:
    app = Flask("echo")
    app.add_url_rule("/", "echo", lambda: f"{request.remote_addr} {request.url}")
    app.wsgi_app = TrustedProxies(app.wsgi_app, PROXIES)
    return app


@pytest.mark.parametrize(("peer", "headers", "seen"), [
    ("10.0.0.2", {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https",
                  "X-Forwarded-Host": "gw.example.vn"}, "203.0.113.5 https://gw.example.vn/"),
    ("198.51.100.7", {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https",
                      "X-Forwarded-Host": "evil.example"}, "198.51.100.7 http://localhost/"),
    ("10.0.0.2", {"X-Forwarded-Proto": "gopher"}, "10.0.0.2 http://localhost/"),
], ids=["trusted", "untrusted", "bad-scheme"])
def test_scheme_and_host_only_from_a_trusted_proxy(peer, headers, seen):
    response = _echo_app().test_client().get("/", headers=headers,
                                             environ_base={"REMOTE_ADDR": peer})
    assert response.get_data(as_text=True) == seen


@pytest.fixture
def config(config):
    """The console's configuration behind a trusted proxy."""
    return dataclasses.replace(config, trusted_proxies=PROXIES)


def _login(app, client: str, peer: str = "10.0.0.2", username: str = "op1",
           password: str = "wrong password!"):
    browser = Console(app.test_client())
    browser.client.environ_base.update({"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": client})
    return browser.login(username, password)


def test_behind_a_proxy_failures_block_the_client_not_everyone(app):
    make_user(app, "op1", "operator")
    for n in range(auth.IP_MAX_FAILURES):
        _login(app, "203.0.113.5", username=f"guess{n}")
    blocked = _login(app, "203.0.113.5", password="correct horse battery")
    assert blocked.status_code == 429 and "Quá nhiều lần" in text(blocked)
    # Another caller behind the same proxy still signs in.
    assert _login(app, "203.0.113.6", password="correct horse battery").status_code == 302


def test_a_direct_client_cannot_escape_the_block_with_the_header(app):
    make_user(app, "op1", "operator")
    for n in range(auth.IP_MAX_FAILURES):
        _login(app, f"203.0.113.{n}", peer="198.51.100.7", username=f"guess{n}")
    blocked = _login(app, "203.0.113.200", peer="198.51.100.7",
                     password="correct horse battery")
    assert blocked.status_code == 429


