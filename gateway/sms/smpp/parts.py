"""An outgoing text as submit_sm parts: its data_coding and each part's short_message.

GSM-7 when every character is in the GSM 03.38 alphabet (extension characters such as
€ [ ] count two septets), else UCS-2: one Vietnamese diacritic turns a 160-character
message into a 70-character one, which is why the gateway's templates are plain GSM-7.
A text longer than one SMS is cut into parts of 153 septets or 67 UTF-16 units, each
behind a concatenation UDH (IEI 0x00: 8-bit reference, total, index), and a cut never
separates the two septets of an extension character or the two halves of a surrogate
pair (an emoji). The sizes and the fits-GSM-7 rule are `gateway.text`'s, the rule the
gateway already uses to count segments.

The reference is the caller's: derived from the outbox row, a re-sent message carries the
same reference, so a phone that got some parts of both attempts can still join them.
"""

from __future__ import annotations

from dataclasses import dataclass

from smpplib import consts

from gateway.sms.smpp import alphabet
from gateway.text import (
    SMS_CONCAT_SEGMENT_CHARS,
    SMS_SEGMENT_CHARS,
    UCS2_CONCAT_SEGMENT_CHARS,
    UCS2_SEGMENT_CHARS,
    septets,
)

GSM7 = consts.SMPP_ENCODING_DEFAULT  # data_coding 0: the SMSC's default alphabet, GSM-7
UCS2 = consts.SMPP_ENCODING_ISO10646  # data_coding 8
# The UDH's one-octet part count and index: no message has more parts than this.
MAX_PARTS = 255
REFERENCE_LIMIT = 256  # the concatenation reference is one octet (IEI 0x00)
_UDH_CONCAT_8BIT = b"\x05\x00\x03"  # UDH length 5, IEI 0x00, IE length 3


class TooLong(ValueError):
    """The text needs more than MAX_PARTS parts: a bug upstream, never a carrier error."""


@dataclass(frozen=True)
class Outgoing:
    """What submit_sm carries for one text: the same data_coding and esm_class for every
    part, and one short_message per part (UDH included when there are several)."""

    data_coding: int
    esm_class: int
    short_messages: tuple[bytes, ...]

    @property
    def concatenated(self) -> bool:
        """True when the text went out as several parts behind a UDH."""
        return len(self.short_messages) > 1


def data_coding(text: str) -> int:
    """GSM7 when every character fits the GSM 03.38 alphabet, else UCS2."""
    return GSM7 if septets(text) is not None else UCS2


def split(text: str) -> list[str]:
    """The text cut into the pieces that go out as separate parts (one piece when it
    fits one SMS). Pieces are packed a character at a time by what each costs, so no
    character is ever cut in two."""
    if data_coding(text) == GSM7:
        costs = [len(alphabet.encode(char)) for char in text]
        single, per_part = SMS_SEGMENT_CHARS, SMS_CONCAT_SEGMENT_CHARS
    else:
        costs = [len(char.encode("utf-16-be")) // 2 for char in text]
        single, per_part = UCS2_SEGMENT_CHARS, UCS2_CONCAT_SEGMENT_CHARS
    if sum(costs) <= single:
        return [text]
    pieces: list[str] = []
    start, used = 0, 0
    for at, cost in enumerate(costs):
        if used + cost > per_part:
            pieces.append(text[start:at])
            start, used = at, 0
        used += cost
    pieces.append(text[start:])
    return pieces


def encode(text: str, reference: int) -> Outgoing:
    """The submit_sm parts of a text; `reference` (0-255) ties the parts of one message
    together on the phone and is only used when there are several parts."""
    if not 0 <= reference < REFERENCE_LIMIT:
        raise ValueError(f"concatenation reference out of range: {reference}")
    coding = data_coding(text)
    pieces = split(text)
    if len(pieces) > MAX_PARTS:
        raise TooLong(f"{len(pieces)} parts")
    bodies = [_encode_piece(piece, coding) for piece in pieces]
    if len(bodies) == 1:
        return Outgoing(coding, consts.SMPP_MSGTYPE_DEFAULT, (bodies[0],))
    total = len(bodies)
    short_messages = tuple(
        _UDH_CONCAT_8BIT + bytes((reference, total, index)) + body
        for index, body in enumerate(bodies, start=1)
    )
    return Outgoing(coding, consts.SMPP_GSMFEAT_UDHI, short_messages)


def _encode_piece(piece: str, coding: int) -> bytes:
    if coding == GSM7:
        return alphabet.encode(piece)
    # UCS-2 on the wire is UTF-16BE: the carriers and phones decode surrogate pairs.
    return piece.encode("utf-16-be")
