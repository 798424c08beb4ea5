"""`describe`: a flow as a table a health officer can review."""

from __future__ import annotations

import pytest

from gateway import flows
from gateway.flows.table import describe
from tests.flows.intake import INTAKE


@pytest.mark.parametrize("language", ["vi", "en"])
def test_describe_the_language_flow(language):
    table = describe(flows.FLOWS["language"], language)
    lines = table.splitlines()
    assert lines[0] == f"Flow language (start: language, language: {language})"
    assert lines[2].split() == ["node", "kind", "says", "accepts", "next"]
    row = next(line for line in lines if line.startswith("language "))
    assert row.split()[:2] == ["language", "ask"]
    assert "Chon ngon ngu / Language:" in row
    assert row.rstrip().endswith("done")
    assert "1/2 or vi, tieng viet," in row
    assert any(line.strip() == "2 English" for line in lines)   # multi-line prompt kept
    done = next(line for line in lines if line.startswith("done "))
    assert done.split()[:2] == ["done", "end"] and "outcome: language" in done
    said = "Da chuyen sang" if language == "vi" else "Replies are now"
    assert said in done


def test_describe_the_menu_in_english():
    table = describe(flows.FLOWS["menu"], "en")
    assert "Health declaration" in table and "1/2/3/4/5" in table
    assert "(says nothing)" in table and "outcome: open" in table


@pytest.mark.parametrize("name", sorted(flows.FLOWS))
def test_describe_has_a_row_per_node(name):
    flow = flows.FLOWS[name]
    rows = [line.split()[0] for line in describe(flow).splitlines()[4:]
            if line and not line.startswith(" ")]
    assert rows == [flow.start, *(n for n in flow.nodes if n != flow.start)]


def test_describe_shows_branches_routes_actions_and_missing_messages():
    table = describe(INTAKE)
    for expected in ["by screening: contact | lookup", "1 yes -> lookup", "3 unsure -> advice",
                     "[does: registry.lookup]", "found -> confirm", "down -> failed",
                     "1 yes -> done", "2 no -> name", "0 or any of 1-6", "year of birth (YYYY)",
                     "[missing message 'ask.name']", "outcome: declaration", "(ends)"]:
        assert expected in table, expected
