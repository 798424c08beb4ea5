"""The OTP outside Redis: the outbox keeps its SMS masked (the provider still gets the
code, unsealed by the worker), and the outbox's record of codes sent rebuilds the
per-phone limits when Redis lost them (a restart without persistence)."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from gateway import otp, otp_sms, sealing, visits
from gateway import runtime as runtimes
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.declare.conftest import ME, MEMBER
from tests.test_processes import cli


def otp_rows(app) -> list[OutboundMessage]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "otp")
                                    .order_by(OutboundMessage.id)))


def test_the_outbox_and_the_logs_never_hold_the_code(app, config, me, inbox, caplog):
    caplog.set_level(logging.DEBUG)
    assert "Da gui ma 6 so" in me.sms("KB")
    [queued] = otp_rows(app)
    assert sealing.MASK in queued.body and not re.search(r"\d{6}", queued.body)
    assert queued.sealed

    code = inbox.otp()  # a real worker sent it: the provider got the real text
    assert code not in queued.sealed
    [sent] = otp_rows(app)
    assert (sent.status, sent.body, sent.sealed) == ("sent", queued.body, None)
    assert inbox.messages(ME)[-1]["body"] == queued.body.replace(sealing.MASK, code)
    answer = me.sms(code)
    assert "Nhap ho va ten" in answer, answer  # and the code works

    listed = cli(config, "outbox").output + cli(config, "outbox", "--json").output
    assert sealing.MASK in listed and code not in listed
    logged = caplog.text + "".join(repr(vars(record)) for record in caplog.records)
    assert code not in logged


def test_a_member_code_is_masked_too(app, me, inbox):
    assert "Da gui ma 6 so" in me.sms("KB")
    me.sms(inbox.otp())
    staff_code_for(app, MEMBER)
    assert all(sealing.MASK in row.body for row in otp_rows(app))
    assert not any(re.search(r"\d{6}", row.body) for row in otp_rows(app))


def staff_code_for(app, phone: str) -> otp.Issued | otp.Refused:
    """Venue staff ask a code for `phone` (committed and handed to the workers)."""
    runtime = runtimes.of(app)
    with transaction(runtime.sessions) as session:
        sent = visits.staff_send_code(session, runtime.redis, runtime.config, phone)
    return sent.issued if isinstance(sent, otp_sms.Sent) else sent


def test_a_sealed_text_needs_the_same_secret_key():
    masked, sealed = sealing.hide("key one", "Ma xac thuc: 482913", "482913")
    assert masked == "Ma xac thuc: ******"
    assert sealing.unseal("key one", sealed) == "Ma xac thuc: 482913"
    with pytest.raises(sealing.Unreadable):
        sealing.unseal("key two", sealed)


def test_otp_limits_survive_a_redis_that_lost_them(app, redis, inbox):
    for _ in range(3):
        assert isinstance(staff_code_for(app, ME), otp.Issued)
    redis.flushdb()  # Redis restarted without persistence
    refused = staff_code_for(app, ME)
    assert isinstance(refused, otp.Refused) and refused.reason == "too_many_recent"
    assert 1 <= refused.retry_after <= 15 * 60
    assert isinstance(staff_code_for(app, MEMBER), otp.Issued)  # other phones unaffected
    assert len(otp_rows(app)) == 4


def test_the_outbox_is_read_only_when_redis_lost_the_limits(redis):
    asked = []

    def history(since):
        asked.append(since)
        return []

    assert isinstance(otp.issue(redis, ME, "secret", history=history), otp.Issued)
    assert len(asked) == 1  # no record in Redis: the outbox is asked
    assert isinstance(otp.issue(redis, ME, "secret", history=history), otp.Issued)
    assert len(asked) == 1  # the record is there now
