"""Operations endpoints: /healthz says whether the database and Redis answer, and
/metrics exposes turns, outbound messages and queue depths in Prometheus format."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway import create_app
from gateway import runtime as runtimes
from gateway.store import messages
from gateway.store.db import transaction
from tests.conftest import Phone

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.fixture
def broken(app, config) -> Iterator[callable]:
    """Builds an app on a broken dependency; its connections are closed afterwards."""
    built = []

    def build(**changes):
        application = create_app(dataclasses.replace(config, **changes))
        built.append(application)
        return application.test_client()

    yield build
    for application in built:
        runtimes.of(application).engine.dispose()


@pytest.mark.parametrize(("changes", "down"), [
    ({"redis_url": CLOSED_REDIS}, "redis"),
    ({"database_url": "postgresql://postgres@127.0.0.1:1/none"}, "database"),
], ids=["redis", "database"])
def test_healthz_503_when_a_dependency_is_down(broken, changes, down):
    client = broken(**changes)
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5  # a refused connection is not waited on
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body[down].startswith("error: ")
    assert body["database" if down == "redis" else "redis"] == "ok"


def samples(client) -> dict[tuple[str, tuple], float]:
    """The /metrics page as {(name, sorted labels): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def test_metrics_count_turns(client):
    key = ("gateway_turns_total", (("channel", "sms"), ("result", "ok")))
    before = samples(client).get(key, 0)
    phone = Phone(client)
    phone.sms("HD")
    response = client.post("/sms/twilio", data={"From": phone.number, "To": "1022", "Body": "HD",
                                                "MessageSid": phone.last_sid})
    assert response.status_code == 200  # a duplicate: counted as such, not as a turn
    after = samples(client)
    assert after[key] == before + 1
    assert after[("gateway_turns_total", (("channel", "sms"), ("result", "duplicate")))] >= 1
    assert after[("gateway_turn_seconds_count", (("channel", "sms"),))] >= 1


def test_metrics_report_outbound_messages_and_queue_depth(client, app):
    runtime = runtimes.of(app)
    before = samples(client)
    # Every status has a series from the start, so alerts on it can be written.
    for status in ("queued", "sent", "delivered", "failed"):
        assert before[("gateway_outbound_messages", (("status", status),))] == 0
    for queue in ("high", "default", "bulk"):
        assert before[("gateway_queue_depth", (("queue", queue),))] == 0
    with transaction(runtime.sessions) as session:
        for n in range(2):
            messages.queue_outbound(session, phone="+84912345678", body=f"m{n}", kind="reminder",
                                    priority="bulk", hand_over=False)
    runtime.queue("bulk").enqueue("builtins.len", "abc")  # no worker runs in this test
    after = samples(client)
    assert after[("gateway_outbound_messages", (("status", "queued"),))] == 2
    assert after[("gateway_queue_depth", (("queue", "bulk"),))] == 1
    assert after[("gateway_queue_depth", (("queue", "high"),))] == 0


def test_metrics_page_is_prometheus_text(client):
    text = client.get("/metrics").get_data(as_text=True)
    for name, kind in [("gateway_turns_total", "counter"), ("gateway_turn_seconds", "histogram"),
                       ("gateway_outbound_messages", "gauge"), ("gateway_queue_depth", "gauge")]:
        assert re.search(rf"^# TYPE {name.removesuffix('_total')}(_total)? {kind}$", text,
                         re.MULTILINE), name
