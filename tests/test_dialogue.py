"""The turn envelope (`gateway.dialogue.turn.handle`) through the real webhooks: messages
from one phone run one at a time and exactly once, a duplicate is answered from
memory (Redis) or from the log (PostgreSQL) without running the flow again, a lock
held too long is a 503, and a flow that raises gets a polite reply, a log entry
without the phone number, and leaves the dialogue where it was."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gateway import runtime as runtimes
from gateway.actions import EFFECTS, OUTCOMES
from gateway.flows.engine import Act, Ask, Branch, End, Flow
from gateway.flows.messages import Template, render
from gateway.flows.parsers import FreeText, MultiSelect, Year
from gateway.ops.logs import JsonFormatter
from gateway.store import dialogues
from gateway.store.models import InboundMessage
from gateway.store.models import Phone as PhoneRow
from tests.conftest import Phone, serve, twiml_text

NUMBER = "+84912345678"
STATE_KEY = f"dlg:sms:{NUMBER}"

# A counting flow: every answer runs the effect once, and the prompt shows how many
# times it ran, so a reply says exactly how often the dialogue advanced.
COUNTER = Flow(name="test_counter", start="bump", nodes={
    "bump": Act("test.count", next={"ok": "tick"}, args=lambda answers: {"n": answers.get("n", 0)}),
    "tick": Ask("test.tick", FreeText(min_length=1),
                next=Branch(lambda answers: "done" if answers["tick"] == "done" else "bump",
                            ("bump", "done"))),
    "done": End(None),
})

# A short declaration-like flow whose outcome can be told to raise.
SURVEY = Flow(name="test_envelope_survey", start="name", nodes={
    "name": Ask("test.env.name", FreeText(), next="year"),
    "year": Ask("test.env.year", Year(), next="symptoms"),
    "symptoms": Ask("test.env.symptoms", MultiSelect(6), next="done"),
    "done": End("test.env.done", outcome="test.env.record"),
})

TEMPLATES = {
    "test.tick": Template("N={n}", "N={n}"),
    "test.env.name": Template("Ho va ten?", "Full name?"),
    "test.env.year": Template("Nam sinh?", "Year of birth?"),
    "test.env.symptoms": Template("Trieu chung? 0 khong, 1-6", "Symptoms? 0 none, 1-6"),
    "test.env.done": Template("Da ghi nhan {name}.", "Recorded {name}."),
}


@pytest.fixture
def counter(monkeypatch, install_flow) -> list[int]:
    """The counting flow on KB; returns the values its effect has seen, in order."""
    seen: list[int] = []

    def count(_conversation, args):
        seen.append(args["n"])
        return "ok", {"n": args["n"] + 1}

    monkeypatch.setitem(EFFECTS, "test.count", count)
    install_flow(COUNTER, "declare", TEMPLATES)
    return seen


class Outcome:
    """The survey's outcome handler: records answers, or raises `error` when set."""

    def __init__(self):
        self.recorded: list[dict] = []
        self.error: Exception | None = None

    def __call__(self, _conversation, answers):
        if self.error is not None:
            # Like a real bug, the message carries the answers (and so the phone).
            raise self.error
        self.recorded.append(dict(answers))
        return None


@pytest.fixture
def survey(monkeypatch, install_flow) -> Outcome:
    """The survey flow on KB with a controllable outcome."""
    outcome = Outcome()
    monkeypatch.setitem(OUTCOMES, "test.env.record", outcome)
    install_flow(SURVEY, "declare", TEMPLATES)
    return outcome


def inbound_rows(app, **where) -> list[InboundMessage]:
    """Inbound messages logged, filtered by column values."""
    with runtimes.of(app).sessions() as session:
        query = select(InboundMessage).filter_by(**where).order_by(InboundMessage.id)
        return list(session.scalars(query))


def saved_state(redis) -> dict | None:
    """The phone's saved SMS dialogue state, or None."""
    raw = redis.get(STATE_KEY)
    return json.loads(raw)["state"] if raw else None


# --- exactly once ------------------------------------------------------------------

