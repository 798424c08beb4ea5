"""USSD in the Africa's Talking convention.

Each request carries every input of the session so far, joined with `*`; the answer
is `CON <screen>` (more input expected) or `END <screen>`, at most 182 characters.
A screen longer than that is split into pages: `99` shows the next page, `0` the
previous one, `00` returns to the main menu.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Mapping

from gateway.dialogue import Inbound, Reply
from gateway.flows.messages import render
from gateway.phones import InvalidPhone, normalise
from gateway.text import USSD_MAX_CHARS

MORE, BACK, MAIN_MENU = "99", "0", "00"
PREFIX_CHARS = len("CON ")
SCREEN_CHARS = USSD_MAX_CHARS - PREFIX_CHARS
REQUIRED = ("sessionId", "serviceCode", "phoneNumber")
# `text` is cumulative (every input of the session), so only MAX_BODY_BYTES bounds it;
# one input cannot be longer than a USSD string itself (GSM 03.90: 182 characters),
# so a longer one did not come from a phone.
MAX_INPUT = USSD_MAX_CHARS
MAX_SESSION_ID = 64


class BadRequest(ValueError):
    """The request is missing or has a malformed field; the message says which."""


def parse(form: Mapping[str, str]) -> Inbound:
    """An `Inbound` from the provider's form fields (raises BadRequest)."""
    for name in REQUIRED:
        if not form.get(name, "").strip():
            raise BadRequest(f"field '{name}' required")
    if "text" not in form:
        raise BadRequest("field 'text' required (empty on the first request)")
    if len(form["sessionId"].strip()) > MAX_SESSION_ID:
        # Refused rather than cut: two sessions sharing a prefix would share a dialogue.
        raise BadRequest(f"field 'sessionId' longer than {MAX_SESSION_ID} characters")
    text = form["text"]
    if any(len(part) > MAX_INPUT for part in text.split("*")):
        raise BadRequest(f"field 'text' has an input longer than {MAX_INPUT} characters")
    try:
        phone = normalise(form["phoneNumber"])
    except InvalidPhone as error:
        raise BadRequest(f"field 'phoneNumber' is not a valid mobile number ({error})") from None
    session_id = form["sessionId"].strip()
    # A request is identified by phone, session and text: a provider's retry matches,
    # while a session id that a provider reuses for another phone does not.
    digest = hashlib.sha256(f"{phone}\x00{session_id}\x00{text}".encode()).hexdigest()[:40]
    return Inbound(channel="ussd", provider="ussd", provider_id=digest, phone=phone, text=text,
                   recipient=form["serviceCode"].strip()[:32], session_id=session_id)


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


def answer(reply: Reply) -> str:
    """The provider's answer: `CON …` or `END …`, cut to 182 characters."""
    prefix = "END " if reply.end else "CON "
    return (prefix + "\n".join(reply.texts))[:USSD_MAX_CHARS]
