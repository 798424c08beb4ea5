"""Caps on the OTPs one declarer can make the gateway send to other numbers: per
declaring phone (SMS `KH` and USSD menu 6 alike, new USSD sessions reset nothing),
per USSD session, with a clear reply, and nothing counted for a turn that failed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.dialogue import turn
from gateway.flows.messages import render
from gateway.store import phones
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage, utcnow
from tests.declare.conftest import ME

CAPPED_VI = "Ban da gui qua nhieu ma xac thuc cho so khac"


def members(count: int) -> list[str]:
    """Distinct family members' numbers (local spelling, E.164)."""
    return [(f"09876543{n:02d}", f"+849876543{n:02d}") for n in range(count)]


def verified(app, number: str = ME) -> None:
    """The declarer's own phone is verified (as after their own OTP)."""
    with transaction(runtimes.of(app).sessions) as session:
        phones.get_or_create(session, number).verified_until = utcnow() + timedelta(hours=1)


def otps_to(app) -> list[str]:
    """The numbers OTPs were queued for, oldest first."""
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(OutboundMessage.phone)
                                    .where(OutboundMessage.kind == "otp")
                                    .order_by(OutboundMessage.id)))


def test_sms_declarer_is_capped_per_hour(app, me):
    verified(app)
    numbers = members(6)
    for local, _ in numbers[:5]:
        assert me.sms("KH").startswith("Khai ho. So dien thoai")
        assert "Da gui ma 6 so" in me.sms(local)
        me.sms("HUY")
    assert me.sms("KH").startswith("Khai ho. So dien thoai")
    capped = me.sms(numbers[5][0])
    assert capped.startswith(CAPPED_VI)
    assert "60 phut" in capped or "59 phut" in capped
    assert otps_to(app) == [e164 for _, e164 in numbers[:5]]
    me.sms("EN")
    assert me.sms("KH") and me.sms(numbers[5][0]).startswith(
        "Too many codes sent to other numbers")


def test_per_day_cap(app, me, monkeypatch):
    """The day's cap holds even when the hour's would allow more."""
    rt = runtimes.of(app)
    monkeypatch.setattr(rt, "config", dataclasses.replace(
        rt.config, otp_fanout_per_hour=10, otp_fanout_per_day=3))
    verified(app)
    numbers = members(4)
    for local, _ in numbers[:3]:
        me.sms("KH")
        assert "Da gui ma 6 so" in me.sms(local)
        me.sms("HUY")
    me.sms("KH")
    assert me.sms(numbers[3][0]).startswith(CAPPED_VI)


def test_ussd_session_cap_and_the_declarers_cap_across_sessions(app, me):
    numbers = iter(members(8))

    def family_code(expected: str) -> str:
        assert "Khai ho. So dien thoai" in me.press("6")
        screen = me.press(next(numbers)[0])
        assert expected in screen, screen
        return screen

    me.dial()
    for _ in range(3):  # OTP_FANOUT_PER_SESSION
        family_code("Da gui ma 6 so")
        assert me.press("00").startswith("CON Khai bao y te")
    assert family_code(CAPPED_VI).startswith("END ")
    # A new session resets the session's cap, not the declarer's (5 an hour).
    me.dial()
    for _ in range(2):
        family_code("Da gui ma 6 so")
        me.press("00")
    family_code(CAPPED_VI)
    assert len(otps_to(app)) == 5


def test_a_failed_turn_counts_nothing_against_the_declarer(app, me, monkeypatch, redis):
    verified(app)
    numbers = members(6)
    me.sms("KH")
    with monkeypatch.context() as patch:
        patch.setattr(turn.message_log, "set_reply", lambda *a, **k: 1 / 0)
        assert me.sms(numbers[0][0]) == render("dialogue.error", "vi")
    assert all(redis.zcard(key) == 0 for key in redis.scan_iter("otpfan:*"))
    for local, _ in numbers[1:]:  # still five to give
        me.sms("HUY")
        me.sms("KH")
        assert "Da gui ma 6 so" in me.sms(local)
    assert len(otps_to(app)) == 5


def test_a_refused_otp_is_not_counted(app, me, redis):
    """A member's number refused by its own limits is no code caused by the declarer."""
    verified(app)
    _, member = members(1)[0]
    for _ in range(3):  # the member's number reaches its own limit (3 in 15 minutes)
        me.sms("KH")
        assert "Da gui ma 6 so" in me.sms(member)
        me.sms("HUY")
    me.sms("KH")
    assert "qua nhieu ma xac thuc" in me.sms(member)
    assert redis.zcard(f"otpfan:declarer:{ME}:hour") == 3
