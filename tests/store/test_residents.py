"""Community teams' data rules, on PostgreSQL and on SQLite (the embedded default): who
the residents of a team's area are, adding a resident without a phone, the relation
of a report made for them, and how every phone-keyed quarantine path treats a case
without a phone."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.quarantine import digest, isolation
from gateway.quarantine import residents as rules
from gateway.quarantine.enrol import enrol
from gateway.store import areas, dashboard, residents, users
from gateway.store import isolation as isolation_store
from gateway.store import quarantine as store
from gateway.store.areas import Area
from gateway.store.dashboard import Scope
from gateway.store.db import transaction
from gateway.store.models import HealthReport, IsolationArea, OutboundMessage, QuarantineCase

TH, HAC_THANH, QUANG_PHU, HA_NOI = 38, 14797, 16522, 1
DAY = date(2026, 3, 10)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(params=["postgresql", "sqlite"])
def sessions(request):
    """The sessions of the PostgreSQL app, or of the embedded (SQLite) one."""
    app = request.getfixturevalue("app" if request.param == "postgresql" else "demo_app")
    return runtimes.of(app).sessions


def manager(session, username: str, area: Area | None) -> int:
    """A quarantine manager (with a phone) limited to `area`; their id."""
    user = users.create(session, username=username, role="manager",
                        phone=f"+8490300{len(username):04d}")
    areas.assign(session, area, user_id=user.id)
    return user.id


@pytest.fixture
def town(sessions) -> dict[str, int]:
    """Managers of a ward of Thanh Hoa, of another ward, of the whole province, of Ha
    Noi and one not limited, each with an active case; a closed case in the ward."""
    with transaction(sessions) as session:
        ids = {"ward": manager(session, "mgr-hac", Area(TH, frozenset({HAC_THANH}))),
               "other_ward": manager(session, "mgr-qp", Area(TH, frozenset({QUANG_PHU}))),
               "province": manager(session, "mgr-th", Area(TH)),
               "ha_noi": manager(session, "mgr-hn", Area(HA_NOI)),
               "national": manager(session, "mgr-all", None)}
        for n, name in enumerate(("ward", "other_ward", "province", "ha_noi", "national")):
            case = enrol(session, phone=f"+8491200000{n}", name=f"Nguoi {name}",
                         manager=f"mgr-{_short(name)}",
                         start=DAY - timedelta(days=2), end=DAY + timedelta(days=5))
            ids[f"case_{name}"] = case.id
        closed = enrol(session, phone="+84912000009", name="Nguoi da xong", manager="mgr-hac",
                       start=DAY - timedelta(days=9), end=DAY + timedelta(days=1))
        store.change_case(closed, close=True)
    return ids


def _short(name: str) -> str:
    return {"ward": "hac", "other_ward": "qp", "province": "th", "ha_noi": "hn",
            "national": "all"}[name]


def names(sessions, area: Area, day: date = DAY) -> list[str]:
    with sessions() as session:
        return [case.full_name for case, _ in session.execute(residents.roster(area, day))]


def test_a_team_s_residents_are_the_active_cases_lying_in_its_area(sessions, town):
    assert names(sessions, Area(TH)) == ["Nguoi other_ward", "Nguoi province", "Nguoi ward"]
    assert names(sessions, Area(TH, frozenset({HAC_THANH}))) == ["Nguoi ward"]
    assert names(sessions, Area(HA_NOI)) == ["Nguoi ha_noi"]
    assert names(sessions, Area(TH), DAY + timedelta(days=6)) == []  # all ended by then
    with sessions() as session:
        ward = Area(TH, frozenset({HAC_THANH}))
        assert residents.resident(session, ward, town["case_ward"], DAY).id == town["case_ward"]
        for other in ("case_other_ward", "case_province", "case_ha_noi", "case_national"):
            assert residents.resident(session, ward, town[other], DAY) is None


def test_the_roster_carries_today_s_report_only(sessions, town):
    with transaction(sessions) as session:
        store.record_report(session, town["case_ward"], DAY, symptoms=[1], temperature=38.0,
                            danger=False, channel="sms")
        store.record_report(session, town["case_province"], DAY - timedelta(days=1),
                            symptoms=[], temperature=None, danger=False, channel="sms")
    with sessions() as session:
        rows = {case.full_name: report for case, report in
                session.execute(residents.roster(Area(TH), DAY))}
    assert rows["Nguoi ward"].symptoms == [1]
    assert rows["Nguoi province"] is None and rows["Nguoi other_ward"] is None


def test_the_managers_a_new_resident_may_be_followed_by_lie_within_the_area(sessions, town):
    with sessions() as session:
        assert [u.username for u in residents.managers(session, Area(TH))] == [
            "mgr-hac", "mgr-qp", "mgr-th"]
        assert [u.username for u in residents.managers(
            session, Area(TH, frozenset({HAC_THANH})))] == ["mgr-hac"]
        assert residents.managers(session, Area(79)) == []


def newcomer(manager_id: int | None, **changes) -> rules.Newcomer:
    fields = {"name": "  Le   Thi Cuc ", "birth_year": "1948", "address": "Xom 3, thon Dong",
              "manager_id": manager_id, "start": DAY, "end": DAY + timedelta(days=13)}
    return rules.Newcomer(**{**fields, **changes})


def test_a_resident_without_a_phone_is_a_case_without_a_phone(sessions, town):
    ward = Area(TH, frozenset({HAC_THANH}))
    with transaction(sessions) as session:
        case = rules.add(session, newcomer(town["ward"]), area=ward, operator="to-hac",
                         today=DAY)
        case_id = case.id
    with sessions() as session:
        stored = session.get(QuarantineCase, case_id)
    assert (stored.phone, stored.full_name, stored.birth_year, stored.address) == (
        None, "Le Thi Cuc", 1948, "Xom 3, thon Dong")
    assert (stored.channel, stored.operator, stored.kind, stored.status) == (
        "team", "to-hac", "home", "active")
    assert "Le Thi Cuc" in names(sessions, ward)
    # the same person again (a second click, another member): refused, not doubled
    with sessions() as session, pytest.raises(rules.ResidentError) as refused:
        rules.add(session, newcomer(town["ward"], start=DAY + timedelta(days=2)), area=ward,
                  operator="to-hac-2", today=DAY)
    assert (refused.value.field, refused.value.reason) == ("name", "duplicate")
    with transaction(sessions) as session:  # someone else of that name and year is not
        rules.add(session, newcomer(town["ward"], birth_year="1950"), area=ward,
                  operator="to-hac", today=DAY)


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"name": "X"}, "name", "name"),
    ({"birth_year": "48"}, "birth_year", "birth_year"),
    ({"birth_year": "2027"}, "birth_year", "birth_year"),
    ({"birth_year": "1899"}, "birth_year", "birth_year"),
    ({"address": " "}, "address", "address"),
    ({"start": None}, "start", "required"),
    ({"end": None}, "end", "required"),
    ({"end": DAY - timedelta(days=1)}, "end", "dates"),
])
def test_a_newcomer_s_details_are_checked(changes, field, reason):
    [refused] = rules.refusals(newcomer(1, **changes), DAY.year)
    assert (refused.field, refused.reason) == (field, reason)


def test_a_resident_is_followed_only_by_a_manager_of_the_area_and_starts_today(sessions, town):
    ward = Area(TH, frozenset({HAC_THANH}))
    for manager_id, changes, field in ((town["other_ward"], {}, "manager"),
                                       (town["national"], {}, "manager"),
                                       (None, {}, "manager"),
                                       (town["ward"], {"start": DAY - timedelta(days=1)},
                                        "start")):
        with sessions() as session, pytest.raises(rules.ResidentError) as refused:
            rules.add(session, newcomer(manager_id, **changes), area=ward, operator="to-hac",
                      today=DAY)
        assert refused.value.field == field
    with sessions() as session:
        assert session.scalar(select(QuarantineCase).where(
            QuarantineCase.phone.is_(None))) is None


@pytest.mark.parametrize(("choice", "other", "stored"), [
    ("neighbour", "", "neighbour"),
    ("family", "ignored", "family"),
    ("team_member", "", "team_member"),
    ("other", "  con   gai ", "con gai"),
])
def test_a_relation_is_one_of_the_list_or_the_member_s_own_words(choice, other, stored):
    assert rules.relation(choice, other) == stored


@pytest.mark.parametrize(("choice", "other"), [
    ("", ""), ("friend", ""), ("other", ""), ("other", "x"), ("other", "y" * 41)])
def test_a_missing_or_unknown_relation_is_refused(choice, other):
    with pytest.raises(rules.ResidentError) as refused:
        rules.relation(choice, other)
    assert refused.value.field == "relation"


def test_phone_keyed_paths_pass_over_a_resident_without_a_phone(sessions, town):
    ward = Area(TH, frozenset({HAC_THANH}))
    with transaction(sessions) as session:
        lone = rules.add(session, newcomer(town["ward"], end=DAY + timedelta(days=3)),
                         area=ward, operator="to-hac", today=DAY)
        lone_id = lone.id
    last = DAY + timedelta(days=3)
    with transaction(sessions) as session:
        batch = store.reminder_batch(session, DAY, 0, 100)
        assert lone_id not in {row.id for row in batch} and len(batch) == 5
        assert lone_id not in {row.id for row in store.ending_batch(session, last, 0, 100)}
        # the digest counts them and names them, without a phone
        data = digest.build(session, town["ward"], DAY)
        assert data.active == 2
        assert [(p.name, p.phone) for p in data.missing_people if p.case_id == lone_id] == [
            ("Le Thi Cuc", None)]
        # so does the dashboard's compliance, among those who did not report
        seen = dashboard.compliance(session, Scope(DAY, DAY, TZ, ward), DAY)
        assert (seen.active, seen.reported) == (2, 0)
        # closing and reopening need no phone either (no other case can collide)
        case = session.get(QuarantineCase, lone_id)
        store.change_case(case, close=True)
        store.reopen_case(session, case, DAY)
        assert case.status == "active"


def test_a_report_made_for_a_resident_keeps_the_relation_and_is_not_verified(sessions, town):
    with transaction(sessions) as session:
        report, amended = store.record_report(
            session, town["case_ward"], DAY, symptoms=[], temperature=None, danger=False,
            channel="team", operator="to-hac", relation="neighbour", verified=False)
        assert not amended
        assert (report.channel, report.operator, report.relation, report.verified) == (
            "team", "to-hac", "neighbour", False)
        # the person texts later that day: the report is theirs now, verified
        store.record_report(session, town["case_ward"], DAY, symptoms=[2], temperature=None,
                            danger=False, channel="sms")
    with sessions() as session:
        stored = session.scalar(select(HealthReport))
    assert (stored.channel, stored.operator, stored.relation, stored.verified,
            stored.symptoms) == ("sms", None, None, True, [2])


def declare_area(session, ward: int, start: date = DAY) -> IsolationArea:
    """An active isolation area of `ward` (from `start` to DAY + 9) managed by a
    province-wide health officer of Thanh Hoa."""
    officer = users.by_username(session, "bs-th") or users.create(
        session, username="bs-th", role="health_officer", phone="+84903009999")
    areas.assign(session, Area(TH), user_id=officer.id)
    return isolation.declare(session, province_code=TH, ward_code=ward, street="",
                             start=start, end=DAY + timedelta(days=9), manager=officer,
                             declared_by=officer, officer_area=Area(TH), channel="hotline",
                             operator="bs-th", day=DAY)


def isolation_area(session, ward: int, phone: str, name: str) -> int:
    """An active isolation area of `ward` (see declare_area) with one resident; the
    resident's case id."""
    area = declare_area(session, ward)
    return isolation.join(session, area, phone=phone, full_name=name, channel="sms",
                          day=DAY).id


