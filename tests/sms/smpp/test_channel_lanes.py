"""MO off the link's thread, against the real SMSC peer: a slow turn does not delay MT
submits, one phone's messages are handled in arrival order while other phones go on,
and a turn that cannot be taken now (the phone's lock held: Busy) is answered
ESME_RX_T_APPN, so the SMSC delivers it again, and the redelivery is handled once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.dialogue.messages import Inbound
from gateway.dialogue.turn import dialogue_key
from gateway.store import dialogues
from gateway.store.models import InboundMessage
from tests.sms.smpp.channel import (  # noqa: F401  (the fixtures)
    ME,
    LinkThread,
    SmppPhone,
    config_fixture,
    link_fixture,
    settled,
    workers_fixture,
)
from tests.sms.workers import queue_message, wait_until
from tests.smsc_peer import smsc_fixture  # noqa: F401  (the `smsc` fixture)

ESME_RX_T_APPN = 0x64


class Gate:
    """An `on_deliver` wrapper that holds a delivery whose text is HOLD until opened,
    and records the texts handled, in the order they finished."""

    HOLD = "HOLD"

    def __init__(self, handler: Callable[[Any], int]) -> None:
        self.handler = handler
        self.opened = threading.Event()
        self.holding = threading.Event()
        self.done: list[tuple[str, str]] = []

    def __call__(self, pdu: Any) -> int:
        text = (pdu.short_message or b"").decode("latin-1")
        if text.startswith(self.HOLD):
            self.holding.set()
            assert self.opened.wait(60)
        status = self.handler(pdu)
        self.done.append((pdu.source_addr.decode(), text))
        return status


def gated_link(app, handler: Callable[[Any], int] | None = None,
               ) -> Iterator[tuple[LinkThread, Gate]]:
    """A bound link whose `on_deliver` is a Gate around `handler` (default: the real
    Deliveries); stopped afterwards."""
    gate: Gate | None = None

    def wrap(deliveries):
        nonlocal gate
        gate = Gate(handler or deliveries)
        return gate

    running = LinkThread(app, wrap=wrap).start()
    running.wait_bound()
    try:
        yield running, gate
    finally:
        gate.opened.set()
        running.stop()


@pytest.fixture
def gated(app) -> Iterator[tuple[LinkThread, Gate]]:
    """A bound link whose real MO handling is held for HOLD texts."""
    yield from gated_link(app)


@pytest.fixture
def recorded(app) -> Iterator[tuple[LinkThread, Gate]]:
    """A bound link whose deliveries are only recorded (answered ESME_ROK)."""
    yield from gated_link(app, handler=lambda pdu: 0)


def statuses(smsc) -> list[Any]:
    """The command_status the gateway answered each deliver_sm with (None: not yet)."""
    return [d["command_status"] for d in smsc.deliveries()]


def test_a_slow_turn_does_not_delay_mt_submits(app, smsc, gated, workers):
    _, gate = gated
    workers.start()
    queue_message(app, body="Chao", kind="reply")  # the worker is up once this is out
    smsc.wait_for(lambda peer: len(peer.submitted()) == 1, timeout=30)
    smsc.inject_mo(f"{Gate.HOLD} HD", source_addr=ME.lstrip("+"))
    assert gate.holding.wait(10)
    queue_message(app, body="Ma xac thuc: 482913", kind="otp")
    # Submitted while the turn is held (on the link's thread it would wait for it).
    smsc.wait_for(lambda peer: any(p["text"] == "Ma xac thuc: 482913"
                                   for p in peer.submitted()), timeout=20)
    assert statuses(smsc) == [None]  # the turn is still running: not answered yet
    gate.opened.set()
    smsc.wait_for(lambda peer: statuses(peer) == [0])
    wait_until(lambda: settled(app), timeout=20, what="the reply")
    assert len(smsc.submitted()) == 3  # the first MT, the OTP, then the turn's reply
    assert gate.done == [(ME.lstrip("+"), f"{Gate.HOLD} HD")]


def test_one_phones_messages_keep_their_order_while_other_phones_go_on(smsc, recorded):
    link, gate = recorded
    lanes = link.link.lanes
    slow = "84912345678"
    other = next(f"8491234{n:04d}" for n in range(1000)
                 if lanes.lane_of(f"8491234{n:04d}") != lanes.lane_of(slow))
    smsc.inject_mo(f"{Gate.HOLD} 1", source_addr=slow)
    assert gate.holding.wait(10)
    smsc.inject_mo("2", source_addr=slow)
    smsc.inject_mo("3", source_addr=other)
    smsc.wait_for(lambda peer: gate.done == [(other, "3")])
    gate.opened.set()
    smsc.wait_for(lambda peer: statuses(peer) == [0, 0, 0])
    assert gate.done == [(other, "3"), (slow, f"{Gate.HOLD} 1"), (slow, "2")]


def test_a_turn_that_cannot_run_now_is_answered_appn_and_its_redelivery_handled_once(
        app, smsc, link, workers, monkeypatch):
    monkeypatch.setattr(dialogues, "LOCK_WAIT_SECONDS", 1.0)
    workers.start()
    redis = runtimes.of(app).redis
    # Another message of the same phone holds its lock (e.g. a turn on another process).
    holder = Inbound(channel="sms", provider="test", provider_id="held", phone=ME, text="")
    claim = dialogues.begin(redis, "test", "held", ME, dialogue_key(holder))
    assert claim is not None and claim.reply is None
    smsc.inject_mo("HD", source_addr=ME.lstrip("+"))
    smsc.wait_for(lambda peer: statuses(peer) == [ESME_RX_T_APPN], timeout=15)
    assert link.stats.counters["deferred"] == 1
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
    dialogues.release(redis, claim)
    assert smsc.redeliver() == 1  # the SMSC retries what got a temporary error
    smsc.wait_for(lambda peer: statuses(peer) == [ESME_RX_T_APPN, 0], timeout=15)
    assert smsc.deliveries()[0]["redelivered"] is True
    wait_until(lambda: settled(app), timeout=20, what="the reply")
    me = SmppPhone(app, smsc)
    assert len(me.inbox()) == 1  # one answer for the message delivered twice
    assert smsc.redeliver() == 0  # nothing left to retry
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
