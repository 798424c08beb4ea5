"""USSD in the Africa's Talking convention: the provider's request as an `Inbound`,
and a `Reply` as the provider's answer.

Each request carries every input of the session so far, joined with `*`; the answer
is `CON <screen>` (more input expected) or `END <screen>`, at most 182 characters.
What the inputs mean, and the paging of a long screen, is the dialogue's
(`gateway.dialogue.router`, `gateway.dialogue.screens`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from gateway.dialogue.messages import Inbound, Reply
from gateway.phones import InvalidPhone, normalise
from gateway.text import USSD_MAX_CHARS

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


def answer(reply: Reply) -> str:
    """The provider's answer: `CON …` or `END …`, cut to 182 characters."""
    prefix = "END " if reply.end else "CON "
    return (prefix + "\n".join(reply.texts))[:USSD_MAX_CHARS]
