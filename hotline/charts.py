"""The console's charts, drawn on the server as inline SVG: the dashboard's stacked
bars over days and horizontal bars per label, and a case's temperature line over its
days. Each has axes, labels and an accessible name (`<title>`, `<desc>`, role="img").
Nothing is fetched from elsewhere and no script runs, so the console works offline in
a health office and under its Content-Security-Policy (colours are SVG attributes, not
inline styles). Every chart stands beside a table of the same numbers for screen
readers: the chart is for the eye, the table is the record.

The temperature line: its scale runs from 35 to 41 °C, widened to fit any reading; the
line breaks over a missed day or a report without a temperature, so a gap is never
drawn as a trend; dashed lines mark fever (37.5 °C) and the danger threshold (39 °C by
default). `temperature_chart` computes its geometry (tested as numbers),
`temperature_line` draws it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from gateway.flows.report import DANGER_TEMPERATURE, FEVER_TEMPERATURE
from gateway.quarantine.history import Day

# Colour-blind-safe (Okabe-Ito), in series order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 56   # room for the axes' labels and the legend
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
MAX_DAY_LABELS = 12


def nice_top(value: int) -> tuple[int, int]:
    """An axis top at or above `value` and its tick step: 1, 2 or 5 times a power of
    ten, four or five ticks (a top of at least 1, so an empty chart has an axis)."""
    value = max(value, 1)
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(int(step), 1)
    return step * math.ceil(value / step), step


def _frame(chart_id: str, title: str, desc: str, height: int,
           width: int = WIDTH) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
            f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>']


def stacked_bars(chart_id: str, title: str, desc: str, labels: Sequence[str],
                 series: Sequence[tuple[str, Sequence[int]]]) -> Markup:
    """Vertical bars, one per label (a day), each stacked from the series' values
    (name, one value per label), with a y axis, the labels under the bars (thinned
    out when there are many) and a legend."""
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    top, step = nice_top(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = _frame(chart_id, title, desc, HEIGHT)
    parts += _y_axis(top, step, plot_w, plot_h)
    slot = plot_w / max(len(labels), 1)
    every = math.ceil(len(labels) / MAX_DAY_LABELS) if labels else 1
    for i, label in enumerate(labels):
        x, base = LEFT + i * slot + slot * 0.15, TOP + plot_h
        for colour, (name, values) in zip(PALETTE, series, strict=False):
            height = plot_h * values[i] / top
            if values[i]:
                base -= height
                parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" '
                             f'height="{height:.1f}" fill="{colour}">'
                             f'<title>{escape(label)} · {escape(name)}: {values[i]}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{TOP + plot_h + 14}" '
                         f'text-anchor="middle" {FONT}>{escape(label)}</text>')
    parts += _legend([name for name, _ in series], HEIGHT - 18)
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(chart_id: str, title: str, desc: str,
                    items: Sequence[tuple[str, int]]) -> Markup:
    """One horizontal bar per (label, value), labels on the left, values at the bars'
    ends, an x axis of nice ticks."""
    row, label_w = 24, 200
    height = TOP + row * max(len(items), 1) + 28
    top, step = nice_top(max((value for _, value in items), default=0))
    plot_w = WIDTH - label_w - RIGHT - 30
    parts = _frame(chart_id, title, desc, height)
    for tick in range(0, top + 1, step):
        x = label_w + plot_w * tick / top
        parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{height - 24}" '
                     f'stroke="#dde1e7"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" {FONT}>'
                     f'{tick}</text>')
    for i, (label, value) in enumerate(items):
        y = TOP + i * row
        width = plot_w * value / top
        shown = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" {FONT}>'
                     f'{escape(shown)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="{row - 8}" '
                     f'fill="{PALETTE[i % len(PALETTE)] if len(items) <= 4 else PALETTE[0]}">'
                     f'<title>{escape(label)}: {value}</title></rect>')
        parts.append(f'<text x="{label_w + width + 4:.1f}" y="{y + 16}" {FONT}>{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _y_axis(top: int, step: int, plot_w: float, plot_h: float) -> list[str]:
    parts = []
    for tick in range(0, top + 1, step):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
                     f'stroke="#dde1e7"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
                     f'{tick}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" '
                 f'stroke="#5b6675"/>')
    return parts


def _legend(names: Sequence[str], y: int) -> list[str]:
    parts, x = [], LEFT
    for colour, name in zip(PALETTE, names, strict=False):
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}" {FONT}>{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return parts


# --- a case's temperature over its days ------------------------------------------------

@dataclass(frozen=True)
class TemperatureFrame:
    """The temperature chart's size and margins (room for the axis labels)."""

    width: int = 640
    height: int = 240
    left: int = 44
    right: int = 24
    top: int = 12
    bottom: int = 28


