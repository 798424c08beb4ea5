"""Charts drawn on the server as inline SVG: stacked bars over days and horizontal bars
per label, with axes, labels, a legend and an accessible name (`<title>`, `<desc>`,
role="img"). Nothing is fetched from elsewhere and no script runs, so the console
works offline and under its Content-Security-Policy (colours are SVG attributes, not
inline styles). Every chart stands beside a table of the same numbers for screen
readers: the chart is for the eye, the table is the record.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

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


def _frame(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" '
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
