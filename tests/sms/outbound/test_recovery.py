"""Recovery of the outbound path: a worker killed mid-send (before or after the
provider took the message), lost jobs, read timeouts and late results — the sweeper
reconciles with the provider so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue

from gateway.sms import outbound, sweeper, twilio
from gateway.store import messages
from gateway.store.db import transaction
from tests.sms.workers import (
    PHONE,
    SENDER,
    age,
    queue_message,
    runtime_of,
    stored,
    wait_until,
)

# --- a worker killed mid-send, lost jobs: the sweeper -------------------------------------

@pytest.mark.parametrize("backlog", [False, True], ids=["provider-sent-it", "provider-queued-it"])
def test_worker_killed_after_provider_accepted_is_reconciled_not_resent(
        app, workers, twilio_standin, backlog):
    # The provider takes the message but answers late; the worker dies meanwhile, so the
    # SID never reaches the database. With `backlog` the provider still holds the message
    # in its own queue (no send date yet) when the sweeper asks.
    twilio_standin.backlog = backlog
    twilio_standin.delay(30)
    message_id = queue_message(app)
    worker = workers.start()
    [accepted] = twilio_standin.wait_for_messages(1)
    workers.kill(worker)
    twilio_standin.release()
    message = stored(app, message_id)
    assert (message.status, message.attempts, message.provider_id) == ("sending", 1, None)

    # Still within its grace:
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 0, "expired": 0}
    age(app, message_id, "claimed_at", sweeper.SENDING_GRACE + timedelta(minutes=1))
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 1, "expired": 0}
    message = stored(app, message_id)
    assert (message.status, message.provider_id) == ("sent", accepted["sid"])

    workers.burst()  # whatever RQ still holds of the killed job must not send it again
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 0, "expired": 0}
    assert len(twilio_standin.sent_to(PHONE)) == 1
    assert stored(app, message_id).status == "sent"


def test_worker_killed_before_provider_got_message_is_resent_once(app, workers,
                                                                  twilio_standin):
    # The request is on its way but the provider has not taken it when the worker dies.
    twilio_standin.delay(30, before_accept=True)
    message_id = queue_message(app)
    worker = workers.start()
    [request] = twilio_standin.wait_for_requests(1)
    workers.kill(worker)
    twilio_standin.release()
    wait_until(lambda: request.status != 0, timeout=5, what="held request to end")
    assert request.status == -1 and twilio_standin.messages == []
    assert stored(app, message_id).status == "sending"

    age(app, message_id, "claimed_at", sweeper.SENDING_GRACE + timedelta(minutes=1))
    assert sweeper.sweep() == {"requeued": 1, "reconciled": 0, "expired": 0}
    message = stored(app, message_id)
    assert (message.status, message.error_message) == ("queued", "worker lost mid-send")

    workers.burst()
    [sent] = twilio_standin.wait_for_messages(1)
    message = stored(app, message_id)
    assert (message.status, message.provider_id, message.attempts) == ("sent", sent["sid"], 2)
    assert len(twilio_standin.sent_to(PHONE)) == 1


def test_lost_job_is_enqueued_again_once(app, workers, twilio_standin):
    grace = sweeper.QUEUED_GRACE + timedelta(minutes=1)
    lost = queue_message(app, body="lost", enqueue=False)           # its job never made it
    waiting = queue_message(app, body="waiting")                    # old, but its job waits
    fresh = queue_message(app, body="fresh", enqueue=False)         # too young to judge
    age(app, lost, "updated_at", grace)
    age(app, waiting, "updated_at", grace)
    high = Queue("high", connection=runtime_of(app).redis)

    assert sweeper.sweep() == {"requeued": 1, "reconciled": 0, "expired": 0}
    assert high.count == 2
    # The lost message has a job again now: a second sweep must not pile up another.
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 0, "expired": 0}
    assert high.count == 2

    workers.burst()
    assert sorted(m["body"] for m in twilio_standin.messages) == ["lost", "waiting"]
    assert [stored(app, i).status for i in (lost, waiting, fresh)] == ["sent", "sent", "queued"]


# --- the sweeper and the backend, in process (no worker needed) ---------------------------

def test_read_timeout_leaves_message_for_sweeper(app, twilio_standin, monkeypatch):
    # The provider took the message but answered after our read timeout: sending it
    # again could duplicate it, so the row waits in `sending` for the sweeper.
    monkeypatch.setattr(twilio, "READ_TIMEOUT", 0.3)
    twilio_standin.delay(5)
    message_id = queue_message(app, enqueue=False)
    assert outbound.deliver(message_id) == "sending"
    twilio_standin.release()
    [accepted] = twilio_standin.wait_for_messages(1)
    assert stored(app, message_id).status == "sending"
    age(app, message_id, "claimed_at", sweeper.SENDING_GRACE + timedelta(minutes=1))
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 1, "expired": 0}
    assert stored(app, message_id).provider_id == accepted["sid"]
    assert len(twilio_standin.messages) == 1


def test_sweep_never_takes_another_message_with_the_same_text(app, twilio_standin):
    # The same text went to the same phone earlier (two identical notices): that SID
    # belongs to the first message, so the interrupted second one is sent, not matched.
    first = queue_message(app, body="Lich tiem chung: 8h sang mai", kind="notice",
                          enqueue=False)
    assert outbound.deliver(first) == "sent"
    second = queue_message(app, body="Lich tiem chung: 8h sang mai", kind="notice",
                           enqueue=False)
    with transaction(runtime_of(app).sessions) as session:  # a worker claimed it, then died
        assert messages.claim(session, second, "twilio", SENDER) is not None
    age(app, second, "claimed_at", sweeper.SENDING_GRACE + timedelta(minutes=1))
    assert sweeper.sweep() == {"requeued": 1, "reconciled": 0, "expired": 0}
    assert outbound.deliver(second) == "sent"
    sids = {stored(app, first).provider_id, stored(app, second).provider_id}
    assert sids == {m["sid"] for m in twilio_standin.messages} and len(sids) == 2


def test_sweep_waits_while_provider_unreachable(app, twilio_standin):
    message_id = queue_message(app, enqueue=False)
    with transaction(runtime_of(app).sessions) as session:
        messages.claim(session, message_id, "twilio", SENDER)
    age(app, message_id, "claimed_at", sweeper.SENDING_GRACE + timedelta(minutes=1))
    twilio_standin.stop()
    assert sweeper.sweep() == {"requeued": 0, "reconciled": 0, "expired": 0}
    assert stored(app, message_id).status == "sending"  # decided on a later sweep


def test_late_results_never_overrule_newer_state(app):
    # A worker that comes back after the sweeper re-queued its message, or a delivery
    # report that beat the worker's own bookkeeping, must not move a message backwards.
    message_id = queue_message(app, enqueue=False)
    rt = runtime_of(app)
    with transaction(rt.sessions) as session:
        first_claim = messages.claim(session, message_id, "twilio", SENDER).claimed_at
    with transaction(rt.sessions) as session:  # the sweeper releases that claim …
        assert messages.mark_failed(session, message_id, None, "worker lost mid-send",
                                    "queued", claimed_at=first_claim)
    with transaction(rt.sessions) as session:  # … and a new worker claims it again
        assert messages.claim(session, message_id, "twilio", SENDER) is not None
    with transaction(rt.sessions) as session:  # a second sweep, still holding the old claim
        assert not messages.mark_failed(session, message_id, None, "worker lost mid-send",
                                        "queued", claimed_at=first_claim)
        assert not messages.reconcile(session, message_id, first_claim, "SMold")
    assert stored(app, message_id).status == "sending"
    with transaction(rt.sessions) as session:
        assert messages.mark_sent(session, message_id, "SMnew")
        assert messages.apply_status(session, "SMnew", "delivered", None)
        assert not messages.mark_sent(session, message_id, "SMnew")  # a repeated result
    message = stored(app, message_id)
    assert (message.status, message.provider_id, message.attempts) == ("delivered", "SMnew", 2)
