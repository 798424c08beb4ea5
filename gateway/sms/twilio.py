"""Twilio: inbound SMS webhooks (signature, TwiML) and outbound sends over its REST API.

`TWILIO_API_BASE_URL` points the REST calls at a Twilio-compatible provider or at
the tests' stand-in server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import requests
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from gateway.config import Config
from gateway.sms.backends import Outgoing, SendError

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10
# Twilio's MessageStatus values → our outbound statuses.
STATUS_MAP = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "delivered",
    "undelivered": "undelivered", "failed": "failed", "canceled": "failed",
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
            form["StatusCallback"] = f"{self.config.public_base_url}/sms/twilio/status"
        try:
            response = self.http.post(self.url, data=form,
                                      timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.ConnectionError as error:
            if isinstance(error, requests.exceptions.ConnectTimeout) or not _reached(error):
                raise SendError("provider unreachable", retryable=True) from None
            raise SendError("connection lost after sending", maybe_sent=True) from None
        except requests.Timeout:
            raise SendError("provider timed out", maybe_sent=True) from None
        if response.status_code == 201:
            return response.json()["sid"]
        code, reason = _error(response)
        retryable = response.status_code == 429 or response.status_code >= 500
        raise SendError(reason, code=code, retryable=retryable)

    def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        """Look for this message among those sent to the phone since `since`."""
        try:
            response = self.http.get(self.url, params={"To": message.phone,
                                                       "DateSent>=": since.date().isoformat()},
                                     timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException:
            raise SendError("provider unreachable", retryable=True) from None
        if response.status_code != 200:
            raise SendError(f"lookup failed with HTTP {response.status_code}", retryable=True)
        for item in response.json().get("messages", []):
            if item.get("body") == message.body and item.get("to") == message.phone:
                return item["sid"]
        return None


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
