"""A console account can make the gateway text only so many codes an hour
(OTP_OPERATOR_PER_HOUR), for a caller or a venue visitor; the page says so."""

from __future__ import annotations

import dataclasses

import pytest

from gateway import runtime as runtimes
from tests.hotline.conftest import Console, audit_entries, make_user, text
from tests.hotline.test_staff import staff_for

CAPPED_VI = "Tài khoản của bạn đã gửi quá nhiều mã trong giờ qua"


@pytest.fixture
def cap_of_two(app, monkeypatch):
    """OTP_OPERATOR_PER_HOUR=2."""
    runtime = runtimes.of(app)
    monkeypatch.setattr(runtime, "config",
                        dataclasses.replace(runtime.config, otp_operator_per_hour=2))


def test_an_operator_is_capped_and_told_so(app, operator, cap_of_two):
    for n in range(2):
        assert operator.post("/hotline/call", {"phone": f"091234560{n}"}).status_code == 302
    refused = operator.post("/hotline/call", {"phone": "0912345609"})
    assert refused.status_code == 429
    assert CAPPED_VI in text(refused)
    assert [(e.action, e.detail) for e in audit_entries(app)][-1] == ("otp.refused", "capped")
    # Another account has its own cap.
    make_user(app, "op2", "operator")
    other = Console(app.test_client())
    other.login("op2")
    assert other.post("/hotline/call", {"phone": "0912345609"}).status_code == 302


def test_venue_staff_are_capped_too(app, market, cap_of_two):
    staff = staff_for(app, market)
    for n in range(2):
        assert staff.post("/hotline/staff", {"venue": str(market["id"]),
                                             "phone": f"091234560{n}"}).status_code == 302
    refused = staff.post("/hotline/staff", {"venue": str(market["id"]), "phone": "0912345609"})
    assert refused.status_code == 429
    assert CAPPED_VI in text(refused)


def test_a_code_refused_for_the_number_costs_the_operator_nothing(app, operator, redis):
    for _ in range(4):  # the number's own limit is 3 in 15 minutes
        operator.post("/hotline/call", {"phone": "0912345600"})
    [key] = redis.keys("otpfan:operator:*")
    assert redis.zcard(key) == 3