TEMPERATURE = TemperatureFrame()
LOW, HIGH = 35.0, 41.0  # °C: the scale at least covers these
LINE, FEVER_COLOUR, DANGER_COLOUR, GRID = "#1f5fa8", "#d98c00", "#c62828", "#e3e6eb"


@dataclass(frozen=True)
class Point:
    """A reported temperature: its day, value and place on the chart."""

    day: date
    temperature: float
    x: float
    y: float
    danger: bool


@dataclass(frozen=True)
class TemperatureChart:
    """The temperature chart's geometry, in SVG units."""

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


def temperature_chart(history: Sequence[Day], danger_temperature: float = DANGER_TEMPERATURE,
                      frame: TemperatureFrame = TEMPERATURE) -> TemperatureChart:
    """The geometry of the temperatures over `history` (one column per day)."""
    readings = [d.temperature for d in history if d.temperature is not None]
    low = min([LOW, *(math.floor(r) for r in readings)])
    high = max([HIGH, *(math.ceil(r) for r in readings)])
    span_x = frame.width - frame.left - frame.right
    span_y = frame.height - frame.top - frame.bottom
    step = span_x / max(len(history) - 1, 1)

    def x_of(index: int) -> float:
        return round(frame.left + (index * step if len(history) > 1 else span_x / 2), 1)

    def y_of(value: float) -> float:
        return round(frame.top + (high - value) / (high - low) * span_y, 1)

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
    return TemperatureChart(
        width=frame.width, height=frame.height, points=tuple(points),
        lines=tuple(" ".join(f"{p.x},{p.y}" for p in line) for line in lines if len(line) > 1),
        ticks=tuple((float(v), y_of(v)) for v in range(int(low), int(high) + 1)),
        labels=tuple((d.day, x_of(i)) for i, d in enumerate(history) if i % every == 0),
        fever=FEVER_TEMPERATURE, danger=danger_temperature,
        fever_y=y_of(FEVER_TEMPERATURE), danger_y=y_of(danger_temperature),
        bottom=frame.height - frame.bottom, left=frame.left, right=frame.width - frame.right)


def temperature_line(chart: TemperatureChart, chart_id: str, title: str, desc: str,
                     fever: str, danger: str) -> Markup:
    """The temperature chart as inline SVG: the grid of whole degrees, the fever and
    danger lines (named `fever` and `danger`), the days under the axis, the line broken
    over gaps and a point per reading (a point past the danger line marked `danger`)."""
    parts = _frame(chart_id, title, desc, chart.height, chart.width)
    for value, y in chart.ticks:
        parts.append(f'<line x1="{chart.left}" x2="{chart.right}" y1="{y}" y2="{y}" '
                     f'stroke="{GRID}"/><text x="{chart.left - 6}" y="{y + 4}" '
                     f'text-anchor="end" {FONT}>{int(value)}</text>')
    for name, y, colour, label in (("fever", chart.fever_y, FEVER_COLOUR, fever),
                                   ("danger", chart.danger_y, DANGER_COLOUR, danger)):
        parts.append(f'<line class="{name}" x1="{chart.left}" x2="{chart.right}" y1="{y}" '
                     f'y2="{y}" stroke="{colour}" stroke-dasharray="4 3">'
                     f'<title>{escape(label)}</title></line>')
    for day, x in chart.labels:
        parts.append(f'<text x="{x}" y="{chart.bottom + 16}" text-anchor="middle" {FONT}>'
                     f'{day:%d/%m}</text>')
    for line in chart.lines:
        parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" '
                     f'stroke-width="2"/>')
    for p in chart.points:
        parts.append(f'<circle class="point{" danger" if p.danger else ""}" cx="{p.x}" '
                     f'cy="{p.y}" r="4" fill="{DANGER_COLOUR if p.danger else LINE}" '
                     f'data-day="{p.day.isoformat()}" data-temperature="{p.temperature:.1f}">'
                     f'<title>{p.day:%d/%m}: {p.temperature:.1f} °C</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
