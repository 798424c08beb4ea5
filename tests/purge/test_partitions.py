"""The message log, the outbox and the feed, partitioned by week on PostgreSQL: expired
weeks are dropped whole, rows outside any week are deleted, the next weeks are made ahead, and
retried webhooks still dedup. SQLite keeps plain tables and plain deletes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from gateway import purge as purging
from gateway import runtime as runtimes
from gateway.store import partitions
from gateway.store.db import transaction
from gateway.store.models import (
    DailyCount,
    Declaration,
    Event,
    InboundKey,
    InboundMessage,
    OutboundMessage,
    utcnow,
)
from gateway.store.partitions import PARTITIONED, WEEK, Partition, partition_name, week_start
from tests.api.conftest import Api, declared, make_token
from tests.conftest import Phone as FeaturePhone

OLD = week_start(utcnow() - timedelta(days=100))   # a week past every retention


def exists(app, table: str) -> bool:
    with runtimes.of(app).engine.connect() as connection:
        return connection.execute(text("SELECT to_regclass(:name) IS NOT NULL"),
                                  {"name": table}).scalar()


def old_rows(app) -> None:
    """A message received, a message sent and an event in the OLD week's partitions,
    and one of each older still, which no week holds: the DEFAULT partitions take them."""
    with transaction(runtimes.of(app).sessions) as session:
        for table in PARTITIONED:
            partitions.create(session, table, Partition(partition_name(table, OLD), OLD,
                                                        OLD + WEEK))
        for moment in (OLD + timedelta(days=1), OLD - timedelta(days=200)):
            session.add(InboundMessage(channel="ussd", provider="twilio", phone="+84912000010",
                                       provider_id=f"SM{moment:%Y%m%d}", body="KB", reply="",
                                       received_at=moment))
            session.add(Event(topic="visit", action="created", record_id=1,
                              created_at=moment))
            session.add(OutboundMessage(phone="+84912000010", body="Nhac bao cao", kind="reminder",
                                        priority="bulk", status="delivered",
                                        provider_id=f"SMout{moment:%Y%m%d}",
                                        created_at=moment, updated_at=moment))


def test_the_tables_are_partitioned_by_week(app):
    with runtimes.of(app).sessions() as session:
        assert all(partitions.is_partitioned(session, table) for table in PARTITIONED)
        weeks = partitions.partitions(session, "inbound_messages")
    assert all(p.end - p.start == WEEK and p.start.weekday() == 0 for p in weeks)
    assert weeks[-1].end >= utcnow().replace(tzinfo=None) + partitions.AHEAD - WEEK
    assert all(exists(app, f"{table}_default") for table in PARTITIONED)


def test_expired_weeks_are_dropped_whole(app):
    old_rows(app)
    names = [partition_name(table, OLD) for table in PARTITIONED]
    assert all(exists(app, name) for name in names)
    report = purging.run(runtimes.of(app))
    assert sorted(report.dropped_partitions) == sorted(names)
    assert not any(exists(app, name) for name in names)
    # One row went with its week, the other was deleted from the DEFAULT partition.
    assert report.counts["inbound messages"] == 2
    assert report.counts["change-feed events"] == 2
    assert report.counts["outbound messages"] == 2
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Event)) == 0
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
        sent = {(c.day, c.channel): c.count for c in session.scalars(
            select(DailyCount).where(DailyCount.kind == "outbound_message"))}
    assert sent == {((OLD + timedelta(days=1)).date(), "reminder"): 1,
                    ((OLD - timedelta(days=200)).date(), "reminder"): 1}
    with runtimes.of(app).sessions() as session:
        kept = {(c.day, c.channel): c.count for c in session.scalars(
            select(DailyCount).where(DailyCount.kind == "inbound_message"))}
    assert kept == {((OLD + timedelta(days=1)).date(), "ussd"): 1,
                    ((OLD - timedelta(days=200)).date(), "ussd"): 1}
    # The current weeks stay.
    with runtimes.of(app).sessions() as session:
        current = partition_name("inbound_messages", week_start(utcnow()))
        assert current in {p.name for p in partitions.partitions(session, "inbound_messages")}


def test_a_dry_run_lists_the_weeks_it_would_drop_and_make(app):
    old_rows(app)
    later = utcnow() + 10 * WEEK
    report = purging.run(runtimes.of(app), later, dry_run=True)
    ahead = partition_name("events", week_start(later + 2 * WEEK))
    assert partition_name("events", OLD) in report.dropped_partitions
    assert ahead in report.created_partitions
    assert exists(app, partition_name("events", OLD)) and not exists(app, ahead)
    purging.run(runtimes.of(app), later)
    assert not exists(app, partition_name("events", OLD)) and exists(app, ahead)


def test_a_retried_webhook_still_gets_its_first_answer_once(app, client):
    phone = FeaturePhone(client, "+84912000011")
    first = phone.sms("KB", sid="SMretried00000000000000000000000001")
    assert phone.sms("KB", sid="SMretried00000000000000000000000001") == first
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert session.scalar(select(func.count()).select_from(InboundKey)) == 1


def test_sqlite_keeps_plain_tables_and_deletes_rows(demo_app):
    rt = runtimes.of(demo_app)
    api = Api(demo_app.test_client(), make_token(demo_app, "web-system"))
    api.settle = False
    made = declared(api)
    FeaturePhone(demo_app.test_client(), "+84912000012").sms("KB")
    with rt.sessions() as session:
        assert not partitions.is_partitioned(session, "inbound_messages")
    report = purging.run(rt, utcnow() + timedelta(days=60))
    assert report.dropped_partitions == report.created_partitions == []
    assert report.counts["declarations"] == 1 and report.counts["inbound messages"] == 1
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Declaration)) == 0
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
        deleted = session.execute(select(Event.topic, Event.record_id)
                                  .where(Event.action == "deleted")).all()
        assert session.scalar(select(DailyCount.count).where(
            DailyCount.kind == "declaration")) == 1
    assert deleted == [("declaration", made["id"])]


def test_a_week_made_ahead_takes_its_rows_from_the_default_partition(app):
    ahead = week_start(utcnow()) + 7 * WEEK   # beyond the weeks made so far
    with transaction(runtimes.of(app).sessions) as session:
        session.add(InboundMessage(channel="sms", provider="twilio", phone="+84912000013",
                                   provider_id="SMahead", body="KB", reply="",
                                   received_at=ahead + timedelta(hours=5)))
    assert not exists(app, partition_name("inbound_messages", ahead))
    report = purging.run(runtimes.of(app), ahead - 3 * WEEK)
    assert partition_name("inbound_messages", ahead) in report.created_partitions
    with runtimes.of(app).engine.connect() as connection:
        assert connection.execute(text(
            "SELECT tableoid::regclass::text FROM inbound_messages")).scalar() == (
            partition_name("inbound_messages", ahead))
        assert connection.execute(text(
            "SELECT count(*) FROM inbound_messages_default")).scalar() == 0


def test_a_locked_week_is_left_for_the_next_run(app, monkeypatch):
    old_rows(app)
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT", "200ms")
    name = partition_name("events", OLD)
    with runtimes.of(app).engine.connect() as reader:
        reader.execute(text(f'LOCK TABLE "{name}" IN ACCESS SHARE MODE'))  # a long read
        report = purging.run(runtimes.of(app))
        reader.rollback()
    assert report.skipped_partitions == [name]
    assert partition_name("inbound_messages", OLD) in report.dropped_partitions
    assert exists(app, name)
    assert purging.run(runtimes.of(app)).dropped_partitions == [name]
