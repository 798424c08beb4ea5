"""The case page's temperature chart: its geometry (one point per reported
temperature, in day order, higher temperatures higher up, the line broken over a gap,
the scale widened to fit, threshold lines where they belong) and its SVG."""

from __future__ import annotations

import re
from datetime import date, timedelta

from gateway.quarantine.history import Day
from hotline.charts import TEMPERATURE, temperature_chart, temperature_line
from tests.quarantine.test_history import Report

START = date(2026, 3, 1)
WIDTH, HEIGHT, LEFT, RIGHT = (TEMPERATURE.width, TEMPERATURE.height, TEMPERATURE.left,
                              TEMPERATURE.right)


def history(*temperatures: float | str | None) -> list[Day]:
    """Days from START: a temperature, None (a report without one) or 'missed'."""
    return [Day(START + timedelta(days=n), None if value == "missed" else Report(
        START + timedelta(days=n), [], value)) for n, value in enumerate(temperatures)]


def test_points_match_the_reports_in_order():
    chart = temperature_chart(history(36.8, 38.2, "missed", 39.4))
    assert [(p.day, p.temperature) for p in chart.points] == [
        (START, 36.8), (START + timedelta(days=1), 38.2), (START + timedelta(days=3), 39.4)]
    xs = [p.x for p in chart.points]
    assert xs[0] == LEFT and xs[-1] == WIDTH - RIGHT and xs == sorted(xs)
    ys = [p.y for p in chart.points]
    assert ys[0] > ys[1] > ys[2]  # SVG's y grows downwards: hotter is higher
    assert [p.danger for p in chart.points] == [False, False, True]


def test_the_line_breaks_over_missed_days_and_reports_without_a_temperature():
    chart = temperature_chart(history(37.0, 37.2, "missed", 37.4, None, 37.6, 37.8))
    assert len(chart.lines) == 2  # (37.0, 37.2) and (37.6, 37.8); 37.4 stands alone
    assert all(len(line.split()) == 2 for line in chart.lines)


def test_the_scale_widens_to_fit_and_thresholds_sit_on_it():
    chart = temperature_chart(history(34.2, 42.5), danger_temperature=38.0)
    assert [value for value, _ in chart.ticks] == list(range(34, 44))
    assert all(0 <= p.y <= HEIGHT for p in chart.points)
    tick_y = dict(chart.ticks)
    assert chart.danger_y == tick_y[38.0]
    assert tick_y[38.0] < chart.fever_y < tick_y[37.0]  # 37.5 °C, between the two


def test_one_reading_is_centred_and_no_reading_draws_no_point():
    [point] = temperature_chart(history(37.0)).points
    assert point.x == LEFT + (WIDTH - LEFT - RIGHT) / 2
    assert temperature_chart(history("missed", None)).points == ()


def test_the_line_is_drawn_as_accessible_svg_with_a_point_per_reading():
    chart = temperature_chart(history(37.0, "missed", 38.2, 39.4))
    svg = str(temperature_line(chart, "temperature-chart", "Nhiệt độ (°C)",
                               "Biểu đồ <nhiệt độ>", "Sốt", "Nguy hiểm"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
                          'id="temperature-chart" viewBox="0 0 640 240" role="img"')
    assert '<title id="temperature-chart-title">Nhiệt độ (°C)</title>' in svg
    assert "Biểu đồ &lt;nhiệt độ&gt;" in svg  # text escaped, never markup
    circles = re.findall(r'<circle class="([^"]+)" cx="([^"]+)" cy="([^"]+)"', svg)
    assert [(c, float(x), float(y)) for c, x, y in circles] == [
        ("point danger" if p.danger else "point", p.x, p.y) for p in chart.points]
    assert svg.count("<polyline") == 1  # 38.2 → 39.4; 37.0 stands alone before the gap
    assert '<line class="fever"' in svg and "<title>Sốt</title>" in svg
    assert 'style=' not in svg  # nothing the Content-Security-Policy would block
