"""The privacy notice as data: what it must tell in one SMS segment or one USSD screen,
its version derived from its text, and the consent step's routes."""

import pytest

from gateway.flows import FLOWS, engine
from gateway.flows.consent import (
    NOTICE_KEYS,
    QUESTION,
    consent_nodes,
    notice_hash,
    notice_version,
)
from gateway.flows.messages import CATALOGUE, USSD_SCREEN, Template, render
from gateway.flows.parsers import Invalid
from gateway.text import SMS_SEGMENT_CHARS, septets

# What the person must learn (Law 91/2025/QH15 Art. 9(2)): the kind of data, who keeps
# it and why, how long, and how to see and delete it. Words per language.
MUST_TELL = {
    "vi": ("suc khoe", "nhay cam", "Bo Y te", "phong chong dich", "1 nam", "DULIEU", "XOA"),
    "en": ("Health data", "sensitive", "Ministry of Health", "epidemic", "1 year", "MYDATA",
           "DELETE"),
}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(("key", "channel", "budget"), [
    ("consent.ask", "", SMS_SEGMENT_CHARS), ("consent.ask", "ussd", USSD_SCREEN),
    ("consent.notice", "", SMS_SEGMENT_CHARS), ("consent.notice", "ussd", USSD_SCREEN)])
def test_the_notice_tells_everything_in_one_segment_or_screen(key, channel, budget, language):
    text = render(key, language, {}, channel)
    assert septets(text) <= budget, (len(text), text)
    for needed in MUST_TELL[language]:
        assert needed in text, needed


@pytest.mark.parametrize(("language", "choices"), [("vi", "\n1 Dong y\n2 Khong"),
                                                   ("en", "\n1 Agree\n2 No")])
def test_the_question_offers_exactly_agree_and_refuse(language, choices):
    assert render("consent.ask", language).endswith(choices)
    assert "\n1 " not in render("consent.notice", language)  # no question under a legal basis


@pytest.mark.parametrize(("typed", "value"), [
    ("1", "agree"), (" 1. ", "agree"), ("Đồng ý", "agree"), ("AGREE", "agree"),
    ("2", "refuse"), ("khong", "refuse"), ("No", "refuse")])
def test_the_question_accepts(typed, value):
    assert QUESTION(typed) == value


@pytest.mark.parametrize("typed", ["", "0", "3", "12", "ok", "y", "co", "dong", "1 2"])
def test_nothing_else_is_taken_as_an_answer(typed):
    assert isinstance(QUESTION(typed), Invalid)


def test_the_version_follows_the_text(monkeypatch):
    before = notice_version()
    assert before.startswith("n-") and len(before) == 12 and notice_version() == before
    old = CATALOGUE["consent.notice"]
    monkeypatch.setitem(CATALOGUE, "consent.notice", Template(old.vi + " ", old.en))
    assert notice_version() != before
    assert set(NOTICE_KEYS) <= set(CATALOGUE)


def test_the_hash_is_of_the_exact_text():
    assert notice_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert notice_hash("abc ") != notice_hash("abc")


@pytest.mark.parametrize("flow_name", ["declaration", "family", "checkin"])
def test_every_declaring_flow_passes_the_consent_step(flow_name):
    flow = FLOWS[flow_name]
    assert set(consent_nodes("context")) <= set(flow.nodes)


def test_the_declaration_starts_with_the_consent_check():
    turn = engine.start(FLOWS["declaration"], {"phone": "+84912345678"})
    assert turn.effect == engine.Effect("consent.check", {"phone": "+84912345678"})
    asked = engine.resume(FLOWS["declaration"], turn.state, "ask")
    assert [s.key for s in asked.say] == ["consent.ask"]
    refused = engine.step(FLOWS["declaration"], asked.state, "2")
    assert refused.ended and [o.kind for o in refused.outcomes] == ["consent_refusal"]
    agreed = engine.step(FLOWS["declaration"], asked.state, "1")
    assert agreed.effect == engine.Effect("consent.record",
                                          {"answer": "agree", "shown": "consent.ask"})
