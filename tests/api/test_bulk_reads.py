"""Bulk reads of the records API are audited (one row per request: token, path, how
many records), and a token that reads more than BULK_READ_ALERT records in an hour
raises an alert: a log line without personal data and a Prometheus series."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.ops import bulk_reads
from gateway.store.models import AuditEntry
from tests.api.conftest import ME, OTHER, declared
from tests.api.test_events import drain

ALERT_AT = 3


@pytest.fixture
def config(config):
    """A low BULK_READ_ALERT, so a handful of records crosses it."""
    return dataclasses.replace(config, bulk_read_alert=ALERT_AT)


def audit_rows(app) -> list[tuple[str, str, str]]:
    with runtimes.of(app).sessions() as session:
        return [(e.username, e.action, e.detail) for e in session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]


def metric(client, name: str, token: str) -> float | None:
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels.get("token") == token:
                return sample.value
    return None


def test_every_list_and_feed_read_writes_one_audit_row(app, api):
    declared(api, ME)
    declared(api, OTHER)
    assert api.get("/api/v1/declarations", query_string={"limit": 1}).status_code == 200
    api.get("/api/v1/venues")
    # two reads: the events (each declaration and the consent it carries), then the
    # empty "up to date" answer
    drain(api)
    assert audit_rows(app) == [
        ("token:web-system", "api.read", "/api/v1/declarations 1 records"),
        ("token:web-system", "api.read", "/api/v1/venues 0 records"),
        ("token:web-system", "api.read", "/api/v1/events 4 records"),
        ("token:web-system", "api.read", "/api/v1/events 0 records")]


def test_reading_more_than_the_threshold_in_an_hour_alerts_once(app, api, client, caplog):
    for phone in (ME, OTHER, "+84911222333", "+84911222444"):
        declared(api, phone)
    caplog.set_level(logging.WARNING, logger="gateway.ops.bulk_reads")
    api.get("/api/v1/declarations", query_string={"limit": 3})  # 3: not more than 3
    assert metric(client, "gateway_bulk_read_alerts_total", "web-system") is None
    assert not caplog.records
    api.get("/api/v1/declarations", query_string={"limit": 1})  # 4 in the hour
    api.get("/api/v1/declarations")                             # 8: still the one alert
    assert metric(client, "gateway_bulk_read_alerts_total", "web-system") == 1
    assert metric(client, "gateway_api_records_read_last_hour", "web-system") == 8
    [line] = caplog.records
    assert line.token == "web-system" and line.threshold == ALERT_AT
    assert line.records_last_hour == 4
    shown = line.getMessage() + str(vars(line))
    assert "+8491" not in shown and "Nguyen" not in shown


def test_the_hour_slides_across_clock_hours(app):
    redis = runtimes.of(app).redis
    late = datetime(2026, 3, 2, 10, 54, tzinfo=UTC)          # 10% of the hour is left
    assert not bulk_reads.count(redis, "sync", 9_000, 10_000, late)
    early = datetime(2026, 3, 2, 11, 6, tzinfo=UTC)          # 90% of 10:00-11:00 still counts
    assert bulk_reads.count(redis, "sync", 2_000, 10_000, early)  # 2,000 + 8,100
    assert not bulk_reads.count(redis, "other", 9_000, 10_000, early + timedelta(hours=2))
    hours_later = early + timedelta(hours=2)                  # 10:00-11:00 no longer counts
    assert not bulk_reads.count(redis, "sync", 9_000, 10_000, hours_later)
    assert redis.hget(bulk_reads.ALERTS_KEY, "sync") == b"1"
