"""Shared by the SMPP channel tests: the configuration against the SMSC peer, real RQ
workers with the SMPP settings, the `smpp` link run in a thread of the test process or
as a `gateway smpp` subprocess, and a phone that talks to the gateway through the peer.

Test modules get the fixtures by importing them from here."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.config import Config
from gateway.sms.smpp import status
from gateway.sms.smpp.inbound import Deliveries
from gateway.sms.smpp.link import Link
from gateway.store.models import OutboundMessage
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET
from tests.sms.workers import GATEWAY, Workers, wait_until, worker_env
from tests.smsc_peer import SmscPeer

SHORT_CODE = "8088"
ME = "+84912345678"


@pytest.fixture(name="config")
def config_fixture(pg_url: str, redis_url: str, smsc: SmscPeer) -> Config:
    """Production-like: PostgreSQL, real Redis, SMS_BACKEND=smpp bound to the peer."""
    config = Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                    data_encryption_key=DATA_KEY,
                    sms_backend="smpp", smpp_host=smsc.host, smpp_port=smsc.port,
                    smpp_system_id=smsc.system_id, smpp_password=smsc.password,
                    smpp_source_addr=SHORT_CODE, sms_rate_per_second=400.0,
                    ussd_allowed_networks=AGGREGATOR)
    config.validate()
    return config


def smpp_env(config: Config) -> dict[str, str]:
    """A `gateway worker` / `gateway smpp` environment for `config`."""
    env = worker_env(config)
    env.update(SMPP_HOST=config.smpp_host, SMPP_PORT=str(config.smpp_port),
               SMPP_SYSTEM_ID=config.smpp_system_id, SMPP_PASSWORD=config.smpp_password,
               SMPP_SOURCE_ADDR=config.smpp_source_addr, SMPP_BIND=config.smpp_bind,
               SMPP_WINDOW=str(config.smpp_window),
               SMPP_ENQUIRE_LINK_SECONDS=str(config.smpp_enquire_link_seconds),
               SMS_RATE_PER_SECOND=str(config.sms_rate_per_second))
    return env


@pytest.fixture(name="workers")
def workers_fixture(app, config: Config, tmp_path: Path) -> Iterator[Workers]:
    """Real `gateway worker` processes with the SMPP settings; stopped afterwards."""
    pool = Workers(config, tmp_path)
    pool.env = smpp_env(config)
    yield pool
    pool.stop_all()


class LinkThread:
    """The `smpp` process's link, run in a thread of the test process (its stats can
    be read directly)."""

    def __init__(self, app, config: Config | None = None,
                 wrap: Callable[[Deliveries], Callable[[Any], int]] | None = None) -> None:
        rt = runtimes.of(app)
        self.config = config or rt.config
        self.stats = status.Stats(process=f"test:{id(self)}", bind=self.config.smpp_bind)
        deliveries = Deliveries(rt, self.stats)
        self.link = Link(self.config, rt.redis, wrap(deliveries) if wrap else deliveries,
                         self.stats)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.link.run, args=(self.stop_event,),
                                       daemon=True)

    def start(self) -> LinkThread:
        """Run the link; returns at once."""
        self.thread.start()
        return self

    def wait_bound(self, timeout: float = 10) -> None:
        """Until the link is bound."""
        wait_until(lambda: self.stats.bound, timeout=timeout, what="the SMPP bind")

    def stop(self) -> None:
        """Ask the link to unbind and wait for it."""
        self.stop_event.set()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive()


@pytest.fixture(name="link")
def link_fixture(app) -> Iterator[LinkThread]:
    """A bound link in a thread, stopped after the test."""
    running = LinkThread(app).start()
    running.wait_bound()
    yield running
    running.stop()


class SmppProcess:
    """`gateway smpp` as a subprocess (what the Procfile runs)."""

    def __init__(self, config: Config, log_dir: Path, name: str = "smpp") -> None:
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("wb") as output:
            self.process = subprocess.Popen([GATEWAY, "smpp"], env=smpp_env(config),
                                            cwd=log_dir, stdin=subprocess.DEVNULL,
                                            stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def log(self) -> str:
        """What it wrote."""
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout: float = 20) -> int:
        """SIGTERM; its exit status."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL (cleanup)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def settled(app) -> bool:
    """True when no outbound message is queued or being sent."""
    with runtimes.of(app).sessions() as session:
        return not session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.status.in_(("queued", "sending"))))


def texts(pdus: list[dict[str, Any]]) -> list[str]:
    """The messages in submitted PDUs, parts joined (by reference, in index order)."""
    joined: list[str] = []
    open_parts: dict[int, dict[int, str]] = {}
    for pdu in pdus:
        concat = pdu["concat"]
        if concat is None:
            joined.append(pdu["text"])
            continue
        held = open_parts.setdefault(concat["ref"], {})
        held[concat["index"]] = pdu["text"]
        if len(held) == concat["total"]:
            joined.append("".join(held[i] for i in sorted(held)))
            del open_parts[concat["ref"]]
    return joined


class SmppPhone:
    """A phone on the carrier's network: its MO goes in through the SMSC peer, and what
    it gets is what the gateway submitted to its number."""

    def __init__(self, app, smsc: SmscPeer, number: str = ME) -> None:
        self.app = app
        self.smsc = smsc
        self.number = number
        self.seen = 0

    def inbox(self) -> list[str]:
        """Every message submitted to this phone so far."""
        address = self.number.lstrip("+")
        return texts([p for p in self.smsc.submitted(all_runs=True)
                      if p["destination_addr"] == address])

    def sms(self, text: str, **mo: Any) -> list[str]:
        """Send an MO; wait until the gateway answered it and sent what it queued; the
        new messages to this phone."""
        before = len(self.smsc.deliveries())
        self.smsc.inject_mo(text, source_addr=self.number.lstrip("+"), **mo)
        self.smsc.wait_for(lambda peer: len(peer.deliveries()) > before and all(
            d["command_status"] is not None for d in peer.deliveries()), timeout=20)
        time.sleep(0.1)  # the turn's hand-off reaches the workers just after the resp
        wait_until(lambda: settled(self.app), timeout=20, what="the outbox to settle")
        new = self.inbox()[self.seen:]
        self.seen += len(new)
        return new

    def say(self, text: str, **mo: Any) -> str:
        """`sms` for a turn whose one reply is wanted."""
        got = self.sms(text, **mo)
        assert len(got) == 1, got
        return got[0]
