"""The SMPP codec: data_coding choice, splitting into UDH parts, MO decoding and
concatenation keys, delivery receipts. Pure functions: no peer, no services."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.sms.smpp import alphabet, parts, receipts, segments
from gateway.sms.smpp.segments import Concat
from gateway.text import septets

EMOJI = "\U0001F600"  # one character, two UTF-16 units (a surrogate pair)
UDHI = 0x40


def bodies(outgoing: parts.Outgoing) -> list[bytes]:
    """Each part's short_message with its 6-octet UDH removed."""
    if not outgoing.concatenated:
        return list(outgoing.short_messages)
    return [sm[6:] for sm in outgoing.short_messages]


def joined(outgoing: parts.Outgoing) -> str:
    """The text a phone shows once it has every part."""
    return "".join(segments.read(sm, outgoing.esm_class, outgoing.data_coding).text
                   for sm in outgoing.short_messages)


# --- data_coding -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "coding"), [
    ("KB", parts.GSM7),
    ("", parts.GSM7),
    ("Ma xac nhan: 123456", parts.GSM7),
    ("Gia 5€ [tam] {x} ~^|\\", parts.GSM7),  # the extension table is still GSM-7
    ("Xin chào", parts.GSM7),  # à is in the GSM 03.38 basic table
    ("§ ¿ ¡ Ä ñ", parts.GSM7),
    ("Nguyễn", parts.UCS2),  # one Vietnamese diacritic is enough
    ("Đà Nẵng", parts.UCS2),
    ("ok " + EMOJI, parts.UCS2),
    ("tab\there", parts.UCS2),  # a tab is not in GSM 03.38
    ("back`tick", parts.UCS2),
])
def test_data_coding_is_gsm7_only_when_every_character_fits(text, coding):
    assert parts.data_coding(text) == coding


# --- lengths and splitting -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "sizes"), [
    ("a" * 160, [160]),
    ("a" * 161, [153, 8]),
    ("€" * 80, [160]),  # 80 extension characters: 160 septets, one SMS
    ("€" * 81, [152, 10]),  # 76 € (152 septets) then 5: a 153rd septet would cut an escape
    ("a" * 159 + "€", [153, 8]),  # 161 septets
    ("a" * 152 + "€" + "b" * 7, [152, 9]),  # the € does not fit beside 152 a: it moves on
    ("a" * 306, [153, 153]),
    ("a" * 307, [153, 153, 1]),
    ("ễ" * 70, [140]),  # UCS-2: 70 characters, 140 octets
    ("ễ" * 71, [134, 8]),  # 67 + 4 characters
    ("ễ" * 66 + EMOJI + "ễ" * 10, [132, 24]),  # the pair does not fit in unit 67-68
    ("ễ" * 67 + EMOJI, [138]),  # 69 units: still one SMS
    (EMOJI * 35, [140]),  # 70 units
])
def test_parts_sizes_in_octets(text, sizes):
    assert [len(b) for b in bodies(parts.encode(text, reference=9))] == sizes


def test_a_single_part_has_no_udh():
    outgoing = parts.encode("a" * 160, reference=9)
    assert outgoing.esm_class == 0
    assert outgoing.short_messages == (b"a" * 160,)
    assert not outgoing.concatenated


def test_parts_are_numbered_behind_an_8bit_concatenation_udh():
    outgoing = parts.encode("x" * 400, reference=0xA7)
    assert outgoing.esm_class == UDHI
    headers = [sm[:6].hex() for sm in outgoing.short_messages]
    assert headers == ["050003a70301", "050003a70302", "050003a70303"]
    keys = [segments.read(sm, outgoing.esm_class, outgoing.data_coding).concat
            for sm in outgoing.short_messages]
    assert keys == [Concat(0xA7, 3, 1), Concat(0xA7, 3, 2), Concat(0xA7, 3, 3)]


def test_no_gsm7_part_ends_inside_an_escape_sequence():
    outgoing = parts.encode("€" * 200 + "a" * 7, reference=1)
    for body in bodies(outgoing):
        # a part ending in a lone escape would not survive decoding and encoding again
        assert alphabet.encode(alphabet.decode(body)) == body
        assert len(body) <= 153
    assert joined(outgoing) == "€" * 200 + "a" * 7


def test_no_ucs2_part_ends_inside_a_surrogate_pair():
    text = "ễ" + EMOJI * 100
    for body in bodies(parts.encode(text, reference=1)):
        body.decode("utf-16-be")  # strict: a cut pair would raise
        assert len(body) <= 134


def test_gsm7_parts_use_the_gsm_codes_not_ascii():
    assert parts.encode("@£$_", reference=0).short_messages == (bytes([0, 1, 2, 0x11]),)
    assert parts.encode("€", reference=0).short_messages == (bytes([0x1B, 0x65]),)


def test_reference_must_fit_one_octet():
    with pytest.raises(ValueError, match="reference"):
        parts.encode("a", reference=256)


def test_more_than_255_parts_is_refused():
    with pytest.raises(parts.TooLong):
        parts.encode("a" * (153 * 255 + 1), reference=0)
    assert len(parts.encode("a" * (153 * 255), reference=0).short_messages) == 255


ROUND_TRIP_CHARACTERS = [*"abcXYZ 019@£€[]{}~^|\\\n§àé", "ễ", "Đ", EMOJI, "\u0301"]


@given(st.text(alphabet=st.sampled_from(ROUND_TRIP_CHARACTERS), max_size=700))
def test_any_text_survives_the_round_trip(text):
    outgoing = parts.encode(text, reference=5)
    assert joined(outgoing) == text
    assert len(outgoing.short_messages) == len(parts.split(text))


