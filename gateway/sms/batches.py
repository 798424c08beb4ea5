"""Bulk chunks handed to a backend that takes batches (`hand_over` / `collect`: the SMPP
link keeps its window full with them, where one message per round trip would leave the
bind idle).

`deliver` is `deliver_many` of gateway/sms/outbound.py for such a backend, under the same
rules as one by one: the sender's rate (a token per message) and its shared back-off (a
probe goes alone) of gateway/sms/pacing.py, and a chunk that hands its rest back to the
queue after its time. The steps it shares with the one-message path are
gateway/sms/sending.py's (what a claimed message sends, a probe sent alone, recording a
failed send) and gateway/sms/jobs.py's (handing the rest back to the queue).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from gateway.ops import metrics
from gateway.runtime import Runtime
from gateway.sms import jobs, pacing, sending
from gateway.sms.backends import Backend, Outgoing, SendError
from gateway.store import messages
from gateway.store.db import transaction

BATCH = 50            # messages handed at once to a backend that sends batches (SMPP)
BATCHES_IN_HAND = 3   # ...of which a worker keeps this many handed over at a time


@dataclass
class _Batch:
    """Messages claimed and handed to a batching backend, awaiting their outcomes."""

    priority: str
    ready: list[tuple[Outgoing, messages.Claimed]]
    handle: Any


def deliver(runtime: Runtime, sender: Backend, message_ids: list[int], priority: str,
            chunk_seconds: float) -> str:
    """Send a chunk of bulk messages through a batching backend; returns what became of
    the chunk, as `deliver_many` does. BATCHES_IN_HAND are in hand at a time: the next is
    claimed and handed over while the link sends the others. After `chunk_seconds`, or
    when the sender's rate or pause says wait, the rest goes back to the queue."""
    started = time.monotonic()
    index, outcome = 0, "sent"
    in_hand: deque[_Batch] = deque()
    try:
        while index < len(message_ids):
            if index and time.monotonic() - started > chunk_seconds:
                jobs.enqueue_many(runtime, message_ids[index:], priority)
                outcome = "handed on"
                break
            wait, probing = pacing.gate(runtime, sender)
            if wait > 0:
                metrics.SENDS.labels(sender.name, "paused").inc()
                jobs.enqueue_many(runtime, message_ids[index:], priority,
                                  delay=pacing.spread(wait))
                outcome = "paused"
                break
            if probing:  # one message alone finds out whether the provider is back
                sending.send(runtime, sender, message_ids[index], priority, probing)
                index += 1
                continue
            taken, wait = pacing.take_many(runtime, sender,
                                           min(BATCH, len(message_ids) - index))
            if taken:
                batch = _start(runtime, sender, message_ids[index:index + taken], priority)
                index += taken
                if batch is not None:
                    in_hand.append(batch)
                if len(in_hand) >= BATCHES_IN_HAND:
                    _finish(runtime, sender, in_hand.popleft())
            elif wait > 0:
                metrics.SENDS.labels(sender.name, "throttled").inc()
                jobs.enqueue_many(runtime, message_ids[index:], priority, delay=wait)
                outcome = "throttled"
                break
    finally:  # what was handed over is recorded, whatever stopped the chunk
        while in_hand:
            _finish(runtime, sender, in_hand.popleft())
    return outcome


def _start(runtime: Runtime, sender: Any, batch: list[int], priority: str) -> _Batch | None:
    """Claim a batch in one transaction and hand what was claimed to the backend."""
    ready: list[tuple[Outgoing, messages.Claimed]] = []
    with transaction(runtime.sessions) as session:
        for message in messages.claim_many(session, batch, sender.name, sender.sender):
            outgoing = sending.prepare(runtime, session, message)
            if not isinstance(outgoing, str):
                ready.append((outgoing, message))
    if not ready:
        return None
    handle = sender.hand_over([outgoing for outgoing, _ in ready], urgent=priority != "bulk")
    return _Batch(priority, ready, handle)


def _finish(runtime: Runtime, sender: Any, batch: _Batch) -> None:
    """Wait for a batch's outcomes and record them (the sent ones in one transaction)."""
    results = sender.collect(batch.handle, len(batch.ready))
    sent = []
    for (outgoing, message), result in zip(batch.ready, results, strict=True):
        if isinstance(result, SendError):
            metrics.SENDS.labels(sender.name, "error").inc()
            sending.record_failure(runtime, sender, message, result, batch.priority)
        else:
            metrics.SENDS.labels(sender.name, "sent").inc()
            sent.append((outgoing.message_id, result))
    with transaction(runtime.sessions) as session:
        messages.mark_sent_many(session, sent)
