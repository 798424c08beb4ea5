"""A delivery receipt (a deliver_sm whose esm_class says so) read into (message id, state).

SMPP 3.4 gives the receipt twice, and carriers fill either or both: the TLVs
receipted_message_id and message_state, and the text of SMPP 3.4 Appendix B:
"id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD
err:E text: …". The TLVs win when present (they are typed; the text's id is sometimes
written in decimal when submit_sm_resp gave hex). A receipt whose id cannot be read is
None: the channel logs and counts it, as it does one whose id matches no message.
Vietnamese carriers' receipts are network-level at best: DELIVRD means the network took
the message, not that a person read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smpplib import consts

# esm_class bits 2-5 give the message type; these carry a receipt or an acknowledgement.
_TYPE_MASK = 0x3C
_RECEIPT_TYPES = frozenset({
    0x04,  # SMSC delivery receipt
    consts.SMPP_MSGTYPE_DELIVERYACK,
    consts.SMPP_MSGTYPE_USERACK,
    0x20,  # intermediate delivery notification
})

# message_state TLV values -> the state names this module returns.
_TLV_STATES = {
    consts.SMPP_MESSAGE_STATE_ENROUTE: "enroute",
    consts.SMPP_MESSAGE_STATE_DELIVERED: "delivered",
    consts.SMPP_MESSAGE_STATE_EXPIRED: "expired",
    consts.SMPP_MESSAGE_STATE_DELETED: "deleted",
    consts.SMPP_MESSAGE_STATE_UNDELIVERABLE: "undelivered",
    consts.SMPP_MESSAGE_STATE_ACCEPTED: "accepted",
    consts.SMPP_MESSAGE_STATE_UNKNOWN: "unknown",
    consts.SMPP_MESSAGE_STATE_REJECTED: "rejected",
}
# The receipt text's stat: values (the 7-letter forms of Appendix B, and the long
# forms some SMSCs write) -> the same names.
_TEXT_STATES = {
    "ENROUTE": "enroute", "DELIVRD": "delivered", "DELIVERED": "delivered",
    "EXPIRED": "expired", "DELETED": "deleted", "UNDELIV": "undelivered",
    "UNDELIVERABLE": "undelivered", "ACCEPTD": "accepted", "ACCEPTED": "accepted",
    "UNKNOWN": "unknown", "REJECTD": "rejected", "REJECTED": "rejected",
}
# Receipt states -> the outbox's statuses (as Twilio's status callbacks map). An
# intermediate or unknown state changes nothing (None).
OUTBOX_STATUS = {
    "enroute": None, "accepted": None, "unknown": None,
    "delivered": "delivered",
    "undelivered": "undelivered", "expired": "undelivered", "deleted": "undelivered",
    "rejected": "failed",
}

_FIELD = re.compile(r"\b(id|stat|err):(\S*)", re.IGNORECASE)


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: the SMSC's id of the message it is about, the state (a key
    of OUTBOX_STATUS) and the carrier's error code as written (None when absent)."""

    message_id: str
    state: str
    error: str | None

    @property
    def outbox_status(self) -> str | None:
        """The outbox status this receipt sets, or None when it sets none."""
        return OUTBOX_STATUS[self.state]


def is_receipt(esm_class: int) -> bool:
    """True when a deliver_sm's esm_class marks it as a receipt, not an MO message."""
    return esm_class & _TYPE_MASK in _RECEIPT_TYPES


def read(short_message: bytes, receipted_message_id: str | bytes | None = None,
         message_state: int | None = None) -> Receipt | None:
    """The receipt in a deliver_sm's text and TLVs, or None when no message id is found."""
    fields: dict[str, str] = {}
    for name, value in _FIELD.findall(short_message.decode("latin-1")):
        # The first of each: the message's own text follows "text:" and may say "id:".
        fields.setdefault(name.lower(), value)
    message_id = _text(receipted_message_id) or fields.get("id") or None
    if not message_id:
        return None
    state = _TLV_STATES.get(message_state) if message_state is not None else None
    if state is None:
        state = _TEXT_STATES.get(fields.get("stat", "").upper(), "unknown")
    return Receipt(message_id, state, fields.get("err") or None)


def _text(value: str | bytes | None) -> str | None:
    # smpplib gives C-octet-string TLVs as bytes; some SMSCs pad them with NULs.
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.strip("\x00 ") if value else None
