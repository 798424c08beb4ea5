"""Message templates: every one, in both languages and at its longest, fits its
budget in pure GSM-7 without diacritics."""

import re

import pytest

import gateway.dialogue.router  # noqa: F401  (loads every module that defines templates)
from gateway.flows import FLOWS, messages
from gateway.flows.engine import Ask
from gateway.flows.messages import (
    CATALOGUE,
    LANGUAGES,
    SAMPLE_VARS,
    USSD_SCREEN,
    Template,
    define,
    fields,
    render,
)
from gateway.flows.parsers import Invalid
from gateway.text import SMS_SEGMENT_CHARS, USSD_MAX_CHARS, septets

TEMPLATES = [(key, language) for key in sorted(CATALOGUE) for language in LANGUAGES]


@pytest.mark.parametrize(("key", "language"), TEMPLATES)
def test_template_fits_its_budget_in_gsm7(key, language):
    text = render(key, language, SAMPLE_VARS)
    length = septets(text)
    assert length is not None, f"{key}/{language} needs UCS-2: {text!r}"
    assert length <= CATALOGUE[key].budget, f"{key}/{language}: {length} septets: {text!r}"


COUNTED = sorted(key for key, template in CATALOGUE.items() if template.one is not None)


@pytest.mark.parametrize("key", COUNTED)
def test_the_singular_of_a_counted_template_fits_its_budget(key):
    template = CATALOGUE[key]
    text = render(key, "en", {**SAMPLE_VARS, template.count: 1})
    assert text != render(key, "en", {**SAMPLE_VARS, template.count: 2})
    length = septets(text)
    assert length is not None and length <= template.budget, (key, text)
    assert fields(template.one) == fields(template.en)
    assert template.count in fields(template.en) and template.count in fields(template.vi)


@pytest.mark.parametrize(("key", "language"), TEMPLATES)
def test_template_is_written_without_diacritics(key, language):
    for raw in CATALOGUE[key].forms(language):
        # ASCII only: no Vietnamese diacritics, nothing GSM-7 spends two septets on.
        assert raw.isascii(), [c for c in raw if not c.isascii()]
        assert not set(raw) & set("^\\[~]|`"), "costs two septets or needs UCS-2"


