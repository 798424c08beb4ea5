"""A case's page in a real headless Chromium: from the roster to the case, its chart
(an SVG whose points are the reported temperatures) with the table beside it, missed
days shown, an alert cleared with a note (who and when shown), closing after the
confirmation page and reopening. Screenshots go to test-artifacts/hotline/."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.quarantine.enrol import enrol
from gateway.store.db import transaction
from gateway.store.models import Alert, QuarantineCase
from tests.browser import WAIT_SECONDS, shot, wait_for
from tests.hotline.conftest import CALLER, MANAGER_PHONE, days, make_user, sign_in
from tests.hotline.test_case_page import report


def stored(app, model):
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def test_a_manager_follows_a_case_clears_its_alert_closes_and_reopens_it(app, served,
                                                                       chrome):
    make_user(app, "mgr1", "manager", phone=MANAGER_PHONE)
    with transaction(runtimes.of(app).sessions) as session:
        case_id = enrol(session, phone=CALLER, name="Trần Thị Bình", manager="mgr1",
                        start=days(-4), end=days(9)).id
    report(app, case_id, days(-4), temperature=37.0)
    report(app, case_id, days(-3), symptoms=(1,), temperature=38.4)
    report(app, case_id, days(-1), symptoms=(1, 3), temperature=39.2, danger=True)
    sign_in(chrome, served, "mgr1")
    wait_for(chrome, "#roster a.case-link").click()

    chart = wait_for(chrome, "svg#temperature-chart")
    points = chart.find_elements(By.CSS_SELECTOR, "circle.point")
    assert [(p.get_attribute("data-day"), p.get_attribute("data-temperature"))
            for p in points] == [(days(-4).isoformat(), "37.0"), (days(-3).isoformat(), "38.4"),
                                 (days(-1).isoformat(), "39.2")]
    assert "danger" in points[-1].get_attribute("class")
    ys = [float(p.get_attribute("cy")) for p in points]
    assert ys[0] > ys[1] > ys[2]  # hotter, higher
    table = chrome.find_element(By.ID, "temperature-table").text
    assert "39.2" in table and table.count("Không báo cáo") == 2  # days -2 and today
    missed = chrome.find_elements(By.CSS_SELECTOR, "ol.timeline li.missed")
    assert sorted(li.get_attribute("data-day") for li in missed) == [
        days(-2).isoformat(), days(0).isoformat()]
    assert "2/5 ngày chưa báo cáo" in chrome.find_element(By.ID, "missed-total").text
    assert "+849*****678" in chrome.find_element(By.ID, "case-phone").text
    shot(chrome, "10-case-page")

    [alert] = stored(app, Alert)
    chrome.find_element(By.CSS_SELECTOR, f"#alert-{alert.id} button").click()
    # An empty note: the browser's own `required` check stops the form, nothing is sent.
    assert stored(app, Alert)[0].cleared_at is None
    chrome.find_element(By.ID, f"note-{alert.id}").send_keys("Đã gọi 115, chuyển viện")
    chrome.find_element(By.CSS_SELECTOR, f"#alert-{alert.id} button").click()
    cleared = wait_for(chrome, f"#alert-{alert.id} .cleared-by").text
    assert cleared.startswith("mgr1 xử lý lúc")
    assert chrome.find_element(By.CSS_SELECTOR, f"#alert-{alert.id} .note").text == (
        "Đã gọi 115, chuyển viện")
    assert "Đã xử lý cảnh báo." in chrome.find_element(By.CSS_SELECTOR, ".flash").text
    shot(chrome, "11-case-alert-cleared")

    chrome.find_element(By.ID, "close-case").click()
    wait_for(chrome, "#close-confirm")
    assert stored(app, QuarantineCase)[0].status == "active"  # only asked so far
    chrome.find_element(By.ID, "cancel-close").click()
    wait_for(chrome, "#close-case").click()
    wait_for(chrome, "#confirm-close").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "case-status"), "Đã kết thúc"))
    assert stored(app, QuarantineCase)[0].status == "closed"
    shot(chrome, "12-case-closed")

    chrome.find_element(By.ID, "reopen").click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "case-status"), "Đang cách ly"))
    assert stored(app, QuarantineCase)[0].status == "active"
    refused = [e["message"] for e in chrome.get_log("browser")
               if "Content Security Policy" in e["message"]]
    assert refused == []  # the chart needs no inline style or script