def test_a_team_s_residents_include_its_communes_isolation_areas(sessions, town):
    with transaction(sessions) as session:
        inside = isolation_area(session, HAC_THANH, "+84912000101", "Nguoi khu Hac Thanh")
        outside = isolation_area(session, QUANG_PHU, "+84912000102", "Nguoi khu Quang Phu")
    ward = Area(TH, frozenset({HAC_THANH}))
    # the areas' manager is the province's officer, whose own area is wider than the
    # team's: the resident still lies in the team's commune through the area
    assert names(sessions, ward) == ["Nguoi khu Hac Thanh", "Nguoi ward"]
    with sessions() as session:
        assert residents.resident(session, ward, inside, DAY).id == inside
        assert residents.resident(session, ward, outside, DAY) is None
    assert "Nguoi khu Quang Phu" in names(sessions, Area(TH, frozenset({QUANG_PHU})))


WARD = Area(TH, frozenset({HAC_THANH}))
PHONE = "+84912000301"


def with_phone(area_id: int | None, phone: str = "0912 000 301",
               name: str = " Vu  Thi Hoa ") -> rules.Newcomer:
    """A resident with a phone, as the form posts them (nothing else filled in)."""
    return rules.Newcomer(name, "", "", None, None, None, phone, area_id)


def test_a_resident_with_a_phone_joins_an_isolation_area_of_the_team(sessions, town):
    with transaction(sessions) as session:
        area_id = declare_area(session, HAC_THANH, start=DAY - timedelta(days=3)).id
        other_id = declare_area(session, QUANG_PHU).id
        assert [a.id for a in residents.isolation_areas(session, WARD, DAY)] == [area_id]
        joined = rules.join_area(session, with_phone(area_id), area=WARD, operator="to-hac",
                                 today=DAY)
        assert joined.created
        case_id = joined.case.id
    with sessions() as session:
        case = session.get(QuarantineCase, case_id)
        assert (case.phone, case.full_name, case.kind, case.area_id, case.channel,
                case.operator, case.start_date, case.end_date) == (
            PHONE, "Vu Thi Hoa", "area", area_id, "team", "to-hac", DAY,
            DAY + timedelta(days=9))
        area = session.get(IsolationArea, area_id)
        assert case.manager_id == area.manager_id  # the area's manager, as for KV
        welcome = session.scalars(select(OutboundMessage.body).where(
            OutboundMessage.phone == PHONE)).all()
        assert [body.startswith(f"Khu vuc cua ban (ma {area.code}) cach ly den het")
                for body in welcome] == [True]
    assert "Vu Thi Hoa" in names(sessions, WARD)
    with transaction(sessions) as session:  # again (a second click): the same case
        again = rules.join_area(session, with_phone(area_id, "+84912000301"), area=WARD,
                                operator="to-hac-2", today=DAY)
        assert (again.created, again.case.id) == (False, case_id)
        # a phone with its own case (the ward's manager follows it) stays on it
        own = rules.join_area(session, with_phone(area_id, "+84912000000"), area=WARD,
                              operator="to-hac", today=DAY)
        assert (own.created, own.case.id, own.case.area_id) == (
            False, town["case_ward"], None)
        # another commune's area is not the team's to fill
        with pytest.raises(rules.ResidentError) as refused:
            rules.join_area(session, with_phone(other_id, "+84912000302"), area=WARD,
                            operator="to-hac", today=DAY)
        assert (refused.value.field, refused.value.reason) == ("area", "area")
    with sessions() as session:
        assert session.scalar(select(QuarantineCase).where(
            QuarantineCase.phone == "+84912000302")) is None


