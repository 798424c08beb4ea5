"""In a real headless Chromium: a health officer filters the dashboard by commune,
downloads a table of it as XLSX (read back with openpyxl: the page's numbers for that
commune), then follows the high-risk list to a case's page, which they read without any
button to act. Screenshots go to test-artifacts/hotline/."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from gateway.store.areas import Area
from tests.browser import WAIT_SECONDS, downloaded, shot, wait_for
from tests.hotline.conftest import make_user, sign_in
from tests.hotline.test_dashboard_browser import cells
from tests.hotline.test_exports import xlsx_rows
from tests.store.dashboard_data import QUANG_PHU, TH


def test_an_officer_exports_a_filtered_table_and_opens_a_case(
        app, served, chrome, downloads, locality, call_back_case):
    make_user(app, "officer", "health_officer", area=Area(TH))
    sign_in(chrome, served, "officer")
    Select(wait_for(chrome, "#commune")).select_by_value(str(QUANG_PHU))
    chrome.find_element(By.ID, "apply").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(lambda d: f"commune={QUANG_PHU}" in d.current_url)
    shown = cells(chrome, "table-channel", locality.strftime("%d/%m/%Y"))
    assert shown == ["0", "1", "0", "0", "1"]

    chrome.find_element(By.ID, "export-by-channel-xlsx").click()
    rows = xlsx_rows(downloaded(downloads, ".xlsx").read_bytes())
    assert rows[0] == ("Ngày", "SMS", "USSD", "Tổng đài", "Web", "Tổng")
    assert len(rows) == 15  # the page's fourteen days
    last = rows[-1]
    assert last[0].date() == locality and [str(v) for v in last[1:]] == shown

    chrome.get(f"{served}/hotline/dashboard")
    link = wait_for(chrome, "#table-high-risk a.case-link")
    shot(chrome, "dashboard-case-link")
    link.click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        lambda d: d.current_url.endswith(f"/hotline/cases/{call_back_case}"))
    assert "Lê Thị Cao" in wait_for(chrome, "#case h1").text
    assert "+849*****077" in chrome.find_element(By.ID, "case-phone").text
    assert not chrome.find_elements(By.CSS_SELECTOR, "#close-case, #reopen, textarea")
    shot(chrome, "case-page-officer")
