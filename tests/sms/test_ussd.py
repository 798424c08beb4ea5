"""POST /ussd in the Africa's Talking convention: the cumulative `text`, the main
menu and `00`, paging of long screens with `99`/`0`, retried requests, sessions,
and what is refused and why."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from gateway import flows
from gateway import runtime as runtimes
from gateway.dialogue import screens
from gateway.flows import menu
from gateway.flows.engine import Ask, End, Flow
from gateway.flows.messages import Template, render
from gateway.flows.parsers import Choice, Invalid
from gateway.store.models import InboundMessage
from gateway.store.models import Phone as PhoneRow
from gateway.text import USSD_MAX_CHARS
from tests.conftest import Phone

NUMBER = "+84912345678"
GOOD = {"sessionId": "ATs1", "serviceCode": "*1022#", "phoneNumber": NUMBER,
        "networkCode": "45204", "text": ""}
PLACES = ["Ha Noi", "Ho Chi Minh", "Hai Phong", "Da Nang", "Can Tho", "Hue", "Quang Ninh",
          "Thanh Hoa", "Nghe An", "Ha Tinh", "Quang Tri", "Quang Ngai", "Gia Lai", "Dak Lak",
          "Khanh Hoa", "Lam Dong", "Dong Nai", "Tay Ninh", "Vinh Long", "Dong Thap"]
LONG_PROMPT = "Chon tinh/thanh pho noi ban dang o:\n" + "\n".join(
    f"{i} {name}" for i, name in enumerate(PLACES, 1))
LONG_END = " ".join(["Cam on ban da khai bao. Ket qua se duoc gui bang tin nhan."] * 4)
FLOW = Flow(name="test_ussd_long", start="place", nodes={
    "place": Ask("test.ussd.place", Choice({str(i): name for i, name in enumerate(PLACES, 1)}),
                 next={name: ("long_end" if i == 2 else "done")
                       for i, name in enumerate(PLACES, 1)}),
    "done": End("test.ussd.done"),
    "long_end": End("test.ussd.long_end"),
})
TEMPLATES = {"test.ussd.place": Template(LONG_PROMPT, LONG_PROMPT, budget=400),
             "test.ussd.done": Template("Da chon {place}.", "Chose {place}."),
             "test.ussd.long_end": Template(LONG_END, LONG_END, budget=400)}


@pytest.fixture
def long_screens(install_flow) -> None:
    """Menu entry 1 opens a flow whose question and one ending need several pages."""
    assert len(LONG_PROMPT) > 178 and len(LONG_END) > 178
    install_flow(FLOW, "declare", TEMPLATES)


def post(client, text: str, session: str = "ATs1", number: str = NUMBER) -> str:
    """One USSD request; checks the answer's shape and returns it."""
    response = client.post("/ussd", data={**GOOD, "sessionId": session, "phoneNumber": number,
                                          "text": text})
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert body.startswith(("CON ", "END ")), body
    assert len(body) <= USSD_MAX_CHARS, body
    return body


def refused(flow: Flow, node: str, text: str) -> str:
    """The reason the question `node` of `flow` gives for refusing `text`."""
    invalid = flow.nodes[node].parse(text)
    assert isinstance(invalid, Invalid)
    return render(invalid.reason, "vi", invalid.vars)


def con(key: str, language: str = "vi", **variables) -> str:
    """A screen that expects more input."""
    return "CON " + render(key, language, variables)


def end(key: str, language: str = "vi", **variables) -> str:
    """A screen that ends the session."""
    return "END " + render(key, language, variables)


def inbound_count(app) -> int:
    """Logged inbound requests."""
    with runtimes.of(app).sessions() as session:
        return len(session.scalars(select(InboundMessage.id)).all())


def test_first_request_shows_the_main_menu(client):
    assert post(client, "") == con("ussd.menu")


