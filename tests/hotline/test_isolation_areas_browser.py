"""Isolation areas in a real headless Chromium: a health officer opens the page from
the menu, picks the commune from the suggestions, declares an area, reads its code,
then lifts it after ticking the confirmation — with no Content-Security-Policy
violation or script error. Screenshots go to test-artifacts/hotline/."""

from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from gateway.store.areas import Area
from tests.browser import WAIT_SECONDS, shot, wait_for
from tests.hotline.conftest import days, make_user, sign_in


def test_an_officer_declares_and_lifts_an_area(app, served, chrome):
    make_user(app, "officer", "health_officer", area=Area(38))
    sign_in(chrome, served, "officer")
    chrome.find_element(By.LINK_TEXT, "Khu vực cách ly").click()
    ward = wait_for(chrome, "#ward")
    ward.send_keys("Hạc Thành")
    WebDriverWait(chrome, WAIT_SECONDS).until(  # the suggestions came from the server
        lambda d: d.find_elements(By.CSS_SELECTOR, '#ward-list option[value="Phường Hạc Thành"]'))
    ward.clear()
    ward.send_keys("Phường Hạc Thành")
    chrome.find_element(By.ID, "street").send_keys("Thôn Đông")
    chrome.execute_script("document.getElementById('start').value = arguments[0];"
                          "document.getElementById('end').value = arguments[1];",
                          days(0).isoformat(), days(10).isoformat())
    chrome.find_element(By.ID, "declare").click()
    code = wait_for(chrome, "#area-code").text
    assert len(code) == 7 and f"KV {code}" in chrome.page_source
    assert chrome.find_element(By.ID, "area-status").text == "Đang cách ly"
    shot(chrome, "isolation-area")

    chrome.find_element(By.ID, "confirm-lift").click()
    chrome.find_element(By.ID, "lift").click()
    # The old page's status goes stale while the new one loads: read it again until then.
    WebDriverWait(chrome, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,)
                  ).until(lambda d: d.find_element(By.ID, "area-status").text == "Đã dỡ bỏ")
    chrome.find_element(By.LINK_TEXT, "Khu vực cách ly").click()
    row = wait_for(chrome, f'tr[data-code="{code}"]')
    assert "Thôn Đông, Phường Hạc Thành, Thanh Hóa" in row.text and "Đã dỡ bỏ" in row.text
    errors = [e["message"] for e in chrome.get_log("browser")
              if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    assert errors == []
