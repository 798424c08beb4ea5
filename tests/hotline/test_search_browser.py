"""In a real headless Chromium: a manager types a name without diacritics into the
roster's search box and finds the case written with them; the term stays out of the
address bar; the English console finds the same. Screenshots go to
test-artifacts/hotline/."""

from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import WAIT_SECONDS, click_through, shot, wait_for
from tests.hotline.conftest import make_user, sign_in
from tests.hotline.test_exports import add_cases


def search(chrome, term: str) -> None:
    box = wait_for(chrome, "#q")
    box.clear()
    box.send_keys(term)
    chrome.find_element(By.ID, "search").click()


def test_a_manager_finds_a_name_typed_without_diacritics(app, served, chrome):
    manager_id = make_user(app, "mgr1", "manager")
    add_cases(app, manager_id, ["Nguyễn Văn An", "Đặng Thị Đào", "Trần Thị Bình"])
    sign_in(chrome, served, "mgr1")
    wait_for(chrome, "#roster")
    search(chrome, "nguyen van a")
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "rows"), "Dòng 1–1 trên tổng số 1"))
    roster = chrome.find_element(By.ID, "roster").text
    assert "Nguyễn Văn An" in roster and "Trần Thị Bình" not in roster
    address = urlsplit(chrome.current_url)
    assert (address.path, address.query) == ("/hotline/roster/search", "")
    shot(chrome, "roster-search-folded")

    english = chrome.find_element(By.CSS_SELECTOR, 'button[name="lang"][value="en"]')
    click_through(chrome, english)
    chrome.get(f"{served}/hotline/roster")
    wait_for(chrome, 'html[lang="en"] #roster')
    search(chrome, "DANG THI DAO")
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "rows"), "Rows 1–1 of 1"))
    assert "Đặng Thị Đào" in chrome.find_element(By.ID, "roster").text
