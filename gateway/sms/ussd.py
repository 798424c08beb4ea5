"""USSD in the Africa's Talking convention.

Each request carries every input of the session so far, joined with `*`; the answer
is `CON <screen>` (more input expected) or `END <screen>`, at most 182 characters.
A screen longer than that is split into pages: `99` shows the next page, `0` the
previous one, `00` returns to the main menu.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from gateway.dialogue import Inbound, Reply
from gateway.flows.messages import render
from gateway.phones import InvalidPhone, normalise
from gateway.text import USSD_MAX_CHARS

MORE, BACK, MAIN_MENU = "99", "0", "00"
PREFIX_CHARS = len("CON ")
SCREEN_CHARS = USSD_MAX_CHARS - PREFIX_CHARS
REQUIRED = ("sessionId", "serviceCode", "phoneNumber")
MAX_TEXT = 160


class BadRequest(ValueError):
    """The request is missing or has a malformed field; the message says which."""


def parse(form: Mapping[str, str]) -> Inbound:
    """An `Inbound` from the provider's form fields (raises BadRequest)."""
    for name in REQUIRED:
        if not form.get(name, "").strip():
            raise BadRequest(f"field '{name}' required")
    if "text" not in form:
        raise BadRequest("field 'text' required (empty on the first request)")
    text = form["text"]
    if len(text) > MAX_TEXT:
        raise BadRequest(f"field 'text' longer than {MAX_TEXT} characters")
    try:
        phone = normalise(form["phoneNumber"])
    except InvalidPhone as error:
        raise BadRequest(f"field 'phoneNumber' is not a valid mobile number ({error})") from None
    session_id = form["sessionId"].strip()[:64]
    digest = hashlib.sha256(f"{session_id}\x00{text}".encode()).hexdigest()[:40]
    return Inbound(channel="ussd", provider="ussd", provider_id=digest, phone=phone, text=text,
                   recipient=form["serviceCode"].strip()[:32], session_id=session_id)


def new_inputs(text: str, seen: int) -> list[str]:
    """The inputs of a cumulative `text` that were not handled yet."""
    parts = text.split("*") if text else []
    return [part.strip() for part in parts[seen:]]


def paginate(text: str, language: str) -> list[str]:
    """Split a screen into pages that fit with their `99`/`0` navigation lines."""
    more, back = render("ussd.more", language), render("ussd.back", language)
    if len(text) <= SCREEN_CHARS:
        return [text]
    pages, lines = [], text.split("\n")
    current: list[str] = []
    for line in lines:
        line = line[:SCREEN_CHARS - len(more) - len(back) - 2]
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


def answer(reply: Reply) -> str:
    """The provider's answer: `CON …` or `END …`, cut to 182 characters."""
    prefix = "END " if reply.end else "CON "
    return (prefix + "\n".join(reply.texts))[:USSD_MAX_CHARS]
