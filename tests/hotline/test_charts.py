"""The server-side SVG charts: axis tops, accessible names, escaping, bar sizes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from hotline import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("value", "top", "step"), [
    (0, 1, 1), (1, 1, 1), (3, 3, 1), (7, 8, 2), (10, 10, 5), (38, 40, 10),
    (101, 150, 50), (999, 1000, 500), (12345, 15000, 5000),
])
def test_the_axis_top_is_a_round_number_at_or_above_the_value(value, top, step):
    assert charts.nice_top(value) == (top, step)


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(svg))


def test_stacked_bars_are_named_and_sized_by_their_values():
    svg = charts.stacked_bars("c1", "Tờ khai <mới>", "desc & more", ["01/12", "02/12"],
                              [("SMS", [2, 0]), ("USSD", [2, 1])])
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Tờ khai <mới>"      # escaped, read back
    assert root.find(f"{SVG}desc").text == "desc & more"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in bars] == [
        "01/12 · SMS: 2", "01/12 · USSD: 2", "02/12 · USSD: 1"]
    heights = [float(r.get("height")) for r in bars]
    plot = charts.HEIGHT - charts.TOP - charts.BOTTOM
    assert heights[0] + heights[1] == pytest.approx(plot)          # 4 of a top of 4
    assert heights[2] == pytest.approx(plot / 4)
    assert "<mới>" not in str(svg)


def test_horizontal_bars_show_each_label_and_value():
    svg = charts.horizontal_bars("c2", "Compliance", "On 02/12", [("Reported", 6),
                                                                   ("Missed 1 day", 3)])
    root = parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Reported" in texts and "Missed 1 day" in texts and "6" in texts and "3" in texts
    widths = {r.find(f"{SVG}title").text: float(r.get("width"))
              for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None}
    assert widths["Reported: 6"] == pytest.approx(2 * widths["Missed 1 day: 3"])
    assert not re.search(r"\bstyle=", str(svg))  # the CSP allows no inline style