@pytest.mark.parametrize(("newcomer", "field", "reason"), [
    (with_phone(1, "12345"), "phone", "phone"),
    (with_phone(1, "024 3826 1234"), "phone", "phone"),  # a landline: nobody to text
    (with_phone(None), "area", "area"),                  # a phone joins an area only
    (with_phone(1, name="X"), "name", "name"),
])
def test_a_resident_with_a_phone_is_checked(newcomer, field, reason):
    assert [(r.field, r.reason) for r in rules.refusals(newcomer, DAY.year)][:1] == [
        (field, reason)]


def test_a_lifted_or_unknown_area_takes_nobody(sessions, town):
    with transaction(sessions) as session:
        area = declare_area(session, HAC_THANH)
        isolation.lifted(session, area, DAY)
        for area_id in (area.id, 999999, 2**40):
            with pytest.raises(rules.ResidentError) as refused:
                rules.join_area(session, with_phone(area_id), area=WARD, operator="to-hac",
                                today=DAY)
            assert refused.value.field == "area"


def test_a_resident_without_a_phone_can_be_put_in_the_area(sessions, town):
    with transaction(sessions) as session:
        area = declare_area(session, HAC_THANH)
        area_id, manager_id = area.id, area.manager_id
        isolation.join(session, area, phone=PHONE, full_name="Vu Thi Hoa", channel="sms",
                       day=DAY)
        # the dates and manager typed are not the area's: the area's win
        lone = rules.add(session, newcomer(town["ward"], start=None, end=None,
                                           area_id=area_id),
                         area=WARD, operator="to-hac", today=DAY)
        lone_id = lone.id
        assert (lone.phone, lone.kind, lone.area_id, lone.manager_id, lone.start_date,
                lone.end_date) == (None, "area", area_id, manager_id, DAY,
                                   DAY + timedelta(days=9))
    with transaction(sessions) as session:
        # counted among the area's residents, as anyone who joined
        [counts] = isolation_store.compliance(session, DAY, area_id=area_id)
        assert (counts.residents, counts.reported) == (2, 0)
        store.record_report(session, lone_id, DAY, symptoms=[], temperature=None,
                            danger=False, channel="team", operator="to-hac",
                            relation="neighbour", verified=False)
    with transaction(sessions) as session:
        [counts] = isolation_store.compliance(session, DAY, area_id=area_id)
        assert (counts.residents, counts.reported) == (2, 1)
        # the area's new end date moves their case as it moves the joined phone's
        isolation.change(session, session.get(IsolationArea, area_id),
                         end_date=DAY + timedelta(days=12), day=DAY)
        assert session.get(QuarantineCase, lone_id).end_date == DAY + timedelta(days=12)
        # lifting closes their case too; only the phone is told
        assert isolation.lifted(session, session.get(IsolationArea, area_id), DAY) == 2
        told = session.scalars(select(OutboundMessage.phone).where(
            OutboundMessage.dedup_key.like("lifted:%"))).all()
        assert told == [PHONE]
    with sessions() as session:
        assert session.get(QuarantineCase, lone_id).status == "closed"