def test_cumulative_text_is_sliced_to_the_new_input(client, app):
    assert post(client, "") == con("ussd.menu")
    assert post(client, "5") == con("language.ask")
    assert post(client, "5*2") == end("language.set", "en")
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(PhoneRow.language).where(PhoneRow.number == NUMBER)) == "en"
    assert inbound_count(app) == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("5", con("language.ask")),
    ("5*2", end("language.set", "en")),
    ("5*9", "CON " + refused(menu.language, "language", "9") + "\n"
     + render("language.ask", "vi")),
    ("5*00", con("ussd.menu")),
])
def test_dial_through_with_inputs_on_the_first_request(client, text, expected):
    assert post(client, text) == expected


def test_00_returns_to_the_main_menu(client):
    assert post(client, "") == con("ussd.menu")
    assert post(client, "5") == con("language.ask")
    assert post(client, "5*00") == con("ussd.menu")
    assert post(client, "5*00*5") == con("language.ask")
    assert post(client, "5*00*5*1") == end("language.set", "vi")


def test_menu_entry_without_a_service_says_coming_soon(client, monkeypatch):
    monkeypatch.delitem(flows.COMMAND_FLOWS, "status", raising=False)
    assert post(client, "4") == end("coming_soon")


def test_invalid_menu_choice_reprompts(client):
    assert post(client, "") == con("ussd.menu")
    assert post(client, "8") == ("CON " + refused(menu.menu, "menu", "8")
                                 + "\n" + render("ussd.menu", "vi"))
    assert post(client, "8*5") == con("language.ask")


def page_lines(screen: str) -> list[str]:
    """The content lines of a page, without the prefix and navigation lines."""
    nav = {render("ussd.more", "vi"), render("ussd.back", "vi")}
    return [line for line in screen[4:].split("\n") if line not in nav]


def test_long_screen_is_paged_with_99_and_0(client, long_screens):
    more, back = render("ussd.more", "vi"), render("ussd.back", "vi")
    texts, pages = ["1"], []
    pages.append(post(client, "1"))
    while pages[-1].endswith(more):
        texts.append("99")
        pages.append(post(client, "*".join(texts)))
    assert len(pages) >= 2
    assert all(p.startswith("CON ") for p in pages)
    assert not pages[0].endswith(back) and back in pages[1]
    assert pages[-1].endswith(back) and more not in pages[-1]
    # Nothing of the question is lost or repeated across the pages.
    assert [line for p in pages for line in page_lines(p)] == LONG_PROMPT.split("\n")
    # 0 goes back a page.
    texts.append("0")
    assert post(client, "*".join(texts)) == pages[-2]
    # An answer from any page is taken.
    texts.append("4")
    assert post(client, "*".join(texts)) == end("test.ussd.done", place="Da Nang")


def test_long_closing_message_stays_open_until_its_last_page(client, long_screens):
    first = post(client, "1*2")
    assert first.startswith("CON ") and first.endswith(render("ussd.more", "vi"))
    texts, screens = ["1", "2"], [first]
    while screens[-1].startswith("CON "):
        texts.append("99")
        screens.append(post(client, "*".join(texts)))
        assert len(screens) < 10
    last = screens[-1]
    assert last.startswith("END ")
    assert render("ussd.back", "vi") not in last  # no navigation once the session is over
    assert " ".join(line for s in screens for line in page_lines(s)) == LONG_END


def test_paginate_wraps_a_long_line_instead_of_cutting_it():
    text = " ".join(f"word{i}" for i in range(80))
    pages = screens.paginate(text, "en")
    assert len(pages) > 1
    assert all(len("CON " + page) <= USSD_MAX_CHARS for page in pages)
    nav = {render("ussd.more", "en"), render("ussd.back", "en")}
    kept = [line for page in pages for line in page.split("\n") if line not in nav]
    assert " ".join(kept) == text


def test_retried_request_gets_the_same_answer_and_does_not_advance(client, app, redis):
    assert post(client, "") == con("ussd.menu")
    assert post(client, "5") == con("language.ask")
    assert post(client, "5") == con("language.ask")
    for key in redis.scan_iter("seen:*"):  # even when Redis forgot it was answered
        redis.delete(key)
    assert post(client, "5") == con("language.ask")
    assert inbound_count(app) == 2
    assert post(client, "5*2") == end("language.set", "en")


