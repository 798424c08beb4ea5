"""Messages from one phone are handled in arrival order (the phone's line in Redis), a
retry waiting in line shares its original's place and answer, and a request that died
while waiting or holding the phone does not block it for long."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.actions import EFFECTS
from gateway.flows.engine import Act, Ask, Branch, End, Flow
from gateway.flows.messages import Template
from gateway.flows.parsers import FreeText
from gateway.sms import ussd
from gateway.store import dialogues
from gateway.store.models import InboundMessage
from tests.conftest import serve, twiml_text

NUMBER = "+84912345678"
BURSTS = 15
BURST_SIZE = 5
# Messages a few ms apart while an earlier turn holds the phone, so they all wait:
# with a polling lock, whichever waiter polled first after the release went first.
OFFSET_SECONDS = 0.005

# Every answer runs the effect once; the prompt says how many turns ran before it, so
# a reply tells which place the message took in the dialogue.
COUNTER = Flow(name="test_order_counter", start="bump", nodes={
    "bump": Act("test.order.count", next={"ok": "tick"},
                args=lambda answers: {"n": answers.get("n", 0)}),
    "tick": Ask("test.order.tick", FreeText(min_length=1),
                next=Branch(lambda answers: "bump", ("bump", "done"))),
    "done": End(None),
})
TEMPLATES = {"test.order.tick": Template("N={n}", "N={n}")}


@pytest.fixture
def counter(monkeypatch, install_flow) -> None:
    """The counting flow on KB."""
    monkeypatch.setitem(EFFECTS, "test.order.count",
                        lambda _conversation, args: ("ok", {"n": args["n"] + 1}))
    install_flow(COUNTER, "declare", TEMPLATES)


@pytest.fixture
def server(app) -> Iterator[str]:
    """The app behind a real threaded WSGI server; yields its base URL."""
    yield from serve(app)


def post_sms(base: str, body: str, sid: str) -> tuple[int, str]:
    """POST one Twilio webhook; the status and the reply text."""
    response = requests.post(f"{base}/sms/twilio", timeout=30, data={
        "From": NUMBER, "To": "+84240000", "Body": body, "MessageSid": sid})
    return response.status_code, (twiml_text(response.text) if response.ok else response.text)


def post_ussd(base: str, form: dict[str, str]) -> tuple[int, str]:
    """POST one USSD request; the status and the screen."""
    response = requests.post(f"{base}/ussd", timeout=30, data=form)
    return response.status_code, response.text


def line(redis) -> int:
    """How many messages of the phone are waiting in its line."""
    return redis.zcard(f"line:phone:{NUMBER}")


def burst_behind_a_slow_turn(redis, jobs: list[tuple[callable, bool]]) -> list:
    """While an earlier turn holds the phone, send each job's message a few ms after
    the one before it is waiting in line (so their arrival order is beyond doubt; a
    job marked False is a retry, which must not take a place of its own), then let
    that turn end. The jobs' results, in order."""
    holder = redis.lock(f"lock:phone:{NUMBER}", timeout=dialogues.LOCK_SECONDS)
    assert holder.acquire()
    results: list = [None] * len(jobs)
    threads = []
    waiting = line(redis)
    for index, (job, joins) in enumerate(jobs):
        thread = threading.Thread(target=lambda i=index, j=job: results.__setitem__(i, j()))
        thread.start()
        threads.append(thread)
        waiting += joins
        deadline = time.monotonic() + 2  # (a polling lock keeps no line: it times out)
        while line(redis) < waiting and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(OFFSET_SECONDS)
    holder.release()
    for thread in threads:
        thread.join(timeout=60)
    return results


def logged_order(app, ids: list[str]) -> list[str]:
    """The provider ids among `ids` in the order their turns were logged."""
    with runtimes.of(app).sessions() as session:
        rows = session.scalars(select(InboundMessage.provider_id)
                               .where(InboundMessage.provider_id.in_(ids))
                               .order_by(InboundMessage.id))
        return list(rows)


