"""The MO lanes of one `smpp` process: what the SMSC delivers is handled off the link's
thread, so a slow turn (PostgreSQL, Redis, a phone's lock held by its previous
message) never stalls submits, enquire_link or the reading of other PDUs.

LANES threads each take deliveries from a queue of their own; every deliver_sm of one
source address goes to the same lane, so two messages (or two parts of one message) of
a phone are handled in the order they arrived, while other phones go on beside it. A
lane's outcome (the deliver_sm_resp's command_status) goes back to the link's thread,
which alone writes to the sessions (smpplib is not thread-safe), woken through a socket
pair it selects on. Bounded: with MAX_WAITING deliveries waiting, `offer` says no and the
link answers ESME_RX_T_APPN at once (the SMSC delivers again later, nothing is lost).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LANES = 4            # turns at once: each holds a PostgreSQL connection while it runs
MAX_WAITING = 200    # deliveries queued or running before new ones are deferred


@dataclass(frozen=True)
class Answer:
    """A handled deliver_sm: the session it came on, the PDU, its command_status."""

    client: Any
    pdu: Any
    status: int


class Lanes:
    """Threads handling deliveries with `handle(pdu) -> command_status`."""

    def __init__(self, handle: Callable[[Any], int], lanes: int = LANES,
                 max_waiting: int = MAX_WAITING) -> None:
        self.handle = handle
        self.max_waiting = max_waiting
        self._queues: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in range(lanes)]
        self._answers: deque[Answer] = deque()  # appends and pops are thread-safe
        self._lock = threading.Lock()
        self._waiting = 0
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._threads = [threading.Thread(target=self._run, args=(q,), daemon=True,
                                          name=f"smpp-mo-{n}")
                         for n, q in enumerate(self._queues)]
        for thread in self._threads:
            thread.start()

    @property
    def waiting(self) -> int:
        """Deliveries queued or being handled."""
        return self._waiting

    @property
    def wakeup(self) -> socket.socket:
        """Readable when answers are ready (select on it beside the sessions)."""
        return self._wake_reader

    def offer(self, source: str, client: Any, pdu: Any) -> bool:
        """Queue a deliver_sm on its source's lane; False when MAX_WAITING are waiting."""
        with self._lock:
            if self._waiting >= self.max_waiting:
                return False
            self._waiting += 1
        self._queues[self.lane_of(source)].put((client, pdu))
        return True

    def lane_of(self, source: str) -> int:
        """The lane every delivery from `source` takes."""
        return zlib.crc32(source.encode("latin-1", "replace")) % len(self._queues)

    def answers(self) -> list[Answer]:
        """The deliveries handled since the last call, in the order they finished."""
        with contextlib.suppress(BlockingIOError):
            while self._wake_reader.recv(4096):
                pass
        done = []
        while self._answers:
            done.append(self._answers.popleft())
        return done

    def stop(self) -> None:
        """End the threads once what they hold is handled (its answers are dropped:
        unanswered, the SMSC delivers it again, and the turn's dedup finds it)."""
        for lane in self._queues:
            lane.put(None)
        for thread in self._threads:
            thread.join(timeout=30)
        self._wake_reader.close()
        self._wake_writer.close()

    def _run(self, lane: queue.SimpleQueue) -> None:
        while (item := lane.get()) is not None:
            client, pdu = item
            status = self.handle(pdu)  # the link's handler answers every error itself
            self._answers.append(Answer(client, pdu, status))
            with self._lock:
                self._waiting -= 1
            # A full pipe holds wake-ups enough: the link will look.
            with contextlib.suppress(BlockingIOError):
                self._wake_writer.send(b"\0")
