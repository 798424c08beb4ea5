"""The SMPP link of one `gateway smpp` process: bind, keep the window, submit, read.

One thread owns the sessions (smpplib is not thread-safe): a transceiver, or a
transmitter and a receiver (SMPP_BIND=tx_rx). Its loop submits what the workers asked
(the window, gateway/sms/smpp/window.py, keeps at most SMPP_WINDOW unanswered), reads
what the SMSC sends with a short select, answers enquire_link and sends one when idle,
and hands every deliver_sm (MO and receipts) to `on_deliver` on a lane thread
(gateway/sms/smpp/lanes.py: a slow turn never stalls the link), whose status becomes
the deliver_sm_resp once the lane is done. After a drop, a refused bind or anything
unreadable from the peer it binds again with backoff (1 s doubling to 30 s); every
submit left unanswered then is "maybe sent" (never re-sent blindly: the outbox's sweeper
reconciles it). On stop it stops taking requests, waits briefly for the answers (and
turns) in flight, unbinds and returns.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from smpplib import consts, smpp

from gateway.config import Config
from gateway.phones import mask_in_text
from gateway.sms.smpp import bridge, status, wire
from gateway.sms.smpp.lanes import Lanes
from gateway.sms.smpp.window import Window

log = logging.getLogger(__name__)

POLL_SECONDS = 0.02          # select timeout when there is nothing to submit
READ_BURST = 32              # PDUs read in one go while more are waiting
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STEADY_SECONDS = 30.0        # a link up this long starts its next backoff from 1 s again
ENQUIRE_TIMEOUT = 10.0       # no enquire_link_resp within this: the link is dead
DRAIN_SECONDS = 2.0          # on stop, answers in flight are awaited this long
BOUND_TTL = 3.0              # the "bound" mark outlives a stalled loop only briefly

Deliver = Callable[[Any], int]


class _Unbound(Exception):
    """The SMSC asked us to unbind (answered): bind again."""


class Link:
    """The sessions of one process and its window."""

    def __init__(self, config: Config, redis: Redis, on_deliver: Deliver,
                 stats: status.Stats) -> None:
        self.config = config
        self.redis = redis
        self.on_deliver = on_deliver
        self.stats = stats
        self.sessions: list[tuple[str, wire.Client]] = []
        self.window = Window(config, redis, stats)
        self.lanes: Lanes | None = None  # started by `run`
        self._published = 0.0
        self._enquired: float | None = None
        self._last_traffic = time.monotonic()

    # --- the outer loop: bind, serve, back off --------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Bind and serve until `stop` is set; then unbind and return."""
        self.lanes = Lanes(self._deliver)
        try:
            self._run(stop)
        finally:
            self.lanes.stop()

    def _run(self, stop: threading.Event) -> None:
        backoff = FIRST_BACKOFF
        while not stop.is_set():
            started = time.monotonic()
            try:
                self._bind()
                self._serve(stop)
            except wire.Refused as refused:
                self.stats.count("bind_refused")
                self._note(str(refused))
                log.error("SMPP bind refused", extra={
                    "command_status": f"0x{refused.command_status:02x}",
                    "reason": consts.DESCRIPTIONS.get(refused.command_status, "unknown"),
                    "retry_in": backoff})
            except _Unbound:
                self._note("the SMSC asked to unbind")
                log.warning("SMPP unbind requested by the SMSC; binding again")
            except Exception as error:  # a dead socket, garbage, a refused connect…
                reason = mask_in_text(str(error))[:200]
                self._note(f"{type(error).__name__}: {reason}")
                log.warning("SMPP link down", extra={"error": type(error).__name__,
                                                     "reason": reason, "retry_in": backoff})
            finally:
                self._drop()
            if stop.is_set():
                break
            if time.monotonic() - started > STEADY_SECONDS:
                backoff = FIRST_BACKOFF
            self._wait(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
        self._publish(force=True)

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        """Back off, still publishing the (unbound) state for /healthz."""
        deadline = time.monotonic() + seconds
        self._publish(force=True)
        while not stop.wait(min(status.PUBLISH_SECONDS, max(deadline - time.monotonic(), 0))):
            if time.monotonic() >= deadline:
                return
            self._publish()

    def _bind(self) -> None:
        modes = (["transceiver"] if self.config.smpp_bind == "transceiver"
                 else ["transmitter", "receiver"])
        for mode in modes:
            self.sessions.append((mode, wire.open_session(self.config, mode)))
        self.stats.bound = True
        self.stats.count("binds")
        self.stats.last_error = ""
        self._last_traffic = time.monotonic()
        self._enquired = None
        log.info("SMPP bound", extra={"mode": self.config.smpp_bind,
                                      "system_id": self.config.smpp_system_id})
        self._mark_bound()

    def _note(self, error: str) -> None:
        self.stats.last_error = error

    # --- serving a bound link --------------------------------------------------------------

    def _serve(self, stop: threading.Event) -> None:
        while not stop.is_set():
            submitted = self.window.submit_some(self._transmitter())
            self.window.flush()  # while the SMSC works on the submits
            self._read(0 if submitted else POLL_SECONDS)
            self._keep_alive()
            self.window.expire()
            self._publish()
        self._stop()

    def _transmitter(self) -> wire.Client:
        return self.sessions[0][1]

    def _read(self, timeout: float) -> None:
        """Wait up to `timeout` for PDUs, then read what is there, up to READ_BURST
        (their outcomes then go to the workers in one flush, not one each)."""
        sockets = {client.socket: client for _, client in self.sessions if client.socket}
        wakeup = self.lanes.wakeup if self.lanes else None
        watched = [*sockets, *([wakeup] if wakeup else [])]
        for _ in range(READ_BURST):
            readable, _, _ = select.select(watched, [], [], timeout)
            self._answer_deliveries()
            pdus = [sock for sock in readable if sock is not wakeup]
            if not pdus:
                return
            for sock in pdus:
                client = sockets[sock]
                pdu = client.read_pdu()
                self._last_traffic = time.monotonic()
                if pdu is not None:
                    self._dispatch(client, pdu)
            timeout = 0

    def _dispatch(self, client: wire.Client, pdu: Any) -> None:
        command = pdu.command
        if command in ("submit_sm_resp", "generic_nack"):
            self.window.answered(pdu)
        elif command == "deliver_sm":
            if self.lanes is None or not self.lanes.offer(
                    _source(pdu), client, pdu):  # every lane full: ask for it again later
                self.stats.count("deferred")
                client.answer(pdu, "deliver_sm_resp", consts.SMPP_ESME_RX_T_APPN)
        elif command == "enquire_link":
            client.answer(pdu, "enquire_link_resp")
        elif command == "enquire_link_resp":
            self._enquired = None
        elif command == "unbind":
            client.answer(pdu, "unbind_resp")
            raise _Unbound
        elif command != "unbind_resp":
            log.info("SMPP PDU ignored", extra={"command": command})

    def _answer_deliveries(self) -> None:
        """Send the deliver_sm_resp of what the lanes handled; one whose session has
        closed meanwhile stays unanswered (the SMSC delivers it again)."""
        if self.lanes is None:
            return
        live = {id(client) for _, client in self.sessions if client.socket}
        for done in self.lanes.answers():
            if id(done.client) in live:
                done.client.answer(done.pdu, "deliver_sm_resp", done.status)
                if done.status == consts.SMPP_ESME_RX_T_APPN:
                    self.stats.count("deferred")

    def _deliver(self, pdu: Any) -> int:
        """On a lane's thread: the deliver_sm_resp status of one delivery."""
        try:
            return self.on_deliver(pdu)
        except Exception as error:  # the SMSC redelivers on a temporary error: nothing lost
            # The traceback masked: an exception's message may carry a phone number.
            log.error("deliver_sm not handled", extra={
                "error": type(error).__name__, "trace": mask_in_text(traceback.format_exc())})
            return consts.SMPP_ESME_RX_T_APPN

    def _keep_alive(self) -> None:
        now = time.monotonic()
        if self._enquired is not None and now - self._enquired > ENQUIRE_TIMEOUT:
            raise wire.Broken("no enquire_link_resp")
        if (self._enquired is None
                and now - self._last_traffic > self.config.smpp_enquire_link_seconds):
            for _, client in self.sessions:
                client.send_pdu(smpp.make_pdu("enquire_link", client=client))
            self._enquired = now
            self._last_traffic = now

    # --- ending a link ---------------------------------------------------------------------

    def _stop(self) -> None:
        """Stop taking requests, wait briefly for answers in flight, unbind."""
        self._mark_unbound()
        self.window.return_unsent()
        deadline = time.monotonic() + DRAIN_SECONDS
        while ((self.window.in_flight or (self.lanes and self.lanes.waiting))
               and time.monotonic() < deadline):
            self._read(POLL_SECONDS)
        self.window.flush()
        for _, client in self.sessions:
            try:
                client.unbind()  # sends unbind and reads one answer (IO_TIMEOUT at most)
            except Exception as error:  # leaving anyway: the socket is closed next
                log.warning("SMPP unbind unanswered", extra={"error": type(error).__name__})
        log.info("SMPP unbound")

    def _drop(self) -> None:
        """Close every session; what is unanswered is maybe sent, what was never
        submitted goes back to the workers as "down" (retried, nothing lost)."""
        self._mark_unbound()
        self.stats.bound = False
        for _, client in self.sessions:
            client.close()
        self.sessions.clear()
        self.window.abandon()
        self.window.flush()
        self.stats.count("drops")

    # --- what others read ------------------------------------------------------------------

    def _mark_bound(self) -> None:
        # On a Redis error the next loop tries again; workers meanwhile see no link.
        with contextlib.suppress(RedisError):
            bridge.mark_bound(self.redis, self.stats.process, BOUND_TTL)

    def _mark_unbound(self) -> None:
        with contextlib.suppress(RedisError):  # else the mark expires within BOUND_TTL
            bridge.mark_unbound(self.redis, self.stats.process)

    def _publish(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._published < status.PUBLISH_SECONDS:
            return
        self._published = now
        try:
            if self.stats.bound:
                bridge.mark_bound(self.redis, self.stats.process, BOUND_TTL)
            status.publish(self.redis, self.stats)
        except RedisError:
            pass  # health is best effort; the link itself goes on


def _source(pdu: Any) -> str:
    """The lane key of a delivery: its source address (one phone, one lane)."""
    source = pdu.source_addr
    return source.decode("latin-1") if isinstance(source, bytes) else str(source or "")
