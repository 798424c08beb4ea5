"""The terminal phone behind `gateway sim`: talks to a running gateway over HTTP
through the same webhooks a provider calls (unsigned, so for a gateway without
TWILIO_AUTH_TOKEN: development and the demo)."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable

import requests

TIMEOUT = 15


class Unreachable(Exception):
    """The gateway did not answer or refused the request."""


def _post(url: str, form: dict[str, str]) -> str:
    # Credentials in the URL (http://user:password@host) go as HTTP Basic, as an
    # aggregator sends them; they are never printed.
    shown = re.sub(r"//[^/@]*@", "//", url)
    try:
        response = requests.post(url, data=form, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise Unreachable(f"cannot reach {shown}: {error}") from None
    if response.status_code != 200:
        raise Unreachable(f"{shown} answered {response.status_code}: {response.text.strip()}")
    return response.text


def chat(base_url: str, phone: str, lines: Iterable[str], say: Callable[[str], None]) -> None:
    """Send each line as an SMS and print the reply."""
    say(f"SMS as {phone}. Type a message (HD for help); Ctrl-D to quit.")
    for line in lines:
        text = line.rstrip("\n")
        answer = _post(f"{base_url}/sms/twilio", {"From": phone, "To": "sim", "Body": text,
                                                  "MessageSid": "SIM" + uuid.uuid4().hex})
        replies = [m.text or "" for m in ET.fromstring(answer).iter("Message")]
        say("< " + ("\n< ".join(replies) if replies else "(no reply)"))


def dial(base_url: str, phone: str, code: str, lines: Iterable[str],
         say: Callable[[str], None]) -> None:
    """Dial `code` and answer each screen with the next line, until END."""
    session, inputs = "SIM" + uuid.uuid4().hex, []
    screen = _post(f"{base_url}/ussd", {"sessionId": session, "serviceCode": code,
                                        "phoneNumber": phone, "text": ""})
    say(screen)
    for line in lines:
        if screen.startswith("END"):
            return
        inputs.append(line.strip())
        screen = _post(f"{base_url}/ussd", {"sessionId": session, "serviceCode": code,
                                            "phoneNumber": phone, "text": "*".join(inputs)})
        say(screen)
