"""Virtual phones: each texts and dials the gateway over HTTP like a provider would
(signed Twilio webhooks, Africa's Talking USSD requests), reads its OTPs from the
Twilio stand-in, and times every turn by step type."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
from twilio.request_validator import RequestValidator

from tests.twilio_standin import AUTH_TOKEN, TwilioStandIn

OTP_WAIT_SECONDS = 30
_VALIDATOR = RequestValidator(AUTH_TOKEN)


@dataclass
class Timings:
    """Latencies (seconds) by step type, and failures."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, step: str, seconds: float) -> None:
        """Record one turn."""
        self.latencies[step].append(seconds)

    def turns(self) -> int:
        """How many turns were timed."""
        return sum(len(v) for v in self.latencies.values())


class Unexpected(Exception):
    """The gateway answered something the script did not expect."""


class Phone:
    """One feature phone."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, number: str,
                 timings: Timings, standin: TwilioStandIn):
        self.http, self.base_url, self.number = http, base_url, number
        self.timings, self.standin = timings, standin
        self.ussd_session, self.ussd_inputs = "", []

    async def sms(self, step: str, body: str, expect: str = "") -> str:
        """Text the gateway; return the reply."""
        form = {"From": self.number, "To": "1022", "Body": body,
                "MessageSid": "SM" + uuid.uuid4().hex}
        url = f"{self.base_url}/sms/twilio"
        headers = {"X-Twilio-Signature": _VALIDATOR.compute_signature(url, form)}
        text = await self._post(step, url, form, headers)
        reply = "\n".join(m.text or "" for m in ET.fromstring(text).iter("Message"))
        return self._check(step, reply, expect)

    async def dial(self, step: str, expect: str = "", code: str = "*1022#") -> str:
        """Start a USSD session."""
        self.ussd_session, self.ussd_inputs, self.code = "AT" + uuid.uuid4().hex, [], code
        return await self._ussd(step, expect)

    async def press(self, step: str, key: str, expect: str = "") -> str:
        """Answer the USSD screen."""
        self.ussd_inputs.append(key)
        return await self._ussd(step, expect)

    async def _ussd(self, step: str, expect: str) -> str:
        form = {"sessionId": self.ussd_session, "serviceCode": self.code,
                "phoneNumber": self.number, "networkCode": "45204",
                "text": "*".join(self.ussd_inputs)}
        screen = await self._post(step, f"{self.base_url}/ussd", form, {})
        return self._check(step, screen, expect)

    async def _post(self, step: str, url: str, form: dict, headers: dict) -> str:
        started = time.perf_counter()
        async with self.http.post(url, data=form, headers=headers) as response:
            text = await response.text()
            if response.status != 200:
                raise Unexpected(f"{step}: HTTP {response.status} {text[:80]}")
        self.timings.add(step, time.perf_counter() - started)
        return text

    def _check(self, step: str, reply: str, expect: str) -> str:
        if expect not in reply:
            raise Unexpected(f"{step}: expected {expect!r}, got {reply[:90]!r}")
        return reply

    async def otp(self, already: int) -> str:
        """Wait for the OTP SMS that follows the `already` messages this phone had."""
        started = time.perf_counter()
        while time.perf_counter() - started < OTP_WAIT_SECONDS:
            received = self.standin.sent_to(self.number)
            if len(received) > already:
                self.timings.add("otp.delivery", time.perf_counter() - started)
                return re.search(r"\b\d{6}\b", received[already]["body"]).group(0)
            await asyncio.sleep(0.02)
        raise Unexpected("otp: no SMS arrived")
