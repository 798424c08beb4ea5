"""The SMPP link against the real SMSC peer: the SMSC killed mid-run and restarted,
a wrong password, garbage from the peer, an unbind asked by the SMSC, tx_rx binds, and
the `gateway smpp` process itself (SIGTERM unbinds, exit 0)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from gateway.sms.smpp import bridge, status
from gateway.sms.sweeper import SENDING_GRACE, sweep
from gateway.store.models import OutboundMessage
from tests.sms.smpp.channel import (  # noqa: F401  (the fixtures)
    ME,
    LinkThread,
    SmppPhone,
    SmppProcess,
    config_fixture,
    link_fixture,
    settled,
    workers_fixture,
)
from tests.sms.workers import queue_bulk, queue_message, runtime_of, stored, wait_until
from tests.smsc_peer import ESME_RINVPASWD, ESME_ROK, smsc_fixture  # noqa: F401  (the `smsc` fixture)


def age_sending(app) -> None:
    """Move every interrupted send's claim back past the sweeper's grace."""
    with runtime_of(app).sessions.begin() as session:
        for row in session.query(OutboundMessage).filter_by(status="sending"):
            row.claimed_at -= SENDING_GRACE + timedelta(seconds=1)


def test_the_smsc_killed_mid_run_and_restarted_sends_every_message_once_but_its_last_answers(
        app, config, smsc, link, workers):
    smsc.submit_mode(delay=0.02)  # a window always in flight when the SMSC dies
    ids = queue_bulk(app, 500)
    for _ in range(2):
        workers.start()
    smsc.wait_for(lambda peer: len(peer.submitted()) >= 150, timeout=60)
    smsc.restart(down_for=1.5)
    smsc.submit_mode(delay=0.0)
    link.wait_bound(timeout=40)
    # Sends cut by the kill are "maybe sent": the sweeper reconciles them with what the
    # SMSC acknowledged, and queues again only those it never acknowledged.
    deadline = time.monotonic() + 180
    while not settled(app):
        assert time.monotonic() < deadline, "the outbox did not settle"
        time.sleep(1)
        with app.app_context():
            age_sending(app)
            sweep()
    accepted = Counter(p["text"] for p in smsc.submitted(all_runs=True))
    assert len(accepted) == 500, f"{500 - len(accepted)} lost"
    # SMPP has no exactly-once: a submit the SMSC answered just before it died, whose
    # answer was lost with the connection, is one the gateway never heard accepted, and
    # sends again. Only those may go out twice: at most a window of them, all among the
    # last submits the dead SMSC answered (in a quiet run, usually none).
    answered = [p["text"] for p in smsc.history if p["command_status"] == ESME_ROK]
    twice = {text for text, count in accepted.items() if count > 1}
    assert set(accepted.values()) <= {1, 2}, "a message went out three times"
    assert twice <= set(answered[-config.smpp_window:]), (
        f"sent twice, not at the kill: {twice - set(answered[-config.smpp_window:])}")
    statuses = Counter(stored(app, i).status for i in ids[::25])
    assert statuses == {"sent": 20}
    assert link.stats.counters["binds"] >= 2 and link.stats.counters["drops"] >= 1


def test_a_wrong_password_is_logged_clearly_retried_with_backoff_and_unbound_in_healthz(
        app, client, config, smsc, caplog):
    caplog.set_level(logging.ERROR, logger="gateway.sms.smpp.link")
    wrong = LinkThread(app, replace(config, smpp_password="wrong")).start()
    try:
        wait_until(lambda: wrong.stats.counters["bind_refused"] >= 2, timeout=10,
                   what="two refused binds")
        health = client.get("/healthz").get_json()
        assert health["smpp"]["state"] == "unbound"
        assert "0x0e" in health["smpp"]["processes"][0]["last_error"]
        refusals = [r for r in caplog.records if r.getMessage() == "SMPP bind refused"]
        assert refusals[0].command_status == "0x0e"
        assert refusals[0].reason == "Invalid Password"
        assert [r.retry_in for r in refusals[:2]] == [1.0, 2.0]  # backoff doubles
        times = [datetime.fromisoformat(e["time"]) for e in smsc.events()
                 if e["event"] == "bind_refused"]
        assert times[1] - times[0] >= timedelta(seconds=0.9)  # not hammering the SMSC
        assert [e["command_status"] for e in smsc.events()
                if e["event"] == "bind_refused"][:2] == [ESME_RINVPASWD] * 2
    finally:
        wrong.stop()
    assert status.read_all(runtime_of(app).redis)[0]["bound"] is False


def test_a_send_while_no_link_is_bound_waits_in_the_outbox(app, smsc, workers):
    workers.start()
    message = queue_message(app, body="Nhac nho")
    # Tried, and queued again for later: nothing lost, nothing failed.
    wait_until(lambda: stored(app, message).attempts >= 1
               and stored(app, message).status == "queued", what="a send attempt")
    assert smsc.submitted() == []
    running = LinkThread(app).start()
    try:
        wait_until(lambda: stored(app, message).status == "sent", timeout=30,
                   what="the message once bound")
    finally:
        running.stop()
    assert [p["text"] for p in smsc.submitted()] == ["Nhac nho"]


@pytest.mark.parametrize("kind", ["junk", "truncated", "short_length", "unknown_command"])
def test_garbage_from_the_peer_does_not_kill_the_link(app, smsc, link, workers, kind):
    smsc.garbage(kind)
    time.sleep(0.5)
    link.wait_bound(timeout=40)  # bound again (or never unbound)
    assert link.thread.is_alive()
    workers.start()
    message = queue_message(app, body=f"Sau {kind}")
    wait_until(lambda: stored(app, message).status == "sent", timeout=60, what="a send")


def test_an_unbind_from_the_smsc_is_answered_and_the_link_binds_again(app, smsc, link):
    smsc.unbind()
    wait_until(lambda: smsc.counters()["binds"] >= 2, timeout=15, what="a second bind")
    assert "unbind" in [e["event"] for e in smsc.events()]
    link.wait_bound()


def test_tx_rx_binds_send_on_one_and_receive_on_the_other(app, config, smsc, workers):
    running = LinkThread(app, replace(config, smpp_bind="tx_rx")).start()
    try:
        running.wait_bound()
        assert sorted(s["mode"] for s in smsc.state()["sessions"]) == [
            "receiver", "transmitter"]
        workers.start()
        assert SmppPhone(app, smsc).sms("TT")  # MO in on the receiver, reply out on tx
    finally:
        running.stop()


def test_an_expired_request_is_never_submitted(app, smsc, link):
    request = bridge.Request("r1", 1, ME, "Qua han", time.time() - 1)
    redis = runtime_of(app).redis
    bridge.push(redis, request)
    outcome = bridge.wait(redis, request, 5)
    assert outcome.status == bridge.EXPIRED
    assert smsc.submitted() == []


def test_the_gateway_smpp_process_binds_sends_and_unbinds_on_sigterm(
        app, client, config, smsc, workers, tmp_path):
    process = SmppProcess(config, tmp_path)
    try:
        wait_until(lambda: smsc.counters()["binds"] == 1, timeout=20, what="the bind")
        workers.start()
        phone = SmppPhone(app, smsc)
        assert phone.say("TT")  # MO → turn → reply MT, across three processes
        health = client.get("/healthz").get_json()
        assert health["smpp"]["state"] == "bound"
        assert process.terminate() == 0, process.log()
    finally:
        process.kill()
    assert "unbind" in [e["event"] for e in smsc.events()]
    log = process.log()
    assert "SMPP unbound" in log and ME[4:] not in log


def test_two_smpp_processes_share_the_work_and_never_send_a_message_twice(app, smsc, workers):
    first, second = LinkThread(app).start(), LinkThread(app).start()
    try:
        first.wait_bound()
        second.wait_bound()
        smsc.submit_mode(delay=0.01)  # each bind's window fills, so both take requests
        queue_bulk(app, 200)
        for _ in range(3):
            workers.start()
        wait_until(lambda: settled(app), timeout=120, what="200 messages out")
    finally:
        first.stop()
        second.stop()
    accepted = Counter(p["text"] for p in smsc.submitted(all_runs=True))
    assert len(accepted) == 200 and set(accepted.values()) == {1}
    assert first.stats.counters["accepted"] > 0 and second.stats.counters["accepted"] > 0
    assert first.stats.counters["accepted"] + second.stats.counters["accepted"] == 200
