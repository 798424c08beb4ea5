"""Connections and the raw statements of the hot path: a database restart costs no
message its answer, and `Statement` speaks both drivers' parameter styles."""

from __future__ import annotations

import json

import psycopg
import pytest
from sqlalchemy import func, select, text

from gateway import runtime as runtimes
from gateway.flows.messages import render
from gateway.store import db, message_log
from gateway.store.models import InboundMessage
from tests.conftest import PG_ADMIN_URL


def restart_connections(pg_url: str) -> None:
    """End every session of the test database, as a database restart does."""
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))


@pytest.mark.parametrize("idle", [False, True], ids=["in-steady-use", "after-idling"])
def test_a_database_restart_costs_no_message_its_answer(app, phone, pg_url, monkeypatch,
                                                        idle):
    # In steady use the pool hands out the dead connection without a ping: the turn's
    # first statement fails and the turn runs again on a new one. After idling, the
    # ping at checkout finds it dead and the pool replaces it before the turn.
    if idle:
        monkeypatch.setattr(db, "PING_IDLE_SECONDS", 0.0)
    help_text = phone.sms("HD")
    restart_connections(pg_url)
    assert phone.sms("HD") == help_text
    sid = phone.last_sid
    with runtimes.of(app).sessions() as session:
        logged = session.scalar(select(func.count()).select_from(InboundMessage)
                                .where(InboundMessage.provider_id == sid))
    assert logged == 1


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_restart_in_the_middle_of_a_turn_is_an_apology_not_a_retry(app, phone, pg_url,
                                                                     monkeypatch, language):
    # Once the message is logged the flow may have acted (an OTP issued in Redis): the
    # turn is not run a second time; the phone is asked, in its language, to send its
    # answer again.
    phone.sms(language.upper())
    real = message_log.set_reply

    def restart_then_reply(session, inbound_id, reply):
        restart_connections(pg_url)
        return real(session, inbound_id, reply)

    monkeypatch.setattr(message_log, "set_reply", restart_then_reply)
    apology = render("dialogue.error", language)
    assert phone.sms("HD") == apology
    with runtimes.of(app).sessions() as session:  # logged on a new connection
        [reply] = session.scalars(select(InboundMessage.reply)
                                  .where(InboundMessage.provider_id == phone.last_sid))
    assert json.loads(reply)["texts"] == [apology]


def test_statements_keep_casts_and_name_parameters_per_driver():
    statement = db.Statement("SELECT CAST(:a AS text[]), b::int FROM t WHERE c = :c_d")
    assert statement._pyformat == "SELECT CAST(%(a)s AS text[]), b::int FROM t WHERE c = %(c_d)s"
    binary = db.Statement("SELECT :a", binary=True)
    assert binary._pyformat == "SELECT %(a)b"


def test_a_commit_without_waiting_is_this_transactions_alone(app):
    sessions = runtimes.of(app).sessions
    with db.transaction(sessions) as session:
        db.commit_without_waiting(session)
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "off"
    with db.transaction(sessions) as session:
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
