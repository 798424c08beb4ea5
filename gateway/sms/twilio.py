"""Twilio: inbound SMS webhooks (signature, TwiML) and outbound sends over its REST API.

`TWILIO_API_BASE_URL` points the REST calls at a Twilio-compatible provider or at
the tests' stand-in server.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from gateway.config import Config
from gateway.sms.backends import Outgoing, SendError

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10
LOOKUP_PAGE_SIZE = 100
MAX_RETRY_AFTER = 3600.0  # seconds: a provider's Retry-After is believed up to an hour
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


def twiml(texts: tuple[str, ...]) -> str:
    """A TwiML document answering with one SMS carrying the texts (none: no reply)."""
    response = MessagingResponse()
    if texts:
        response.message("\n".join(texts))
    return str(response)


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
        except requests.ConnectionError as error:
            if isinstance(error, requests.exceptions.ConnectTimeout) or not _reached(error):
                raise SendError("provider unreachable", retryable=True,
                                provider_trouble=True) from None
            raise SendError("connection lost after sending", maybe_sent=True) from None
        except requests.Timeout:
            raise SendError("provider timed out", maybe_sent=True) from None
        except requests.RequestException:
            # e.g. a truncated answer: the request went out, so it may have been taken.
            raise SendError("provider answer unreadable", maybe_sent=True) from None
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


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from `Retry-After` (a number of seconds or an HTTP date), capped at
    MAX_RETRY_AFTER; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _created(item: Mapping) -> datetime:
    """When the provider created a listed message (RFC 2822, as Twilio writes dates);
    an unreadable date counts as recent, since wrongly re-sending is the worse mistake."""
    try:
        created = parsedate_to_datetime(item["date_created"])
    except (KeyError, TypeError, ValueError):
        return datetime.max.replace(tzinfo=UTC)
    return created if created.tzinfo else created.replace(tzinfo=UTC)  # "-0000": UTC


def _reached(error: requests.ConnectionError) -> bool:
    """Whether the request may have reached the provider (connection reset mid-way)."""
    text = str(error).lower()
    return "reset" in text or "aborted" in text or "remote end closed" in text


def _error(response: requests.Response) -> tuple[str | None, str]:
    try:
        data = response.json()
        return str(data.get("code") or response.status_code), str(data.get("message", ""))[:255]
    except ValueError:
        return str(response.status_code), response.text[:255]