@pytest.mark.parametrize(("key", "language"), TEMPLATES)
def test_every_variable_has_a_sample(key, language):
    for raw in CATALOGUE[key].forms(language):
        assert fields(raw) <= set(SAMPLE_VARS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_reply_says_one_of_a_plural(language):
    """"1 days", "in 1 minutes": with every counted variable at 1, no reply pairs 1 with a
    plural noun, and no template hedges with "(s)"."""
    ones = {name: 1 for name in SAMPLE_VARS if isinstance(SAMPLE_VARS[name], int)}
    for key, template in CATALOGUE.items():
        text = render(key, language, {**SAMPLE_VARS, **ones})
        assert not re.search(r"\b1 (days|minutes|tries|check-ins|records|declarations)\b",
                             text), (key, text)
        assert "(s)" not in template.text(language), key


def test_a_count_of_one_takes_the_singular():
    said = {"verb_en": "Recorded", "verb_vi": "Da ghi", "day": "01/12", "report_en": "well",
            "report_vi": "khoe", "days_left": 1}
    assert render("report.well", "en", said).endswith("Thank you. 1 day of quarantine left.")
    assert render("report.well", "en", {**said, "days_left": 2}).endswith(
        "Thank you. 2 days of quarantine left.")
    assert render("decl.otp_refused", "en", {"minutes": 1}).endswith("try again in 1 minute.")
    assert render("decl.otp_refused", "en", {"minutes": 0}).endswith("in 0 minutes.")
    # Vietnamese nouns take no plural: one text for every count.
    assert render("report.well", "vi", said).endswith("Con 1 ngay cach ly.")
    assert render("quarantine.digest_days", "en", {"name": "AN", "days": 1}) == "AN (1 day)"


def test_a_counted_template_names_both_its_singular_and_its_count():
    with pytest.raises(ValueError, match="count"):
        Template("{n} ngay", "{n} days", one="{n} day")


# Messages longer than one SMS segment or USSD screen by design, and why.
LONG_BY_DESIGN = {
    "decl.confirm": "reads back every answer once before the declaration is submitted",
    "decl.province.ussd": "the 34 provinces as a menu, paged with 99/0",
}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_budgets_stay_within_the_channel(key):
    budget = CATALOGUE[key].budget
    # USSD menus ('ussd.menu') and USSD variants of a message ('consent.ask.ussd') get
    # one screen; everything else one SMS segment.
    ussd = key.startswith("ussd.") or key.endswith(".ussd")
    limit = USSD_SCREEN if ussd else SMS_SEGMENT_CHARS
    assert 0 < budget <= limit or key in LONG_BY_DESIGN


def test_a_ussd_screen_leaves_room_for_its_prefix():
    assert len("CON ") + USSD_SCREEN == USSD_MAX_CHARS


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_both_languages_use_the_same_variables(key):
    template = CATALOGUE[key]
    # A word that differs by language comes in pairs: {gender_vi} and {gender_en}.
    assert _unpaired(fields(template.vi), "_vi") == _unpaired(fields(template.en), "_en")


def _unpaired(names: set[str], suffix: str) -> set[str]:
    return {name.removesuffix(suffix) for name in names}


def _invalid_replies(parser) -> list[Invalid]:
    probes = ["", "?", "-1", "0 1", "x" * 1000, "1" * 20]
    return [value for value in map(parser, probes) if isinstance(value, Invalid)]


ASKS = [(flow.name, name, node) for flow in FLOWS.values()
        for name, node in flow.nodes.items() if isinstance(node, Ask)]


@pytest.mark.parametrize(("flow", "node", "ask"), ASKS, ids=[f"{f}.{n}" for f, n, _ in ASKS])
def test_refusals_of_registered_flows_stay_within_the_samples(flow, node, ask):
    """The worst cases are worst: no question of a real flow refuses with a longer
    value (a 34-option menu lists '1-34', not every number)."""
    refusals = _invalid_replies(ask.parse)
    assert refusals, f"{flow}.{node}: no probe was refused"
    for refusal in refusals:
        for name, value in refusal.vars.items():
            assert len(str(value)) <= len(str(SAMPLE_VARS[name])), (name, value)
        for language in LANGUAGES:
            assert septets(render(refusal.reason, language, refusal.vars)) <= SMS_SEGMENT_CHARS


def test_render_fills_variables():
    assert render("invalid.number", "en", {"low": 1, "high": 5}) == \
        "Enter a number from 1 to 5."
    assert render("invalid.number", "vi", {"low": 1, "high": 5}) == "Nhap mot so tu 1 den 5."


def test_render_transliterates_values_to_gsm7():
    text = render("invalid.choice", "vi", {"choices": "Hòa Bình, Đà Nẵng, Thừa Thiên Huế"})
    assert text == "Lua chon khong hop le. Tra loi Hoa Binh, Da Nang, Thua Thien Hue."
    assert septets(text) == len(text)


def test_unknown_language_falls_back_to_vietnamese():
    assert render("cancelled", "fr") == render("cancelled", "vi") != render("cancelled", "en")


def test_fields():
    assert fields("Hi {name}, code {code}. {{literal}}") == {"name", "code"}
    assert fields("{id.number} {items[0]} {year:>4}") == {"id", "items", "year"}
    assert fields("no variables") == set()


def test_define_refuses_a_key_twice_and_keeps_the_longest_sample(monkeypatch):
    monkeypatch.setattr(messages, "CATALOGUE", {})
    monkeypatch.setattr(messages, "SAMPLE_VARS", {"name": "NGUYEN VAN A"})
    define({"t.hello": Template("Chao {name}", "Hello {name}")},
           samples={"name": "X" * 40, "code": "ABC123"})
    assert messages.SAMPLE_VARS == {"name": "X" * 40, "code": "ABC123"}
    define({"t.bye": Template("Tam biet", "Bye")}, samples={"name": "short"})
    assert messages.SAMPLE_VARS["name"] == "X" * 40
    with pytest.raises(ValueError, match=r"t\.hello"):
        define({"t.hello": Template("a", "b")})
    assert set(messages.CATALOGUE) == {"t.hello", "t.bye"}
