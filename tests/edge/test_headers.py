"""Security headers on every HTML page of the app — every GET route of `app.url_map`,
signed out and signed in, in production and in the demo (simulator) — and the pages
that carry scripts still work under the policy in a real browser."""

from __future__ import annotations

import re

from gateway.edge.headers import SECURITY_HEADERS
from tests.hotline.conftest import Console, make_user

ARGUMENTS = {"int": "1", "path": "x", "default": "x"}  # a value for each URL converter


def get_routes(app) -> list[str]:
    """A URL for every GET route of the app, its arguments filled with some value."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = rule.rule
        for name, converter in rule._converters.items():
            kind = type(converter).__name__.removesuffix("Converter").lower()
            url = re.sub(rf"<(?:[^:>]+:)?{name}>", ARGUMENTS.get(kind, "x"), url)
        urls.append(url)
    return sorted(set(urls))


def check_html_headers(browsers, urls) -> int:
    """Request every URL with every browser; every HTML answer must carry the
    headers. The number of HTML pages seen."""
    seen = 0
    for browser in browsers:
        for url in urls:
            response = browser.get(url)
            if response.mimetype != "text/html":
                continue
            seen += 1
            for name, value in SECURITY_HEADERS.items():
                if name == "Content-Security-Policy":
                    assert "frame-ancestors 'none'" in response.headers.get(name, ""), url
                    assert "default-src 'self'" in response.headers.get(name, ""), url
                    assert "unsafe" not in response.headers.get(name, ""), url
                else:
                    assert response.headers.get(name) == value, (url, name)
    return seen


def test_every_html_page_carries_the_security_headers(app):
    make_user(app, "adm1", "admin")
    make_user(app, "op1", "operator")
    signed_out = Console(app.test_client())
    admin, operator = Console(app.test_client()), Console(app.test_client())
    admin.login("adm1")
    operator.login("op1")
    urls = get_routes(app)
    assert "/api/v1/docs" in urls and "/hotline/login" in urls
    assert check_html_headers([signed_out, admin, operator], [*urls, "/no/such/page"]) > 20


def test_every_html_page_of_the_demo_carries_them(demo_app):
    urls = get_routes(demo_app)
    assert "/simulator/" in urls
    assert check_html_headers([demo_app.test_client()], urls) > 5


def test_other_answers_keep_their_own_headers(client):
    # JSON, plain text and metrics are not pages: no page policy on them.
    for url in ("/healthz", "/api/v1/openapi.json"):
        assert "Content-Security-Policy" not in client.get(url).headers, url


def violations(driver) -> list[str]:
    """Content-Security-Policy complaints in the browser console."""
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"]]
