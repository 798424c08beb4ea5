"""The DULIEU summary at its longest fits two GSM-7 segments in both languages."""

import pytest

from gateway.flows import engine
from gateway.flows.messages import SAMPLE_VARS, render
from gateway.flows.privacy import CONSENT_SAID, SUMMARY_BUDGET, SUMMARY_LINES, my_data
from gateway.text import segments

WORST = {name: SAMPLE_VARS[name] for name in (
    "declarations", "declared_on", "visits", "visited_on", "case_until", "cases_closed",
    "consent", "consent_on")}


@pytest.mark.parametrize("language", [0, 1])
def test_the_sample_consent_answer_is_the_longest_in_words(language):
    longest = max(len(words[language]) for words in CONSENT_SAID.values())
    assert len(CONSENT_SAID[WORST["consent"]][language]) == longest


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("no_case", ["case_until", "cases_closed"])
def test_the_whole_summary_fits_two_segments(language, no_case):
    # A phone has an active case or closed ones, never both (held.case_facts).
    facts = {name: value for name, value in WORST.items() if name != no_case}
    started = engine.start(my_data, {"phone": "+84912345678"})
    turn = engine.resume(my_data, started.state, "ok", facts)
    keys = [say.key for say in turn.say]
    assert keys == ["privacy.header", *(key for fact, key in SUMMARY_LINES if fact != no_case),
                    "privacy.footer"]
    text = "\n".join(render(say.key, language, say.vars) for say in turn.say)
    assert len(text) <= SUMMARY_BUDGET, text
    assert segments(text) <= 2


@pytest.mark.parametrize(("answer", "line"), [
    ("agree", "- Ban dong y xu ly du lieu ngay 02/12/2026"),
    ("withdraw", "- Ban rut lai dong y ngay 02/12/2026"),
    ("refuse", "- Ban khong dong y ngay 02/12/2026"),
])
def test_the_consent_line_says_the_latest_answer(answer, line):
    started = engine.start(my_data, {"phone": "+84912345678"})
    turn = engine.resume(my_data, started.state, "ok", {"consent": answer,
                                                       "consent_on": "02/12/2026"})
    said = [render(say.key, "vi", say.vars) for say in turn.say]
    assert said[1:2] == [line] and said[0].startswith("Du lieu luu cho so")