def test_duplicate_answered_from_redis_without_running_the_flow(phone, counter, app):
    assert phone.sms("KB") == "N=1"
    assert phone.sms("a", sid="SMdup1") == "N=2"
    assert phone.sms("a", sid="SMdup1") == "N=2"
    assert counter == [0, 1]
    assert len(inbound_rows(app, provider_id="SMdup1")) == 1
    assert phone.sms("b") == "N=3"


def test_duplicate_after_redis_forgot_is_answered_from_the_log(phone, counter, app, redis):
    assert phone.sms("KB") == "N=1"
    assert phone.sms("a", sid="SMdup2") == "N=2"
    for key in redis.scan_iter("seen:*"):
        redis.delete(key)
    # The log answers before the flow runs: its effect (outside the database, like an
    # OTP sent or a Redis counter) must not happen a second time.
    assert phone.sms("a", sid="SMdup2") == "N=2"
    assert counter == [0, 1]
    assert len(inbound_rows(app, provider_id="SMdup2")) == 1
    assert saved_state(redis)["answers"]["n"] == 2
    # ...and the answer is remembered again, so the next retry is a Redis hit.
    assert redis.exists("seen:twilio:SMdup2")


@pytest.fixture
def server(app) -> Iterator[str]:
    """The app served by a real threaded WSGI server; yields its base URL."""
    yield from serve(app)


def post_sms(base: str, body: str, sid: str, sender: str = NUMBER) -> tuple[int, str]:
    """POST one Twilio webhook; returns the status and the reply text."""
    response = requests.post(f"{base}/sms/twilio", timeout=20, data={
        "From": sender, "To": "+84240000", "Body": body, "MessageSid": sid})
    text = twiml_text(response.text) if response.status_code == 200 else response.text
    return response.status_code, text


def test_concurrent_messages_from_one_phone_are_serialised_and_each_handled_once(
        server, counter, app, redis):
    assert post_sms(server, "KB", "SMopen") == (200, "N=1")
    count = 20
    sids = [f"SMc{i:02d}" for i in range(count)]
    # Every message, and a retry of the first five, all in flight at once.
    jobs = [(f"m{i}", sid) for i, sid in enumerate(sids)] + [(f"m{i}", sids[i]) for i in range(5)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: post_sms(server, *job), jobs))
    assert all(status == 200 for status, _ in results), results
    replies = [text for _, text in results]
    # Serialised: each turn saw the state the previous one saved, so the counts are
    # exactly 2..21, none repeated (a lost update) and none skipped (a double turn).
    assert sorted(replies[:count], key=lambda t: int(t[2:])) == [
        f"N={n}" for n in range(2, count + 2)]
    assert replies[count:] == replies[:5]  # a retry gets its twin's answer
    assert counter == list(range(count + 1))
    rows = inbound_rows(app, phone=NUMBER)
    assert sorted(r.provider_id for r in rows) == sorted(["SMopen", *sids])
    assert saved_state(redis)["answers"]["n"] == count + 1


def test_messages_from_different_phones_do_not_wait_for_each_other(server, counter, redis):
    others = ["+84912345670", "+84912345671", "+84912345672"]
    with dialogues.phone_lock(redis, NUMBER):  # one phone is stuck in a long turn
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(others)) as pool:
            results = list(pool.map(lambda n: post_sms(server, "KB", uuid.uuid4().hex, n),
                                    others))
        elapsed = time.monotonic() - started
    assert results == [(200, "N=1")] * len(others)
    assert elapsed < dialogues.LOCK_WAIT_SECONDS / 2


@pytest.mark.parametrize("route", ["sms", "ussd"])
def test_lock_wait_exceeded_is_503_with_retry_after(client, app, redis, monkeypatch, route):
    monkeypatch.setattr(dialogues, "LOCK_WAIT_SECONDS", 0.3)
    if route == "sms":
        url, form = "/sms/twilio", {"From": NUMBER, "To": "+84240000", "Body": "HD",
                                    "MessageSid": "SMbusy"}
    else:
        url, form = "/ussd", {"sessionId": "ATbusy", "serviceCode": "*1022#",
                              "phoneNumber": NUMBER, "text": ""}
    lock = dialogues.phone_lock(redis, NUMBER)
    assert lock.acquire()
    try:
        started = time.monotonic()
        response = client.post(url, data=form)
        assert time.monotonic() - started < 3
    finally:
        lock.release()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "in progress" in response.get_data(as_text=True)
    assert inbound_rows(app) == []  # nothing recorded: the retry will be the first turn
    assert client.post(url, data=form).status_code == 200
    assert len(inbound_rows(app)) == 1


