"""The headless Chromium of the browser tests (Debian's, driven by Selenium): the
`chrome` fixture for the console's tests and the pages checked under the security
policy, its downloads folder (`downloads`), waits, and screenshots into
test-artifacts/hotline/."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "hotline"
WAIT_SECONDS = 15
LAPTOP = (1280, 860)
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync")


@pytest.fixture
def chrome(tmp_path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh profile, a laptop-sized window, and the browser
    console kept (Content-Security-Policy violations land there)."""
    options = webdriver.ChromeOptions()
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_argument("--window-size={},{}".format(*LAPTOP))
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


def click_through(driver, element) -> None:
    """Click `element` and wait until the browser has replaced the page it was on, so
    that the next `wait_for` finds the new page's elements, never the old page's (a
    flash message or a table can be on both)."""
    element.click()
    WebDriverWait(driver, WAIT_SECONDS).until(ready.staleness_of(element))


def wait_for(driver, css: str):
    """The element matching `css` once it is on the page (or a timeout error)."""
    return WebDriverWait(driver, WAIT_SECONDS).until(
        ready.presence_of_element_located((By.CSS_SELECTOR, css)))


@pytest.fixture
def downloads(chrome, tmp_path) -> Path:
    """Where the browser saves downloads."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    chrome.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(folder)})
    return folder


def downloaded(folder: Path, suffix: str) -> Path:
    """The file with `suffix` once the browser has finished saving it."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = [p for p in folder.iterdir() if p.suffix == suffix]
        if found and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file in {list(folder.iterdir())}")


def shot(driver, name: str) -> Path:
    """Save a screenshot of the whole page as test-artifacts/hotline/`name`.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, 600))
    driver.execute_script("window.scrollTo(0, 0)")
    path = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path))
    return path
