"""Lean record writes (gateway/store/lean.py) keep the ORM path's guarantees on both
engines: a record and its change-feed event commit or roll back together, ID numbers
are stored encrypted with their lookup hashes, a taken declaration code draws another
without spoiling the transaction, a report of the day is written once and amended
after, an object already loaded gets the new values without being written (or fed)
twice; and on PostgreSQL, under concurrent writers: the feed still serves every event
once in order, concurrent first reports of a day make one report, and concurrent
twins of an inbound message log it once."""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
import uuid
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import func, select, text, update

from gateway.store import (
    alerts,
    declarations,
    events,
    keyring,
    message_log,
    schema,
    venues,
)
from gateway.store import quarantine as store
from gateway.store.db import Statement, make_engine, make_sessions, transaction
from gateway.store.models import (
    Alert,
    Declaration,
    Event,
    HealthReport,
    InboundMessage,
    Phone,
    QuarantineCase,
    User,
    Visit,
)
from tests.conftest import DATA_KEY, PG_ADMIN_URL

CCCD, BHYT = "001080012345", "HN4010123456789"
_numbers = itertools.count(1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sessions(request, tmp_path_factory):
    """A session factory on a migrated database of this module's own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('lean') / 'gateway.db'}"
    else:
        name = f"gwlean_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    schema.upgrade(url)
    engine = make_engine(url)
    keyring.attach(engine, keyring.parse(DATA_KEY))
    yield make_sessions(engine)
    engine.dispose()
    if request.param == "postgresql":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgresql(sessions) -> bool:
    return sessions.kw["bind"].dialect.name == "postgresql"


def phone() -> str:
    return f"+8491{next(_numbers):07d}"


def fields(number: str, **changes) -> dict:
    return {"declarer_phone": number, "subject_phone": number, "full_name": "Tran Thi B",
            "birth_year": 1990, "gender": "female", "id_type": "cccd", "id_number": CCCD,
            "insurance_number": BHYT, "province_code": 1, "province_name": "Ha Noi",
            "ward_code": 70, "ward_name": "Hoan Kiem", "street": "12 Hang Bac",
            "symptoms": [2], "contact": False, "travel": False, "risk": "low",
            "channel": "sms", "verification": "otp", "form_version": "moh-2025.1",
            "answers": {"name": "Tran Thi B", "id_number": {"type": "cccd", "number": CCCD},
                        "insurance": BHYT}, **changes}


def events_of(session, topic: str, record_id: int) -> list[tuple[str, int | None]]:
    return [(e.action, e.txid) for e in session.scalars(
        select(Event).where(Event.topic == topic, Event.record_id == record_id)
        .order_by(Event.id))]


def test_a_declaration_and_its_event_commit_together(sessions):
    number = phone()
    with transaction(sessions) as session:
        made = declarations.create(session, valid_hours=24, **fields(number))
    with sessions() as session:
        stored = session.get(Declaration, made.id)
        raw = session.execute(text("SELECT id_number, insurance_number, answers "
                                   "FROM declarations WHERE id = :id"), {"id": made.id}).one()
        fed = events_of(session, "declaration", made.id)
    ring = keyring.parse(DATA_KEY)
    assert (stored.code, stored.id_number, stored.insurance_number) == (
        made.code, CCCD, BHYT)
    assert CCCD not in raw.id_number and ring.decrypt(raw.id_number) == CCCD
    assert BHYT not in raw.insurance_number and CCCD not in str(raw.answers)
    assert stored.id_number_hash == ring.digest(CCCD) == made.id_number_hash
    assert stored.answers == {"name": "Tran Thi B", "id_number": {"type": "cccd"}}
    assert (stored.relation, stored.follow_up, stored.symptoms) == ("self", False, [2])
    assert stored.valid_until - stored.created_at == timedelta(hours=24)
    assert made.valid_until == stored.valid_until and made.created_at == stored.created_at
    assert [action for action, _ in fed] == ["created"]
    assert (fed[0][1] is not None) == postgresql(sessions)  # the writer's txid on PostgreSQL


def test_a_rolled_back_declaration_leaves_no_event(sessions):
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        made = declarations.create(session, valid_hours=24, **fields(phone()))
        raise RuntimeError("the turn failed after writing")
    with sessions() as session:
        assert session.get(Declaration, made.id) is None
        assert events_of(session, "declaration", made.id) == []


def test_a_taken_code_draws_another_and_the_transaction_goes_on(sessions, monkeypatch):
    with transaction(sessions) as session:
        first = declarations.create(session, valid_hours=24, **fields(phone()))
    codes = iter([first.code, first.code, "ZZ" + uuid.uuid4().hex[:6].upper()])
    monkeypatch.setattr(declarations, "new_declaration_code", lambda: next(codes))
    with transaction(sessions) as session:
        second = declarations.create(session, valid_hours=24, **fields(phone()))
        session.add(Phone(number=phone()))  # the transaction is still usable
        session.flush()
    with sessions() as session:
        assert session.get(Declaration, second.id).code == second.code != first.code
        assert [a for a, _ in events_of(session, "declaration", second.id)] == ["created"]


def test_unknown_fields_are_refused(sessions):
    with pytest.raises(TypeError), transaction(sessions) as session:
        declarations.create(session, valid_hours=24, **fields(phone(), colour="red"))


@pytest.fixture(scope="module")
def case_ids(sessions):
    """Twenty active cases of one manager (with a phone)."""
    with transaction(sessions) as session:
        manager = User(username=f"m{uuid.uuid4().hex[:6]}", role="manager",
                       phone="+84903000001")
        session.add(manager)
        session.flush()
        cases = [QuarantineCase(phone=phone(), full_name=f"Nguoi {n}", kind="home",
                                start_date=date.today() - timedelta(days=2),
                                end_date=date.today() + timedelta(days=10),
                                manager_id=manager.id, status="active", alert=False)
                 for n in range(20)]
        session.add_all(cases)
        session.flush()
        return [case.id for case in cases]


def test_a_report_is_written_then_amended_with_its_events(sessions, case_ids):
    case_id, day = case_ids[0], date.today()
    with transaction(sessions) as session:
        first, amended_first = store.record_report(
            session, case_id, day, symptoms=[], temperature=36.6, danger=False, channel="sms")
    with transaction(sessions) as session:
        second, amended_second = store.record_report(
            session, case_id, day, symptoms=[3], temperature=38.5, danger=True,
            channel="ussd")
    assert (amended_first, amended_second) == (False, True)
    assert second.id == first.id and second.created_at == first.created_at
    with sessions() as session:
        stored = session.get(HealthReport, first.id)
        fed = [a for a, _ in events_of(session, "health_report", first.id)]
    assert (stored.symptoms, stored.temperature, stored.danger, stored.channel) == (
        [3], 38.5, True, "ussd")
    assert stored.created_at == first.created_at < stored.updated_at == second.updated_at
    assert fed == ["created", "updated"]


def test_an_alert_flags_the_loaded_case_without_writing_it_twice(sessions, case_ids):
    case_id, day = case_ids[1], date.today()
    with transaction(sessions) as session:
        case = session.get(QuarantineCase, case_id)
        report, _ = store.record_report(session, case_id, day, symptoms=[3],
                                        temperature=None, danger=True, channel="sms")
        raised = alerts.raise_alert(session, case_id, report.id, [3])
        assert case.alert is True and not session.is_modified(case)
        again = alerts.raise_alert(session, case_id, report.id, [0, 3])
        assert again.id == raised.id and again.reasons == [0, 3]
    with sessions() as session:
        assert session.get(QuarantineCase, case_id).alert is True
        assert session.get(Alert, raised.id).reasons == [0, 3]
        assert [a for a, _ in events_of(session, "quarantine_case", case_id)] == [
            "created", "updated", "updated"]


def test_a_visit_closed_lean_is_not_written_again_by_a_flush(sessions):
    """The open visit is read lean too: a transient object outside the session."""
    number = phone()
    with transaction(sessions) as session:
        venue = venues.create(session, name="Cho", kind="market", province_code=1,
                              province_name="Ha Noi")
    with transaction(sessions) as session:
        done = venues.check_in(session, venue, number, channel="sms",
                               repeat_window=timedelta(minutes=5))
    with transaction(sessions) as session:
        closed = venues.check_out(session, number)
        assert closed.checked_out_at is not None and closed not in session
        session.add(Phone(number=phone()))
        session.flush()  # a later flush in the same transaction writes no visit again
    with sessions() as session:
        stored = session.get(Visit, done.visit.id)
        assert (stored.closed_by, stored.checked_out_at) == ("checkout", closed.checked_out_at)
        assert [a for a, _ in events_of(session, "visit", stored.id)] == [
            "created", "updated"]


def settled(sessions, timeout: float = 30.0) -> bool:
    """Whether every committed event can be served now (transaction ids are shared by
    the server's databases: a test run next door may hold the feed back a moment)."""
    if not postgresql(sessions):
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            if session.execute(text(
                    "SELECT coalesce(max(txid), 0) < CAST(CAST(pg_snapshot_xmin("
                    "pg_current_snapshot()) AS text) AS bigint) FROM events")).scalar():
                return True
        time.sleep(0.02)
    return False


def test_writers_at_once_feed_every_lean_event_once_in_order(sessions):
    """Transactions take their txid early and write a declaration late: the order that
    loses events when a feed is read by id. A reader polling all along gets every one."""
    with sessions() as session:
        start = max((events.position(e) for e in session.scalars(select(Event))),
                    default=events.Position())
    writers, writes, done, served = 4, 12, threading.Event(), []

    def write(writer: int) -> None:
        rng = random.Random(writer)
        for _ in range(writes):
            with transaction(sessions) as session:
                session.add(Phone(number=phone()))
                session.flush()
                time.sleep(rng.uniform(0, 0.01))
                declarations.create(session, valid_hours=24, **fields(phone()))
                time.sleep(rng.uniform(0, 0.01))

    def read() -> None:
        after = start
        while True:
            finished = done.is_set()
            if finished:
                assert settled(sessions)
            with sessions() as session:
                page = events.read(session, after, 7)
            served.extend(e.id for e in page)
            after = events.position(page[-1]) if page else after
            if finished and not page:
                return
            time.sleep(0.002)

    reader = threading.Thread(target=read)
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(timeout=60)
    with sessions() as session:  # SQLite: no txid, writers one at a time, id order
        later = (Event.txid > start.txid if postgresql(sessions) else Event.id > start.id)
        every = session.scalars(select(Event.id).where(later)
                                .order_by(Event.txid, Event.id)).all()
    assert len(every) == writers * writes
    assert served == list(every)


def test_concurrent_first_reports_of_a_day_make_one_report(sessions, case_ids):
    case_id, day = case_ids[2], date.today()
    results, errors = [], []
    barrier = threading.Barrier(2)

    def report(temperature: float) -> None:
        try:
            with transaction(sessions) as session:
                barrier.wait(timeout=10)
                results.append(store.record_report(  # both at once: one waits for the other
                    session, case_id, day, symptoms=[], temperature=temperature,
                    danger=False, channel="sms")[1])
                time.sleep(0.05)
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=report, args=(t,)) for t in (36.5, 37.5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(results) == [False, True]
    with sessions() as session:
        rows = session.scalars(select(HealthReport).where(
            HealthReport.case_id == case_id, HealthReport.report_date == day)).all()
        assert len(rows) == 1
        assert [a for a, _ in events_of(session, "health_report", rows[0].id)] == [
            "created", "updated"]


def _record_inbound(session, sid: str) -> int | None:
    return message_log.record_inbound(session, channel="sms", provider="twilio",
                                   provider_id=sid, phone="+84912345678",
                                   recipient="1022", body="KB")


def _open_turn(session, sid: str) -> int | None:
    opened = message_log.open_turn(session, channel="sms", provider="twilio", provider_id=sid,
                             phone="+84912345678", recipient="1022", body="KB")
    return None if opened is None else opened.inbound_id


@pytest.mark.parametrize("record", [_record_inbound, _open_turn])
def test_concurrent_twins_of_an_inbound_message_log_it_once(sessions, record):
    """The provider retries while the first delivery's transaction is still open: the
    twin waits for it, then finds the key taken; when the first rolls back instead,
    the twin logs the message."""

    for first_commits in (True, False):
        sid = "SM" + uuid.uuid4().hex
        started, twin = threading.Event(), []

        def second(sid=sid, started=started, twin=twin) -> None:
            started.wait(timeout=10)
            with transaction(sessions) as session:
                twin.append(record(session, sid))

        thread = threading.Thread(target=second)
        thread.start()
        try:
            with transaction(sessions) as session:
                first = record(session, sid)
                started.set()
                time.sleep(0.2)  # the twin is waiting (PostgreSQL) or not yet in (SQLite)
                if not first_commits:
                    raise LookupError
        except LookupError:
            pass
        thread.join(timeout=30)
        with sessions() as session:
            logged = session.scalars(select(InboundMessage.id).where(
                InboundMessage.provider_id == sid)).all()
        assert first is not None
        assert twin == ([None] if first_commits else [logged[0]])
        assert len(logged) == 1


def test_a_turn_opens_with_one_statement_for_a_known_phone(sessions, monkeypatch):
    """The turn's first statement logs the message and reads the phone (PostgreSQL: one
    statement); a number never seen before is made, once; a retry logs nothing."""
    number, executed = phone(), []
    run = Statement.run
    monkeypatch.setattr(Statement, "run", lambda self, session, params: (
        executed.append(self.sql), run(self, session, params))[1])

    def open_turn(sid: str):
        executed.clear()
        with transaction(sessions) as session:
            return message_log.open_turn(session, channel="sms", provider="twilio", provider_id=sid,
                                   phone=number, recipient="1022", body="KB")

    first = open_turn("SM" + uuid.uuid4().hex)
    assert first is not None and first.phone.number == number
    assert first.phone.language == "vi" and not first.phone.opted_out
    with transaction(sessions) as session:
        session.execute(update(Phone).where(Phone.number == number).values(language="en"))
    sid = "SM" + uuid.uuid4().hex
    second = open_turn(sid)
    assert (second.phone.id, second.phone.language) == (first.phone.id, "en")
    # PostgreSQL: one statement; SQLite: the claim, the log row and the phone's read.
    assert len(executed) == (1 if postgresql(sessions) else 3)
    assert open_turn(sid) is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Phone).where(
            Phone.number == number)) == 1
        assert session.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.provider_id == sid)) == 1
