"""The load and the supervision of a chaos run.

`Texting` is phones texting `KB` (each turn sends an OTP) from threads, each retrying a
message like an SMS provider does: after a 503 (waiting its `Retry-After`), after any
other server error and when no answer comes; `Supervisor` restarts the worker and cron
processes when they exit, as the Procfile's supervisor (systemd, Heroku, Kubernetes)
does, and counts the restarts.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests
from twilio.request_validator import RequestValidator

from bench.stack import Stack
from tests.twilio_standin import AUTH_TOKEN

GIVE_UP_SECONDS = 120   # a provider retries a webhook for minutes; the run is bounded
RESTART_SECONDS = 1.0   # a supervisor's pause before restarting a process (RestartSec)
_VALIDATOR = RequestValidator(AUTH_TOKEN)


@dataclass
class Answers:
    """What the phones met: answered turns, server errors by status (5xx other than a
    503 with Retry-After), polite 503s, attempts without any answer, messages given up."""

    answered: int = 0
    server_errors: Counter[int] = field(default_factory=Counter)
    retry_later: int = 0
    unanswered: int = 0
    given_up: int = 0
    refused: Counter[int] = field(default_factory=Counter)   # 4xx: a bug in the script


class Texting:
    """`phones` threads, each texting KB from a new number, one message after another."""

    PREFIX = "+8497"  # the phones' numbers; the bulk run's people have others

    def __init__(self, stack: Stack, phones: int, pause: float = 0.2):
        self.stack, self.phones, self.pause = stack, phones, pause
        self.answers = Answers()
        self._numbers = (f"{self.PREFIX}{n:07d}" for n in itertools.count(1))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Texting:
        """Start texting."""
        for n in range(self.phones):
            thread = threading.Thread(target=self._phone, name=f"phone-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop starting messages; wait for the ones in flight (each bounded)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=GIVE_UP_SECONDS + 30)

    def _phone(self) -> None:
        with requests.Session() as http:
            while not self._stop.is_set():
                with self._lock:
                    number = next(self._numbers)
                self._text(http, number, "KB")
                time.sleep(self.pause)

    def _text(self, http: requests.Session, number: str, body: str) -> None:
        url = f"{self.stack.base_url}/sms/twilio"
        form = {"From": number, "To": "1022", "Body": body, "MessageSid": "SM" + uuid.uuid4().hex}
        headers = {"X-Twilio-Signature": _VALIDATOR.compute_signature(url, form)}
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < deadline:
            wait = 1.0
            try:
                response = http.post(url, data=form, headers=headers, timeout=30)
            except requests.RequestException:
                self._count("unanswered")
            else:
                if response.status_code == 200:
                    return self._count("answered")
                if response.status_code == 503 and response.headers.get("Retry-After"):
                    self._count("retry_later")
                    wait = min(float(response.headers["Retry-After"] or 1), 5.0)
                elif response.status_code >= 500:
                    with self._lock:
                        self.answers.server_errors[response.status_code] += 1
                else:
                    with self._lock:
                        self.answers.refused[response.status_code] += 1
                    return None
            time.sleep(wait)
        return self._count("given_up")

    def _count(self, what: str) -> None:
        with self._lock:
            setattr(self.answers, what, getattr(self.answers, what) + 1)


class Supervisor:
    """Restarts the stack's worker and cron processes when they exit."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.restarts: Counter[str] = Counter()
        self.restarted_at: list[tuple[str, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def start(self) -> Supervisor:
        """Watch in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (before the stack is taken down)."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            for name in ("worker0", "cron"):
                process = self.stack.processes.get(name)
                if process is None or process.poll() is None:
                    continue
                time.sleep(RESTART_SECONDS)
                self.stack.processes.pop(name, None)
                if name == "cron":
                    self.stack.start_cron()
                else:
                    self.stack.start_workers(self.stack.workers)
                self.restarts[name] += 1
                self.restarted_at.append((name, time.monotonic()))