def test_sms_bursts_from_one_phone_are_handled_in_arrival_order(server, app, redis, counter):
    assert post_sms(server, "KB", "SMopen") == (200, "N=1")
    turns = 1
    for burst in range(BURSTS):
        sids = [f"SM{burst:02d}x{i}{uuid.uuid4().hex[:8]}" for i in range(BURST_SIZE)]
        jobs = [(lambda sid=sid: post_sms(server, "a", sid), True) for sid in sids]
        # Provider retries of two of them, sent while their originals wait.
        twins = [1, 3]
        for offset, i in enumerate(twins):
            jobs.insert(i + 1 + offset, (lambda sid=sids[i]: post_sms(server, "a", sid), False))
        results = burst_behind_a_slow_turn(redis, jobs)
        assert logged_order(app, sids) == sids, f"burst {burst}"
        # The dialogue took them in that order too: the n-th saw the n-1 before it.
        originals = [result for result, (_, joins) in zip(results, jobs, strict=True) if joins]
        assert originals == [(200, f"N={turns + i + 1}") for i in range(BURST_SIZE)]
        retries = [result for result, (_, joins) in zip(results, jobs, strict=True) if not joins]
        assert retries == [originals[i] for i in twins]  # the original's answer
        turns += BURST_SIZE


def test_ussd_requests_from_one_phone_are_handled_in_arrival_order(server, app, redis):
    for burst in range(BURSTS // 3):
        forms = [{"sessionId": f"AT{burst}x{i}{uuid.uuid4().hex[:8]}", "serviceCode": "*1022#",
                  "phoneNumber": NUMBER, "text": ""} for i in range(BURST_SIZE)]
        ids = [ussd.parse(form).provider_id for form in forms]
        results = burst_behind_a_slow_turn(
            redis, [(lambda form=form: post_ussd(server, form), True) for form in forms])
        assert all(status == 200 and text.startswith("CON ") for status, text in results)
        assert logged_order(app, ids) == ids, f"burst {burst}"


@pytest.mark.parametrize(("url", "form"), [
    ("/sms/twilio", {"From": NUMBER, "To": "+84240000", "Body": "HD", "MessageSid": "SMnext"}),
    ("/ussd", {"sessionId": "ATnext", "serviceCode": "*1022#", "phoneNumber": NUMBER,
               "text": ""}),
], ids=["sms", "ussd"])
def test_a_request_that_died_waiting_is_skipped(client, redis, monkeypatch, url, form):
    """A request crashes while in line (behind a holder that also died): the phone's
    next message waits no longer than the lock and the grace of a silent waiter."""
    monkeypatch.setattr(dialogues, "LOCK_SECONDS", 0.4)
    monkeypatch.setattr(dialogues, "WAITER_GRACE_SECONDS", 0.3)
    holder = dialogues.phone_lock(redis, NUMBER)  # a turn whose process died
    assert holder.acquire()

    def crash(_seconds):
        raise SystemExit("the request's process died while waiting")

    monkeypatch.setattr(dialogues.time, "sleep", crash)
    with pytest.raises(SystemExit):
        dialogues.begin(redis, "twilio", "SMdead", NUMBER, f"dlg:sms:{NUMBER}")
    assert redis.zcard(f"line:phone:{NUMBER}") == 1  # still in line, no longer polling
    monkeypatch.undo()
    monkeypatch.setattr(dialogues, "WAITER_GRACE_SECONDS", 0.3)
    monkeypatch.setattr(dialogues, "LOCK_WAIT_SECONDS", 5)
    response = client.post(url, data=form)
    assert response.status_code == 200
    assert not redis.exists(f"line:phone:{NUMBER}")  # the dead one left with the live one


def test_a_waiter_that_gives_up_leaves_the_line(client, redis, monkeypatch):
    monkeypatch.setattr(dialogues, "LOCK_WAIT_SECONDS", 0.2)
    with dialogues.phone_lock(redis, NUMBER):
        response = client.post("/sms/twilio", data={"From": NUMBER, "To": "+84240000",
                                                    "Body": "HD", "MessageSid": "SMgive"})
        assert response.status_code == 503
        assert redis.zcard(f"line:phone:{NUMBER}") == 0
    assert client.post("/sms/twilio", data={"From": NUMBER, "To": "+84240000", "Body": "HD",
                                            "MessageSid": "SMgive"}).status_code == 200


def test_an_uncontended_turn_is_two_redis_round_trips(phone, redis, monkeypatch):
    """The benchmark counts them: the line must not cost a turn anything extra."""
    phone.sms("HD")  # scripts loaded
    calls: list[str] = []
    original = type(redis).execute_command

    def counting(self, *args, **kwargs):
        calls.append(str(args[0]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(redis), "execute_command", counting)
    phone.sms("HD")
    assert calls == ["EVALSHA", "EVALSHA"]
