"""Scheduled runs with a real RQ worker and the Twilio stand-in: the 08:00 and 12:00
reminders go only to active cases without that day's report, never twice (a repeated
run, two runs at once), the noon run never doubles a morning reminder still waiting,
a run overtaken by the next is reported, and the last day's message."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from gateway.quarantine import runs
from gateway.store import phones
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase
from tests.conftest import Phone
from tests.quarantine.conftest import DAY, add_case, case_of, outbox, run_slot, runtime_of

A, B, C = "+84912000001", "+84912000002", "+84912000003"
REMINDER = "Bao cao suc khoe 10/03: tra loi 0 neu khoe"
SECOND = "Nhac lan 2: ban chua bao cao suc khoe hom nay (10/03)."
NOON = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 12:00 in Hanoi


@pytest.fixture
def three(app, manager, clock, inbox) -> dict[str, int]:
    """Three people in quarantine on DAY; their welcome SMS already sent."""
    cases = {phone: add_case(app, phone=phone, name=f"Nguoi {phone[-1]}") for phone in (A, B, C)}
    inbox.deliver()
    return cases


def reminders_to(inbox, phone: str) -> list[str]:
    """The reminder texts a phone received."""
    return [m["body"] for m in inbox.messages(phone) if m["body"].startswith(
        ("Bao cao suc khoe 10/03", "Nhac lan 2"))]


def test_reminders_go_only_to_cases_without_todays_report(app, three, client, inbox):
    Phone(client, B).sms("0")  # B reports before the run
    result = run_slot(app, "morning")
    assert (result["result"], result["seen"], result["queued"]) == ("done", 2, 2)
    assert [len(reminders_to(inbox, p)) for p in (A, B, C)] == [1, 0, 1]
    assert reminders_to(inbox, A)[0].startswith(REMINDER)

    Phone(client, C).sms("1 38")  # C answers the reminder
    assert run_slot(app, "noon", now=NOON)["queued"] == 1
    assert reminders_to(inbox, A) == [reminders_to(inbox, A)[0], reminders_to(inbox, A)[1]]
    assert reminders_to(inbox, A)[1].startswith(SECOND)
    assert [len(reminders_to(inbox, p)) for p in (B, C)] == [0, 1]

    Phone(client, A).sms("0")  # everybody reported: runs now send nothing
    for slot in ("morning", "noon"):
        assert run_slot(app, slot)["queued"] == 0
    assert [len(reminders_to(inbox, p)) for p in (A, B, C)] == [2, 0, 1]


def test_a_repeated_run_sends_nothing_twice(app, three, inbox):
    first = run_slot(app, "morning")
    again = run_slot(app, "morning")
    assert (first["queued"], again["queued"], again["seen"]) == (3, 0, 3)
    assert [len(reminders_to(inbox, p)) for p in (A, B, C)] == [1, 1, 1]
    keys = sorted(m.dedup_key for m in outbox(app, "reminder"))
    assert keys == [f"reminder:{three[p]}:2026-03-10:morning" for p in (A, B, C)]


def test_two_runs_at_once_send_each_reminder_once(app, three, inbox):
    barrier = threading.Barrier(4)
    results: list[dict] = []

    def start() -> None:
        barrier.wait(timeout=10)
        results.append(runs.run("morning", today=DAY, now=datetime.now(UTC)))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4
    assert sum(r.get("queued", 0) for r in results) == 3
    assert {r["result"] for r in results} <= {"done", "overlap"}
    assert len(outbox(app, "reminder")) == 3
    assert [len(reminders_to(inbox, p)) for p in (A, B, C)] == [1, 1, 1]


def test_a_run_finding_its_slot_locked_stops_and_is_counted(app, three, client):
    held = runtime_of(app).redis.lock(runs.LOCK_KEY.format("morning", DAY), timeout=60)
    assert held.acquire()
    result = run_slot(app, "morning")
    assert result == {"slot": "morning", "day": "2026-03-10", "result": "overlap"}
    assert outbox(app, "reminder") == []
    assert ('gateway_schedule_runs_total{result="overlap",slot="morning"} 1.0'
            in client.get("/metrics").get_data(as_text=True))


def test_noon_does_not_double_a_morning_reminder_still_waiting(app, three, client, inbox):
    # The sender is behind: the morning reminders are still queued at noon.
    morning = runs.run("morning", today=DAY, now=datetime.now(UTC))  # queued, no worker yet
    assert morning["queued"] == 3
    noon = run_slot(app, "noon", now=NOON)  # the worker runs noon, then sends the backlog
    assert (noon["queued"], noon["skipped"]) == (0, 3)
    assert [len(reminders_to(inbox, p)) for p in (A, B, C)] == [1, 1, 1]
    assert all(r.startswith(REMINDER) for p in (A, B, C) for r in reminders_to(inbox, p))
    assert ('gateway_schedule_runs_total{result="backlog",slot="noon"} 1.0'
            in client.get("/metrics").get_data(as_text=True))
    # Once sent, a later noon run reminds whoever still has not reported.
    assert run_slot(app, "noon", now=NOON)["queued"] == 3


def test_a_morning_run_overtaken_by_noon_stops_and_is_reported(app, three, client):
    redis = runtime_of(app).redis
    still_running = redis.lock(runs.LOCK_KEY.format("morning", DAY), timeout=60)
    assert still_running.acquire()  # the morning run has not finished by noon
    assert run_slot(app, "noon", now=NOON)["queued"] == 3
    still_running.release()
    # The morning run (here: one started late) stops before sending anything.
    assert run_slot(app, "morning")["result"] == "superseded"
    assert {m.dedup_key.rsplit(":", 1)[1] for m in outbox(app, "reminder")} == {"noon"}
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'gateway_schedule_runs_total{result="late",slot="morning"} 1.0' in metrics
    assert 'gateway_schedule_runs_total{result="superseded",slot="morning"} 1.0' in metrics


@pytest.mark.parametrize(("start", "end", "status"), [
    (DAY - timedelta(days=14), DAY - timedelta(days=1), "active"),   # ended yesterday
    (DAY + timedelta(days=1), DAY + timedelta(days=14), "active"),   # starts tomorrow
    (DAY - timedelta(days=1), DAY + timedelta(days=1), "closed"),
])
def test_no_reminder_outside_an_active_quarantine(app, manager, start, end, status):
    case = add_case(app, start=start, end=end)
    with transaction(runtime_of(app).sessions) as session:
        session.get(QuarantineCase, case).status = status
    assert run_slot(app, "morning")["seen"] == 0
    assert outbox(app, "reminder") == []


def test_reminders_respect_stop_and_the_phones_language(app, three, inbox):
    with transaction(runtime_of(app).sessions) as session:
        phones.get_or_create(session, A).opted_out = True
        phones.get_or_create(session, B).language = "en"
    assert run_slot(app, "morning")["queued"] == 2
    assert reminders_to(inbox, A) == []
    assert [m["body"] for m in inbox.messages(B)][-1].startswith(
        "Health report 10/03: reply 0 if well")
    assert reminders_to(inbox, C)[0].startswith(REMINDER)


def test_the_last_day_gets_its_message_and_ended_cases_close(app, manager, inbox):
    last = add_case(app, phone=A, end=DAY)
    ended = add_case(app, phone=B, end=DAY - timedelta(days=1))
    going_on = add_case(app, phone=C)
    result = run_slot(app, "end")
    assert (result["queued"], result["closed"]) == (1, 1)
    assert inbox.messages(A)[-1]["body"] == (
        "Hom nay (10/03) la ngay cuoi cach ly. Tu mai ban khong can bao cao nua. Neu co "
        "trieu chung, goi 1022. Cam on ban da hop tac.")
    assert [m["body"][:8] for m in inbox.messages(B)] == ["Ban duoc"]  # welcome only
    assert [case_of(app, c).status for c in (last, ended, going_on)] == [
        "active", "closed", "active"]
    assert run_slot(app, "end")["queued"] == 0  # repeated: once only
    assert run_slot(app, "end", day=DAY + timedelta(days=1))["closed"] == 1  # then it closes
    assert case_of(app, last).status == "closed"
