"""The rules of area quarantine (gateway/quarantine/isolation.py) on PostgreSQL: who
lies in an area's street, joining is idempotent (twice, at once, by a job run again)
and never doubles a phone's own case, a lifted area takes nobody, the nightly run
lifts an area after its end date, and what a declaration is refused for."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta

import pytest

from gateway.actions import isolation as actions_isolation
from gateway.quarantine import digest, isolation, isolation_jobs
from gateway.store import isolation as store
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import IsolationArea, QuarantineCase, User
from gateway.text import segments
from tests.conftest import Phone
from tests.hotline.conftest import make_user
from tests.quarantine.conftest import DAY, add_case, case_of, outbox, run_slot, runtime_of
from tests.quarantine.test_isolation import declared

TH, HAC_THANH, HN_WARD = 38, 14797, 70
A, B = "+84912000201", "+84912000202"


@pytest.mark.parametrize(("area_street", "street", "inside"), [
    ("", "anything at all", True),                 # no street: the whole commune
    ("Le Loi", "12 Lê Lợi", True),
    ("thôn Đông", "Tổ 5, Thôn Đông, xã X", True),
    ("To 5", "To 5 Le Loi", True),
    ("To 5", "To 51 Le Loi", False),               # whole words, not a prefix
    ("Le Loi", "3 Tran Phu", False),
    ("Le Loi", "", False),
])
def test_a_street_lies_in_the_area_by_its_words(area_street, street, inside):
    assert isolation.in_street(area_street, street) is inside


def new_area(app, start: date = DAY, end: date = DAY + timedelta(days=5),
             street: str = "") -> int:
    """An area of Phường Hạc Thành managed by bs_lan (a Thanh Hoa manager)."""
    with transaction(runtime_of(app).sessions) as session:
        manager = session.query(User).filter_by(username="bs_lan").one()
        return isolation.declare(session, province_code=TH, ward_code=HAC_THANH,
                                 street=street, start=start, end=end, manager=manager,
                                 declared_by=None, officer_area=Area(TH), channel="web",
                                 operator=None, day=DAY).id


def join(app, area_id: int, phone: str, day: date = DAY) -> isolation.Joined:
    with transaction(runtime_of(app).sessions) as session:
        area = session.get(IsolationArea, area_id)
        return isolation.enter(session, area, phone=phone, full_name="Le Thi C",
                               channel="sms", day=day)


def area_cases(app, area_id: int) -> list[QuarantineCase]:
    with runtime_of(app).sessions() as session:
        return list(session.query(QuarantineCase).filter_by(area_id=area_id))


@pytest.fixture
def manager(app) -> int:
    """The area's manager, limited to Thanh Hoa, with a phone (replaces the unlimited
    one of the quarantine tests)."""
    return make_user(app, "bs_lan", "manager", phone="+84903000001", area=Area(TH))


def test_joining_twice_or_at_once_makes_one_case(app, manager):
    area_id = new_area(app)
    first, again = join(app, area_id, A), join(app, area_id, A)
    assert (first.created, again.created, again.case.id) == (True, False, first.case.id)
    assert (first.case.kind, first.case.start_date, first.case.end_date) == (
        "area", DAY, DAY + timedelta(days=5))

    barrier, results = threading.Barrier(4), []

    def racing() -> None:
        barrier.wait(timeout=10)
        results.append(join(app, area_id, B))

    threads = [threading.Thread(target=racing) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.case.id for r in results}) == 1
    assert sorted(c.phone for c in area_cases(app, area_id)) == [A, B]


def test_a_phone_with_its_own_case_stays_on_it(app, manager, client, clock, monkeypatch):
    monkeypatch.setattr(actions_isolation, "utcnow", lambda: clock.now)  # KV's day is DAY
    own = add_case(app, phone=A, start=DAY - timedelta(days=2), end=DAY + timedelta(days=9))
    area_id = new_area(app)
    joined = join(app, area_id, A)
    assert (joined.created, joined.case.id, joined.case.area_id) == (False, own, None)
    with runtime_of(app).sessions() as session:
        code = session.get(IsolationArea, area_id).code
    reply = Phone(client, A).sms(f"KV {code}")
    assert reply.startswith("Ban dang duoc theo doi cach ly den het 19/03/2026")
    assert area_cases(app, area_id) == []


def test_a_lifted_area_takes_nobody(app, manager):
    area_id = new_area(app)
    with transaction(runtime_of(app).sessions) as session:
        isolation.change(session, session.get(IsolationArea, area_id), lift=True, day=DAY)
    with pytest.raises(isolation.AreaError) as refused:
        join(app, area_id, A)
    assert refused.value.reason == "lifted"


def test_a_join_racing_a_lift_waits_for_it_and_joins_nobody(app, manager):
    area_id = new_area(app)
    lifting = threading.Event()

    def lift() -> None:
        with transaction(runtime_of(app).sessions) as session:
            isolation.change(session, store.get(session, area_id, lock=True), lift=True,
                             day=DAY)
            lifting.set()
            time.sleep(0.5)  # not committed yet: the join must wait, not read "active"

    thread = threading.Thread(target=lift)
    thread.start()
    assert lifting.wait(timeout=10)
    with pytest.raises(isolation.AreaError):
        join(app, area_id, A)
    thread.join(timeout=10)
    assert area_cases(app, area_id) == []


def test_the_job_run_again_enrols_nobody_twice(app, manager, monkeypatch):
    area_id = new_area(app)
    declared(app, A, HAC_THANH, "1 Le Loi")
    declared(app, B, HAC_THANH, "2 Le Loi")
    declared(app, None, HAC_THANH, "3 Le Loi")  # a child without a phone: nobody to text
    monkeypatch.setattr(isolation_jobs, "BATCH", 1)  # a transaction per declaration
    with app.app_context():  # as `gateway worker` runs it
        first = isolation_jobs.enrol_residents(area_id, day=DAY)
        again = isolation_jobs.enrol_residents(area_id, day=DAY)
    assert (first["joined"], first["seen"], again["joined"], again["seen"]) == (2, 2, 0, 2)
    assert sorted(c.phone for c in area_cases(app, area_id)) == [A, B]


def test_the_nightly_run_lifts_an_area_after_its_end_date(app, manager, inbox):
    area_id = new_area(app, end=DAY + timedelta(days=1))
    case_id = join(app, area_id, A).case.id
    result = run_slot(app, "end", DAY + timedelta(days=1))
    assert result["areas_lifted"] == 0 and case_of(app, case_id).status == "active"
    last_day = [m.body for m in outbox(app, "notice") if (m.dedup_key or "").startswith("end:")]
    assert last_day == ["Hom nay (11/03) la ngay cuoi cach ly. Tu mai ban khong can bao cao "
                        "nua. Neu co trieu chung, goi 1022. Cam on ban da hop tac."]
    result = run_slot(app, "end", DAY + timedelta(days=2))
    assert (result["areas_lifted"], case_of(app, case_id).status) == (1, "closed")
    with runtime_of(app).sessions() as session:
        assert session.get(IsolationArea, area_id).status == "lifted"


def test_moving_the_end_date_moves_the_residents(app, manager):
    area_id = new_area(app)
    case_id = join(app, area_id, A).case.id
    later = DAY + timedelta(days=12)
    with transaction(runtime_of(app).sessions) as session:
        isolation.change(session, session.get(IsolationArea, area_id), end_date=later, day=DAY)
    assert case_of(app, case_id).end_date == later


@pytest.mark.parametrize(("changes", "reason"), [
    ({"end": DAY - timedelta(days=1)}, "dates"),               # before the start
    ({"start": DAY - timedelta(days=9), "end": DAY - timedelta(days=2)}, "dates"),  # over
    ({"ward_code": HN_WARD}, "place"),                           # not a Thanh Hoa commune
    ({"officer_area": Area(1)}, "place"),                        # outside the officer's
    ({"manager": None}, "manager"),
    ({"street": "x" * 121}, "street"),
])
def test_what_a_declaration_is_refused_for(app, manager, changes, reason):
    with transaction(runtime_of(app).sessions) as session:
        fields = {"province_code": TH, "ward_code": HAC_THANH, "street": "", "start": DAY,
                  "end": DAY + timedelta(days=3),
                  "manager": session.query(User).filter_by(username="bs_lan").one(),
                  "declared_by": None, "officer_area": Area(TH), "channel": "web",
                  "operator": None, "day": DAY, **changes}
        with pytest.raises(isolation.AreaError) as refused:
            isolation.declare(session, **fields)
        assert refused.value.reason == reason
        assert store.listed(session, None) == []


def test_a_manager_outside_the_officers_area_is_refused(app, manager):
    hanoi = make_user(app, "bs_hn", "manager", phone="+84903000002", area=Area(1))
    with (transaction(runtime_of(app).sessions) as session,
          pytest.raises(isolation.AreaError) as refused):
        isolation.declare(session, province_code=TH, ward_code=HAC_THANH, street="",
                          start=DAY, end=DAY, manager=session.get(User, hanoi),
                          declared_by=None, officer_area=Area(TH), channel="web",
                          operator=None, day=DAY)
    assert refused.value.reason == "manager"


@pytest.mark.parametrize("areas", [1, 3, 40])
def test_the_digest_names_areas_and_stays_within_three_segments(areas):
    lines = tuple(digest.AreaLine(f"{1000000 + n}", 120, 95) for n in range(areas))
    people = tuple(digest.Person(n, f"Nguyen Van Ten {n}", "+84912000000", missed_days=2)
                   for n in range(30))
    made = digest.Digest(1, DAY, 200, 150, 3, 50, (), people, lines)
    sms = digest.text(made, "vi", "https://gw.example.vn/hotline/")
    assert segments(sms) <= digest.MAX_SEGMENTS
    assert " KV 1000000: 95/120 da bao cao." in sms
    shown = len(re.findall(r" KV \d{7}: 95/120 da bao cao\.", sms))
    if areas == 40:  # two segments hold about ten lines: the rest are counted
        assert 5 < shown < areas and f" +{areas - shown} khu vuc." in sms
    else:
        assert " khu vuc." not in sms and shown == areas
    assert sms.index("KV 1000000") < sms.index("Chua bao cao:")  # areas before the names
