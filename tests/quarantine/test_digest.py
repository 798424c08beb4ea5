"""The managers' evening digest: its data (counts, who has symptoms, who did not report
and for how many days), its SMS (exact content; never more than three segments, with
a pointer to the console for whoever did not fit) and its run (once per manager and
day, only to managers with a phone and active cases)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert, select

from gateway.quarantine import digest
from gateway.store import phones
from gateway.store import quarantine as store
from gateway.store.db import transaction
from gateway.store.models import HealthReport, QuarantineCase, User
from gateway.text import segments
from tests.quarantine.conftest import (
    DAY,
    MANAGER_PHONE,
    add_case,
    add_manager,
    outbox,
    run_slot,
    runtime_of,
)

CONSOLE = "https://gw.example.vn"


@pytest.fixture
def config(config):
    """The console's address is known (PUBLIC_BASE_URL)."""
    return replace(config, public_base_url=CONSOLE)


def report(app, case: int, day: date = DAY, symptoms=(), temperature=None,
           danger: bool = False) -> None:
    """Record a report as the dialogue would."""
    with transaction(runtime_of(app).sessions) as session:
        store.record_report(session, case, day, symptoms=symptoms, temperature=temperature,
                            danger=danger, channel="sms")


@pytest.fixture
def ward(app, manager) -> dict[str, int]:
    """Eight cases of one manager on DAY, and one case of another manager."""
    people = {
        "well": ("Le Van Khoe", DAY - timedelta(days=3)),
        "normal": ("Pham Thi Tot", DAY - timedelta(days=3)),
        "cough": ("Hoang Van Ho", DAY - timedelta(days=3)),
        "danger": ("Do Thi Kho Tho", DAY - timedelta(days=3)),
        "fever": ("Vu Van Sot", DAY - timedelta(days=3)),
        "missed1": ("Ngo Van Mot", DAY - timedelta(days=3)),
        "missed3": ("Bui Thi Ba", DAY - timedelta(days=5)),
        "never2": ("Dang Van Hai", DAY - timedelta(days=1)),
    }
    cases = {key: add_case(app, phone=f"+8491200{n:04d}", name=name, start=start)
             for n, (key, (name, start)) in enumerate(people.items())}
    report(app, cases["well"], symptoms=())
    report(app, cases["normal"], temperature=36.8)
    report(app, cases["cough"], symptoms=(2,), temperature=37.2)
    report(app, cases["danger"], symptoms=(3,), danger=True)
    report(app, cases["fever"], temperature=38.0)
    report(app, cases["missed1"], day=DAY - timedelta(days=1))
    report(app, cases["missed3"], day=DAY - timedelta(days=3))
    add_manager(app, "bs_binh", "+84903000002")
    other = add_case(app, phone="+84912009999", name="Nguoi Khac", manager="bs_binh")
    report(app, other, symptoms=(7,), danger=True)
    return cases


def test_digest_as_data(app, ward):
    with runtime_of(app).sessions() as session:
        data = digest.build(session, 1, DAY)
    assert (data.active, data.reported, data.unwell, data.missing) == (8, 5, 3, 3)
    assert [p.name for p in data.unwell_people] == ["Do Thi Kho Tho", "Hoang Van Ho",
                                                     "Vu Van Sot"]
    assert data.unwell_people[0].symptoms == (3,) and data.unwell_people[0].danger
    assert [(p.name, p.missed_days) for p in data.missing_people] == [
        ("Bui Thi Ba", 3), ("Dang Van Hai", 2), ("Ngo Van Mot", 1)]
    as_json = data.to_json()
    assert as_json["day"] == "2026-03-10" and as_json["missing_people"][0]["missed_days"] == 3


def test_digest_sms_to_each_manager_once(app, ward, inbox):
    result = run_slot(app, "digest")
    assert (result["seen"], result["queued"]) == (2, 2)
    [sms] = inbox.messages(MANAGER_PHONE)
    assert sms["body"] == (
        "Cach ly 10/03: 8 dang theo doi, 5 da bao cao, 3 co trieu chung, 3 chua bao cao. "
        "Trieu chung: Do Thi Kho Tho (!), Hoang Van Ho, Vu Van Sot. Chua bao cao: Bui Thi Ba "
        "(3 ngay), Dang Van Hai (2 ngay), Ngo Van Mot. Xem https://gw.example.vn/hotline/")
    [other] = inbox.messages("+84903000002")
    assert other["body"].startswith("Cach ly 10/03: 1 dang theo doi, 1 da bao cao, 1 co "
                                    "trieu chung, 0 chua bao cao. Trieu chung: Nguoi Khac (!).")
    assert run_slot(app, "digest")["queued"] == 0
    assert len(inbox.messages(MANAGER_PHONE)) == 1
    assert [(m.kind, m.priority) for m in outbox(app, "digest")] == [("digest", "bulk")] * 2


