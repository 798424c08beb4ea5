"""A provider outage loses nothing: retries are governed by the outbox (one schedule per
message, up to its horizon), every worker pauses sending to a provider in trouble
(honouring `Retry-After`) and probes with one message before resuming, and a message
fails only at its horizon or on a permanent error — with an ERROR line and a metric.

Real workers, Redis, PostgreSQL and the Twilio stand-in (its `outage` control)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from rq import Worker

from gateway.config import Config
from gateway.sms import breaker, outbound, rest, retry, sweeper, twilio
from tests.ops.test_endpoints import samples
from tests.sms.workers import (
    SENDER,
    age,
    queue_bulk,
    queue_message,
    runtime_of,
    stored,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("app")


def statuses(app, ids: list[int]) -> dict[str, int]:
    """How many of the messages are in each status."""
    counted: dict[str, int] = {}
    for message_id in ids:
        status = stored(app, message_id).status
        counted[status] = counted.get(status, 0) + 1
    return counted


# --- an outage with real workers ------------------------------------------------------------

def test_429_then_500_every_message_sent_once_none_failed_at_a_low_rate(app, workers,
                                                                      twilio_standin):
    # The probe's findings: 429 for a while, then 500, while reminders and OTPs wait.
    # Without the shared back-off, two workers at 10 SMS/s would send ~70 requests
    # into the outage and burn their attempts.
    redis = runtime_of(app).redis
    workers.start()
    workers.start()
    wait_until(lambda: len(Worker.all(connection=redis)) == 2, timeout=30,
               what="workers to listen")
    twilio_standin.outage(429, 4)
    outage_ends = time.monotonic() + 4
    bulk = queue_bulk(app, 30)
    otps = [queue_message(app, body=f"Ma xac thuc cua ban: ****** ({n})") for n in range(3)]
    twilio_standin.wait_for_requests(1)
    time.sleep(max(0.0, outage_ends - time.monotonic()))
    twilio_standin.outage(500, 3)  # the 429s are over: now the provider fails outright
    ids = bulk + otps
    wait_until(lambda: statuses(app, ids) == {"sent": len(ids)}, timeout=90,
               what="every message sent")
    bodies = sorted(m["body"] for m in twilio_standin.messages)
    assert len(bodies) == len(set(bodies)) == len(ids)  # each sent exactly once
    refused = twilio_standin.requests_answered(429) + twilio_standin.requests_answered(500)
    # A few concurrent first sends, then one probe per pause (1 s, 2 s, 4 s … of ours).
    assert 2 <= len(refused) <= 12, len(refused)
    assert max(stored(app, i).attempts for i in ids) <= 4


def test_retry_after_is_honoured_and_paused_messages_keep_their_attempts(app, twilio_standin):
    twilio_standin.outage(429, 60, retry_after=30)
    rt = runtime_of(app)
    first = queue_message(app, enqueue=False)
    assert outbound.deliver(first) == "retry"
    wait, probing = breaker.gate(rt.redis, SENDER)
    assert 28 < wait <= 30 and not probing  # the provider's 30 s, not our 1 s
    second = queue_message(app, body="Thong bao", kind="notice", enqueue=False)
    assert outbound.deliver(second) == "paused"
    assert len(twilio_standin.requests) == 1  # nothing more went to the provider
    message = stored(app, second)
    assert (message.status, message.attempts) == ("queued", 0)
    assert sweeper.has_live_job(rt, second, "high")  # rescheduled after the pause
    message = stored(app, first)
    assert (message.status, message.attempts, message.error_code) == ("queued", 1, "20429")
    assert message.next_attempt_at > datetime.now(UTC)


def test_after_the_pause_one_probe_resumes_everyone(app, twilio_standin):
    rt = runtime_of(app)
    twilio_standin.fail_next(1, status=503)
    first = queue_message(app, enqueue=False)
    assert outbound.deliver(first) == "retry"
    assert breaker.gate(rt.redis, SENDER)[0] > 0
    rt.redis.hset(breaker.PAUSE_KEY.format(SENDER), "until", "1")  # the pause is over
    assert breaker.gate(rt.redis, SENDER) == (0.0, True)        # this caller probes …
    assert breaker.gate(rt.redis, SENDER) == (breaker.PROBE_WAIT, False)  # … others wait
    rt.redis.delete(breaker.PROBE_KEY.format(SENDER))
    second = queue_message(app, body="Thong bao", kind="notice", enqueue=False)
    assert outbound.deliver(second) == "sent"  # the probe went through: closed again
    assert breaker.gate(rt.redis, SENDER) == (0.0, False)
    assert not rt.redis.exists(breaker.PAUSE_KEY.format(SENDER))


def test_a_failed_probe_pauses_longer(app):
    redis = runtime_of(app).redis
    pauses = []
    for _ in range(4):
        pauses.append(breaker.trip(redis, "+15550001"))
        redis.hset(breaker.PAUSE_KEY.format("+15550001"), "until", "1")  # pause over
    # 1 s, 2 s, 4 s, 8 s, each with up to half taken off as jitter.
    for trips, pause in enumerate(pauses, start=1):
        ceiling = breaker.BASE_PAUSE * 2 ** (trips - 1)
        assert ceiling / 2 <= pause <= ceiling
    breaker.close(redis, "+15550001")
    assert breaker.gate(redis, "+15550001") == (0.0, False)


# --- failing for good: permanent errors and the horizon -------------------------------------

def test_permanent_error_fails_at_once_logged_and_counted(app, client, twilio_standin, caplog):
    message_id = queue_message(app, phone="+8412", enqueue=False)  # Twilio 21211
    with caplog.at_level(logging.ERROR, logger="gateway.sms.outbound"):
        assert outbound.deliver(message_id) == "failed"
    message = stored(app, message_id)
    assert (message.status, message.error_code, message.attempts) == ("failed", "21211", 1)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (record.getMessage(), record.failure, record.kind) == (
        "outbound message failed", "permanent", "otp")
    assert samples(client)[("gateway_outbound_failed_total",
                            (("kind", "otp"), ("reason", "permanent")))] == 1


def test_horizon_reached_fails_the_message_with_the_metric(app, client, twilio_standin):
    # A moved clock instead of hours of waiting: the reminder was queued 25 h ago.
    twilio_standin.fail_next(1, status=500)
    reminder = queue_message(app, body="Nhac nho", kind="reminder", priority="bulk",
                             enqueue=False)
    age(app, reminder, "created_at", timedelta(hours=25))
    assert outbound.deliver(reminder) == "failed"
    message = stored(app, reminder)
    assert (message.status, message.attempts) == ("failed", 1)
    # An OTP is worthless after its 5 minutes: one queued 6 minutes ago and never sent
    # (met paused again and again) is given up by the sweeper.
    otp = queue_message(app, enqueue=False)
    age(app, otp, "created_at", timedelta(minutes=6))
    young = queue_message(app, body="Thong bao", kind="notice", enqueue=False)
    assert sweeper.sweep()["expired"] == 1
    assert [stored(app, i).status for i in (otp, young)] == ["failed", "queued"]
    assert stored(app, otp).error_message == "retry horizon reached"
    found = samples(client)
    assert found[("gateway_outbound_failed_total",
                  (("kind", "reminder"), ("reason", "horizon")))] == 1
    assert found[("gateway_outbound_failed_total", (("kind", "otp"), ("reason", "horizon")))] == 1


def test_within_the_horizon_a_failed_message_is_scheduled_not_failed(app, twilio_standin):
    twilio_standin.fail_next(1, status=500)
    alert = queue_message(app, body="Canh bao", kind="alert", enqueue=False)
    age(app, alert, "created_at", timedelta(hours=23))  # still an hour to go
    assert outbound.deliver(alert) == "retry"
    message = stored(app, alert)
    assert (message.status, message.attempts) == ("queued", 1)
    assert sweeper.has_live_job(runtime_of(app), alert, "high")  # its retry, scheduled


# --- the policy's arithmetic ----------------------------------------------------------------

def test_backoff_has_full_jitter_and_a_cap_per_step():
    for attempts in (1, 2, 5, 40):
        ceiling = min(retry.MAX_DELAY, retry.BASE_DELAY * 2 ** (attempts - 1))
        delays = [retry.delay(attempts) for _ in range(200)]
        assert all(retry.MIN_DELAY <= d <= max(ceiling, retry.MIN_DELAY) for d in delays)
        assert len(set(delays)) > 100  # spread, not one instant for every message
    assert max(retry.delay(40) for _ in range(200)) <= retry.MAX_DELAY


def test_horizons_otp_lifetime_and_configured_hours():
    config = Config(sms_retry_hours=6)
    assert retry.horizon(config, "otp") == timedelta(minutes=5)
    assert retry.horizon(config, "reminder") == timedelta(hours=6)
    assert Config().sms_retry_hours == 24
    now = datetime(2026, 12, 2, tzinfo=UTC)
    assert retry.next_attempt(config, "otp", now - timedelta(minutes=5), 1, now) is None
    due = retry.next_attempt(config, "reply", now - timedelta(hours=1), 1, now)
    assert now < due <= now + timedelta(seconds=retry.BASE_DELAY)


@pytest.mark.parametrize(("header", "seconds"), [
    ("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("99999", rest.MAX_RETRY_AFTER),
    ("Wed, 02 Dec 2026 10:00:30 GMT", 30.0), ("", None), (None, None), ("soon", None),
    ("nan", None),
])
def test_retry_after_header_in_seconds_or_as_a_date(header, seconds):
    now = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)
    assert twilio.retry_after(header, now=now) == seconds


def test_sms_retry_hours_is_read_and_checked():
    from gateway.config import ConfigError
    assert Config.from_env({"SMS_RETRY_HOURS": "48", "REDIS_URL": "memory://"},
                           dotenv=False).sms_retry_hours == 48
    with pytest.raises(ConfigError, match="SMS_RETRY_HOURS"):
        Config.from_env({"SMS_RETRY_HOURS": "0", "REDIS_URL": "memory://"}, dotenv=False)

