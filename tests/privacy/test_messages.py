"""The DULIEU summary at its longest fits two GSM-7 segments in both languages."""

import pytest

from gateway.flows import engine
from gateway.flows.messages import SAMPLE_VARS, render
from gateway.flows.privacy import SUMMARY_BUDGET, SUMMARY_LINES, my_data
from gateway.text import segments

WORST = {name: SAMPLE_VARS[name] for name in (
    "declarations", "declared_on", "visits", "visited_on", "case_until", "cases_closed")}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_whole_summary_fits_two_segments(language):
    started = engine.start(my_data, {"phone": "+84912345678"})
    turn = engine.resume(my_data, started.state, "ok", WORST)
    keys = [say.key for say in turn.say]
    # Every line at once (an active and a closed case cannot both be: worse than real).
    assert keys == ["privacy.header", *(key for _, key in SUMMARY_LINES), "privacy.footer"]
    text = "\n".join(render(say.key, language, say.vars) for say in turn.say)
    assert len(text) <= SUMMARY_BUDGET, text
    assert segments(text) <= 2
