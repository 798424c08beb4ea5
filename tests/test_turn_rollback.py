"""What a turn did in Redis is undone when its transaction rolls back: an OTP issued in
a turn whose database work then failed is taken back (the code, its place in the
phone's limits and in the global ceiling), so the SMS that was never queued costs
the person nothing."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.dialogue import turn
from gateway.flows.messages import render
from gateway.store.models import OutboundMessage

NUMBER = "+84912345678"


def otp_state(redis) -> tuple[bool, int, int]:
    """(a live code exists, issues in the phone's log, codes in the global counters)."""
    counted = sum(int(redis.get(key) or 0) for key in redis.scan_iter("otp:global:*"))
    return bool(redis.exists(f"otp:code:{NUMBER}")), redis.zcard(f"otp:sent:{NUMBER}"), counted


def outbound_count(app) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboundMessage))


@pytest.fixture
def failing_commit(monkeypatch):
    """Make the turn's transaction fail after the flow (and its OTP effect) ran."""
    def fail(*_args, **_kwargs):
        raise RuntimeError("the database refused the turn's last write")

    monkeypatch.setattr(turn.message_log, "set_reply", fail)
    return monkeypatch


def test_an_otp_of_a_failed_turn_is_taken_back(phone, redis, app, failing_commit):
    phone.agreed()  # the privacy notice was answered before: KB sends the OTP at once
    assert phone.sms("KB") == render("dialogue.error", "vi")
    assert otp_state(redis) == (False, 0, 0)
    assert outbound_count(app) == 0
    failing_commit.undo()
    # The limits were not used up: three codes in the window, as if nothing happened.
    for _ in range(3):
        assert "Da gui ma 6 so" in phone.sms("KB")
    assert otp_state(redis) == (True, 3, 3)


def test_an_otp_of_a_committed_turn_stays(phone, redis, app):
    assert "Da gui ma 6 so" in phone.agreed().sms("KB")
    assert otp_state(redis) == (True, 1, 1)
    assert outbound_count(app) == 1


def test_every_undo_runs_even_when_one_fails(phone, redis, monkeypatch, caplog):
    ran: list[str] = []
    from gateway.dialogue import router

    def decide(conversation):
        conversation.on_rollback(lambda: ran.append("first"))
        conversation.on_rollback(lambda: 1 / 0)
        conversation.on_rollback(lambda: ran.append("third"))
        raise RuntimeError("the flow failed")

    monkeypatch.setattr(router, "sms", decide)
    with caplog.at_level(logging.INFO):
        assert phone.sms("HD") == render("dialogue.error", "vi")
    assert ran == ["third", "first"]  # newest first, past the one that failed
    assert "could not undo" in caplog.text
    assert NUMBER not in caplog.text