def test_sessions_are_separate(client):
    assert post(client, "", session="ATa") == con("ussd.menu")
    assert post(client, "5", session="ATa") == con("language.ask")
    assert post(client, "", session="ATb") == con("ussd.menu")
    assert post(client, "5*1", session="ATa") == end("language.set", "vi")


def test_a_session_id_reused_for_another_phone_is_another_dialogue(client):
    other = "+84912345670"
    Phone(client, other).sms("EN")
    assert post(client, "", session="ATa") == con("ussd.menu")
    # Same session id and text, another phone: its own answer (in its language), not
    # the first phone's remembered one...
    assert post(client, "", session="ATa", number=other) == con("ussd.menu", "en")
    assert post(client, "5", session="ATa") == con("language.ask")
    # ...and its own state: "00" is a new input for it, not an old one of the first phone.
    assert post(client, "00", session="ATa", number=other) == con("ussd.menu", "en")
    assert post(client, "5*1", session="ATa") == end("language.set", "vi")


def test_ussd_session_state_has_the_session_ttl(client, app, redis):
    post(client, "5")
    [key] = redis.keys("dlg:ussd:*")
    ttl = runtimes.of(app).config.ussd_session_seconds
    assert ttl - 5 <= redis.ttl(key) <= ttl
    post(client, "5*1")
    assert redis.keys("dlg:ussd:*") == []


def test_phone_helper_on_the_real_route(client):
    phone = Phone(client)
    assert phone.dial() == con("ussd.menu")
    assert phone.press("5") == con("language.ask")
    assert phone.press("2") == end("language.set", "en")
    assert phone.dial() == con("ussd.menu", "en")


def without(name: str) -> dict[str, str]:
    """The good form without one field."""
    return {k: v for k, v in GOOD.items() if k != name}


@pytest.mark.parametrize(("form", "reason"), [
    (without("sessionId"), "field 'sessionId' required"),
    (without("serviceCode"), "field 'serviceCode' required"),
    (without("phoneNumber"), "field 'phoneNumber' required"),
    (without("text"), "field 'text' required"),
    ({**GOOD, "sessionId": " "}, "field 'sessionId' required"),
    ({**GOOD, "phoneNumber": "12345"}, "field 'phoneNumber' is not a valid mobile number"),
    ({**GOOD, "phoneNumber": "+842438123456"},
     "field 'phoneNumber' is not a valid mobile number"),
    ({**GOOD, "text": "1*" + "x" * 183}, "field 'text' has an input longer than 182 characters"),
    ({**GOOD, "sessionId": "AT" + "x" * 63}, "field 'sessionId' longer than 64 characters"),
    ({**GOOD, "text": "1*\x00"}, "field 'text' contains a NUL character"),
    ({**GOOD, "sessionId": "AT\x1b[2J"}, "field 'sessionId' contains control character U+001B"),
    (MultiDict([*GOOD.items(), ("phoneNumber", "+84987654321")]),
     "field 'phoneNumber' given more than once"),
], ids=["no-session", "no-service-code", "no-phone", "no-text", "blank-session", "bad-phone",
        "landline", "long-text", "long-session", "nul", "escape", "repeated"])
def test_bad_request_is_refused_with_the_reason(client, app, form, reason):
    response = client.post("/ussd", data=form)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert NUMBER not in response.get_data(as_text=True)
    assert inbound_count(app) == 0


def test_json_body_is_refused(client):
    response = client.post("/ussd", json=GOOD)
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in response.get_data(as_text=True)


def test_network_code_is_optional_and_phone_spellings_are_accepted(client, app):
    form = {k: v for k, v in GOOD.items() if k != "networkCode"}
    response = client.post("/ussd", data={**form, "phoneNumber": "84912345678"})
    assert response.get_data(as_text=True) == con("ussd.menu")
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(InboundMessage.phone)) == NUMBER
