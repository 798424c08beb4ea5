"""The scheduled runs with a community team's resident who has no phone among the
cases (real RQ workers, the Twilio stand-in): reminders and the last-day message go
to the phones only, the resident is counted and named in the manager's digest, and
their case closes after its last day like any other."""

from __future__ import annotations

from datetime import timedelta

from gateway.quarantine import residents as rules
from gateway.store import areas
from gateway.store.areas import Area
from gateway.store.db import transaction
from tests.quarantine.conftest import (
    DAY,
    MANAGER_PHONE,
    add_case,
    case_of,
    outbox,
    run_slot,
    runtime_of,
)

A, B = "+84912000001", "+84912000002"


def lone_resident(app, manager_id: int, end=DAY + timedelta(days=4)) -> int:
    """A resident without a phone added by the ward's team; their case id."""
    ward = Area(38, frozenset({14797}))
    with transaction(runtime_of(app).sessions) as session:
        areas.assign(session, ward, user_id=manager_id)
        return rules.add(session, rules.Newcomer("Le Thi Cuc", "1948", "Xom 3", manager_id,
                                                 DAY, end),
                         area=ward, operator="to-hac", today=DAY).id


def test_reminders_and_the_digest_with_a_resident_without_a_phone(app, manager, inbox):
    lone = lone_resident(app, manager)
    for phone in (A, B):
        add_case(app, phone=phone, name=f"Nguoi {phone[-1]}")
    inbox.deliver()
    morning = run_slot(app, "morning")
    assert (morning["result"], morning["seen"], morning["queued"]) == ("done", 2, 2)
    assert {m.phone for m in outbox(app, "reminder")} == {A, B}
    digest = run_slot(app, "digest")
    assert digest["queued"] == 1
    [sms] = [m["body"] for m in inbox.messages(MANAGER_PHONE)]
    # the resident is counted, and named among those who did not report
    assert sms == ("Cach ly 10/03: 3 dang theo doi, 0 da bao cao, 0 co trieu chung, 3 chua "
                   "bao cao. Chua bao cao: Nguoi 1 (4 ngay), Nguoi 2 (4 ngay), Le Thi Cuc.")
    assert case_of(app, lone).status == "active"


def test_the_last_day_passes_over_them_and_their_case_closes_after_it(app, manager, inbox):
    lone = lone_resident(app, manager, end=DAY)
    add_case(app, phone=A, end=DAY)
    result = run_slot(app, "end")
    assert result["queued"] == 1 and {m.phone for m in outbox(app, "notice")} == {A}
    assert run_slot(app, "end", day=DAY + timedelta(days=1))["closed"] == 2
    assert case_of(app, lone).status == "closed"
