"""Issue 16's pages in English, in a real headless Chromium (the Vietnamese runs are in
test_case_browser.py, test_browser_lists.py and test_dashboard_browser.py): a manager
reads a case's chart in English, clears its alert, closes and reopens the case, then
pages through the roster and downloads it as XLSX with English headings (read back
with openpyxl). Screenshots go to test-artifacts/hotline/."""

from __future__ import annotations

from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from gateway import runtime as runtimes
from gateway.quarantine.enrol import enrol
from gateway.store.db import transaction
from gateway.store.models import Alert
from tests.browser import WAIT_SECONDS, click_through, downloaded, shot, wait_for
from tests.hotline.conftest import CALLER, MANAGER_PHONE, days, make_user, sign_in
from tests.hotline.test_case_browser import stored
from tests.hotline.test_case_page import report
from tests.hotline.test_exports import add_cases


def in_english(chrome) -> None:
    english = wait_for(chrome, 'button[name="lang"][value="en"]')
    click_through(chrome, english)
    wait_for(chrome, 'html[lang="en"]')


def test_a_case_and_the_roster_in_english(app, served, chrome, downloads):
    manager_id = make_user(app, "mgr1", "manager", phone=MANAGER_PHONE)
    with transaction(runtimes.of(app).sessions) as session:
        case_id = enrol(session, phone=CALLER, name="Trần Thị Bình", manager="mgr1",
                        start=days(-2), end=days(9)).id
    report(app, case_id, days(-2), temperature=37.1)
    report(app, case_id, days(-1), symptoms=(3,), temperature=39.3, danger=True)
    add_cases(app, manager_id, [f"Người {i:02d}" for i in range(55)], first_phone=500)
    sign_in(chrome, served, "mgr1")
    in_english(chrome)

    chrome.get(f"{served}/hotline/cases/{case_id}")
    chart = wait_for(chrome, "svg#temperature-chart")
    assert chart.find_element(By.TAG_NAME, "title").get_attribute("textContent") == (
        "Temperature (°C)")
    assert len(chart.find_elements(By.CSS_SELECTOR, "circle.point")) == 2
    assert chrome.find_element(By.ID, "temperature-table").text.count("Missed") == 1  # today
    [alert] = stored(app, Alert)
    chrome.find_element(By.ID, f"note-{alert.id}").send_keys("Called, taken to hospital")
    button = chrome.find_element(By.CSS_SELECTOR, f"#alert-{alert.id} button")
    assert button.text == "Clear the alert"
    button.click()
    assert wait_for(chrome, f"#alert-{alert.id} .cleared-by").text.startswith(
        "cleared by mgr1 at")
    shot(chrome, "case-page-en")
    wait_for(chrome, "#close-case").click()
    wait_for(chrome, "#confirm-close").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "case-status"), "Closed"))
    assert chrome.find_element(By.ID, "reopen").text == "Reopen the case"
    chrome.find_element(By.ID, "reopen").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "case-status"), "Active"))

    chrome.get(f"{served}/hotline/roster")
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "rows"), "Rows 1–50 of 56"))
    chrome.find_element(By.ID, "next").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "rows"), "Rows 51–56 of 56"))
    chrome.find_element(By.ID, "export-xlsx").click()
    sheet = load_workbook(downloaded(downloads, ".xlsx")).active
    rows = [tuple(c.value for c in row) for row in sheet.rows]
    assert rows[0][:3] == ("Name", "Phone", "Kind") and len(rows) == 57
    assert "Trần Thị Bình" in [r[0] for r in rows[1:]]
