"""The headless Chromium of the browser tests (Debian's, driven by Selenium): one
fixture for the console's tests and the pages checked under the security policy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

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
