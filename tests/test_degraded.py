"""Degraded modes: with Redis gone the webhooks answer what the provider can act on (a
503 with Retry-After for Twilio, the apology for USSD, the status callback as usual),
never an HTML 500, logged once without the phone; with PostgreSQL gone /metrics still
answers with what it can compute."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway import create_app
from gateway import runtime as runtimes
from gateway.flows.messages import render
from gateway.store import message_log, messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.conftest import Phone
from tests.redis_servers import own_redis_fixture  # noqa: F401 (fixture)

NUMBER = "+84912345678"
CLOSED_DATABASE = "postgresql://postgres@127.0.0.1:1/none"  # nothing listens on port 1


@pytest.fixture
def on_own_redis(app, config, own_redis):
    """The gateway (on the test PostgreSQL) using the private Redis."""
    application = create_app(dataclasses.replace(config, redis_url=own_redis.url))
    yield application
    runtimes.of(application).engine.dispose()


def warnings_of(caplog, logger: str) -> list[logging.LogRecord]:
    """The WARNING-or-worse records of one logger."""
    return [r for r in caplog.records if r.name == logger and r.levelno >= logging.WARNING]


def test_redis_down_twilio_gets_503_with_retry_after(on_own_redis, own_redis, caplog):
    client = on_own_redis.test_client()
    assert Phone(client).sms("HD") == render("help", "vi")  # it worked with Redis up
    own_redis.kill()
    with caplog.at_level(logging.INFO):
        response = client.post("/sms/twilio", data={
            "From": NUMBER, "To": "+84240000", "Body": "HD", "MessageSid": "SMdown"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/plain"
    assert "retry later" in response.get_data(as_text=True)
    assert len(warnings_of(caplog, "gateway.webhooks")) == 1
    assert all(r.levelno < logging.ERROR for r in caplog.records)  # no traceback logged
    assert "912345678" not in caplog.text


def test_redis_down_ussd_ends_with_the_apology(on_own_redis, own_redis, caplog):
    client = on_own_redis.test_client()
    own_redis.kill()
    with caplog.at_level(logging.INFO):
        response = client.post("/ussd", data={"sessionId": "ATdown", "serviceCode": "*1022#",
                                              "phoneNumber": NUMBER, "text": ""})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "END " + render("dialogue.error", "vi",
                                                              channel="ussd")
    assert len(warnings_of(caplog, "gateway.webhooks")) == 1
    assert "912345678" not in caplog.text


def test_redis_down_status_callbacks_still_apply(on_own_redis, own_redis):
    rt = runtimes.of(on_own_redis)
    with transaction(rt.sessions) as session:
        message = messages.queue_outbound(session, phone=NUMBER, body="hi", kind="notice",
                                          priority="default")
        message.provider_id = "SMsent1"
        message_id = message.id
    own_redis.kill()
    response = on_own_redis.test_client().post("/sms/twilio/status", data={
        "MessageSid": "SMsent1", "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    with rt.sessions() as session:
        assert session.get(OutboundMessage, message_id).status == "delivered"


def test_redis_lost_during_a_turn_records_nothing(on_own_redis, own_redis, monkeypatch):
    """Redis answered the start of the turn and went away inside it: the turn is rolled
    back (not recorded with an apology), so Twilio's retry is a first turn."""
    from gateway.dialogue import router

    def decide(conversation):
        own_redis.kill()
        conversation.runtime.redis.get("anything")  # what a flow's Redis effect does

    monkeypatch.setattr(router, "sms", decide)
    client = on_own_redis.test_client()
    response = client.post("/sms/twilio", data={
        "From": NUMBER, "To": "+84240000", "Body": "HD", "MessageSid": "SMmid"})
    assert response.status_code == 503
    with runtimes.of(on_own_redis).sessions() as session:
        assert message_log.stored_reply(session, "twilio", "SMmid") is None


def scrape(client) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def test_metrics_say_which_sources_answered(client):
    values = scrape(client)
    assert values[("gateway_metrics_source_up", (("source", "database"),))] == 1
    assert values[("gateway_metrics_source_up", (("source", "redis"),))] == 1
    assert ("gateway_outbound_messages", (("status", "failed"),)) in values


def test_metrics_answer_while_postgresql_is_down(app, config, caplog):
    application = create_app(dataclasses.replace(config, database_url=CLOSED_DATABASE))
    try:
        client = application.test_client()
        with caplog.at_level(logging.INFO):
            values = scrape(client)
        assert len(warnings_of(caplog, "gateway.ops.metrics")) == 1
        assert b"# TYPE gateway_turns_total counter" in client.get("/metrics").data
    finally:
        runtimes.of(application).engine.dispose()
    assert values[("gateway_metrics_source_up", (("source", "database"),))] == 0
    assert values[("gateway_metrics_source_up", (("source", "redis"),))] == 1
    assert not any(name == "gateway_outbound_messages" for name, _ in values)
    assert ("gateway_queue_depth", (("queue", "high"),)) in values


def test_metrics_answer_while_redis_is_down(on_own_redis, own_redis):
    own_redis.kill()
    values = scrape(on_own_redis.test_client())
    assert values[("gateway_metrics_source_up", (("source", "redis"),))] == 0
    assert values[("gateway_metrics_source_up", (("source", "database"),))] == 1
    assert not any(name == "gateway_queue_depth" for name, _ in values)
