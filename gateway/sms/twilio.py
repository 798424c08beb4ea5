"""Twilio: inbound SMS webhooks (signature, TwiML: `POST /sms/twilio`, status
callbacks: `POST /sms/twilio/status`) and outbound sends over its REST API.

`TWILIO_API_BASE_URL` points the REST calls at a Twilio-compatible provider or at
the tests' stand-in server. `PROVIDER` is its entry in the provider table.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from xml.sax.saxutils import escape

import requests
from flask import Blueprint, Response, request
from twilio.request_validator import RequestValidator

from gateway import runtime
from gateway.config import Config, ConfigError
from gateway.dialogue import router
from gateway.dialogue.messages import Inbound
from gateway.dialogue.turn import handle
from gateway.edge.inputs import whole_number
from gateway.sms.backends import Outgoing, Provider, SendError
from gateway.sms.rest import CONNECT_TIMEOUT, READ_TIMEOUT, call_failed, retry_after
from gateway.store import messages
from gateway.store.db import transaction
from gateway.webhooks import (
    MAX_ERROR_CODE,
    MAX_SID,
    MAX_SMS_BODY,
    BadRequest,
    forbidden,
    form_fields,
    guarded,
    limit,
    phone_of,
    require,
    text_response,
)

LOOKUP_PAGE_SIZE = 100
# Twilio's MessageStatus values → our outbound statuses.
STATUS_MAP = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "delivered",
    "undelivered": "undelivered", "failed": "failed", "canceled": "failed",
    # Not every part reached the phone, so the citizen may not have the whole text.
    "partially_delivered": "undelivered",
}


def valid_signature(auth_token: str, url: str, params: Mapping[str, str],
                    signature: str) -> bool:
    """True when `X-Twilio-Signature` signs this URL and these form fields."""
    return RequestValidator(auth_token).validate(url, dict(params), signature)


NEWLINE = "\n"
_TWIML_HEAD = '<?xml version="1.0" encoding="UTF-8"?><Response>'


def twiml(texts: tuple[str, ...]) -> str:
    """A TwiML document answering with one SMS carrying the texts (none: no reply).
    Written as text: the same bytes as the Twilio library's `MessagingResponse` (a
    test holds them equal) at a thirtieth of its CPU, on every SMS turn."""
    if not texts:
        return _TWIML_HEAD[:-1] + " />"
    body = escape(NEWLINE.join(texts))
    message = f"<Message>{body}</Message>" if body else "<Message />"
    return f"{_TWIML_HEAD}{message}</Response>"


class TwilioBackend:
    """Sends through the Messages resource of the Twilio REST API."""

    name = "twilio"

    def __init__(self, config: Config):
        self.config = config
        self.sender = config.twilio_from or config.twilio_messaging_service_sid
        self.url = (f"{config.twilio_api_base_url}/2010-04-01/Accounts/"
                    f"{config.twilio_account_sid}/Messages.json")
        self.http = requests.Session()
        self.http.auth = (config.twilio_account_sid, config.twilio_auth_token)

    def send(self, message: Outgoing) -> str:
        """Create the message; return its SID."""
        form = {"To": message.phone, "Body": message.body}
        if self.config.twilio_messaging_service_sid:
            form["MessagingServiceSid"] = self.config.twilio_messaging_service_sid
        else:
            form["From"] = self.config.twilio_from
        if self.config.public_base_url:
            # The outbox id (not personal data) lets a report that beats `mark_sent` find
            # its message.
            form["StatusCallback"] = (f"{self.config.public_base_url}/sms/twilio/status"
                                      f"?m={message.message_id}")
        try:
            response = self.http.post(self.url, data=form,
                                      timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as error:
            raise call_failed(error) from None
        if response.status_code == 201:
            try:
                return str(response.json()["sid"])
            except (ValueError, KeyError, TypeError):
                raise SendError("provider answer without a SID", maybe_sent=True) from None
        code, reason = _error(response)
        trouble = response.status_code == 429 or response.status_code >= 500
        raise SendError(reason, code=code, retryable=trouble, provider_trouble=trouble,
                        retry_after=retry_after(response.headers.get("Retry-After")))

    def find_sent(self, message: Outgoing, since: datetime,
                  exclude: Set[str] = frozenset()) -> str | None:
        """Look for this message among the latest ones to the phone.

        No `DateSent` filter: a message the provider accepted but still holds in its
        queue (a long-code sender does about one a second) has no send date yet, and
        missing it would send it twice. Newest first, so one page reaches back far
        enough; creation times are compared exactly, not by day.
        """
        try:
            response = self.http.get(self.url, params={"To": message.phone,
                                                       "PageSize": LOOKUP_PAGE_SIZE},
                                     timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException:
            raise SendError("provider unreachable", retryable=True) from None
        if response.status_code != 200:
            raise SendError(f"lookup failed with HTTP {response.status_code}", retryable=True)
        try:
            items = response.json().get("messages", [])
        except (ValueError, AttributeError):
            raise SendError("lookup answer unreadable", retryable=True) from None
        for item in items:
            if (item.get("to") == message.phone and item.get("body") == message.body
                    and item.get("sid") not in exclude
                    and _created(item) >= since):
                return str(item["sid"])
        return None


def _created(item: Mapping) -> datetime:
    """When the provider created a listed message (RFC 2822, as Twilio writes dates);
    an unreadable date counts as recent, since wrongly re-sending is the worse mistake."""
    try:
        created = parsedate_to_datetime(item["date_created"])
    except (KeyError, TypeError, ValueError):
        return datetime.max.replace(tzinfo=UTC)
    return created if created.tzinfo else created.replace(tzinfo=UTC)  # "-0000": UTC


def _error(response: requests.Response) -> tuple[str | None, str]:
    try:
        data = response.json()
        return str(data.get("code") or response.status_code), str(data.get("message", ""))[:255]
    except ValueError:
        return str(response.status_code), response.text[:255]


def check_settings(config: Config) -> None:
    """SMS_BACKEND=twilio needs the account's credentials and a sender."""
    if not (config.twilio_account_sid and config.twilio_auth_token):
        raise ConfigError("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    if not (config.twilio_from or config.twilio_messaging_service_sid):
        raise ConfigError("SMS_BACKEND=twilio needs TWILIO_FROM or "
                          "TWILIO_MESSAGING_SERVICE_SID")


# The inbound webhooks. Mounted whatever SMS_BACKEND says (as always: a gateway may
# take MO from Twilio while sending through another provider); unsigned requests are
# refused as soon as TWILIO_AUTH_TOKEN is set.
routes = guarded(Blueprint("twilio", __name__))


def _check_signature(form: dict[str, str]) -> Response | None:
    token = runtime.current().config.twilio_auth_token
    if not token:
        return None
    base = runtime.current().config.public_base_url
    url = base + request.full_path.rstrip("?") if base else request.url
    signature = request.headers.get("X-Twilio-Signature", "")
    if not valid_signature(token, url, form, signature):
        return forbidden("invalid X-Twilio-Signature")
    return None


@routes.post("/sms/twilio")
def inbound() -> Response:
    """An SMS from a phone: answer with TwiML carrying the reply."""
    form = form_fields()
    denied = _check_signature(form)
    if denied:
        return denied
    require(form, "From", "To", "Body", "MessageSid", blank=("Body",))
    limit(form, "Body", MAX_SMS_BODY)
    limit(form, "MessageSid", MAX_SID)
    phone = phone_of(form, "From")
    message = Inbound(channel="sms", provider="twilio", provider_id=form["MessageSid"],
                      phone=phone, text=form["Body"], recipient=form["To"][:32])
    reply = handle(runtime.current(), message, router.sms)
    return text_response(twiml(reply.texts), mimetype="application/xml")


@routes.post("/sms/twilio/status")
def status() -> Response:
    """A delivery report for a message we sent."""
    form = form_fields()
    denied = _check_signature(form)
    if denied:
        return denied
    require(form, "MessageSid", "MessageStatus")
    if len(form["MessageSid"].strip()) > MAX_SID:
        raise BadRequest(f"field 'MessageSid' longer than {MAX_SID} characters")
    limit(form, "ErrorCode", MAX_ERROR_CODE)
    state = STATUS_MAP.get(form["MessageStatus"].strip().lower())
    if state is None:
        raise BadRequest(f"field 'MessageStatus' has unknown value {form['MessageStatus'][:40]!r}")
    # `m` is the outbox id the gateway put in the callback URL; anything else there
    # (a number beyond the column, letters) cannot be ours and is ignored.
    ref = request.args.get("m", "")
    with transaction(runtime.current().sessions) as session:
        known = messages.apply_status(session, form["MessageSid"].strip(), state,
                                      form.get("ErrorCode") or None, whole_number(ref))
    # An unknown SID (e.g. a TwiML reply) is acknowledged so Twilio does not retry.
    return text_response("ok\n" if known else "ignored: unknown MessageSid\n")


PROVIDER = Provider("twilio", backend=TwilioBackend, check=check_settings, routes=routes)
