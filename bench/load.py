"""Drive load: closed loop (N phones at once, each living one life after another) or
open loop (lives started at a fixed rate), and the bare-endpoint baseline."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from bench.phones import Phone, Timings, Unexpected
from bench.scenarios import LIVES, number_for

BARE_BODY = {"From": "+84912345678", "To": "1022", "Body": "KB", "MessageSid": "SM" + "0" * 32,
             "AccountSid": "AC" + "0" * 32, "NumMedia": "0", "SmsStatus": "received"}


@dataclass
class Run:
    """What one load run did."""

    seconds: float
    timings: Timings
    expected: dict[str, Counter] = field(default_factory=dict)  # phone -> records

    def throughput(self) -> float:
        """Turns (HTTP requests) per second, the OTP deliveries left out."""
        turns = sum(len(v) for k, v in self.timings.latencies.items() if k != "otp.delivery")
        return turns / self.seconds


async def _life(http, stack, venue: str, run: Run, index: int) -> None:
    kind, conversations = LIVES[index % len(LIVES)]
    phone = Phone(http, stack.base_url, number_for(kind), run.timings, stack.standin)
    made = run.expected.setdefault(phone.number, Counter())
    try:
        for conversation in conversations:
            await conversation(phone, venue, made)
    except (TimeoutError, Unexpected, aiohttp.ClientError) as error:
        run.timings.errors.append(str(error) or type(error).__name__)


def _client(limit: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit),
                                 timeout=aiohttp.ClientTimeout(total=30))


async def closed_loop(stack, venue: str, phones: int, seconds: float) -> Run:
    """`phones` phones at once, each starting a new life when one ends, for `seconds`."""
    run = Run(0, Timings())
    counter = itertools.count()
    deadline = time.monotonic() + seconds
    async with _client(phones) as http:
        async def phone_loop():
            while time.monotonic() < deadline:
                await _life(http, stack, venue, run, next(counter))
        started = time.perf_counter()
        await asyncio.gather(*(phone_loop() for _ in range(phones)))
        run.seconds = time.perf_counter() - started
    return run


async def open_loop(stack, venue: str, lives_per_second: float, seconds: float,
                    max_in_flight: int = 400) -> Run:
    """Start lives at a steady rate for `seconds` (latency at a given load)."""
    run = Run(0, Timings())
    tasks: list[asyncio.Task] = []
    async with _client(max_in_flight) as http:
        started = time.perf_counter()
        for index in itertools.count():
            due = started + index / lives_per_second
            if due - started > seconds:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks = [t for t in tasks if not t.done()]
            if len(tasks) < max_in_flight:
                tasks.append(asyncio.create_task(_life(http, stack, venue, run, index)))
        await asyncio.gather(*tasks)
        run.seconds = time.perf_counter() - started
    return run


async def bare(stack, clients: int, seconds: float) -> Run:
    """The baseline: POST a webhook-sized form to the bare endpoint, closed loop."""
    run = Run(0, Timings())
    deadline = time.monotonic() + seconds
    url = f"{stack.base_url}/bench/bare"
    async with _client(clients) as http:
        async def client_loop():
            while time.monotonic() < deadline:
                begun = time.perf_counter()
                async with http.post(url, data=BARE_BODY) as response:
                    await response.read()
                    if response.status != 200:
                        run.timings.errors.append(f"bare: HTTP {response.status}")
                run.timings.add("bare", time.perf_counter() - begun)
        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(clients)))
        run.seconds = time.perf_counter() - started
    return run
