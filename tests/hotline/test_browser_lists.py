"""Search, paging and exports in a real headless Chromium: an administrator pages
through the venues, searches them (the term never reaches the address bar) and
downloads the result as XLSX, read back with openpyxl; a manager's long export shows
its progress, polled by the page's script, until its link appears, and the CSV
downloaded holds the whole roster."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from hotline import exports
from tests.browser import WAIT_SECONDS, downloaded, shot, wait_for
from tests.hotline.conftest import make_user, sign_in
from tests.hotline.test_exports import add_cases, run_worker
from tests.hotline.test_lists import add_venues


def rows_text(chrome, expected: str) -> None:
    WebDriverWait(chrome, WAIT_SECONDS).until(
        ready.text_to_be_present_in_element((By.ID, "rows"), expected))


def test_an_admin_pages_searches_and_downloads_the_venues(app, served, chrome, downloads):
    codes = add_venues(app, 60)
    make_user(app, "adm1", "admin")
    sign_in(chrome, served, "adm1")
    chrome.get(f"{served}/hotline/admin/venues")
    rows_text(chrome, "Dòng 1–50 trên tổng số 60")
    chrome.find_element(By.ID, "next").click()
    rows_text(chrome, "Dòng 51–60 trên tổng số 60")
    assert codes[0] in chrome.find_element(By.ID, "venues").text
    wait_for(chrome, "#q").send_keys("chợ 01")
    chrome.find_element(By.ID, "search").click()
    rows_text(chrome, "Dòng 1–10 trên tổng số 10")
    shot(chrome, "20-venues-searched")
    address = urlsplit(chrome.current_url)
    assert (address.path, address.query) == ("/hotline/admin/venues/search", "")
    chrome.find_element(By.ID, "export-xlsx").click()
    sheet = load_workbook(downloaded(downloads, ".xlsx")).active
    rows = [tuple(c.value for c in row) for row in sheet.rows]
    assert rows[0][:2] == ("Mã", "Tên địa điểm")
    assert sorted(r[1] for r in rows[1:]) == [f"Chợ {i:03d}" for i in range(10, 20)]


def test_a_long_export_shows_its_progress_then_its_link(app, served, chrome, downloads,
                                                        monkeypatch):
    monkeypatch.setattr(exports, "DIRECT_MAX_ROWS", 5)
    manager_id = make_user(app, "mgr1", "manager")
    add_cases(app, manager_id, [f"Người {i:02d}" for i in range(12)])
    sign_in(chrome, served, "mgr1")
    wait_for(chrome, "#export-csv").click()
    assert wait_for(chrome, "#progress").get_attribute("value") == "0"
    shot(chrome, "21-export-queued")
    run_worker(app)  # the page's script polls the status and shows the link
    wait_for(chrome, "#download").click()
    shot(chrome, "22-export-ready")
    body = downloaded(downloads, ".csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert len(rows) == 13 and sorted(r[0] for r in rows[1:]) == [
        f"Người {i:02d}" for i in range(12)]


def test_the_roster_prints_without_the_console_around_it(app, served, chrome):
    manager_id = make_user(app, "mgr1", "manager")
    add_cases(app, manager_id, [f"Người {i:02d}" for i in range(60)])
    sign_in(chrome, served, "mgr1")
    wait_for(chrome, "#print-view").click()
    table = wait_for(chrome, "#roster-print")
    assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 60
    assert chrome.find_element(By.ID, "print").is_displayed()
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not chrome.find_element(By.CSS_SELECTOR, "header.top").is_displayed()
    assert not chrome.find_element(By.ID, "print").is_displayed()
    assert table.is_displayed()
    shot(chrome, "23-roster-print")