# --- a flow that raises --------------------------------------------------------------

@pytest.mark.parametrize("error", [
    RuntimeError(f"cannot save answers {{'phone': '{NUMBER}'}}"),
    KeyError("province"),
    IntegrityError("INSERT INTO declarations", {"phone": NUMBER}, Exception("duplicate")),
], ids=["runtime", "key", "integrity"])
def test_error_in_a_flow_gets_a_polite_reply_and_keeps_the_state(
        phone, survey, app, redis, caplog, error):
    assert phone.sms("KB") == render("test.env.name", "vi")
    assert phone.sms("Lan") == render("test.env.year", "vi")
    assert phone.sms("1990") == render("test.env.symptoms", "vi")
    before = saved_state(redis)
    survey.error = error
    with caplog.at_level(logging.INFO):
        assert phone.sms("1 2") == render("dialogue.error", "vi")
    failed_sid = phone.last_sid

    # Logged with its traceback...
    failures = [r for r in caplog.records if r.name == "gateway.dialogue.turn"
                and r.levelno == logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info is not None
    assert type(error).__name__ in caplog.text
    # ...recorded with the answer it got...
    [row] = inbound_rows(app, provider_id=failed_sid)
    assert row.body == "1 2"
    assert json.loads(row.reply)["texts"] == [render("dialogue.error", "vi")]
    # ...and the dialogue still waits on the same question, so it can be answered again.
    assert saved_state(redis) == before
    survey.error = None
    assert phone.sms("1 2") == render("test.env.done", "vi", {"name": "Lan"})
    assert [(r["name"], r["year"], r["symptoms"]) for r in survey.recorded] == [
        ("Lan", 1990, (1, 2))]


def test_logs_of_a_failing_turn_never_contain_the_phone_number(phone, survey, caplog):
    phone.sms("KB")
    phone.sms("Lan")
    phone.sms("1990")
    survey.error = RuntimeError(f"outcome failed for {NUMBER} ({NUMBER[1:]})")
    with caplog.at_level(logging.DEBUG):
        assert phone.sms("0") == render("dialogue.error", "vi")
    assert caplog.records, "the failure was not logged"
    json_lines = [JsonFormatter().format(record) for record in caplog.records]
    for spelling in (NUMBER, NUMBER[1:], "0912345678"):
        assert spelling not in caplog.text
        assert not any(spelling in line for line in json_lines)
        assert not any(spelling in str(getattr(r, "phone", "")) for r in caplog.records)
    assert "+849*****678" in caplog.text  # masked, not dropped: still traceable


def test_stale_state_of_a_removed_node_counts_as_no_dialogue(phone, survey, redis):
    redis.set(STATE_KEY, json.dumps({"state": {
        "flow": SURVEY.name, "node": "removed_in_a_later_release", "answers": {}}}))
    assert phone.sms("Lan") == render("help", "vi")
    assert phone.sms("KB") == render("test.env.name", "vi")


def test_finished_dialogue_leaves_no_state_behind(phone, survey, redis):
    for text in ("KB", "Lan", "1990"):
        phone.sms(text)
    assert redis.ttl(STATE_KEY) > 0
    phone.sms("0")
    assert not redis.exists(STATE_KEY)
    assert survey.recorded[0]["symptoms"] == ()


def test_unknown_phone_gets_a_phone_record_once(client, app):
    for spelling in ("0912345678", "+84 91 234 5678"):
        Phone(client, spelling).sms("HD")
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(PhoneRow)) == 1
        assert session.scalar(select(PhoneRow.number)) == NUMBER
