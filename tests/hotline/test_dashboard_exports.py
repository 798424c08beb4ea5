"""The dashboard's tables exported (CSV, XLSX): each file holds the page's table for the
same filters and area limits, in the reader's language, audited like any export; a bad
or outside filter is a 400 with its reason; a manager exports only their compliance.
And the high-risk list links to the case page of a person who is a case of the area."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import IsolationArea, QuarantineCase, User
from hotline import dashboard_exports, lists
from tests.hotline.conftest import CALL_BACK, Console, audit_entries, make_user, make_venue, text
from tests.hotline.test_dashboard import cell, signed_in
from tests.hotline.test_exports import csv_rows, xlsx_rows
from tests.store import dashboard_data as data
from tests.store.dashboard_data import HN, QUANG_PHU, TH


def export(browser, table: str, fmt: str = "csv", **filters: str):
    return browser.post("/hotline/exports", {"list": f"dashboard.{table}", "format": fmt,
                                             **filters})


def test_every_table_of_the_page_is_an_export_of_the_dashboard():
    assert set(dashboard_exports.TABLES) == {
        f"dashboard.{name}" for name in ("by_channel", "by_risk", "high_risk", "checkins",
                                         "venue_totals", "compliance", "follow_up",
                                         "isolation_areas")}
    for name in dashboard_exports.TABLES:
        listing = lists.LISTINGS[name]
        assert isinstance(listing, lists.Computed) and listing.page == "hotline.dashboard"
        assert listing.filters == ("from", "to", "commune", "province")


def test_an_officer_exports_the_table_the_page_shows(app, locality):
    officer = signed_in(app, "officer", "health_officer", Area(TH))
    page = text(officer.get("/hotline/dashboard"))
    day = locality.strftime("%d/%m/%Y")
    for name in ("by-channel", "by-risk", "high-risk", "checkins", "venue-totals",
                 "compliance", "follow-up"):
        assert f'id="export-{name}-xlsx"' in page, name
    since = (locality - timedelta(days=13)).isoformat()
    assert f'name="from" value="{since}"' in page  # the range as applied, posted
    rows = csv_rows(export(officer, "by_channel", **{"from": since,
                                                     "to": locality.isoformat()}))
    assert rows[0] == ["Ngày", "SMS", "USSD", "Tổng đài", "Web", "Tổng"]
    assert len(rows) == 15 and rows[-1] == [locality.isoformat(), "1", "1", "0", "0", "2"]
    assert cell(page, "table-channel", day) == rows[-1][1:]
    entry = audit_entries(app)[-1]
    assert (entry.action, entry.username) == ("export.dashboard.by_channel", "officer")
    assert entry.detail == (f"csv, filters: from='{since}', to='{locality.isoformat()}'; "
                            "14 rows")


def test_the_commune_filter_and_the_area_hold_in_the_file(app, locality):
    officer = signed_in(app, "officer", "health_officer", Area(TH))
    officer.get("/hotline/dashboard")
    today = locality.isoformat()
    rows = csv_rows(export(officer, "by_channel", commune=str(QUANG_PHU),
                           **{"from": today, "to": today}))
    assert rows[1:] == [[today, "0", "1", "0", "0", "1"]]
    people = csv_rows(export(officer, "high_risk"))
    assert [r[1:3] for r in people[1:]] == [["Lê Thị Cao", "'+849*****077"]]  # masked (and
    # defused: a cell starting with '+' is a formula to a spreadsheet)
    # A Ha Noi commune is outside Thanh Hoa: refused with the reason, no file.
    refused = export(officer, "by_channel", commune=str(data.HOAN_KIEM))
    assert refused.status_code == 400
    assert "không thuộc địa bàn của bạn" in text(refused)
    bad = export(officer, "compliance", **{"from": "2026-13-01"})
    assert bad.status_code == 400 and "Ngày không hợp lệ (from)" in text(bad)
    # An officer cannot pick another province: theirs holds.
    venues = csv_rows(export(officer, "venue_totals", province=str(HN)))
    assert [r[0] for r in venues[1:]] == ["Chợ Vườn Hoa"]
    assert [e.action for e in audit_entries(app)].count("export.dashboard.by_channel") == 1


def test_an_admin_exports_a_province_as_xlsx_in_english(app, locality):
    admin = signed_in(app, "root", "admin")
    admin.post("/hotline/language", {"lang": "en"})
    admin.get(f"/hotline/dashboard?province={HN}")
    rows = xlsx_rows(export(admin, "high_risk", "xlsx", province=str(HN)).get_data())
    assert rows[0] == ("Time", "Name", "Phone", "Commune/ward", "Channel")
    assert [r[1] for r in rows[1:]] == ["Người Hà Nội"]
    everyone = xlsx_rows(export(admin, "high_risk", "xlsx").get_data())
    assert sorted(r[1] for r in everyone[1:]) == ["Lê Thị Cao", "Người Hà Nội"]


def test_a_manager_exports_only_their_compliance(app, locality):
    manager = signed_in(app, "mgr-own", "manager", Area(TH))
    page = text(manager.get("/hotline/dashboard"))
    assert 'id="export-compliance-csv"' in page and 'id="export-by-channel-csv"' not in page
    rows = csv_rows(export(manager, "compliance"))
    assert rows[0] == ["Tình trạng", "Số ca"] and rows[1] == ["Đang cách ly", "0"]
    assert csv_rows(export(manager, "follow_up")) == [
        ["Họ tên", "Số điện thoại", "Cảnh báo đang mở", "Báo cáo gần nhất"]]  # none of theirs
    assert export(manager, "by_channel").status_code == 403
    assert export(manager, "high_risk").status_code == 403


@pytest.mark.parametrize("role", ["operator", "venue_staff"])
def test_other_roles_cannot_export_a_dashboard_table(app, locality, role):
    make_user(app, "someone", role, venue_codes=(make_venue(app)["code"],))
    browser = Console(app.test_client())
    browser.login("someone")
    assert export(browser, "compliance").status_code == 403


def test_the_high_risk_list_links_to_the_case_page(app, call_back_case):
    officer = signed_in(app, "officer", "health_officer", Area(TH))
    page = text(officer.get("/hotline/dashboard"))
    table = page[page.index('id="table-high-risk"'):]
    table = table[:table.index("</table>")]
    assert re.findall(r'<a class="case-link" href="([^"]+)"', table) == [
        f"/hotline/cases/{call_back_case}"]
    assert CALL_BACK not in page
    # A Ha Noi officer sees no Thanh Hoa person, and no link to a case outside the area.
    hanoi = signed_in(app, "officer-hn", "health_officer", Area(HN))
    assert f"/hotline/cases/{call_back_case}" not in text(hanoi.get("/hotline/dashboard"))


def test_the_cases_to_follow_up_link_to_their_pages(app, locality):
    # The locality's Thanh Hoa case started two days ago, never reported, has an alert.
    officer = signed_in(app, "officer", "health_officer", Area(TH))
    page = text(officer.get("/hotline/dashboard"))
    table = page[page.index('id="table-follow-up"'):]
    table = table[:table.index("</table>")]
    with runtimes.of(app).sessions() as session:
        thanh_hoa = session.scalar(select(QuarantineCase.id).join(
            User, User.id == QuarantineCase.manager_id).where(User.username == "mgr-th"))
    assert re.findall(r'<a class="case-link" href="([^"]+)"', table) == [
        f"/hotline/cases/{thanh_hoa}"]
    assert "Chưa báo cáo lần nào" in table and "+849*****" in table
    rows = csv_rows(export(officer, "follow_up"))
    assert rows[0] == ["Họ tên", "Số điện thoại", "Cảnh báo đang mở", "Báo cáo gần nhất"]
    assert [r[2:] for r in rows[1:]] == [["Có", "Chưa báo cáo lần nào"]]
    # The officer can open each linked case; the Ha Noi case is in neither list.
    assert officer.get(f"/hotline/cases/{thanh_hoa}").status_code == 200
    assert len(rows) == 2


@pytest.fixture
def isolated(app, locality):
    """Active isolation areas on top of the locality: one in Hac Thanh (two residents,
    one reported today), one in Quang Phu (one resident), one in Ha Noi (one)."""
    from gateway.quarantine import isolation
    from gateway.store import quarantine as cases
    codes = {}
    with transaction(runtimes.of(app).sessions) as session:
        managers = {username: session.scalar(select(User).where(User.username == username))
                    for username in ("mgr-th", "mgr-hn")}
        for name, province, ward, manager, phones in (
                ("hac_thanh", TH, data.HAC_THANH, "mgr-th", ("+84912100001", "+84912100002")),
                ("quang_phu", TH, QUANG_PHU, "mgr-th", ("+84912100003",)),
                ("ha_noi", HN, data.HOAN_KIEM, "mgr-hn", ("+84912100004",))):
            area = isolation.declare(session, province_code=province, ward_code=ward,
                                     street="", start=locality,
                                     end=locality + timedelta(days=9),
                                     manager=managers[manager], declared_by=None,
                                     officer_area=None, channel="web", operator=None,
                                     day=locality)
            joined = [isolation.join(session, area, phone=phone, full_name="Nguoi o khu",
                                     channel="sms", day=locality) for phone in phones]
            codes[name] = area.code
            if name == "hac_thanh":  # one of its two residents reported today
                cases.record_report(session, joined[0].id, locality, symptoms=[],
                                    temperature=None, danger=False, channel="sms")
    return codes


def test_the_isolation_areas_table_is_exported_with_the_page_s_filters(app, isolated):
    officer = signed_in(app, "officer", "health_officer", Area(TH))
    page = text(officer.get("/hotline/dashboard"))
    assert 'id="export-isolation-areas-csv"' in page
    assert 'id="export-isolation-areas-xlsx"' in page
    rows = csv_rows(export(officer, "isolation_areas"))
    assert rows[0] == ["Mã", "Địa bàn", "Người dân", "Đã báo cáo hôm nay", "Thiếu 1 ngày",
                       "Thiếu từ 2 ngày"]
    # Thanh Hoa's two areas, as on the page; Ha Noi's is not in the file
    assert [(r[0], r[2:4]) for r in rows[1:]] == [
        (isolated["hac_thanh"], ["2", "1"]), (isolated["quang_phu"], ["1", "0"])]
    assert cell(page, "table-isolation-areas", isolated["hac_thanh"])[1:3] == ["2", "1"]
    assert isolated["ha_noi"] not in page
    # the commune filter holds in the file too
    one = csv_rows(export(officer, "isolation_areas", commune=str(QUANG_PHU)))
    assert [r[0] for r in one[1:]] == [isolated["quang_phu"]]
    refused = export(officer, "isolation_areas", commune=str(data.HOAN_KIEM))
    assert refused.status_code == 400
    exported = [e for e in audit_entries(app) if e.action == "export.dashboard.isolation_areas"]
    assert [e.username for e in exported] == ["officer", "officer"]  # the refusal wrote none


def test_an_admin_exports_a_province_s_areas_in_english(app, isolated):
    admin = signed_in(app, "root", "admin")
    admin.post("/hotline/language", {"lang": "en"})
    rows = xlsx_rows(export(admin, "isolation_areas", "xlsx", province=str(HN)).get_data())
    assert rows[0][:3] == ("Code", "Place", "Residents")
    assert [r[0] for r in rows[1:]] == [isolated["ha_noi"]]
    everywhere = xlsx_rows(export(admin, "isolation_areas", "xlsx").get_data())
    assert sorted(r[0] for r in everywhere[1:]) == sorted(isolated.values())


def test_a_manager_exports_only_the_areas_they_manage(app, isolated):
    manager = signed_in(app, "mgr-own", "manager", Area(TH))
    assert csv_rows(export(manager, "isolation_areas"))[1:] == []  # they manage none
    with transaction(runtimes.of(app).sessions) as session:
        own = session.scalar(select(User.id).where(User.username == "mgr-own"))
        session.execute(IsolationArea.__table__.update()
                        .where(IsolationArea.code == isolated["quang_phu"])
                        .values(manager_id=own))
    rows = csv_rows(export(manager, "isolation_areas"))
    assert [r[0] for r in rows[1:]] == [isolated["quang_phu"]]
