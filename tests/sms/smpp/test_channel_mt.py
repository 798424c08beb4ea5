"""MT over the SMPP channel against the real SMSC peer: the outbox, real RQ workers and
the link. Encoding and parts, receipts, throttling, refused submits."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store import messages
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage
from tests.sms.smpp.channel import (  # noqa: F401  (the fixtures)
    ME,
    config_fixture,
    link_fixture,
    settled,
    texts,
    workers_fixture,
)
from tests.sms.workers import queue_bulk, queue_message, stored, wait_until
from tests.smsc_peer import smsc_fixture  # noqa: F401

LONG = ("Canh bao: khu vuc cua ban co ca benh moi. Hay deo khau trang, rua tay, "
        "han che tiep xuc va goi 1022 neu co trieu chung. ") * 4  # ~400 GSM-7 characters


def test_a_long_text_goes_out_as_numbered_parts_and_the_coding_follows_the_text(
        app, smsc, link, workers):
    workers.start()
    long_id = queue_message(app, body=LONG[:400], kind="reply")
    accented_id = queue_message(app, body="Bạn đã khai báo", kind="reply")
    plain_id = queue_message(app, body="Ma xac thuc: 482913", kind="otp")
    wait_until(lambda: settled(app), timeout=30, what="the sends")
    pdus = smsc.submitted()
    long_parts = [p for p in pdus if p["concat"]]
    assert [(p["concat"]["index"], p["concat"]["total"]) for p in long_parts] == [
        (1, 3), (2, 3), (3, 3)]
    assert {p["data_coding"] for p in long_parts} == {0}
    assert {p["concat"]["ref"] for p in long_parts} == {long_id % 256}
    singles = {p["text"]: p for p in pdus if not p["concat"]}
    assert singles["Bạn đã khai báo"]["data_coding"] == 8
    assert singles["Ma xac thuc: 482913"]["data_coding"] == 0
    assert sorted(texts(pdus)) == sorted([LONG[:400], "Bạn đã khai báo", "Ma xac thuc: 482913"])
    assert all(p["registered_delivery"] == 1 and p["source_addr"] == "8088"
               and p["destination_addr"] == ME.lstrip("+") for p in pdus)
    # The first part's SMSC id is the provider id; every message was sent once.
    assert stored(app, long_id).provider_id == long_parts[0]["message_id"]
    for message_id in (long_id, accented_id, plain_id):
        assert stored(app, message_id).status == "sent"
    assert len(pdus) == 5


def test_receipts_update_the_outbox_and_an_unknown_one_is_counted(
        app, client, smsc, link, workers):
    workers.start()
    single = queue_message(app, body="Ma xac thuc: 111111")
    multi = queue_message(app, body=LONG[:400], kind="reply")
    wait_until(lambda: settled(app), timeout=30, what="the sends")
    by_text = {p["text"]: p for p in smsc.submitted()}
    parts = [p for p in smsc.submitted() if p["concat"]]
    smsc.send_receipt(by_text["Ma xac thuc: 111111"]["message_id"], "DELIVRD")
    # A receipt for the second part stands for its message (text only, no TLVs).
    smsc.send_receipt(parts[1]["message_id"], "UNDELIV", with_tlvs=False)
    smsc.send_receipt("no-such-id", "DELIVRD")
    wait_until(lambda: link.stats.counters["receipts"] == 3, what="the receipts")
    assert stored(app, single).status == "delivered"
    assert stored(app, multi).status == "undelivered"
    assert link.stats.counters["unknown_receipts"] == 1
    assert all(d["command_status"] == 0 for d in smsc.deliveries())
    link.link._publish(force=True)
    page = client.get("/metrics").get_data(as_text=True)
    assert 'gateway_smpp_events_total{event="unknown_receipts"' in page


def test_with_every_fifth_submit_throttled_every_message_goes_out_once(
        app, smsc, link, workers):
    smsc.throttle_every(5)
    ids = queue_bulk(app, 1000)
    for _ in range(3):
        workers.start()
    wait_until(lambda: settled(app), timeout=240, what="1,000 messages out")
    accepted = Counter(p["text"] for p in smsc.submitted(all_runs=True))
    assert len(accepted) == 1000 and set(accepted.values()) == {1}
    assert smsc.counters()["throttled"] >= 200
    with runtimes.of(app).sessions() as session:
        statuses = Counter(session.scalars(select(OutboundMessage.status)
                                           .where(OutboundMessage.id.in_(ids))))
    assert statuses == {"sent": 1000}


def test_a_refused_submit_fails_the_message_with_its_command_status(
        app, client, smsc, link, workers):
    smsc.reject_next(1, 0x0B)  # ESME_RINVDSTADR: a number the carrier does not serve
    workers.start()
    refused = queue_message(app, body="Nhac nho", kind="reply")
    wait_until(lambda: settled(app), timeout=30, what="the send")
    row = stored(app, refused)
    assert (row.status, row.error_code) == ("failed", "0x0b")
    with transaction(runtimes.of(app).sessions) as session:
        assert messages.count_by_status(session)["failed"] == 1
    assert 'gateway_outbound_failed_total{kind="reply",reason="permanent"} 1.0' in (
        client.get("/metrics").get_data(as_text=True))
