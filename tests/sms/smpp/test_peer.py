"""The SMSC peer (tests/smsc/simulator.js) against the chosen client library, smpplib:
binds, submits, receipts, MO, throttling, drops, restarts and garbage. These prove the
ground the SMPP channel's transcript tests will stand on; the codec goes through the
peer both ways."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import smpplib.client
import smpplib.exceptions
from smpplib import consts, smpp

from gateway.sms.smpp import parts, receipts, segments
from tests.smsc_peer import (
    ESME_RINVPASWD,
    ESME_RINVSYSID,
    ESME_RMSGQFUL,
    ESME_ROK,
    ESME_RTHROTTLED,
    SmscPeer,
    smsc_fixture,  # noqa: F401  (the `smsc` fixture)
)

PHONE = "84912345678"
SHORT_CODE = "8088"
VIETNAMESE = ("Bạn đã khai báo y tế thành công. Nếu có triệu chứng sốt, ho, khó thở, "
              "hãy gọi đường dây nóng 1900 9095 và ở nhà. Xin cảm ơn!")


class Esme:
    """A bare ESME on smpplib, doing by hand what the channel will do in its loop:
    it keeps every submit_sm_resp by sequence and every deliver_sm it is sent."""

    def __init__(self, peer: SmscPeer, *, timeout: float = 5.0) -> None:
        self.client = smpplib.client.Client(peer.host, peer.port, timeout=timeout,
                                            allow_unknown_opt_params=True)
        self.peer = peer
        self.answers: dict[int, Any] = {}
        self.delivered: list[Any] = []
        self.client.set_message_sent_handler(
            lambda pdu: self.answers.__setitem__(pdu.sequence, pdu))
        # Returning None answers deliver_sm_resp with ESME_ROK once the handler is done.
        self.client.set_message_received_handler(lambda pdu: self.delivered.append(pdu))
        # An error answer is data for the caller (throttling, a refused submit), not an exception.
        self.client.set_error_pdu_handler(lambda pdu: None)

    def bind(self, mode: str = "transceiver", password: str | None = None,
             system_id: str | None = None) -> Esme:
        """Connect and bind (transceiver, transmitter or receiver)."""
        self.client.connect()
        try:
            getattr(self.client, f"bind_{mode}")(
                system_id=system_id or self.peer.system_id,
                password=password if password is not None else self.peer.password)
        except smpplib.exceptions.PDUError:
            self.client.disconnect()
            raise
        return self

    def submit(self, text: str, *, destination: str = PHONE, reference: int = 1) -> list[int]:
        """Send a text as its submit_sm parts without waiting; their sequence numbers."""
        outgoing = parts.encode(text, reference)
        return [self.client.send_message(
            source_addr_ton=consts.SMPP_TON_NWSPEC, source_addr_npi=consts.SMPP_NPI_UNK,
            source_addr=SHORT_CODE, dest_addr_ton=consts.SMPP_TON_INTL,
            dest_addr_npi=consts.SMPP_NPI_ISDN, destination_addr=destination,
            short_message=short_message, data_coding=outgoing.data_coding,
            esm_class=outgoing.esm_class,
            registered_delivery=consts.SMPP_SMSC_DELIVERY_RECEIPT_BOTH,
        ).sequence for short_message in outgoing.short_messages]

    def read_until(self, done: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Read and dispatch PDUs until `done()` is true; its value."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError("the ESME did not get what it waited for")
            self.client.read_once()
        return done()

    def answered(self, sequences: list[int]) -> list[Any]:
        """Wait for the submit_sm_resp of each sequence; them, in order."""
        self.read_until(lambda: all(s in self.answers for s in sequences))
        return [self.answers[s] for s in sequences]

    def close(self) -> None:
        """Drop the connection without unbinding."""
        self.client.disconnect()


@pytest.fixture
def esme(smsc: SmscPeer) -> Iterator[Esme]:
    """A transceiver bound to the peer."""
    bound = Esme(smsc).bind()
    yield bound
    bound.close()


def mo_text(delivered: list[Any]) -> str:
    """The text of the MO parts delivered so far, joined in index order."""
    read = [segments.read(pdu.short_message, pdu.esm_class, pdu.data_coding,
                          sar_msg_ref_num=pdu.sar_msg_ref_num,
                          sar_total_segments=pdu.sar_total_segments,
                          sar_segment_seqnum=pdu.sar_segment_seqnum) for pdu in delivered]
    return "".join(p.text for p in sorted(read, key=lambda p: p.concat.index if p.concat else 0))


# --- binds -------------------------------------------------------------------------------

def test_transceiver_bind_and_enquire_link(smsc, esme):
    esme.client.send_pdu(smpp.make_pdu("enquire_link", client=esme.client))
    assert esme.client.read_pdu().command == "enquire_link_resp"
    assert [(e["event"], e["mode"]) for e in smsc.events()] == [("bind", "transceiver")]
    assert smsc.counters()["enquire_links"] == 1


def test_wrong_password_and_unknown_system_id_are_refused(smsc):
    with pytest.raises(smpplib.exceptions.PDUError) as refused:
        Esme(smsc).bind(password="wrong")
    assert refused.value.args[1] == ESME_RINVPASWD
    with pytest.raises(smpplib.exceptions.PDUError) as unknown:
        Esme(smsc).bind(system_id="nobody")
    assert unknown.value.args[1] == ESME_RINVSYSID
    assert [(e["event"], e["command_status"]) for e in smsc.events()
            if e["event"] == "bind_refused"] == [("bind_refused", ESME_RINVPASWD),
                                                 ("bind_refused", ESME_RINVSYSID)]
    smsc.set_credentials("gateway", "wrong")
    Esme(smsc).bind(password="wrong").close()
    assert smsc.counters()["binds"] == 1


def test_tx_rx_binds_send_on_one_and_receive_on_the_other(smsc):
    transmitter = Esme(smsc).bind("transmitter")
    receiver = Esme(smsc).bind("receiver")
    (answer,) = transmitter.answered(transmitter.submit("Ma xac nhan: 123456"))
    smsc.send_receipt(answer.message_id.decode())
    (receipt,) = receiver.read_until(lambda: receiver.delivered)
    assert receipts.read(receipt.short_message, receipt.receipted_message_id,
                         receipt.message_state).message_id == answer.message_id.decode()
    assert sorted(s["mode"] for s in smsc.state()["sessions"]) == ["receiver", "transmitter"]
    transmitter.close()
    receiver.close()


# --- submits -------------------------------------------------------------------------------

def test_submit_gets_a_message_id_and_is_kept_decoded(smsc, esme):
    (answer,) = esme.answered(esme.submit("Ma xac nhan: 123456 (5 phut) €"))
    assert answer.status == ESME_ROK
    (pdu,) = smsc.submitted()
    assert pdu["message_id"] == answer.message_id.decode()
    assert pdu["text"] == "Ma xac nhan: 123456 (5 phut) €"
    # a short code is TON 3 (network specific), NPI 0, as issue 14 derives it
    assert (pdu["source_addr"], pdu["source_addr_ton"], pdu["source_addr_npi"]) == (
        SHORT_CODE, 3, 0)
    assert (pdu["destination_addr"], pdu["dest_addr_ton"], pdu["dest_addr_npi"]) == (PHONE, 1, 1)
    assert (pdu["data_coding"], pdu["esm_class"], pdu["registered_delivery"]) == (0, 0, 1)
    assert pdu["concat"] is None and pdu["udh_hex"] is None
    assert pdu["short_message_hex"].endswith("1b65")  # € as GSM escape + 0x65


@pytest.mark.parametrize(("text", "coding", "count"), [
    ("x" * 400, 0, 3),  # GSM-7: 153 + 153 + 94
    ("Khai bao y te " * 28 + "ễ", 8, 6),  # one diacritic: UCS-2, 67 a part
    (VIETNAMESE, 8, 2),  # 126 characters
])
def test_a_long_text_goes_out_as_numbered_parts(smsc, esme, text, coding, count):
    answers = esme.answered(esme.submit(text, reference=0x42))
    assert [a.status for a in answers] == [ESME_ROK] * count
    pdus = smsc.submitted()
    assert [(p["data_coding"], p["esm_class"]) for p in pdus] == [(coding, 0x40)] * count
    assert [p["concat"] for p in pdus] == [
        {"ref": 0x42, "total": count, "index": i, "bits": 8} for i in range(1, count + 1)]
    assert "".join(p["text"] for p in pdus) == text


def test_every_nth_submit_is_throttled(smsc, esme):
    smsc.throttle_every(5)
    sequences = [s for i in range(20) for s in esme.submit(f"tin {i}")]
    statuses = [a.status for a in esme.answered(sequences)]
    throttled = [i for i, status in enumerate(statuses, 1) if status == ESME_RTHROTTLED]
    assert throttled == [5, 10, 15, 20]
    assert len(smsc.submitted()) == 16
    assert smsc.counters()["throttled"] == 4


def test_the_peer_sees_how_many_submits_are_unanswered(smsc, esme):
    smsc.submit_mode(delay=0.5)  # long enough for all 10 to be out
    sequences = [s for i in range(10) for s in esme.submit(f"tin {i}")]
    assert all(a.status == ESME_ROK for a in esme.answered(sequences))
    assert smsc.counters()["max_unanswered"] == 10


def test_a_rejected_submit_carries_its_status(smsc, esme):
    smsc.reject_next(1, ESME_RMSGQFUL)
    first, second = esme.answered(esme.submit("one") + esme.submit("two"))
    assert (first.status, second.status) == (ESME_RMSGQFUL, ESME_ROK)
    assert [(p["text"], p["command_status"]) for p in smsc.submitted(accepted_only=False)] == [
        ("one", ESME_RMSGQFUL), ("two", ESME_ROK)]


def test_a_held_submit_is_never_answered(smsc, esme):
    """The "maybe sent" case: the SMSC took the submit_sm and the link died before it said so."""
    smsc.submit_mode(answer=False)
    esme.submit("maybe sent")
    esme.client._socket.settimeout(0.3)
    with pytest.raises(TimeoutError):
        esme.client.read_pdu()
    (held,) = smsc.submitted(accepted_only=False)
    assert (held["text"], held["command_status"], held["message_id"]) == ("maybe sent", None, None)
    assert smsc.submitted() == []


def test_the_smsc_asks_to_unbind(smsc, esme):
    smsc.unbind()
    request = esme.client.read_pdu()
    assert request.command == "unbind"
    # smpplib's read_once only logs an unbind: the channel answers it and binds again.
    answer = smpp.make_pdu("unbind_resp", client=esme.client)
    answer.sequence = request.sequence
    esme.client.send_pdu(answer)
    with pytest.raises(smpplib.exceptions.ConnectionError):
        esme.client.read_pdu()
    esme.client.disconnect()
    smsc.wait_for(lambda peer: [e["event"] for e in peer.events()] == ["bind", "unbind", "close"])


# --- deliveries ----------------------------------------------------------------------------

@pytest.mark.parametrize(("with_tlvs", "with_text"), [(True, True), (True, False), (False, True)])
def test_a_receipt_reaches_the_client(smsc, esme, with_tlvs, with_text):
    (answer,) = esme.answered(esme.submit("OTP 123456"))
    message_id = answer.message_id.decode()
    smsc.send_receipt(message_id, "UNDELIV", with_tlvs=with_tlvs, with_text=with_text)
    (pdu,) = esme.read_until(lambda: esme.delivered)
    assert receipts.is_receipt(pdu.esm_class)
    receipt = receipts.read(pdu.short_message, pdu.receipted_message_id, pdu.message_state)
    assert (receipt.message_id, receipt.state) == (message_id, "undelivered")
    smsc.wait_for(lambda peer: peer.deliveries()[0]["command_status"] == ESME_ROK)


def test_automatic_receipts_follow_each_accepted_submit(smsc, esme):
    smsc.auto_receipts("DELIVRD")
    answers = esme.answered(esme.submit("a") + esme.submit("b"))
    esme.read_until(lambda: len(esme.delivered) == 2)
    got = {receipts.read(p.short_message, p.receipted_message_id, p.message_state).message_id
           for p in esme.delivered}
    assert got == {a.message_id.decode() for a in answers}


@pytest.mark.parametrize(("encoding", "concat"), [
    ("ucs2", "udh8"), ("ucs2", "udh16"), ("ucs2", "sar"), ("gsm7", "udh8"), ("latin1", "sar"),
])
def test_a_concatenated_mo_arrives_in_parts_that_join(smsc, esme, encoding, concat):
    text = {"ucs2": VIETNAMESE, "gsm7": "KB " + "khai bao y te [test] " * 12,
            "latin1": "Hòa Bình " * 30}[encoding]
    sent = smsc.inject_mo(text, encoding=encoding, concat=concat, ref=300, order=None)
    esme.read_until(lambda: len(esme.delivered) == sent["parts"])
    assert sent["parts"] >= 2
    assert mo_text(esme.delivered) == text
    keys = {segments.read(p.short_message, p.esm_class, p.data_coding,
                          sar_msg_ref_num=p.sar_msg_ref_num,
                          sar_total_segments=p.sar_total_segments,
                          sar_segment_seqnum=p.sar_segment_seqnum).concat.reference
            for p in esme.delivered}
    assert keys == {300 if concat != "udh8" else 300 & 0xFF}


def test_mo_parts_out_of_order_and_a_short_ucs2_mo(smsc, esme):
    smsc.inject_mo(parts=["Tôi bị ", "sốt"], encoding="ucs2", concat="udh8", order=[2, 1])
    smsc.inject_mo("Chào", encoding="ucs2", source_addr="84987654321")
    esme.read_until(lambda: len(esme.delivered) == 3)
    assert mo_text(esme.delivered[:2]) == "Tôi bị sốt"
    single = esme.delivered[2]
    assert (single.source_addr, single.data_coding) == (b"84987654321", 8)
    assert segments.read(single.short_message, single.esm_class, 8).text == "Chào"


def test_an_unanswered_mo_is_delivered_again_after_a_drop(smsc, esme):
    smsc.inject_mo("KB")  # sent, but this ESME never reads it, so never answers it
    smsc.wait_for(lambda peer: peer.deliveries())
    esme.close()
    smsc.wait_for(lambda peer: not peer.state()["sessions"])
    assert smsc.deliveries()[0]["command_status"] is None
    again = Esme(smsc).bind()
    assert smsc.redeliver() == 1
    (pdu,) = again.read_until(lambda: again.delivered)
    assert pdu.short_message == b"KB"
    again.close()


def test_deliveries_wait_for_a_receiver_to_bind(smsc):
    assert smsc.inject_mo("KB")["results"] == [{"queued": True}]
    late = Esme(smsc).bind()
    (pdu,) = late.read_until(lambda: late.delivered)
    assert pdu.short_message == b"KB"
    late.close()


# --- faults --------------------------------------------------------------------------------

def test_a_drop_cuts_the_link_and_the_client_binds_again(smsc, esme):
    assert smsc.drop() == 1
    with pytest.raises(smpplib.exceptions.ConnectionError):
        esme.client.read_pdu()
    esme.client.disconnect()
    again = Esme(smsc).bind()
    (answer,) = again.answered(again.submit("after the drop"))
    assert answer.status == ESME_ROK
    assert [e["event"] for e in smsc.events()] == ["bind", "close", "bind"]
    again.close()


def test_the_smsc_killed_and_restarted_on_the_same_port(smsc, esme):
    (first,) = esme.answered(esme.submit("before"))
    port = smsc.port
    smsc.restart(down_for=0.2)
    assert smsc.port == port
    with pytest.raises((smpplib.exceptions.ConnectionError, OSError)):
        esme.client.read_pdu()
    esme.client.disconnect()
    again = Esme(smsc).bind()
    (second,) = again.answered(again.submit("after"))
    texts = [(p["text"], p["message_id"]) for p in smsc.submitted(all_runs=True)]
    assert texts == [("before", first.message_id.decode()), ("after", second.message_id.decode())]
    assert first.message_id != second.message_id
    again.close()


@pytest.mark.parametrize("kind", ["junk", "truncated", "short_length", "unknown_command"])
def test_garbage_to_the_client_does_not_hurt_the_peer(smsc, esme, kind):
    smsc.garbage(kind)
    # smpplib does not survive these on its own (a 4 GiB length waits for ever, a short
    # length raises struct.error, an unknown command UnknownCommandError): the channel
    # must bound the length, treat any read error as a dead link and reconnect.
    esme.client.timeout = 0.5
    esme.client._socket.settimeout(0.5)
    with pytest.raises(Exception):  # noqa: B017  (the library raises several kinds)
        esme.client.read_pdu()
    esme.close()
    assert smsc.running
    again = Esme(smsc).bind()
    assert again.answered(again.submit("still here"))[0].status == ESME_ROK
    again.close()


@pytest.mark.parametrize("octets", [
    b"\xff" * 64,  # a length no PDU has
    bytes.fromhex("0000002c00000004") + b"\x00" * 8,  # a submit_sm cut short, then silence
    bytes.fromhex("00000010000009990000000000000007"),  # an unknown command
])
def test_garbage_from_a_client_does_not_hurt_the_peer(smsc, octets):
    with socket.create_connection((smsc.host, smsc.port), timeout=2) as raw:
        raw.sendall(octets)
        time.sleep(0.2)
    assert smsc.running
    bound = Esme(smsc).bind()
    assert bound.answered(bound.submit("still here"))[0].status == ESME_ROK
    bound.close()
