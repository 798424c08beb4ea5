"""The language switch in a real headless Chromium on the roster and a case's page:
each switch keeps the page and turns every heading, count and symptom to the other
language (the dashboard's switch is in test_dashboard_browser.py). Screenshots go to
test-artifacts/hotline/."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from gateway import runtime as runtimes
from gateway.quarantine.enrol import enrol
from gateway.store.db import transaction
from tests.browser import WAIT_SECONDS, click_through, shot, wait_for
from tests.hotline.conftest import CALLER, MANAGER_PHONE, days, make_user, sign_in
from tests.hotline.test_case_page import report


def switch(driver, language: str, marker: str) -> None:
    """Press the header's language button and wait for the page to come back in it."""
    click_through(driver, driver.find_element(
        By.CSS_SELECTOR, f'button[name="lang"][value="{language}"]'))
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
        and marker in d.find_element(By.TAG_NAME, "body").text)


def headings(driver, table: str) -> list[str]:
    return [th.text for th in driver.find_elements(By.CSS_SELECTOR, f"#{table} thead th")]


def test_the_roster_and_a_case_switch_languages(app, served, chrome):
    make_user(app, "mgr1", "manager", phone=MANAGER_PHONE)
    with transaction(runtimes.of(app).sessions) as session:
        case_id = enrol(session, phone=CALLER, name="Trần Thị Bình", manager="mgr1",
                        start=days(-2), end=days(9)).id
    report(app, case_id, days(-2), temperature=37.0)
    report(app, case_id, days(0), symptoms=(3, 6), temperature=38.6)
    sign_in(chrome, served, "mgr1")
    wait_for(chrome, "#roster")
    assert headings(chrome, "roster")[:3] == ["Họ tên", "Số điện thoại", "Loại"]
    row = chrome.find_element(By.CSS_SELECTOR, "#roster tbody tr").text
    assert "Tại nhà" in row and "Khó thở, Mất vị giác/khứu giác, 38.6 °C" in row

    switch(chrome, "en", "Quarantine roster")
    assert chrome.current_url.endswith("/hotline/roster")  # the same page, in English
    assert headings(chrome, "roster")[:3] == ["Name", "Phone", "Kind"]
    row = chrome.find_element(By.CSS_SELECTOR, "#roster tbody tr").text
    assert "Home" in row and "Shortness of breath, Loss of taste or smell, 38.6 °C" in row
    shot(chrome, "20-roster-en")

    chrome.find_element(By.CSS_SELECTOR, "#roster a.case-link").click()
    wait_for(chrome, "svg#temperature-chart")
    assert chrome.find_element(By.ID, "missed-total").text == "1 of 3 days missed"
    grid = chrome.find_element(By.ID, "symptom-grid").text
    assert "Shortness of breath" in grid and "Chest pain" in grid and "Khó thở" not in grid
    shot(chrome, "21-case-en")

    switch(chrome, "vi", "Hồ sơ cách ly")
    assert chrome.current_url.endswith(f"/hotline/cases/{case_id}")
    assert chrome.find_element(By.ID, "missed-total").text == "1/3 ngày chưa báo cáo"
    grid = chrome.find_element(By.ID, "symptom-grid").text
    assert "Khó thở" in grid and "Đau ngực" in grid and "Shortness" not in grid
    errors = [e["message"] for e in chrome.get_log("browser")
              if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    assert errors == []
