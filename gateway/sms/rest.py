"""What every REST provider's backend shares: the timeouts, and how a failed HTTP call
becomes a SendError — never reached (retry, the provider is in trouble), or maybe taken
(reconcile, never re-send blindly) — and how long a provider's `Retry-After` asks for."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from gateway.sms.backends import SendError

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10
MAX_RETRY_AFTER = 3600.0  # seconds: a provider's Retry-After is believed up to an hour


def call_failed(error: requests.RequestException) -> SendError:
    """The SendError of a send whose HTTP call raised: a connection never made is
    retryable; once the request may have left, the provider may have the message."""
    if isinstance(error, requests.ConnectionError):
        if isinstance(error, requests.exceptions.ConnectTimeout) or not _reached(error):
            return SendError("provider unreachable", retryable=True, provider_trouble=True)
        return SendError("connection lost after sending", maybe_sent=True)
    if isinstance(error, requests.Timeout):
        return SendError("provider timed out", maybe_sent=True)
    # e.g. a truncated answer: the request went out, so it may have been taken.
    return SendError("provider answer unreadable", maybe_sent=True)


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


def _reached(error: requests.ConnectionError) -> bool:
    """Whether the request may have reached the provider (connection reset mid-way)."""
    text = str(error).lower()
    return "reset" in text or "aborted" in text or "remote end closed" in text
