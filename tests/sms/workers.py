"""Shared by the outbound tests: real `gateway worker` processes and what they did.

Test modules offer the `config` and `workers` fixtures by importing them from here."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from rq.job import Job
from rq.registry import FinishedJobRegistry, ScheduledJobRegistry
from sqlalchemy import update

from gateway import runtime
from gateway.config import Config
from gateway.runtime import QUEUES
from gateway.sms import jobs
from gateway.store import messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET
from tests.twilio_standin import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TwilioStandIn,
)

SENDER = "+15005550006"
PHONE = "+84912345678"
OTHER_PHONE = "+84987654321"
GATEWAY = str(Path(sys.executable).with_name("gateway"))
# Everything Config.from_env reads: set explicitly for workers, so neither the test
# runner's environment nor a stray .env file changes what they do.
CONFIG_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMS_BACKEND", "TWILIO_ACCOUNT_SID",
               "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID",
               "TWILIO_API_BASE_URL", "PUBLIC_BASE_URL", "GATEWAY_TIMEZONE",
               "SMS_DIALOGUE_MINUTES", "USSD_SESSION_SECONDS", "MAX_BODY_BYTES", "LOG_LEVEL",
               "ESMS_API_KEY", "ESMS_SECRET_KEY", "ESMS_BRANDNAME", "ESMS_SMS_TYPE",
               "ESMS_API_BASE_URL", "ESMS_CPID", "ESMS_PRIVATE_KEY", "ESMS_CALLBACK_SECRET",
               "ESMS_ALLOWED_NETWORKS", "DATA_ENCRYPTION_KEY")


@pytest.fixture
def config(pg_url: str, redis_url: str, twilio_standin: TwilioStandIn) -> Config:
    """Production-like configuration sending through the Twilio stand-in."""
    return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                  data_encryption_key=DATA_KEY,
                  sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
                  twilio_auth_token=AUTH_TOKEN, twilio_from=SENDER,
                  twilio_api_base_url=twilio_standin.url,
                  ussd_allowed_networks=AGGREGATOR)


def worker_env(config: Config) -> dict[str, str]:
    """The environment a `gateway worker` process needs to run with `config`."""
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARS}
    env.update(DATABASE_URL=config.database_url, REDIS_URL=config.redis_url,
               SECRET_KEY=config.secret_key, SMS_BACKEND=config.sms_backend,
               DATA_ENCRYPTION_KEY=config.data_encryption_key,
               TWILIO_ACCOUNT_SID=config.twilio_account_sid,
               TWILIO_AUTH_TOKEN=config.twilio_auth_token, TWILIO_FROM=config.twilio_from,
               TWILIO_MESSAGING_SERVICE_SID=config.twilio_messaging_service_sid,
               TWILIO_API_BASE_URL=config.twilio_api_base_url,
               PUBLIC_BASE_URL=config.public_base_url, GATEWAY_TIMEZONE=config.timezone,
               ESMS_API_KEY=config.esms_api_key, ESMS_SECRET_KEY=config.esms_secret_key,
               ESMS_BRANDNAME=config.esms_brandname, ESMS_SMS_TYPE=str(config.esms_sms_type),
               ESMS_API_BASE_URL=config.esms_api_base_url, ESMS_CPID=config.esms_cpid,
               ESMS_PRIVATE_KEY=config.esms_private_key,
               ESMS_CALLBACK_SECRET=config.esms_callback_secret,
               LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
    return env


def descendants(pid: int) -> list[int]:
    """Process ids of every live descendant of `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The parent pid is the 2nd field after the parenthesised command name.
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # exited meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


class Workers:
    """Real `gateway worker` processes, each in a session of its own; `kill` takes its
    work horse (which RQ puts in a process group of its own) and scheduler with it, as
    a machine dying would."""

    def __init__(self, config: Config, log_dir: Path):
        self.env = worker_env(config)
        self.log_dir = log_dir
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, burst: bool = False) -> subprocess.Popen:
        """Start a worker; without `burst` it runs until stopped, with its scheduler."""
        log = self.log_dir / f"worker-{len(self.running)}.log"
        with log.open("wb") as output:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([GATEWAY, "worker", *(["--burst"] if burst else [])],
                                       env=self.env, cwd=self.log_dir, stdin=subprocess.DEVNULL,
                                       stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.running.append((process, log))
        return process

    def burst(self, count: int = 1, timeout: float = 30) -> list[str]:
        """Run `count` burst workers at once until the queues are empty; their logs."""
        started = [self.start(burst=True) for _ in range(count)]
        for process in started:
            assert process.wait(timeout=timeout) == 0, self.log(process)
        return [self.log(process) for process in started]

    def log(self, process: subprocess.Popen) -> str:
        """What a worker wrote (stdout and stderr)."""
        path = next(log for p, log in self.running if p is process)
        return path.read_text(errors="replace")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL a worker and every process it started: no cleanup code runs anywhere."""
        family = [process.pid, *descendants(process.pid)]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
        wait_until(lambda: not any(_alive(pid) for pid in family[1:]), timeout=10,
                   what="worker's children to die")

    def stop_all(self) -> None:
        """Warm-stop every worker still running (SIGTERM), then kill stragglers."""
        alive = [p for p, _ in self.running if p.poll() is None]
        for process in alive:
            os.killpg(process.pid, signal.SIGTERM)
        for process in alive:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill(process)


@pytest.fixture
def workers(app, config: Config, tmp_path: Path) -> Iterator[Workers]:
    """Start workers for the test's configuration; all are stopped afterwards."""
    pool = Workers(config, tmp_path)
    yield pool
    pool.stop_all()


def _alive(pid: int) -> bool:
    """Whether a process (not our child, so never a zombie of ours) still exists."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(predicate: Callable[[], object], timeout: float = 15,
               what: str = "condition") -> object:
    """Poll until `predicate()` is truthy (bounded); return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def runtime_of(app):
    """The app's runtime (connections)."""
    return runtime.of(app)


def queue_message(app, phone: str = PHONE, body: str = "Ma xac thuc cua ban: 482913",
                  kind: str = "otp", priority: str = "high", enqueue: bool = True) -> int:
    """Put a message in the outbox as the gateway does: handed to the workers once its
    transaction commits (or, without `enqueue`, left for the test to hand over)."""
    rt = runtime_of(app)
    with transaction(rt.sessions) as session:
        message_id = messages.queue_outbound(session, phone=phone, body=body, kind=kind,
                                             priority=priority, hand_over=enqueue).id
    return message_id


def queue_bulk(app, count: int) -> list[int]:
    """Reminders ('Nhac nho 0', …) to `count` phones, queued and handed to the workers as
    a scheduled run does."""
    rt = runtime_of(app)
    with transaction(rt.sessions) as session:
        ids = messages.queue_many(session, [
            {"phone": f"+8491400{n:04d}", "body": f"Nhac nho {n}", "kind": "reminder",
             "priority": "bulk", "dedup_key": f"test:{n}"} for n in range(count)])
    jobs.enqueue_many(rt, ids, "bulk")
    return ids


def stored(app, message_id: int) -> OutboundMessage:
    """The message as the database has it now."""
    with runtime_of(app).sessions() as session:
        return session.get(OutboundMessage, message_id)


def age(app, message_id: int, column: str, by: timedelta) -> None:
    """Move a timestamp of the message back in time (instead of waiting for a grace)."""
    with transaction(runtime_of(app).sessions) as session:
        message = session.get(OutboundMessage, message_id)
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                        .values({column: getattr(message, column) - by}))


def job_results(app, queue: str = "high") -> list[str]:
    """The return values of the finished jobs of a queue, sorted."""
    rt = runtime_of(app)
    registry = FinishedJobRegistry(queue, connection=rt.redis)
    return sorted(Job.fetch(job_id, connection=rt.redis).return_value()
                  for job_id in registry.get_job_ids())


def scheduled_jobs(app) -> int:
    """Jobs waiting in RQ's scheduler (retries with a backoff), over all queues."""
    rt = runtime_of(app)
    return sum(ScheduledJobRegistry(name, connection=rt.redis).count for name in QUEUES)


# --- delivery by real workers -------------------------------------------------------------
