"""The outbox, partitioned by week on PostgreSQL (migration 0012): its rows live in
their week's partition and keep every guarantee of the outbox — one claim wins, a
scheduled send's dedup key holds across weeks (in `outbound_keys`), a status report
finds its message by provider id in any week, a provider's message is never
reconciled into two rows — and a moved clock drops its expired weeks whole, with the
dedup keys. SQLite keeps a plain table and the same keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from gateway import purge as purging
from gateway import runtime as runtimes
from gateway.store import messages, partitions
from gateway.store.db import transaction
from gateway.store.models import DailyCount, OutboundKey, OutboundMessage, utcnow
from gateway.store.partitions import (
    PARTITIONED,
    WEEK,
    Partition,
    naive,
    partition_name,
    week_start,
)

TABLE = "outbound_messages"
PHONE = "+84912000030"
EARLIER = week_start(utcnow()) - 2 * WEEK   # a week within the outbox's retention


def partition_of(app, message_id: int) -> str:
    with runtimes.of(app).engine.connect() as connection:
        return connection.execute(text(
            "SELECT tableoid::regclass::text FROM outbound_messages WHERE id = :id"),
            {"id": message_id}).scalar_one()


def sent_earlier(app, dedup_key: str, provider_id: str) -> int:
    """A reminder queued and sent in the EARLIER week, as the workers would leave it."""
    moment = EARLIER + timedelta(days=2)
    with transaction(runtimes.of(app).sessions) as session:
        if not any(p.start == EARLIER for p in partitions.partitions(session, TABLE)):
            partitions.create(session, TABLE, Partition(partition_name(TABLE, EARLIER),
                                                        EARLIER, EARLIER + WEEK))
        session.add(OutboundKey(dedup_key=dedup_key, created_at=moment))
        message = OutboundMessage(phone=PHONE, body="Nhac bao cao", kind="reminder",
                                  priority="bulk", status="sent", provider_id=provider_id,
                                  dedup_key=dedup_key, created_at=moment, updated_at=moment)
        session.add(message)
        session.flush()
        return message.id


def test_a_message_lives_in_its_weeks_partition_and_is_claimed_once(app):
    with transaction(runtimes.of(app).sessions) as session:
        message = messages.queue_outbound(session, phone=PHONE, body="Ma OTP ******",
                                          kind="otp", priority="high", hand_over=False)
    assert partition_of(app, message.id) == partition_name(TABLE, week_start(utcnow()))
    with transaction(runtimes.of(app).sessions) as session:
        first = messages.claim(session, message.id, "twilio", "+84240000")
        second = messages.claim(session, message.id, "twilio", "+84240000")
        assert messages.claim_many(session, [message.id], "twilio", "+84240000") == []
    assert first is not None and first.attempts == 1 and second is None
    with transaction(runtimes.of(app).sessions) as session:
        assert messages.mark_sent(session, message.id, "SMpart0001")
        assert messages.apply_status(session, "SMpart0001", "delivered", None)
    with runtimes.of(app).sessions() as session:
        stored = session.get(OutboundMessage, message.id)
    assert (stored.status, stored.provider_id) == ("delivered", "SMpart0001")


def test_a_dedup_key_holds_across_weeks(app):
    # A unique key of a partitioned table would hold within one week's partition only.
    sent_earlier(app, "reminder:7:2026-11-20:morning", "SMearlier01")
    with transaction(runtimes.of(app).sessions) as session:
        again = messages.queue_outbound(session, phone=PHONE, body="Nhac bao cao",
                                        kind="reminder", priority="bulk",
                                        dedup_key="reminder:7:2026-11-20:morning")
        added = messages.queue_many(session, [
            {"phone": PHONE, "body": "Nhac", "kind": "reminder", "priority": "bulk",
             "dedup_key": key}
            for key in ("reminder:7:2026-11-20:morning", "reminder:8:2026-11-20:morning",
                        "reminder:8:2026-11-20:morning", "reminder:9:2026-11-20:morning")])
        repeated = messages.queue_many(session, [
            {"phone": PHONE, "body": "Nhac", "kind": "reminder", "priority": "bulk",
             "dedup_key": "reminder:9:2026-11-20:morning"}])
    assert again is None and repeated == []
    with runtimes.of(app).sessions() as session:
        keys = session.scalars(select(OutboundMessage.dedup_key)
                               .where(OutboundMessage.id.in_(added))
                               .order_by(OutboundMessage.dedup_key)).all()
        assert session.scalar(select(func.count()).select_from(OutboundKey)) == 3
    assert keys == ["reminder:8:2026-11-20:morning", "reminder:9:2026-11-20:morning"]


def test_a_status_report_finds_its_message_in_an_earlier_week(app):
    message_id = sent_earlier(app, "digest:3:2026-11-20", "SMearlier02")
    assert partition_of(app, message_id) == partition_name(TABLE, EARLIER)
    with transaction(runtimes.of(app).sessions) as session:
        assert messages.apply_status(session, "SMearlier02", "undelivered", "30003")
    with runtimes.of(app).sessions() as session:
        stored = session.get(OutboundMessage, message_id)
    assert (stored.status, stored.error_code) == ("undelivered", "30003")


def test_a_reused_provider_id_reports_to_the_newest_message(app):
    # An SMSC that reuses its message ids: the report belongs to the latest send.
    older = sent_earlier(app, "digest:4:2026-11-20", "0a1b2c")
    with transaction(runtimes.of(app).sessions) as session:
        newer = messages.queue_outbound(session, phone=PHONE, body="Ket qua", kind="reply",
                                        priority="default", hand_over=False).id
        messages.claim(session, newer, "smpp", "1022")
        assert messages.mark_sent(session, newer, "0a1b2c")
        assert messages.apply_status(session, "0a1b2c", "delivered", None)
    with runtimes.of(app).sessions() as session:
        assert session.get(OutboundMessage, older).status == "sent"
        assert session.get(OutboundMessage, newer).status == "delivered"


def test_one_message_at_the_provider_is_never_reconciled_into_two_rows(app):
    # Two interrupted sends of one text to one phone: the provider has one message.
    with transaction(runtimes.of(app).sessions) as session:
        ids = [messages.queue_outbound(session, phone=PHONE, body="Da nhan", kind="reply",
                                       priority="default", hand_over=False).id
               for _ in range(2)]
        claims = [messages.claim(session, i, "twilio", "+84240000") for i in ids]
    with transaction(runtimes.of(app).sessions) as session:
        assert messages.reconcile(session, ids[0], claims[0].claimed_at, "SMonce0001")
        assert not messages.reconcile(session, ids[1], claims[1].claimed_at, "SMonce0001")
    with runtimes.of(app).sessions() as session:
        statuses = [session.get(OutboundMessage, i).status for i in ids]
    assert statuses == ["sent", "sending"]   # the second is re-sent by the sweeper


@pytest.fixture
def weeks_restored(app):
    """After the test, the weeks as a run of today leaves them: the current weeks made
    again and the far ones a moved clock made dropped (the database is the session's)."""
    yield
    now = utcnow()
    with transaction(runtimes.of(app).sessions) as session:
        for table in PARTITIONED:
            for partition in partitions.partitions(session, table):
                if partition.start >= naive(now + partitions.AHEAD):
                    partitions.drop(session, partition)
            for partition in partitions.missing(session, table, now, now + partitions.AHEAD):
                partitions.create(session, table, partition)


def test_a_moved_clock_drops_the_outboxs_weeks_whole_with_their_keys(app, weeks_restored):
    sent_earlier(app, "welcome:5", "SMearlier03")
    with transaction(runtimes.of(app).sessions) as session:
        messages.queue_outbound(session, phone=PHONE, body="Chao mung", kind="welcome",
                                priority="default", dedup_key="welcome:6", hand_over=False)
    retention = runtimes.of(app).config.retention["outbox"]
    later = utcnow() + retention + 2 * WEEK
    gone = [partition_name(TABLE, EARLIER), partition_name(TABLE, week_start(utcnow()))]
    dry = purging.run(runtimes.of(app), later, dry_run=True)
    assert set(gone) <= set(dry.dropped_partitions)
    assert dry.counts["outbound messages"] == 2 and dry.counts["outbound dedup keys"] == 2

    report = purging.run(runtimes.of(app), later)
    assert set(gone) <= set(report.dropped_partitions)
    assert partition_name(TABLE, week_start(later + WEEK)) in report.created_partitions
    assert report.counts["outbound messages"] == 2
    assert report.counts["outbound dedup keys"] == 2
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
        assert session.scalar(select(func.count()).select_from(OutboundKey)) == 0
        weeks = {p.name for p in partitions.partitions(session, TABLE)}
        archived = session.scalar(select(func.sum(DailyCount.count))
                                  .where(DailyCount.kind == "outbound_message"))
    assert not weeks & set(gone) and archived == 2
    assert purging.run(runtimes.of(app), later).counts["outbound messages"] == 0


def test_sqlite_keeps_a_plain_outbox_with_the_same_keys(demo_app):
    rt = runtimes.of(demo_app)
    with transaction(rt.sessions) as session:
        assert not partitions.is_partitioned(session, TABLE)
        first = messages.queue_outbound(session, phone=PHONE, body="Chao mung", kind="welcome",
                                        priority="default", dedup_key="welcome:1",
                                        hand_over=False)
        again = messages.queue_outbound(session, phone=PHONE, body="Chao mung",
                                        kind="welcome", priority="default",
                                        dedup_key="welcome:1", hand_over=False)
        added = messages.queue_many(session, [
            {"phone": PHONE, "body": "Nhac", "kind": "reminder", "priority": "bulk",
             "dedup_key": key} for key in ("welcome:1", "reminder:1", "reminder:1")])
    assert first is not None and again is None and len(added) == 1
    report = purging.run(rt, utcnow() + rt.config.retention["outbox"] + timedelta(days=1))
    assert report.dropped_partitions == []
    assert report.counts["outbound messages"] == 2
    assert report.counts["outbound dedup keys"] == 2
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundKey)) == 0
