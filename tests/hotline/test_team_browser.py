"""A community team member in a real headless Chromium: signs in, sees only their
ward's residents, reports for one with a phone after the code the resident reads
back (read from the Twilio stand-in's outbox), adds one without a phone and reports
for them with a relation; the ward's manager sees both reports marked, a manager of
another province sees neither resident. Screenshots go to test-artifacts/hotline/."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.quarantine.enrol import enrol
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import HealthReport
from tests.browser import WAIT_SECONDS, shot, wait_for
from tests.hotline.conftest import CALLER, MANAGER_PHONE, days, make_user, sign_in

WARD = Area(38, frozenset({14797}))


def reports(app) -> list[HealthReport]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(HealthReport).order_by(HealthReport.id)))


def said(driver, message: str) -> None:
    """Wait for the page that flashes `message` (the form's page goes first)."""
    WebDriverWait(driver, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.CSS_SELECTOR, "main"), message))


def sign_out(driver) -> None:
    driver.find_element(By.ID, "logout").click()
    wait_for(driver, "#username")


def test_a_team_member_reports_for_residents_with_and_without_a_phone(app, served,
                                                                     chrome, inbox):
    make_user(app, "mgr-hac", "manager", phone=MANAGER_PHONE, area=WARD)
    make_user(app, "mgr-hn", "manager", phone="+84903000999", area=Area(1))
    make_user(app, "to-hac", "community_team", area=WARD)
    with transaction(runtimes.of(app).sessions) as session:
        enrol(session, phone=CALLER, name="Trần Văn Bình", manager="mgr-hac",
              start=days(-1), end=days(12))
        enrol(session, phone="+84912000555", name="Đỗ Văn Hà", manager="mgr-hn",
              start=days(-1), end=days(12))
    inbox.deliver()

    sign_in(chrome, served, "to-hac")
    roster = wait_for(chrome, "#residents").text
    assert "Trần Văn Bình" in roster and "Đỗ Văn Hà" not in roster
    shot(chrome, "30-team-residents")

    # with a phone: the resident reads back the code the gateway texted them
    chrome.find_element(By.CSS_SELECTOR, "#residents button.report-for").click()
    wait_for(chrome, "#code").send_keys(inbox.otp(CALLER))
    chrome.find_element(By.ID, "verify").click()
    wait_for(chrome, "#submit-report")
    chrome.find_element(By.CSS_SELECTOR, "input[name=symptoms][value='2']").click()
    chrome.find_element(By.ID, "temperature").send_keys("37.8")
    shot(chrome, "31-team-report-verified")
    chrome.find_element(By.ID, "submit-report").click()
    said(chrome, "Đã ghi báo cáo hôm nay của Trần Văn Bình")
    [verified] = reports(app)
    assert (verified.channel, verified.operator, verified.verified, verified.relation) == (
        "team", "to-hac", True, None)

    # without a phone: added by the member, reported for under their account
    chrome.find_element(By.ID, "add-resident").click()
    wait_for(chrome, "#name").send_keys("Lê Thị Cúc")
    chrome.find_element(By.ID, "birth_year").send_keys("1948")
    chrome.find_element(By.ID, "address").send_keys("Xóm 3, thôn Đông")
    chrome.execute_script("document.getElementById('end').value = arguments[0]",
                          days(13).isoformat())
    assert Select(chrome.find_element(By.ID, "manager")).first_selected_option.text == "mgr-hac"
    chrome.find_element(By.ID, "add").click()
    row = wait_for(chrome, "#residents")
    assert "Lê Thị Cúc (1948)" in row.text and "Không có điện thoại" in row.text
    chrome.find_element(By.XPATH, "//tr[contains(., 'Lê Thị Cúc')]//a[contains(@class,"
                                  " 'report-for')]").click()
    assert "chưa xác minh" in wait_for(chrome, "#unverified").text
    chrome.find_element(By.CSS_SELECTOR, "input[name=symptoms][value='0']").click()
    chrome.find_element(By.CSS_SELECTOR, "input[name=relation][value='neighbour']").click()
    chrome.find_element(By.ID, "submit-report").click()
    said(chrome, "Đã ghi báo cáo hôm nay của Lê Thị Cúc")
    page = chrome.find_element(By.ID, "residents").text
    assert "Tổ báo hộ: to-hac (hàng xóm), chưa xác minh" in page
    assert "Tổ báo hộ: to-hac, đã xác minh mã" in page
    shot(chrome, "32-team-reported")
    _, unverified = reports(app)
    assert (unverified.relation, unverified.verified) == ("neighbour", False)
    sign_out(chrome)

    sign_in(chrome, served, "mgr-hac")
    roster = wait_for(chrome, "#roster").text
    assert "Tổ báo hộ: to-hac (hàng xóm), chưa xác minh" in roster
    assert "Không có điện thoại" in roster
    shot(chrome, "33-team-manager-roster")
    sign_out(chrome)

    sign_in(chrome, served, "mgr-hn")
    roster = wait_for(chrome, "main").text
    assert "Đỗ Văn Hà" in roster
    assert "Lê Thị Cúc" not in roster and "Trần Văn Bình" not in roster


