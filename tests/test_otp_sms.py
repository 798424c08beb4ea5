"""Sending an OTP by SMS (gateway/otp_sms.py), the one way the console and the
dialogue do it: the caps first, the code, the SMS sealed in the outbox and handed over
after the commit; and undone (code revoked, caps uncounted) when its transaction fails."""

from __future__ import annotations

import pytest

from gateway import fanout, otp, otp_sms, sealing
from gateway import runtime as runtimes
from gateway.sms import outbound
from gateway.store import handoff, messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.hotline.conftest import CALLER
from tests.hotline.conftest import VISITOR as OTHER

CAP = [fanout.Cap("otpfan:test", 1, 3600)]


def send(app, phone: str = CALLER, **options):
    rt = runtimes.of(app)
    with transaction(rt.sessions) as session:
        sent = otp_sms.send(session, rt.redis, rt.config, phone, **options)
        pending = handoff.pending(session)
    return sent, pending


def live(app, code: str) -> bool:
    """Whether `code` is the caller's live code (checking it uses it up)."""
    rt = runtimes.of(app)
    return otp.verify(rt.redis, CALLER, code, rt.config.effective_secret).result == "ok"


def test_the_code_goes_out_sealed_and_after_the_commit(app):
    sent, pending = send(app, template="otp.sms_member", variables={"declarer": "+849****78"})
    assert isinstance(sent, otp_sms.Sent)
    assert pending == [(sent.message_id, "high")]
    rt = runtimes.of(app)
    assert outbound.job_of(rt.redis, sent.message_id) is not None
    with rt.sessions() as session:
        row = session.get(OutboundMessage, sent.message_id)
    assert (row.phone, row.kind, row.priority) == (CALLER, "otp", "high")
    assert sent.issued.code not in row.body and sealing.MASK in row.body
    assert "+849****78" in sealing.unseal(rt.config.effective_secret, row.sealed)
    assert live(app, sent.issued.code)


def test_a_cap_reached_sends_nothing(app):
    first, _ = send(app, caps=CAP)
    second, pending = send(app, caps=CAP)
    assert isinstance(first, otp_sms.Sent) and isinstance(second, fanout.Capped)
    assert pending == []


def test_a_refused_code_gives_the_cap_back(app):
    for _ in range(3):  # the phone's limit: 3 codes in 15 minutes
        assert isinstance(send(app)[0], otp_sms.Sent)
    refused, pending = send(app, caps=CAP)
    assert isinstance(refused, otp.Refused) and refused.reason == "too_many_recent"
    assert pending == []
    assert isinstance(send(app, phone=OTHER, caps=CAP)[0], otp_sms.Sent)  # cap not counted


def test_undo_revokes_the_code_and_gives_the_cap_back(app):
    sent, _ = send(app, caps=CAP)
    sent.undo()
    assert not live(app, sent.issued.code)
    assert isinstance(send(app, caps=CAP)[0], otp_sms.Sent)


def test_a_failure_while_queuing_undoes_what_was_done_in_redis(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(messages, "queue_outbound", broken)
    with pytest.raises(RuntimeError):
        send(app, caps=CAP)
    monkeypatch.undo()
    assert isinstance(send(app, caps=CAP)[0], otp_sms.Sent)  # the cap was given back

