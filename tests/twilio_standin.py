"""A local stand-in for the parts of the Twilio REST API the gateway uses.

It is a real HTTP server (stdlib, threaded, 127.0.0.1, ephemeral port) reached through
`TWILIO_API_BASE_URL`, so tests exercise the real `requests` calls of `TwilioBackend`
from the test process and from real RQ worker processes alike:

- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` creates a message (HTTP basic
  auth, `To`, `Body`, `From` or `MessagingServiceSid`), answering 201 with Twilio's JSON;
  an invalid `To` gets 400 with Twilio's error 21211.
- `GET /2010-04-01/Accounts/{AccountSid}/Messages.json?To=…&DateSent>=…` lists the
  messages it holds, newest first, like Twilio's list resource.

Tests steer it: `fail_next` (500/429…), `outage` (every create request answers an
error for a while, with `Retry-After` if asked), `delay` (answer late, after or before accepting
the message: a slow provider while a worker is killed), `backlog` (accepted messages
stay `queued` at the provider, without a send date) and `wait_for_*` (bounded waits).
Use it through the `twilio_standin` fixture (`twilio_standin_fixture` below).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.local_server import LocalServer

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "standin-auth-token"
API_VERSION = "2010-04-01"
_MESSAGES_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_MESSAGING_SERVICE = re.compile(r"^MG[0-9a-f]{32}$")


def _rfc2822(moment: datetime) -> str:
    """Twilio writes its dates in RFC 2822 form: 'Wed, 18 Aug 2010 20:01:40 +0000'."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


@dataclass
class Failure:
    """An error answer the stand-in gives to the next create requests."""

    status: int
    code: int
    message: str


@dataclass
class Outage:
    """A window (monotonic seconds) in which every create request gets `status`."""

    status: int
    start: float
    end: float
    retry_after: float | None


@dataclass
class CreateRequest:
    """One `POST …/Messages.json` the stand-in received (accepted or not)."""

    form: dict[str, str]
    auth: tuple[str, str] | None
    status: int = 0  # HTTP status answered; 0 while in flight, -1 dropped unanswered
    received_at: float = field(default_factory=time.monotonic)