def test_a_team_member_adds_residents_to_the_isolation_area(app, served,
                                                            chrome, inbox):
    from gateway.quarantine import isolation
    from gateway.store import users
    make_user(app, "mgr-hac", "manager", phone=MANAGER_PHONE, area=WARD)
    make_user(app, "bs-th", "health_officer", area=Area(38))
    make_user(app, "to-hac", "community_team", area=WARD)
    with transaction(runtimes.of(app).sessions) as session:
        area = isolation.declare(session, province_code=38, ward_code=14797, street="",
                                 start=days(0), end=days(9),
                                 manager=users.by_username(session, "bs-th"),
                                 declared_by=None, officer_area=Area(38), channel="hotline",
                                 operator="bs-th", day=days(0))
        code, area_id = area.code, area.id

    sign_in(chrome, served, "to-hac")
    wait_for(chrome, "#add-resident").click()
    # with a phone: the ward's one isolation area is chosen already
    assert Select(wait_for(chrome, "#area")).first_selected_option.text.startswith(code)
    chrome.find_element(By.ID, "name").send_keys("Vũ Thị Hoa")
    chrome.find_element(By.ID, "phone").send_keys("0912 000 666")
    shot(chrome, "34-team-add-with-phone")
    chrome.find_element(By.ID, "add").click()
    said(chrome, f"Vũ Thị Hoa đã vào khu vực cách ly {code}")
    row = chrome.find_element(By.ID, "residents").text
    assert "Vũ Thị Hoa" in row and "+849*****666" in row
    inbox.deliver()
    [welcome] = [m["body"] for m in inbox.messages("+84912000666")]
    assert welcome.startswith(f"Khu vuc cua ban (ma {code}) cach ly")

    # without a phone, in the same area: no dates nor manager to give
    chrome.find_element(By.ID, "add-resident").click()
    wait_for(chrome, "#name").send_keys("Lê Thị Cúc")
    chrome.find_element(By.ID, "birth_year").send_keys("1948")
    chrome.find_element(By.ID, "address").send_keys("Xóm 3, thôn Đông")
    chrome.find_element(By.ID, "add").click()
    said(chrome, "Đã thêm Lê Thị Cúc")
    assert "Lê Thị Cúc (1948)" in chrome.find_element(By.ID, "residents").text
    shot(chrome, "35-team-area-residents")
    sign_out(chrome)

    # the area's officer sees both counted on the area's page
    sign_in(chrome, served, "bs-th")
    chrome.get(f"{served}/hotline/areas/{area_id}")
    assert wait_for(chrome, "#residents").text == "2"
