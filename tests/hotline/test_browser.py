"""The console in a real headless Chromium (Debian's, driven by Selenium) against the
app served by a real WSGI server on 127.0.0.1: an operator's whole call with the OTP
read from the Twilio stand-in, a venue staff check-in and a manager's roster.
Screenshots go to test-artifacts/hotline/."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.quarantine.enrol import enrol
from gateway.store import declarations
from gateway.store.db import transaction
from gateway.store.models import Consent, Declaration, Visit
from tests.browser import WAIT_SECONDS, shot, wait_for
from tests.hotline.conftest import CALLER, MANAGER_PHONE, VISITOR, days, make_user, sign_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hotline"
PHONE = (390, 844)


def choose(driver, name: str, value: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]').click()


def test_an_operator_takes_a_call_and_reads_back_the_code(app, served, chrome, inbox):
    make_user(app, "op1", "operator")
    sign_in(chrome, served, "op1")
    shot(chrome, "1-call-start")
    chrome.find_element(By.ID, "phone").send_keys("0912 345 678")
    chrome.find_element(By.ID, "send-code").click()
    wait_for(chrome, "#code").send_keys(inbox.otp(CALLER))
    chrome.find_element(By.ID, "verify").click()
    wait_for(chrome, "#declare").click()
    # The notice is read out first; the caller's answer is required.
    assert "DULIEU" in wait_for(chrome, "#notice").text
    choose(chrome, "consent", "agree")
    wait_for(chrome, "#name").send_keys("Nguyễn Văn An")
    chrome.find_element(By.ID, "birth_year").send_keys("1985")
    choose(chrome, "gender", "1")
    chrome.find_element(By.ID, "id_number").send_keys("0")
    chrome.find_element(By.ID, "insurance").send_keys("0")
    Select(chrome.find_element(By.ID, "province")).select_by_value("1")
    chrome.find_element(By.ID, "commune").send_keys("hoan ki")
    # The type-ahead fills the datalist from the JSON endpoint.
    suggestion = wait_for(chrome, '#commune-list option[value="Phường Hoàn Kiếm"]')
    commune = chrome.find_element(By.ID, "commune")
    commune.clear()
    commune.send_keys(suggestion.get_attribute("value"))
    chrome.find_element(By.ID, "street").send_keys("12 Hàng Bạc")
    choose(chrome, "symptoms", "0")
    choose(chrome, "contact", "2")
    choose(chrome, "travel", "2")
    shot(chrome, "2-declaration-form")
    chrome.find_element(By.ID, "review").click()
    wait_for(chrome, "#submit")
    assert "Phường Hoàn Kiếm" in chrome.page_source
    summary = dict(zip([e.text for e in chrome.find_elements(By.CSS_SELECTOR, ".summary dt")],
                       [e.text for e in chrome.find_elements(By.CSS_SELECTOR, ".summary dd")],
                       strict=True))
    assert summary["Số thẻ BHYT"] == "Không có"  # the skipped '0', read back
    shot(chrome, "3-confirm")
    chrome.find_element(By.ID, "submit").click()
    shown = wait_for(chrome, "#declaration-code").text
    shot(chrome, "4-declaration-code")
    with runtimes.of(app).sessions() as session:
        record = session.scalar(select(Declaration))
    assert shown == record.code and (record.channel, record.operator) == ("hotline", "op1")
    with runtimes.of(app).sessions() as session:
        consent = session.get(Consent, record.consent_id)
    assert (consent.answer, consent.channel, consent.operator) == ("agree", "hotline", "op1")
    assert record.code in inbox.messages(CALLER)[-1]["body"]


def test_a_form_error_in_the_browser_keeps_the_answers(app, served, chrome, inbox):
    make_user(app, "op1", "operator")
    sign_in(chrome, served, "op1")
    chrome.find_element(By.ID, "phone").send_keys(CALLER)
    chrome.find_element(By.ID, "send-code").click()
    wait_for(chrome, "#code").send_keys(inbox.otp(CALLER))
    chrome.find_element(By.ID, "verify").click()
    wait_for(chrome, "#declare").click()
    wait_for(chrome, "#name").send_keys("Trần Bình")
    chrome.find_element(By.ID, "birth_year").send_keys("85")
    chrome.find_element(By.ID, "review").click()
    wait_for(chrome, "#birth_year-error")
    assert chrome.find_element(By.ID, "name").get_attribute("value") == "Trần Bình"
    assert "Năm sinh gồm 4 chữ số" in chrome.find_element(By.ID, "birth_year-error").text
    shot(chrome, "5-form-errors")


def test_venue_staff_check_a_visitor_in(app, served, chrome, inbox, market):
    with transaction(runtimes.of(app).sessions) as session:
        declarations.create(
            session, valid_hours=24, declarer_phone=VISITOR, subject_phone=VISITOR,
            full_name="Lê Thị Hoa", birth_year=1990, gender="female", province_code=1,
            province_name="Thành phố Hà Nội", ward_code=1, ward_name="Phường Ba Đình",
            street="1 Hùng Vương", symptoms=[], contact=False, travel=False, risk="low",
            channel="sms", verification="otp", form_version="moh-2025.1")
    make_user(app, "staff1", "venue_staff", venue_codes=(market["code"],))
    sign_in(chrome, served, "staff1")
    chrome.find_element(By.ID, "phone").send_keys("0987 654 321")
    chrome.find_element(By.ID, "send-code").click()
    code_page = wait_for(chrome, "#code")
    buttons = [b.text for b in chrome.find_elements(By.CSS_SELECTOR, "button")]
    assert "Xong" in buttons and "Kết thúc cuộc gọi" not in buttons
    assert "Nhập mã khách đọc" in chrome.find_element(By.TAG_NAME, "h1").text
    code_page.send_keys(inbox.otp(VISITOR))
    chrome.find_element(By.ID, "verify").click()
    flash = wait_for(chrome, "p.flash.success")
    assert "Chợ Bến Thành" in flash.text
    assert "Lê Thị Hoa (+849*****321)" in flash.text  # the visitor, named
    shot(chrome, "6-staff-checked-in")
    chrome.get(f"{served}/hotline/staff/visitors")
    assert "Lê Thị Hoa" in wait_for(chrome, "#visitors").text
    shot(chrome, "7-staff-visitors")
    with runtimes.of(app).sessions() as session:
        visit = session.scalar(select(Visit))
    assert (visit.phone, visit.operator) == (VISITOR, "staff1")


def test_a_manager_sees_their_roster_on_a_phone(app, served, chrome):
    make_user(app, "mgr1", "manager", phone=MANAGER_PHONE)
    for phone, name in ((CALLER, "Trần Thị Bình"), (VISITOR, "Phạm Văn Cường")):
        with transaction(runtimes.of(app).sessions) as session:
            enrol(session, phone=phone, name=name, manager="mgr1", start=days(-1),
                  end=days(12))
    chrome.set_window_size(*PHONE)
    sign_in(chrome, served, "mgr1")
    roster = wait_for(chrome, "#roster").text
    assert "Trần Thị Bình" in roster and "Phạm Văn Cường" in roster
    shot(chrome, "8-manager-roster-phone")
    chrome.find_element(By.CSS_SELECTOR, 'button[value="en"]').click()
    assert WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Quarantine roster"))
    shot(chrome, "9-manager-roster-english")


def test_each_password_box_of_the_users_page_is_labelled(app, served, chrome):
    make_user(app, "adm1", "admin")
    make_user(app, "op9", "operator")
    sign_in(chrome, served, "adm1")
    chrome.get(f"{served}/hotline/admin/users")
    boxes = wait_for(chrome, "#users") and chrome.find_elements(
        By.CSS_SELECTOR, '#users input[type="password"]')
    assert len(boxes) == 2
    for box in boxes:
        [label] = chrome.find_elements(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]')
        assert label.is_displayed() and label.text == "Mật khẩu mới"
        label.click()  # a real label: clicking it focuses its box
        assert chrome.switch_to.active_element == box


def test_the_enrol_date_hint_fits_the_date_picker(app, served, chrome):
    make_user(app, "mgr1", "manager", phone=MANAGER_PHONE)
    sign_in(chrome, served, "mgr1")
    chrome.get(f"{served}/hotline/roster/enrol")
    end = wait_for(chrome, "#end")
    assert end.get_attribute("type") == "date"  # Chromium shows its own date picker
    chrome.find_element(By.ID, "phone").send_keys("0912 345 678")
    chrome.find_element(By.ID, "name").send_keys("Trần Thị Bình")
    chrome.find_element(By.CSS_SELECTOR, 'button[type="submit"].primary').click()
    problem = wait_for(chrome, "#end-error")  # the last day left empty
    # The hint names no typed format (the picker's own depends on the browser's locale).
    assert problem.text == "Chọn một ngày trên lịch."


def test_a_non_reporter_shows_the_days_missed_with_their_unit(app, served, chrome):
    make_user(app, "mgr1", "manager", phone=MANAGER_PHONE)
    with transaction(runtimes.of(app).sessions) as session:
        enrol(session, phone=CALLER, name="Trần Thị Bình", manager="mgr1", start=days(0),
              end=days(12))
    sign_in(chrome, served, "mgr1")
    chrome.get(f"{served}/hotline/roster/digest")
    missing = wait_for(chrome, "ul.people li").text
    assert missing.endswith("· 1 ngày chưa báo cáo")
    chrome.find_element(By.CSS_SELECTOR, 'button[value="en"]').click()
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.people li"), "1 day missed"))
