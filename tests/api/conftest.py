"""Records API tests: the PostgreSQL app, tokens made with the store functions, a
client that sends them, and builders for the records the requests need."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from gateway import runtime as runtimes
from gateway.store import tokens, users
from gateway.store.db import transaction

ME = "+84912345678"
OTHER = "+84987654321"
# The declarer's consent, as the web system collected it after showing its notice.
CONSENT = {"answer": "agree", "at": "2026-01-05T08:30:00+07:00", "notice_version": "web-3"}


def make_token(app, name: str, scopes: tuple[str, ...] = ("read", "write")) -> str:
    """A token's secret, created like `gateway token create` does."""
    with transaction(runtimes.of(app).sessions) as session:
        return tokens.create(session, name, scopes)[1]


class Api:
    """A test client that sends a bearer token (unless told otherwise)."""

    def __init__(self, client, secret: str):
        self.client, self.secret = client, secret
        self.settle = True  # change-feed reads wait for other test runs' transactions

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path: str, **kwargs: Any):
        """GET with the token."""
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)),
                               **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        """POST JSON with the token."""
        return self.client.post(path, json=body, headers=self._headers(
            kwargs.pop("headers", None)), **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any):
        """PATCH JSON with the token."""
        return self.client.patch(path, json=body, headers=self._headers(
            kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def api(app, client) -> Api:
    """A client with a read+write token."""
    return Api(client, make_token(app, "web-system"))


def declaration_body(**changes: Any) -> dict[str, Any]:
    """A valid web declaration (Hà Nội, Phường Hoàn Kiếm), low risk, with consent."""
    body = {"phone": "0912 345 678", "full_name": "Nguyen Van A", "birth_year": 1980,
            "gender": "male", "id_number": "001080012345", "insurance_number": None,
            "province_code": 1, "ward_code": 70, "street": "12 Hang Bac", "symptoms": [],
            "contact": False, "travel": False, "consent": dict(CONSENT)}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def venue_body(**changes: Any) -> dict[str, Any]:
    """A valid venue (Chợ Bến Thành, Hồ Chí Minh City)."""
    return {"name": "Cho Ben Thanh", "kind": "market", "province_code": 79,
            "street": "Le Loi", **changes}


def declared(api: Api, phone: str = ME, **changes: Any) -> dict[str, Any]:
    """Declare for `phone` through the API; the declaration."""
    response = api.post("/api/v1/declarations", declaration_body(phone=phone, **changes))
    assert response.status_code == 201, response.json
    return response.json


def venue(api: Api, **changes: Any) -> dict[str, Any]:
    """Register a venue through the API; the venue."""
    response = api.post("/api/v1/venues", venue_body(**changes))
    assert response.status_code == 201, response.json
    return response.json


def manager(app, username: str = "manager1") -> str:
    """A quarantine manager's username."""
    with transaction(runtimes.of(app).sessions) as session:
        users.create(session, username=username, role="manager", phone="+84911111111")
    return username


def case_body(manager_name: str, phone: str = ME, **changes: Any) -> dict[str, Any]:
    """A valid home-quarantine enrolment of 14 days from today."""
    start = date.today()
    return {"phone": phone, "full_name": "Tran Thi B", "kind": "home",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=13)).isoformat(),
            "manager": manager_name, **changes}
