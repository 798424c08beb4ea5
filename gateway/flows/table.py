"""A flow printed as a plain-text table, so a health officer can review the questions
without reading code: one row per node with its kind, what it says (the template as
written, {placeholders} and all), what it accepts and where it leads."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from gateway.flows.engine import Act, Ask, Branch, End, Flow, Node, Tell
from gateway.flows.messages import CATALOGUE
from gateway.flows.parsers import Choice, Parser, YesNo
from gateway.text import DEFAULT_LANGUAGE

COLUMNS = ("node", "kind", "says", "accepts", "next")
WIDTHS = {"says": 40, "accepts": 24, "next": 32}  # wrap widths of the long columns
GAP = "  "


def describe(flow: Flow, language: str = DEFAULT_LANGUAGE) -> str:
    """The flow as a table in `language`, start node first, then in declaration order."""
    names = [flow.start, *(n for n in flow.nodes if n != flow.start)]
    rows = [[[name], [_kind(flow.nodes[name])], *_cells(flow.nodes[name], language)]
            for name in names if name in flow.nodes]
    header = [[title] for title in COLUMNS]
    widths = [max(len(line) for row in [header, *rows] for line in row[i])
              for i in range(len(COLUMNS))]
    rule = [["-" * w] for w in widths]
    lines = [f"Flow {flow.name} (start: {flow.start}, language: {language})", ""]
    lines += _row_lines(header, widths) + _row_lines(rule, widths)
    for index, row in enumerate(rows):
        # A blank line between rows: cells run over several lines.
        lines += ([""] if index else []) + _row_lines(row, widths)
    return "\n".join(lines) + "\n"


def _kind(node: Node) -> str:
    return {Ask: "ask", Act: "act", End: "end", Branch: "branch", Tell: "tell"}[type(node)]


def _cells(node: Node, language: str) -> list[list[str]]:
    """The says, accepts and next cells of a node, wrapped."""
    if isinstance(node, Ask):
        says, accepts = _text(node.prompt, language), node.parse.accepts
        leads = _routes(node.next, node.parse)
    elif isinstance(node, Act):
        says, accepts = f"[does: {node.effect}]", ""
        leads = _routes(node.next, None)
    elif isinstance(node, Branch):
        says, accepts, leads = "(routes on the answers)", "", _routes(node, None)
    elif isinstance(node, Tell):
        says, accepts, leads = _text(node.message, language), "", [node.next]
    else:
        says = _text(node.message, language) if node.message else "(says nothing)"
        accepts = ""
        kinds = (node.outcome,) if isinstance(node.outcome, str) else node.outcome or ()
        leads = [f"outcome: {', '.join(kinds)}" if kinds else "(ends)"]
    return [_wrap(says, WIDTHS["says"]), _wrap(accepts or "-", WIDTHS["accepts"]),
            [part for line in leads for part in _wrap(line, WIDTHS["next"])]]


def _text(key: str, language: str) -> str:
    template = CATALOGUE.get(key)
    return template.text(language) if template else f"[missing message {key!r}]"


def _routes(nxt: Any, parser: Parser | None) -> list[str]:
    if isinstance(nxt, str):
        return [nxt]
    if isinstance(nxt, Branch):
        rule = getattr(nxt.choose, "__name__", "rule")
        rule = "a rule" if rule == "<lambda>" else rule
        return [f"by {rule}: {' | '.join(nxt.targets)}"]
    if isinstance(nxt, Mapping):
        return [f"{_label(value, parser)} -> {target}" for value, target in nxt.items()]
    return ["(nowhere)"]


def _label(value: Any, parser: Parser | None) -> str:
    """How a routed answer reads: with the key that gives it ('1 yes')."""
    if isinstance(parser, YesNo) and isinstance(value, bool):
        return "1 yes" if value else "2 no"
    if isinstance(parser, Choice):
        keys = [key for key, option in parser.options.items() if option == value]
        if keys:
            return f"{'/'.join(keys)} {value}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return " ".join(map(str, value)) or "none"
    return str(value)


def _wrap(text: str, width: int) -> list[str]:
    return [part for line in text.split("\n")
            for part in (textwrap.wrap(line, width) or [""])]


def _row_lines(row: list[list[str]], widths: list[int]) -> list[str]:
    height = max(len(cell) for cell in row)
    return [GAP.join((cell[i] if i < len(cell) else "").ljust(w)
                     for cell, w in zip(row, widths, strict=True)).rstrip()
            for i in range(height)]
