"""Alert records: raised by a report's danger signs over the real webhook, one per
report until cleared, cleared once with a note, the case's flag kept equal to "has an
open alert", the change feed told; reopening a closed case (its rules) and the
reminders that resume; alerts deleted with their case."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.store import alerts, deletion
from gateway.store import quarantine as store
from gateway.store.db import transaction
from gateway.store.models import Alert, Event, QuarantineCase
from tests.quarantine.conftest import DAY, add_case, case_of, runtime_of


@pytest.fixture
def case(app, manager) -> int:
    """An active case for PERSON (started 3 days ago)."""
    return add_case(app)


def alerts_of(app, case_id: int) -> list[Alert]:
    with runtime_of(app).sessions() as session:
        return list(session.scalars(select(Alert).where(Alert.case_id == case_id)
                                    .order_by(Alert.id)))


def clear(app, case_id: int, alert_id: int, note: str = "Da goi, dua di vien") -> bool:
    with transaction(runtime_of(app).sessions) as session:
        return alerts.clear_alert(session, case_id, alert_id, "bs_lan", note)


def case_events(app, case_id: int) -> int:
    with runtime_of(app).sessions() as session:
        return len(session.scalars(select(Event.id).where(
            Event.topic == "quarantine_case", Event.record_id == case_id)).all())


def test_danger_signs_raise_an_alert_record_with_the_report_and_reasons(app, case, clock,
                                                                        person):
    person.sms("1 3 39.5")
    [alert] = alerts_of(app, case)
    assert alert.reasons == [0, 3]  # breathless and the temperature; fever is not a sign
    assert alert.report_id is not None and alert.cleared_at is None
    assert alert.raised_at == clock.now
    assert case_of(app, case).alert


def test_no_danger_no_alert(app, case, clock, person):
    person.sms("1 2 38")
    assert alerts_of(app, case) == [] and not case_of(app, case).alert


def test_an_amended_report_adds_its_signs_to_the_open_alert(app, case, clock, person):
    person.sms("3")
    person.sms("7")  # the same day: amends the report
    [alert] = alerts_of(app, case)
    assert alert.reasons == [3, 7]


def test_clearing_once_with_a_note_resets_the_flag_and_tells_the_feed(app, case, clock,
                                                                      person):
    person.sms("8")
    [alert] = alerts_of(app, case)
    before = case_events(app, case)
    assert clear(app, case, alert.id) is True
    assert clear(app, case, alert.id, "a second click") is False  # changes nothing
    [cleared] = alerts_of(app, case)
    assert (cleared.cleared_by, cleared.note) == ("bs_lan", "Da goi, dua di vien")
    assert cleared.cleared_at is not None
    assert not case_of(app, case).alert
    assert case_events(app, case) == before + 1


def test_after_a_clear_new_danger_signs_raise_a_new_alert(app, case, clock, person):
    person.sms("3")
    [first] = alerts_of(app, case)
    clear(app, case, first.id)
    clock.set(clock.now + timedelta(hours=3))
    person.sms("3 7")
    assert [a.cleared_at is None for a in alerts_of(app, case)] == [False, True]
    assert case_of(app, case).alert


def test_the_flag_stays_while_another_alert_is_open(app, case, clock, person):
    person.sms("3")
    clock.set(clock.now + timedelta(days=1))
    person.sms("8")
    first, second = alerts_of(app, case)
    clear(app, case, first.id)
    assert case_of(app, case).alert
    clear(app, case, second.id)
    assert not case_of(app, case).alert


def test_an_alert_of_another_case_is_not_found(app, case, clock, person, manager):
    person.sms("3")
    [alert] = alerts_of(app, case)
    other = add_case(app, phone="+84912000009", name="Tran Thi Binh")
    with pytest.raises(alerts.AlertError):
        clear(app, other, alert.id)
    assert alerts_of(app, case)[0].cleared_at is None


def test_alerts_are_deleted_with_their_case(app, case, clock, person):
    person.sms("3")
    with transaction(runtime_of(app).sessions) as session:
        assert deletion.delete_cases(session, [case]) == 1
    assert alerts_of(app, case) == []


# --- reopening ---------------------------------------------------------------------

def reopen(app, case_id: int, today=DAY, end=None) -> None:
    with transaction(runtime_of(app).sessions) as session:
        found = session.get(QuarantineCase, case_id)
        store.reopen_case(session, found, today, end)


def close(app, case_id: int) -> None:
    with transaction(runtime_of(app).sessions) as session:
        store.change_case(session.get(QuarantineCase, case_id), close=True)


def due_for_reminders(app, day=DAY) -> list[int]:
    with runtime_of(app).sessions() as session:
        return [row.id for row in store.reminder_batch(session, day, 0, 100)]


def test_a_reopened_case_gets_reminders_again(app, case):
    close(app, case)
    assert due_for_reminders(app) == []
    reopen(app, case)
    assert case_of(app, case).status == "active" and due_for_reminders(app) == [case]


def test_reopening_an_ended_case_needs_a_new_last_day(app, manager):
    ended = add_case(app, start=DAY - timedelta(days=14), end=DAY - timedelta(days=1))
    close(app, ended)
    with pytest.raises(store.CaseChangeError) as refused:
        reopen(app, ended)
    assert refused.value.reason == "ended" and case_of(app, ended).status == "closed"
    reopen(app, ended, end=DAY + timedelta(days=3))  # reopening extends it
    assert (case_of(app, ended).status, case_of(app, ended).end_date) == (
        "active", DAY + timedelta(days=3))


@pytest.mark.parametrize(("end", "reason"), [
    (DAY - timedelta(days=30), "before_start"),
    (DAY - timedelta(days=1), "ended"),
])
def test_reopening_refuses_a_bad_last_day(app, case, end, reason):
    close(app, case)
    with pytest.raises(store.CaseChangeError) as refused:
        reopen(app, case, end=end)
    assert refused.value.reason == reason


def test_reopening_refuses_an_active_case_and_an_overlap(app, case):
    with pytest.raises(store.CaseChangeError) as refused:
        reopen(app, case)
    assert refused.value.reason == "not_closed"
    close(app, case)
    newer = add_case(app, start=DAY, end=DAY + timedelta(days=14))
    with pytest.raises(store.CaseChangeError) as refused:
        reopen(app, case)
    assert (refused.value.reason, refused.value.case_id) == ("overlap", newer)


def test_two_clears_at_once_clear_once(app, case, clock, person):
    person.sms("3")
    [alert] = alerts_of(app, case)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda note: clear(app, case, alert.id, note),
                                ["first tab", "second tab"]))
    assert sorted(results) == [False, True]
    [cleared] = alerts_of(app, case)
    assert cleared.note == ("first tab" if results[0] else "second tab")
    assert not case_of(app, case).alert
