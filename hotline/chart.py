"""The temperature chart of the case page, drawn on the server as SVG coordinates
(the template only writes them out): no script, no chart library, nothing from a CDN,
so it works offline in a health office and under the console's strict CSP. The same
data is shown as a table beside it for screen readers.

The vertical scale runs from 35 to 41 °C, widened to fit any reading; the line breaks
over a missed day or a report without a temperature, so a gap is never drawn as a
trend. Dashed lines mark fever (37.5 °C) and the danger threshold (39 °C by default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gateway.flows.report import DANGER_TEMPERATURE, FEVER_TEMPERATURE
from gateway.quarantine.history import Day

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 12, 28   # margins for the axis labels
LOW, HIGH = 35.0, 41.0


@dataclass(frozen=True)
class Point:
    """A reported temperature: its day, value and place on the chart."""

    day: date
    temperature: float
    x: float
    y: float
    danger: bool


@dataclass(frozen=True)
class Chart:
    """Everything the template draws."""

    width: int
    height: int
    points: tuple[Point, ...]
    lines: tuple[str, ...]                  # SVG polyline `points` attributes
    ticks: tuple[tuple[float, float], ...]  # (°C, y)
    labels: tuple[tuple[date, float], ...]  # (day, x) under the axis
    fever: float       # °C of the fever line
    danger: float      # °C of the danger line
    fever_y: float
    danger_y: float
    bottom: float
    left: float
    right: float


def temperature_chart(history: Sequence[Day],
                      danger_temperature: float = DANGER_TEMPERATURE) -> Chart:
    """The chart of the temperatures over `history` (one column per day)."""
    readings = [d.temperature for d in history if d.temperature is not None]
    low = min([LOW, *(math.floor(r) for r in readings)])
    high = max([HIGH, *(math.ceil(r) for r in readings)])
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    step = span_x / max(len(history) - 1, 1)

    def x_of(index: int) -> float:
        return round(LEFT + (index * step if len(history) > 1 else span_x / 2), 1)

    def y_of(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * span_y, 1)

    points, lines, run = [], [], []
    for index, day in enumerate(history):
        if day.temperature is None:
            lines.append(run)
            run = []
            continue
        point = Point(day.day, day.temperature, x_of(index), y_of(day.temperature),
                      day.temperature >= danger_temperature)
        points.append(point)
        run.append(point)
    lines.append(run)
    every = max(1, math.ceil(len(history) / 10))  # at most about ten day labels
    return Chart(
        width=WIDTH, height=HEIGHT, points=tuple(points),
        lines=tuple(" ".join(f"{p.x},{p.y}" for p in line) for line in lines if len(line) > 1),
        ticks=tuple((float(v), y_of(v)) for v in range(int(low), int(high) + 1)),
        labels=tuple((d.day, x_of(i)) for i, d in enumerate(history) if i % every == 0),
        fever=FEVER_TEMPERATURE, danger=danger_temperature,
        fever_y=y_of(FEVER_TEMPERATURE), danger_y=y_of(danger_temperature),
        bottom=HEIGHT - BOTTOM, left=LEFT, right=WIDTH - RIGHT)
