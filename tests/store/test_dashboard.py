"""The dashboard's figures (gateway/store/dashboard.py) on PostgreSQL: counts per local
day, channel and risk, the high-risk list, the busiest venues, quarantine compliance,
and the area, commune, date and manager filters (a Thanh Hoa officer never sees Ha Noi)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway import runtime as runtimes
from gateway.store import dashboard, dashboard_cases
from gateway.store.areas import Area
from gateway.store.dashboard import Compliance, DayCount, Scope
from gateway.store.db import transaction
from tests.store import dashboard_data as data
from tests.store.dashboard_data import HAC_THANH, HN, HOAN_KIEM, QUANG_PHU, TH, utc

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
D1, D2, D3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
THANH_HOA = Area(TH)


def scope(area: Area | None = THANH_HOA, since: date = D1, until: date = D3,
          **more) -> Scope:
    return Scope(since, until, TZ, area, **more)


@pytest.fixture
def sessions(app):
    return runtimes.of(app).sessions


@pytest.fixture
def declarations(sessions):
    """Thanh Hoa: D1 two SMS (one high risk), D2 a USSD and a hotline one (high) in
    Quang Phu; one at 18:00 UTC on D2, which is D3 in Viet Nam; Ha Noi: three on D1;
    one before and one after the range."""
    with transaction(sessions) as session:
        data.declaration(session, utc(D1), HAC_THANH)
        data.declaration(session, utc(D1, 5), HAC_THANH, risk="high", name="Lê Thị Cao",
                         phone=None, declarer="+84912000077")
        data.declaration(session, utc(D2), QUANG_PHU, channel="ussd")
        data.declaration(session, utc(D2, 6), QUANG_PHU, channel="hotline", risk="high",
                         name="Trần Văn Bình", phone="+84912000055")
        data.declaration(session, utc(D2, 18), HAC_THANH, channel="web")
        for _ in range(3):
            data.declaration(session, utc(D1), HOAN_KIEM, province=HN, risk="high",
                             name="Người Hà Nội")
        data.declaration(session, utc(D1 - timedelta(days=1)), HAC_THANH)
        data.declaration(session, utc(D3, 17), HAC_THANH)  # D3 + 1 locally


def test_declarations_are_counted_per_local_day_channel_and_risk(sessions, declarations):
    with sessions() as session:
        counts = dashboard.declarations(session, scope())
    assert counts == [DayCount(D1, "sms", "high", 1), DayCount(D1, "sms", "low", 1),
                      DayCount(D2, "hotline", "high", 1), DayCount(D2, "ussd", "low", 1),
                      DayCount(D3, "web", "low", 1)]


def test_a_commune_and_a_shorter_range_narrow_the_counts(sessions, declarations):
    with sessions() as session:
        commune = dashboard.declarations(session, scope(commune=QUANG_PHU))
        one_day = dashboard.declarations(session, scope(since=D3, until=D3))
    assert commune == [DayCount(D2, "hotline", "high", 1), DayCount(D2, "ussd", "low", 1)]
    assert one_day == [DayCount(D3, "web", "low", 1)]


def test_a_thanh_hoa_officer_never_sees_ha_noi(sessions, declarations):
    with transaction(sessions) as session:
        place = data.venue(session, "Chợ Đồng Xuân", HOAN_KIEM, province=HN)
        data.visits(session, place, utc(D1), 4)
        hanoi = data.manager(session, "mgr-hn", Area(HN))
        data.quarantine(session, hanoi, D1, D3, alert=True)
    with sessions() as session:
        counts = dashboard.declarations(session, scope())
        people = dashboard.high_risk(session, scope())
        venues = dashboard.checkins(session, scope())
        cases = dashboard.compliance(session, scope(), D3)
        national = dashboard.declarations(session, scope(area=None))
    assert sum(c.count for c in counts) == 5
    assert "Người Hà Nội" not in {p.name for p in people}
    assert venues == [] and cases.active == 0 and cases.alerts == 0
    assert sum(c.count for c in national if c.day == D1) == 5  # the admin sees both


def test_the_high_risk_list_is_newest_first_with_the_number_to_call(sessions, declarations):
    with sessions() as session:
        people = dashboard.high_risk(session, scope())
        first = dashboard.high_risk(session, scope(), limit=1)
    assert [(p.name, p.phone, p.commune, p.channel) for p in people] == [
        ("Trần Văn Bình", "+84912000055", "Phường Quảng Phú", "hotline"),
        ("Lê Thị Cao", "+84912000077", "Phường Hạc Thành", "sms")]  # the declarer's
    assert [p.name for p in first] == ["Trần Văn Bình"]


def test_the_busiest_venues_with_their_check_ins_per_day(sessions):
    with transaction(sessions) as session:
        market = data.venue(session, "Chợ Vườn Hoa", HAC_THANH)
        school = data.venue(session, "Trường Lam Sơn", QUANG_PHU)
        quiet = data.venue(session, "Bưu điện", QUANG_PHU)
        data.visits(session, market, utc(D1), 3)
        data.visits(session, market, utc(D2, 20), 2)  # D3 locally
        data.visits(session, school, utc(D2), 4)
        data.visits(session, quiet, utc(D3), 1)
        data.visits(session, school, utc(D3 + timedelta(days=2)), 9)  # after the range
    with sessions() as session:
        top = dashboard.checkins(session, scope(), limit=2)
        commune = dashboard.checkins(session, scope(commune=HAC_THANH))
    assert [(v.name, v.total, v.per_day) for v in top] == [
        ("Chợ Vườn Hoa", 5, {D1: 3, D3: 2}), ("Trường Lam Sơn", 4, {D2: 4})]
    assert [v.name for v in commune] == ["Chợ Vườn Hoa"]


def test_compliance_of_the_active_cases(sessions):
    with transaction(sessions) as session:
        officer = data.manager(session, "mgr-th", THANH_HOA)
        other = data.manager(session, "mgr-qp", Area(TH, frozenset({QUANG_PHU})))
        data.quarantine(session, officer, D1, D3 + timedelta(days=5), reports=(D1, D2, D3))
        data.quarantine(session, officer, D1, D3 + timedelta(days=5), reports=(D1, D2),
                        alert=True)                                       # missed one day
        data.quarantine(session, officer, D3, D3 + timedelta(days=5))    # started today
        data.quarantine(session, officer, D1, D3 + timedelta(days=5), reports=(D1,))  # two
        data.quarantine(session, other, D1, D3 + timedelta(days=5))      # three days
        data.quarantine(session, officer, D1, D2, reports=(D1,))         # ended yesterday
        data.quarantine(session, officer, D1, D3, status="closed")       # closed
    with sessions() as session:
        everyone = dashboard.compliance(session, scope(), D3)
        own = dashboard.compliance(session, scope(manager_id=officer), D3)
        commune = dashboard.compliance(session, scope(commune=QUANG_PHU), D3)
    assert everyone == Compliance(D3, active=5, reported=1, missed_one=2, missed_more=2,
                                  alerts=1)
    assert own == Compliance(D3, active=4, reported=1, missed_one=2, missed_more=1, alerts=1)
    # A case lies where its manager's area does: only the Quang Phu manager's case.
    assert commune == Compliance(D3, active=1, reported=0, missed_one=0, missed_more=1,
                                 alerts=0)


def test_a_managers_part_is_their_cases_only(sessions, declarations):
    with sessions() as session:
        mine = scope(area=None, manager_id=12345)
        assert dashboard.declarations(session, mine) == []
        assert dashboard.high_risk(session, mine) == []
        assert dashboard.checkins(session, mine) == []
        assert dashboard.compliance(session, mine, D3).active == 0


def test_the_demo_on_sqlite_counts_local_days_too(demo_app):
    sessions = runtimes.of(demo_app).sessions
    with transaction(sessions) as session:
        data.declaration(session, utc(D2, 16, 59), HAC_THANH)          # 23:59 on D2
        data.declaration(session, utc(D2, 17), HAC_THANH, risk="high")  # 00:00 on D3
        officer = data.manager(session, "mgr-th", THANH_HOA)
        data.quarantine(session, officer, D1, D3, reports=(D2,))
    with sessions() as session:
        counts = dashboard.declarations(session, scope())
        people = dashboard.high_risk(session, scope())
        cases = dashboard.compliance(session, scope(), D3)
    assert counts == [DayCount(D2, "sms", "low", 1), DayCount(D3, "sms", "high", 1)]
    assert len(people) == 1 and cases.missed_one == 1


def test_the_cases_to_follow_up_alerts_first_then_the_longest_silent(sessions):
    with transaction(sessions) as session:
        officer = data.manager(session, "mgr-th", THANH_HOA)
        hanoi = data.manager(session, "mgr-hn", Area(HN))
        end = D3 + timedelta(days=5)
        fine = data.quarantine(session, officer, D1, end, reports=(D1, D2, D3))
        alert = data.quarantine(session, officer, D1, end, reports=(D1, D2, D3), alert=True)
        once = data.quarantine(session, officer, D1 - timedelta(days=3), end,
                               reports=(D1 - timedelta(days=3),))
        never = data.quarantine(session, officer, D1, end)
        data.quarantine(session, officer, D1, end, reports=(D1, D2))  # silent one day only
        data.quarantine(session, officer, D3, end)                    # started today
        data.quarantine(session, officer, D1, D3, status="closed")    # closed
        data.quarantine(session, hanoi, D1, end)                      # another area
        ids = (fine.id, alert.id, once.id, never.id)
    with sessions() as session:
        found = dashboard_cases.follow_up(session, scope(), D3)
        own = dashboard_cases.follow_up(session, scope(manager_id=hanoi, area=None), D3)
        limited = dashboard_cases.follow_up(session, scope(), D3, limit=1)
    assert [(c.case_id, c.alert, c.last_report) for c in found] == [
        (ids[1], True, D3), (ids[3], False, None), (ids[2], False, D1 - timedelta(days=3))]
    assert len(own) == 1 and own[0].case_id not in ids
    assert [c.case_id for c in limited] == [ids[1]]
