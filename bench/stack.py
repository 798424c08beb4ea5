"""The stack under test: a fresh PostgreSQL database, a Redis database, the Twilio
stand-in, gunicorn web processes and RQ workers, each a real process whose CPU time
is accounted."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import requests

from gateway.config import Config
from gateway.store import schema
from gateway.store.redis import connect
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

# DATA_ENCRYPTION_KEY of the benchmark's database (a throwaway one: not a secret).
BENCH_DATA_KEY = "3H1P2mQ0Vq4t8Zk3w6e0r5t1y7u9i2o4p6a8s0d2f4g="

BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SENDER = "IT-antiNCOV"


def free_port() -> int:
    """An unused loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    """Everything a run needs, started by `up` and stopped by `down`."""

    web_processes: int = 2
    workers: int = 1
    redis_url: str = REDIS_URL
    pg_admin: str = PG_ADMIN
    overrides: dict[str, str] = field(default_factory=dict)  # settings of a run (chaos)
    log_dir: Path | None = None   # where the processes' logs go (default: nowhere)
    # gunicorn's worker class: gthread with 4 threads a process, as the Procfile (it
    # keeps connections alive); "sync" for the workers it had before issue 18
    web_worker_class: str = "gthread:4"
    database_url: str = ""
    port: int = 0
    standin: TwilioStandIn | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """Where gunicorn listens."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The gateway's configuration for the child processes."""
        env = dict(os.environ)
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
                   SECRET_KEY="bench-secret", SMS_BACKEND="twilio",
                   DATA_ENCRYPTION_KEY=BENCH_DATA_KEY,
                   TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                   TWILIO_FROM=SENDER, TWILIO_API_BASE_URL=self.standin.url,
                   BENCH_ENDPOINT="1", LOG_LEVEL="WARNING",
                   # The load client plays the aggregator, on loopback.
                   USSD_ALLOWED_NETWORKS="127.0.0.1/32",
                   OTP_GLOBAL_PER_MINUTE="100000",
                   # The provider's rate is the carrier's business; measure ours.
                   SMS_RATE_PER_SECOND="100000")
        env.update(self.overrides)
        return env

    def config(self) -> Config:
        """The same configuration, for work the benchmark does in its own process."""
        return Config.from_env(self.env(), dotenv=False)

    def up(self) -> Stack:
        """Create the database, start the stand-in, gunicorn and the workers."""
        name = f"gwbench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.pg_admin, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.database_url = re.sub(r"/[^/]*$", f"/{name}", self.pg_admin)
        schema.upgrade(self.database_url)
        connect(self.redis_url).flushdb()
        # Inbound webhooks are signed by the load client and checked, as in production.
        self.standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN).start()
        self.start_web(self.web_processes)
        self.start_workers(self.workers)
        return self

    def start_workers(self, count: int) -> None:
        """Run `count` RQ workers (starting or stopping some)."""
        for n in range(count, self.workers):
            self.stop(f"worker{n}")
        for n in range(count):
            if f"worker{n}" not in self.processes:
                self.processes[f"worker{n}"] = subprocess.Popen(
                    [str(BIN / "gateway"), "worker"], env=self.env(),
                    stderr=self._log(f"worker{n}"))
        self.workers = count

    def start_cron(self) -> None:
        """Run the `cron` process (the outbox sweeper, the schedules), if not running."""
        if "cron" not in self.processes:
            self.processes["cron"] = subprocess.Popen(
                [str(BIN / "gateway"), "cron"], env=self.env(), stderr=self._log("cron"))

    def start_web(self, processes: int) -> None:
        """(Re)start gunicorn with `processes` worker processes."""
        self.stop("web")
        self.web_processes, self.port = processes, free_port()
        self.processes["web"] = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(processes), "--bind",
             f"127.0.0.1:{self.port}", "--backlog", "2048", "--no-control-socket",
             *self._worker_class(), "gateway:create_app()"],
            env=self.env(), stderr=self._log("web"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still importing
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def _worker_class(self) -> list[str]:
        kind, _, threads = self.web_worker_class.partition(":")
        return ["--worker-class", kind, *(["--threads", threads] if threads else [])]

    def _log(self, name: str):
        """The file a process writes its log to (appended across restarts), or none."""
        if self.log_dir is None:
            return subprocess.DEVNULL
        return (self.log_dir / f"{name}.log").open("ab")

    def stop(self, name: str) -> None:
        """Stop one process of the stack, and what it started (a worker's scheduler,
        gunicorn's workers): killed after a slow stop, they would outlive the stack
        and go on taking jobs from its Redis database."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        try:
            family = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for child in family:
            _kill(child)

    def down(self) -> None:
        """Stop everything and drop the database."""
        for name in list(self.processes):
            self.stop(name)
        if self.standin:
            self.standin.stop()
        name = self.database_url.rsplit("/", 1)[-1]
        with psycopg.connect(self.pg_admin, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each part of the stack."""
        usage: dict[str, float] = {}
        for name, process in self.processes.items():
            usage[name] = _tree_cpu(process.pid)
        usage["postgres"] = _cpu_of(lambda p: p.name().startswith("postgres"))
        usage["redis"] = _cpu_of(lambda p: p.name().startswith("redis-server"))
        usage["load+stand-in"] = _tree_cpu(os.getpid(), children=False)
        return usage

    def web_kernel_seconds(self) -> float:
        """System (kernel) CPU time used so far by the web processes: mostly the system
        calls of their sockets (the client's, PostgreSQL's, Redis')."""
        return _tree_cpu(self.processes["web"].pid, kernel_only=True)


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every process under it."""
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for process in family:
        _kill(process)


def _kill(process: psutil.Process) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        process.kill()  # psutil checks the pid still names the same process


def _tree_cpu(pid: int, children: bool = True, kernel_only: bool = False) -> float:
    try:
        root = psutil.Process(pid)
        procs = [root, *(root.children(recursive=True) if children else [])]
        if kernel_only:
            return sum(p.cpu_times().system for p in procs)
        return sum(sum(p.cpu_times()[:2]) for p in procs)
    except psutil.NoSuchProcess:
        return 0.0


def _cpu_of(match) -> float:
    total = 0.0
    for process in psutil.process_iter():
        try:
            if match(process):
                total += sum(process.cpu_times()[:2])
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total