def test_digest_in_english_and_not_to_managers_without_phone_or_cases(app, manager, inbox):
    add_case(app)
    add_manager(app, "bs_nophone", phone=None)
    add_case(app, phone="+84912000077", manager="bs_nophone")
    add_manager(app, "bs_idle", "+84903000003")  # no cases
    with transaction(runtime_of(app).sessions) as session:
        phones.get_or_create(session, MANAGER_PHONE).language = "en"
    result = run_slot(app, "digest")
    assert (result["seen"], result["queued"], result["skipped"]) == (2, 1, 1)
    assert inbox.messages(MANAGER_PHONE)[0]["body"] == (
        "Quarantine 10/03: 1 followed, 0 reported, 0 with symptoms, 1 not reported. Not "
        "reported: Nguyen Van An (4 days). See https://gw.example.vn/hotline/")
    assert inbox.messages("+84903000003") == []


def bulk_cases(app, count: int, unwell: int) -> None:
    """`count` cases of manager 1 with long names; the first `unwell` reported symptoms
    today, the others did not report (missing 1 to 5 days)."""
    with transaction(runtime_of(app).sessions) as session:
        session.execute(insert(QuarantineCase), [
            {"phone": f"+8491300{n:04d}", "full_name": f"Nguyen Thi Thanh Huong {n:03d}",
             "kind": "home", "start_date": DAY - timedelta(days=n % 5), "end_date": DAY +
             timedelta(days=7), "manager_id": 1, "status": "active", "alert": False,
             "channel": "cli"} for n in range(count)])
        if unwell:
            session.execute(insert(HealthReport), [
                {"case_id": n + 1, "report_date": DAY, "symptoms": [1, 2], "temperature": 38.0,
                 "danger": n % 3 == 0, "channel": "sms"} for n in range(unwell)])


@pytest.mark.parametrize(("count", "unwell"), [(200, 60), (45, 5), (300, 0)])
def test_a_long_digest_fits_three_segments_and_points_to_the_console(app, manager, count,
                                                                     unwell):
    bulk_cases(app, count, unwell)
    with runtime_of(app).sessions() as session:
        data = digest.build(session, 1, DAY)
    text = digest.text(data, "vi", CONSOLE + "/hotline/")
    assert segments(text) <= digest.MAX_SEGMENTS
    assert segments(text) == digest.MAX_SEGMENTS  # as many names as fit, no fewer
    assert text.startswith(f"Cach ly 10/03: {count} dang theo doi, {unwell} da bao cao, "
                           f"{unwell} co trieu chung, {count - unwell} chua bao cao.")
    named = text.count("Nguyen Thi Thanh")
    assert text.endswith(f" +{count - named} nguoi khac. Xem {CONSOLE}/hotline/")
    if unwell and named >= unwell:
        assert "Chua bao cao: " in text
    if not unwell:  # the most missed days come first: 5 days (started 4 days ago)
        assert "Chua bao cao: Nguyen Thi Thanh Huong 0 (5 ngay)" in text
        assert " (1 ngay)" not in text


def test_danger_signs_lead_the_symptom_list(app, manager):
    bulk_cases(app, 12, 12)
    with runtime_of(app).sessions() as session:
        data = digest.build(session, 1, DAY)
    dangers = [p.danger for p in data.unwell_people]
    assert dangers == sorted(dangers, reverse=True) and dangers.count(True) == 4



def test_without_public_base_url_the_digest_points_nowhere(app, manager):
    # It used to end "Xem trang quan ly": a console with no address to go to.
    runtime = runtime_of(app)
    without = replace(runtime, config=replace(runtime.config, public_base_url=""))
    assert digest.console_pointer(without, "vi") == ""
    bulk_cases(app, 3, 1)
    with runtime.sessions() as session:
        data = digest.build(session, 1, DAY)
    text = digest.text(data, "vi", digest.console_pointer(without, "vi"))
    assert text.endswith("Chua bao cao: Nguyen Thi Thanh Huong 0 (3 ngay), Nguyen Thi Thanh "
                         "Huong 0 (2 ngay).")
    assert "Xem" not in text


def test_a_long_digest_without_an_address_ends_with_the_count(app, manager):
    bulk_cases(app, 200, 0)
    with runtime_of(app).sessions() as session:
        data = digest.build(session, 1, DAY)
    text = digest.text(data, "en", "")
    assert segments(text) == digest.MAX_SEGMENTS
    assert re.search(r"\(5 days\)\. \+\d+ more\.$", text) and "See" not in text


def test_a_batch_of_managers_is_read_in_four_queries_whatever_its_size(app, manager, ward):
    """The run builds a batch of managers at once (issue 18: four queries per manager
    made 1,000 digests take 46 s): four queries, each manager's digest the same as
    built alone, one without active cases all zeros."""
    other = add_manager(app, "bs_binh_2", "+84903000003")
    engine = runtime_of(app).engine
    with runtime_of(app).sessions() as session:
        second = session.scalar(select(User.id).where(User.username == "bs_binh"))
    ids = [manager, second, other]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with runtime_of(app).sessions() as session:
        alone = {m: digest.build(session, m, DAY) for m in ids}
        event.listen(engine, "before_cursor_execute", count)
        try:
            together = digest.build_many(session, ids, DAY)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert together == alone
    assert len(statements) == 4  # counts, the unwell, the missing, the isolation areas
    assert (together[other].active, together[other].unwell_people) == (0, ())
    assert together[second].unwell_people[0].name == "Nguoi Khac"
