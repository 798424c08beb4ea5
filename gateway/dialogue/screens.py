"""USSD screens: the inputs of a session's cumulative text, what was dialled after
the service code, and a long screen split into pages.

A USSD request carries every input of the session so far, joined with `*`; a screen
holds at most 182 characters with its `CON `/`END ` prefix. A longer one is split
into pages: `99` shows the next page, `0` the previous one, `00` returns to the main
menu.
"""

from __future__ import annotations

import textwrap

from gateway.flows.messages import render
from gateway.text import USSD_MAX_CHARS

MORE, BACK, MAIN_MENU = "99", "0", "00"
PREFIX_CHARS = len("CON ")
SCREEN_CHARS = USSD_MAX_CHARS - PREFIX_CHARS


def dial_through(service_code: str, base_code: str) -> str | None:
    """What was dialled after the service's own code: `*1022*1234567#` with base
    `*1022#` gives '1234567' (a venue code), the plain code gives None."""
    base = base_code.rstrip("#")
    dialled = service_code.strip()
    if not (dialled.startswith(base + "*") and dialled.endswith("#")):
        return None
    return dialled[len(base) + 1:-1] or None


def new_inputs(text: str, seen: int) -> list[str]:
    """The inputs of a cumulative `text` that were not handled yet."""
    parts = text.split("*") if text else []
    return [part.strip() for part in parts[seen:]]


def paginate(text: str, language: str) -> list[str]:
    """Split a screen into pages that fit with their `99`/`0` navigation lines.

    Lines are kept whole where they fit; a line too long for one page is wrapped at
    word boundaries, never cut, so no part of a question is lost."""
    if len(text) <= SCREEN_CHARS:
        return [text]
    more, back = render("ussd.more", language), render("ussd.back", language)
    width = SCREEN_CHARS - len(more) - len(back) - 2
    lines = [piece for line in text.split("\n") for piece in (textwrap.wrap(line, width) or [""])]
    pages: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        footer = len(more) + 1 + (len(back) + 1 if pages else 0)
        if current and len("\n".join([*current, line])) + footer > SCREEN_CHARS:
            pages.append(current)
            current = []
        current.append(line)
    pages.append(current)
    rendered = []
    for index, page in enumerate(pages):
        nav = ([more] if index + 1 < len(pages) else []) + ([back] if index else [])
        rendered.append("\n".join(page + nav))
    return rendered


def without_navigation(screen: str, language: str) -> str:
    """A page without its trailing `99`/`0` lines (for a last page sent with END)."""
    nav = {render("ussd.more", language), render("ussd.back", language)}
    lines = screen.split("\n")
    while len(lines) > 1 and lines[-1] in nav:
        lines.pop()
    return "\n".join(lines)