def test_the_gsm_table_agrees_with_the_segment_counting_rule():
    """`gateway.text` decides what fits GSM-7; the table here must encode exactly that."""
    for code_point in [*range(0x2100), 0x20AC]:
        char = chr(code_point)
        try:
            cost = len(alphabet.encode(char))
        except ValueError:
            cost = None
        assert cost == septets(char), repr(char)


# --- MO decoding -------------------------------------------------------------------------

@pytest.mark.parametrize(("octets", "data_coding", "text"), [
    (b"KB 1", 0, "KB 1"),
    (bytes([0x00, 0x01, 0x1B, 0x65, 0x11]), 0, "@£€_"),
    (bytes([0x1B, 0x41]), 0, "A"),  # an undefined extension code reads as the basic one
    (bytes([0x41, 0x1B]), 0, "A"),  # a lone escape at the end reads as nothing
    (bytes([0x41, 0xC8]), 0, "A\ufffd"),  # an octet that is no septet
    (b"KB", 1, "KB"),
    ("Hòa".encode("latin-1"), 3, "Hòa"),
    ("Nguyễn Văn Hòa".encode("utf-16-be"), 8, "Nguyễn Văn Hòa"),
    (EMOJI.encode("utf-16-be"), 8, EMOJI),
    ("ab".encode("utf-16-be") + b"\x00", 8, "ab"),  # a stray odd octet is dropped
])
def test_decode_text(octets, data_coding, text):
    assert segments.decode_text(octets, data_coding) == text


def test_an_unsupported_data_coding_is_a_typed_error():
    with pytest.raises(segments.UnsupportedCoding):
        segments.decode_text(b"\x00\x01", 4)


@pytest.mark.parametrize(("short_message", "esm_class", "sar", "text", "concat"), [
    (bytes.fromhex("0500030c0201") + b"KB", UDHI, {}, "KB", Concat(0x0C, 2, 1)),
    (bytes.fromhex("06080412340303") + b"xy", UDHI, {}, "xy", Concat(0x1234, 3, 3)),
    # a port-addressing IE before the concatenation IE
    (bytes.fromhex("0b050400000000" "00030a0201") + b"z", UDHI, {}, "z", Concat(0x0A, 2, 1)),
    (b"plain", 0, {}, "plain", None),
    (b"parts", 0, {"sar_msg_ref_num": 300, "sar_total_segments": 2, "sar_segment_seqnum": 2},
     "parts", Concat(300, 2, 2)),
    (bytes.fromhex("050003070101") + b"one", UDHI, {}, "one", None),  # "1 of 1" is whole
    (bytes.fromhex("050003070203") + b"bad", UDHI, {}, "bad", None),  # index 3 of 2
    # a UDH longer than the message: no UDH, the octets read as text
    (bytes.fromhex("0700030701"), UDHI, {}, "ì@¥ì£", None),
])
def test_read_gives_text_and_concatenation_key(short_message, esm_class, sar, text, concat):
    assert segments.read(short_message, esm_class, 0, **sar) == segments.Part(text, concat)


def test_read_takes_the_text_from_message_payload_when_short_message_is_empty():
    payload = "Nội dung dài".encode("utf-16-be")
    part = segments.read(b"", 0, 8, message_payload=payload)
    assert part == segments.Part("Nội dung dài", None)


# --- receipts ----------------------------------------------------------------------------

RECEIPT_TEXT = ("id:{id} sub:001 dlvrd:001 submit date:2612011200 done date:2612011201 "
                "stat:{stat} err:{err} text:Ma xac nhan cua ban")


@pytest.mark.parametrize(("stat", "state", "status"), [
    ("DELIVRD", "delivered", "delivered"),
    ("UNDELIV", "undelivered", "undelivered"),
    ("EXPIRED", "expired", "undelivered"),
    ("DELETED", "deleted", "undelivered"),
    ("REJECTD", "rejected", "failed"),
    ("ACCEPTD", "accepted", None),
    ("ENROUTE", "enroute", None),
    ("UNKNOWN", "unknown", None),
    ("delivered", "delivered", "delivered"),  # the long form, in any case
    ("WHATEVER", "unknown", None),
])
def test_receipt_text_states(stat, state, status):
    text = RECEIPT_TEXT.format(id="0a1b2c", stat=stat, err="000").encode()
    receipt = receipts.read(text)
    assert receipt == receipts.Receipt("0a1b2c", state, "000")
    assert receipt.outbox_status == status


def test_receipt_tlvs_win_over_the_text():
    text = RECEIPT_TEXT.format(id="12345", stat="DELIVRD", err="000").encode()
    receipt = receipts.read(text, receipted_message_id=b"3039\x00", message_state=5)
    assert receipt == receipts.Receipt("3039", "undelivered", "000")


def test_receipt_from_tlvs_alone():
    assert receipts.read(b"", "abc", 2) == receipts.Receipt("abc", "delivered", None)


def test_receipt_id_is_the_first_one_not_one_in_the_message_text():
    text = b"id:real stat:DELIVRD err:000 text:id:fake stat:REJECTD"
    assert receipts.read(text) == receipts.Receipt("real", "delivered", "000")


def test_receipt_without_any_id_is_none():
    assert receipts.read(b"stat:DELIVRD err:000") is None
    assert receipts.read(b"") is None


@pytest.mark.parametrize(("esm_class", "receipt"), [
    (0x00, False), (UDHI, False), (0x04, True), (0x44, True), (0x08, True), (0x20, True),
])
def test_is_receipt(esm_class, receipt):
    assert receipts.is_receipt(esm_class) is receipt
