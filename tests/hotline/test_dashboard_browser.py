"""The dashboard in a real headless Chromium: a health officer lands on it, sees the
charts drawn (inline SVG under the Content-Security-Policy, no console error), filters
by commune and by dates, and reads it in English. Screenshots go to
test-artifacts/hotline/."""

from __future__ import annotations

from datetime import timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from gateway.store.areas import Area
from tests.browser import WAIT_SECONDS, shot, wait_for
from tests.hotline.conftest import make_user, sign_in
from tests.store.dashboard_data import QUANG_PHU, TH


def cells(driver, table: str, row: str) -> list[str]:
    """The cells of the row headed `row` in table `table`."""
    line = driver.find_element(By.XPATH, f'//table[@id="{table}"]//tr[th[normalize-space()='
                                         f'"{row}"]]')
    return [cell.text for cell in line.find_elements(By.TAG_NAME, "td")]


def test_a_health_officer_filters_the_dashboard(app, served, chrome, locality):
    make_user(app, "officer", "health_officer", area=Area(TH))
    sign_in(chrome, served, "officer")
    assert chrome.current_url.endswith("/hotline/dashboard")
    day = locality.strftime("%d/%m/%Y")
    for chart in ("chart-channel", "chart-risk", "chart-checkins", "chart-compliance"):
        drawn = wait_for(chrome, f"svg#{chart}")
        assert drawn.size["width"] > 300 and drawn.size["height"] > 100, chart
        assert drawn.find_elements(By.TAG_NAME, "rect"), chart
    assert cells(chrome, "table-channel", day) == ["1", "1", "0", "0", "2"]
    assert "Lê Thị Cao" in chrome.find_element(By.ID, "table-high-risk").text
    shot(chrome, "dashboard-officer")

    Select(chrome.find_element(By.ID, "commune")).select_by_value(str(QUANG_PHU))
    chrome.find_element(By.ID, "apply").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(lambda d: f"commune={QUANG_PHU}" in d.current_url)
    assert cells(chrome, "table-channel", day) == ["0", "1", "0", "0", "1"]
    assert not chrome.find_elements(By.ID, "table-high-risk")  # none high risk there
    assert Select(chrome.find_element(By.ID, "commune")).first_selected_option.text == (
        "Phường Quảng Phú")

    earlier = locality - timedelta(days=3)
    chrome.execute_script("document.getElementById('from').value = arguments[0];"
                          "document.getElementById('to').value = arguments[0];",
                          earlier.isoformat())
    chrome.find_element(By.ID, "apply").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(lambda d: f"to={earlier.isoformat()}"
                                              in d.current_url)
    assert cells(chrome, "table-channel", earlier.strftime("%d/%m/%Y")) == ["0"] * 5

    chrome.find_element(By.CSS_SELECTOR, 'button[name="lang"][value="en"]').click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        lambda d: "Declarations per day by channel" in d.page_source)
    chrome.get(f"{served}/hotline/dashboard")
    assert cells(chrome, "table-compliance", "Alerts open") == ["1"]
    assert chrome.find_element(By.CSS_SELECTOR, "label[for=commune]").text == "Commune/ward"
    shot(chrome, "dashboard-officer-en")
    # No Content-Security-Policy violation nor script error (the app has no favicon).
    errors = [e["message"] for e in chrome.get_log("browser")
              if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    assert errors == []
