"""An incoming short_message: its text, and which concatenated message it is a part of.

A long MO arrives as several deliver_sm, each carrying one part and a key, either in a
UDH at the start of short_message (esm_class bit 0x40; IEI 0x00 with an 8-bit reference,
IEI 0x08 with a 16-bit one) or in the SAR TLVs (sar_msg_ref_num, sar_total_segments,
sar_segment_seqnum). `read` returns the part's text and that key, so the channel can
hold parts until all have come and join them in index order before the turn.
data_coding 0 (GSM-7, unpacked), 1 (ASCII), 3 (Latin-1) and 8 (UCS-2, read as UTF-16BE so
an emoji's surrogate pair survives) are decoded; any other is an UnsupportedCoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from smpplib import consts

from gateway.sms.smpp import alphabet

_IEI_CONCAT_8BIT = 0x00
_IEI_CONCAT_16BIT = 0x08


class UnsupportedCoding(ValueError):
    """A data_coding the gateway cannot turn into text (binary, Kanji…)."""


@dataclass(frozen=True)
class Concat:
    """The part of a concatenated message: `reference` names the message (together with
    the sender), `index` counts from 1 to `total`."""

    reference: int
    total: int
    index: int


@dataclass(frozen=True)
class Part:
    """One deliver_sm's text, and its place in a concatenated message (None: whole)."""

    text: str
    concat: Concat | None


def decode_text(octets: bytes, data_coding: int) -> str:
    """The text of a short_message body (UDH removed) in this data_coding."""
    if data_coding == consts.SMPP_ENCODING_DEFAULT:
        return alphabet.decode(octets)
    if data_coding == consts.SMPP_ENCODING_IA5:
        return octets.decode("ascii", errors="replace")
    if data_coding == consts.SMPP_ENCODING_ISO88591:
        return octets.decode("latin-1")
    if data_coding == consts.SMPP_ENCODING_ISO10646:
        # An odd length is a broken part: keep what reads, drop the stray octet.
        return octets[: len(octets) - len(octets) % 2].decode("utf-16-be", errors="replace")
    raise UnsupportedCoding(f"data_coding {data_coding:#04x}")


def split_udh(short_message: bytes, esm_class: int) -> tuple[bytes, bytes]:
    """(UDH, body): the header (empty when esm_class has no UDHI or it is malformed)
    and the rest of the short_message."""
    if not esm_class & consts.SMPP_GSMFEAT_UDHI or not short_message:
        return b"", short_message
    end = short_message[0] + 1
    if end > len(short_message):
        return b"", short_message
    return short_message[:end], short_message[end:]


def concat_from_udh(udh: bytes) -> Concat | None:
    """The concatenation key in a UDH (IEI 0x00 or 0x08), or None when it has none."""
    at = 1
    while at + 2 <= len(udh):
        iei, length = udh[at], udh[at + 1]
        data = udh[at + 2: at + 2 + length]
        if len(data) < length:
            return None
        if iei == _IEI_CONCAT_8BIT and length == 3:
            return _checked(data[0], data[1], data[2])
        if iei == _IEI_CONCAT_16BIT and length == 4:
            return _checked(int.from_bytes(data[:2], "big"), data[2], data[3])
        at += 2 + length
    return None


def concat_from_sar(ref_num: int | None, total: int | None, seqnum: int | None) -> Concat | None:
    """The concatenation key in the SAR TLVs, or None when they are absent."""
    if ref_num is None or total is None or seqnum is None:
        return None
    return _checked(ref_num, total, seqnum)


def read(short_message: bytes, esm_class: int, data_coding: int, *,
         message_payload: bytes | None = None, sar_msg_ref_num: int | None = None,
         sar_total_segments: int | None = None, sar_segment_seqnum: int | None = None) -> Part:
    """The text of one deliver_sm and, when it is a part of a longer message, its key
    (from the UDH, else from the SAR TLVs). An SMSC may put the text in the
    message_payload TLV and leave short_message empty."""
    udh, body = split_udh(short_message or message_payload or b"", esm_class)
    concat = concat_from_udh(udh) if udh else None
    if concat is None:
        concat = concat_from_sar(sar_msg_ref_num, sar_total_segments, sar_segment_seqnum)
    return Part(decode_text(body, data_coding), concat)


def _checked(reference: int, total: int, index: int) -> Concat | None:
    # A "1 of 1" or an index outside 1..total is no concatenation: read the part whole
    # rather than wait forever for parts that cannot come.
    if total < 2 or not 1 <= index <= total:
        return None
    return Concat(reference, total, index)