class TwilioStandIn(LocalServer):
    """The server plus its recorded state and the controls tests use. Thread-safe."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []    # accepted messages, oldest first
        self.requests: list[CreateRequest] = []     # every create request, oldest first
        self.backlog = False          # accepted messages stay queued (no date_sent)
        self._failures: list[Failure] = []
        self._outages: list[Outage] = []
        self._delay = 0.0
        self._delay_before_accept = False
        self._delay_count = 0
        self._changed = threading.Condition()
        self._released = threading.Event()          # set on stop: end any delay at once
        super().__init__(_handler_for(self), "twilio-standin")

    def stopping(self) -> None:
        """Requests held by `delay` end at once."""
        self._released.set()

    # Controls ---------------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500, code: int | None = None,
                  message: str = "Internal server error") -> None:
        """Answer the next `count` create requests with `status` (nothing is accepted).
        The error code defaults to Twilio's for the status (20500, 20429, …)."""
        code = code if code is not None else 20000 + status
        with self._changed:
            self._failures += [Failure(status, code, message)] * count

    def outage(self, status: int, seconds: float, retry_after: float | None = None) -> None:
        """Every create request answers `status` (429, 500, 503…) for `seconds` from now,
        with a `Retry-After` header of `retry_after` seconds when given; nothing is
        accepted meanwhile. A later outage takes over from an earlier one."""
        now = time.monotonic()
        with self._changed:
            self._outages.append(Outage(status, now, now + seconds, retry_after))

    def requests_answered(self, status: int) -> list[CreateRequest]:
        """The create requests answered with `status` so far (e.g. during an outage)."""
        with self._changed:
            return [r for r in self.requests if r.status == status]

    def delay(self, seconds: float, before_accept: bool = False, count: int = 1) -> None:
        """Hold the next `count` create requests for `seconds` before answering.

        By default the message is accepted (recorded) first and only the answer is late:
        the provider has it although the client may never learn its SID. With
        `before_accept`, nothing is recorded while held, and a request whose client went
        away meanwhile is dropped: the provider never got the message.
        """
        with self._changed:
            self._delay, self._delay_before_accept, self._delay_count = (
                seconds, before_accept, count)

    def release(self) -> None:
        """End every current and future delay now."""
        self._released.set()

    def wait_for_messages(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """Block until at least `count` messages were accepted; return them all."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"stand-in got {len(self.messages)} messages, "
                                     f"expected {count} within {timeout}s")
            return list(self.messages)

    def wait_for_requests(self, count: int, timeout: float = 10) -> list[CreateRequest]:
        """Block until at least `count` create requests arrived (even if still held)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"stand-in got {len(self.requests)} create requests, "
                                     f"expected {count} within {timeout}s")
            return list(self.requests)

    def sent_to(self, phone: str) -> list[dict[str, Any]]:
        """The accepted messages addressed to `phone`, oldest first."""
        with self._changed:
            return [m for m in self.messages if m["to"] == phone]

    # Request handling (called from the server's threads) --------------------------------

    def _authorized(self, auth: tuple[str, str] | None) -> bool:
        return auth == (self.account_sid, self.auth_token)

    def create(self, account: str, form: dict[str, str],
               auth: tuple[str, str] | None, client_gone) -> tuple | None:
        """Handle a create request: (status, payload[, headers]); None means: drop the
        connection without an answer."""
        request = CreateRequest(form, auth)
        with self._changed:
            self.requests.append(request)
            outage = next((o for o in reversed(self._outages)
                           if o.start <= request.received_at < o.end), None)
            if outage is not None:
                request.status = outage.status
                self._changed.notify_all()
                headers = ({"Retry-After": f"{outage.retry_after:g}"}
                           if outage.retry_after is not None else {})
                return (outage.status, _error(20000 + outage.status, "Service unavailable",
                                              outage.status), headers)
            failure = self._failures.pop(0) if self._failures else None
            delay = self._delay if self._delay_count > 0 else 0.0
            before_accept = self._delay_before_accept
            if delay:
                self._delay_count -= 1
            self._changed.notify_all()
        answer = self._create_answer(account, form, auth, failure, delay, before_accept,
                                     client_gone)
        with self._changed:
            request.status = answer[0] if answer else -1
            self._changed.notify_all()
        return answer

    def _create_answer(self, account, form, auth, failure, delay, before_accept, client_gone):
        if not self._authorized(auth) or account != self.account_sid:
            return 401, _error(20003, "Authentication Error - invalid username", 401)
        if failure is not None:
            return failure.status, _error(failure.code, failure.message, failure.status)
        if not form.get("To"):
            return 400, _error(21604, "A 'To' phone number is required.", 400)
        if not _E164.match(form["To"]):
            return 400, _error(21211, f"Invalid 'To' Phone Number: {form['To']}", 400)
        if not form.get("Body"):
            return 400, _error(21602, "Message body is required.", 400)
        service = form.get("MessagingServiceSid", "")
        if not form.get("From") and not service:
            return 400, _error(21603, "A 'From' or 'MessagingServiceSid' parameter is "
                                      "required to send a message.", 400)
        if service and not _MESSAGING_SERVICE.match(service):
            return 400, _error(21705, "The Messaging Service Sid is invalid.", 400)
        if delay and before_accept:
            self._released.wait(delay)
            if client_gone():
                return None  # the client died before the provider took the message
        message = self._accept(form)
        if delay and not before_accept:
            self._released.wait(delay)
        return 201, message

    def _accept(self, form: dict[str, str]) -> dict[str, Any]:
        now = datetime.now(UTC)
        sid = "SM" + secrets.token_hex(16)
        service = form.get("MessagingServiceSid") or None
        stored = {
            "sid": sid, "account_sid": self.account_sid, "api_version": API_VERSION,
            "to": form["To"], "from": form.get("From") or None, "body": form["Body"],
            "messaging_service_sid": service, "status_callback": form.get("StatusCallback"),
            "status": "accepted" if service else "queued", "direction": "outbound-api",
            "num_segments": "1", "num_media": "0", "price": None, "price_unit": "USD",
            "error_code": None, "error_message": None,
            "date_created": _rfc2822(now), "date_updated": _rfc2822(now), "date_sent": None,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        answer = dict(stored)  # Twilio answers with the initial state, before it sends
        if not self.backlog:
            stored.update(status="sent", date_sent=_rfc2822(now))
        with self._changed:
            self.messages.append(stored)
            self._changed.notify_all()
        return answer

    def list(self, account: str, query: dict[str, list[str]],
             auth: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        """Messages filtered like Twilio's list resource (To, From, DateSent>=, DateSent<)."""
        if not self._authorized(auth) or account != self.account_sid:
            return 401, _error(20003, "Authentication Error - invalid username", 401)
        # `DateSent>=2024-05-01` arrives as key "DateSent>" when the client leaves the "="
        # unencoded (Twilio's own libraries) and as key "DateSent>=" when it encodes it.
        first = {key.rstrip("="): values[0] for key, values in query.items()}
        try:
            after = date.fromisoformat(first["DateSent>"]) if "DateSent>" in first else None
            before = date.fromisoformat(first["DateSent<"]) if "DateSent<" in first else None
            page_size = min(int(first.get("PageSize", 50)), 1000)
        except ValueError:
            return 400, _error(20001, "Invalid filter value", 400)
        with self._changed:
            found = [dict(m) for m in reversed(self.messages)]  # newest first, as Twilio
        if "To" in first:
            found = [m for m in found if m["to"] == first["To"]]
        if "From" in first:
            found = [m for m in found if m["from"] == first["From"]]
        if after or before:  # a message not sent yet has no date_sent: filtered out
            found = [m for m in found if m["date_sent"] and _in_range(m["date_sent"], after,
                                                                      before)]
        path = f"/{API_VERSION}/Accounts/{account}/Messages.json"
        return 200, {"messages": found[:page_size], "page": 0, "page_size": page_size,
                     "start": 0, "end": max(len(found[:page_size]) - 1, 0),
                     "uri": path, "first_page_uri": path, "next_page_uri": None,
                     "previous_page_uri": None}


def _in_range(rfc2822: str, after: date | None, before: date | None) -> bool:
    day = parsedate_to_datetime(rfc2822).astimezone(UTC).date()
    return (after is None or day >= after) and (before is None or day < before)


def _error(code: int, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def _handler_for(standin: TwilioStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Routes requests to the stand-in; answers JSON like Twilio."""

        protocol_version = "HTTP/1.1"  # keep-alive, as requests' Session expects
        # Headers and body go out in separate writes; without TCP_NODELAY the body waits
        # for the client's delayed ACK (40 ms a request), which is no real provider's.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            match = _MESSAGES_PATH.match(urlsplit(self.path).path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            if match is None:
                return self._send(404, _error(20404, "The requested resource was not found",
                                              404))
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            answer = standin.create(match["account"], form, self._auth(), self._client_gone)
            if answer is None:
                self.close_connection = True
                return None
            return self._send(*answer)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            match = _MESSAGES_PATH.match(parts.path)
            if match is None:
                return self._send(404, _error(20404, "The requested resource was not found",
                                              404))
            return self._send(*standin.list(match["account"], parse_qs(parts.query),
                                            self._auth()))

        def _auth(self) -> tuple[str, str] | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return None
            return user, password

        def _client_gone(self) -> bool:
            """True when the client closed its end (e.g. its process was killed)."""
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            try:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def _send(self, status: int, payload: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                self.close_connection = True  # the client is gone: nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests assert on recorded requests, not on access logs."""

    return Handler


@pytest.fixture(name="twilio_standin")
def twilio_standin_fixture() -> Iterator[TwilioStandIn]:
    """`twilio_standin`: a running stand-in for the Twilio REST API, stopped after the
    test. A test module imports this function to offer the fixture (or a conftest lists
    this module in `pytest_plugins`)."""
    standin = TwilioStandIn().start()
    yield standin
    standin.stop()
