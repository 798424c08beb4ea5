"""The one hand-off after commit (gateway/store/handoff.py): an outbox row queued in a
session of the runtime gets its job only once the transaction commits, all of a
transaction's rows in one go; a rollback (or a rolled-back savepoint) hands nothing
over; a Redis gone at the commit loses nothing (the sweeper hands the row over later);
and in the demo, where jobs run inline, the row is sent right after the commit."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from gateway import create_app
from gateway import runtime as runtimes
from gateway.sms import outbound
from gateway.store import handoff, messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.redis_servers import own_redis_fixture  # noqa: F401 (fixture)

PHONE = "+84912345678"


def queue(session, body: str = "Thong bao", priority: str = "high", **extra) -> int:
    return messages.queue_outbound(session, phone=PHONE, body=body, kind="notice",
                                   priority=priority, **extra).id


def status(rt, message_id: int) -> str:
    with rt.sessions() as session:
        return session.get(OutboundMessage, message_id).status


def test_rows_are_handed_over_together_after_the_commit(app):
    rt = runtimes.of(app)
    with transaction(rt.sessions) as session:
        first, second = queue(session), queue(session, "Nhac nho", priority="default")
        assert handoff.pending(session) == [(first, "high"), (second, "default")]
        assert outbound.job_of(rt.redis, first) is None
    assert rt.queue("high").job_ids == [outbound.job_of(rt.redis, first)]
    assert rt.queue("default").job_ids == [outbound.job_of(rt.redis, second)]
    with rt.sessions() as session:
        assert handoff.pending(session) == []  # a new transaction starts with none


def test_a_rollback_hands_nothing_over(app):
    rt = runtimes.of(app)
    with pytest.raises(RuntimeError), transaction(rt.sessions) as session:
        message_id = queue(session)
        raise RuntimeError("the request failed after queuing")
    assert outbound.job_of(rt.redis, message_id) is None
    assert rt.queue("high").job_ids == []


def test_a_rolled_back_savepoint_drops_only_its_own_rows(app):
    rt = runtimes.of(app)
    with transaction(rt.sessions) as session:
        kept = queue(session, "kept")
        with pytest.raises(RuntimeError), session.begin_nested():
            queue(session, "undone")
            raise RuntimeError("only this part fails")
        with session.begin_nested():  # a savepoint released: its row waits for the commit
            also = queue(session, "also kept")
        assert handoff.pending(session) == [(kept, "high"), (also, "high")]
        assert rt.queue("high").job_ids == []
    assert len(rt.queue("high").job_ids) == 2


def test_a_row_queued_without_hand_over_is_left_to_its_caller(app):
    rt = runtimes.of(app)
    with transaction(rt.sessions) as session:
        message_id = queue(session, hand_over=False)
    assert outbound.job_of(rt.redis, message_id) is None


def test_redis_gone_at_the_commit_keeps_the_row_for_the_sweeper(app, config, own_redis,
                                                                caplog):
    application = create_app(dataclasses.replace(config, redis_url=own_redis.url))
    rt = runtimes.of(application)
    try:
        own_redis.kill()
        with caplog.at_level(logging.INFO), transaction(rt.sessions) as session:
            message_id = queue(session)
        assert status(rt, message_id) == "queued"  # committed: the sweeper finds it
        [warning] = [r for r in caplog.records if r.name == "gateway.store.handoff"]
        assert warning.levelno == logging.WARNING and warning.message_ids == [message_id]
        assert "912345678" not in caplog.text
    finally:
        rt.engine.dispose()


def test_the_demo_sends_the_row_inline_after_the_commit(demo_app):
    rt = runtimes.of(demo_app)
    with transaction(rt.sessions) as session:
        message_id = queue(session)
        assert handoff.pending(session) == [(message_id, "high")]
    assert status(rt, message_id) == "sent"
