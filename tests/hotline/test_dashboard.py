"""The locality dashboard in the console: who may open it and what each role sees, its
filters (and a clear 400 for a bad one), both languages, the audit entry, and the
health_officer accounts it is for (`gateway user create`, the admin's form)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from gateway import runtime as runtimes
from gateway.demo import seed
from gateway.store.areas import Area
from gateway.store.db import transaction
from tests.hotline.conftest import Console, audit_entries, make_user, text, user
from tests.hotline.test_admin import admin
from tests.store import dashboard_data as data
from tests.store.dashboard_data import HAC_THANH, HN, HOAN_KIEM, QUANG_PHU, TH
from tests.test_processes import cli

PASSWORD_IN = "a long console password\n"


def signed_in(app, username: str, role: str, area: Area | None = None) -> Console:
    make_user(app, username, role, area=area, phone="+84903000222" if role == "manager"
              else None)
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser


def cell(page: str, table: str, row: str) -> list[str]:
    """The cells of the first row of table `table` whose heading cell is `row`."""
    body = page[page.index(f'id="{table}"'):]
    body = body[:body.index("</table>")]
    found = re.search(r"<tr>\s*<th scope=\"row\">" + re.escape(row) + r"</th>(.*?)</tr>",
                      body, re.S)
    assert found, f"no row {row!r} in {table}"
    return re.findall(r"<td>(.*?)</td>", found.group(1))


def test_a_thanh_hoa_officer_sees_thanh_hoa_only(app, locality):
    browser = signed_in(app, "officer", "health_officer", Area(TH))
    response = browser.get("/hotline/dashboard")
    page = text(response)
    assert response.status_code == 200 and "Thanh Hóa" in page
    day = locality.strftime("%d/%m/%Y")
    assert cell(page, "table-channel", day) == ["1", "1", "0", "0", "2"]  # sms, ussd, …
    assert cell(page, "table-risk", day) == ["1", "1", "2"]
    assert "Lê Thị Cao" in page and "+849*****077" in page and "+84912000077" not in page
    assert "Người Hà Nội" not in page and "Chợ Đồng Xuân" not in page
    assert cell(page, "table-venues", "Chợ Vườn Hoa")[-1] == "3"
    assert cell(page, "table-compliance", "Đang cách ly") == ["1"]
    assert cell(page, "table-compliance", "Cảnh báo đang mở") == ["1"]
    for chart in ("chart-channel", "chart-risk", "chart-checkins", "chart-compliance"):
        assert re.search(f'<svg[^>]*id="{chart}"[^>]*role="img"', page), chart
        assert f'<title id="{chart}-title">' in page and f'<desc id="{chart}-desc">' in page
    [entry] = [e for e in audit_entries(app) if e.action == "dashboard.view"]
    assert entry.username == "officer" and "1 high-risk shown" in entry.detail


def test_the_commune_and_date_filters(app, locality):
    browser = signed_in(app, "officer", "health_officer", Area(TH))
    page = text(browser.get(f"/hotline/dashboard?commune={QUANG_PHU}"))
    assert "Phạm Văn Dũng" not in page  # low risk: counted, not listed
    assert cell(page, "table-risk", locality.strftime("%d/%m/%Y")) == ["1", "0", "1"]
    assert "Lê Thị Cao" not in page
    before = (locality - timedelta(days=3)).isoformat()
    earlier = text(browser.get(f"/hotline/dashboard?from={before}&to={before}"))
    assert cell(earlier, "table-channel", (locality - timedelta(days=3)).strftime(
        "%d/%m/%Y")) == ["0", "0", "0", "0", "0"]
    assert "Lê Thị Cao" not in earlier


@pytest.mark.parametrize(("query", "says"), [
    (f"commune={HOAN_KIEM}", "Xã/phường này không thuộc địa bàn của bạn."),
    ("commune=abc", "Xã/phường này không thuộc địa bàn của bạn."),
    ("from=2026-13-01", "Ngày không hợp lệ (from)"),
    ("from=2026-12-05&to=2026-12-01", "Ngày bắt đầu sau ngày kết thúc."),
    ("from=2026-01-01&to=2026-12-01", "Chọn tối đa 92 ngày."),
])
def test_a_bad_filter_gets_a_400_with_the_reason(app, locality, query, says):
    browser = signed_in(app, "officer", "health_officer", Area(TH))
    response = browser.get(f"/hotline/dashboard?{query}")
    assert response.status_code == 400
    page = text(response)
    assert says in page and 'id="filters"' in page and "Lê Thị Cao" not in page


def test_an_officer_of_one_commune_chooses_only_among_theirs(app, locality):
    browser = signed_in(app, "ward-officer", "health_officer",
                        Area(TH, frozenset({QUANG_PHU})))
    page = text(browser.get("/hotline/dashboard"))
    assert "Phạm Văn Dũng" not in page and "Lê Thị Cao" not in page
    assert cell(page, "table-channel", locality.strftime("%d/%m/%Y")) == [
        "0", "1", "0", "0", "1"]
    options = re.findall(r'<option value="(\d+)"', page)
    assert options == [str(QUANG_PHU)]
    assert browser.get(f"/hotline/dashboard?commune={HAC_THANH}").status_code == 400


def test_a_manager_sees_the_compliance_of_their_own_cases_only(app, locality):
    browser = signed_in(app, "mgr-own", "manager")
    with transaction(runtimes.of(app).sessions) as session:
        mine = user(app, "mgr-own").id
        data.quarantine(session, mine, locality, locality + timedelta(days=3))
    page = text(browser.get("/hotline/dashboard"))
    assert 'id="table-compliance"' in page and 'id="table-channel"' not in page
    assert "Lê Thị Cao" not in page and "Chợ Vườn Hoa" not in page
    assert cell(page, "table-compliance", "Đang cách ly") == ["1"]
    assert cell(page, "table-compliance", "Cảnh báo đang mở") == ["0"]


def test_the_admin_sees_the_country_or_a_province(app, locality):
    browser = admin(app)
    page = text(browser.get("/hotline/dashboard"))
    assert "Cả nước" in page and "Người Hà Nội" in page and "Lê Thị Cao" in page
    assert cell(page, "table-compliance", "Đang cách ly") == ["2"]
    hanoi = text(browser.get(f"/hotline/dashboard?province={HN}"))
    assert "Người Hà Nội" in hanoi and "Lê Thị Cao" not in hanoi
    assert browser.get("/hotline/dashboard?province=39").status_code == 400


def test_the_dashboard_in_english(app, locality):
    browser = signed_in(app, "officer", "health_officer", Area(TH))
    browser.get("/hotline/dashboard")
    browser.post("/hotline/language", {"lang": "en", "next": "/hotline/dashboard"})
    page = text(browser.get("/hotline/dashboard"))
    assert "Declarations per day by channel" in page and "Quarantine compliance" in page
    assert cell(page, "table-compliance", "Alerts open") == ["1"]
    assert "Latest high-risk declarations of the chosen range: 1." in page
    assert "Health officer" in page and "Tờ khai theo ngày" not in page
    refused = text(browser.get("/hotline/dashboard?from=2026-12-05&to=2026-12-01"))
    assert "The start is after the end." in refused


@pytest.mark.parametrize("role", ["operator", "venue_staff"])
def test_other_roles_cannot_open_it(app, market, role):
    make_user(app, "someone", role, venue_codes=(market["code"],))
    browser = Console(app.test_client())
    browser.login("someone")
    assert browser.get("/hotline/dashboard").status_code == 403


def test_a_health_officer_is_created_with_an_area_and_starts_on_the_dashboard(app, config):
    refused = cli(config, "user", "create", "ho-none", "--role", "health_officer",
                  "--password-stdin", input=PASSWORD_IN)
    assert refused.exit_code == 2 and "a health_officer needs an area" in refused.output
    assert "--province" in refused.output and user(app, "ho-none") is None
    made = cli(config, "user", "create", "ho-th", "--role", "health_officer", "--province",
               "Thanh Hoa", "--commune", "Hac Thanh", "--password-stdin", input=PASSWORD_IN)
    assert made.exit_code == 0, made.output
    assert "limited to Thanh Hóa: Phường Hạc Thành" in made.output
    browser = Console(app.test_client())
    response = browser.login("ho-th", PASSWORD_IN.strip())
    assert response.headers["Location"].endswith("/hotline/dashboard")


def test_the_admin_form_refuses_a_health_officer_without_an_area(app):
    browser = admin(app)
    response = browser.post("/hotline/admin/users", {
        "username": "ho2", "role": "health_officer", "password": "a long password 1"})
    assert response.status_code == 400
    assert "Cán bộ y tế địa phương cần một địa bàn" in text(response)
    assert user(app, "ho2") is None
    made = browser.post("/hotline/admin/users", {
        "username": "ho3", "role": "health_officer", "password": "a long password 1",
        "province": "38"})
    assert made.status_code == 302 and user(app, "ho3").role == "health_officer"
    lifted = browser.post(f"/hotline/admin/users/{user(app, 'ho3').id}",
                          {"action": "area", "province": ""})
    assert "Cán bộ y tế địa phương cần một địa bàn" in text(browser.get(
        lifted.headers.get("Location", "/hotline/admin/users")))


def test_the_demo_officer_opens_the_dashboard_on_sqlite(demo_app):
    with transaction(runtimes.of(demo_app).sessions) as session:
        seed.seed(session)
    browser = Console(demo_app.test_client())
    assert browser.login("officer", "officer-demo").headers["Location"].endswith(
        "/hotline/dashboard")
    response = browser.get("/hotline/dashboard")
    page = text(response)
    assert response.status_code == 200 and "Hồ Chí Minh" in page
    assert 'id="chart-channel"' in page and 'id="table-compliance"' in page
