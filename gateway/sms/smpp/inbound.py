"""What the SMSC delivers: an MO message becomes one dialogue turn (its reply queued in
the outbox in the same transaction), a delivery receipt updates its outbox row. The
returned command_status is the deliver_sm_resp: ESME_ROK only once the turn committed;
a temporary error (ESME_RX_T_APPN) when it could not run (the phone's previous message
still in hand, Redis down), so the SMSC delivers it again.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from smpplib import consts

from gateway import phones
from gateway.dialogue import router
from gateway.dialogue.conversation import Conversation
from gateway.dialogue.messages import Busy, Inbound, RedisDown, Reply
from gateway.dialogue.turn import handle
from gateway.runtime import Runtime
from gateway.sms.smpp import bridge, receipts, segments, status
from gateway.store import messages
from gateway.store.db import transaction

log = logging.getLogger(__name__)

PARTS_KEY = "smpp:mo:{}:{}:{}"   # source, reference, total -> hash index -> text
PARTS_TTL = 600                  # seconds a part waits for the rest of its message
PROVIDER = "smpp"


def decide(conversation: Conversation) -> Reply:
    """`router.sms`, and its reply queued as one outbox SMS in the turn's transaction
    (a retried MO gets its stored reply from the turn and queues nothing again)."""
    reply = router.sms(conversation)
    if reply.texts:
        conversation.send(conversation.inbound.phone, "\n".join(reply.texts), kind="reply",
                          priority="high")
    return reply


class Deliveries:
    """The `on_deliver` of the link: one deliver_sm in, its command_status out."""

    def __init__(self, runtime: Runtime, stats: status.Stats) -> None:
        self.runtime = runtime
        self.stats = stats

    def __call__(self, pdu: Any) -> int:
        """Handle one deliver_sm; the deliver_sm_resp's command_status."""
        if receipts.is_receipt(pdu.esm_class):
            return self._receipt(pdu)
        try:
            return self._mo(pdu)
        except (Busy, *RedisDown) as error:
            log.warning("MO deferred", extra={"reason": type(error).__name__})
            return consts.SMPP_ESME_RX_T_APPN

    # --- receipts --------------------------------------------------------------------------

    def _receipt(self, pdu: Any) -> int:
        receipt = receipts.read(pdu.short_message or b"",
                                getattr(pdu, "receipted_message_id", None),
                                getattr(pdu, "message_state", None))
        self.stats.count("receipts")
        if receipt is None:
            self._unknown("no message id")
            return consts.SMPP_ESME_ROK
        message_id = bridge.message_of(self.runtime.redis, receipt.message_id)
        # A part's receipt stands for its message, which records its first part's id.
        first = bridge.sent_id(self.runtime.redis, message_id) if message_id else None
        provider_id = first or receipt.message_id
        outbox_status = receipt.outbox_status
        with transaction(self.runtime.sessions) as session:
            if outbox_status is None:
                known = message_id is not None
            else:
                known = messages.apply_status(session, provider_id, outbox_status,
                                              receipt.error, message_id)
        if not known:
            self._unknown(receipt.message_id)
        return consts.SMPP_ESME_ROK

    def _unknown(self, smsc_id: str) -> None:
        self.stats.count("unknown_receipts")
        # An SMSC id is no personal data; it lets an operator ask the carrier.
        log.warning("SMPP receipt for no known message", extra={"smsc_id": smsc_id[:64]})

    # --- MO --------------------------------------------------------------------------------

    def _mo(self, pdu: Any) -> int:
        source = _text(pdu.source_addr)
        try:
            phone = phones.normalise(source)
        except phones.InvalidPhone:
            log.warning("MO from an invalid number dropped",
                        extra={"phone": phones.mask(source)})
            return consts.SMPP_ESME_ROK  # nothing to do: a redelivery would be the same
        try:
            part = segments.read(pdu.short_message or b"", pdu.esm_class, pdu.data_coding,
                                 message_payload=getattr(pdu, "message_payload", None),
                                 sar_msg_ref_num=getattr(pdu, "sar_msg_ref_num", None),
                                 sar_total_segments=getattr(pdu, "sar_total_segments", None),
                                 sar_segment_seqnum=getattr(pdu, "sar_segment_seqnum", None))
        except segments.UnsupportedCoding as error:
            log.warning("MO in an unsupported coding dropped",
                        extra={"phone": phones.mask(phone), "reason": str(error)})
            return consts.SMPP_ESME_ROK
        self.stats.count("mo")
        if part.concat is None:
            text, key = part.text, _dedup(pdu, source, part.text, "")
            self._turn(pdu, phone, text, key)
            return consts.SMPP_ESME_ROK
        parts_key = PARTS_KEY.format(source, part.concat.reference, part.concat.total)
        with self.runtime.redis.pipeline() as pipe:
            pipe.hset(parts_key, part.concat.index, part.text)
            pipe.expire(parts_key, PARTS_TTL)
            pipe.hgetall(parts_key)
            held = pipe.execute()[2]
        if len(held) < part.concat.total:
            return consts.SMPP_ESME_ROK  # held until the other parts come
        text = "".join(held[index].decode() for index in sorted(held, key=int))
        self._turn(pdu, phone, text,
                   _dedup(pdu, source, text, f"{part.concat.reference}/{part.concat.total}",
                          whole=True))
        # Only once the turn is done: a turn that could not run leaves the parts for
        # the SMSC's redelivery of the last one.
        self.runtime.redis.delete(parts_key)
        return consts.SMPP_ESME_ROK

    def _turn(self, pdu: Any, phone: str, text: str, key: str) -> None:
        inbound = Inbound(channel="sms", provider=PROVIDER, provider_id=key, phone=phone,
                          text=text, recipient=_text(pdu.destination_addr))
        handle(self.runtime, inbound, decide)


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value or ""


def _dedup(pdu: Any, source: str, text: str, reference: str, whole: bool = False) -> str:
    """The inbound log's key of an MO: the SMSC's message id when it gives one, else
    what identifies this delivery (its sender, sequence, time fields and concatenation
    reference, the day and the text: sequences restart with every bind). A part-joined
    message is keyed by its parts' common fields only, so any part's redelivery that
    completes it finds the same key."""
    smsc_id = _text(getattr(pdu, "receipted_message_id", None)).strip("\x00 ")
    if smsc_id and not whole:
        return f"id:{smsc_id}"[:64]
    sequence = "" if whole else str(pdu.sequence)
    fields = [source, sequence, _text(getattr(pdu, "schedule_delivery_time", None)),
              _text(getattr(pdu, "validity_period", None)), reference,
              datetime.now(UTC).strftime("%Y%m%d"), text]
    return "h:" + hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:40]
