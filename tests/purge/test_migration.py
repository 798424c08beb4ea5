"""Migrations 0006 and 0012 on PostgreSQL convert a message log, a feed and an outbox
that already have rows: they are copied into the weekly partitions, ids go on from where
they were, the old messages still dedup, and the way back down works too."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from alembic import command
from sqlalchemy import text

from gateway.store import message_log, messages, schema
from gateway.store.db import make_engine, make_sessions, transaction
from gateway.store.models import utcnow
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def fresh_url() -> Iterator[str]:
    """An empty PostgreSQL database of its own."""
    name = f"gwmig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_existing_rows_move_into_partitions_and_keep_deduping(fresh_url):
    schema.upgrade(fresh_url, "0004")
    engine = make_engine(fresh_url)
    long_ago = utcnow().replace(tzinfo=None) - timedelta(days=40)
    with engine.begin() as connection:
        for n, moment in enumerate((long_ago, utcnow().replace(tzinfo=None))):
            connection.execute(text(
                "INSERT INTO inbound_messages (channel, provider, provider_id, phone, "
                "recipient, body, reply, received_at) VALUES ('sms', 'twilio', :sid, "
                "'+84912000020', '', 'KB', '', :at)"), {"sid": f"SMold{n}", "at": moment})
            connection.execute(text(
                "INSERT INTO events (topic, action, record_id, created_at) "
                "VALUES ('visit', 'created', :n, :at)"), {"n": n, "at": moment})
    engine.dispose()

    schema.upgrade(fresh_url)
    engine = make_engine(fresh_url)
    with engine.connect() as connection:
        placed = dict(connection.execute(text(
            "SELECT provider_id, tableoid::regclass::text FROM inbound_messages")).all())
        events = connection.execute(text("SELECT count(*) FROM events")).scalar()
    assert set(placed) == {"SMold0", "SMold1"}
    assert all(re.fullmatch(r"inbound_messages_w\d{8}", table) for table in placed.values())
    assert events == 2
    sessions = make_sessions(engine)
    with transaction(sessions) as session:
        again = message_log.record_inbound(session, channel="sms", provider="twilio",
                                        provider_id="SMold1", phone="+84912000020",
                                        recipient="", body="KB")
        new = message_log.record_inbound(session, channel="sms", provider="twilio",
                                      provider_id="SMnew", phone="+84912000020",
                                      recipient="", body="KB")
    assert again is None  # a retry of a message logged before the migration
    assert new == 3       # the id sequence went on
    engine.dispose()

    command.downgrade(schema.alembic_config(fresh_url), "0004")
    engine = make_engine(fresh_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM inbound_messages")).scalar() == 3
        assert connection.execute(text(
            "SELECT count(*) FROM pg_partitioned_table")).scalar() == 0
    engine.dispose()
    schema.upgrade(fresh_url)


def test_migration_0012_moves_the_outbox_into_partitions_and_keeps_its_keys(fresh_url):
    schema.upgrade(fresh_url, "0011")
    engine = make_engine(fresh_url)
    long_ago = utcnow().replace(tzinfo=None) - timedelta(days=20)
    with engine.begin() as connection:
        for n, moment in enumerate((long_ago, utcnow().replace(tzinfo=None))):
            connection.execute(text(
                "INSERT INTO outbound_messages (phone, body, kind, priority, status, backend, "
                "sender, provider_id, dedup_key, segments, attempts, created_at, updated_at) "
                "VALUES ('+84912000021', 'Nhac', 'reminder', 'bulk', 'sent', 'twilio', '', "
                ":sid, :key, 1, 1, :at, :at)"), {"sid": f"SMout{n}", "key": f"reminder:{n}",
                                                  "at": moment})
    engine.dispose()

    schema.upgrade(fresh_url)
    engine = make_engine(fresh_url)
    with engine.connect() as connection:
        placed = dict(connection.execute(text(
            "SELECT provider_id, tableoid::regclass::text FROM outbound_messages")).all())
        keys = connection.execute(text("SELECT count(*) FROM outbound_keys")).scalar()
    assert set(placed) == {"SMout0", "SMout1"} and keys == 2
    assert all(re.fullmatch(r"outbound_messages_w\d{8}", table) for table in placed.values())
    assert placed["SMout0"] != placed["SMout1"]   # 20 days apart: two weeks
    sessions = make_sessions(engine)
    with transaction(sessions) as session:
        again = messages.queue_outbound(session, phone="+84912000021", body="Nhac",
                                        kind="reminder", priority="bulk",
                                        dedup_key="reminder:0", hand_over=False)
        new = messages.queue_outbound(session, phone="+84912000021", body="Nhac",
                                      kind="reminder", priority="bulk",
                                      dedup_key="reminder:2", hand_over=False)
        assert messages.apply_status(session, "SMout0", "delivered", None)
    assert again is None   # a key used before the migration
    assert new.id == 3     # the id sequence went on
    engine.dispose()

    command.downgrade(schema.alembic_config(fresh_url), "0011")
    engine = make_engine(fresh_url)
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT count(*) FROM outbound_messages")).scalar() == 3
        assert connection.execute(text(
            "SELECT relkind FROM pg_class WHERE relname = 'outbound_messages'")).scalar() == "r"
        unique = set(connection.execute(text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'outbound_messages'::regclass "
            "AND contype = 'u'")).scalars())
    assert unique == {"outbound_messages_dedup_key_key", "outbound_messages_provider_id_key"}
    engine.dispose()
    schema.upgrade(fresh_url)
