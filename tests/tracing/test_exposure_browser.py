"""Exposure notification in a real headless Chromium: a health officer opens Tracing
from the menu, marks a case, reviews the exposed phones (masked), confirms, and the
phone is texted once. Screenshots go to test-artifacts/hotline/."""

from __future__ import annotations

from datetime import timedelta

from selenium.webdriver.common.by import By

from gateway import runtime as runtimes
from gateway.store.areas import Area
from tests.browser import click_through, shot, wait_for
from tests.hotline.conftest import make_user, sign_in
from tests.tracing.conftest import CASE, HN, START, place, visit

NEAR = "+84987000001"


def local(moment) -> str:
    return moment.astimezone(runtimes.current().config.tz).strftime("%Y-%m-%dT%H:%M")


def test_an_officer_marks_and_confirms_in_the_browser(app, served, chrome, inbox):
    market = place(app, "Chợ Đồng Xuân")
    visit(app, market, CASE, START, 90)
    visit(app, market, NEAR, START + timedelta(minutes=20), 40)
    make_user(app, "officer_hn", "health_officer", area=Area(HN))
    sign_in(chrome, served, "officer_hn")
    chrome.find_element(By.CSS_SELECTOR, 'nav.menu a[href="/hotline/exposures"]').click()
    wait_for(chrome, "#phone").send_keys("0912 345 678")
    for name, moment in (("from", START - timedelta(hours=2)),
                         ("to", START + timedelta(hours=2))):
        chrome.execute_script("arguments[0].value = arguments[1]",
                              chrome.find_element(By.ID, name), local(moment))
    click_through(chrome, chrome.find_element(By.ID, "mark"))
    rows = wait_for(chrome, "#exposed tbody").find_elements(By.TAG_NAME, "tr")
    assert len(rows) == 1
    cells = [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")]
    assert cells[0] == "+849*****001" and cells[1] == "Chợ Đồng Xuân"
    assert cells[3] == "Chưa"
    assert "+84912345678" not in chrome.page_source
    shot(chrome, "30-exposure-review")
    click_through(chrome, chrome.find_element(By.ID, "confirm-notify"))
    flash = wait_for(chrome, ".flash").text
    assert "Đã gửi 1 tin nhắn." in flash
    assert chrome.find_elements(By.ID, "confirm-notify") == []
    shot(chrome, "31-exposure-notified")
    [sms] = inbox.messages(NEAR)
    assert "Cho Dong Xuan" in sms["body"]
