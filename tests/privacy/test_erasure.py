"""Erasure of one person, record kind by record kind: what goes (with `deleted` events),
what stays and why, Redis state, and the sweep that re-queues a lost erasure job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from gateway import runtime as runtimes
from gateway.privacy import erasure, intake
from gateway.store import dialogues
from gateway.store.db import transaction
from gateway.store.models import (
    DataRequest,
    Declaration,
    Event,
    HealthReport,
    Phone,
    QuarantineCase,
    Visit,
    utcnow,
)
from tests.privacy.conftest import ME, MEMBER, OTHER, case, count, declare, deleted_events, visit


def erase(app, phone: str = ME) -> erasure.Erased:
    with transaction(runtimes.of(app).sessions) as session:
        return erasure.erase_records(session, phone)


def test_a_visit_of_another_phone_keeps_its_visit_and_loses_the_link(app):
    own = declare(app)
    theirs = visit(app, phone=OTHER, declaration_id=own)
    erase(app)
    with runtimes.of(app).sessions() as session:
        assert session.get(Visit, theirs).declaration_id is None
        assert session.scalar(select(Event.action).where(
            Event.topic == "visit", Event.record_id == theirs).order_by(Event.id.desc())
            .limit(1)) == "updated"
    assert own in deleted_events(app, "declaration")


def test_reports_of_closed_cases_go_with_their_events(app):
    closed = case(app, status="closed")
    with runtimes.of(app).sessions() as session:
        [report] = session.scalars(select(HealthReport.id).where(HealthReport.case_id == closed))
    erased = erase(app)
    assert erased.counts["health_reports"] == 1 and erased.counts["quarantine_cases"] == 1
    assert report in deleted_events(app, "health_report")
    assert closed in deleted_events(app, "quarantine_case")


def test_what_is_kept_and_why(app, me):
    assert me.sms("STOP").startswith("Ban se khong nhan tin nhan khong thiet yeu")
    declare(app, subject=MEMBER)       # made for a family member
    declare(app, subject=None)         # for a member without a phone
    active = case(app)
    erased = erase(app)
    assert erased.kept == ["active_case", "family", "opted_out"]
    assert erased.outcome == "partial"
    assert "active quarantine case" in erased.reason and "family members" in erased.reason
    assert count(app, QuarantineCase, id=active) == 1 and count(app, Declaration) == 2
    with runtimes.of(app).sessions() as session:
        phone = session.scalar(select(Phone).where(Phone.number == ME))
    assert phone.opted_out and phone.verified_until is None


def test_a_second_erasure_finds_nothing_left(app):
    declare(app)
    visit(app)
    first = erase(app)
    again = erase(app)
    assert first.counts["declarations"] == 1 and first.counts["visits"] == 1
    assert set(again.counts.values()) == {0}


def test_live_state_in_redis_goes_for_every_channel(app, redis):
    keys = [dialogues.dialogue_key("sms", ME), dialogues.dialogue_key("ussd", f"{ME}:AT1"),
            dialogues.dialogue_key("ussd", f"{ME}:AT2"), dialogues.resume_key("sms", ME),
            dialogues.resume_key("ussd", ME), f"otp:code:{ME}", f"privacy:access:{ME}"]
    other = dialogues.dialogue_key("sms", OTHER)
    for key in [*keys, other]:
        redis.set(key, "x")
    limits = [f"otp:sent:{ME}", f"otpfan:declarer:{ME}:day"]
    for key in limits:
        redis.set(key, "x")
    assert erasure.forget_live_state(redis, ME) == 7
    assert [k for k in keys if redis.exists(k)] == [] and redis.exists(other)
    # The limits against SMS pumping hold no text and outlive an erasure (a day at most).
    assert all(redis.exists(key) for key in limits)


def test_the_sweep_queues_a_lost_erasure_again(app, inbox):
    declare(app)
    with transaction(runtimes.of(app).sessions) as session:
        request = intake.receive(session, runtimes.of(app).config.tz, phone=ME,
                                 kind="erasure", channel="sms", acknowledged=True)
        request_id = request.id
    with app.app_context():
        assert erasure.sweep() == 0  # received just now: its own job may still come
    with transaction(runtimes.of(app).sessions) as session:
        session.execute(update(DataRequest).values(received_at=utcnow() - timedelta(hours=1)))
    with app.app_context():
        assert erasure.sweep() == 1
    inbox.deliver()
    with runtimes.of(app).sessions() as session:
        assert session.get(DataRequest, request_id).outcome == "done"
    assert count(app, Declaration) == 0
    with app.app_context():
        assert erasure.sweep() == 0
