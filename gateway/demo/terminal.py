"""The terminal phone behind `gateway sim`: talks to a running gateway over HTTP
through the same webhooks a provider calls (unsigned, so for a gateway without
TWILIO_AUTH_TOKEN: development and the demo), and shows the SMS the gateway sends the
phone (OTPs, alerts) from the demo's outbox, as the simulator page does."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable

import requests

TIMEOUT = 15


class Unreachable(Exception):
    """The gateway did not answer or refused the request."""


def _request(url: str, **body) -> requests.Response:
    # Credentials in the URL (http://user:password@host) go as HTTP Basic, as an
    # aggregator sends them; they are never printed.
    try:
        return requests.post(url, timeout=TIMEOUT, **body)
    except requests.RequestException as error:
        raise Unreachable(f"cannot reach {_shown(url)}: {error}") from None


def _shown(url: str) -> str:
    return re.sub(r"//[^/@]*@", "//", url)


def _post(url: str, form: dict[str, str]) -> str:
    response = _request(url, data=form)
    if response.status_code != 200:
        raise Unreachable(f"{_shown(url)} answered {response.status_code}: "
                          f"{response.text.strip()}")
    return response.text


class Inbox:
    """The SMS the gateway sent to the phone, read from the simulator's outbox view
    (served by the demo only). Messages there before the first look count as seen."""

    NOT_SERVED = ("(this gateway shows no outbound SMS: only the demo does; "
                  "`gateway outbox` lists them)")

    def __init__(self, base_url: str, phone: str, say: Callable[[str], None]):
        self.url, self.phone, self.say = f"{base_url}/simulator/outbox", phone, say
        self.seen: set[int] | None = None
        self.served = True

    def show_new(self) -> None:
        """Print the messages not shown yet, oldest first."""
        if not self.served:
            return
        response = _request(self.url, json={"phone": self.phone})
        if response.status_code == 404:
            self.served = False
            self.say(self.NOT_SERVED)
            return
        if response.status_code != 200:
            return  # e.g. a number the gateway refuses: the reply already said why
        messages = list(reversed(response.json().get("messages", [])))
        first = self.seen is None
        self.seen = self.seen or set()
        for message in messages:
            if message["id"] in self.seen:
                continue
            self.seen.add(message["id"])
            if not first:
                self.say(f"SMS ({message['kind']}): {message['body']}")


def chat(base_url: str, phone: str, lines: Iterable[str], say: Callable[[str], None]) -> None:
    """Send each line as an SMS and print the reply."""
    say(f"SMS as {phone}. Type a message (HD for help); Ctrl-D to quit.")
    inbox = Inbox(base_url, phone, say)
    inbox.show_new()
    for line in lines:
        text = line.rstrip("\n")
        answer = _post(f"{base_url}/sms/twilio", {"From": phone, "To": "sim", "Body": text,
                                                  "MessageSid": "SIM" + uuid.uuid4().hex})
        replies = [m.text or "" for m in ET.fromstring(answer).iter("Message")]
        say("< " + ("\n< ".join(replies) if replies else "(no reply)"))
        inbox.show_new()


def dial(base_url: str, phone: str, code: str, lines: Iterable[str],
         say: Callable[[str], None]) -> None:
    """Dial `code` and answer each screen with the next line, until END."""
    session, inputs = "SIM" + uuid.uuid4().hex, []
    inbox = Inbox(base_url, phone, say)
    inbox.show_new()
    screen = _post(f"{base_url}/ussd", {"sessionId": session, "serviceCode": code,
                                        "phoneNumber": phone, "text": ""})
    say(screen)
    inbox.show_new()
    for line in lines:
        if screen.startswith("END"):
            return
        inputs.append(line.strip())
        screen = _post(f"{base_url}/ussd", {"sessionId": session, "serviceCode": code,
                                            "phoneNumber": phone, "text": "*".join(inputs)})
        say(screen)
        inbox.show_new()
