"""The simulator page in a real headless Chromium against the demo app served over
HTTP: Enter sends, an empty send does nothing, USSD screens show without their
CON/END prefixes and say when the session ended, and the demo venue's code is shown."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from gateway import runtime as runtimes
from gateway.demo import seed
from gateway.flows.messages import render
from gateway.store.db import transaction
from tests.browser import WAIT_SECONDS, wait_for
from tests.conftest import serve


@pytest.fixture
def served_demo(demo_app) -> Iterator[str]:
    """The seeded demo app over HTTP."""
    with transaction(runtimes.of(demo_app).sessions) as session:
        seed.seed(session)
    yield from serve(demo_app)


def bubbles(driver) -> list[tuple[str, str]]:
    """The phone screen's bubbles: (class, text)."""
    return [(b.get_attribute("class"), b.text)
            for b in driver.find_elements(By.CSS_SELECTOR, "#screen .msg")]


def wait_bubbles(driver, count: int) -> list[tuple[str, str]]:
    """The bubbles once there are at least `count`."""
    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: len(bubbles(d)) >= count)
    return bubbles(driver)


def test_root_opens_the_simulator_with_the_demo_venue(served_demo, chrome, demo_app):
    chrome.get(served_demo + "/")
    venue = wait_for(chrome, "#venue")
    assert chrome.current_url.endswith("/simulator/")
    with runtimes.of(demo_app).sessions() as session:
        code = seed.seed(session).venue_code
    assert f"CI {code}" in venue.text


def test_enter_sends_and_an_empty_send_does_nothing(served_demo, chrome):
    chrome.get(served_demo + "/simulator/")
    box = wait_for(chrome, "#text")
    box.send_keys(Keys.ENTER)
    chrome.find_element(By.ID, "send").click()
    box.send_keys("   " + Keys.ENTER)
    box.clear()
    box.send_keys("HD" + Keys.ENTER)
    shown = wait_bubbles(chrome, 2)
    assert shown[0] == ("msg in", "HD")
    assert shown[1][0] == "msg out" and shown[1][1] == render("help", "vi").strip()
    assert len(bubbles(chrome)) == 2  # the empty sends made no bubble


def test_ussd_screens_show_without_con_end_and_the_end_is_said(served_demo, chrome):
    chrome.get(served_demo + "/simulator/")
    box = wait_for(chrome, "#text")
    chrome.find_element(By.ID, "dial").click()
    shown = wait_bubbles(chrome, 2)
    assert shown[1] == ("msg out", render("ussd.menu", "vi").strip())
    box.send_keys("5" + Keys.ENTER)
    shown = wait_bubbles(chrome, 4)
    assert shown[3] == ("msg out", render("language.ask", "vi").strip())
    box.send_keys("2" + Keys.ENTER)
    shown = wait_bubbles(chrome, 7)
    assert shown[5] == ("msg out", render("language.set", "en").strip())
    assert shown[6] == ("msg note", "(USSD session ended)")
    assert not any(text.startswith(("CON ", "END ")) for _, text in shown)
    assert not chrome.find_element(By.ID, "reply").is_enabled()
